//! googleapis 6.0.1 (7,221 files) built by buf 1.75.0 and by protolith must
//! give byte-identical images. Runs when scripts/refs.sh has installed buf and
//! the corpus (CI does); skips otherwise.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::process::Command;

use common::*;

#[test]
fn googleapis_image_agrees_with_buf() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    let buf = root().join(".refs/bin/buf");
    if !corpus.is_dir() || !buf.exists() {
        eprintln!("skipped: run scripts/refs.sh to install buf and googleapis");
        return;
    }
    let tmp = std::env::temp_dir();
    let ours = tmp.join(format!(
        "protolith-googleapis-ours-{}.binpb",
        std::process::id()
    ));
    let theirs = tmp.join(format!(
        "protolith-googleapis-buf-{}.binpb",
        std::process::id()
    ));
    let st = Command::new(&buf)
        .current_dir(&corpus)
        .args(["build", ".", "-o"])
        .arg(&theirs)
        .status()
        .expect("run buf");
    assert!(st.success(), "buf failed on googleapis");
    let st = protolith()
        .current_dir(&corpus)
        .args(["build", ".", "-o"])
        .arg(&ours)
        .status()
        .expect("run protolith");
    assert!(st.success(), "protolith failed on googleapis");
    let expected = std::fs::read(&theirs).expect("buf image");
    let actual = std::fs::read(&ours).expect("our image");
    let _ = std::fs::remove_file(&ours);
    let _ = std::fs::remove_file(&theirs);
    assert_eq!(split_image(&actual).len(), 7221);
    if let Some(diff) = image_difference(&expected, &actual) {
        let head: String = diff.lines().take(20).collect::<Vec<_>>().join("\n");
        panic!("googleapis differs from buf:\n{head}");
    }
    assert!(
        expected == actual,
        "googleapis image: same content as buf's but not the same bytes"
    );
}

/// `build --type` (a package, a `.**` tree, a method) and the JSON rendering
/// of the whole image give buf's bytes.
#[test]
fn googleapis_type_filter_and_json_agree_with_buf() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    let buf = root().join(".refs/bin/buf");
    if !corpus.is_dir() || !buf.exists() {
        eprintln!("skipped: run scripts/refs.sh to install buf and googleapis");
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[&str]); 2] = [
        (
            "filtered.binpb",
            &[
                "--type",
                "google.cloud.compute.v1,google.api.**",
                "--type",
                "google.longrunning.Operations.GetOperation",
            ],
        ),
        ("image.json", &[]),
    ];
    for (name, args) in cases {
        let theirs = scratch.path().join(format!("buf-{name}"));
        let ours = scratch.path().join(format!("ours-{name}"));
        let st = Command::new(&buf)
            .current_dir(&corpus)
            .arg("build")
            .args(args)
            .arg("-o")
            .arg(&theirs)
            .status()
            .expect("run buf");
        assert!(st.success(), "buf failed: {args:?}");
        let st = protolith()
            .current_dir(&corpus)
            .arg("build")
            .args(args)
            .arg("-o")
            .arg(&ours)
            .status()
            .expect("run protolith");
        assert!(st.success(), "protolith failed: {args:?}");
        let expected = std::fs::read(&theirs).expect("buf output");
        let actual = std::fs::read(&ours).expect("our output");
        if name.ends_with(".binpb")
            && let Some(diff) = image_difference(&expected, &actual)
        {
            let head: String = diff.lines().take(20).collect::<Vec<_>>().join("\n");
            panic!("{args:?} differs from buf:\n{head}");
        }
        assert!(expected == actual, "{name} {args:?}: not buf's bytes");
    }
}

/// `lint` with the default rules (no buf.yaml: v1 defaults) prints exactly
/// what buf prints, in every format the issue names.
#[test]
fn googleapis_lint_agrees_with_buf() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    let buf = root().join(".refs/bin/buf");
    if !corpus.is_dir() || !buf.exists() {
        eprintln!("skipped: run scripts/refs.sh to install buf and googleapis");
        return;
    }
    for format in ["json", "text", "msvs", "github-actions", "junit"] {
        let theirs = Command::new(&buf)
            .current_dir(&corpus)
            .args(["lint", "--error-format", format])
            .output()
            .expect("run buf");
        let ours = protolith()
            .current_dir(&corpus)
            .env("PROTOLITH_NO_CACHE", "1")
            .args(["lint", "--error-format", format])
            .output()
            .expect("run protolith");
        assert_eq!(theirs.status.code(), Some(100), "buf lint exit");
        assert_eq!(ours.status.code(), Some(100), "protolith lint exit");
        if format == "json" {
            let n = theirs.stdout.iter().filter(|&&b| b == b'\n').count();
            assert!(n > 80_000, "buf reported only {n} findings");
        }
        same_output(&theirs.stdout, &ours.stdout, format);
    }
}

/// `breaking` from googleapis 4.2.0 to 6.0.1 finds exactly buf's ~3,100
/// changes against every kind of baseline: a directory, a git branch and a
/// tag (`subdir=proto`), a tar.gz archive and an image file.
#[test]
fn googleapis_breaking_agrees_with_buf() {
    let new = root().join(".refs/googleapis-6.0.1");
    let old = root().join(".refs/googleapis-4.2.0");
    let buf = root().join(".refs/bin/buf");
    if !new.is_dir() || !old.is_dir() || !buf.exists() {
        eprintln!("skipped: run scripts/refs.sh to install buf and googleapis");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let sh = |script: &str| {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("OLD", &old)
            .env("NEW", &new)
            .env("REPO", &repo)
            .env("TMP", tmp.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "setup failed: {script}");
    };
    // main (and tag v4.2.0) hold 4.2.0 under proto/; the work tree holds 6.0.1.
    sh(
        "mkdir -p \"$REPO/proto\" && cp -R \"$OLD\"/. \"$REPO/proto\" && cd \"$REPO\" \
        && git init -q -b main && git add -A \
        && git -c user.email=t@example.com -c user.name=t commit -qm old && git tag v4.2.0 \
        && rm -rf proto && mkdir proto && cp -R \"$NEW\"/. proto \
        && tar czf \"$TMP/old.tar.gz\" -C \"$OLD/..\" googleapis-4.2.0",
    );
    let image = tmp.path().join("old.binpb");
    let built = protolith()
        .arg("build")
        .arg(&old)
        .arg("-o")
        .arg(&image)
        .status()
        .expect("run protolith build");
    assert!(built.success(), "protolith build of 4.2.0");
    let theirs = Command::new(&buf)
        .current_dir(&repo)
        .arg("breaking")
        .arg("proto")
        .arg("--against")
        .arg(&old)
        .args(["--error-format", "json"])
        .output()
        .expect("run buf");
    assert_eq!(theirs.status.code(), Some(100), "buf breaking exit");
    let n = theirs.stdout.iter().filter(|&&b| b == b'\n').count();
    assert!(n > 3_000, "buf reported only {n} changes");
    let tarball = format!(
        "{}#strip_components=1",
        tmp.path().join("old.tar.gz").display()
    );
    for against in [
        old.display().to_string(),
        ".git#branch=main,subdir=proto".to_string(),
        ".git#tag=v4.2.0,subdir=proto".to_string(),
        tarball,
        image.display().to_string(),
    ] {
        let ours = protolith()
            .current_dir(&repo)
            .args([
                "breaking",
                "proto",
                "--against",
                &against,
                "--error-format",
                "json",
            ])
            .output()
            .expect("run protolith");
        assert_eq!(ours.status.code(), Some(100), "{against}: exit");
        same_output(&theirs.stdout, &ours.stdout, &format!("against {against}"));
    }
}

/// Fails with the first differing line when the two outputs differ.
fn same_output(theirs: &[u8], ours: &[u8], what: &str) {
    if theirs == ours {
        return;
    }
    let t = String::from_utf8_lossy(theirs);
    let o = String::from_utf8_lossy(ours);
    let first = t
        .lines()
        .zip(o.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("buf:  {a}\nours: {b}"))
        .unwrap_or_else(|| "one output is a prefix of the other".into());
    panic!(
        "{what}: {} vs {} lines; first difference:\n{first}",
        t.lines().count(),
        o.lines().count()
    );
}
