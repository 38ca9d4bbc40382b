//! protoc plugin mode against buf 1.75.0's own plugins: every case under
//! testdata/plugin-mode/cases/ (recorded by scripts/regen-plugin-mode.sh) is
//! replayed with protolith run through links named protoc-gen-buf-lint and
//! protoc-gen-buf-breaking, two ways:
//!
//! - the plugin alone, fed the request buf's plugin got: the same response
//!   bytes on stdout and the same exit code;
//! - protoc driving it with the case's rules_buf argument file, from the
//!   case directory: the same stdout, stderr and exit code. This needs the
//!   protoc that made the recording (PROTOC_VERSION, Debian's 3.21.12,
//!   whose own warnings are part of stderr); with another, or none, this
//!   half is skipped with a note.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn cases_dir() -> PathBuf {
    common::root().join("testdata/plugin-mode/cases")
}

/// A directory holding links to protolith named as buf's plugins.
fn plugin_links() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["protoc-gen-buf-lint", "protoc-gen-buf-breaking"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_protolith"), dir.path().join(name))
            .expect("symlink");
    }
    dir
}

fn plugin_name(case: &str) -> &'static str {
    if case.starts_with("breaking-") {
        "protoc-gen-buf-breaking"
    } else {
        "protoc-gen-buf-lint"
    }
}

/// The protoc the cases were recorded with, if that is the one on PATH.
fn recorded_protoc() -> Option<&'static str> {
    let want =
        std::fs::read_to_string(common::root().join("testdata/plugin-mode/PROTOC_VERSION")).ok()?;
    let out = Command::new("protoc").arg("--version").output().ok()?;
    (String::from_utf8_lossy(&out.stdout) == want).then_some("protoc")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn exit_code(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[test]
fn plugins_answer_as_bufs_do() {
    let links = plugin_links();
    let protoc = recorded_protoc();
    if protoc.is_none() {
        eprintln!("note: protoc missing or not the recorded version; protoc runs skipped");
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "expected at least 20 cases");
    // The check-plugin cases (buf.yaml plugins:) find the test plugin on
    // PATH, as the regen script gave it to buf's plugin.
    let fixture = Path::new(env!("CARGO_BIN_EXE_buf-plugin-fixture"));
    let mut dirs = vec![fixture.parent().expect("fixture dir").to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(dirs).expect("PATH");
    let mut failures = Vec::new();
    for dir in &cases {
        let case = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let plugin = links.path().join(plugin_name(case));

        let request = dir.join("request.binpb");
        if request.exists() {
            let out = Command::new(&plugin)
                .env("PATH", &path)
                .current_dir(dir)
                .stdin(std::fs::File::open(&request).expect("request"))
                .stderr(Stdio::null())
                .output()
                .expect("run plugin");
            let want_exit = exit_code(&dir.join("plugin-exit"));
            if out.status.code() != want_exit {
                failures.push(format!(
                    "{case}: plugin exit {:?}, buf's {want_exit:?}",
                    out.status.code()
                ));
            }
            if out.stdout != read(&dir.join("response.binpb")) {
                failures.push(format!("{case}: response differs from buf's"));
            }
        }

        let Some(protoc) = protoc else { continue };
        let out = Command::new(protoc)
            .env("PATH", &path)
            .current_dir(dir)
            .arg(format!(
                "--plugin=protoc-gen-buf-plugin={}",
                plugin.display()
            ))
            .arg("@args")
            .output()
            .expect("run protoc");
        let want_exit = exit_code(&dir.join("exit"));
        if out.status.code() != want_exit {
            failures.push(format!(
                "{case}: protoc exit {:?}, with buf's plugin {want_exit:?}",
                out.status.code()
            ));
        }
        let want_stderr = String::from_utf8_lossy(&read(&dir.join("stderr"))).into_owned();
        let got_stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if got_stderr != want_stderr {
            failures.push(format!(
                "{case}: stderr differs\n--- buf\n{want_stderr}--- protolith\n{got_stderr}"
            ));
        }
        if out.stdout != read(&dir.join("stdout")) {
            failures.push(format!("{case}: stdout differs"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// protolith under its own name is the CLI, not a plugin.
#[test]
fn protolith_by_its_own_name_is_not_a_plugin() {
    let out = common::protolith()
        .arg("--version")
        .output()
        .expect("run protolith");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("protolith"));
}

/// Arguments and an empty stdin fail as buf's plugins fail.
#[test]
fn bad_invocations_fail_with_bufs_messages() {
    let links = plugin_links();
    let plugin = links.path().join("protoc-gen-buf-lint");
    let run = |args: &[&str]| {
        let out = Command::new(&plugin)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run plugin");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        run(&[]),
        (
            Some(1),
            "CodeGeneratorRequest: proto_file: empty\n".to_string()
        )
    );
    assert_eq!(
        run(&["--version"]),
        (Some(1), "unknown argument: --version\n".to_string())
    );
    assert_eq!(
        run(&["a", "b"]),
        (Some(1), "unknown arguments: a b\n".to_string())
    );
}
