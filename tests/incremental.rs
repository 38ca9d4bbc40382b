//! The incremental re-lint must answer exactly as a cold run does. A copy of
//! part of googleapis 6.0.1 (a few API families and everything they import)
//! gets a long series of random edits (rename, add or delete a field, add an
//! import, move a file to another package or directory, add or delete a
//! file, break a file and fix it again, edit a widely imported file, declare
//! a name twice, change a file option, ignore a finding by comment); after
//! each, `protolith lint` with the cache and with `PROTOLITH_NO_CACHE=1` must
//! print the same bytes on stdout and stderr and exit alike. The test also
//! checks that the edits were answered incrementally, by compiling a part
//! of the files, and not only by falling back to a whole compile.
//!
//! The seed is fixed; `PROTOLITH_EDIT_SEED=<n>` and `PROTOLITH_EDIT_STEPS=<n>`
//! run another series. Skips when scripts/refs.sh has not installed the
//! corpus.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;

/// The API families copied, with everything they import.
const ROOTS: &[&str] = &[
    "google/cloud/language",
    "google/cloud/translate/v3",
    "google/cloud/tasks/v2",
    "google/longrunning",
    "google/iam/v1",
    "google/spanner",
    "google/firestore",
    "google/cloud/talent",
    "google/cloud/dialogflow/cx/v3",
    "google/pubsub",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

fn imports_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("import ")?;
            let start = rest.find('"')? + 1;
            let end = start + rest[start..].find('"')?;
            Some(rest[start..end].to_string())
        })
        .collect()
}

/// Copies the roots' files and their imports (the corpus's own, not the
/// well-known types) into `dest`.
fn copy_corpus(corpus: &Path, dest: &Path) -> usize {
    let mut todo: Vec<String> = Vec::new();
    for r in ROOTS {
        let mut files = Vec::new();
        proto_files(&corpus.join(r), &mut files);
        for f in files {
            let rel = f.strip_prefix(corpus).unwrap();
            todo.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    let mut done = BTreeSet::new();
    while let Some(rel) = todo.pop() {
        let src = corpus.join(&rel);
        if !src.is_file() || !done.insert(rel.clone()) {
            continue;
        }
        let text = std::fs::read_to_string(&src).unwrap();
        todo.extend(imports_of(&text));
        let to = dest.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    done.len()
}

/// One run's observable result.
#[derive(Debug, PartialEq)]
struct Answer {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn lint(dir: &Path, cache: Option<&Path>, format: &str) -> (Answer, Option<(usize, usize)>) {
    let (answer, counts, _) = lint_noting(dir, cache, format);
    (answer, counts)
}

/// How many of how many files.
type Counts = Option<(usize, usize)>;

/// [`lint`], with how many files the module-wide rules reached, of how
/// many ("timing: module-wide rules: R files reached, L looked at, of N").
fn lint_noting(dir: &Path, cache: Option<&Path>, format: &str) -> (Answer, Counts, Counts) {
    let mut cmd = protolith();
    cmd.current_dir(dir)
        .args(["lint", "--error-format", format])
        .env("NO_COLOR", "1");
    match cache {
        Some(c) => cmd
            .env("PROTOLITH_CACHE_DIR", c)
            .env("PROTOLITH_TIMING", "1"),
        None => cmd.env("PROTOLITH_NO_CACHE", "1"),
    };
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // "timing: incremental: N of M files compiled"
    let counts = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("timing: incremental: ")?;
        let mut words = rest.split(' ');
        let n = words.next()?.parse().ok()?;
        let m = words.nth(1)?.parse().ok()?;
        Some((n, m))
    });
    let reach = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("timing: module-wide rules: ")?;
        let words: Vec<&str> = rest.split(' ').collect();
        Some((words.first()?.parse().ok()?, words.last()?.parse().ok()?))
    });
    let answer = Answer {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: stderr
            .lines()
            .filter(|l| !l.starts_with("timing: "))
            .map(|l| format!("{l}\n"))
            .collect(),
        code: out.status.code(),
    };
    (answer, counts, reach)
}

/// The module's files, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    proto_files(dir, &mut out);
    out.iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

/// Lines of `text` declaring a field: `[label] type name = number ...;`.
fn field_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            let words: Vec<&str> = t.split_whitespace().collect();
            t.ends_with(';')
                && words.len() >= 4
                && words.iter().position(|w| *w == "=") == Some(words.len() - 2)
                && !matches!(
                    words[0],
                    "option" | "import" | "syntax" | "package" | "reserved" | "edition"
                )
                && words[1..words.len() - 2]
                    .iter()
                    .all(|w| w.chars().all(|c| c.is_alphanumeric() || "_.".contains(c)))
        })
        .map(|(i, _)| i)
        .collect()
}

fn lines_matching(text: &str, pred: impl Fn(&str) -> bool) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| pred(l.trim()))
        .map(|(i, _)| i)
        .collect()
}

fn edit_line(text: &str, at: usize, f: impl Fn(&str) -> Option<String>) -> String {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| if i == at { f(l) } else { Some(l.to_string()) })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Applies one random edit; returns what it did.
fn edit(dir: &Path, rng: &mut Rng, step: usize, broken: &mut BTreeMap<String, String>) -> String {
    let all = files(dir);
    let Some(rel) = rng.pick(&all).cloned() else {
        return "nothing".into();
    };
    let path = dir.join(&rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let write = |t: String| std::fs::write(&path, t).unwrap();
    match rng.below(16) {
        0 | 1 => {
            let Some(&at) = rng.pick(&field_lines(&text)) else {
                return "no field to rename".into();
            };
            write(edit_line(&text, at, |l| {
                let eq = l.find(" =")?;
                Some(format!("{}_r{step}{}", &l[..eq], &l[eq..]))
            }));
            format!("rename a field in {rel}")
        }
        2 => {
            let Some(&at) = rng.pick(&lines_matching(&text, |l| {
                l.starts_with("message ") && l.ends_with('{')
            })) else {
                return "no message".into();
            };
            write(edit_line(&text, at, |l| {
                Some(format!(
                    "{l}\n  int32 added_field_{step} = {};",
                    9000 + step
                ))
            }));
            format!("add a field in {rel}")
        }
        3 => {
            let Some(&at) = rng.pick(&field_lines(&text)) else {
                return "no field to delete".into();
            };
            write(edit_line(&text, at, |_| None));
            format!("delete a field in {rel}")
        }
        4 => {
            let Some(target) = rng.pick(&all) else {
                return "no import".into();
            };
            let Some(&at) = rng.pick(&lines_matching(&text, |l| l.starts_with("package "))) else {
                return "no package".into();
            };
            write(edit_line(&text, at, |l| {
                Some(format!("{l}\nimport \"{target}\";"))
            }));
            format!("import {target} in {rel}")
        }
        5 => {
            let Some(&at) = rng.pick(&lines_matching(&text, |l| l.starts_with("package "))) else {
                return "no package".into();
            };
            // Now and then into an unstable package (beta1 after a version).
            let suffix = if step % 4 == 1 {
                "beta1".to_string()
            } else {
                format!(".moved{}", step % 3)
            };
            write(edit_line(&text, at, |l| {
                Some(format!("{}{suffix};", l.trim_end_matches(';')))
            }));
            format!("move {rel} to another package")
        }
        14 | 15 => {
            // Mostly a file with a service.
            let with_rpc = |rel: &String| {
                std::fs::read_to_string(dir.join(rel)).is_ok_and(|t| t.contains("\n  rpc "))
            };
            let services: Vec<String> = all.iter().filter(|r| with_rpc(r)).cloned().collect();
            let (rel, text) = match rng.pick(&services) {
                Some(r) if rng.below(4) > 0 => {
                    let t = std::fs::read_to_string(dir.join(r)).unwrap();
                    (r.clone(), t)
                }
                _ => (rel.clone(), text.clone()),
            };
            // A method of a new file uses the request and response types of
            // this file's first method: findings appear on a file that did
            // not change and that nothing it imports changed in.
            let package = text.lines().find_map(|l| {
                l.strip_prefix("package ")
                    .map(|p| p.trim_end_matches(';').trim().to_string())
            });
            let method = lines_matching(&text, |l| l.trim_start().starts_with("rpc "))
                .first()
                .and_then(|&at| {
                    let l = text.lines().nth(at)?;
                    let (_, rest) = l.split_once('(')?;
                    let (req, rest) = rest.split_once(')')?;
                    let (_, rest) = rest.split_once('(')?;
                    let (res, _) = rest.split_once(')')?;
                    Some((req.trim().to_string(), res.trim().to_string()))
                });
            let (Some(package), Some((req, res))) = (package, method) else {
                return "no method to reuse".into();
            };
            if req.starts_with("stream ") || res.starts_with("stream ") {
                return "a streaming method".into();
            }
            let full = |t: &str| {
                if t.contains('.') {
                    t.to_string()
                } else {
                    format!("{package}.{t}")
                }
            };
            let new = format!("google/reuse/v1/reuse_{step}.proto");
            let dest = dir.join(&new);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(
                dest,
                format!(
                    "syntax = \"proto3\";\n\npackage google.reuse.v1;\n\nimport \"{rel}\";\n\n\
                     // Reuse{step} calls again.\nservice Reuse{step} {{\n  // Again calls again.\n  \
                     rpc Again({}) returns ({});\n}}\n",
                    full(&req),
                    full(&res)
                ),
            )
            .unwrap();
            format!("reuse the types of the first method of {rel} in {new}")
        }
        6 => {
            // Another directory: nothing can import it by its old path.
            let to = format!("google/moved/v{}/{}", step % 2 + 1, rel.replace('/', "_"));
            let dest = dir.join(&to);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::rename(&path, dest).unwrap();
            format!("move {rel} to {to}")
        }
        7 => {
            broken.insert(rel.clone(), text.clone());
            write(format!("{text}\nmessage Broken{step} {{\n  int32 x = ;\n"));
            format!("break {rel}")
        }
        8 => {
            let Some((rel, old)) = broken.pop_first() else {
                return "nothing to fix".into();
            };
            if dir.join(&rel).exists() {
                std::fs::write(dir.join(&rel), old).unwrap();
            }
            format!("fix {rel}")
        }
        9 => {
            let wide = dir.join("google/api/field_behavior.proto");
            let Ok(t) = std::fs::read_to_string(&wide) else {
                return "no field_behavior.proto".into();
            };
            let t = t.replacen(
                "FIELD_BEHAVIOR_UNSPECIFIED = 0;",
                &format!(
                    "FIELD_BEHAVIOR_UNSPECIFIED = 0;\n\n  // Added.\n  ADDED_{step} = {};",
                    100 + step
                ),
                1,
            );
            std::fs::write(wide, t).unwrap();
            "edit google/api/field_behavior.proto".into()
        }
        10 => {
            let new = format!("google/added/v1/added_{step}.proto");
            let import = rng.pick(&all).cloned().unwrap_or_default();
            let dest = dir.join(&new);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(
                dest,
                format!(
                    "syntax = \"proto3\";\n\npackage google.added.v1;\n\nimport \"{import}\";\n\n\
                     // Added{step} is new.\nmessage Added{step} {{\n  string name = 1;\n}}\n\n\
                     service Adder{step} {{\n  rpc Add(Added{step}) returns (Added{step});\n}}\n"
                ),
            )
            .unwrap();
            format!("add {new} importing {import}")
        }
        11 => {
            std::fs::remove_file(&path).unwrap();
            format!("delete {rel}")
        }
        12 => {
            // A name another file of the package may already declare.
            let Some(other) = rng.pick(&all) else {
                return "no file".into();
            };
            let other_text = std::fs::read_to_string(dir.join(other)).unwrap_or_default();
            let Some(name) = other_text.lines().find_map(|l| {
                l.strip_prefix("message ")
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_string)
            }) else {
                return "no message to repeat".into();
            };
            write(format!("{text}\nmessage {name} {{}}\n"));
            format!("declare {name} again in {rel}")
        }
        _ => {
            let choice = rng.below(2);
            if choice == 0 {
                let Some(&at) = rng.pick(&lines_matching(&text, |l| {
                    l.starts_with("option go_package")
                })) else {
                    return "no go_package".into();
                };
                write(edit_line(&text, at, |_| {
                    Some(format!("option go_package = \"example.com/edited{step}\";"))
                }));
                format!("change go_package in {rel}")
            } else {
                let Some(&at) = rng.pick(&lines_matching(&text, |l| l.starts_with("rpc "))) else {
                    return "no rpc".into();
                };
                write(edit_line(&text, at, |l| {
                    Some(format!(
                        "  // buf:lint:ignore RPC_REQUEST_RESPONSE_UNIQUE\n  // buf:lint:ignore RPC_REQUEST_STANDARD_NAME\n{l}"
                    ))
                }));
                format!("ignore by comment in {rel}")
            }
        }
    }
}

/// Every file of the tree, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// Puts the tree back as `snapshot` had it.
fn restore(dir: &Path, snapshot: &BTreeMap<String, Vec<u8>>) {
    for rel in files(dir) {
        if !snapshot.contains_key(&rel) {
            std::fs::remove_file(dir.join(rel)).unwrap();
        }
    }
    for (rel, bytes) in snapshot {
        let path = dir.join(rel);
        if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
}

#[test]
fn random_edits_relint_as_a_cold_run_does() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    if !corpus.is_dir() {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let copied = copy_corpus(&corpus, &dir);
    assert!(copied > 50, "copied {copied} files");
    std::fs::write(
        dir.join("buf.yaml"),
        "version: v2\nlint:\n  use: [STANDARD, COMMENTS, STABLE_PACKAGE_NO_IMPORT_UNSTABLE]\n  \
         ignore_only:\n    FIELD_LOWER_SNAKE_CASE: [google/longrunning]\n",
    )
    .unwrap();
    let cache: PathBuf = tmp.path().join("cache");
    let seed = std::env::var("PROTOLITH_EDIT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_u64);
    let steps: usize = std::env::var("PROTOLITH_EDIT_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let mut rng = Rng(seed | 1);
    let mut broken = BTreeMap::new();
    let mut partial = 0;
    let mut whole = 0;
    let mut failures = Vec::new();
    // The last tree that compiled, and whether the tree compiles now.
    let mut before: BTreeMap<String, Vec<u8>> = snapshot(&dir);
    let mut compiles = true;
    // Step 0 fills the cache.
    for step in 0..=steps {
        let what = if step == 0 {
            "first run".to_string()
        } else if !compiles && rng.below(3) > 0 {
            // Mostly undo an edit that broke the build, so that the series
            // keeps exercising compiling trees too.
            restore(&dir, &before);
            "undo the last edit".to_string()
        } else {
            if compiles {
                before = snapshot(&dir);
            }
            edit(&dir, &mut rng, step, &mut broken)
        };
        compiles = protolith()
            .current_dir(&dir)
            .args(["build", "-o", "/dev/null"])
            .env("PROTOLITH_NO_CACHE", "1")
            .output()
            .unwrap()
            .status
            .success();
        // Mostly text; now and then another format (a state of its own),
        // one that prints a line per finding and one that does not.
        let format = match step % 18 {
            4 | 13 => "json",
            7 => "junit",
            _ => "text",
        };
        if step % 11 == 6 {
            // The last answers gone: the kept findings cannot be copied.
            let _ = std::fs::remove_dir_all(cache.join("lint"));
        }
        let (cached, counts) = lint(&dir, Some(&cache), format);
        let (cold, _) = lint(&dir, None, format);
        eprintln!("step {step}: {what}; compiles: {compiles}; compiled: {counts:?}");
        if let Some((compiled, total)) = counts {
            if compiled < total {
                partial += 1;
            } else {
                whole += 1;
            }
        }
        if cached != cold {
            failures.push(format!(
                "step {step} ({what}): cached {:?} / cold {:?}\ncached stdout:\n{}\ncold stdout:\n{}\ncached stderr:\n{}\ncold stderr:\n{}",
                cached.code,
                cold.code,
                cached.stdout.lines().take(8).collect::<Vec<_>>().join("\n"),
                cold.stdout.lines().take(8).collect::<Vec<_>>().join("\n"),
                cached.stderr,
                cold.stderr
            ));
        }
        // The same state again: answered from the cache, still equal.
        if step % 5 == 3 {
            let (again, _) = lint(&dir, Some(&cache), format);
            if again != cold {
                failures.push(format!("step {step} ({what}): repeated run differs"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "seed {seed}: {} of {steps} steps differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{partial} incremental answers compiled part of the files, {whole} all of them");
    assert!(
        partial >= steps / 4,
        "only {partial} of {steps} edits were answered incrementally"
    );
}

/// A module of `n` files in two packages, each importing the one before.
fn small_module(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("acme/v1")).unwrap();
    std::fs::create_dir_all(dir.join("acme/v2")).unwrap();
    std::fs::write(
        dir.join("buf.yaml"),
        "version: v2\nlint:\n  use: [STANDARD, COMMENTS]\n",
    )
    .unwrap();
    for i in 0..n {
        let v = 1 + i % 2;
        let import = if i == 0 {
            String::new()
        } else {
            format!("import \"acme/v{}/f{}.proto\";\n", 1 + (i - 1) % 2, i - 1)
        };
        std::fs::write(
            dir.join(format!("acme/v{v}/f{i}.proto")),
            format!(
                "syntax = \"proto3\";\npackage acme.v{v};\n{import}\nmessage M{i} {{ string Name{i} = 1; }}\n\
                 service S{i} {{ rpc Get(M{i}) returns (M{i}); }}\n"
            ),
        )
        .unwrap();
    }
}

fn lint_output(dir: &Path, cache: Option<&Path>) -> (Vec<u8>, Vec<u8>, Option<i32>) {
    let mut cmd = protolith();
    cmd.current_dir(dir).arg("lint");
    match cache {
        Some(c) => cmd.env("PROTOLITH_CACHE_DIR", c),
        None => cmd.env("PROTOLITH_NO_CACHE", "1"),
    };
    let out = cmd.output().unwrap();
    (out.stdout, out.stderr, out.status.code())
}

/// Several processes linting the same module with the same cache at once
/// all answer as a cold run does, edit after edit, and leave sound entries.
#[test]
fn concurrent_runs_share_one_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    small_module(&dir, 24);
    let cache = tmp.path().join("cache");
    for round in 0..6 {
        let file = dir.join(format!("acme/v1/f{}.proto", (round * 4) % 24));
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            text.replace(" = 1;", &format!(" = 1; int32 x{round} = 2;")),
        )
        .unwrap();
        let cold = lint_output(&dir, None);
        assert_eq!(cold.2, Some(100));
        let answers: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| lint_output(&dir, Some(&cache))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for a in answers {
            assert_eq!(a, cold, "round {round}");
        }
    }
    // What they left is whole: no temporary files, and a later run reads it.
    for kind in ["lint", "lint-state"] {
        for e in std::fs::read_dir(cache.join(kind)).unwrap() {
            let name = e.unwrap().file_name();
            assert!(
                !name.to_string_lossy().starts_with('.'),
                "{name:?} left behind"
            );
        }
    }
    assert_eq!(lint_output(&dir, Some(&cache)), lint_output(&dir, None));
}

/// Damaged entries are never trusted: each is dropped and the answer
/// computed again; `PROTOLITH_NO_CACHE=1` writes nothing.
#[test]
fn damaged_entries_are_replaced_and_no_cache_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    small_module(&dir, 8);
    let cache = tmp.path().join("cache");
    let cold = lint_output(&dir, None);
    assert!(!cache.exists(), "PROTOLITH_NO_CACHE=1 wrote a cache");
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    let entries = |kind: &str| -> Vec<PathBuf> {
        std::fs::read_dir(cache.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    };
    assert_eq!(entries("lint").len(), 1);
    assert_eq!(entries("lint-state").len(), 1);
    // An edit, so that the next run needs the state; then damage both.
    let file = dir.join("acme/v1/f0.proto");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("Name0", "name0")).unwrap();
    let cold = lint_output(&dir, None);
    let state = entries("lint-state").remove(0);
    let mut damaged = std::fs::read(&state).unwrap();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x20;
    std::fs::write(&state, &damaged).unwrap();
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    let replaced = std::fs::read(&state).unwrap();
    assert!(replaced != damaged, "the damaged state was kept");
    // Another edit, then every shard of the state's blobs damaged: the
    // state is not trusted, and its shards are replaced.
    std::fs::write(&file, text.replace("Name0", "nAme0")).unwrap();
    let cold = lint_output(&dir, None);
    let shards: Vec<(PathBuf, Vec<u8>)> = entries("lint-shard")
        .into_iter()
        .map(|shard| {
            let mut bytes = std::fs::read(&shard).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            std::fs::write(&shard, &bytes).unwrap();
            (shard, bytes)
        })
        .collect();
    assert!(!shards.is_empty());
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    // The one read was dropped (the others are earlier states' leftovers).
    let kept = shards
        .iter()
        .filter(|(shard, damaged)| std::fs::read(shard).ok().as_ref() == Some(damaged))
        .count();
    assert!(kept < shards.len(), "no damaged shard was dropped");
    // A damaged answer: recomputed and stored again.
    let answer = entries("lint")
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    std::fs::write(&answer, b"PLC3 not an entry").unwrap();
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    assert!(std::fs::read(&answer).unwrap() != b"PLC3 not an entry");
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    assert_eq!(lint_output(&dir, Some(&cache)), cold);
    // After all this the state is whole: a new file is linted incrementally.
    let added = dir.join("acme/v1/added.proto");
    std::fs::write(
        &added,
        "syntax = \"proto3\";\npackage acme.v1;\n\nmessage Added { string Oops = 1; }\n",
    )
    .unwrap();
    let (cached, counts, _) = lint_noting(&dir, Some(&cache), "text");
    assert!(counts.is_some(), "expected an incremental run");
    assert_eq!(cached, lint_noting(&dir, None, "text").0);
}

#[test]
fn module_wide_findings_follow_edits_to_other_files() {
    // Edits to one file that change findings on files that neither changed
    // nor import anything that did: each answered from the cache by
    // looking at only part of the module, and equal to a cold run's.
    let edits: &[(&str, &str, &str)] = &[
        // RPC_REQUEST_RESPONSE_UNIQUE on a.proto, by a method in b.proto.
        (
            "acme/b/v1/b.proto",
            "message B {}",
            "message B {}\n\n// BService serves.\nservice BService {\n  // Again gets again.\n  \
             rpc Again(acme.a.v1.GetRequest) returns (acme.a.v1.GetResponse);\n}",
        ),
        // PACKAGE_SAME_GO_PACKAGE on sub/b2.proto (another directory), by
        // b.proto's option.
        (
            "acme/b/v1/b.proto",
            "package acme.b.v1;",
            "package acme.b.v1;\n\noption go_package = \"example.com/other\";",
        ),
        // DIRECTORY_SAME_PACKAGE on c2.proto (another package), by c.proto's
        // package.
        (
            "acme/c/v1/c.proto",
            "package acme.c.v1;",
            "package acme.c3.v1;",
        ),
        // And each changed again (an undo would meet a cached answer).
        (
            "acme/c/v1/c.proto",
            "package acme.c3.v1;",
            "package acme.c.v1;\n\n// Back.",
        ),
        (
            "acme/b/v1/b.proto",
            "example.com/other",
            "example.com/third",
        ),
        ("acme/b/v1/b.proto", "rpc Again(", "rpc AgainAgain("),
        // Most files import common.proto: a whole run, in which sibling.proto
        // (its key unchanged) gains DIRECTORY_SAME_PACKAGE and must not keep
        // its last printed findings.
        (
            "acme/common/v1/common.proto",
            "package acme.common.v1;",
            "package acme.common2.v1;",
        ),
    ];
    for config in [
        "version: v2\nlint:\n  use: [STANDARD]\n",
        "version: v2\nlint:\n  use: [STANDARD]\n  except: [PACKAGE_NO_IMPORT_CYCLE]\n",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        let cache = tmp.path().join("cache");
        let write = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("buf.yaml", config);
        write(
            "acme/a/v1/a.proto",
            "syntax = \"proto3\";\n\npackage acme.a.v1;\n\n\
             // AService serves.\nservice AService {\n  // Get gets.\n  \
             rpc Get(GetRequest) returns (GetResponse);\n}\n\n\
             // GetRequest asks.\nmessage GetRequest {}\n\n// GetResponse answers.\nmessage GetResponse {}\n",
        );
        write(
            "acme/b/v1/b.proto",
            "syntax = \"proto3\";\n\npackage acme.b.v1;\n\nimport \"acme/a/v1/a.proto\";\n\n\
             // B is b.\nmessage B {}\n",
        );
        write(
            "acme/b/v1/sub/b2.proto",
            "syntax = \"proto3\";\n\npackage acme.b.v1;\n\n// B2 is b2.\nmessage B2 {}\n",
        );
        for (name, n) in [("c", 1), ("c2", 2), ("d", 3), ("e", 4), ("f", 5)] {
            write(
                &format!("acme/{name}/v1/{name}.proto"),
                &format!(
                    "syntax = \"proto3\";\n\npackage acme.{name}.v1;\n\n\
                     import \"acme/common/v1/common.proto\";\n\n// M{n} is m.\nmessage M{n} {{}}\n"
                ),
            );
        }
        write(
            "acme/common/v1/common.proto",
            "syntax = \"proto3\";\n\npackage acme.common.v1;\n\n// Common is shared.\nmessage Common {}\n",
        );
        write(
            "acme/common/v1/sibling.proto",
            "syntax = \"proto3\";\n\npackage acme.common.v1;\n\n// Sibling is near.\nmessage Sibling {}\n",
        );
        // c2.proto beside c.proto, in its own package.
        std::fs::rename(
            dir.join("acme/c2/v1/c2.proto"),
            dir.join("acme/c/v1/c2.proto"),
        )
        .unwrap();
        let first = lint(&dir, Some(&cache), "text").0;
        assert_eq!(first, lint(&dir, None, "text").0);
        for (i, (rel, from, to)) in edits.iter().enumerate() {
            let p = dir.join(rel);
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.contains(from), "edit {i}: {from:?} not in {rel}");
            std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
            let cold = lint(&dir, None, "text").0;
            let (cached, counts, reach) = lint_noting(&dir, Some(&cache), "text");
            assert_eq!(cached, cold, "edit {i} with {config:?}");
            if rel.contains("common") {
                assert!(counts.is_none(), "edit {i}: answered incrementally");
                assert!(
                    cold.stdout
                        .contains("acme/common/v1/sibling.proto:3:1:Multiple packages")
                );
                continue;
            }
            assert!(counts.is_some(), "edit {i}: not answered incrementally");
            let (r, of) = reach.unwrap();
            let cycles_on = !config.contains("except");
            // A package changed: with the cycle rule on, every file.
            if !(cycles_on && (i == 2 || i == 3)) {
                assert!(r < of, "edit {i}: {r} of {of} reached");
            }
        }
        // The edits showed up where they should.
        let last = lint(&dir, None, "text").0.stdout;
        assert!(
            last.contains("acme/a/v1/a.proto:8:3:\"acme.a.v1.GetRequest\" is used as the request"),
            "{last}"
        );
    }
}

/// A whole run after an edit to a file most of the module imports takes
/// what only a file's bytes decide (the names it declares) from the
/// earlier state of the files whose bytes did not change; a later
/// incremental run must still find a name one of them declares declared
/// again by a new file.
#[test]
fn names_kept_by_a_whole_run_still_find_a_name_declared_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(dir.join("acme/p")).unwrap();
    std::fs::create_dir_all(dir.join("acme/q")).unwrap();
    std::fs::write(dir.join("buf.yaml"), "version: v2\n").unwrap();
    let common = dir.join("acme/q/common.proto");
    std::fs::write(
        &common,
        "syntax = \"proto3\";\npackage acme.q;\n\nmessage Common {}\n",
    )
    .unwrap();
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("acme/p/user{i}.proto")),
            format!(
                "syntax = \"proto3\";\npackage acme.p;\n\nimport \"acme/q/common.proto\";\n\n\
                 message Taken{i} {{\n  acme.q.Common common = 1;\n}}\n"
            ),
        )
        .unwrap();
    }
    let cache = tmp.path().join("cache");
    let run = |cache: Option<&Path>| lint_noting(&dir, cache, "text");
    assert_eq!(run(Some(&cache)).0, run(None).0);
    // Every file's key changes, no user's bytes do: a whole run.
    std::fs::write(
        &common,
        "syntax = \"proto3\";\npackage acme.q;\n\nmessage Common {}\n\nmessage Other {}\n",
    )
    .unwrap();
    let (cached, counts, _) = run(Some(&cache));
    assert_eq!(counts, None, "expected a whole run");
    assert_eq!(cached, run(None).0);
    // A new file declares Taken3 again: a compile error, found from the
    // names kept for user3.proto.
    std::fs::write(
        dir.join("acme/p/again.proto"),
        "syntax = \"proto3\";\npackage acme.p;\n\nmessage Taken3 {}\n",
    )
    .unwrap();
    let cold = run(None).0;
    assert!(
        cold.stdout.contains("`Taken3` declared multiple times"),
        "{cold:?}"
    );
    assert_eq!(run(Some(&cache)).0, cold);
    // Without it again: answered incrementally, as a cold run does.
    std::fs::remove_file(dir.join("acme/p/again.proto")).unwrap();
    std::fs::write(
        dir.join("acme/p/extra.proto"),
        "syntax = \"proto3\";\npackage acme.p;\n\nmessage Extra {}\n",
    )
    .unwrap();
    let (cached, counts, _) = run(Some(&cache));
    assert!(counts.is_some(), "expected an incremental run");
    assert_eq!(cached, run(None).0);
}
