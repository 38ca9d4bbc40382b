//! Unified diffs as `buf format -d` prints them. buf runs the system
//! `diff -u` on two temporary files per changed file and rewrites its first
//! two header lines to name the file (`path.orig` and `path`), keeping
//! diff's timestamps. Starting a process per file costs more than the rest
//! of the run on a large workspace, so the hunks come from [`gnudiff`], GNU
//! diffutils' algorithm in process (byte-identical to `diff -u` on both
//! googleapis corpora and on fuzzed pairs), stamped with the current time
//! as buf's fresh temporary files are. The system `diff` still runs where
//! its output could differ: a message locale other than English (GNU
//! translates "No newline at end of file") or a NUL byte (binary files).

use std::io::Write;
use std::process::{Command, Stdio};

use super::gnudiff;
// The same hunk printer `generate --check --diff` uses, for the last
// resort: a NUL byte and no `diff` to run.
use crate::generate::writer_diff as myers;

/// The unified diff from `original` to `formatted` for the file buf calls
/// `path`, header included; empty when the bytes are equal.
pub fn unified(original: &[u8], formatted: &[u8], path: &str) -> Vec<u8> {
    if original == formatted {
        return Vec::new();
    }
    if english_messages()
        && let Some(hunks) = gnudiff::unified_hunks(original, formatted)
    {
        return with_header(&hunks, path);
    }
    match system_diff(original, formatted) {
        Some(raw) => rewrite_header(&raw, path),
        None => builtin(original, formatted, path),
    }
}

/// Whether GNU diff would print its messages in English: the locale that
/// chooses messages (LC_ALL, then LC_MESSAGES, then LANG) is unset, C,
/// POSIX or English.
fn english_messages() -> bool {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    locale.is_empty()
        || locale == "C"
        || locale == "POSIX"
        || locale.starts_with("C.")
        || locale.starts_with("en_")
        || locale == "en"
}

/// The two header lines buf prints, both stamped with the current time.
fn with_header(hunks: &[u8], path: &str) -> Vec<u8> {
    let stamp = gnu_time(std::time::SystemTime::now());
    let mut out =
        format!("diff -u {path}.orig {path}\n--- {path}.orig\t{stamp}\n+++ {path}\t{stamp}\n")
            .into_bytes();
    out.extend_from_slice(hunks);
    out
}

/// `diff -u` on two temporary files, as buf runs it (stdout and stderr in
/// one buffer); `None` when diff cannot be run or prints nothing.
fn system_diff(original: &[u8], formatted: &[u8]) -> Option<Vec<u8>> {
    let temp = |bytes: &[u8]| -> Option<tempfile::NamedTempFile> {
        let mut f = tempfile::NamedTempFile::new().ok()?;
        f.write_all(bytes).ok()?;
        f.flush().ok()?;
        Some(f)
    };
    let (one, two) = (temp(original)?, temp(formatted)?);
    let out = Command::new("diff")
        .arg("-u")
        .arg(one.path())
        .arg(two.path())
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let mut data = out.stdout;
    data.extend_from_slice(&out.stderr);
    (!data.is_empty()).then_some(data)
}

/// buf's `tryModifyHeader`: the `---`/`+++` lines name `path.orig` and
/// `path`, keep what follows their last tab (the timestamp), and a
/// `diff -u` line goes first. Output of fewer than three lines is kept as
/// it is.
fn rewrite_header(raw: &[u8], path: &str) -> Vec<u8> {
    let mut parts = raw.splitn(3, |&b| b == b'\n');
    let (Some(first), Some(second), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return raw.to_vec();
    };
    let stamp = |line: &[u8]| -> Vec<u8> {
        match line.iter().rposition(|&b| b == b'\t') {
            Some(i) => line[i..].to_vec(),
            None => Vec::new(),
        }
    };
    let orig = format!("{path}.orig");
    let mut out = format!("diff -u {orig} {path}\n--- {orig}").into_bytes();
    out.extend_from_slice(&stamp(first));
    out.extend_from_slice(format!("\n+++ {path}").as_bytes());
    out.extend_from_slice(&stamp(second));
    out.push(b'\n');
    out.extend_from_slice(rest);
    out
}

/// The same shape without a `diff` binary (buf fails there): GNU's hunks
/// where they can be computed, else the generate writer's.
fn builtin(original: &[u8], formatted: &[u8], path: &str) -> Vec<u8> {
    let hunks = gnudiff::unified_hunks(original, formatted).unwrap_or_else(|| {
        myers::unified(
            &String::from_utf8_lossy(original),
            &String::from_utf8_lossy(formatted),
        )
        .into_bytes()
    });
    with_header(&hunks, path)
}

/// GNU diff's timestamp, `%Y-%m-%d %H:%M:%S.%N %z`, in UTC.
fn gnu_time(t: std::time::SystemTime) -> String {
    // 2026-12-03T09:16:27.67811Z -> 2026-12-03 09:16:27.678110000 +0000
    let rfc = crate::report::rfc3339_nano(t);
    let rfc = rfc.trim_end_matches('Z');
    let (seconds, frac) = rfc.split_once('.').unwrap_or((rfc, ""));
    format!("{}.{frac:0<9} +0000", seconds.replacen('T', " ", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(s: &str) -> String {
        let re = regex::Regex::new(r"(?m)\t\d{4}-\d\d-\d\d [0-9:.]+ [+-]\d{4}$").unwrap();
        re.replace_all(s, "\t<TIME>").into_owned()
    }

    #[test]
    fn equal_bytes_have_no_diff() {
        assert!(unified(b"a\n", b"a\n", "a.proto").is_empty());
    }

    #[test]
    fn header_names_the_file_and_keeps_timestamps() {
        let raw = b"--- /tmp/x\t2026-12-02 21:40:32.753430899 +0000\n+++ /tmp/y\t2026-12-02 21:40:32.753430899 +0000\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            String::from_utf8_lossy(&rewrite_header(raw, "dir/a.proto")),
            "diff -u dir/a.proto.orig dir/a.proto\n--- dir/a.proto.orig\t2026-12-02 21:40:32.753430899 +0000\n+++ dir/a.proto\t2026-12-02 21:40:32.753430899 +0000\n@@ -1 +1 @@\n-a\n+b\n"
        );
        assert_eq!(
            rewrite_header(b"Binary files differ\n", "a"),
            b"Binary files differ\n"
        );
    }

    #[test]
    fn gnu_timestamp_shape() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_764_711_387, 678_110_000);
        assert_eq!(gnu_time(t), "2025-12-02 21:36:27.678110000 +0000");
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1);
        assert_eq!(gnu_time(t), "1970-01-01 00:00:01.000000000 +0000");
    }

    /// Where `diff` is installed, the built-in hunks match GNU diff's on
    /// the shapes formatting produces.
    #[test]
    fn builtin_matches_system_diff() {
        let cases: &[(&str, &str)] = &[
            (
                "syntax=\"proto3\";\nmessage A{}\n",
                "syntax = \"proto3\";\n\nmessage A {}\n",
            ),
            ("a\nb\nc", "a\nb\nc\n"),
            ("a\nb\nc\n", "a\nB\nc"),
            ("", "x\n"),
            ("x\n", ""),
            (
                "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
                "1\n2x\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15x\n16\n",
            ),
            (
                "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
                "1\n2x\n3\n4\n5\n6\n7\n8x\n9\n",
            ),
        ];
        for (a, b) in cases {
            let Some(raw) = system_diff(a.as_bytes(), b.as_bytes()) else {
                return; // no diff here: nothing to compare with
            };
            let system = mask(&String::from_utf8_lossy(&rewrite_header(&raw, "p.proto")));
            let ours = mask(&String::from_utf8_lossy(&builtin(
                a.as_bytes(),
                b.as_bytes(),
                "p.proto",
            )));
            assert_eq!(ours, system, "{a:?} -> {b:?}");
            let ours = mask(&String::from_utf8_lossy(&unified(
                a.as_bytes(),
                b.as_bytes(),
                "p.proto",
            )));
            assert_eq!(ours, system, "{a:?} -> {b:?}");
        }
    }
    /// Seeded random pairs over a few repeated lines (where tie-breaks
    /// decide the output), with and without final newlines: the in-process
    /// hunks equal GNU diff's wherever `diff` is installed.
    #[test]
    fn gnu_hunks_match_system_diff_on_random_pairs() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let words = ["}", "", "  int32 a = 1;", "message A {", "// c", "x"];
        for case in 0..300 {
            let len = 1 + next(if case % 10 == 0 { 200 } else { 25 });
            let old: Vec<&str> = (0..len).map(|_| words[next(6) as usize]).collect();
            let mut new = old.clone();
            for _ in 0..=next(5) {
                let at = next(new.len() as u64 + 1) as usize;
                match next(3) {
                    0 => new.insert(at, words[next(6) as usize]),
                    1 if at < new.len() => drop(new.remove(at)),
                    _ if at < new.len() => new[at] = words[next(6) as usize],
                    _ => {}
                }
            }
            let join = |v: &[&str], newline: bool| {
                let mut t = v.join("\n");
                if newline {
                    t.push('\n');
                }
                t.into_bytes()
            };
            let (a, b) = (join(&old, next(4) > 0), join(&new, next(4) > 0));
            if a == b {
                continue;
            }
            let Some(raw) = system_diff(&a, &b) else {
                return;
            };
            let system = mask(&String::from_utf8_lossy(&rewrite_header(&raw, "p.proto")));
            let ours = mask(&String::from_utf8_lossy(&builtin(&a, &b, "p.proto")));
            assert_eq!(ours, system, "case {case}: {old:?} -> {new:?}");
        }
    }
}
