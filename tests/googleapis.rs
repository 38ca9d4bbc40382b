//! googleapis 6.0.1 (7,221 files) built by buf 1.75.0 and by protolith must
//! give byte-identical images. Runs when scripts/refs.sh has installed buf and
//! the corpus (CI does); skips otherwise.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::process::Command;

use common::*;

#[test]
fn googleapis_image_agrees_with_buf() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    let buf = root().join(".refs/bin/buf");
    if !corpus.is_dir() || !buf.exists() {
        eprintln!("skipped: run scripts/refs.sh to install buf and googleapis");
        return;
    }
    let tmp = std::env::temp_dir();
    let ours = tmp.join(format!(
        "protolith-googleapis-ours-{}.binpb",
        std::process::id()
    ));
    let theirs = tmp.join(format!(
        "protolith-googleapis-buf-{}.binpb",
        std::process::id()
    ));
    let st = Command::new(&buf)
        .current_dir(&corpus)
        .args(["build", ".", "-o"])
        .arg(&theirs)
        .status()
        .expect("run buf");
    assert!(st.success(), "buf failed on googleapis");
    let st = protolith()
        .current_dir(&corpus)
        .args(["build", ".", "-o"])
        .arg(&ours)
        .status()
        .expect("run protolith");
    assert!(st.success(), "protolith failed on googleapis");
    let expected = std::fs::read(&theirs).expect("buf image");
    let actual = std::fs::read(&ours).expect("our image");
    let _ = std::fs::remove_file(&ours);
    let _ = std::fs::remove_file(&theirs);
    assert_eq!(split_image(&actual).len(), 7221);
    if let Some(diff) = image_difference(&expected, &actual) {
        let head: String = diff.lines().take(20).collect::<Vec<_>>().join("\n");
        panic!("googleapis differs from buf:\n{head}");
    }
    assert!(
        expected == actual,
        "googleapis image: same content as buf's but not the same bytes"
    );
}
