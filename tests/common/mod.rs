//! Helpers shared by the integration tests: running the built binary,
//! comparing images at the wire level the way scripts/fdsdiff.py does, and
//! a registry server with buf's environment around it (`registry`).

#![allow(dead_code)]

pub mod registry;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use prost::Message;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn protolith() -> Command {
    Command::new(env!("CARGO_BIN_EXE_protolith"))
}

/// Reads a varint at `*i`.
fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Splits a message into (field number, raw bytes of the whole field).
fn fields(b: &[u8]) -> Vec<(u64, &[u8], &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let Some(tag) = varint(b, &mut i) else { break };
        let (num, wire) = (tag >> 3, tag & 7);
        let payload_start;
        match wire {
            0 => {
                payload_start = i;
                varint(b, &mut i);
            }
            1 => {
                payload_start = i;
                i += 8;
            }
            2 => {
                let len = varint(b, &mut i).unwrap_or(0) as usize;
                payload_start = i;
                i += len;
            }
            5 => {
                payload_start = i;
                i += 4;
            }
            _ => break,
        }
        let end = i.min(b.len());
        out.push((num, &b[start..end], &b[payload_start.min(end)..end]));
    }
    out
}

/// One file of an image, split for comparison.
#[derive(Debug, PartialEq)]
pub struct SplitFile {
    /// The descriptor without source info (9) and buf's extension (8042).
    pub descriptor: Vec<u8>,
    /// Source locations, sorted, as comparable values.
    pub locations: Vec<String>,
    pub extension: Vec<u8>,
}

/// Splits an image into its files, keyed by name, in image order.
pub fn split_image(bytes: &[u8]) -> Vec<(String, SplitFile)> {
    let mut out = Vec::new();
    for (num, _, file) in fields(bytes) {
        if num != 1 {
            continue;
        }
        let mut descriptor = Vec::new();
        let mut name = String::new();
        let mut locations = Vec::new();
        let mut extension = Vec::new();
        for (n, raw, payload) in fields(file) {
            match n {
                9 => {
                    if let Ok(sci) = prost_types::SourceCodeInfo::decode(payload) {
                        locations = sci.location.iter().map(|l| format!("{l:?}")).collect();
                        locations.sort();
                    }
                }
                8042 => extension = payload.to_vec(),
                _ => {
                    if n == 1 {
                        name = String::from_utf8_lossy(payload).into_owned();
                    }
                    descriptor.extend_from_slice(raw);
                }
            }
        }
        out.push((
            name,
            SplitFile {
                descriptor,
                locations,
                extension,
            },
        ));
    }
    out
}

/// Describes how two images differ, or None when they agree on file order,
/// descriptor bytes, source-info location sets and image extensions.
pub fn image_difference(expected: &[u8], actual: &[u8]) -> Option<String> {
    let e = split_image(expected);
    let a = split_image(actual);
    let en: Vec<&str> = e.iter().map(|(n, _)| n.as_str()).collect();
    let an: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    if en != an {
        return Some(format!(
            "file order differs:\n  buf:  {en:?}\n  ours: {an:?}"
        ));
    }
    let amap: BTreeMap<&str, &SplitFile> = a.iter().map(|(n, f)| (n.as_str(), f)).collect();
    let mut problems = Vec::new();
    for (name, ef) in &e {
        let Some(af) = amap.get(name.as_str()) else {
            continue;
        };
        if ef.descriptor != af.descriptor {
            problems.push(format!("{name}: descriptor bytes differ"));
        }
        if ef.locations != af.locations {
            let missing = ef
                .locations
                .iter()
                .filter(|l| !af.locations.contains(l))
                .take(2)
                .collect::<Vec<_>>();
            let extra = af
                .locations
                .iter()
                .filter(|l| !ef.locations.contains(l))
                .take(2)
                .collect::<Vec<_>>();
            problems.push(format!(
                "{name}: source info differs; missing {missing:?}; extra {extra:?}"
            ));
        }
        if ef.extension != af.extension {
            problems.push(format!("{name}: image extension differs"));
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(problems.join("\n"))
    }
}

pub fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            proto_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "proto") {
            out.push(p);
        }
    }
}

/// Reads a list file: one name per line, `#` comments and blanks ignored.
pub fn read_list(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// What one run printed.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

pub fn dirs(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .map(|it| {
            it.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs `protolith <command> <args>` in `dir` through a shell, as the goldens
/// were made (`eval "buf <command> $(cat args)"`).
pub fn run_in(dir: &Path, command: &str, args: &str) -> Run {
    let bin = env!("CARGO_BIN_EXE_protolith");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "eval \"\\\"$0\\\" {command} {}\"",
            args.replace('"', "\\\"")
        ))
        .arg(bin)
        .current_dir(dir)
        .env("BUF_LOG_FORMAT", "text")
        .env("PROTOLITH_NO_CACHE", "1")
        .output()
        .expect("run protolith");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        exit: out.status.code().unwrap_or(-1),
    }
}

/// The `Failure:` lines of a stderr (usage texts differ between cobra and clap).
pub fn failure_lines(s: &str) -> String {
    s.lines()
        .filter(|l| l.starts_with("Failure:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `config <command>` (ls-lint-rules, ls-breaking-rules) prints buf's
/// listing for every version, with and without deprecated rules, in text
/// and json; the goldens sit in `dir` as `<version>[.deprecated].<format>`.
pub fn ls_rules_match_goldens(command: &str, dir: &Path) {
    for version in ["v1beta1", "v1", "v2"] {
        for deprecated in [false, true] {
            for format in ["text", "json"] {
                let name = format!(
                    "{version}{}.{format}",
                    if deprecated { ".deprecated" } else { "" }
                );
                let mut cmd = protolith();
                cmd.args(["config", command, "--version", version, "--format", format]);
                if deprecated {
                    cmd.arg("--include-deprecated");
                }
                let out = cmd.output().expect("run protolith");
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    read(&dir.join(&name)),
                    "{command} {name}"
                );
            }
        }
    }
}

/// The goldens of an end-to-end case: stdout in `out`, stderr, exit code.
pub fn expected_run(case: &Path, out: &str) -> Run {
    Run {
        stdout: read(&case.join(out)),
        stderr: read(&case.join("expected.stderr")),
        exit: read(&case.join("expected.exit"))
            .trim()
            .parse()
            .unwrap_or(-1),
    }
}

/// sha256 in hex (ring is already a dependency of the crate).
pub fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `root` (paths relative to it, in sorted walk order)
/// and every empty directory, not descending into directories named in
/// `skip`; symbolic links are listed, not followed.
pub fn tree(root: &Path, skip: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    fn walk(
        root: &Path,
        rel: &Path,
        skip: &[&str],
        files: &mut Vec<PathBuf>,
        empty: &mut Vec<PathBuf>,
    ) {
        let mut names: Vec<_> = std::fs::read_dir(root.join(rel))
            .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        names.sort();
        if names.is_empty() && !rel.as_os_str().is_empty() {
            empty.push(rel.to_path_buf());
        }
        for name in names {
            if skip.iter().any(|s| name == *s) {
                continue;
            }
            let r = rel.join(&name);
            let meta = std::fs::symlink_metadata(root.join(&r)).expect("stat");
            if meta.is_dir() {
                walk(root, &r, skip, files, empty);
            } else {
                files.push(r);
            }
        }
    }
    let (mut files, mut empty) = (Vec::new(), Vec::new());
    walk(root, Path::new(""), skip, &mut files, &mut empty);
    (files, empty)
}

/// One `#[test]` per recorded case of a harness (`case::<name>`, each
/// calling the file's `run_case`), and `CASES`, their names.
#[allow(unused_macros)]
macro_rules! recorded_cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        mod case {
            $( #[test] fn $name() { super::run_case(stringify!($name)); } )*
        }
    };
}

/// Every case directory under `testdata/<dir>` is one of `cases` (the
/// `recorded_cases!` list of `test_file`).
#[allow(dead_code)]
pub fn assert_cases_listed(dir: &str, cases: &[&str], test_file: &str) {
    for d in dirs(&root().join("testdata").join(dir)) {
        let name = d.file_name().unwrap_or_default().to_string_lossy();
        assert!(
            cases.contains(&name.as_ref()),
            "testdata/{dir}/{name} is not in the cases list of {test_file}"
        );
    }
}

/// The binary a recorded-case harness runs: `CLI_TOOL` (buf, to check that
/// the recordings are stable) or protolith.
#[allow(dead_code)]
pub fn cli_tool() -> PathBuf {
    match std::env::var_os("CLI_TOOL") {
        Some(t) => PathBuf::from(t),
        None => PathBuf::from(env!("CARGO_BIN_EXE_protolith")),
    }
}
