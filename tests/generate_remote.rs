//! Remote plugins, protolith against buf 1.75.0: both tools generate through
//! one `protolith registry serve` that hosts plugins (`--plugin`), and must
//! agree on the GenerateCode calls they make (the whole request, image
//! bytes included), the trees they write, their stderr and exit codes.
//! Skipped without buf.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::registry::{Registry, RegistryOpts, text, tree};

/// A module with two directories, an import, proto3 optional and a
/// source-retention option.
fn write_module(dir: &Path) {
    let files = [
        ("buf.yaml", "version: v2\n"),
        (
            "acme/v1/b.proto",
            "syntax = \"proto3\";\npackage acme.v1;\noption go_package = \"example.com/acme/v1;acmev1\";\nmessage B { int64 x = 1; }\n",
        ),
        (
            "acme/v1/a.proto",
            "syntax = \"proto3\";\npackage acme.v1;\noption go_package = \"example.com/acme/v1;acmev1\";\nimport \"acme/v1/b.proto\";\nimport \"google/protobuf/timestamp.proto\";\nmessage A { optional B b = 1; google.protobuf.Timestamp t = 2; }\n",
        ),
        (
            "other/d.proto",
            "syntax = \"proto3\";\npackage other;\noption go_package = \"example.com/other\";\nmessage D { string s = 1; }\n",
        ),
    ];
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

/// A registry that hosts the capture plugin (as acme/cap:v1 and v2) and,
/// when installed, protoc-gen-go (as acme/go:v1.28.1).
fn start(root: &Path) -> Registry {
    let _ = root;
    let capture = env!("CARGO_BIN_EXE_protoc-gen-capture");
    let mut extra = vec![
        "--plugin".to_string(),
        format!("acme/cap:v1={capture}"),
        "--plugin".to_string(),
        format!("acme/cap:v2={capture}"),
    ];
    if let Some(go) = protoc_gen_go() {
        extra.push("--plugin".into());
        extra.push(format!("acme/go:v1.28.1={}", go.display()));
    }
    Registry::start(RegistryOpts {
        extra_args: extra,
        ..RegistryOpts::default()
    })
}

fn protoc_gen_go() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/protoc-gen-go");
    p.exists().then_some(p)
}

/// Runs `generate` with each tool in its own copy of the module; returns
/// per tool (exit code, stderr, out tree, GenerateCode requests).
fn both(
    reg: &Registry,
    name: &str,
    template: &str,
) -> Vec<(Option<i32>, String, String, Vec<String>)> {
    let mut results = Vec::new();
    for tool in ["buf", "protolith"] {
        let dir = reg.root().join("work").join(format!("{name}-{tool}"));
        write_module(&dir);
        let template = template.replace("REGISTRY", &reg.host());
        std::fs::write(dir.join("buf.gen.yaml"), template).unwrap();
        let before = reg.log_lines().len();
        let args = ["generate", "--log-format", "text"];
        let out = if tool == "buf" {
            reg.run_buf(&args, &dir, &[])
        } else {
            reg.run_protolith(&args, &dir, &[])
        };
        // A run's calls go out in parallel, so the registry logs them in
        // completion order: compare them sorted.
        let mut requests: Vec<String> = reg.log_lines()[before..]
            .iter()
            .filter(|l| {
                l["method"]
                    .as_str()
                    .is_some_and(|m| m.ends_with("/GenerateCode"))
            })
            .map(|l| format!("{} {}", l["method"], l["request"]))
            .collect();
        requests.sort();
        let files: Vec<String> = tree(&dir.join("gen"))
            .into_iter()
            .map(|(p, b)| format!("{p} {}", common::sha256_hex(&b)))
            .collect();
        results.push((
            out.status.code(),
            text(&out.stderr),
            files.join("\n"),
            requests,
        ));
    }
    results
}

fn assert_same(results: &[(Option<i32>, String, String, Vec<String>)]) {
    let (b, p) = (&results[0], &results[1]);
    assert_eq!(
        b.0, p.0,
        "exit codes differ; stderr buf:\n{}\nprotolith:\n{}",
        b.1, p.1
    );
    // buf adds the calls it cancelled after a failure, in completion order:
    // only the first line is stable.
    let first = |s: &str| s.lines().next().unwrap_or("").to_string();
    if b.0 == Some(0) {
        assert_eq!(b.1, p.1, "stderr differs");
    } else {
        assert_eq!(first(&b.1), first(&p.1), "stderr differs");
    }
    assert_eq!(b.2, p.2, "trees differ");
    assert_eq!(b.3.len(), p.3.len(), "GenerateCode call counts differ");
    for (x, y) in b.3.iter().zip(&p.3) {
        assert!(
            x == y,
            "GenerateCode requests differ:\nbuf:       {:.400}\nprotolith: {:.400}",
            x,
            y
        );
    }
}

#[test]
fn remote_plugins_group_by_host_and_type_filter_like_buf() {
    require_buf!();
    let root = tempfile::tempdir().unwrap();
    let reg = start(root.path());
    let results = both(
        &reg,
        "groups",
        "version: v2\nplugins:\n  - remote: REGISTRY/acme/cap:v1\n    out: gen/a\n    opt: [list, x=y]\n  - remote: REGISTRY/acme/cap\n    out: gen/b\n    opt: list\n    include_imports: true\n  - remote: REGISTRY/acme/cap:v2\n    revision: 3\n    out: gen/c\n    opt: list\n    types: [acme.v1.A]\n",
    );
    assert_same(&results);
    assert_eq!(results[0].3.len(), 2, "two calls: one per type filter");
    assert!(!results[1].2.is_empty(), "the plugins wrote files");
}

#[test]
fn remote_protoc_gen_go_writes_buf_s_tree() {
    require_buf!();
    if protoc_gen_go().is_none() {
        eprintln!("skipped: no /usr/bin/protoc-gen-go");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let reg = start(root.path());
    let results = both(
        &reg,
        "go",
        "version: v2\nplugins:\n  - remote: REGISTRY/acme/go:v1.28.1\n    out: gen\n    opt: paths=source_relative\n",
    );
    assert_same(&results);
    assert!(results[1].2.contains("acme/v1/a.pb.go"), "{}", results[1].2);
}

#[test]
fn remote_plugin_errors_read_like_buf_s() {
    require_buf!();
    let root = tempfile::tempdir().unwrap();
    let mut reg = start(root.path());
    // A plugin the registry does not host.
    let missing = both(
        &reg,
        "missing",
        "version: v2\nplugins:\n  - remote: REGISTRY/acme/nosuch:v9\n    out: gen\n",
    );
    assert_same(&missing);
    assert_eq!(missing[1].0, Some(1));
    // The plugin's own error field.
    let failing = both(
        &reg,
        "error",
        "version: v2\nplugins:\n  - remote: REGISTRY/acme/cap:v1\n    out: gen\n    opt: error\n",
    );
    assert_same(&failing);
    // A registry that is gone.
    reg.stop();
    let down = both(
        &reg,
        "down",
        "version: v2\nplugins:\n  - remote: REGISTRY/acme/cap:v1\n    out: gen\n",
    );
    assert_eq!(down[0].0, down[1].0);
    assert_eq!(down[0].1, down[1].1);
}
