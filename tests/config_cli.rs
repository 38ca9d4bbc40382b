//! The everyday commands `config init`, `config ls-modules`, `stats` and
//! `completion` against buf 1.75.0's recorded answers
//! (testdata/config-cli/README.md): stdout, stderr, exit code, and the files
//! a run creates or changes (with their permission bits).
//!
//! Env: `CLI_TOOL=<binary>` runs that binary instead of protolith (with buf
//! it checks the recordings are stable); `CLI_RECORD=1` writes expected/
//! from the run instead of comparing (testdata/config-cli/regen.sh);
//! `CLI_RECORD=protolith` writes expected-protolith/ from a protolith run,
//! for a case where protolith differs from buf (its NOTES say why).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

recorded_cases! {
    completion_help_tree,
    completion_no_shell,
    init_bad_name,
    init_buf_mod_exists,
    init_empty_name,
    init_existing_refused,
    init_existing_unknown_version,
    init_help,
    init_missing_output_value,
    init_name,
    init_name_quoted,
    init_output_dir,
    init_output_empty,
    init_output_missing,
    init_output_not_dir,
    init_plain,
    init_two_names,
    migrate_bad_version,
    migrate_deprecated_lint_rule,
    migrate_deps_conflict_offline,
    migrate_deprecated_rules,
    migrate_discover_all,
    migrate_duplicate_name,
    migrate_flag_no_value,
    migrate_gen_managed_keys,
    migrate_gen_missing,
    migrate_gen_v1,
    migrate_gen_v1_diff,
    migrate_gen_v1beta1,
    migrate_gen_v2_warn,
    migrate_help,
    migrate_lock_b4_offline,
    migrate_lock_b4_offline_diff,
    migrate_lock_empty,
    migrate_lock_workspace_dep,
    migrate_missing_workspace,
    migrate_module_absolute,
    migrate_module_missing_dir,
    migrate_module_outside,
    migrate_modules_flag,
    migrate_nothing,
    migrate_positional_arg,
    migrate_unknown_flag,
    migrate_unknown_key,
    migrate_v1_defaults,
    migrate_v1_module,
    migrate_v1_module_diff,
    migrate_v1_short_form,
    migrate_v1beta1_defaults,
    migrate_v1beta1_roots,
    migrate_v2_already,
    migrate_v2_module_flag,
    migrate_workspace,
    migrate_workspace_diff,
    migrate_workspace_identical,
    migrate_workspace_subdir,
    ls_modules_both_files,
    ls_modules_config_data,
    ls_modules_config_file,
    ls_modules_help,
    ls_modules_no_config,
    ls_modules_subdir_not_searched,
    ls_modules_unknown_arg,
    ls_modules_unknown_format,
    ls_modules_v1_module,
    ls_modules_v1_workspace,
    ls_modules_v1_workspace_v2_member,
    ls_modules_v1beta1_roots,
    ls_modules_v2_bad_yaml,
    ls_modules_v2_modules,
    ls_modules_v2_top_name,
    stats_deprecated,
    stats_groups_and_extensions,
    stats_help,
    stats_image_refused,
    stats_json,
    stats_missing_dir,
    stats_missing_dir_above,
    stats_no_files,
    stats_proto_file_input,
    stats_syntax_errors,
    stats_text,
    stats_two_args,
    stats_unknown_format,
    stats_v2_workspace,
}

#[test]
fn all_cases_listed() {
    common::assert_cases_listed("config-cli", CASES, file!());
}

/// Each shell's script is produced, and bash can load the bash one.
#[test]
fn completion_scripts_for_every_shell() {
    if std::env::var_os("CLI_TOOL").is_some() {
        return;
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Command::new(env!("CARGO_BIN_EXE_protolith"))
            .args(["completion", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "completion {shell} failed");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("protolith"), "{shell}: {script}");
        assert!(out.stderr.is_empty(), "{shell}");
    }
    let exe = env!("CARGO_BIN_EXE_protolith");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; source <('{exe}' completion bash); complete -p protolith; \
             COMP_WORDS=(protolith config ''); COMP_CWORD=2; _protolith protolith '' config; \
             echo \"${{COMPREPLY[@]}}\""
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "bash could not source the script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("-F _protolith protolith"), "{stdout}");
    assert!(stdout.contains("ls-modules"), "{stdout}");
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let (files, _) = common::tree(root, &[]);
    files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(root.join(&f)).unwrap_or_default();
            (f, bytes)
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[derive(Default, PartialEq, Debug)]
struct Outcome {
    exit: String,
    stdout: String,
    stderr: String,
    /// `f <path> <mode>` for every file the run created or changed, `d <path>`
    /// for every file it removed.
    tree: String,
    files: BTreeMap<String, Vec<u8>>,
}

fn run_case(name: &str) {
    let case = common::root().join("testdata/config-cli").join(name);
    assert!(case.is_dir(), "missing case directory {}", case.display());
    let tmp = tempfile::Builder::new()
        .prefix("protolith-config-cli-")
        .tempdir()
        .unwrap();
    let run = tmp.path().canonicalize().unwrap().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let input = case.join("input");
    if input.is_dir() {
        let (files, _) = common::tree(&input, &[]);
        for f in files {
            let dst = run.join(&f);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::copy(input.join(&f), &dst).unwrap();
        }
    }
    if case.join("setup").is_file() {
        let status = Command::new("sh")
            .arg(case.join("setup"))
            .current_dir(&run)
            .status()
            .unwrap();
        assert!(status.success(), "setup of {name} failed");
    }
    let before = snapshot(&run);
    let args: Vec<String> = common::read(&case.join("args"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l {
            "''" => String::new(),
            _ => l.replace("$RUN", &run.to_string_lossy()),
        })
        .collect();
    let cwd = match std::fs::read_to_string(case.join("cwd")) {
        Ok(sub) => run.join(sub.trim()),
        Err(_) => run.clone(),
    };
    let out = Command::new(common::cli_tool())
        .args(&args)
        .current_dir(&cwd)
        .stdin(Stdio::null())
        .env("BUF_CACHE_DIR", tmp.path().join("cache"))
        .env_remove("BUF_LOG_FORMAT")
        .env_remove("BUF_DEBUG")
        .env_remove("BUF_TIMEOUT")
        .output()
        .expect("run the tool");
    // The run directory -> `$RUN`; the timestamps of `config migrate -d`'s
    // diff headers -> `<TIME>`.
    let stamp = regex::Regex::new(r"(?m)\t\d{4}-\d\d-\d\d [0-9:.]+ [+-]\d{4}$").unwrap();
    let normalize = |b: &[u8]| {
        let text = String::from_utf8_lossy(b).replace(run.to_string_lossy().as_ref(), "$RUN");
        stamp.replace_all(&text, "\t<TIME>").into_owned()
    };
    let mut got = Outcome {
        exit: format!("{}\n", out.status.code().unwrap_or(-1)),
        stdout: normalize(&out.stdout),
        stderr: normalize(&out.stderr),
        ..Outcome::default()
    };
    let after = snapshot(&run);
    let mut lines = BTreeMap::new();
    for (f, bytes) in &after {
        if before.get(f) != Some(bytes) {
            lines.insert(f, format!("f {} {:o}", f.display(), mode(&run.join(f))));
            got.files.insert(f.display().to_string(), bytes.clone());
        }
    }
    // Files the run removed (`config migrate` replaces v1 files).
    for f in before.keys().filter(|f| !after.contains_key(*f)) {
        lines.insert(f, format!("d {}", f.display()));
    }
    for line in lines.values() {
        writeln!(got.tree, "{line}").unwrap();
    }
    // protolith's own answer where it differs from buf's (the case's NOTES
    // say why), else buf's.
    let ours = std::env::var_os("CLI_TOOL").is_none()
        && (case.join("expected-protolith").is_dir()
            || std::env::var("CLI_RECORD").as_deref() == Ok("protolith"));
    let dir = case.join(if ours {
        "expected-protolith"
    } else {
        "expected"
    });
    if std::env::var_os("CLI_RECORD").is_some() {
        write_expected(&dir, &got);
        return;
    }
    let want = read_expected(&dir);
    assert!(
        want == got,
        "config-cli case {name} differs from its recording:\n--- expected\n{want:#?}\n--- got\n{got:#?}"
    );
}

fn read_expected(dir: &Path) -> Outcome {
    let mut o = Outcome {
        exit: common::read(&dir.join("exit")),
        stdout: common::read(&dir.join("stdout.txt")),
        stderr: common::read(&dir.join("stderr.txt")),
        tree: common::read(&dir.join("tree.txt")),
        ..Outcome::default()
    };
    let (files, _) = common::tree(&dir.join("out"), &[]);
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
