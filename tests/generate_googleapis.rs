//! googleapis with protoc-gen-go, plain and under managed mode: the trees
//! protolith writes equal buf 1.75.0's, compared as the sha256 manifests
//! testdata/generate-googleapis/regen.sh recorded from buf (the subset of
//! buf-generate.md §10.2 tier 3: api, type, rpc, longrunning, cloud/language,
//! cloud/aiplatform/v1). Skipped without .refs/googleapis-6.0.1 or without
//! protoc-gen-go v1.28.1 on PATH.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::Path;
use std::process::Command;

fn manifest(dir: &Path) -> String {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let hex = common::sha256_hex(&std::fs::read(&p).unwrap());
                out.push(format!(
                    "{hex}  {}",
                    p.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    let mut lines = Vec::new();
    walk(dir, dir, &mut lines);
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn check(template: &str) {
    let root = common::root();
    let corpus = root.join(".refs/googleapis-6.0.1");
    if !corpus.is_dir() {
        eprintln!("skipped: no {} (scripts/refs.sh)", corpus.display());
        return;
    }
    let version = Command::new("protoc-gen-go").arg("--version").output();
    if !version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "protoc-gen-go v1.28.1")
    {
        eprintln!("skipped: protoc-gen-go v1.28.1 is not on PATH");
        return;
    }
    let here = root.join("testdata/generate-googleapis");
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_protolith"))
        .args(["generate", ".", "--template"])
        .arg(here.join(format!("{template}.yaml")))
        .arg("-o")
        .arg(out.path())
        .args([
            "--path",
            "google/api",
            "--path",
            "google/type",
            "--path",
            "google/rpc",
        ])
        .args([
            "--path",
            "google/longrunning",
            "--path",
            "google/cloud/language",
        ])
        .args(["--path", "google/cloud/aiplatform/v1"])
        .current_dir(&corpus)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let want = std::fs::read_to_string(here.join(format!("{template}.manifest"))).unwrap();
    let got = manifest(out.path());
    if want != got {
        let differing: Vec<&str> = want
            .lines()
            .filter(|l| !got.lines().any(|g| g == *l))
            .take(5)
            .collect();
        panic!(
            "{template}: {} files here, {} from buf; first differing: {differing:#?}",
            got.lines().count(),
            want.lines().count()
        );
    }
}

#[test]
fn googleapis_subset_with_protoc_gen_go_equals_buf() {
    check("plain");
}

#[test]
fn googleapis_subset_with_protoc_gen_go_under_managed_mode_equals_buf() {
    check("managed");
}
