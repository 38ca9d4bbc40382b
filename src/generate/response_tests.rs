//! Merging, validation, features and duplicates. Every expected text was
//! printed by buf 1.75.0 for a plugin answering the same response (minus
//! `Failure: plugin P: `, which the caller adds).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::compiler::{SourceFile, compile};
use crate::image::ImageFile;

fn file(name: &str, content: &str) -> ResponseFile {
    ResponseFile {
        name: Some(name.into()),
        insertion_point: None,
        content: Some(content.as_bytes().to_vec()),
        generated_code_info: None,
    }
}

fn resp(files: Vec<ResponseFile>) -> CodeGeneratorResponse {
    CodeGeneratorResponse {
        file: files,
        supported_features: Some(3),
        minimum_edition: Some(998),
        maximum_edition: Some(1001),
        ..Default::default()
    }
}

fn names(v: &Validated) -> Vec<(&str, String)> {
    v.files
        .iter()
        .map(|f| {
            (
                f.name(),
                String::from_utf8_lossy(f.content.as_deref().unwrap_or_default()).into_owned(),
            )
        })
        .collect()
}

#[test]
fn merge_appends_files_joins_errors_last_features_win() {
    let mut a = resp(vec![file("a.txt", "a")]);
    a.error = Some("boom".into());
    let mut b = resp(vec![file("b.txt", "b")]);
    b.error = Some(String::new());
    let mut c = resp(vec![]);
    c.error = Some("boom".into());
    c.supported_features = Some(1);
    c.minimum_edition = None;
    c.maximum_edition = None;
    let m = merge(vec![a, b, c]);
    assert_eq!(m.file.len(), 2);
    assert_eq!(m.error.as_deref(), Some("boom; boom"));
    assert_eq!(m.supported_features, Some(1));
    assert_eq!(m.minimum_edition, None);
    assert_eq!(validate(m).unwrap_err(), "boom; boom");
}

#[test]
fn validate_normalizes_names_joins_continuations_and_drops_duplicates() {
    // buf 1.75.0 on this response wrote z.txt, a/b.txt, d, f.txt = "1",
    // g.txt = "xy" and printed exactly these four warnings.
    let v = validate(resp(vec![
        file("./y/../z.txt", "z"),
        file("a//b.txt", "b"),
        file("d/", "d"),
        file("f.txt", "1"),
        file("f.txt", "1"),
        file("f.txt", "2"),
        file("g.txt", "x"),
        file("", "y"),
    ]))
    .unwrap();
    assert_eq!(
        names(&v),
        vec![
            ("z.txt", "z".into()),
            ("a/b.txt", "b".into()),
            ("d", "d".into()),
            ("f.txt", "1".into()),
            ("g.txt", "xy".into()),
        ]
    );
    let spec = "and therefore does not conform to the Protobuf generation specification. The path must be non-empty, relative, use \"/\" instead of \"\\\" as the path separator, and not use \".\" or \"..\" as part of the path. Generation will continue without error here, but please raise an issue with the maintainer of the plugin and reference https://github.com/protocolbuffers/protobuf/blob/95e6c5b4746dd7474d540ce4fb375e3f79a086f8/src/google/protobuf/compiler/plugin.proto#L122";
    assert_eq!(
        v.warnings,
        vec![
            format!("path \"./y/../z.txt\" is not equal to \"z.txt\", {spec}"),
            format!("path \"a//b.txt\" is not equal to \"a/b.txt\", {spec}"),
            format!("path \"d/\" is not equal to \"d\", {spec}"),
            "duplicate generated file name \"f.txt\". Generation will continue without error here and drop the second occurrence of this file, but please raise an issue with the maintainer of the plugin.".to_string(),
        ]
    );
}

#[test]
fn insertion_point_entries_are_not_duplicates() {
    let mut ip = file("f.txt", "ins");
    ip.insertion_point = Some("p".into());
    let v = validate(resp(vec![file("f.txt", "x"), ip.clone(), ip])).unwrap();
    assert_eq!(v.files.len(), 3);
    assert!(v.warnings.is_empty());
}

#[test]
fn validate_error_texts() {
    let err = |files: Vec<ResponseFile>| validate(resp(files)).unwrap_err();
    assert_eq!(
        err(vec![file("../x.txt", "")]),
        "CodeGeneratorResponse: file: path \"../x.txt\" should not jump context"
    );
    assert_eq!(
        err(vec![file("/abs.txt", "")]),
        "CodeGeneratorResponse: file: path \"/abs.txt\" should be relative"
    );
    assert_eq!(
        err(vec![file("", "x"), file("a", "")]),
        "CodeGeneratorResponse: file: first value had no name set"
    );
    let mut bad_ip = file("", "x");
    bad_ip.insertion_point = Some("p".into());
    assert_eq!(
        err(vec![file("a", ""), bad_ip]),
        "CodeGeneratorResponse: file: empty name with non-empty insertion point"
    );
    // `..` and `.` pass here; the writer refuses them.
    assert!(validate(resp(vec![file("..", "")])).is_ok());
    assert!(validate(resp(vec![file(".", "")])).is_ok());

    let mut r = resp(vec![]);
    r.supported_features = Some(4);
    assert_eq!(
        validate(r).unwrap_err(),
        "CodeGeneratorResponse: supported_features: unknown CodeGeneratorResponse.Features: 100"
    );
    let mut r = resp(vec![]);
    r.minimum_edition = None;
    assert_eq!(
        validate(r).unwrap_err(),
        "CodeGeneratorResponse: supported_features: FEATURE_SUPPORTS_EDITIONS specified but no minimum_edition set"
    );
    let mut r = resp(vec![]);
    r.maximum_edition = None;
    assert_eq!(
        validate(r).unwrap_err(),
        "CodeGeneratorResponse: supported_features: FEATURE_SUPPORTS_EDITIONS specified but no maximum_edition set"
    );
    let mut r = resp(vec![]);
    r.minimum_edition = Some(1001);
    r.maximum_edition = Some(1000);
    assert_eq!(
        validate(r).unwrap_err(),
        "CodeGeneratorResponse: minimum_edition 1001 is greater than maximum_edition 1000"
    );
    // Without the editions bit, min/max are not looked at.
    let mut r = resp(vec![]);
    r.supported_features = Some(1);
    r.minimum_edition = None;
    assert!(validate(r).is_ok());
}

#[test]
fn go_clean_matches_go() {
    for (input, want) in [
        ("", "."),
        (".", "."),
        ("..", ".."),
        ("./y/../z.txt", "z.txt"),
        ("a//b.txt", "a/b.txt"),
        ("d/", "d"),
        ("a/../../x", "../x"),
        ("/../a", "/a"),
        ("a\\b.txt", "a\\b.txt"),
        ("x/./y/..", "x"),
    ] {
        assert_eq!(go_clean(input), want, "{input}");
    }
    assert_eq!(go_join("gen", "f.txt"), "gen/f.txt");
    assert_eq!(go_join("./gen/", "f.txt"), "gen/f.txt");
    assert_eq!(go_join(".", "f.txt"), "f.txt");
}

fn image(sources: &[(&str, &str)], imports: &[&str]) -> Image {
    let files = compile(
        sources
            .iter()
            .map(|(path, text)| SourceFile {
                import_path: path.to_string(),
                display_path: path.to_string(),
                text: std::sync::Arc::new(text.to_string()),
            })
            .collect(),
    )
    .unwrap_or_else(|_| panic!("fixtures compile"));
    Image {
        files: files
            .into_iter()
            .map(|file| ImageFile {
                is_import: imports.contains(&file.fd.name()),
                file,
                module_name: None,
                module_commit: None,
            })
            .collect(),
    }
}

fn features_fixture() -> Image {
    image(
        &[
            (
                "p3/p.proto",
                "syntax = \"proto3\";\nmessage P { optional int32 x = 1; }\n",
            ),
            (
                "p3/q.proto",
                "syntax = \"proto3\";\nmessage Q { message N { optional int32 y = 1; } }\n",
            ),
            (
                "p3/r.proto",
                "syntax = \"proto3\";\nmessage R { int32 z = 1; }\n",
            ),
            (
                "imp/i.proto",
                "syntax = \"proto3\";\nmessage I { optional int32 x = 1; }\n",
            ),
            (
                "ed/e.proto",
                "edition = \"2023\";\nmessage E { int32 x = 1; }\n",
            ),
            (
                "ed/f.proto",
                "edition = \"2024\";\nmessage F { int32 x = 1; }\n",
            ),
            (
                "ed/g.proto",
                "edition = \"2023\";\nmessage G { int32 x = 1; }\n",
            ),
        ],
        &["imp/i.proto"],
    )
}

#[test]
fn required_features_skip_imports_and_see_nested_messages() {
    let req = required_features(&features_fixture());
    assert_eq!(req.proto3_optional, vec!["p3/p.proto", "p3/q.proto"]);
    assert_eq!(
        req.editions,
        vec![
            ("ed/e.proto".to_string(), 1000),
            ("ed/f.proto".to_string(), 1001),
            ("ed/g.proto".to_string(), 1000)
        ]
    );
}

#[test]
fn features_warning_and_errors() {
    let req = required_features(&features_fixture());
    let v = |features: u64, min: i32, max: i32| Validated {
        supported_features: features,
        minimum_edition: Some(min),
        maximum_edition: Some(max),
        ..Default::default()
    };
    let report = feature_report("P", &v(0, 0, 0), &req);
    assert_eq!(
        report.warning.as_deref(),
        Some(
            "plugin \"P\" does not support required features.\n  Feature \"proto3 optional\" is required by 2 file(s):\n    p3/p.proto,p3/q.proto"
        )
    );
    assert_eq!(
        report.error.as_deref(),
        Some(
            "plugin \"P\" does not support feature \"supports editions\" which is required by \"ed/e.proto\"\nplugin \"P\" does not support feature \"supports editions\" which is required by \"ed/f.proto\"\nplugin \"P\" does not support feature \"supports editions\" which is required by \"ed/g.proto\""
        )
    );
    // Editions outside [min, max]: grouped by edition, then image order.
    let report = feature_report("P", &v(3, 1001, 1001), &req);
    assert_eq!(report.warning, None);
    assert_eq!(
        report.error.as_deref(),
        Some(
            "plugin \"P\" does not support edition \"2023\" which is required by \"ed/e.proto\"\nplugin \"P\" does not support edition \"2023\" which is required by \"ed/g.proto\""
        )
    );
    assert_eq!(
        check_features("P", &v(3, 998, 1000), &req).unwrap_err(),
        "plugin \"P\" does not support edition \"2024\" which is required by \"ed/f.proto\""
    );
    assert_eq!(check_features("P", &v(3, 998, 1001), &req), Ok(None));
    let mut no_min = v(3, 998, 1001);
    no_min.minimum_edition = None;
    assert_eq!(
        check_features("P", &no_min, &req).unwrap_err(),
        "plugin \"P\" advertises that it supports editions but did not indicate a minimum supported edition"
    );
    assert_eq!(
        check_features("P", &v(3, 1001, 1000), &req).unwrap_err(),
        "plugin \"P\" indicates a maximum supported edition (EDITION_2023) that is less than its minimum supported edition (EDITION_2024)"
    );
    assert_eq!(edition_name(1), "1 test only");
    assert_eq!(edition_name(1002), "1002");
}

#[test]
fn duplicates_across_plugins() {
    let a = vec![file("f.txt", "a")];
    let b = vec![file("f.txt", "b")];
    let mut ip = file("f.txt", "x");
    ip.insertion_point = Some("p".into());
    let c = vec![ip];
    assert_eq!(
        check_duplicates(&[("A", "gen", &a), ("B", "./gen/", &b)]).unwrap_err(),
        "file \"gen/f.txt\" was generated multiple times: once by plugin \"A\" and again by plugin \"B\""
    );
    assert_eq!(
        check_duplicates(&[("A", ".", &a), ("A", ".", &b)]).unwrap_err(),
        "file \"f.txt\" was generated multiple times: once by plugin \"A\" and again by plugin \"A\""
    );
    // Insertion points are exempt; other spellings of one directory are not
    // compared (buf uses the out as written).
    assert!(check_duplicates(&[("A", "gen", &a), ("C", "gen", &c)]).is_ok());
    assert!(check_duplicates(&[("A", "gen", &a), ("B", "/abs/gen", &b)]).is_ok());
}
