//! Unified diffs as `buf format -d` prints them: the system `diff -u` run on
//! two temporary files, its first two header lines rewritten to name the
//! file (`path.orig` and `path`) while keeping diff's timestamps. Where no
//! `diff` can be run (buf fails there), the generate writer's Myers diff
//! prints the hunks instead, stamped with the current time.

use std::io::Write;
use std::process::{Command, Stdio};

// The same hunk printer `generate --check --diff` uses: one source, no new
// dependency.
use crate::generate::writer_diff as myers;

/// The unified diff from `original` to `formatted` for the file buf calls
/// `path`, header included; empty when the bytes are equal.
pub fn unified(original: &[u8], formatted: &[u8], path: &str) -> Vec<u8> {
    if original == formatted {
        return Vec::new();
    }
    match system_diff(original, formatted) {
        Some(raw) => rewrite_header(&raw, path),
        None => builtin(original, formatted, path),
    }
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

/// The same shape without a `diff` binary: both sides stamped with now.
fn builtin(original: &[u8], formatted: &[u8], path: &str) -> Vec<u8> {
    let stamp = gnu_time(std::time::SystemTime::now());
    let hunks = myers::unified(
        &String::from_utf8_lossy(original),
        &String::from_utf8_lossy(formatted),
    );
    format!("diff -u {path}.orig {path}\n--- {path}.orig\t{stamp}\n+++ {path}\t{stamp}\n{hunks}")
        .into_bytes()
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
        }
    }
}
