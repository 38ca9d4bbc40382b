//! `source edit deprecate` against buf 1.75.0's recorded rewrites
//! (testdata/source-deprecate/<case>/expected, from regen.sh); a case with
//! expected-protolith/ is a deliberate difference (an existing
//! `deprecated = false` becomes true instead of buf's duplicate option).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn deprecate_rewrites_like_buf() {
    let base = root().join("testdata/source-deprecate");
    let mut cases = 0;
    for entry in std::fs::read_dir(&base).unwrap() {
        let case = entry.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        let expected = if case.join("expected-protolith").is_dir() {
            case.join("expected-protolith")
        } else {
            case.join("expected")
        };
        let work = tempfile::tempdir().unwrap();
        for (name, bytes) in files(&case.join("input")) {
            std::fs::write(work.path().join(name), bytes).unwrap();
        }
        let args = std::fs::read_to_string(case.join("args")).unwrap();
        let out = protolith()
            .current_dir(work.path())
            .args(["source", "edit", "deprecate"])
            .args(args.split_whitespace())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {:?}", case.display(), out);
        assert_eq!(
            files(work.path()),
            files(&expected),
            "{}: rewritten tree differs",
            case.display()
        );
        cases += 1;
    }
    assert!(cases >= 3, "cases missing under {}", base.display());
}

#[test]
fn deprecate_without_a_match_fails_and_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let src = "syntax=\"proto3\";\npackage foo.bar;\nmessage M {}\n";
    std::fs::write(work.path().join("a.proto"), src).unwrap();
    // `foo.ba` is not a whole-component prefix of `foo.bar`.
    let out = protolith()
        .current_dir(work.path())
        .args(["source", "edit", "deprecate", "--prefix", "foo.ba"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Failure: no types matched the specified deprecation prefixes\n"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("a.proto")).unwrap(),
        src
    );
}

#[test]
fn deprecate_diff_leaves_files_alone() {
    let work = tempfile::tempdir().unwrap();
    let src = "syntax = \"proto3\";\npackage foo.bar;\nmessage M {}\n";
    std::fs::write(work.path().join("a.proto"), src).unwrap();
    let out = protolith()
        .current_dir(work.path())
        .args(["source", "edit", "deprecate", "--prefix", "foo.bar.M", "-d"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("+message M {\n+  option deprecated = true;\n+}"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("a.proto")).unwrap(),
        src
    );
}
