//! The token stream is lossless: concatenating every token reproduces the
//! file byte for byte. Checked on every fixture, the embedded well-known
//! types, and googleapis when scripts/refs.sh has installed it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;
use protolith::compiler::lexer;

fn check(path: &std::path::Path, failures: &mut Vec<String>) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return;
    };
    let mut diags = Vec::new();
    let toks = lexer::lex(&text, &mut diags);
    let joined: String = toks.iter().map(|t| t.text(&text)).collect();
    if joined != text {
        failures.push(path.display().to_string());
    }
}

#[test]
fn every_fixture_and_wkt_round_trips() {
    let mut files = Vec::new();
    proto_files(&root().join("testdata"), &mut files);
    proto_files(&root().join("src/compiler/wkt"), &mut files);
    assert!(
        files.len() > 100,
        "expected the fixture corpus, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        check(f, &mut failures);
    }
    assert!(failures.is_empty(), "not lossless: {failures:?}");
}

#[test]
fn googleapis_round_trips_when_installed() {
    let dir = root().join(".refs/googleapis-6.0.1");
    if !dir.is_dir() {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    }
    let mut files = Vec::new();
    proto_files(&dir, &mut files);
    assert!(files.len() > 7000, "googleapis has {} files", files.len());
    let mut failures = Vec::new();
    for f in &files {
        check(f, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "not lossless: {:?}",
        &failures[..failures.len().min(10)]
    );
}
