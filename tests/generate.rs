//! `protolith generate` against buf's recordings (testdata/generate/README.md).
//!
//! Tier 1 (`testdata/generate/<case>/`): plugins are the repo's test binaries
//! `protoc-gen-capture` and `fake-protoc` (as `protoc`), so the cases need
//! nothing installed. Each case compares the exit code, stderr, the tree the
//! run leaves behind, and a digest of every CodeGeneratorRequest (and
//! protoc argv and descriptor set) the plugins received.
//!
//! Tier 2 (`testdata/generate-real/<case>/`): real plugins (protoc-gen-go,
//! protoc builtins); the output tree is compared as a sha256 manifest. A case
//! passes with a note when a plugin it needs is missing or reports another
//! version than `testdata/generate-real/PLUGINS` records.
//!
//! Env: `GENERATE_TOOL=<binary>` runs that binary instead of protolith (with
//! buf it checks the recordings are stable); `GENERATE_RECORD=1` writes
//! expected/ from the run instead of comparing (testdata/generate/regen.sh).
//!
//! A case where protolith differs from buf on purpose (its `NOTES` say why)
//! keeps buf's answer in expected/ and protolith's in expected-protolith/,
//! which `GENERATE_RECORD=protolith` writes from a protolith run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use prost::Message;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        mod case {
            $( #[test] fn $name() { super::run_case(stringify!($name)); } )*
        }
    };
}

macro_rules! real_cases {
    ($($name:ident),* $(,)?) => {
        const REAL_CASES: &[&str] = &[$(stringify!($name)),*];
        mod real {
            $( #[test] fn $name() { super::run_real_case(stringify!($name)); } )*
        }
    };
}

cases! {
    abs_vs_rel_same_out,
    all,
    builtin_js_refused,
    builtin_kotlin_old,
    builtin_proto3_optional_flag,
    builtin_protoc_path_missing,
    builtin_unknown,
    builtin_v1_name,
    clean_cwd_refused,
    clean_flag_false,
    clean_stale,
    compile_error,
    config_bad_strategy,
    config_bad_version,
    config_bool_as_string,
    config_empty_disable,
    config_include_wkt_alone,
    config_inline_json,
    config_missing_out,
    config_missing_version,
    config_template_file,
    config_template_missing,
    config_unknown_file_option,
    config_unknown_key,
    config_v1_missing_out,
    config_v1_no_plugins,
    config_v2_empty_plugins,
    config_yml_ignored,
    continuation_file,
    dir_default,
    dup_across_plugins,
    dup_within_request,
    editions_2023_2024,
    empty_first_name,
    empty_stdout,
    error_field,
    exclude_path,
    exclude_types,
    exclude_types_not_found,
    exclude_types_service_error,
    exit_status,
    feat_edition_range,
    feat_editions_no_max,
    feat_editions_no_min,
    feat_editions_unsupported,
    feat_min_gt_max,
    feat_unknown_bit,
    garbage_stdout,
    include_imports_all,
    include_imports_dir,
    include_imports_wkt_dir,
    include_types_deprecated,
    include_wkt_flag,
    insertion_missing_point,
    insertion_on_disk_fails,
    insertion_same_response,
    insertion_two_plugins,
    jar,
    jstype,
    local_argv,
    managed_disabled_warn,
    missing_binary,
    missing_path,
    name_abs,
    name_dot,
    name_dotdot,
    name_dotdot_only,
    name_normalize,
    no_opt,
    not_executable,
    o_flag_abs_out,
    opt_list,
    path_dir,
    path_file,
    path_import_same_dir,
    path_on_proto_file,
    proto3_optional_warn,
    proto3_optional_warn_color,
    protoc_builtin_fake,
    sci_sweep,
    type_flag,
    types_plugin,
    unchanged_mtime,
    v1_full,
    v1_name_not_found,
    v1_template,
    v1beta1_options,
    v1beta1_template,
    v2_defaults,
    v2_disable_field_only,
    v2_disable_prefix_keeps_java_package,
    v2_empty_string_overrides,
    v2_inputs,
    v2_module_path_rules,
    v2_prefix_suffix_value_order,
    wkt_untouched,
    workspace_same_dir,
    zip,
    zip_parent_missing,
    zip_unchanged,
}

real_cases! {
    go_managed,
    go_grpc,
    protoc_builtins,
    protoc_php,
    es_editions,
}

/// The mtime given to every `pre/` file, to tell kept files from rewritten ones.
const PRE_MTIME: Duration = Duration::from_secs(1_000_000_000);

/// Files of a case directory that describe the run rather than being part of it.
const CASE_META: &[&str] = &[
    "expected",
    "expected-protolith",
    "args",
    "env",
    "pre",
    "needs",
    "NOTES",
];

fn tool() -> PathBuf {
    match std::env::var_os("GENERATE_TOOL") {
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

fn recording() -> bool {
    std::env::var_os("GENERATE_RECORD").is_some_and(|v| v == "1")
}

/// The directory of the answer to compare with: protolith's own for cases
/// where it differs from buf on purpose, else buf's.
fn expected_dir(case: &Path) -> &'static str {
    let is_protolith = std::env::var_os("GENERATE_TOOL").is_none();
    let record_deviation = std::env::var_os("GENERATE_RECORD").is_some_and(|v| v == "protolith");
    if is_protolith && (record_deviation || case.join("expected-protolith").is_dir()) {
        "expected-protolith"
    } else {
        "expected"
    }
}

/// Lists a directory tree: relative paths of files, and of directories with no entries.
fn copy_tree(from: &Path, to: &Path, skip_top: &[&str], copied: &mut Vec<PathBuf>) {
    let (files, _) = common::tree(from, &[]);
    for f in files {
        let top = f
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if top.is_some_and(|t| skip_top.contains(&t.as_str())) {
            continue;
        }
        let dst = to.join(&f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&f), &dst).unwrap();
        copied.push(f);
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn set_mode(p: &Path, exec: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if exec { 0o755 } else { 0o644 };
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Reads `args` (one argument a line; blank lines skipped; `$RUN` expanded).
fn read_args(case: &Path, run: &Path) -> Vec<String> {
    common::read(&case.join("args"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.replace("$RUN", &run.to_string_lossy()))
        .collect()
}

/// Reads `env` (KEY=VALUE a line; `$RUN` expanded).
fn read_env(case: &Path, run: &Path) -> Vec<(String, String)> {
    common::read(&case.join("env"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("$RUN", &run.to_string_lossy())))
        .collect()
}

/// Everything a run produced, as the files of expected/ hold it.
#[derive(Default, PartialEq)]
struct Outcome {
    exit: String,
    stderr: String,
    /// `f <path>` / `x <path>` (executable) / `d <path>/` (empty directory).
    tree: String,
    /// The bytes of every file in the tree.
    files: BTreeMap<String, Vec<u8>>,
    requests: String,
    /// `kept|changed|gone <path>` for every `pre/` file.
    mtimes: String,
    /// Tier 2: `<sha256>  <path>` for every file in the tree.
    manifest: String,
}

struct Prepared {
    _tmp: tempfile::TempDir,
    run: PathBuf,
    bin: PathBuf,
    copied: Vec<PathBuf>,
    pre: Vec<PathBuf>,
}

fn prepare(case: &Path, fake_protoc: bool) -> Prepared {
    let tmp = tempfile::Builder::new()
        .prefix("protolith-generate-")
        .tempdir()
        .unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let run = base.join("run");
    let bin = base.join("bin");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    if fake_protoc {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fake-protoc"), bin.join("protoc")).unwrap();
    }
    let mut copied = Vec::new();
    copy_tree(case, &run, CASE_META, &mut copied);
    let mut pre = Vec::new();
    if case.join("pre").is_dir() {
        copy_tree(&case.join("pre"), &run, &[], &mut pre);
        for p in &pre {
            let path = run.join(p);
            set_mode(&path, is_executable(&case.join("pre").join(p)));
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(SystemTime::UNIX_EPOCH + PRE_MTIME)
                .unwrap();
        }
    }
    copied.retain(|c| !pre.contains(c));
    Prepared {
        _tmp: tmp,
        run,
        bin,
        copied,
        pre,
    }
}

fn command(case: &Path, p: &Prepared, hermetic: bool) -> Command {
    let mut cmd = Command::new(tool());
    cmd.arg("generate")
        .args(read_args(case, &p.run))
        .current_dir(&p.run)
        .env("BUF_CACHE_DIR", p.run.parent().unwrap().join("cache"))
        .env("PROTOLITH_NO_CACHE", "1");
    for v in [
        "CAPTURE_MODE",
        "CAPTURE_FEATURES",
        "CAPTURE_MIN",
        "CAPTURE_MAX",
        "CAPTURE_DIR",
        "FAKE_PROTOC_VERSION",
        "FAKE_PROTOC_FAIL",
        "BUF_LOG_FORMAT",
        "NO_COLOR",
    ] {
        cmd.env_remove(v);
    }
    if hermetic {
        let capture_bin = Path::new(env!("CARGO_BIN_EXE_protoc-gen-capture"))
            .parent()
            .unwrap()
            .to_path_buf();
        let mut path = vec![p.bin.clone(), capture_bin];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env("CAPTURE_DIR", p.run.join(".capture"));
    }
    for (k, v) in read_env(case, &p.run) {
        cmd.env(k, v);
    }
    cmd
}

fn normalize(s: &str, run: &Path) -> String {
    let run = run.to_string_lossy();
    let base = run.trim_end_matches("/run");
    s.replace(run.as_ref(), "$RUN").replace(base, "$TMP")
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

/// The length-delimited payloads of top-level field `num`, in order.
fn payloads(b: &[u8], num: u64) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(tag) = varint(b, &mut i) else { break };
        match tag & 7 {
            0 => {
                varint(b, &mut i);
            }
            1 => i += 8,
            2 => {
                let len = varint(b, &mut i).unwrap_or(0) as usize;
                if tag >> 3 == num {
                    out.push(&b[i.min(b.len())..(i + len).min(b.len())]);
                }
                i += len;
            }
            5 => i += 4,
            _ => break,
        }
    }
    out
}

/// `name@<first 8 hex of sha256>` for each FileDescriptorProto payload.
fn file_list(files: &[&[u8]]) -> String {
    let v: Vec<String> = files
        .iter()
        .map(|f| {
            let name = payloads(f, 1)
                .first()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default();
            format!("{name}@{}", &common::sha256_hex(f)[..8])
        })
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

/// One line per captured file (see the README for the format).
fn describe_captures(dir: &Path, run: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for name in names {
        let n = name.to_string_lossy();
        let bytes = std::fs::read(dir.join(&name)).unwrap_or_default();
        if n.ends_with(".argv") {
            let argv = normalize(&String::from_utf8_lossy(&bytes), run);
            let argv: Vec<&str> = argv.lines().collect();
            writeln!(out, "{n} argv={}", argv.join(" ")).unwrap();
        } else if n.starts_with("protoc_") {
            // A FileDescriptorSet from fake-protoc.
            writeln!(
                out,
                "{n} sha256={} proto_file={}",
                common::sha256_hex(&bytes),
                file_list(&payloads(&bytes, 1))
            )
            .unwrap();
        } else {
            let req = prost_types::compiler::CodeGeneratorRequest::decode(bytes.as_slice());
            let (files, param, version) = match &req {
                Ok(r) => (
                    r.file_to_generate.join(","),
                    r.parameter
                        .as_ref()
                        .map_or("-".to_string(), |p| format!("{:?}", p)),
                    r.compiler_version.is_some(),
                ),
                Err(e) => (format!("<undecodable: {e}>"), "-".into(), false),
            };
            writeln!(
                out,
                "{n} sha256={} files={files} param={param}{} proto_file={} source={}",
                common::sha256_hex(&bytes),
                if version { " compiler_version=set" } else { "" },
                file_list(&payloads(&bytes, 15)),
                file_list(&payloads(&bytes, 17)),
            )
            .unwrap();
        }
    }
    out
}

fn observe(case: &Path, p: &Prepared, out: &std::process::Output, real: bool) -> Outcome {
    let mut o = Outcome {
        exit: format!("{}\n", out.status.code().unwrap_or(-1)),
        stderr: normalize(&String::from_utf8_lossy(&out.stderr), &p.run),
        ..Outcome::default()
    };
    let (files, empty) = common::tree(&p.run, &[]);
    for f in files {
        if f.starts_with(".capture") {
            continue;
        }
        let bytes = std::fs::read(p.run.join(&f)).unwrap_or_default();
        if p.copied.contains(&f) && std::fs::read(case.join(&f)).is_ok_and(|b| b == bytes) {
            continue;
        }
        // An absolute out under `-o` puts the run directory inside the tree.
        let name = f
            .to_string_lossy()
            .replace(p.run.to_string_lossy().trim_start_matches('/'), "$RUN");
        if real {
            writeln!(o.manifest, "{}  {name}", common::sha256_hex(&bytes)).unwrap();
        } else {
            let kind = if is_executable(&p.run.join(&f)) {
                'x'
            } else {
                'f'
            };
            writeln!(o.tree, "{kind} {name}").unwrap();
            o.files.insert(name, bytes);
        }
    }
    for d in empty {
        if !d.starts_with(".capture") {
            writeln!(o.tree, "d {}/", d.display()).unwrap();
        }
    }
    for f in &p.pre {
        let path = p.run.join(f);
        let state = match std::fs::metadata(&path).and_then(|m| m.modified()) {
            Err(_) => "gone",
            Ok(t) if t == SystemTime::UNIX_EPOCH + PRE_MTIME => "kept",
            Ok(_) => "changed",
        };
        writeln!(o.mtimes, "{state} {}", f.display()).unwrap();
    }
    if !real {
        o.requests = describe_captures(&p.run.join(".capture"), &p.run);
    }
    o
}

fn read_expected(case: &Path, real: bool) -> Outcome {
    let e = case.join(expected_dir(case));
    let mut o = Outcome {
        exit: common::read(&e.join("exit")),
        stderr: common::read(&e.join("stderr.txt")),
        mtimes: common::read(&e.join("mtimes.txt")),
        ..Outcome::default()
    };
    if real {
        o.manifest = common::read(&e.join("manifest.txt"));
    } else {
        o.tree = common::read(&e.join("tree.txt"));
        o.requests = common::read(&e.join("requests.txt"));
        let (files, _) = common::tree(&e.join("out"), &[]);
        for f in files {
            let bytes = std::fs::read(e.join("out").join(&f)).unwrap();
            o.files.insert(f.to_string_lossy().into_owned(), bytes);
        }
    }
    o
}

fn write_expected(case: &Path, o: &Outcome, real: bool) {
    let e = case.join(expected_dir(case));
    let _ = std::fs::remove_dir_all(&e);
    std::fs::create_dir_all(&e).unwrap();
    std::fs::write(e.join("exit"), &o.exit).unwrap();
    std::fs::write(e.join("stderr.txt"), &o.stderr).unwrap();
    if !o.mtimes.is_empty() {
        std::fs::write(e.join("mtimes.txt"), &o.mtimes).unwrap();
    }
    if real {
        std::fs::write(e.join("manifest.txt"), &o.manifest).unwrap();
        return;
    }
    std::fs::write(e.join("tree.txt"), &o.tree).unwrap();
    std::fs::write(e.join("requests.txt"), &o.requests).unwrap();
    for (name, bytes) in &o.files {
        let dst = e.join("out").join(name);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(dst, bytes).unwrap();
    }
}

/// A line diff (longest common subsequence), `-` for buf's lines, `+` for ours.
fn diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    if a.len() * b.len() > 4_000_000 {
        return format!("--- want\n{want}\n+++ got\n{got}\n");
    }
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

fn show(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap_or_else(|_| format!("<{} binary bytes>", b.len()))
}

fn report(want: &Outcome, got: &Outcome) -> String {
    let mut r = String::new();
    let mut section = |title: &str, w: &str, g: &str| {
        if w != g {
            write!(r, "\n== {title} (- buf, + ours)\n{}", diff(w, g)).unwrap();
        }
    };
    section("exit", &want.exit, &got.exit);
    section("stderr", &want.stderr, &got.stderr);
    section("tree", &want.tree, &got.tree);
    section("requests", &want.requests, &got.requests);
    section("mtimes of pre/ files", &want.mtimes, &got.mtimes);
    section("manifest", &want.manifest, &got.manifest);
    for (name, w) in &want.files {
        if let Some(g) = got.files.get(name).filter(|g| *g != w) {
            write!(
                r,
                "\n== {name} (- buf, + ours)\n{}",
                diff(&show(w), &show(g))
            )
            .unwrap();
        }
    }
    r
}

fn check(case_dir: &Path, name: &str, p: Prepared, got: &Outcome, real: bool) {
    if recording() || std::env::var_os("GENERATE_RECORD").is_some_and(|v| v == "protolith") {
        write_expected(case_dir, got, real);
        return;
    }
    let want = read_expected(case_dir, real);
    if want != *got {
        let kept = p._tmp.keep();
        panic!(
            "generate case {name} differs from buf (run dir kept at {}):{}",
            kept.display(),
            report(&want, got)
        );
    }
}

fn run_case(name: &str) {
    let case = common::root().join("testdata/generate").join(name);
    assert!(case.is_dir(), "missing case directory {}", case.display());
    let p = prepare(&case, true);
    let out = command(&case, &p, true).output().expect("run generate");
    let got = observe(&case, &p, &out, false);
    check(&case, name, p, &got, false);
}

/// `testdata/generate-real/PLUGINS`: `<binary> <its --version output>` a line.
fn plugin_versions() -> BTreeMap<String, String> {
    common::read(&common::root().join("testdata/generate-real/PLUGINS"))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .map(|(b, v)| (b.to_string(), v.trim().to_string()))
        .collect()
}

/// PATH for real plugins: the inherited one, then `.refs/bin` (where
/// scripts/refs.sh puts protoc-gen-es).
fn real_path() -> std::ffi::OsString {
    let mut path: Vec<PathBuf> =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
    path.push(common::root().join(".refs/bin"));
    std::env::join_paths(path).unwrap()
}

fn run_real_case(name: &str) {
    let case = common::root().join("testdata/generate-real").join(name);
    assert!(case.is_dir(), "missing case directory {}", case.display());
    let versions = plugin_versions();
    for bin in common::read_list(&case.join("needs")) {
        let want = versions
            .get(&bin)
            .unwrap_or_else(|| panic!("{bin} (in {name}/needs) is not in PLUGINS"));
        let got = Command::new(&bin)
            .arg("--version")
            .env("PATH", real_path())
            .output();
        let got = got
            .as_ref()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        match got {
            Ok(v) if v == *want => {}
            Ok(v) => {
                eprintln!("skipping generate-real/{name}: {bin} reports {v:?}, recorded {want:?}");
                return;
            }
            Err(e) => {
                eprintln!("skipping generate-real/{name}: {bin}: {e}");
                return;
            }
        }
    }
    let p = prepare(&case, false);
    let out = command(&case, &p, false)
        .env("PATH", real_path())
        .output()
        .expect("run generate");
    let got = observe(&case, &p, &out, true);
    check(&case, name, p, &got, true);
}

fn listing(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = common::dirs(&common::root().join(dir))
        .iter()
        .filter_map(|d| d.file_name()?.to_str().map(str::to_string))
        .collect();
    v.sort();
    v
}

#[test]
fn all_cases_listed() {
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        listed,
        listing("testdata/generate"),
        "the cases! list in tests/generate.rs must name every directory of testdata/generate"
    );
    let mut real: Vec<String> = REAL_CASES.iter().map(|s| s.to_string()).collect();
    real.sort();
    assert_eq!(
        real,
        listing("testdata/generate-real"),
        "the real_cases! list in tests/generate.rs must name every directory of testdata/generate-real"
    );
}

#[test]
fn sha256_known_answer() {
    assert_eq!(
        common::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        common::sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
