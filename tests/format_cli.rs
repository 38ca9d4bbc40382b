//! `protolith format`'s command line against buf 1.75.0's recorded answers
//! (testdata/format-cli/README.md): stdout, stderr, exit code, the files a
//! run creates or changes, and which input files it touched.
//!
//! Env: `FORMAT_TOOL=<binary>` runs that binary instead of protolith (with
//! buf it checks the recordings are stable); `FORMAT_RECORD=1` writes
//! expected/ from the run instead of comparing (scripts/regen-format-cli.sh);
//! `FORMAT_RECORD=protolith` writes expected-protolith/ from a protolith run,
//! for cases where protolith differs from buf on purpose (their NOTES say
//! why).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        mod case {
            $( #[test] fn $name() { super::run_case(stringify!($name)); } )*
        }
    };
}

cases! {
    changed_diff,
    changed_diff_dir_input,
    changed_diff_no_diff_binary,
    changed_diff_no_final_newline,
    changed_exit_code_output_file,
    changed_exit_code_stdout,
    changed_output_dir_diff,
    changed_stdin_diff,
    changed_stdin_exit_code,
    changed_stdout,
    changed_write,
    changed_write_diff_exit_code,
    concat_order,
    config_override,
    diff_unchanged,
    exclude_path,
    exit_code_diff_unchanged,
    exit_code_output_dir_unchanged,
    exit_code_stdout_unchanged,
    git_input,
    help,
    help_wins_over_args,
    include_package_files,
    input_dash,
    input_dir_external_paths,
    input_excluded_file,
    input_image,
    input_nonexistent_dir,
    input_nonexistent_proto,
    input_proto_file,
    non_utf8_stdout,
    non_utf8_write,
    output_existing_proto_dir,
    output_file,
    output_file_new_parent,
    output_format_protofile,
    output_dir,
    output_dir_from_proto_file,
    output_module_refused,
    output_not_a_directory,
    output_txt_is_a_directory,
    output_unknown_format,
    parse_error_error_format_json,
    parse_error_output_dir,
    parse_error_stdout,
    parse_error_two_files,
    parse_error_write,
    path_and_exclude_path_same,
    path_comma_separated,
    path_filter,
    path_nothing_matches,
    path_on_proto_file,
    path_outside_input,
    stdin_empty_filepath_formats_dir,
    stdin_error_format_unchecked,
    stdin_formatted,
    stdin_not_proto,
    stdin_parse_error,
    stdin_refuse_config,
    stdin_refuse_exclude_path,
    stdin_refuse_input,
    stdin_refuse_output,
    stdin_refuse_path,
    stdin_refuse_write,
    stdin_refusal_order,
    symlinks_disabled,
    symlinks_followed,
    tar_input,
    usage_bad_bool,
    usage_error_format,
    usage_error_format_ignore_yaml,
    usage_missing_value_long,
    usage_missing_value_short,
    usage_two_args,
    usage_unknown_flag,
    usage_unknown_shorthand,
    usage_write_and_output,
    v2_module_subdir,
    v2_workspace_order,
    write_archive_refused,
    write_exit_code_unchanged,
    write_module_refused,
    write_unchanged,
}

/// The mtime every input file gets before a run, to tell touched files from
/// untouched ones.
const PRE_MTIME: Duration = Duration::from_secs(1_000_000_000);

fn tool() -> PathBuf {
    match std::env::var_os("FORMAT_TOOL") {
        Some(t) => {
            let p = PathBuf::from(t);
            if p.is_relative() && p.components().count() > 1 {
                common::root().join(p)
            } else {
                p
            }
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_protolith")),
    }
}

fn is_protolith() -> bool {
    std::env::var_os("FORMAT_TOOL").is_none()
}

fn record_mode() -> Option<String> {
    std::env::var("FORMAT_RECORD")
        .ok()
        .filter(|v| !v.is_empty())
}

/// protolith's own answer where it differs from buf on purpose, else buf's.
fn expected_dir(case: &Path) -> PathBuf {
    let record_ours = record_mode().as_deref() == Some("protolith");
    if is_protolith() && (record_ours || case.join("expected-protolith").is_dir()) {
        case.join("expected-protolith")
    } else {
        case.join("expected")
    }
}

/// Whether the printer prints buf's layout yet (until it does, cases marked
/// `needs-printer`, whose inputs are not buf-formatted, pass with a note).
fn printer_ready() -> bool {
    let probe = b"syntax=\"proto3\";\nmessage A{}\n";
    protolith::format::format_file("probe.proto", probe)
        .ok()
        .as_deref()
        == Some("syntax = \"proto3\";\n\nmessage A {}\n")
}

/// Relative paths of the files (not under .git) and empty directories below `root`.
fn snapshot(root: &Path) -> (BTreeMap<PathBuf, Vec<u8>>, BTreeSet<PathBuf>) {
    let (files, empty) = common::tree(root, &[".git"]);
    let files = files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(root.join(&f)).unwrap_or_default();
            (f, bytes)
        })
        .collect();
    (files, empty.into_iter().collect())
}

fn copy_tree(from: &Path, to: &Path) {
    let (files, empty) = common::tree(from, &[".git"]);
    for f in files {
        let dst = to.join(&f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&f), &dst).unwrap();
    }
    for d in empty {
        std::fs::create_dir_all(to.join(d)).unwrap();
    }
}

/// Everything a run produced, as the files of expected/ hold it.
#[derive(Default, PartialEq)]
struct Outcome {
    exit: String,
    stdout: String,
    stderr: String,
    /// `f <path>` for every file the run created or changed, `d <path>/`
    /// for every empty directory it created.
    tree: String,
    files: BTreeMap<String, Vec<u8>>,
    /// `kept|changed|gone <path>` for every file there before the run.
    mtimes: String,
}

/// The run directory's path -> `$RUN`; diff timestamps -> `<TIME>`.
fn normalize(s: &str, run: &Path) -> String {
    let re = regex::Regex::new(r"(?m)\t\d{4}-\d\d-\d\d [0-9:.]+ [+-]\d{4}$").unwrap();
    let s = re.replace_all(s, "\t<TIME>");
    s.replace(run.to_string_lossy().as_ref(), "$RUN")
}

fn run_case(name: &str) {
    let case = common::root().join("testdata/format-cli").join(name);
    assert!(case.is_dir(), "missing case directory {}", case.display());
    if is_protolith() && case.join("needs-printer").exists() && !printer_ready() {
        eprintln!("format-cli {name}: skipped until the printer prints buf's layout");
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("protolith-format-cli-")
        .tempdir()
        .unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let run = base.join("run");
    let empty_bin = base.join("empty-bin");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::create_dir_all(&empty_bin).unwrap();
    if case.join("input").is_dir() {
        copy_tree(&case.join("input"), &run);
    }
    if case.join("setup").is_file() {
        let status = Command::new("sh")
            .arg(case.join("setup"))
            .current_dir(&run)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .expect("run setup");
        assert!(status.success(), "setup of {name} failed");
    }
    let (before, before_empty) = snapshot(&run);
    for f in before.keys() {
        let path = run.join(f);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(SystemTime::UNIX_EPOCH + PRE_MTIME)
                .unwrap();
        }
    }

    let args: Vec<String> = common::read(&case.join("args"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l {
            "''" => String::new(),
            _ => l.replace("$RUN", &run.to_string_lossy()),
        })
        .collect();
    let mut cmd = Command::new(tool());
    cmd.arg("format")
        .args(&args)
        .current_dir(&run)
        .env("BUF_CACHE_DIR", base.join("cache"))
        .env("PROTOLITH_NO_CACHE", "1")
        .env_remove("BUF_LOG_FORMAT")
        .env_remove("BUF_DEBUG")
        .env_remove("BUF_TIMEOUT");
    for line in common::read(&case.join("env")).lines() {
        if let Some((k, v)) = line.split_once('=') {
            cmd.env(k, v.replace("$EMPTY_BIN", &empty_bin.to_string_lossy()));
        }
    }
    let stdin = case.join("stdin");
    cmd.stdin(if stdin.is_file() {
        Stdio::from(std::fs::File::open(&stdin).unwrap())
    } else {
        Stdio::null()
    });
    let out = cmd.output().expect("run format");

    let mut got = Outcome {
        exit: format!("{}\n", out.status.code().unwrap_or(-1)),
        stdout: normalize(&String::from_utf8_lossy(&out.stdout), &run),
        stderr: normalize(&String::from_utf8_lossy(&out.stderr), &run),
        ..Outcome::default()
    };
    let (after, after_empty) = snapshot(&run);
    for (f, bytes) in &after {
        if before.get(f) != Some(bytes) {
            writeln!(got.tree, "f {}", f.display()).unwrap();
            got.files.insert(f.display().to_string(), bytes.clone());
        }
    }
    for d in after_empty.difference(&before_empty) {
        writeln!(got.tree, "d {}/", d.display()).unwrap();
    }
    for f in before.keys() {
        let state = match std::fs::symlink_metadata(run.join(f)).and_then(|m| m.modified()) {
            Err(_) => "gone",
            Ok(t) if t == SystemTime::UNIX_EPOCH + PRE_MTIME => "kept",
            Ok(_) if !after.contains_key(f) => "gone",
            Ok(_) => "changed",
        };
        writeln!(got.mtimes, "{state} {}", f.display()).unwrap();
    }

    let dir = expected_dir(&case);
    if record_mode().is_some() {
        write_expected(&dir, &got);
        return;
    }
    let mut want = read_expected(&dir);
    // buf prints several files' parse errors in the order its goroutines
    // finish: compare them as a set.
    if !is_protolith() && case.join("stderr-unordered").exists() {
        for o in [&mut want, &mut got] {
            let mut lines: Vec<&str> = o
                .stderr
                .lines()
                .map(|l| l.trim_start_matches("Failure: "))
                .collect();
            lines.sort_unstable();
            o.stderr = lines.join("\n");
        }
    }
    if want != got {
        let kept = tmp.keep();
        panic!(
            "format case {name} differs from {} (run dir kept at {}):{}",
            dir.strip_prefix(common::root()).unwrap_or(&dir).display(),
            kept.display(),
            report(&want, &got)
        );
    }
}

fn read_expected(dir: &Path) -> Outcome {
    let mut o = Outcome {
        exit: common::read(&dir.join("exit")),
        stdout: common::read(&dir.join("stdout.txt")),
        stderr: common::read(&dir.join("stderr.txt")),
        tree: common::read(&dir.join("tree.txt")),
        mtimes: common::read(&dir.join("mtimes.txt")),
        ..Outcome::default()
    };
    let (files, _) = common::tree(&dir.join("out"), &[".git"]);
    for f in files {
        let bytes = std::fs::read(dir.join("out").join(&f)).unwrap();
        o.files.insert(f.display().to_string(), bytes);
    }
    o
}

fn write_expected(dir: &Path, o: &Outcome) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("exit"), &o.exit).unwrap();
    for (name, text) in [
        ("stdout.txt", &o.stdout),
        ("stderr.txt", &o.stderr),
        ("tree.txt", &o.tree),
        ("mtimes.txt", &o.mtimes),
    ] {
        if !text.is_empty() {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, bytes) in &o.files {
        let dst = dir.join("out").join(name);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(dst, bytes).unwrap();
    }
}

/// A line diff of two texts, `-` for the expected lines, `+` for ours.
fn line_diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            writeln!(out, "  {}", a[i]).unwrap();
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            writeln!(out, "+ {}", b[j]).unwrap();
            j += 1;
        } else {
            writeln!(out, "- {}", a[i]).unwrap();
            i += 1;
        }
    }
    if want.ends_with('\n') != got.ends_with('\n') {
        out.push_str("(final newline differs)\n");
    }
    out
}

fn report(want: &Outcome, got: &Outcome) -> String {
    let mut r = String::new();
    let mut section = |title: &str, w: &str, g: &str| {
        if w != g {
            write!(r, "\n== {title} (- expected, + ours)\n{}", line_diff(w, g)).unwrap();
        }
    };
    section("exit", &want.exit, &got.exit);
    section("stdout", &want.stdout, &got.stdout);
    section("stderr", &want.stderr, &got.stderr);
    section("tree", &want.tree, &got.tree);
    section("mtimes", &want.mtimes, &got.mtimes);
    for (name, w) in &want.files {
        if let Some(g) = got.files.get(name).filter(|g| *g != w) {
            section(
                name,
                &String::from_utf8_lossy(w),
                &String::from_utf8_lossy(g),
            );
        }
    }
    r
}

/// Every case directory is listed in `cases!`, and every listed case exists.
#[test]
fn all_cases_listed() {
    let root = common::root().join("testdata/format-cli");
    let on_disk: BTreeSet<String> = common::dirs(&root)
        .iter()
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        on_disk.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "add these directories to cases! in tests/format_cli.rs"
    );
    assert_eq!(
        listed.difference(&on_disk).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "these cases have no directory under testdata/format-cli"
    );
}
