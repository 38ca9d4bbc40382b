//! A check plugin that cannot be started or answers wrongly, or a policy
//! file that cannot be read, never lets lint or breaking pass: both fail
//! with buf 1.75.0's own words (texts recorded from buf in /tmp module
//! fixtures like these; ../shared/reference/buf-check-plugins.md §1.7, §3
//! and §4.1). The full cases against buf are in tests/check_plugins.rs.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn module(dir: &Path, extra: &str) {
    std::fs::create_dir_all(dir.join("proto/a/v1")).unwrap();
    std::fs::write(
        dir.join("buf.yaml"),
        format!("version: v2\nmodules:\n  - path: proto\n{extra}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("proto/a/v1/a.proto"),
        "syntax = \"proto3\";\npackage a.v1;\nmessage A {}\n",
    )
    .unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_protolith"))
        .args(args)
        .current_dir(dir)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn plugins_and_policies_that_cannot_run_fail_lint_and_breaking_as_buf_does() {
    let cases = [
        (
            "plugins:\n  - plugin: buf-plugin-foo\n",
            "Failure: plugin \"buf-plugin-foo\" failed: exec: \"buf-plugin-foo\": executable file not found in $PATH\n",
        ),
        (
            "plugins:\n  - plugin: ./nope/p\n",
            "Failure: plugin \"./nope/p\" failed: fork/exec ./nope/p: no such file or directory\n",
        ),
        (
            "plugins:\n  - plugin: nope.wasm\n",
            "Failure: plugin \"nope.wasm\" failed: could not read plugin \"nope.wasm\": could not find file \"nope.wasm\" in PATH: exec: \"nope.wasm\": executable file not found in $PATH\n",
        ),
        (
            "policies:\n  - policy: missing.yaml\n",
            "Failure: could not read local policy config \"missing.yaml\": open missing.yaml: no such file or directory\n",
        ),
        (
            "plugins:\n  - plugin: \"true\"\n",
            "Failure: plugin \"true\" failed: --protocol did not return a protocol version\n",
        ),
        (
            "plugins:\n  - plugin: \"false\"\n",
            "Failure: plugin \"false\" failed: Exited with code 1: exit status 1\n",
        ),
    ];
    for (extra, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        module(tmp.path(), extra);
        for args in [&["lint"][..], &["breaking", "--against", "proto"][..]] {
            let (code, stdout, stderr) = run(tmp.path(), args);
            assert_eq!(
                (code, stdout.as_str(), stderr.as_str()),
                (1, "", expected),
                "{args:?} with {extra:?}"
            );
        }
    }
}

#[test]
fn without_plugins_or_policies_lint_runs() {
    let tmp = tempfile::tempdir().unwrap();
    module(tmp.path(), "");
    let (code, _, stderr) = run(tmp.path(), &["lint"]);
    assert_eq!(code, 0, "{stderr}");
}
