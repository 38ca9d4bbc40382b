//! `protolith ls-files` prints what buf prints (goldens recorded from buf;
//! buf's JSON paths of well-known types point into its cache, recorded here
//! as the import path, which is what protolith prints for embedded files).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;

#[test]
fn ls_files_matches_buf() {
    let mut checked = 0;
    for case in [
        "proto3",
        "workspace_v2",
        "workspace_v1",
        "v1beta1_roots",
        "no_config",
    ] {
        let dir = root().join("testdata/build").join(case);
        for (args, golden) in [
            (vec!["ls-files", "input"], "expected.ls-files.txt"),
            (
                vec!["ls-files", "input", "--include-imports", "--format", "json"],
                "expected.ls-files.json",
            ),
        ] {
            let expected = std::fs::read_to_string(dir.join(golden)).expect("golden");
            let out = protolith()
                .current_dir(&dir)
                .args(&args)
                .output()
                .expect("run protolith");
            assert!(
                out.status.success(),
                "{case} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected,
                "{case} {args:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}
