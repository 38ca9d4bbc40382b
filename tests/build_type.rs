//! `protolith build --type` on every case under testdata/build-type, against
//! the images (or the failures) real buf 1.75.0 produced for the same input
//! and arguments.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{dirs, failure_lines, image_difference, protolith, read, root};

#[test]
fn type_filtered_images_match_buf() {
    let cases = dirs(&root().join("testdata/build-type"));
    assert!(
        cases.len() >= 60,
        "testdata/build-type has {} cases",
        cases.len()
    );
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let args: Vec<String> = read(&case.join("args"))
            .lines()
            .map(str::to_string)
            .collect();
        let out = scratch.path().join(format!("{name}.binpb"));
        let run = protolith()
            .arg("build")
            .arg("input")
            .args(&args)
            .arg("-o")
            .arg(&out)
            .current_dir(case)
            .output()
            .expect("run protolith");
        let exit = run.status.code().unwrap_or(-1);
        let expected_exit: i32 = read(&case.join("expected.exit"))
            .trim()
            .parse()
            .unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&run.stderr);
        if exit != expected_exit {
            failures.push(format!(
                "{name}: exit {exit}, buf {expected_exit}; stderr: {stderr}"
            ));
            continue;
        }
        let expected_image = case.join("expected.binpb");
        if expected_image.exists() {
            let want = std::fs::read(&expected_image).expect("expected.binpb");
            let got = std::fs::read(&out).unwrap_or_default();
            if got != want {
                let why = image_difference(&want, &got)
                    .unwrap_or_else(|| "bytes differ (field order or options)".to_string());
                failures.push(format!("{name}: {why}"));
            }
        } else {
            let want = failure_lines(&read(&case.join("expected.stderr")));
            if failure_lines(&stderr) != want || want.is_empty() {
                failures.push(format!("{name}: stderr {stderr:?}, buf {want:?}"));
            }
            if out.exists() {
                failures.push(format!("{name}: a failed build wrote {}", out.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from buf:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A filtered image keeps only parts of descriptor.proto, yet its JSON
/// rendering still names the custom options, as buf's does.
#[test]
fn type_filtered_json_matches_buf() {
    let case = root().join("testdata/build-type/custom_options");
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("out.json");
    let run = protolith()
        .args(["build", "input", "--type", "app.v1.User", "-o"])
        .arg(&out)
        .current_dir(&case)
        .output()
        .expect("run protolith");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let want = std::fs::read(case.join("expected.json")).expect("expected.json");
    assert!(
        std::fs::read(&out).unwrap_or_default() == want,
        "JSON differs from buf's"
    );
}
