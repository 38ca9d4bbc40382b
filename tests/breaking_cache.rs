//! The breaking caches (`src/breaking/cache.rs`) over a git baseline, as CI
//! runs `breaking --against .git#branch=main,subdir=proto`: a second run
//! prints exactly what the first did, a new commit on main is never answered
//! from the old one, a damaged entry is recomputed and replaced, and
//! `PROTOLITH_NO_CACHE=1` turns it all off. Which cache answered is read
//! from the `PROTOLITH_TIMING` phase lines (`cache: result hit`,
//! `cache: baseline hit`, `cache: baseline miss`).
//!
//! Fixture: testdata/breaking-cache/ (`before` and `later` are commits on
//! main, `after` the work tree); the expected outputs came from buf 1.75.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{protolith, root};

fn fixture(name: &str) -> PathBuf {
    root().join("testdata/breaking-cache").join(name)
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A repository whose main holds `commit` under proto/ and whose work tree
/// holds `work` there.
struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    cache: PathBuf,
}

impl Repo {
    fn new(commit: &str, work: &str) -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        let repo = Repo {
            cache: tmp.path().join("cache"),
            dir,
            _tmp: tmp,
        };
        repo.commit(commit);
        repo.work_tree(work);
        repo
    }

    fn work_tree(&self, name: &str) {
        let proto = self.dir.join("proto");
        let _ = std::fs::remove_dir_all(&proto);
        copy_dir(&fixture(name), &proto);
    }

    /// Commits fixture `name` as proto/ on main, leaving the work tree as
    /// it was.
    fn commit(&self, name: &str) {
        let proto = self.dir.join("proto");
        let saved = self.dir.join("saved");
        let had_work = proto.exists();
        if had_work {
            std::fs::rename(&proto, &saved).unwrap();
        }
        copy_dir(&fixture(name), &proto);
        git(&self.dir, &["add", "-A", "proto"]);
        git(&self.dir, &["commit", "-q", "-m", name]);
        std::fs::remove_dir_all(&proto).unwrap();
        if had_work {
            std::fs::rename(&saved, &proto).unwrap();
        }
    }

    /// `breaking proto --against .git#branch=main,subdir=proto` with this
    /// repository's cache; `timing` adds the phase lines to stderr.
    fn run(&self, env: &[(&str, &str)]) -> Run {
        let mut cmd = protolith();
        cmd.args([
            "breaking",
            "proto",
            "--against",
            ".git#branch=main,subdir=proto",
        ])
        .current_dir(&self.dir)
        .env("BUF_LOG_FORMAT", "text")
        .env("PROTOLITH_CACHE_DIR", &self.cache)
        .env_remove("PROTOLITH_NO_CACHE")
        .env_remove("PROTOLITH_TIMING");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            exit: out.status.code(),
        }
    }

    fn plain(&self) -> Run {
        self.run(&[])
    }

    /// Which cache answered: the `cache: ...` phase names.
    fn cache_phases(&self) -> Vec<String> {
        let run = self.run(&[("PROTOLITH_TIMING", "1")]);
        run.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("timing: cache: "))
            .filter_map(|l| l.split(':').next())
            .filter(|p| *p != "baseline load")
            .map(str::to_string)
            .collect()
    }

    fn entries(&self, kind: &str) -> Vec<PathBuf> {
        match std::fs::read_dir(self.cache.join(kind)) {
            Ok(d) => d
                .map(|e| e.unwrap().path())
                .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq)]
struct Run {
    stdout: String,
    stderr: String,
    exit: Option<i32>,
}

#[test]
fn breaking_cache_answers_a_second_git_baseline_run_the_same() {
    let repo = Repo::new("before", "after");
    let first = repo.plain();
    assert_eq!(first.stdout, expected("expected-git.stdout"));
    assert_eq!((first.stderr.as_str(), first.exit), ("", Some(100)));
    assert_eq!(repo.entries("baseline").len(), 1);
    assert_eq!(repo.entries("breaking").len(), 1);
    assert_eq!(repo.plain(), first, "a hit prints the same, exits the same");
    assert_eq!(repo.cache_phases(), ["result hit"]);
}

#[test]
fn breaking_cache_reuses_the_baseline_when_only_the_input_changed() {
    let repo = Repo::new("before", "after");
    repo.plain();
    // The work tree moves on; main does not.
    repo.work_tree("later");
    let edited = repo.plain();
    let uncached = repo.run(&[("PROTOLITH_NO_CACHE", "1")]);
    assert_eq!(edited, uncached);
    assert!(
        edited.stdout.contains("from \"double\" to \"int64\""),
        "{}",
        edited.stdout
    );
    repo.work_tree("before");
    std::fs::write(
        repo.dir.join("proto/acme/weather/v1/units.proto"),
        "syntax = \"proto3\";\npackage acme.weather.v1;\nenum Unit { UNIT_UNSPECIFIED = 0; }\n",
    )
    .unwrap();
    assert_eq!(repo.cache_phases(), ["baseline hit"]);
    assert_eq!(repo.plain(), repo.run(&[("PROTOLITH_NO_CACHE", "1")]));
}

#[test]
fn breaking_cache_is_not_stale_after_a_new_commit_on_main() {
    let repo = Repo::new("before", "after");
    assert_eq!(repo.plain().stdout, expected("expected-git.stdout"));
    repo.commit("later");
    assert_eq!(repo.cache_phases(), ["baseline miss"]);
    let later = repo.plain();
    assert_eq!(later.stdout, expected("expected-git-later.stdout"));
    assert_eq!(later.exit, Some(100));
    assert_eq!(repo.entries("baseline").len(), 2, "one per commit");
}

#[test]
fn breaking_cache_replaces_a_damaged_entry() {
    let repo = Repo::new("before", "after");
    let first = repo.plain();
    for kind in ["breaking", "baseline"] {
        for entry in repo.entries(kind) {
            let mut bytes = std::fs::read(&entry).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
            std::fs::write(&entry, bytes).unwrap();
        }
    }
    assert_eq!(repo.plain(), first, "damage is never printed");
    // Both entries were stored again, whole.
    assert_eq!(repo.cache_phases(), ["result hit"]);
    for entry in repo.entries("breaking") {
        std::fs::remove_file(entry).unwrap();
    }
    assert_eq!(repo.cache_phases(), ["baseline hit"]);
}

#[test]
fn breaking_cache_is_off_with_protolith_no_cache() {
    let repo = Repo::new("before", "after");
    let off = [("PROTOLITH_NO_CACHE", "1")];
    let first = repo.run(&off);
    assert_eq!(first.stdout, expected("expected-git.stdout"));
    assert_eq!(repo.run(&off), first);
    assert!(!repo.cache.exists(), "nothing is written");
    let timed = repo.run(&[("PROTOLITH_NO_CACHE", "1"), ("PROTOLITH_TIMING", "1")]);
    assert!(!timed.stderr.contains("timing: cache"), "{}", timed.stderr);
}

#[test]
fn breaking_cache_keys_an_archive_baseline_by_its_bytes() {
    let repo = Repo::new("before", "after");
    let tar = |name: &str| {
        let status = Command::new("tar")
            .args(["-cf", "base.tar", "-C"])
            .arg(fixture(name))
            .arg(".")
            .current_dir(&repo.dir)
            .status()
            .unwrap();
        assert!(status.success());
    };
    let run = |env: &[(&str, &str)]| {
        let mut cmd = protolith();
        cmd.args(["breaking", "proto", "--against", "base.tar"])
            .current_dir(&repo.dir)
            .env("PROTOLITH_CACHE_DIR", &repo.cache)
            .env_remove("PROTOLITH_NO_CACHE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    };
    for name in ["before", "later"] {
        tar(name);
        let uncached = run(&[("PROTOLITH_NO_CACHE", "1")]);
        assert_eq!(uncached.2, Some(100));
        assert_eq!(run(&[]), uncached, "{name}: first run");
        assert_eq!(run(&[]), uncached, "{name}: second run");
        let timed = run(&[("PROTOLITH_TIMING", "1")]);
        assert!(timed.1.contains("cache: result hit"), "{}", timed.1);
    }
    assert_eq!(repo.entries("baseline").len(), 2, "one per archive");
}
