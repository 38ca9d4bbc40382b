//! googleapis 6.0.1 and 4.2.0 formatted by protolith must be buf 1.75.0's
//! bytes, file for file, and a fixed point; `protolith format <corpus> -d`
//! must print what `buf format <corpus> -d` prints (timestamps masked). buf's
//! answers are the hashes scripts/regen-format-manifest.sh recorded in
//! testdata/format-googleapis/, so buf is only run to show a diff when a file
//! differs. Skipped when scripts/refs.sh has not installed the corpus.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{root, sha256_hex};
use rayon::prelude::*;

const REGEN: &str = "rerun scripts/regen-format-manifest.sh";
/// How many differing files get a full diff in the failure output.
const DIFFS_SHOWN: usize = 5;

struct Entry {
    path: String,
    input_sha: String,
    buf_sha: String,
}

fn manifest(version: &str) -> Vec<Entry> {
    let file = root().join(format!("testdata/format-googleapis/manifest-{version}.tsv"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} ({REGEN})", file.display()));
    text.lines()
        .map(|l| {
            let mut f = l.split('\t');
            let (Some(path), Some(input), Some(out), None) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                panic!("{}: bad line {l:?} ({REGEN})", file.display());
            };
            Entry {
                path: path.to_string(),
                input_sha: input.to_string(),
                buf_sha: out.to_string(),
            }
        })
        .collect()
}

fn corpus(version: &str) -> Option<PathBuf> {
    let dir = root().join(format!(".refs/googleapis-{version}"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no {} (run scripts/refs.sh)", dir.display());
        None
    }
}

fn buf() -> Option<PathBuf> {
    let buf = root().join(".refs/bin/buf");
    buf.exists().then_some(buf)
}

/// The corpus files, relative and sorted bytewise, as the manifest lists them.
fn corpus_paths(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    common::proto_files(dir, &mut files);
    let mut rel: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    rel.sort();
    rel
}

/// Reads every file and checks it is the input the manifest was recorded
/// from; panics with what changed otherwise.
fn read_checked_corpus(dir: &Path, version: &str, entries: &[Entry]) -> Vec<Vec<u8>> {
    let on_disk = corpus_paths(dir);
    let listed: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    if on_disk != listed {
        let only_disk: Vec<&String> = on_disk
            .iter()
            .filter(|p| !listed.contains(&p.as_str()))
            .collect();
        let only_listed: Vec<&&str> = listed
            .iter()
            .filter(|p| !on_disk.contains(&p.to_string()))
            .collect();
        panic!(
            "googleapis-{version} changed: {} files on disk, {} in the manifest; only on disk: \
             {:?}; only in the manifest: {:?}; {REGEN}",
            on_disk.len(),
            listed.len(),
            &only_disk[..only_disk.len().min(5)],
            &only_listed[..only_listed.len().min(5)]
        );
    }
    let inputs: Vec<Vec<u8>> = entries
        .par_iter()
        .map(|e| std::fs::read(dir.join(&e.path)).unwrap())
        .collect();
    let changed: Vec<&str> = entries
        .par_iter()
        .zip(&inputs)
        .filter(|(e, bytes)| sha256_hex(bytes) != e.input_sha)
        .map(|(e, _)| e.path.as_str())
        .collect();
    assert!(
        changed.is_empty(),
        "googleapis-{version} changed: {} files differ from the manifest's inputs (first: {:?}); {REGEN}",
        changed.len(),
        &changed[..changed.len().min(5)]
    );
    inputs
}

/// buf's output for one file, by `buf format --stdin-filepath`.
fn buf_format_one(buf: &Path, path: &str, input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut child = Command::new(buf)
        .args(["format", "--stdin-filepath", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().ok()?;
    let _ = writer.join();
    out.status.success().then_some(out.stdout)
}

/// `diff -u` of ours against buf's, at most `max_lines` lines.
fn unified_diff(path: &str, ours: &[u8], theirs: &[u8], max_lines: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ours"), dir.path().join("buf"));
    std::fs::write(&a, ours).unwrap();
    std::fs::write(&b, theirs).unwrap();
    let out = Command::new("diff")
        .arg("-u")
        .args(["--label", &format!("protolith/{path}")])
        .args(["--label", &format!("buf/{path}")])
        .arg(&a)
        .arg(&b)
        .output();
    let Ok(out) = out else {
        return "(no `diff` on PATH to show the difference)\n".to_string();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let mut s: String = lines
        .iter()
        .take(max_lines)
        .map(|l| format!("{l}\n"))
        .collect();
    if lines.len() > max_lines {
        let _ = writeln!(s, "… ({} more diff lines)", lines.len() - max_lines);
    }
    s
}

enum Outcome {
    Same,
    Differs(String),
    Refused(String),
}

fn check_corpus(version: &str) {
    let Some(dir) = corpus(version) else { return };
    let entries = manifest(version);
    let start = std::time::Instant::now();
    let inputs = read_checked_corpus(&dir, version, &entries);
    let outcomes: Vec<(Outcome, Option<String>)> = entries
        .par_iter()
        .zip(&inputs)
        .map(
            |(e, input)| match protolith::format::format_file(&e.path, input) {
                Err(err) => (Outcome::Refused(err.to_string()), None),
                Ok(ours) => {
                    let again = match protolith::format::format_file(&e.path, ours.as_bytes()) {
                        Ok(again) if again == ours => None,
                        Ok(again) => Some(common_first_difference(&ours, &again)),
                        Err(err) => Some(format!("its own output does not format: {err}")),
                    };
                    if sha256_hex(ours.as_bytes()) == e.buf_sha {
                        (Outcome::Same, again)
                    } else {
                        (Outcome::Differs(ours), again)
                    }
                }
            },
        )
        .collect();
    eprintln!(
        "googleapis-{version}: formatted {} files twice in {:.2?}",
        entries.len(),
        start.elapsed()
    );

    let mut report = String::new();
    let differing: Vec<usize> = (0..entries.len())
        .filter(|&i| matches!(outcomes[i].0, Outcome::Differs(_)))
        .collect();
    let refused: Vec<usize> = (0..entries.len())
        .filter(|&i| matches!(outcomes[i].0, Outcome::Refused(_)))
        .collect();
    let unstable: Vec<usize> = (0..entries.len())
        .filter(|&i| outcomes[i].1.is_some())
        .collect();
    if differing.is_empty() && refused.is_empty() && unstable.is_empty() {
        return;
    }
    let buf_changes = entries.iter().filter(|e| e.input_sha != e.buf_sha).count();
    let _ = writeln!(
        report,
        "googleapis-{version}: {} of {} files differ from buf 1.75.0 (buf changes {buf_changes}), \
         {} refused, {} not idempotent",
        differing.len(),
        entries.len(),
        refused.len(),
        unstable.len()
    );
    for &i in refused.iter().take(DIFFS_SHOWN) {
        if let Outcome::Refused(err) = &outcomes[i].0 {
            let _ = writeln!(report, "refused {}: {err}", entries[i].path);
        }
    }
    for &i in unstable.iter().take(DIFFS_SHOWN) {
        let why = outcomes[i].1.as_deref().unwrap_or_default();
        let _ = writeln!(report, "not idempotent {}: {why}", entries[i].path);
    }
    let buf = buf();
    for &i in differing.iter().take(DIFFS_SHOWN) {
        let Outcome::Differs(ours) = &outcomes[i].0 else {
            continue;
        };
        let e = &entries[i];
        match buf
            .as_deref()
            .and_then(|b| buf_format_one(b, &e.path, &inputs[i]))
        {
            Some(theirs) if sha256_hex(&theirs) == e.buf_sha => {
                report.push_str(&unified_diff(&e.path, ours.as_bytes(), &theirs, 80));
            }
            Some(_) => {
                let _ = writeln!(
                    report,
                    "{}: buf's output today is not the recorded one; {REGEN}",
                    e.path
                );
            }
            None => {
                let _ = writeln!(
                    report,
                    "{}: differs (run scripts/refs.sh to install buf and see the diff)",
                    e.path
                );
            }
        }
    }
    let _ = writeln!(
        report,
        "all {} files that differ from buf:",
        differing.len()
    );
    for &i in &differing {
        let _ = writeln!(report, "  {}", entries[i].path);
    }
    eprintln!("{report}");
    panic!(
        "googleapis-{version}: {} files differ from buf, {} refused, {} not idempotent (details above)",
        differing.len(),
        refused.len(),
        unstable.len()
    );
}

fn common_first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    format!(
        "formatting again changes line {}: {:?} -> {:?}",
        i + 1,
        la.get(i).copied().unwrap_or("<end>"),
        lb.get(i).copied().unwrap_or("<end>")
    )
}

#[test]
fn googleapis_6_0_1_formats_to_bufs_bytes() {
    check_corpus("6.0.1");
}

#[test]
fn googleapis_4_2_0_formats_to_bufs_bytes() {
    check_corpus("4.2.0");
}

// ------------------------------------------------------------------ -d (CLI)

/// The rule of buf-format.md §7.2: the timestamp at the end of a `---`/`+++`
/// header is the temp file's mtime, so it is masked on both sides.
fn mask_timestamps(diff: &[u8]) -> String {
    let re = regex::Regex::new(r"(?m)\t\d{4}-\d\d-\d\d [0-9:.]+ [+-]\d{4}$").unwrap();
    re.replace_all(&String::from_utf8_lossy(diff), "\t<timestamp>")
        .into_owned()
}

/// The recorded (sha256, lines, files) of buf's masked `-d` for `version`.
fn recorded_diff(version: &str) -> (String, usize, usize) {
    let file = root().join("testdata/format-googleapis/diff-masked.tsv");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .find(|l| l.split('\t').next() == Some(version))
        .unwrap_or_else(|| panic!("{}: no line for {version}; {REGEN}", file.display()));
    let f: Vec<&str> = line.split('\t').collect();
    (
        f[1].to_string(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    )
}

fn diff_sections(masked: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = masked
        .match_indices("diff -u ")
        .filter(|(i, _)| *i == 0 || masked.as_bytes()[i - 1] == b'\n')
        .map(|(i, _)| i)
        .collect();
    starts.push(masked.len());
    starts.windows(2).map(|w| &masked[w[0]..w[1]]).collect()
}

fn check_cli_diff(version: &str) {
    let Some(_) = corpus(version) else { return };
    let refs = root().join(".refs");
    let arg = format!("googleapis-{version}");
    let start = std::time::Instant::now();
    let run = common::protolith()
        .current_dir(&refs)
        .args(["format", &arg, "-d"])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "`protolith format {arg} -d` (in .refs/) exited {:?}{}:\n{}",
        run.status.code(),
        if stderr.contains("unrecognized subcommand") {
            " — protolith has no `format` subcommand yet"
        } else {
            ""
        },
        stderr.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    let ours = mask_timestamps(&run.stdout);
    let (want_sha, want_lines, want_files) = recorded_diff(version);
    let lines = ours.lines().count();
    let files = diff_sections(&ours).len();
    eprintln!(
        "googleapis-{version}: `protolith format -d` in {elapsed:.2?}: {lines} lines, {files} files"
    );
    if sha256_hex(ours.as_bytes()) == want_sha {
        return;
    }
    let mut report = format!(
        "`protolith format {arg} -d` differs from buf's (timestamps masked): {lines} lines \
         and {files} files here, {want_lines} lines and {want_files} files from buf\n"
    );
    match buf() {
        None => report.push_str("(run scripts/refs.sh to install buf and see where)\n"),
        Some(buf) => {
            let theirs = Command::new(buf)
                .current_dir(&refs)
                .args(["format", &arg, "-d"])
                .output()
                .unwrap();
            let theirs = mask_timestamps(&theirs.stdout);
            if sha256_hex(theirs.as_bytes()) != want_sha {
                let _ = writeln!(report, "buf's -d today is not the recorded one; {REGEN}");
            }
            let (a, b) = (diff_sections(&ours), diff_sections(&theirs));
            let header = |s: &str| s.lines().next().unwrap_or_default().to_string();
            let heads_a: std::collections::BTreeSet<String> = a.iter().map(|s| header(s)).collect();
            let heads_b: std::collections::BTreeSet<String> = b.iter().map(|s| header(s)).collect();
            let only_ours: Vec<&String> = heads_a.difference(&heads_b).collect();
            let only_buf: Vec<&String> = heads_b.difference(&heads_a).collect();
            let _ = writeln!(
                report,
                "files only in ours: {} {:?}\nfiles only in buf's: {} {:?}",
                only_ours.len(),
                &only_ours[..only_ours.len().min(5)],
                only_buf.len(),
                &only_buf[..only_buf.len().min(5)]
            );
            let by_head: std::collections::HashMap<String, &str> =
                b.iter().map(|s| (header(s), *s)).collect();
            let mut shown = 0;
            for s in &a {
                if let Some(t) = by_head.get(&header(s)).filter(|t| *t != s) {
                    let name = header(s);
                    let name = name.rsplit(' ').next().unwrap_or_default();
                    let _ = writeln!(report, "the -d sections of {name}, ours against buf's:");
                    report.push_str(&unified_diff(name, s.as_bytes(), t.as_bytes(), 60));
                    shown += 1;
                    if shown == DIFFS_SHOWN {
                        break;
                    }
                }
            }
            if a.iter().zip(&b).all(|(x, y)| header(x) == header(y))
                && a.len() == b.len()
                && shown == 0
            {
                report.push_str("same sections in a different order\n");
            }
        }
    }
    eprintln!("{report}");
    panic!("googleapis-{version}: `format -d` differs from buf's (details above)");
}

#[test]
fn googleapis_6_0_1_diff_output_equals_bufs() {
    check_cli_diff("6.0.1");
}

#[test]
fn googleapis_4_2_0_diff_output_equals_bufs() {
    check_cli_diff("4.2.0");
}
