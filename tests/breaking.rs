//! `protolith breaking` against buf's goldens: every rule fixture under
//! rules/breaking/<RULE>/<case>/ (previous/ and current/ side by side), the
//! end-to-end cases under testdata/breaking/, and `config ls-breaking-rules`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    dirs, expected_run, failure_lines, ls_rules_match_goldens, protolith, read, root, run_in,
};

/// Deprecated rules without replacement: configuring them checks nothing.
const NO_OPS: &[&str] = &[
    "FILE_SAME_PHP_GENERIC_SERVICES",
    "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
];

#[test]
fn rule_fixtures_match_buf() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in dirs(&root().join("rules/breaking")) {
        for case in dirs(&rule) {
            cases += 1;
            let mut got = run_in(
                &case.join("current"),
                "breaking",
                "--against ../previous --error-format json",
            );
            let mut want = expected_run(&case, "expected.json");
            // buf colours WARN; the goldens were made with the default log format.
            want.stderr = want.stderr.replace("\u{1b}[33mWARN\u{1b}[0m", "WARN");
            got.stderr = got.stderr.replace("\u{1b}[33mWARN\u{1b}[0m", "WARN");
            if got != want {
                failures.push(format!(
                    "{}\n--- want\n{want:#?}\n--- got\n{got:#?}",
                    case.strip_prefix(root()).unwrap_or(&case).display()
                ));
            }
        }
    }
    assert!(cases > 250, "rule fixtures missing: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} breaking rule cases differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `ok_` cases report nothing; every other case reports the rule it sits
/// under (or, for deprecated IDs, their replacements); every rule has both.
#[test]
fn fixtures_fire_and_ok_cases_stay_quiet() {
    for rule in dirs(&root().join("rules/breaking")) {
        let id = rule.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let (mut fires, mut quiet) = (false, false);
        for case in dirs(&rule) {
            let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let out = read(&case.join("expected.json"));
            if name.starts_with("ok_") {
                assert!(
                    out.is_empty(),
                    "{id}/{name}: an ok_ case must report nothing"
                );
                quiet = true;
            } else {
                assert!(!out.is_empty(), "{id}/{name}: only ok_ cases may be quiet");
                fires = true;
            }
        }
        assert!(quiet, "{id}: add an ok_ case");
        assert!(fires || NO_OPS.contains(&id), "{id}: add a case that fires");
    }
}

#[test]
fn end_to_end_cases_match_buf() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for case in dirs(&root().join("testdata/breaking")) {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if !case.join("args").exists() {
            continue;
        }
        cases += 1;
        let tmp = tempfile::tempdir().unwrap();
        let dir = if case.join("input").is_dir() {
            case.join("input")
        } else {
            tmp.path().to_path_buf()
        };
        let mut got = run_in(&dir, "breaking", read(&case.join("args")).trim());
        let mut want = expected_run(&case, "expected.stdout");
        // Usage texts are clap's, not cobra's; failures compare their
        // `Failure:` line only.
        if want.exit == 1 {
            want.stderr = failure_lines(&want.stderr);
            got.stderr = failure_lines(&got.stderr);
        }
        if got != want {
            failures.push(format!("{name}\n--- want\n{want:#?}\n--- got\n{got:#?}"));
        }
    }
    assert!(cases > 60, "breaking cases missing: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} breaking cases differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ls_breaking_rules_matches_buf() {
    ls_rules_match_goldens(
        "ls-breaking-rules",
        &root().join("testdata/ls-breaking-rules"),
    );
}

/// Git baselines read from a repository made here: a branch, a tag, a
/// commit and `ref=HEAD~1`, each with `subdir=`, give the findings of the
/// same baseline as a directory.
#[test]
fn git_baselines_agree_with_a_directory_baseline() {
    let fixture = root().join("rules/breaking/FIELD_NO_DELETE/deleted");
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(repo)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "git {args:?}");
    };
    let copy = |from: &std::path::Path| {
        let to = repo.join("proto");
        let _ = std::fs::remove_dir_all(&to);
        copy_dir(from, &to);
    };
    git(&["init", "-q", "-b", "main"]);
    copy(&fixture.join("previous"));
    git(&["add", "-A"]);
    git(&["commit", "-qm", "previous"]);
    git(&["tag", "v1"]);
    git(&["commit", "-q", "--allow-empty", "-m", "empty"]);
    copy(&fixture.join("current"));
    let want = read(&fixture.join("expected.json"));
    let head = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD~1"])
            .current_dir(repo)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for against in [
        ".git#branch=main,subdir=proto".to_string(),
        ".git#tag=v1,subdir=proto".to_string(),
        format!(".git#commit={},subdir=proto", head.trim()),
        ".git#ref=HEAD~1,subdir=proto".to_string(),
        ".git#branch=nope,subdir=proto".to_string(),
    ] {
        let out = protolith()
            .current_dir(repo)
            .args([
                "breaking",
                "proto",
                "--against",
                &against,
                "--error-format",
                "json",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if against.contains("nope") {
            assert_eq!(out.status.code(), Some(1), "{against}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("nope"), "{against}: {stderr}");
            continue;
        }
        // Paths print relative to the input directory `proto`.
        assert_eq!(
            stdout,
            want.replace("\"path\":\"", "\"path\":\"proto/"),
            "{against}"
        );
        assert_eq!(out.status.code(), Some(100), "{against}");
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Archive baselines (tar, tar.gz, tar.zst, zip; `strip_components=` and
/// `subdir=`) and a `format=` override give the answer of the same baseline
/// as a directory.
#[test]
fn archive_baselines_agree_with_a_directory_baseline() {
    use std::io::Write as _;
    let fixture = root().join("rules/breaking/FIELD_SAME_TYPE/scalar_changes");
    let want = read(&fixture.join("expected.json"));
    let tmp = tempfile::tempdir().unwrap();
    // Every file of previous/ under `top/proto/`.
    let mut files = Vec::new();
    let previous = fixture.join("previous");
    let mut stack = vec![previous.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&previous).unwrap().display().to_string();
                files.push((format!("top/proto/{rel}"), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let zst = ruzstd::encoding::compress_to_vec(
        tar.as_slice(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in &files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    let zip = zip.finish().unwrap().into_inner();
    let out = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let archives = [
        format!("{}#strip_components=2", out("prev.tar", &tar)),
        format!(
            "{}#strip_components=1,subdir=proto",
            out("prev.tgz", &gz.finish().unwrap())
        ),
        format!("{}#subdir=top/proto", out("prev.tar.zst", &zst)),
        format!("{}#strip_components=2", out("prev.zip", &zip)),
        format!(
            "{}#format=tar,strip_components=2",
            out("prev.archive", &tar)
        ),
    ];
    for against in archives {
        let o = protolith()
            .current_dir(fixture.join("current"))
            .args(["breaking", "--against", &against, "--error-format", "json"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            want,
            "{against}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(100), "{against}");
    }
}
