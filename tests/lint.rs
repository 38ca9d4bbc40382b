//! `protolith lint` against buf's goldens: every rule fixture under
//! rules/lint/<RULE>/<case>/, the end-to-end cases under testdata/lint/, and
//! `config ls-lint-rules` listings.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{
    Run, dirs, expected_run, failure_lines, ls_rules_match_goldens, protolith, read, root, run_in,
};

/// The golden cases buf itself gets wrong (it crashes), which we do not copy.
const BUF_BUGS: &[&str] = &["editions_unused_import_option"];

/// The rule cases whose goldens hold Go pointers: buf prints a Duration or
/// Timestamp example as `&{{} [] [] 0x…}`, an address that changes with
/// each run. There the addresses read as `0xPTR` on both sides.
const POINTER_CASES: &[&str] = &["duration_examples", "timestamp_examples"];

#[test]
fn rule_fixtures_match_buf() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in dirs(&root().join("rules/lint")) {
        for case in dirs(&rule) {
            cases += 1;
            let mut got = lint_in(&case, "--error-format json");
            let mut want_out = read(&case.join("expected.json"));
            if case
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| POINTER_CASES.contains(&n))
            {
                want_out = mask_pointers(&want_out);
                got.stdout = mask_pointers(&got.stdout);
            }
            let want_exit: i32 = read(&case.join("expected.exit"))
                .trim()
                .parse()
                .unwrap_or(-1);
            let want_err = case
                .join("expected.stderr")
                .exists()
                .then(|| read(&case.join("expected.stderr")));
            let err_ok = want_err.as_ref().is_none_or(|w| {
                // buf colours WARN; the goldens were made with the default log format.
                w.replace("\u{1b}[33mWARN\u{1b}[0m", "WARN") == got.stderr
            });
            if got.stdout != want_out || got.exit != want_exit || !err_ok {
                failures.push(format!(
                    "{}\n--- want (exit {want_exit})\n{want_out}{}\n--- got (exit {})\n{}{}",
                    case.strip_prefix(root()).unwrap_or(&case).display(),
                    want_err.unwrap_or_default(),
                    got.exit,
                    got.stdout,
                    got.stderr
                ));
            }
        }
    }
    assert!(cases > 100, "rule fixtures missing: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} rule cases differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ok_fixtures_produce_nothing() {
    for rule in dirs(&root().join("rules/lint")) {
        let mut fires = false;
        for case in dirs(&rule) {
            let expected = read(&case.join("expected.json"));
            for line in expected.lines() {
                let finding: serde_json::Value = serde_json::from_str(line).unwrap();
                let path = finding["path"].as_str().unwrap_or("");
                assert!(
                    !path.split('/').any(|c| c.starts_with("ok_")),
                    "{}: a finding names an ok_ file: {line}",
                    case.display()
                );
            }
            fires |= expected.lines().any(|l| {
                let id = rule.file_name().and_then(|n| n.to_str()).unwrap_or("");
                l.contains(&format!("\"type\":\"{id}\""))
            });
        }
        let id = rule.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let never_reports = ["IMPORT_NO_WEAK", "PROTOVALIDATE"];
        assert!(
            fires || never_reports.contains(&id),
            "{id}: no fixture fires the rule"
        );
    }
}

#[test]
fn end_to_end_cases_match_buf() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for case in dirs(&root().join("testdata/lint")) {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if BUF_BUGS.contains(&name.as_str()) {
            continue;
        }
        cases += 1;
        let input = case.join("input");
        let mut got = lint_in(&input, read(&case.join("args")).trim());
        let mut want = expected_run(&case, "expected.stdout");
        // Usage text is clap's, not cobra's: compare the failure line only.
        if want.stderr.starts_with("Usage:") {
            want.stderr = failure_lines(&want.stderr);
            got.stderr = failure_lines(&got.stderr);
        }
        if got != want {
            failures.push(format!("{name}\n--- want\n{want:#?}\n--- got\n{got:#?}"));
        }
    }
    assert!(cases > 50, "lint cases missing: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} lint cases differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ls_lint_rules_matches_buf() {
    ls_rules_match_goldens("ls-lint-rules", &root().join("testdata/ls-lint-rules"));
}

/// The pre-commit case: a second run over unchanged files is answered from the
/// cache with the same output and exit code; editing a file or the config
/// changes the answer.
#[test]
fn relint_cache_returns_the_same_answer_and_notices_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("m");
    std::fs::create_dir_all(module.join("acme/v1")).unwrap();
    std::fs::write(module.join("buf.yaml"), "version: v2\n").unwrap();
    let file = module.join("acme/v1/station.proto");
    std::fs::write(
        &file,
        "syntax = \"proto3\";\npackage acme.v1;\nmessage Station { string StationId = 1; }\n",
    )
    .unwrap();
    let cache = tmp.path().join("cache");
    let run = || {
        let out = protolith()
            .arg("lint")
            .current_dir(&module)
            .env("PROTOLITH_CACHE_DIR", &cache)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code(),
        )
    };
    let first = run();
    assert_eq!(first.1, Some(100));
    assert!(first.0.contains("StationId"), "{}", first.0);
    let entries = std::fs::read_dir(cache.join("lint")).unwrap().count();
    assert_eq!(entries, 1, "the first run stores its answer");
    assert_eq!(run(), first, "a cache hit prints the same");
    std::fs::write(
        &file,
        "syntax = \"proto3\";\npackage acme.v1;\nmessage Station { string station_id = 1; }\n",
    )
    .unwrap();
    assert_eq!(
        run(),
        (String::new(), Some(0)),
        "an edited file is linted again"
    );
    std::fs::write(
        module.join("buf.yaml"),
        "version: v2\nlint:\n  use: [COMMENTS]\n",
    )
    .unwrap();
    let third = run();
    assert_eq!(third.1, Some(100));
    assert!(
        third.0.contains("should have a non-empty comment"),
        "{}",
        third.0
    );
}

/// The cache stays under `PROTOLITH_CACHE_MAX_MB` (0: only the entry just
/// stored is kept), and a damaged entry is never printed: the module is
/// linted again and the entry replaced.
#[test]
fn relint_cache_is_bounded_and_never_trusts_a_damaged_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("m");
    std::fs::create_dir_all(module.join("acme/v1")).unwrap();
    std::fs::write(module.join("buf.yaml"), "version: v2\n").unwrap();
    let file = module.join("acme/v1/station.proto");
    let cache = tmp.path().join("cache");
    let run = |max_mb: &str| {
        let out = protolith()
            .arg("lint")
            .current_dir(&module)
            .env("PROTOLITH_CACHE_DIR", &cache)
            .env("PROTOLITH_CACHE_MAX_MB", max_mb)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code(),
        )
    };
    let entries = || {
        std::fs::read_dir(cache.join("lint"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>()
    };
    for i in 0..3 {
        std::fs::write(
            &file,
            format!(
                "syntax = \"proto3\";\npackage acme.v1;\nmessage Station{i} {{ string Id = 1; }}\n"
            ),
        )
        .unwrap();
        let (stdout, code) = run("256");
        assert_eq!(code, Some(100));
        assert!(
            stdout.contains(&format!("Station{i}")) || stdout.contains("Id"),
            "{stdout}"
        );
    }
    assert_eq!(
        entries().len(),
        3,
        "three states, three entries under the default bound"
    );
    let (expected, code) = run("0");
    assert_eq!(code, Some(100));
    assert_eq!(
        entries().len(),
        1,
        "a zero bound keeps only the entry just used"
    );
    // Damage the entry: the next run must lint again, not print the damage.
    let entry = entries().remove(0);
    let mut bytes = std::fs::read(&entry).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    std::fs::write(&entry, &bytes).unwrap();
    assert_eq!(run("256"), (expected.clone(), Some(100)));
    std::fs::write(&entry, b"1garbage that is not an entry").unwrap();
    assert_eq!(run("256"), (expected, Some(100)));
}

/// `0x` and the hex digits after it read as `0xPTR`.
fn mask_pointers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let digits = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        if digits == 0 {
            out.push_str("0x");
        } else {
            out.push_str("0xPTR");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

fn lint_in(dir: &Path, args: &str) -> Run {
    run_in(dir, "lint", args)
}
