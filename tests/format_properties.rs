//! `format` loses nothing (buf-format.md §7.3–7.6): over every fixture in
//! testdata/format, every googleapis file (when scripts/refs.sh installed
//! them) and deterministic mutations of a sample of both, the output is a
//! fixed point, keeps every comment and token (modulo buf's rewrites, see
//! tests/common/format_checks.rs) and compiles to the same descriptors.
//!
//! Mutations, each checked for no panic, idempotence, comments and tokens (a
//! refusal with a FormatError is allowed and counted):
//! - `// cN⏎` or `/* cN */` inserted at one token boundary at a time, and at
//!   all of them at once (inserts that change the non-trivia tokens, like a
//!   `//` right after the `/` of a type URL, are skipped);
//! - spaces and tabs inside lines swapped, widened, or added between tokens
//!   (outside top-level header declarations, whose option sort key sees
//!   whitespace), and indentation removed, tabbed or deepened: the output
//!   must not change;
//! - blank-line runs lengthened (output unchanged), blank lines added or
//!   removed between body declarations (output unchanged but for blank lines).
//!
//! Environment:
//! - `PROPERTY_SAMPLE=N|all`: googleapis files mutated (default 50, files under
//!   40 kB, picked by the seed);
//! - `PROPERTY_BOUNDARIES=N|all`: comment boundaries tried one at a time per
//!   googleapis file (default 160; fixtures always get all);
//! - `PROPERTY_SEED=N`: changes the picks;
//! - `FORMAT_WITH=buf`: check `.refs/bin/buf` instead of protolith, which
//!   checks the checks (buf passes all but its known comment-loss bug,
//!   buf-format.md §5.1). Inputs go to buf in batches (`buf format DIR -o`).
//!
//! Failing inputs are written to `$CARGO_TARGET_TMPDIR/format-properties/`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;
#[path = "common/format_checks.rs"]
mod format_checks;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use format_checks::{Walker, check_comments, check_tokens, lex, significant};
use protolith::compiler::lexer::TokenKind;
use rayon::prelude::*;

// ----------------------------------------------------------------- formatter

#[derive(Clone, Debug)]
enum Outcome {
    Formatted(String),
    Refused(String),
    Panicked(String),
}

enum Formatter {
    Protolith,
    Buf(PathBuf),
}

impl Formatter {
    fn from_env() -> Formatter {
        match std::env::var("FORMAT_WITH").as_deref() {
            Ok("buf") => {
                let buf = common::root().join(".refs/bin/buf");
                assert!(
                    buf.exists(),
                    "FORMAT_WITH=buf: no {} (scripts/refs.sh)",
                    buf.display()
                );
                Formatter::Buf(buf)
            }
            Ok("") | Ok("protolith") | Err(_) => Formatter::Protolith,
            Ok(other) => panic!("FORMAT_WITH={other}: expected buf or protolith"),
        }
    }

    fn format_all(&self, inputs: &[(String, Vec<u8>)]) -> Vec<Outcome> {
        match self {
            Formatter::Protolith => inputs
                .par_iter()
                .map(|(name, bytes)| {
                    match std::panic::catch_unwind(|| protolith::format::format_file(name, bytes)) {
                        Ok(Ok(s)) => Outcome::Formatted(s),
                        Ok(Err(e)) => Outcome::Refused(e.to_string()),
                        Err(p) => Outcome::Panicked(
                            p.downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default(),
                        ),
                    }
                })
                .collect(),
            Formatter::Buf(buf) => buf_format_all(buf, inputs),
        }
    }
}

/// One `buf format DIR -o OUT` for the whole batch; file by file through
/// `--stdin-filepath` if it fails (buf refuses a batch with one bad file).
fn buf_format_all(buf: &Path, inputs: &[(String, Vec<u8>)]) -> Vec<Outcome> {
    if inputs.is_empty() {
        return Vec::new();
    }
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir(&src).unwrap();
    for (i, (_, bytes)) in inputs.iter().enumerate() {
        std::fs::write(src.join(format!("{i:06}.proto")), bytes).unwrap();
    }
    let batch = Command::new(buf)
        .arg("format")
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    if batch.status.success() {
        return (0..inputs.len())
            .map(|i| {
                let bytes = std::fs::read(out.join(format!("{i:06}.proto"))).unwrap_or_default();
                Outcome::Formatted(String::from_utf8_lossy(&bytes).into_owned())
            })
            .collect();
    }
    inputs
        .iter()
        .map(|(_, bytes)| {
            use std::io::Write as _;
            let mut child = Command::new(buf)
                .args(["format", "--stdin-filepath", "m.proto"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let input = bytes.clone();
            let writer = std::thread::spawn(move || stdin.write_all(&input));
            let o = child.wait_with_output().unwrap();
            let _ = writer.join();
            if o.status.success() {
                Outcome::Formatted(String::from_utf8_lossy(&o.stdout).into_owned())
            } else {
                Outcome::Refused(String::from_utf8_lossy(&o.stderr).into_owned())
            }
        })
        .collect()
}

/// Formats every input, then every output again (for idempotence).
fn format_twice(fmt: &Formatter, inputs: &[(String, Vec<u8>)]) -> Vec<(Outcome, Option<Outcome>)> {
    let first = fmt.format_all(inputs);
    let mut again_in = Vec::new();
    let mut slot = Vec::with_capacity(first.len());
    for (i, o) in first.iter().enumerate() {
        if let Outcome::Formatted(s) = o {
            slot.push(Some(again_in.len()));
            again_in.push((inputs[i].0.clone(), s.as_bytes().to_vec()));
        } else {
            slot.push(None);
        }
    }
    let mut again: Vec<Option<Outcome>> = fmt.format_all(&again_in).into_iter().map(Some).collect();
    first
        .into_iter()
        .zip(slot)
        .map(|(o, s)| (o, s.and_then(|j| again[j].take())))
        .collect()
}

// -------------------------------------------------------------------- report

struct Failure {
    subject: String,
    mutation: String,
    property: &'static str,
    detail: String,
    input: Vec<u8>,
    /// The (input, our output) pairs the failure rests on; when buf gives
    /// the same output for each, the failure is buf's behaviour, copied.
    evidence: Vec<(Vec<u8>, String)>,
}

#[derive(Default)]
struct Report {
    failures: Mutex<Vec<Failure>>,
    counts: Mutex<BTreeMap<String, usize>>,
    notes: Mutex<Vec<String>>,
}

impl Report {
    fn fail(
        &self,
        subject: &str,
        mutation: &str,
        property: &'static str,
        detail: String,
        input: &[u8],
        evidence: Vec<(Vec<u8>, String)>,
    ) {
        self.failures.lock().unwrap().push(Failure {
            subject: subject.to_string(),
            mutation: mutation.to_string(),
            property,
            detail,
            input: input.to_vec(),
            evidence,
        });
    }

    fn count(&self, what: &str, n: usize) {
        *self
            .counts
            .lock()
            .unwrap()
            .entry(what.to_string())
            .or_default() += n;
    }

    fn note(&self, s: String) {
        self.notes.lock().unwrap().push(s);
    }

    /// Checks one formatted pair: no panic, idempotence, comments, tokens.
    /// Returns the output when there is one.
    fn check(
        &self,
        subject: &str,
        mutation: &str,
        input: &[u8],
        run: &(Outcome, Option<Outcome>),
    ) -> Option<String> {
        match &run.0 {
            Outcome::Panicked(msg) => {
                self.fail(subject, mutation, "no panic", msg.clone(), input, vec![]);
                None
            }
            Outcome::Refused(_) => None,
            Outcome::Formatted(out) => {
                match &run.1 {
                    Some(Outcome::Formatted(again)) if again == out => {}
                    Some(Outcome::Formatted(again)) => self.fail(
                        subject,
                        mutation,
                        "idempotence",
                        format_checks::first_line_difference(out, again),
                        input,
                        vec![
                            (input.to_vec(), out.clone()),
                            (out.as_bytes().to_vec(), again.clone()),
                        ],
                    ),
                    other => self.fail(
                        subject,
                        mutation,
                        "idempotence",
                        format!("its output does not format again: {other:?}"),
                        input,
                        vec![],
                    ),
                }
                let text = String::from_utf8_lossy(input);
                if let Err(e) = check_comments(&text, out) {
                    self.fail(subject, mutation, "comments", e, input, vec![]);
                }
                if let Err(e) = check_tokens(&text, out) {
                    self.fail(subject, mutation, "tokens", e, input, vec![]);
                }
                Some(out.clone())
            }
        }
    }

    /// Prints the counts and notes; panics listing the failures, if any,
    /// except those buf 1.75.0 shows too (see `inherited_from_buf`).
    fn finish(self, title: &str, fmt: &Formatter) {
        let counts = self.counts.into_inner().unwrap();
        let mut summary = format!("{title}:");
        for (k, v) in &counts {
            let _ = write!(summary, " {k} {v};");
        }
        eprintln!("{summary}");
        for n in self.notes.into_inner().unwrap().iter().take(10) {
            eprintln!("  note: {n}");
        }
        let mut failures = self.failures.into_inner().unwrap();
        if failures.is_empty() {
            return;
        }
        let inherited = inherited_from_buf(&failures, fmt);
        if inherited.iter().any(|&b| b) {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            let mut examples = Vec::new();
            for (f, _) in failures.iter().zip(&inherited).filter(|(_, b)| **b) {
                *kinds.entry(f.property).or_default() += 1;
                if examples.len() < 3 {
                    examples.push(format!("{} ({}): {}", f.subject, f.mutation, f.detail));
                }
            }
            eprintln!(
                "{title}: tolerated, because buf 1.75.0 gives the same bytes (BUF_PARITY=0 \
                 fails on them): {kinds:?}"
            );
            for e in examples {
                eprintln!("  e.g. {e}");
            }
            let mut keep = inherited.iter().map(|b| !b);
            failures.retain(|_| keep.next().unwrap_or(true));
            if failures.is_empty() {
                return;
            }
        }
        failures.sort_by(|a, b| {
            (a.property, &a.subject, &a.mutation).cmp(&(b.property, &b.subject, &b.mutation))
        });
        let mut by_property: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &failures {
            *by_property.entry(f.property).or_default() += 1;
        }
        let slug: String = title
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("format-properties")
            .join(slug);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let mut text = String::new();
        // Show a few of each property, so one flood does not hide the rest.
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, f) in failures.iter().enumerate() {
            let n = shown.entry(f.property).or_default();
            if *n >= 8 {
                continue;
            }
            *n += 1;
            let saved = dir.join(format!("{i:05}.proto"));
            let _ = std::fs::write(&saved, &f.input);
            let _ = writeln!(
                text,
                "[{}] {} ({}): {}\n    input: {}",
                f.property,
                f.subject,
                f.mutation,
                f.detail,
                saved.display()
            );
        }
        let mut by_subject: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for f in &failures {
            *by_subject
                .entry(&f.subject)
                .or_default()
                .entry(f.property)
                .or_default() += 1;
        }
        let mut ranked: Vec<(&str, usize, &BTreeMap<&str, usize>)> = by_subject
            .iter()
            .map(|(s, m)| (*s, m.values().sum(), m))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let _ = writeln!(text, "failures in {} files:", ranked.len());
        for (subject, n, kinds) in ranked.iter().take(25) {
            let _ = writeln!(text, "  {n:6} {subject} {kinds:?}");
        }
        if ranked.len() > 25 {
            let _ = writeln!(text, "  … and {} more files", ranked.len() - 25);
        }
        eprintln!("{text}");
        panic!(
            "{title}: {} failures ({by_property:?}); the first of each kind are listed above",
            failures.len()
        );
    }
}

/// Which failures are buf's own behaviour, copied byte for byte: idempotence
/// and same-output failures (never lost comments or tokens, which protolith
/// keeps on purpose) where buf gives our output for every input the failure
/// rests on. Only when checking protolith, with buf installed, and unless
/// BUF_PARITY=0; at most 5,000 failures are looked at.
fn inherited_from_buf(failures: &[Failure], fmt: &Formatter) -> Vec<bool> {
    let none = vec![false; failures.len()];
    let buf = common::root().join(".refs/bin/buf");
    if !matches!(fmt, Formatter::Protolith)
        || !buf.exists()
        || std::env::var("BUF_PARITY").as_deref() == Ok("0")
    {
        return none;
    }
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut index: std::collections::HashMap<&[u8], usize> = Default::default();
    for f in failures.iter().take(5_000) {
        for (input, _) in &f.evidence {
            index.entry(input.as_slice()).or_insert_with(|| {
                inputs.push((format!("e{}.proto", inputs.len()), input.clone()));
                inputs.len() - 1
            });
        }
    }
    if inputs.is_empty() {
        return none;
    }
    let theirs = buf_format_all(&buf, &inputs);
    failures
        .iter()
        .enumerate()
        .map(|(i, f)| {
            i < 5_000
                && !f.evidence.is_empty()
                && f.evidence.iter().all(|(input, ours)| {
                    matches!(&theirs[index[input.as_slice()]], Outcome::Formatted(t) if t == ours)
                })
        })
        .collect()
}

// ------------------------------------------------------------------ subjects

struct Subject {
    name: String,
    bytes: Vec<u8>,
}

fn fixtures() -> Vec<Subject> {
    let mut files = Vec::new();
    common::proto_files(&common::root().join("testdata/format"), &mut files);
    files
        .iter()
        .map(|p| Subject {
            name: p
                .strip_prefix(common::root())
                .unwrap()
                .display()
                .to_string(),
            bytes: std::fs::read(p).unwrap(),
        })
        .collect()
}

fn corpus_dir(version: &str) -> Option<PathBuf> {
    let dir = common::root().join(format!(".refs/googleapis-{version}"));
    dir.is_dir().then_some(dir)
}

fn corpus(dir: &Path) -> Vec<Subject> {
    let mut files = Vec::new();
    common::proto_files(dir, &mut files);
    files
        .par_iter()
        .map(|p| Subject {
            name: p.strip_prefix(dir).unwrap().display().to_string(),
            bytes: std::fs::read(p).unwrap(),
        })
        .collect()
}

/// Formats every subject (twice), checks the pair properties, and compiles
/// inputs and outputs to compare their meaning: all `together` (a corpus), or
/// each file alone (fixtures). Files whose input does not compile are not
/// compared; with `together`, one failure anywhere skips the comparison.
fn check_subjects(title: &str, subjects: &[Subject], together: bool) {
    let fmt = Formatter::from_env();
    let report = Report::default();
    let inputs: Vec<(String, Vec<u8>)> = subjects
        .iter()
        .map(|s| (s.name.clone(), s.bytes.clone()))
        .collect();
    let start = std::time::Instant::now();
    let runs = format_twice(&fmt, &inputs);
    let formatted = std::time::Instant::now();
    let outputs: Vec<Option<String>> = subjects
        .par_iter()
        .zip(&runs)
        .map(|(s, run)| report.check(&s.name, "as is", &s.bytes, run))
        .collect();
    let checked = std::time::Instant::now();
    report.count("files", subjects.len());
    report.count("formatted", outputs.iter().flatten().count());
    for (s, run) in subjects.iter().zip(&runs) {
        if let Outcome::Refused(why) = &run.0 {
            report.note(format!(
                "{} refused: {}",
                s.name,
                why.lines().next().unwrap_or_default()
            ));
        }
    }
    // Meaning: only files that are UTF-8 and formatted.
    let pairs: Vec<(String, String, String)> = subjects
        .iter()
        .zip(&outputs)
        .filter_map(|(s, o)| {
            Some((
                s.name.clone(),
                String::from_utf8(s.bytes.clone()).ok()?,
                o.clone()?,
            ))
        })
        .collect();
    let compare = |ins: Vec<(String, String)>, outs: Vec<(String, String)>| -> usize {
        let Ok(before) = format_checks::compile_meanings(&ins) else {
            return 0;
        };
        let raw: BTreeMap<&str, &[u8]> = subjects
            .iter()
            .map(|s| (s.name.as_str(), s.bytes.as_slice()))
            .collect();
        match format_checks::compile_meanings(&outs) {
            Err(e) => {
                // One file alone, or the whole corpus (the diagnostics name the files).
                let (subject, input) = match outs.as_slice() {
                    [(name, _)] => (
                        name.clone(),
                        raw.get(name.as_str()).copied().unwrap_or_default(),
                    ),
                    _ => (format!("{} files together", outs.len()), &[][..]),
                };
                report.fail(
                    &subject,
                    "as is",
                    "meaning",
                    format!("the output does not compile: {e}"),
                    input,
                    vec![],
                );
            }
            Ok(after) => {
                for (path, why) in format_checks::check_meanings(&before, &after) {
                    let input = raw.get(path.as_str()).copied().unwrap_or_default();
                    report.fail(&path, "as is", "meaning", why, input, vec![]);
                }
            }
        }
        before.len()
    };
    let compiled = if together {
        let ins = pairs
            .iter()
            .map(|(n, i, _)| (n.clone(), i.clone()))
            .collect();
        let outs = pairs
            .iter()
            .map(|(n, _, o)| (n.clone(), o.clone()))
            .collect();
        compare(ins, outs)
    } else {
        pairs
            .par_iter()
            .map(|(n, i, o)| compare(vec![(n.clone(), i.clone())], vec![(n.clone(), o.clone())]))
            .sum()
    };
    report.count("compared by meaning", compiled);
    eprintln!(
        "{title}: formatted twice in {:.2?}, comments and tokens checked in {:.2?}, compiled in {:.2?}",
        formatted - start,
        checked - formatted,
        checked.elapsed()
    );
    report.finish(title, &fmt);
}

// ----------------------------------------------------------------- mutations

/// splitmix64: small, seeded, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, name: &str) -> Rng {
        let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `k` of `items`, in their original order.
    fn pick<T: Copy>(&mut self, items: &[T], k: Option<usize>) -> Vec<T> {
        let Some(k) = k.filter(|&k| k < items.len()) else {
            return items.to_vec();
        };
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..k {
            let j = i + self.below(items.len() - i);
            idx.swap(i, j);
        }
        let mut chosen = idx[..k].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// Only the pair properties.
    Properties,
    /// The output equals the unmutated input's.
    SameOutput,
    /// The output equals the unmutated input's but for blank lines.
    SameButBlankLines,
}

struct Mutation {
    what: String,
    text: String,
    expect: Expect,
}

fn env_count(name: &str, default: usize) -> Option<usize> {
    match std::env::var(name).as_deref() {
        Ok("all") | Ok("0") => None,
        Ok(n) => Some(
            n.parse()
                .unwrap_or_else(|_| panic!("{name}={n}: a number or `all`")),
        ),
        Err(_) => Some(default),
    }
}

fn seed() -> u64 {
    std::env::var("PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_203)
}

/// A whitespace token of the source with what comes before it.
struct Gap {
    start: usize,
    end: usize,
    /// The previous token is a `//` comment (which holds the line's `\n`).
    after_line_comment: bool,
    /// Between two declarations of a body (see `Walker::between_body_decls`).
    body_gap: bool,
    /// Inside a top-level header declaration.
    in_header: bool,
}

impl Gap {
    fn newlines(&self, text: &str) -> usize {
        text[self.start..self.end].matches('\n').count() + usize::from(self.after_line_comment)
    }
}

fn gaps(text: &str) -> Vec<Gap> {
    let tokens = lex(text);
    let mut walker = Walker::default();
    let mut out = Vec::new();
    let mut prev_line_comment = false;
    for t in &tokens {
        match t.kind {
            TokenKind::Whitespace => out.push(Gap {
                start: t.start as usize,
                end: t.end as usize,
                after_line_comment: prev_line_comment,
                body_gap: walker.between_body_decls(),
                in_header: walker.in_header_decl(),
            }),
            TokenKind::LineComment | TokenKind::BlockComment => {}
            _ => walker.step(t.text(text)),
        }
        prev_line_comment = t.kind == TokenKind::LineComment && t.text(text).ends_with('\n');
    }
    out
}

/// `text` with the byte ranges of `edits` replaced (ranges sorted, disjoint).
fn splice(text: &str, edits: &[(usize, usize, String)]) -> String {
    let mut out = String::with_capacity(text.len() + edits.len() * 8);
    let mut at = 0;
    for (start, end, with) in edits {
        out.push_str(&text[at..*start]);
        out.push_str(with);
        at = *end;
    }
    out.push_str(&text[at..]);
    out
}

/// A rewrite of a run of whitespace.
type Rewrite = dyn Fn(&str) -> String;

/// Replaces every run of spaces and tabs inside `ws` (not newlines, CRs or
/// form feeds) by `f(run)`.
fn map_runs(ws: &str, f: &Rewrite) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in ws.chars() {
        if c == ' ' || c == '\t' {
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push_str(&f(&run));
                run.clear();
            }
            out.push(c);
        }
    }
    if !run.is_empty() {
        out.push_str(&f(&run));
    }
    out
}

fn mutations(name: &str, text: &str, boundaries: Option<usize>, report: &Report) -> Vec<Mutation> {
    let mut rng = Rng::new(seed(), name);
    let tokens = lex(text);
    let sig = significant(text);
    let n_comments = tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .count();
    let mut out = Vec::new();
    // Keeps a mutation only if its non-trivia tokens are the input's and it
    // has `added` more comments.
    let mut push = |what: String, new: String, expect: Expect, added: usize| {
        let toks = lex(&new);
        let comments = toks
            .iter()
            .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
            .count();
        if comments == n_comments + added && significant(&new) == sig {
            out.push(Mutation {
                what,
                text: new,
                expect,
            });
        } else {
            report.count("mutations skipped (token stream changed)", 1);
        }
    };

    // Comments at token boundaries.
    let mut starts: Vec<usize> = tokens.iter().map(|t| t.start as usize).collect();
    starts.push(text.len());
    starts.dedup();
    let comment = |line: bool, id: usize| {
        if line {
            format!("// c{id}\n")
        } else {
            format!("/* c{id} */")
        }
    };
    for at in rng.pick(&starts, boundaries) {
        for line in [true, false] {
            let c = comment(line, at);
            push(
                format!(
                    "{} at byte {at}",
                    if line { "`// cN`" } else { "`/* cN */`" }
                ),
                splice(text, &[(at, at, c)]),
                Expect::Properties,
                1,
            );
        }
    }
    // Many at once: not after a `/` (it would join the comment) nor after a
    // `//` comment with no newline (at the end of the file).
    let safe: Vec<usize> = std::iter::once(0)
        .chain(
            tokens
                .iter()
                .filter(|t| {
                    let s = t.text(text);
                    let after_slash = s == "/" && t.kind == TokenKind::Punct;
                    let open_line_comment = t.kind == TokenKind::LineComment && !s.ends_with('\n');
                    !after_slash && !open_line_comment
                })
                .map(|t| t.end as usize),
        )
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for (what, style) in [
        ("every boundary: `// cN`", 0),
        ("every boundary: `/* cN */`", 1),
        ("random boundaries, mixed", 2),
    ] {
        let mut edits = Vec::new();
        for &at in &safe {
            let line = match style {
                0 => true,
                1 => false,
                _ => {
                    if rng.below(3) != 0 {
                        continue;
                    }
                    rng.below(2) == 0
                }
            };
            edits.push((at, at, comment(line, at)));
        }
        let n = edits.len();
        push(
            what.to_string(),
            splice(text, &edits),
            Expect::Properties,
            n,
        );
    }

    // Whitespace inside lines and indentation: the output must not change.
    let gaps = gaps(text);
    let runs: [(&str, &Rewrite); 3] = [
        ("spaces and tabs -> one tab", &|_| "\t".to_string()),
        ("tabs -> 4 spaces, one more space", &|r| {
            format!("{} ", r.replace('\t', "    "))
        }),
        ("runs widened by ` \\t `", &|r| format!("{r} \t ")),
    ];
    for (what, f) in runs {
        let edits: Vec<(usize, usize, String)> = gaps
            .iter()
            .map(|g| (g.start, g.end, map_runs(&text[g.start..g.end], f)))
            .collect();
        push(
            what.to_string(),
            splice(text, &edits),
            Expect::SameOutput,
            0,
        );
    }
    // Indentation: the spaces/tabs after a line's start.
    let indents: [(&str, &Rewrite); 3] = [
        ("indentation removed", &|_| String::new()),
        ("indentation -> three tabs", &|_| "\t\t\t".to_string()),
        ("indentation deepened by 8 spaces", &|r| {
            format!("{r}        ")
        }),
    ];
    for (what, f) in indents {
        let mut edits = Vec::new();
        for g in &gaps {
            let ws = &text[g.start..g.end];
            let line_start = match ws.rfind('\n') {
                Some(i) => g.start + i + 1,
                None if g.after_line_comment || g.start == 0 => g.start,
                None => continue,
            };
            let indent = &text[line_start..g.end];
            if indent.chars().all(|c| c == ' ' || c == '\t') {
                edits.push((line_start, g.end, f(indent)));
            }
        }
        push(
            what.to_string(),
            splice(text, &edits),
            Expect::SameOutput,
            0,
        );
    }
    // A space between tokens written without one, outside header declarations.
    {
        let mut edits = Vec::new();
        let mut walker = Walker::default();
        let mut prev_sig_end = None;
        for t in &tokens {
            if t.kind.is_trivia() {
                prev_sig_end = None;
                continue;
            }
            if prev_sig_end == Some(t.start) && !walker.in_header_decl() {
                edits.push((t.start as usize, t.start as usize, " ".to_string()));
            }
            walker.step(t.text(text));
            prev_sig_end = Some(t.end);
        }
        push(
            "a space between every two tokens".to_string(),
            splice(text, &edits),
            Expect::SameOutput,
            0,
        );
    }

    // Blank lines.
    let more: Vec<(usize, usize, String)> = gaps
        .iter()
        .filter(|g| g.newlines(text) >= 2)
        .map(|g| {
            let ws = &text[g.start..g.end];
            let i = ws.rfind('\n').unwrap_or(0);
            (g.start, g.end, format!("{}\n\n{}", &ws[..i], &ws[i..]))
        })
        .collect();
    push(
        "every blank-line run made 3 longer".to_string(),
        splice(text, &more),
        Expect::SameOutput,
        0,
    );
    let body_gaps: Vec<&Gap> = gaps.iter().filter(|g| g.body_gap && !g.in_header).collect();
    let insert = |g: &Gap| {
        let ws = &text[g.start..g.end];
        match ws.rfind('\n') {
            Some(i) => (g.start, g.end, format!("{}\n{}", &ws[..i], &ws[i..])),
            None => (g.start, g.end, format!("\n{ws}")),
        }
    };
    let delete = |g: &Gap| {
        let ws = &text[g.start..g.end];
        let (first, last) = (ws.find('\n').unwrap_or(0), ws.rfind('\n').unwrap_or(0));
        if g.after_line_comment {
            (g.start, g.end, ws[last + 1..].to_string())
        } else {
            (
                g.start,
                g.end,
                format!("{}\n{}", &ws[..first], &ws[last + 1..]),
            )
        }
    };
    let can_insert: Vec<usize> = (0..body_gaps.len())
        .filter(|&i| body_gaps[i].newlines(text) == 1)
        .collect();
    let can_delete: Vec<usize> = (0..body_gaps.len())
        .filter(|&i| body_gaps[i].newlines(text) >= 2)
        .collect();
    let few = boundaries.map(|b| (b / 6).max(1));
    for i in rng.pick(&can_insert, few) {
        let g = body_gaps[i];
        push(
            format!("blank line added at byte {}", g.start),
            splice(text, &[insert(g)]),
            Expect::SameButBlankLines,
            0,
        );
    }
    for i in rng.pick(&can_delete, few) {
        let g = body_gaps[i];
        push(
            format!("blank lines removed at byte {}", g.start),
            splice(text, &[delete(g)]),
            Expect::SameButBlankLines,
            0,
        );
    }
    let all_in: Vec<_> = can_insert.iter().map(|&i| insert(body_gaps[i])).collect();
    push(
        "blank line added between all body declarations".to_string(),
        splice(text, &all_in),
        Expect::SameButBlankLines,
        0,
    );
    let all_out: Vec<_> = can_delete.iter().map(|&i| delete(body_gaps[i])).collect();
    push(
        "every blank line in bodies removed".to_string(),
        splice(text, &all_out),
        Expect::SameButBlankLines,
        0,
    );
    out
}

fn without_blank_lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Mutates each subject, formats the mutations and checks them.
fn check_mutations(title: &str, subjects: &[Subject], boundaries: Option<usize>) {
    let fmt = Formatter::from_env();
    let report = Report::default();
    let start = std::time::Instant::now();
    // The unmutated outputs first: subjects that do not format are left out.
    let inputs: Vec<(String, Vec<u8>)> = subjects
        .iter()
        .map(|s| (s.name.clone(), s.bytes.clone()))
        .collect();
    let base: Vec<Outcome> = fmt.format_all(&inputs);
    for (s, b) in subjects.iter().zip(&base) {
        let Outcome::Formatted(base_out) = b else {
            report.count("subjects left out (do not format)", 1);
            continue;
        };
        let Ok(text) = std::str::from_utf8(&s.bytes) else {
            continue;
        };
        report.count("subjects", 1);
        let muts = mutations(&s.name, text, boundaries, &report);
        let inputs: Vec<(String, Vec<u8>)> = muts
            .iter()
            .map(|m| {
                (
                    format!("{} ({})", s.name, m.what),
                    m.text.as_bytes().to_vec(),
                )
            })
            .collect();
        let runs = format_twice(&fmt, &inputs);
        report.count("mutations", muts.len());
        muts.par_iter().zip(&runs).for_each(|(m, run)| {
            if let Outcome::Refused(why) = &run.0 {
                report.count("mutations refused (FormatError)", 1);
                report.note(format!(
                    "{} ({}) refused: {}",
                    s.name,
                    m.what,
                    why.lines().next().unwrap_or_default()
                ));
            }
            let Some(out) = report.check(&s.name, &m.what, m.text.as_bytes(), run) else {
                return;
            };
            let same = match m.expect {
                Expect::Properties => true,
                Expect::SameOutput => &out == base_out,
                Expect::SameButBlankLines => {
                    without_blank_lines(&out) == without_blank_lines(base_out)
                }
            };
            if !same {
                let property = if m.expect == Expect::SameOutput {
                    "same output"
                } else {
                    "same output but blank lines"
                };
                report.fail(
                    &s.name,
                    &m.what,
                    property,
                    format_checks::first_line_difference(base_out, &out),
                    m.text.as_bytes(),
                    vec![
                        (m.text.as_bytes().to_vec(), out.clone()),
                        (s.bytes.clone(), base_out.clone()),
                    ],
                );
            }
        });
    }
    eprintln!("{title}: {:.2?}", start.elapsed());
    report.finish(title, &fmt);
}

/// A sample of a corpus for mutations: PROPERTY_SAMPLE files under 40 kB,
/// picked by the seed (or every file).
fn corpus_sample(dir: &Path) -> Vec<Subject> {
    let all = corpus(dir);
    let Some(n) = env_count("PROPERTY_SAMPLE", 50) else {
        return all;
    };
    let small: Vec<usize> = (0..all.len())
        .filter(|&i| all[i].bytes.len() < 40_000)
        .collect();
    let chosen = Rng::new(seed(), "sample").pick(&small, Some(n));
    let mut all: Vec<Option<Subject>> = all.into_iter().map(Some).collect();
    chosen.into_iter().filter_map(|i| all[i].take()).collect()
}

// --------------------------------------------------------------------- tests

#[test]
fn fixtures_keep_comments_tokens_and_meaning() {
    let subjects = fixtures();
    if subjects.is_empty() {
        eprintln!("skipped: no testdata/format/*.proto yet");
        return;
    }
    check_subjects("testdata/format", &subjects, false);
}

#[test]
fn googleapis_6_0_1_keeps_comments_tokens_and_meaning() {
    let Some(dir) = corpus_dir("6.0.1") else {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    };
    check_subjects("googleapis-6.0.1", &corpus(&dir), true);
}

#[test]
fn googleapis_4_2_0_keeps_comments_tokens_and_meaning() {
    let Some(dir) = corpus_dir("4.2.0") else {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    };
    check_subjects("googleapis-4.2.0", &corpus(&dir), true);
}

#[test]
fn mutated_fixtures_keep_the_properties() {
    let subjects = fixtures();
    if subjects.is_empty() {
        eprintln!("skipped: no testdata/format/*.proto yet");
        return;
    }
    check_mutations("mutated testdata/format", &subjects, None);
}

#[test]
fn mutated_googleapis_sample_keeps_the_properties() {
    let Some(dir) = corpus_dir("6.0.1") else {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    };
    let subjects = corpus_sample(&dir);
    check_mutations(
        "mutated googleapis-6.0.1 sample",
        &subjects,
        env_count("PROPERTY_BOUNDARIES", 160),
    );
}

/// The checks themselves: they accept what buf 1.75.0 does to these inputs
/// (outputs recorded from it) and reject a lost token or comment.
#[test]
fn checks_accept_bufs_rewrites_and_reject_losses() {
    let accepted = [
        (
            "syntax=\"proto3\";\nmessage A{}",
            "syntax = \"proto3\";\n\nmessage A {}\n",
        ),
        (
            "option (x) = { y [ {a: 1} ] };",
            "option (x) = {\n  y: [\n    {a: 1}\n  ]\n};\n",
        ),
        (
            "option (x) = { y: [1, 2,], z: 3; w <a:1>, [foo.bar] {b:2} };",
            "option (x) = {\n  y: [\n    1,\n    2\n  ]\n  z: 3\n  w: {a: 1}\n  [foo.bar]: {b: 2}\n};\n",
        ),
        (
            "message M { string a = 1 [deprecated = true, (x) = 2,]; };;",
            "message M {\n  string a = 1 [\n    deprecated = true,\n    (x) = 2\n  ];\n}\n",
        ),
        (
            "import \"z.proto\";\nmessage M {}\npackage a;\noption java_package = \"x\";\nsyntax = \"proto3\";",
            "syntax = \"proto3\";\npackage a;\n\nimport \"z.proto\";\n\noption java_package = \"x\";\nmessage M {}\n",
        ),
        (
            "option java_package = \"x\" // c\n;",
            "option java_package = \"x\" /* c */;\n",
        ),
        (
            "option java_package = \"x\" // foo */ bar\n;",
            "option java_package = \"x\" /* foo * / bar */;\n",
        ),
        (
            "message M {\n      /*\n       * a\n       *   b\n       */\n  int32 x = 1;\n}",
            "message M {\n  /*\n   * a\n   *   b\n   */\n  int32 x = 1;\n}\n",
        ),
        (
            "message M { map < string , int32 > m = 1; ; rpc_x y = 2; }",
            "message M {\n  map<string, int32> m = 1;\n  rpc_x y = 2;\n}\n",
        ),
        (
            "service S { rpc A ( stream .x . Y ) returns ( stream   Z ) {}; }",
            "service S {\n  rpc A(stream .x.Y) returns (stream Z) {}\n}\n",
        ),
    ];
    for (input, output) in accepted {
        assert_eq!(check_tokens(input, output), Ok(()), "{input:?}");
        assert_eq!(check_comments(input, output), Ok(()), "{input:?}");
    }
    let lost_token = [
        ("message M { string a = 1; }", "message M { string a; }"),
        ("message A {}\nmessage B {}", "message B {}\nmessage A {}"),
        (
            "message M { string a = 1 [a = 1, b = 2]; }",
            "message M { string a = 1 [a = 1 b = 2]; }",
        ),
        ("option (x) = {a: 1};", "option (x) = {a 1};"),
        (
            "message M { string a = 1; string b = 2; }",
            "message M { string a = 1 string b = 2; }",
        ),
        ("option (x) = {a: [1, 2]};", "option (x) = {a: [1 2]};"),
        ("import \"a.proto\";", "import \"a.proto\""),
        ("option (x) = <a: 1>;", "option (x) = <a: 1};"),
    ];
    for (input, output) in lost_token {
        assert!(
            check_tokens(input, output).is_err(),
            "{input:?} -> {output:?} passed"
        );
    }
    // Meaning: import order is free, anything else is not.
    let meaning = |text: &str| {
        format_checks::compile_meanings(&[("m.proto".to_string(), text.to_string())]).unwrap()
    };
    let imports = "syntax = \"proto3\";\nimport \"google/protobuf/any.proto\";\n\
                   import public \"google/protobuf/empty.proto\";\n\
                   message M { google.protobuf.Any a = 1; }\n";
    let swapped = "syntax = \"proto3\";\nimport public \"google/protobuf/empty.proto\";\n\
                   import \"google/protobuf/any.proto\";\n\
                   message M { google.protobuf.Any a = 1; }\n";
    let renumbered = imports.replace("a = 1", "a = 2");
    assert!(format_checks::check_meanings(&meaning(imports), &meaning(swapped)).is_empty());
    assert_eq!(
        format_checks::check_meanings(&meaning(imports), &meaning(&renumbered)).len(),
        1
    );
    // buf-format.md §5.1: buf 1.75.0 drops a comment before a literal separator.
    let input = "option (x) = { y: 1 /* A */; z: \"s\" /* E */ , };";
    let output = "option (x) = {\n  y: 1\n  z: \"s\"\n};\n";
    assert_eq!(check_tokens(input, output), Ok(()));
    let err = check_comments(input, output).unwrap_err();
    assert!(err.contains("\"A\"") && err.contains("\"E\""), "{err}");
}
