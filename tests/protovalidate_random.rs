//! PROTOVALIDATE on random modules: `scripts/diff-protovalidate.py` writes
//! modules full of random protovalidate annotations and compares protolith's
//! findings with buf 1.75.0's, byte for byte. Runs when scripts/refs.sh has
//! installed buf (CI does) and python3 is on PATH; skips otherwise.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::process::Command;

use common::root;

#[test]
fn random_protovalidate_modules_agree_with_buf() {
    let buf = root().join(".refs/bin/buf");
    let python = Command::new("python3").arg("--version").output();
    if !buf.exists() || python.is_err() {
        eprintln!("skipped: needs .refs/bin/buf (scripts/refs.sh) and python3");
        return;
    }
    let out = Command::new("python3")
        .arg(root().join("scripts/diff-protovalidate.py"))
        .args(["--seeds", "1-40"])
        .env("BUF", &buf)
        .env("PROTOLITH", env!("CARGO_BIN_EXE_protolith"))
        .output()
        .expect("run scripts/diff-protovalidate.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("40 seeds, 0 differ"),
        "random PROTOVALIDATE modules differ from buf:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
