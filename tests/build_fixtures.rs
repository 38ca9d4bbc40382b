//! `protolith build` on every module under testdata/build, compared byte for
//! byte with the image real buf produced for it. Cases listed in
//! testdata/build/PASSING must agree; the others are reported, so the list
//! only grows.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;

#[test]
fn fixtures_listed_as_passing_agree_with_buf() {
    let dir = root().join("testdata/build");
    let passing = read_list(&dir.join("PASSING"));
    assert!(!passing.is_empty(), "testdata/build/PASSING lists no case");
    let mut failures = Vec::new();
    let mut newly_passing = Vec::new();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/build exists")
        .flatten()
        .filter(|e| e.path().join("input").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    for case in &cases {
        let case_dir = dir.join(case);
        let out = std::env::temp_dir().join(format!(
            "protolith-fixture-{case}-{}.binpb",
            std::process::id()
        ));
        let status = protolith()
            .current_dir(&case_dir)
            .args(["build", "input", "-o"])
            .arg(&out)
            .output()
            .expect("run protolith");
        let verdict = if !status.status.success() {
            Some(format!(
                "exit {:?}: {}",
                status.status.code(),
                String::from_utf8_lossy(&status.stderr)
            ))
        } else {
            let expected = std::fs::read(case_dir.join("expected.binpb")).expect("expected.binpb");
            let actual = std::fs::read(&out).expect("our output");
            // Byte for byte; when not, say what differs.
            (expected != actual).then(|| {
                image_difference(&expected, &actual)
                    .unwrap_or_else(|| "same content, different bytes (location order?)".into())
            })
        };
        let _ = std::fs::remove_file(&out);
        match (verdict, passing.contains(case)) {
            (Some(why), true) => failures.push(format!("{case}:\n{why}")),
            (None, false) => newly_passing.push(case.clone()),
            _ => {}
        }
    }
    if !newly_passing.is_empty() {
        eprintln!("now agreeing with buf, add to testdata/build/PASSING: {newly_passing:?}");
    }
    assert!(
        failures.is_empty(),
        "fixtures regressed against buf:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let case_dir = root().join("testdata/build/proto3");
    let mut outs = Vec::new();
    for i in 0..2 {
        let out =
            std::env::temp_dir().join(format!("protolith-det-{i}-{}.binpb", std::process::id()));
        let st = protolith()
            .current_dir(&case_dir)
            .args(["build", "input", "-o"])
            .arg(&out)
            .status()
            .expect("run protolith");
        assert!(st.success());
        outs.push(std::fs::read(&out).expect("output"));
        let _ = std::fs::remove_file(&out);
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn as_file_descriptor_set_drops_the_image_extension() {
    let case_dir = root().join("testdata/build/proto3");
    let out = std::env::temp_dir().join(format!("protolith-fds-{}.binpb", std::process::id()));
    let st = protolith()
        .current_dir(&case_dir)
        .args(["build", "input", "--as-file-descriptor-set", "-o"])
        .arg(&out)
        .status()
        .expect("run protolith");
    assert!(st.success());
    let actual = std::fs::read(&out).expect("output");
    let _ = std::fs::remove_file(&out);
    let expected = std::fs::read(case_dir.join("expected.fds.binpb")).expect("expected.fds.binpb");
    assert_eq!(image_difference(&expected, &actual), None);
    assert!(
        split_image(&actual)
            .iter()
            .all(|(_, f)| f.extension.is_empty())
    );
}

#[test]
fn embedded_well_known_types_match_bufs_descriptors() {
    let case_dir = root().join("testdata/build/wkt_all");
    let out = std::env::temp_dir().join(format!("protolith-wkt-{}.binpb", std::process::id()));
    let st = protolith()
        .current_dir(&case_dir)
        .args(["build", "input", "-o"])
        .arg(&out)
        .status()
        .expect("run protolith");
    assert!(st.success());
    let actual = split_image(&std::fs::read(&out).expect("output"));
    let _ = std::fs::remove_file(&out);
    let expected =
        split_image(&std::fs::read(case_dir.join("expected.binpb")).expect("expected.binpb"));
    assert_eq!(expected.len(), 17, "the fixture imports every embedded WKT");
    assert_eq!(actual.len(), expected.len());
    for ((en, ef), (an, af)) in expected.iter().zip(&actual) {
        assert_eq!(en, an, "file order");
        assert!(
            ef.descriptor == af.descriptor,
            "{en}: descriptor differs from buf's"
        );
        assert_eq!(ef.extension, af.extension, "{en}: image extension differs");
        assert_eq!(ef.locations, af.locations, "{en}: source info differs");
    }
}

fn build_to(case: &str, output: &str) -> Vec<u8> {
    let case_dir = root().join("testdata/build").join(case);
    let out = std::env::temp_dir().join(format!(
        "protolith-fmt-{case}-{}-{output}",
        std::process::id()
    ));
    let st = protolith()
        .current_dir(&case_dir)
        .args(["build", "input", "-o"])
        .arg(&out)
        .status()
        .expect("run protolith");
    assert!(st.success(), "{case}: build -o {output} failed");
    let bytes = std::fs::read(&out).expect("output");
    let _ = std::fs::remove_file(&out);
    bytes
}

#[test]
fn text_format_output_matches_bufs() {
    let dir = root().join("testdata/build");
    for case in read_list(&dir.join("PASSING")) {
        let expected = std::fs::read_to_string(dir.join(&case).join("expected.txtpb"))
            .expect("expected.txtpb");
        let actual = String::from_utf8(build_to(&case, "out.txtpb")).expect("utf-8");
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        if let Some(i) = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i)) {
            panic!(
                "{case}: text format differs at line {}:\n buf:  {:?}\n ours: {:?}",
                i + 1,
                e.get(i),
                a.get(i)
            );
        }
        assert_eq!(
            expected, actual,
            "{case}: text format differs (line endings?)"
        );
    }
}

#[test]
fn json_output_is_bufs_and_yaml_holds_the_same_values() {
    for case in ["proto3", "custom_options", "editions2024"] {
        let dir = root().join("testdata/build").join(case);
        // JSON byte for byte: protojson's field order (declaration order,
        // then extensions by name) and number formats.
        let expected = std::fs::read(dir.join("expected.json")).expect("expected.json");
        let actual = build_to(case, "out.json");
        assert!(
            expected == actual,
            "{case}: JSON differs from buf's:\n  buf:  {}\n  ours: {}",
            String::from_utf8_lossy(&expected)
                .chars()
                .take(300)
                .collect::<String>(),
            String::from_utf8_lossy(&actual)
                .chars()
                .take(300)
                .collect::<String>()
        );
        // YAML: the same values (buf's key order and list indentation are
        // not reproduced).

        let expected: serde_json::Value = serde_norway::from_slice(
            &std::fs::read(dir.join("expected.yaml")).expect("expected.yaml"),
        )
        .expect("yaml");
        let actual: serde_json::Value =
            serde_norway::from_slice(&build_to(case, "out.yaml")).expect("our yaml");
        assert!(expected == actual, "{case}: YAML differs from buf's");
    }
}

#[test]
fn exclude_source_retention_options_matches_buf() {
    for case in [
        "custom_options",
        "editions2024",
        "editions_map_features",
        "wkt_all",
    ] {
        let case_dir = root().join("testdata/build").join(case);
        let out =
            std::env::temp_dir().join(format!("protolith-sro-{case}-{}.binpb", std::process::id()));
        let st = protolith()
            .current_dir(&case_dir)
            .args(["build", "input", "--exclude-source-retention-options", "-o"])
            .arg(&out)
            .status()
            .expect("run protolith");
        assert!(st.success());
        let actual = std::fs::read(&out).expect("output");
        let _ = std::fs::remove_file(&out);
        let expected =
            std::fs::read(case_dir.join("expected.no-source-retention.binpb")).expect("golden");
        assert_eq!(image_difference(&expected, &actual), None, "{case}");
    }
}
