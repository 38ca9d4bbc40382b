//! Check plugins (`plugins:`) and policies (`policies:`) in `lint`,
//! `breaking` and `config ls-*-rules`, against buf 1.75.0's recorded answers
//! (testdata/check-plugins/README.md): stdout, stderr, exit code, and the
//! set of distinct Check requests the test plugin (buf-plugin-fixture)
//! received.
//!
//! Env: `CLI_TOOL=<binary>` runs that binary instead of protolith (with buf
//! it checks the recordings are stable); `CLI_RECORD=1` writes expected/
//! from the run instead of comparing (testdata/check-plugins/regen.sh).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

recorded_cases! {
    breaking_defaults,
    breaking_exclude_imports,
    breaking_format_github_actions,
    breaking_format_gitlab_code_quality,
    breaking_format_json,
    breaking_format_junit,
    breaking_format_msvs,
    breaking_format_text,
    breaking_plugin_only,
    err_clash_builtin,
    err_clash_builtin_category,
    err_disable_builtin_standard_unknown,
    err_drop_list_categories,
    err_dup_rule,
    err_empty_on_check,
    err_error_on_check,
    err_error_on_list_rules,
    err_exit_on_check,
    err_exit_on_list_categories,
    err_exit_on_list_rules,
    err_exit_on_ls,
    err_garbage_on_check,
    err_not_executable,
    err_not_on_path,
    err_protocol_2,
    err_protocol_x,
    err_relative_path_missing,
    err_relative_path_ok,
    err_remote_no_lock,
    err_remote_no_lock_ls,
    err_same_plugin_twice,
    err_unknown_use_id,
    err_wasm_bad_magic,
    err_wasm_missing,
    lint_breaking_rule_in_lint_use,
    lint_comment_ignore,
    lint_defaults,
    lint_defaults_no_options,
    lint_deprecated_rule,
    lint_disallow_comment_ignores,
    lint_except,
    lint_format_config_ignore_yaml,
    lint_format_github_actions,
    lint_format_gitlab_code_quality,
    lint_format_json,
    lint_format_junit,
    lint_format_msvs,
    lint_format_text,
    lint_ignore_module_relative_path,
    lint_ignore_only_plugin_category,
    lint_ignore_path,
    lint_import_seen_wkt,
    lint_paginate,
    lint_path_filter,
    lint_syntax_unspecified_unused_import,
    lint_two_plugins,
    lint_unknown_rule_in_annotation,
    lint_use_category,
    ls_breaking_configured_only,
    ls_breaking_disable_builtin_configured_only,
    ls_breaking_json,
    ls_breaking_plugin_and_policies_configured_only,
    ls_breaking_text,
    ls_lint_configured_only,
    ls_lint_configured_only_json,
    ls_lint_disable_builtin,
    ls_lint_disable_builtin_configured_only,
    ls_lint_include_deprecated,
    ls_lint_include_deprecated_json,
    ls_lint_json,
    ls_lint_paginate,
    ls_lint_plugin_and_policies_configured_only,
    ls_lint_plugin_and_policies_json,
    ls_lint_text,
    ls_lint_two_plugins,
    ls_lint_two_plugins_configured_only,
    options_refused_date,
    options_refused_empty_list,
    options_refused_empty_string,
    options_refused_false,
    options_refused_list_of_maps,
    options_refused_map,
    options_refused_mixed_list,
    options_refused_null,
    options_refused_zero,
    options_valid,
    policy_and_plugin_both,
    policy_cwd_relative,
    policy_dot_slash_name,
    policy_duplicate_name,
    policy_file_bad_plugin_option,
    policy_file_empty_file,
    policy_file_no_version,
    policy_file_unknown_key,
    policy_file_unknown_use_id,
    policy_file_v1,
    policy_missing_file,
    policy_plugin_error,
    policy_plugin_not_found,
    policy_s1_disable_builtin,
    policy_s1_json,
    policy_s2_json,
    policy_s2_with_builtin,
    policy_s3a_ignore_dir_relative,
    policy_s3b_ignore_module_relative,
    policy_s3c_ignore_all,
    policy_s4_ignore_only_breaking,
    policy_s4_ignore_only_lint,
    policy_s5_breaking,
    policy_s5_breaking_only_policy,
    policy_s6b_policy_suppresses_warning,
    policy_s7_plugin_breaking,
    policy_s7_plugin_breaking_json,
    policy_s7_plugin_lint,
    policy_s7_plugin_lint_json,
    warn_no_breaking_rules,
    warn_no_lint_rules,
    warn_no_lint_rules_bogus_use,
    warn_no_lint_rules_ls_configured_only,
    warn_unused_plugin,
    warn_unused_plugin_breaking_selects,
    warn_unused_plugin_breaking_use_names_it,
    warn_unused_plugin_in_policy,
    warn_unused_plugin_two_modules,
    workspace_import_seen,
    workspace_per_module_config,
}

#[test]
fn all_cases_listed() {
    common::assert_cases_listed("check-plugins", CASES, file!());
}

/// The names the cases give the test plugin on PATH: a second name lets a
/// case configure two plugins (the second with `--id-prefix`).
const PLUGIN_NAMES: &[&str] = &["buf-plugin-fixture", "buf-plugin-second"];

#[derive(Default, PartialEq, Debug)]
struct Outcome {
    exit: String,
    stdout: String,
    stderr: String,
    /// The distinct Check requests (fixture dumps), sorted by file name,
    /// separated by `----` lines.
    requests: String,
}

fn run_case(name: &str) {
    let case = common::root().join("testdata/check-plugins").join(name);
    assert!(case.is_dir(), "missing case directory {}", case.display());
    let tmp = tempfile::Builder::new()
        .prefix("protolith-check-plugins-")
        .tempdir()
        .unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let run = base.join("run");
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
    let fixture = PathBuf::from(env!("CARGO_BIN_EXE_buf-plugin-fixture"));
    let bin = base.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for plugin in PLUGIN_NAMES {
        std::os::unix::fs::symlink(&fixture, bin.join(plugin)).unwrap();
    }
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    if case.join("setup").is_file() {
        let status = Command::new("sh")
            .arg(case.join("setup"))
            .current_dir(&run)
            .env("FIXTURE_BIN", &fixture)
            .status()
            .unwrap();
        assert!(status.success(), "setup of {name} failed");
    }
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
    let home = base.join("home");
    let requests = base.join("requests");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(common::cli_tool());
    command
        .args(&args)
        .current_dir(&cwd)
        .stdin(Stdio::null())
        .env("PATH", &path)
        .env("HOME", &home)
        .env("BUF_CACHE_DIR", base.join("cache"))
        .env("BUF_LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .env("FIXTURE_RECORD_DIR", &requests);
    for var in [
        "BUF_DEBUG",
        "BUF_TIMEOUT",
        "BUF_TOKEN",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
    ] {
        command.env_remove(var);
    }
    let out = command.output().expect("run the tool");
    // Paths of this run must not reach the goldens.
    let normalize = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace(run.to_string_lossy().as_ref(), "$RUN")
            .replace(base.to_string_lossy().as_ref(), "$TMP")
            .replace(fixture.to_string_lossy().as_ref(), "$FIXTURE")
    };
    let got = Outcome {
        exit: format!("{}\n", out.status.code().unwrap_or(-1)),
        stdout: normalize(&out.stdout),
        stderr: normalize(&out.stderr),
        requests: recorded_requests(&requests),
    };
    let dir = case.join("expected");
    if std::env::var_os("CLI_RECORD").is_some() {
        write_expected(&dir, &got);
        return;
    }
    let want = read_expected(&dir);
    if want != got {
        for (what, w, g) in [
            ("exit", &want.exit, &got.exit),
            ("stdout", &want.stdout, &got.stdout),
            ("stderr", &want.stderr, &got.stderr),
            ("requests", &want.requests, &got.requests),
        ] {
            if w != g {
                eprintln!("--- {what}: expected\n{w}--- {what}: got\n{g}");
            }
        }
        panic!("check-plugins case {name} differs from its recording");
    }
}

/// The fixture's request dumps (one file per distinct Check request).
fn recorded_requests(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    let mut names: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let dumps: Vec<String> = names.iter().map(|p| common::read(p)).collect();
    dumps.join("----\n")
}

fn read_expected(dir: &Path) -> Outcome {
    Outcome {
        exit: common::read(&dir.join("exit")),
        stdout: common::read(&dir.join("stdout.txt")),
        stderr: common::read(&dir.join("stderr.txt")),
        requests: common::read(&dir.join("requests.txt")),
    }
}

fn write_expected(dir: &Path, o: &Outcome) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("exit"), &o.exit).unwrap();
    for (name, text) in [
        ("stdout.txt", &o.stdout),
        ("stderr.txt", &o.stderr),
        ("requests.txt", &o.requests),
    ] {
        if !text.is_empty() {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
}
