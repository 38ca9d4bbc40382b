//! What `protolith generate` does that buf does not: `--check`/`--diff`,
//! the plugin lock, the safe clean, one answer whatever the timing, and no
//! file written unless every plugin succeeded. (Where buf has an answer,
//! tests/generate.rs compares with it.)

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

const CAPTURE: &str = env!("CARGO_BIN_EXE_protoc-gen-capture");

fn module(dir: &Path) {
    let files = [
        ("in/buf.yaml", "version: v2\n"),
        (
            "in/acme/v1/a.proto",
            "syntax = \"proto3\";\npackage acme.v1;\nimport \"acme/v1/b.proto\";\nmessage A { B b = 1; }\n",
        ),
        (
            "in/acme/v1/b.proto",
            "syntax = \"proto3\";\npackage acme.v1;\nmessage B { string s = 1; }\n",
        ),
        (
            "in/other/c.proto",
            "syntax = \"proto3\";\npackage other;\nmessage C {}\n",
        ),
    ];
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

fn template(dir: &Path, body: &str) {
    std::fs::write(dir.join("buf.gen.yaml"), body.replace("CAPTURE", CAPTURE)).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_protolith"))
        .arg("generate")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAPTURE_DIR")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

const LIST: &str = "version: v2\nplugins:\n  - local: CAPTURE\n    out: gen\n    opt: list\n";

#[test]
fn check_lists_what_would_change_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    module(dir);
    template(dir, LIST);
    // A fresh tree: everything would be created; nothing is written.
    let out = run(dir, &["in", "--check"]);
    assert_eq!(out.status.code(), Some(100), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "create gen/acme/v1/a.proto.txt\ncreate gen/acme/v1/b.proto.txt\ncreate gen/other/c.proto.txt\n"
    );
    assert!(!dir.join("gen").exists(), "--check wrote files");
    // Generated: up to date.
    assert_eq!(run(dir, &["in"]).status.code(), Some(0));
    let out = run(dir, &["in", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout), "");
    // A proto renamed, an output edited by hand, a stray file under clean.
    std::fs::rename(dir.join("in/other/c.proto"), dir.join("in/other/d.proto")).unwrap();
    std::fs::write(dir.join("gen/acme/v1/a.proto.txt"), "edited\n").unwrap();
    let out = run(dir, &["in", "--check", "--clean", "--diff"]);
    assert_eq!(out.status.code(), Some(100));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "update gen/acme/v1/a.proto.txt\ndelete gen/other/c.proto.txt\ncreate gen/other/d.proto.txt\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- a/gen/acme/v1/a.proto.txt\n+++ b/gen/acme/v1/a.proto.txt\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-edited\n+param=list\n"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.join("gen/acme/v1/a.proto.txt")).unwrap(),
        "edited\n"
    );
    assert!(dir.join("gen/other/c.proto.txt").exists());
}

#[test]
fn two_runs_write_identical_trees_and_leave_unchanged_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    module(dir);
    template(
        dir,
        "version: v2\nplugins:\n  - local: CAPTURE\n    out: gen\n    opt: list\n  - local: CAPTURE\n    out: gen.zip\n    opt: list\n  - protoc_builtin: capture\n    out: gen2\n    strategy: all\n    opt: list\n",
    );
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::os::unix::fs::symlink(CAPTURE, dir.join("bin/protoc-gen-capture")).unwrap();
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let go = || {
        let out = Command::new(env!("CARGO_BIN_EXE_protolith"))
            .args(["generate", "in"])
            .current_dir(dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    go();
    let first = files(dir);
    let mtime = std::fs::metadata(dir.join("gen.zip"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    go();
    assert_eq!(first, files(dir));
    assert_eq!(
        mtime,
        std::fs::metadata(dir.join("gen.zip"))
            .unwrap()
            .modified()
            .unwrap()
    );
}

#[test]
fn the_plugin_lock_stops_a_run_whose_plugin_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    module(dir);
    // A plugin that is a script around the capture plugin, with a version.
    let plugin = dir.join("plug.sh");
    let write_plugin = |version: &str| {
        std::fs::write(
            &plugin,
            format!("#!/bin/sh\nif [ \"$1\" = --version ]; then echo \"plug {version}\"; exit 0; fi\nexec {CAPTURE} \"$@\"\n"),
        )
        .unwrap();
        let mut perm = std::fs::metadata(&plugin).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&plugin, perm).unwrap();
    };
    write_plugin("1.0");
    template(
        dir,
        "version: v2\nplugins:\n  - local: ./plug.sh\n    out: gen\n    opt: list\n",
    );
    // No lock: nothing is checked.
    assert!(run(dir, &["in"]).status.success());
    let out = run(dir, &["in", "--lock-plugins"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lock = std::fs::read_to_string(dir.join("protolith.gen.lock")).unwrap();
    assert!(lock.contains("name: ./plug.sh\n  kind: local\n"), "{lock}");
    assert!(lock.contains("version: plug 1.0\n"), "{lock}");
    assert!(run(dir, &["in"]).status.success());
    // The plugin changes: the run stops before generating anything.
    std::fs::remove_dir_all(dir.join("gen")).unwrap();
    write_plugin("2.0");
    let out = run(dir, &["in"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("Failure: plugin ./plug.sh differs from protolith.gen.lock:\n  locked: local plug 1.0 at "), "{err}");
    assert!(err.contains("\n  found:  local plug 2.0 at "), "{err}");
    assert!(!dir.join("gen").exists(), "generated despite the lock");
    // A plugin the lock does not know.
    template(
        dir,
        "version: v2\nplugins:\n  - local: ./plug.sh\n    out: gen\n  - local: CAPTURE\n    out: gen2\n",
    );
    write_plugin("1.0");
    let err = text(&run(dir, &["in"]).stderr);
    assert!(
        err.contains(&format!("plugin {CAPTURE} is not in protolith.gen.lock")),
        "{err}"
    );
    // Updating the lock accepts the new state.
    assert!(run(dir, &["in", "--lock-plugins"]).status.success());
    assert!(run(dir, &["in"]).status.success());
    // A corrupt lock is named.
    std::fs::write(
        dir.join("protolith.gen.lock"),
        "version: v1\nplugins: [oops\n",
    )
    .unwrap();
    let out = run(dir, &["in"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("Failure: decode "),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("protolith.gen.lock"));
}

#[test]
fn clean_refuses_an_out_that_contains_the_input_or_the_current_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    module(&work);
    std::fs::write(tmp.path().join("keep.txt"), "precious").unwrap();
    // buf 1.75.0 deletes the whole parent directory here.
    template(
        &work,
        "version: v2\nclean: true\nplugins:\n  - local: CAPTURE\n    out: ..\n    opt: list\n",
    );
    let out = run(&work, &["in"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("Failure: plugin "), "{err}");
    assert!(err.contains("cannot clean"), "{err}");
    assert!(tmp.path().join("keep.txt").exists());
    assert!(work.join("in/acme/v1/a.proto").exists());
    // An out that holds the input module.
    template(
        &work,
        "version: v2\nclean: true\nplugins:\n  - local: CAPTURE\n    out: in\n    opt: list\n",
    );
    let out = run(&work, &["in"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot clean"),
        "{}",
        text(&out.stderr)
    );
    assert!(work.join("in/other/c.proto").exists());
}

#[test]
fn failures_are_reported_in_template_order_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    module(dir);
    // The first plugin is slow and fails; the second fails at once; the
    // third succeeds. buf reports whichever finishes first.
    template(
        dir,
        "version: v2\nplugins:\n  - local: CAPTURE\n    out: gen0\n    opt: list\n  - local: CAPTURE\n    out: gen1\n    opt: [sleep_ms=300, error=first]\n  - local: CAPTURE\n    out: gen2\n    opt: error=second\n",
    );
    for _ in 0..3 {
        let out = run(dir, &["in"]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.starts_with(&format!("Failure: plugin {CAPTURE}: first; first")),
            "{err}"
        );
        assert!(
            files(dir).iter().all(|(p, _)| !p.starts_with("gen")),
            "something was written"
        );
    }
}

#[test]
fn a_progress_line_shows_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    module(dir);
    template(
        dir,
        "version: v2\nplugins:\n  - local: CAPTURE\n    out: gen\n    opt: list\n  - local: CAPTURE\n    out: gen2\n    opt: list\n",
    );
    // Not a terminal: stderr stays as buf's (empty here).
    let out = run(dir, &["in"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stderr), "");
    // A terminal, through util-linux's `script`, when the machine has it and
    // can open a pseudo-terminal.
    let works = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        eprintln!("skipped the terminal half: `script` cannot open a pseudo-terminal here");
        return;
    }
    let cmd = format!("{} generate in", env!("CARGO_BIN_EXE_protolith"));
    let Ok(tty) = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir)
        .output()
    else {
        eprintln!("skipped the terminal half: no `script`");
        return;
    };
    let shown = text(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(
        shown.contains("\rgenerating: 0/2 plugins done"),
        "{shown:?}"
    );
    assert!(
        shown.ends_with("\r\x1b[K"),
        "the line is cleared at the end: {shown:?}"
    );
}
