//! Parsing and validation of buf.yaml / buf.work.yaml. Every expected message was produced
//! by buf 1.75.0 on the same file (`buf ls-files` in a directory holding it), minus the
//! `Failure: ` prefix.

use super::*;

fn buf_yaml_error(text: &str) -> String {
    match parse_buf_yaml(text, "buf.yaml", Syntax::Yaml) {
        Ok(parsed) => panic!("expected an error, parsed {parsed:?}"),
        Err(err) => err.to_string(),
    }
}

fn buf_yaml(text: &str) -> BufYaml {
    match parse_buf_yaml(text, "buf.yaml", Syntax::Yaml) {
        Ok(parsed) => parsed,
        Err(err) => panic!("unexpected error: {err}"),
    }
}

fn work_error(text: &str) -> String {
    match parse_buf_work_yaml(text, "buf.work.yaml") {
        Ok(parsed) => panic!("expected an error, parsed {parsed:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn unknown_top_level_key_names_line_and_field() {
    assert_eq!(
        buf_yaml_error("version: v1\nfoo: 1\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 2: field foo not found"
    );
}

#[test]
fn unknown_nested_key_in_v2_module_and_lint() {
    assert_eq!(
        buf_yaml_error("version: v2\nmodules:\n  - path: .\n    bar: 2\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 4: field bar not found"
    );
    assert_eq!(
        buf_yaml_error("version: v2\nlint:\n  foo: 1\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 3: field foo not found"
    );
}

#[test]
fn comment_ignore_keys_belong_to_their_version() {
    assert_eq!(
        buf_yaml_error("version: v1\nlint:\n  disallow_comment_ignores: true\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 3: field disallow_comment_ignores not found"
    );
    assert_eq!(
        buf_yaml_error("version: v2\nlint:\n  allow_comment_ignores: true\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 3: field allow_comment_ignores not found"
    );
}

#[test]
fn missing_empty_and_unknown_versions() {
    let not_set = "decode buf.yaml: \"version\" is not set. Please add \"version: v2\"";
    assert_eq!(buf_yaml_error("name: x\n"), not_set);
    assert_eq!(buf_yaml_error(""), not_set);
    assert_eq!(buf_yaml_error("version: \"\"\n"), not_set);
    assert_eq!(
        buf_yaml_error("version: v3\n"),
        "decode buf.yaml: unknown file version: \"v3\""
    );
    assert_eq!(
        buf_yaml_error("version: 1\n"),
        "decode buf.yaml: unknown file version: \"1\""
    );
    assert_eq!(
        buf_yaml_error("version: [v1]\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"
    );
}

#[test]
fn type_errors_are_worded_like_go_yaml() {
    assert_eq!(
        buf_yaml_error("version: v1\ndeps: x\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `x` into []string"
    );
    assert_eq!(
        buf_yaml_error("version: v1\nlint:\n  use: 3\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!int `3` into []string"
    );
    assert_eq!(
        buf_yaml_error("version: v1\nlint:\n  allow_comment_ignores: maybe\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `maybe` into bool"
    );
    assert_eq!(
        buf_yaml_error("version: v1\nlint:\n  ignore_only:\n    FOO: x\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `x` into []string"
    );
}

#[test]
fn syntax_errors_and_duplicate_keys() {
    assert_eq!(
        buf_yaml_error("version: v1\n: : :\n"),
        "decode buf.yaml: yaml: line 1: did not find expected key"
    );
    assert_eq!(
        buf_yaml_error("version: v1\n\tx\n"),
        "decode buf.yaml: yaml: line 2: found a tab character that violates indentation"
    );
    assert_eq!(
        buf_yaml_error("version: \"v2\"\nversion: v1\n"),
        "decode buf.yaml: yaml: unmarshal errors:\n  line 2: mapping key \"version\" already defined at line 1"
    );
}

#[test]
fn yaml_one_one_booleans_and_scalar_names_are_accepted() {
    let parsed = buf_yaml("version: v1\nlint:\n  allow_comment_ignores: yes\n");
    let lint = &parsed.modules[0].lint;
    assert!(lint.allow_comment_ignores);
    assert!(lint.comment_ignores_allowed());
    assert_eq!(
        buf_yaml_error("version: v1\nname: 5\n"),
        "decode buf.yaml: could not parse full name \"5\": must be in the form registry/owner/name"
    );
}

#[test]
fn v1_build_excludes_rules() {
    let cases = [
        ("[/abs]", "decode buf.yaml: /abs: expected to be relative"),
        (
            "[../x]",
            "decode buf.yaml: ../x: is outside the context directory",
        ),
        ("[\"\"]", "decode buf.yaml: exclude contained an empty path"),
        (
            "[proto, proto]",
            "decode buf.yaml: duplicate exclude \"proto\"",
        ),
        (
            "[proto, proto/b]",
            "decode buf.yaml: exclude \"proto/b\" is within exclude \"proto\" which is not allowed",
        ),
        (
            "[.]",
            "decode buf.yaml: \".\" is both a root and exclude, which means the entire root is excluded, which is not valid",
        ),
    ];
    for (excludes, expected) in cases {
        let text = format!("version: v1\nbuild:\n  excludes: {excludes}\n");
        assert_eq!(buf_yaml_error(&text), expected, "excludes: {excludes}");
    }
    let parsed = buf_yaml("version: v1\nbuild:\n  excludes: [./proto/b/]\n");
    assert_eq!(parsed.modules[0].excludes, ["proto/b"]);
}

#[test]
fn v1beta1_roots_rules_and_v1_rejects_roots() {
    let cases = [
        (
            "roots: [proto, other]\n  excludes: [x]",
            "decode buf.yaml: exclude \"x\" is not contained in any root, which is not valid",
        ),
        (
            "roots: [proto, other]\n  excludes: [other]",
            "decode buf.yaml: \"other\" is both a root and exclude, which means the entire root is excluded, which is not valid",
        ),
        (
            "roots: [proto, proto/a]",
            "decode buf.yaml: root \"proto/a\" is within root \"proto\" which is not allowed",
        ),
        (
            "roots: [proto, proto]",
            "decode buf.yaml: duplicate root \"proto\"",
        ),
        (
            "roots: [/x]",
            "decode buf.yaml: /x: expected to be relative",
        ),
        (
            "roots: [..]",
            "decode buf.yaml: ..: is outside the context directory",
        ),
        (
            "roots: [\"\"]",
            "decode buf.yaml: root contained an empty path",
        ),
        (
            "roots: [\".\", proto]",
            "decode buf.yaml: root \"proto\" is within root \".\" which is not allowed",
        ),
    ];
    for (build, expected) in cases {
        let text = format!("version: v1beta1\nbuild:\n  {build}\n");
        assert_eq!(buf_yaml_error(&text), expected, "build: {build}");
    }
    assert_eq!(
        buf_yaml_error("version: v1\nbuild:\n  roots: [a, b]\n"),
        "decode buf.yaml: build.roots cannot be set on version v1: [a b]"
    );
    let parsed = buf_yaml("version: v1beta1\nbuild:\n  roots: [proto, other]\n");
    assert_eq!(parsed.modules[0].roots, ["proto", "other"]);
}

#[test]
fn v2_module_path_include_exclude_rules() {
    let module = |body: &str| format!("version: v2\nmodules:\n  - path: proto\n{body}");
    let cases = [
        (
            "version: v2\nmodules:\n  - path: ../x\n".to_string(),
            "decode buf.yaml: invalid module path: ../x: is outside the context directory",
        ),
        (
            "version: v2\nmodules:\n  - path: /x\n".to_string(),
            "decode buf.yaml: invalid module path: /x: expected to be relative",
        ),
        (
            module("    excludes: [other]\n"),
            "decode buf.yaml: exclude path \"other\" does not reside within module directory \"proto\"",
        ),
        (
            module("    excludes: [proto]\n"),
            "decode buf.yaml: exclude path \"proto\" is equal to module directory \"proto\"",
        ),
        (
            module("    includes: [proto]\n"),
            "decode buf.yaml: include path \"proto\" is equal to module directory \"proto\"",
        ),
        (
            module("    includes: [other]\n"),
            "decode buf.yaml: include path \"other\" does not reside within module directory \"proto\"",
        ),
        (
            module("    includes: [proto/a, proto/a/x]\n"),
            "decode buf.yaml: include \"proto/a/x\" is within include \"proto/a\" which is not allowed",
        ),
        (
            module("    includes: [proto/a, proto/a]\n"),
            "decode buf.yaml: duplicate include \"proto/a\"",
        ),
        (
            module("    includes: [proto/a]\n    excludes: [proto/b]\n"),
            "decode buf.yaml: include paths are specified but \"proto/b\" is not contained within any of them",
        ),
        (
            module("    includes: [proto/a]\n    excludes: [proto/a]\n"),
            "decode buf.yaml: \"proto/a\" is both an include path and an exclude path",
        ),
        (
            module("    includes: [proto/a/x]\n    excludes: [proto/a]\n"),
            "decode buf.yaml: \"proto/a/x\" (an include path) is a subdirectory of \"proto/a\" (an exclude path)",
        ),
        (
            module("    excludes: [\"\"]\n"),
            "decode buf.yaml: exclude path \".\" does not reside within module directory \"proto\"",
        ),
        (
            module("    includes: [\"\"]\n"),
            "decode buf.yaml: include contained an empty path",
        ),
        (
            module("    excludes: [/x]\n"),
            "decode buf.yaml: invalid exclude path: /x: expected to be relative",
        ),
        (
            module("    includes: [../x]\n"),
            "decode buf.yaml: ../x: is outside the context directory",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(buf_yaml_error(&text), expected, "{text}");
    }
}

#[test]
fn v2_names_and_module_descriptions() {
    assert_eq!(
        buf_yaml_error("version: v2\nname: buf.build/a/b\nmodules:\n  - path: proto\n"),
        "decode buf.yaml: top-level name key cannot be specified if modules are specified, you must specify the name on each individual module, the top-level name key is only for the default case where you have one module at path \".\"."
    );
    assert_eq!(
        buf_yaml_error(
            "version: v2\nmodules:\n  - path: proto\n    name: buf.build/a/b\n  - path: other\n    name: buf.build/a/b\n"
        ),
        "decode buf.yaml: duplicate full names in input: \"buf.build/a/b\", \"buf.build/a/b\""
    );
    assert_eq!(
        buf_yaml_error("version: v2\nmodules:\n  - path: proto\n  - path: proto\n"),
        "multiple module configs found with the same description: path: \"proto\""
    );
    // Same path with different includes is allowed; modules come out sorted by path.
    let parsed = buf_yaml(
        "version: v2\nmodules:\n  - path: z\n  - path: a\n    excludes: [a/x]\n  - path: a\n    includes: [a/x]\n",
    );
    let descriptions: Vec<String> = parsed.modules.iter().map(|m| m.description()).collect();
    assert_eq!(
        descriptions,
        [
            "path: \"a\", excludes: \"a/x\"",
            "path: \"a\", includes: \"a/x\"",
            "path: \"z\""
        ]
    );
    // An empty path is the root module.
    let parsed = buf_yaml("version: v2\nmodules:\n  - path: \"\"\n");
    assert_eq!(parsed.modules[0].dir, ".");
}

#[test]
fn names_and_deps_validation() {
    assert_eq!(
        buf_yaml_error("version: v1\ndeps: [foo]\n"),
        "decode buf.yaml: invalid dep: could not parse reference \"foo\": must be in the form registry/owner/name[:ref]"
    );
    assert_eq!(
        buf_yaml_error("version: v1\ndeps: [buf.build/a/b, buf.build/a/b]\n"),
        "decode buf.yaml: duplicate full names in input: \"buf.build/a/b\", \"buf.build/a/b\""
    );
    assert_eq!(
        buf_yaml_error("version: v1\nname: buf.build/a/b/c\n"),
        "decode buf.yaml: could not parse full name \"buf.build/a/b/c\": must be in the form registry/owner/name"
    );
    assert_eq!(
        buf_yaml_error("version: v1\nname: \"bad host/a/c\"\n"),
        "decode buf.yaml: could not parse full name \"bad host/a/c\": registry \"bad host\" is not a valid hostname: must either be a valid IP address or domain name: invalid domain name \"bad host\", included invalid character ' ', must only contain letters, digits, periods (.), hyphens (-), or underscores (_)"
    );
    let parsed = buf_yaml("version: v1\nname: buf.build:99/a/c\ndeps: [buf.build/x/y:main]\n");
    assert_eq!(
        parsed.name.as_ref().map(ToString::to_string).as_deref(),
        Some("buf.build:99/a/c")
    );
    assert_eq!(parsed.deps[0].reference.as_deref(), Some("main"));
}

#[test]
fn v2_lint_ignores_are_rebased_onto_modules() {
    assert_eq!(
        buf_yaml_error(
            "version: v2\nmodules:\n  - path: proto\n    lint:\n      ignore: [other]\n"
        ),
        "decode buf.yaml: lint.ignore: path \"other\" is not contained within module directory \"proto\""
    );
    assert_eq!(
        buf_yaml_error(
            "version: v2\nmodules:\n  - path: proto\n    lint:\n      ignore_only:\n        FOO: [other]\n"
        ),
        "decode buf.yaml: lint.ignore_only: path \"other\" is not contained within module directory \"proto\""
    );
    assert_eq!(
        buf_yaml_error(
            "version: v2\nmodules:\n  - path: proto\n    breaking:\n      ignore: [../x]\n"
        ),
        "decode buf.yaml: breaking.ignore: invalid path: ../x: is outside the context directory"
    );
    assert_eq!(
        buf_yaml_error(
            "version: v2\nmodules:\n  - path: proto\n    lint:\n      ignore: [proto/a, proto/a/x]\n"
        ),
        "decode buf.yaml: ignore \"a/x\" is within ignore \"a\" which is not allowed"
    );
    // Top-level entries go to the module containing them, rebased; others are dropped.
    let parsed = buf_yaml(
        "version: v2\nlint:\n  ignore: [proto/a, other, nothere]\n  ignore_only:\n    FIELD_LOWER_SNAKE_CASE: [proto/b/c.proto]\nmodules:\n  - path: proto\n  - path: other\n",
    );
    let proto = parsed.modules.iter().find(|m| m.dir == "proto");
    let other = parsed.modules.iter().find(|m| m.dir == "other");
    assert_eq!(
        proto.map(|m| m.lint.ignore.clone()),
        Some(vec!["a".to_string()])
    );
    assert_eq!(
        proto.and_then(|m| m.lint.ignore_only.get("FIELD_LOWER_SNAKE_CASE").cloned()),
        Some(vec!["b/c.proto".to_string()])
    );
    assert_eq!(other.map(|m| m.lint.disabled), Some(true));
    assert_eq!(other.map(|m| m.lint.ignore.is_empty()), Some(true));
}

#[test]
fn lint_and_breaking_keys_are_typed_with_defaults() {
    let parsed = buf_yaml(
        "version: v2\nlint:\n  use: [STANDARD]\n  except: [FIELD_LOWER_SNAKE_CASE]\n  enum_zero_value_suffix: _NONE\n  rpc_allow_same_request_response: true\n  rpc_allow_google_protobuf_empty_requests: true\n  rpc_allow_google_protobuf_empty_responses: true\n  service_suffix: API\n  disallow_comment_ignores: true\n  disable_builtin: true\nbreaking:\n  use: [WIRE]\n  ignore_unstable_packages: true\n",
    );
    let lint = &parsed.modules[0].lint;
    assert_eq!(lint.use_rules, ["STANDARD"]);
    assert_eq!(lint.except, ["FIELD_LOWER_SNAKE_CASE"]);
    assert_eq!(lint.enum_zero_value_suffix, "_NONE");
    assert!(lint.rpc_allow_same_request_response);
    assert!(lint.rpc_allow_google_protobuf_empty_requests);
    assert!(lint.rpc_allow_google_protobuf_empty_responses);
    assert_eq!(lint.service_suffix, "API");
    assert!(!lint.comment_ignores_allowed());
    assert!(lint.disable_builtin);
    let breaking = &parsed.modules[0].breaking;
    assert_eq!(breaking.use_rules, ["WIRE"]);
    assert!(breaking.ignore_unstable_packages);

    let defaults = buf_yaml("version: v1\n");
    let lint = &defaults.modules[0].lint;
    assert_eq!(lint.default_use(), "DEFAULT");
    assert_eq!(lint.enum_zero_value_suffix, "_UNSPECIFIED");
    assert_eq!(lint.service_suffix, "Service");
    assert!(!lint.comment_ignores_allowed());
    assert_eq!(
        buf_yaml("version: v2\n").modules[0].lint.default_use(),
        "STANDARD"
    );
}

#[test]
fn buf_mod_is_v1_only() {
    let err = parse_buf_yaml("version: v2\n", "buf.mod", Syntax::Yaml)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("decode buf.mod: v2 is not supported for buf.mod files")
    );
}

#[test]
fn buf_work_yaml_rules() {
    let long_dot = "decode buf.work.yaml: directory \".\" is listed, it is not valid to have \".\" as a workspace directory, as this is no different than not having a workspace at all, see https://buf.build/docs/reference/workspaces/#directories for more details";
    let cases = [
        (
            "version: v1\n",
            "decode buf.work.yaml: directories is empty",
        ),
        (
            "version: v1\ndirectories: []\n",
            "decode buf.work.yaml: directories is empty",
        ),
        (
            "version: v2\ndirectories: [a]\n",
            "decode buf.work.yaml: v2 is not supported for buf.work.yaml files",
        ),
        (
            "version: v1beta1\ndirectories: [a]\n",
            "decode buf.work.yaml: v1beta1 is not supported for buf.work.yaml files",
        ),
        (
            "directories: [a]\n",
            "decode buf.work.yaml: \"version\" is not set. Please add \"version: v1\"",
        ),
        (
            "version: v1\ndirectories: [a, ./a/]\n",
            "decode buf.work.yaml: directory \"./a/\" is listed more than once",
        ),
        ("version: v1\ndirectories: [.]\n", long_dot),
        ("version: v1\ndirectories: [\"\"]\n", long_dot),
        (
            "version: v1\ndirectories: [a, a/x]\n",
            "decode buf.work.yaml: directory \"a\" contains directory \"a/x\"",
        ),
        (
            "version: v1\ndirectories: [../a]\n",
            "decode buf.work.yaml: directory \"../a\" is invalid: ../a: is outside the context directory",
        ),
        (
            "version: v1\ndirectories: [/a]\n",
            "decode buf.work.yaml: directory \"/a\" is invalid: /a: expected to be relative",
        ),
        (
            "version: v1\ndirectories: [a]\nfoo: 1\n",
            "decode buf.work.yaml: yaml: unmarshal errors:\n  line 3: field foo not found",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(work_error(text), expected, "{text}");
    }
}

#[test]
fn config_override_tries_json_then_yaml() {
    let cwd = std::path::Path::new("/");
    let err = |value: &str| {
        parse_config_override(value, cwd)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        err("{\"version\":\"v1\",\"foo\":1}"),
        "decode config file: json: unknown field \"foo\"\nyaml: unmarshal errors:\n  line 1: field foo not found"
    );
    assert_eq!(
        err("version: v1\nfoo: 1"),
        "decode config file: invalid character 'v' looking for beginning of value\nyaml: unmarshal errors:\n  line 2: field foo not found"
    );
    assert_eq!(
        err("{\"version\":\"v3\"}"),
        "decode config file: unknown file version: \"v3\""
    );
    assert_eq!(
        err("{}"),
        "decode config file: \"version\" is not set. Please add \"version: v2\""
    );
    assert_eq!(
        err("{\"version\":\"v1\",\"build\":{\"excludes\":[\"/x\"]}}"),
        "decode config file: /x: expected to be relative"
    );
    assert_eq!(
        err("nope.yaml"),
        "could not read file: open nope.yaml: no such file or directory"
    );
    let yaml = parse_config_override("version: v1beta1\nbuild:\n  roots: [proto]", cwd);
    assert_eq!(
        yaml.ok().map(|c| c.modules[0].roots.clone()),
        Some(vec!["proto".to_string()])
    );
}

#[test]
fn path_helpers_match_go_semantics() {
    use super::path::{clean, contains, normalize_and_validate, rel};
    assert_eq!(clean("./a//b/../c/"), "a/c");
    assert_eq!(clean(""), ".");
    assert_eq!(clean("../../x"), "../../x");
    assert_eq!(clean("/../x"), "/x");
    assert!(contains(".", "a"));
    assert!(!contains(".", "."));
    assert!(contains("a", "a/b"));
    assert!(!contains("a", "ab/c"));
    assert_eq!(rel("a/b", "a/c/d"), "../c/d");
    assert_eq!(
        normalize_and_validate("./../x").map_err(|e| e.to_string()),
        Err("./../x: is outside the context directory".to_string())
    );
}

#[test]
fn plain_yaml_timestamps_in_plugin_options_are_marked() {
    let data = "version: v2\nplugins:\n  - plugin: p\n    options:\n      day: 2001-12-14\n      \
                quoted: \"2001-12-14\"\n      stamp: 2001-12-14T21:59:43.10Z\n      word: 2001-12\n";
    let yaml = parse_buf_yaml(data, "buf.yaml", Syntax::Yaml).unwrap();
    assert_eq!(yaml.plugins[0].timestamp_options, ["day", "stamp"]);
}
