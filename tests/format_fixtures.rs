//! Golden fixtures for `protolith format`: every `testdata/format/<case>.proto`
//! must format to buf 1.75.0's output (`<case>.golden`), that output must be
//! a fixed point, and the same input with CRLF line ends must give
//! `<case>.crlf.golden`. Goldens come from scripts/regen-format-fixtures.sh.
//! `divergent/` holds inputs where protolith deliberately differs from buf;
//! their goldens are protolith's own expected output.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::root;

const REGEN: &str = "run scripts/regen-format-fixtures.sh";

fn fixture_dir() -> PathBuf {
    root().join("testdata/format")
}

/// The `.proto` files directly inside `dir`, sorted.
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "proto"))
        .collect();
    v.sort();
    v
}

fn sibling(proto: &Path, suffix: &str) -> PathBuf {
    let stem = proto.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    proto.with_file_name(format!("{stem}{suffix}"))
}

fn case_name(proto: &Path) -> String {
    proto
        .strip_prefix(fixture_dir())
        .unwrap_or(proto)
        .display()
        .to_string()
}

/// Every LF not already preceded by CR becomes CRLF; lone CRs stay. The
/// regen script applies the same rule (`perl -pe 's/(?<!\r)\n/\r\n/g'`).
fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Shows what a reader cannot see: CR, other control bytes, and whitespace
/// at the end of a line.
fn visible(line: &str) -> String {
    let body = line.trim_end_matches([' ', '\t', '\r']);
    let mut s = String::new();
    for c in line.chars().take(body.chars().count()) {
        match c {
            '\r' => s.push_str("\\r"),
            '\t' => s.push('\t'),
            c if c.is_control() => {
                let _ = write!(s, "\\u{{{:x}}}", c as u32);
            }
            c => s.push(c),
        }
    }
    for c in line[body.len()..].chars() {
        s.push_str(match c {
            ' ' => "·",
            '\t' => "\\t",
            _ => "\\r",
        });
    }
    s
}

/// Lines of `text`, each without its `\n`; a final line without `\n` is
/// marked so a missing or extra final newline shows up in the diff.
fn diff_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    for l in &mut lines {
        if let Some(stripped) = l.strip_suffix('\n') {
            *l = visible(stripped);
        } else {
            *l = format!("{}⟨no newline at end of file⟩", visible(l));
        }
    }
    lines
}

/// A unified diff (3 lines of context) from `expected` to `got`, over an
/// LCS of lines: fixtures are small, so the quadratic table is fine.
fn unified_diff(expected: &str, got: &str) -> String {
    let a = diff_lines(expected);
    let b = diff_lines(got);
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (tag, line in a, line in b): ' ' both, '-' only expected, '+' only got.
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut out = String::from("--- expected (buf 1.75.0)\n+++ got (protolith)\n");
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(3);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 7 {
            end = changed[k];
            k += 1;
        }
        let end = (end + 4).min(ops.len());
        let hunk = &ops[start..end];
        let a_start = hunk[0].1;
        let b_start = hunk[0].2;
        let a_len = hunk.iter().filter(|o| o.0 != '+').count();
        let b_len = hunk.iter().filter(|o| o.0 != '-').count();
        let _ = writeln!(
            out,
            "@@ -{},{a_len} +{},{b_len} @@",
            a_start + 1,
            b_start + 1
        );
        for &(tag, ai, bi) in hunk {
            let line = if tag == '+' { &b[bi] } else { &a[ai] };
            let _ = writeln!(out, "{tag}{line}");
        }
    }
    out
}

/// A failed check: the case, which check, and what went wrong (a diff).
struct Failure {
    case: String,
    check: &'static str,
    detail: String,
}

/// One check of one case: formatting `input` must give `expected`.
fn check(
    failures: &mut Vec<Failure>,
    case: &str,
    what: &'static str,
    input: &[u8],
    expected: &str,
) {
    let detail = match protolith::format::format_file(case, input) {
        Ok(got) if got == expected => return,
        Ok(got) => unified_diff(expected, &got),
        Err(e) => {
            let diags: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
            format!("format_file refused the file:\n{}\n", diags.join("\n"))
        }
    };
    failures.push(Failure {
        case: case.to_string(),
        check: what,
        detail,
    });
}

fn read_golden(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs every check on one case whose goldens exist: the input formats to
/// the golden, the golden is a fixed point, and the same for the CRLF input.
fn check_case(proto: &Path, failures: &mut Vec<Failure>, with_crlf: bool) {
    let case = case_name(proto);
    let input = std::fs::read(proto).unwrap_or_else(|e| panic!("{}: {e}", proto.display()));
    let golden = read_golden(&sibling(proto, ".golden"));
    check(failures, &case, "format", &input, &golden);
    check(failures, &case, "idempotence", golden.as_bytes(), &golden);
    if with_crlf {
        let crlf_golden = read_golden(&sibling(proto, ".crlf.golden"));
        check(failures, &case, "crlf", &to_crlf(&input), &crlf_golden);
        check(
            failures,
            &case,
            "crlf idempotence",
            crlf_golden.as_bytes(),
            &crlf_golden,
        );
    }
}

/// Prints every failure with its diff, then fails with the count and the
/// names of all failing cases (and which of their checks failed).
fn report(failures: &[Failure], cases: usize) {
    if failures.is_empty() {
        return;
    }
    for f in failures {
        eprintln!("==== {} ({})\n{}", f.case, f.check, f.detail);
    }
    let mut by_case: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in failures {
        match by_case.last_mut() {
            Some((case, checks)) if *case == f.case => checks.push(f.check),
            _ => by_case.push((&f.case, vec![f.check])),
        }
    }
    let lines: Vec<String> = by_case
        .iter()
        .map(|(case, checks)| format!("{case}: {}", checks.join(", ")))
        .collect();
    panic!(
        "{} of {cases} cases failed ({} checks):\n  {}",
        by_case.len(),
        failures.len(),
        lines.join("\n  ")
    );
}

#[test]
fn every_fixture_has_its_goldens() {
    let dir = fixture_dir();
    let mut problems = Vec::new();
    for proto in cases(&dir) {
        for suffix in [".golden", ".crlf.golden"] {
            let g = sibling(&proto, suffix);
            if !g.is_file() {
                problems.push(format!("{} has no {suffix}", case_name(&proto)));
            }
        }
    }
    // A golden whose fixture was renamed or deleted is stale.
    for entry in std::fs::read_dir(&dir).expect("testdata/format").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name
            .strip_suffix(".crlf.golden")
            .or_else(|| name.strip_suffix(".golden"))
            && !dir.join(format!("{stem}.proto")).is_file()
        {
            problems.push(format!("{name} has no {stem}.proto"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}; {REGEN}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn fixtures_format_like_buf() {
    let all = cases(&fixture_dir());
    assert!(
        all.len() >= 80,
        "expected the fixture set, found {}",
        all.len()
    );
    let mut failures = Vec::new();
    for proto in &all {
        check_case(proto, &mut failures, true);
    }
    report(&failures, all.len());
}

/// Inputs where protolith deliberately differs from buf (buf loses a comment,
/// or buf's own output would change on its next run): the golden is
/// protolith's answer, checked by hand to keep every comment and to be a
/// fixed point; README.md lists each difference.
#[test]
fn divergent_fixtures_keep_what_buf_drops() {
    let all = cases(&fixture_dir().join("divergent"));
    assert!(!all.is_empty(), "testdata/format/divergent has no cases");
    let mut failures = Vec::new();
    let mut checked = 0;
    for proto in &all {
        assert!(
            sibling(proto, ".golden").is_file(),
            "{} has no .golden: write protolith's expected output beside it",
            case_name(proto)
        );
        check_case(proto, &mut failures, false);
        checked += 1;
    }
    report(&failures, checked);
}

#[test]
fn crlf_conversion_keeps_existing_crlf_and_lone_cr() {
    assert_eq!(to_crlf(b"a\nb\r\nc\rd\n"), b"a\r\nb\r\nc\rd\r\n");
}

#[test]
fn diff_shows_invisible_differences() {
    let d = unified_diff("a\nb  \nc\n", "a\nb\r\nc");
    assert!(d.contains("-b··"), "{d}");
    assert!(d.contains("+b\\r"), "{d}");
    assert!(d.contains("+c⟨no newline at end of file⟩"), "{d}");
}
