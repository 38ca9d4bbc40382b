//! Template parsing against texts recorded from buf 1.75.0 (`buf generate` in a
//! scratch module, stderr after `Failure: `).

use super::*;

fn parse_yaml(text: &str) -> Result<GenTemplate, String> {
    parse(text.as_bytes(), "buf.gen.yaml")
}

fn parse_flag(text: &str) -> Result<GenTemplate, String> {
    parse(text.as_bytes(), "config file")
}

#[test]
fn errors_match_buf() {
    let mut failures = Vec::new();
    for (name, text, expected) in VERIFIED_ERRORS {
        match parse_yaml(text) {
            Err(got) if got == *expected => {}
            other => failures.push(format!("{name}:\n  want {expected:?}\n  got  {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn accepted_by_buf() {
    let mut failures = Vec::new();
    for (name, text) in VERIFIED_OK {
        if let Err(e) = parse_yaml(text) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inline_template_errors_match_buf() {
    let cases = [
        (
            r#"{"version":"v2","bogus":1}"#,
            "decode config file: json: unknown field \"bogus\"\nyaml: unmarshal errors:\n  line 1: field bogus not found",
        ),
        (
            "{\"version\":\"v2\",\n\"plugins\":[{\"local\":\"x\",\"out\":\"g\",\"bogus\":2}]}",
            "decode config file: json: unknown field \"bogus\"\nyaml: unmarshal errors:\n  line 2: field bogus not found",
        ),
        (
            "mytemplate",
            "decode config file: invalid character 'm' looking for beginning of value\nyaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `mytemplate` into bufconfig.externalFileVersion",
        ),
        (
            r#"{"version":"v2","plugins":[{"local":"x"}]}"#,
            "decode config file: must specify out",
        ),
        (
            r#"{"version":"v3"}"#,
            "decode config file: unknown file version: \"v3\"",
        ),
        (
            r#"{"plugins":[]}"#,
            "decode config file: \"version\" is not set. Please add \"version: v2\"",
        ),
        (
            r#"{"version":"v2","managed":{"enabled":true,"override":[{"file_option":"java_package","value":5}]}}"#,
            "decode config file: invalid value 5 for java_package: expected a string, got float64",
        ),
        (
            r#"{"version":"v2","managed":{"enabled":true,"override":[{"file_option":"java_multiple_files","value":"true"}]}}"#,
            "decode config file: invalid value true for java_multiple_files: expected a bool, got string",
        ),
        (
            r#"{"version":"v2","plugins":[{"local":5,"out":"g"}]}"#,
            "decode config file: could not interpret float64 as string or string slice",
        ),
        (
            r#"{"version":"v2","plugins":[{"local":"x","out":"g","opt":[1]}]}"#,
            "decode config file: could not convert element float64 to a string",
        ),
        (
            "version: v2\nplugins: [{local: x}]",
            "decode config file: must specify out",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_flag(text).err().as_deref(), Some(expected), "{text}");
    }
    // Accepted by buf: a YAML-only flow map, a YAML 1.1 bool word, bare `version: v2`.
    for text in [
        r#"{"version":"v2",}"#,
        r#"{"version":"v2","clean":"yes"}"#,
        "version: v2",
    ] {
        assert!(parse_flag(text).is_ok(), "{text}");
    }
}

#[test]
fn load_reports_missing_files_like_buf() {
    let dir = std::env::temp_dir().join(format!("protolith-gen-load-{}", std::process::id()));
    let _ = std::fs::create_dir_all(dir.join("d.yaml"));
    let load_err = |source| load(source, &dir).err();
    assert_eq!(
        load_err(TemplateSource::Default).as_deref(),
        Some("read buf.gen.yaml: file does not exist")
    );
    assert_eq!(
        load_err(TemplateSource::Flag("")).as_deref(),
        Some("read buf.gen.yaml: file does not exist")
    );
    assert_eq!(
        load_err(TemplateSource::Flag("nonexist.yaml")).as_deref(),
        Some("open nonexist.yaml: no such file or directory")
    );
    assert_eq!(
        load_err(TemplateSource::Flag("d.yaml")).as_deref(),
        Some("read d.yaml: is a directory")
    );
    let _ = std::fs::write(dir.join("t.json"), "version: v2\nbogus: 1\n");
    assert_eq!(
        load_err(TemplateSource::Flag("t.json")).as_deref(),
        Some(
            "decode config file: invalid character 'v' looking for beginning of value\nyaml: unmarshal errors:\n  line 2: field bogus not found"
        )
    );
    let _ = std::fs::write(
        dir.join("buf.gen.yaml"),
        "version: v2\nplugins:\n  - local: x\n",
    );
    assert_eq!(
        load_err(TemplateSource::Default).as_deref(),
        Some("decode buf.gen.yaml: must specify out")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn v1beta1_shape() {
    let t = parse_yaml(
        "version: v1beta1\nmanaged: true\nplugins:\n  - name: go\n    out: gen\n    opt: [a, b]\n    path: ./bin/x\n    strategy: all\n  - name: java\n    out: j\noptions:\n  cc_enable_arenas: true\n  java_multiple_files: false\n  optimize_for: CODE_SIZE\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.version, GenVersion::V1Beta1);
    assert!(t.managed.enabled);
    let p = &t.plugins[0];
    assert_eq!(p.source, PluginSource::Local(vec!["./bin/x".into()]));
    assert_eq!(p.display_name, "go");
    assert_eq!(p.opt.as_deref(), Some("a,b"));
    assert_eq!(p.strategy, Strategy::All);
    assert_eq!(
        t.plugins[1].source,
        PluginSource::Protoc {
            name: "java".into(),
            protoc_path: vec!["protoc".into()]
        }
    );
    assert_eq!(t.plugins[1].opt, None);
    let values: Vec<_> = t
        .managed
        .overrides
        .iter()
        .map(|o| (o.option, o.value.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            (
                OverrideOption::File(FileOption::CcEnableArenas),
                OverrideValue::Bool(true)
            ),
            (
                OverrideOption::File(FileOption::JavaMultipleFiles),
                OverrideValue::Bool(false)
            ),
            (
                OverrideOption::File(FileOption::OptimizeFor),
                OverrideValue::Enum(2)
            ),
        ]
    );
}

#[test]
fn v1_plugins_shape() {
    let t = parse_yaml(
        "version: v1\ntypes:\n  include: [a.v1.M]\nplugins:\n  - plugin: buf.build/protocolbuffers/go:v1.28.1\n    revision: 2\n    out: gen\n    opt: paths=source_relative\n  - plugin: ab/c/d\n    out: x\n  - name: a/b\n    out: y\n    path: [./bin/x, --flag]\n  - plugin: java\n    out: z\n    protoc_path: [/opt/protoc, -I.]\n    strategy: all\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.types, vec!["a.v1.M".to_string()]);
    assert_eq!(
        t.plugins[0].source,
        PluginSource::Remote {
            reference: "buf.build/protocolbuffers/go:v1.28.1".into(),
            revision: 2
        }
    );
    assert_eq!(t.plugins[0].opt.as_deref(), Some("paths=source_relative"));
    // `ab/c/d` is a valid identity (two-letter remote), so buf treats it as remote.
    assert!(matches!(t.plugins[1].source, PluginSource::Remote { .. }));
    // `a/b` is not (one-letter host): a local name.
    assert_eq!(
        t.plugins[2].source,
        PluginSource::Local(vec!["./bin/x".into(), "--flag".into()])
    );
    assert_eq!(t.plugins[2].display_name, "a/b");
    assert_eq!(
        t.plugins[3].source,
        PluginSource::Protoc {
            name: "java".into(),
            protoc_path: vec!["/opt/protoc".into(), "-I.".into()]
        }
    );
    assert_eq!(t.plugins[3].strategy, Strategy::All);
}

fn disable(option: FileOption, module: &str) -> DisableRule {
    DisableRule {
        file_option: Some(option),
        module: module.into(),
        ..DisableRule::default()
    }
}

fn over(option: FileOption, value: OverrideValue, module: &str, path: &str) -> OverrideRule {
    OverrideRule {
        option: OverrideOption::File(option),
        value,
        module: module.into(),
        path: path.into(),
        field: String::new(),
    }
}

/// The order of `generate_managed_config.go` (buf-generate.md §5.3).
#[test]
fn v1_managed_rules_in_buf_order() {
    let t = parse_yaml(
        r#"version: v1
managed:
  enabled: yes
  override:
    go_package:
      b.proto: gb
      a.proto: ga
    JAVA_MULTIPLE_FILES:
      a.proto: "0"
  swift_prefix:
    default: SW
  ruby_package:
    except: [buf.build/r/x]
  objc_class_prefix:
    override:
      buf.build/o/y: YY
  go_package_prefix:
    default: example.com/gen
    except: [buf.build/g/x]
  optimize_for: LITE_RUNTIME
  csharp_namespace:
    override:
      buf.build/c/z: Cz
      buf.build/c/a: Ca
  java_package_prefix:
    default: net
    except: [buf.build/j/x]
    override:
      buf.build/j/y: org
  java_string_check_utf8: false
  cc_enable_arenas: true
plugins:
  - name: go
    out: gen
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let m = &t.managed;
    assert!(m.enabled);
    use FileOption as F;
    use OverrideValue as V;
    assert_eq!(
        m.disables,
        vec![
            disable(F::JavaPackage, "buf.build/j/x"),
            disable(F::GoPackage, "buf.build/g/x"),
            disable(F::RubyPackage, "buf.build/r/x"),
        ]
    );
    assert_eq!(
        m.overrides,
        vec![
            over(F::CcEnableArenas, V::Bool(true), "", ""),
            over(F::JavaStringCheckUtf8, V::Bool(false), "", ""),
            over(F::JavaPackagePrefix, V::Str("net".into()), "", ""),
            over(
                F::JavaPackagePrefix,
                V::Str("org".into()),
                "buf.build/j/y",
                ""
            ),
            over(F::CsharpNamespace, V::Str("Ca".into()), "buf.build/c/a", ""),
            over(F::CsharpNamespace, V::Str("Cz".into()), "buf.build/c/z", ""),
            over(F::OptimizeFor, V::Enum(3), "", ""),
            over(F::GoPackagePrefix, V::Str("example.com/gen".into()), "", ""),
            over(F::ObjcClassPrefix, V::Str("YY".into()), "buf.build/o/y", ""),
            over(F::SwiftPrefix, V::Str("SW".into()), "", ""),
            // Per-file map last: option names as written, sorted bytewise, then paths.
            over(F::JavaMultipleFiles, V::Bool(false), "", "a.proto"),
            over(F::GoPackage, V::Str("ga".into()), "", "a.proto"),
            over(F::GoPackage, V::Str("gb".into()), "", "b.proto"),
        ]
    );
}

#[test]
fn v2_shape() {
    let t = parse_yaml(
        r#"version: v2
clean: true
managed:
  enabled: true
  disable:
    - file_option: GO_PACKAGE
      module: buf.build/a/b
    - field: a.v1.M.x
  override:
    - file_option: java_multiple_files
      value: false
    - file_option: Optimize_For
      value: CODE_SIZE
      path: a/b.proto
    - field_option: jstype
      field: a.v1.M.x
      value: JS_STRING
    - file_option: swift_prefix
      value: ""
plugins:
  - local: [protoc-gen-x, --flag]
    out: gen
    opt: [a, b]
    include_imports: true
    include_wkt: true
    strategy: all
    types: [a.v1.M]
    exclude_types: [a.v1.N]
  - remote: buf.build/a/b:v1.2
    revision: 3
    out: r
    opt: []
  - protoc_builtin: cpp
    out: c
inputs:
  - git_repo: https://example.com/x.git
    tag: v1
    depth: 5
    subdir: proto
    recurse_submodules: true
    paths: [a]
    exclude_paths: [b]
  - directory: .
    types: [a.v1.M]
    exclude_types: [a.v1.N]
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(t.clean);
    let p = &t.plugins[0];
    assert_eq!(p.display_name, "protoc-gen-x --flag");
    assert_eq!(p.opt.as_deref(), Some("a,b"));
    assert!(p.include_imports && p.include_wkt);
    assert_eq!(p.strategy, Strategy::All);
    assert_eq!(
        (p.types.as_slice(), p.exclude_types.as_slice()),
        (&["a.v1.M".to_string()][..], &["a.v1.N".to_string()][..])
    );
    assert_eq!(
        t.plugins[1].source,
        PluginSource::Remote {
            reference: "buf.build/a/b:v1.2".into(),
            revision: 3
        }
    );
    assert_eq!(t.plugins[1].opt, None);
    assert_eq!(t.plugins[2].display_name, "cpp");
    assert_eq!(
        t.plugins[2].source,
        PluginSource::Protoc {
            name: "cpp".into(),
            protoc_path: vec!["protoc".into()]
        }
    );
    let m = &t.managed;
    assert_eq!(
        m.disables[0],
        disable(FileOption::GoPackage, "buf.build/a/b")
    );
    assert_eq!(
        m.disables[1],
        DisableRule {
            field: "a.v1.M.x".into(),
            ..DisableRule::default()
        }
    );
    assert_eq!(m.overrides[0].value, OverrideValue::Bool(false));
    assert_eq!(
        m.overrides[1],
        over(
            FileOption::OptimizeFor,
            OverrideValue::Enum(2),
            "",
            "a/b.proto"
        )
    );
    assert_eq!(
        m.overrides[2].option,
        OverrideOption::Field(FieldOption::Jstype)
    );
    assert_eq!(m.overrides[2].value, OverrideValue::Enum(1));
    assert_eq!(m.overrides[2].field, "a.v1.M.x");
    assert_eq!(m.overrides[3].value, OverrideValue::Str(String::new()));
    let git = &t.inputs[0];
    assert_eq!(
        (git.kind, git.location.as_str()),
        (InputKind::GitRepo, "https://example.com/x.git")
    );
    let options: Vec<(&str, &str)> = git
        .options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        options,
        vec![
            ("subdir", "proto"),
            ("tag", "v1"),
            ("depth", "5"),
            ("recurse_submodules", "true")
        ]
    );
    assert_eq!(
        (git.paths.as_slice(), git.exclude_paths.as_slice()),
        (&["a".to_string()][..], &["b".to_string()][..])
    );
    assert_eq!(t.inputs[1].kind, InputKind::Directory);
    assert_eq!(t.inputs[1].types, vec!["a.v1.M".to_string()]);
}

#[test]
fn v2_without_plugins_is_accepted() {
    let t = parse_yaml("version: v2\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(t.plugins.is_empty() && t.inputs.is_empty() && !t.managed.enabled);
}

/// (case, buf.gen.yaml, what buf 1.75.0 printed after `Failure: `)
// Not matched: `plugin: buf.build/a/b:` (unquoted trailing colon) is a libyaml error that
// buf numbers `line 3` and config::decode numbers `line 2`.
const VERIFIED_ERRORS: &[(&str, &str, &str)] = &[
    (
        "v_missing",
        r##"plugins: []
"##,
        r##"decode buf.gen.yaml: "version" is not set. Please add "version: v2""##,
    ),
    (
        "v_empty",
        r##""##,
        r##"decode buf.gen.yaml: "version" is not set. Please add "version: v2""##,
    ),
    (
        "v_number",
        r##"version: 1
"##,
        r##"decode buf.gen.yaml: unknown file version: "1""##,
    ),
    (
        "v_list",
        r##"version: [a]
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 1: cannot unmarshal !!seq into string"##,
    ),
    (
        "v_syntax",
        r##"version: v2
plugins:
  - local: x
   out: y
"##,
        r##"decode buf.gen.yaml: yaml: line 2: did not find expected '-' indicator"##,
    ),
    (
        "b_noplugins",
        r##"version: v1beta1
"##,
        r##"decode buf.gen.yaml: must specify at least one plugin"##,
    ),
    (
        "b_noname",
        r##"version: v1beta1
plugins:
  - out: gen
"##,
        r##"decode buf.gen.yaml: plugin name is required"##,
    ),
    (
        "b_noout",
        r##"version: v1beta1
plugins:
  - name: nosuch
"##,
        r##"decode buf.gen.yaml: out is required for plugin nosuch"##,
    ),
    (
        "b_badstrategy",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: unknown strategy: bogus"##,
    ),
    (
        "b_unknown",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
bogus: 1
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: field bogus not found"##,
    ),
    (
        "b_optimize_bad",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
options:
  optimize_for: FAST
"##,
        r##"decode buf.gen.yaml: invalid value FAST for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "b_path_list",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
    path: [a, b]
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: cannot unmarshal !!seq into string"##,
    ),
    (
        "b_opt_int",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
    opt: 5
"##,
        r##"decode buf.gen.yaml: could not interpret int as string or string slice"##,
    ),
    (
        "b_opt_map",
        r##"version: v1beta1
plugins:
  - name: nosuch
    out: gen
    opt: {a: b}
"##,
        r##"decode buf.gen.yaml: could not interpret map[string]interface {} as string or string slice"##,
    ),
    (
        "b_plugin_key",
        r##"version: v1beta1
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 3: field plugin not found"##,
    ),
    (
        "1_both",
        r##"version: v1
plugins:
  - plugin: a
    name: b
    out: gen
"##,
        r##"decode buf.gen.yaml: only one of plugin or name can be set"##,
    ),
    (
        "1_none",
        r##"version: v1
plugins:
  - out: gen
"##,
        r##"decode buf.gen.yaml: one of plugin or name is required"##,
    ),
    (
        "1_name_remote",
        r##"version: v1
plugins:
  - name: buf.build/a/b
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid local plugin name: buf.build/a/b"##,
    ),
    (
        "1_noout",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b
"##,
        r##"decode buf.gen.yaml: out is required for plugin buf.build/a/b"##,
    ),
    (
        "1_remote_path",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b
    out: gen
    path: x
"##,
        r##"decode buf.gen.yaml: cannot specify path for remote plugin buf.build/a/b"##,
    ),
    (
        "1_remote_strategy",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b:v1
    out: gen
    strategy: all
"##,
        r##"decode buf.gen.yaml: cannot specify strategy for remote plugin buf.build/a/b:v1"##,
    ),
    (
        "1_remote_protoc_path",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b
    out: gen
    protoc_path: x
"##,
        r##"decode buf.gen.yaml: cannot specify protoc_path for remote plugin buf.build/a/b"##,
    ),
    (
        "1_remote_rev_neg",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b
    out: gen
    revision: -1
"##,
        r##"decode buf.gen.yaml: revision -1 is out of accepted range 0-2147483647"##,
    ),
    (
        "1_badstrategy",
        r##"version: v1
plugins:
  - plugin: nosuch
    out: gen
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: unknown strategy: bogus"##,
    ),
    (
        "1_noplugins",
        r##"version: v1
"##,
        r##"decode buf.gen.yaml: must specify at least one plugin"##,
    ),
    (
        "1_remote_key",
        r##"version: v1
plugins:
  - remote: buf.build/a/plugins/b
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 3: field remote not found"##,
    ),
    (
        "1_jpp_nodefault",
        r##"version: v1
managed:
  enabled: true
  java_package_prefix:
    except: [buf.build/a/b]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: java_package_prefix requires a default value"##,
    ),
    (
        "1_opt_nodefault",
        r##"version: v1
managed:
  enabled: true
  optimize_for:
    except: [buf.build/a/b]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: optimize_for requires a default value"##,
    ),
    (
        "1_gpp_nodefault",
        r##"version: v1
managed:
  enabled: true
  go_package_prefix:
    except: [buf.build/a/b]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: go_package_prefix requires a default value"##,
    ),
    (
        "1_except_dup",
        r##"version: v1
managed:
  enabled: true
  csharp_namespace:
    except: [buf.build/a/b, buf.build/a/b]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: "buf.build/a/b" is defined multiple times in except"##,
    ),
    (
        "1_override_except",
        r##"version: v1
managed:
  enabled: true
  ruby_package:
    except: [buf.build/a/b]
    override:
      buf.build/a/b: X
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: override "buf.build/a/b" is already defined as an except"##,
    ),
    (
        "1_except_badmodule",
        r##"version: v1
managed:
  enabled: true
  ruby_package:
    except: [notamodule]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: could not parse full name "notamodule": must be in the form registry/owner/name"##,
    ),
    (
        "1_override_badmodule",
        r##"version: v1
managed:
  enabled: true
  objc_class_prefix:
    override:
      a/b: X
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: could not parse full name "a/b": must be in the form registry/owner/name"##,
    ),
    (
        "1_perfile_badoption",
        r##"version: v1
managed:
  enabled: true
  override:
    NOPE:
      a.proto: x
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: "NOPE" is not a valid file option"##,
    ),
    (
        "1_perfile_badbool",
        r##"version: v1
managed:
  enabled: true
  override:
    JAVA_MULTIPLE_FILES:
      a.proto: maybe
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: "##,
    ),
    (
        "1_perfile_badpath",
        r##"version: v1
managed:
  enabled: true
  override:
    go_package:
      ./a.proto: x
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid import path for override go_package: path "./a.proto" in your configuration must be relative and use '/' as the path separator"##,
    ),
    (
        "1_perfile_abspath",
        r##"version: v1
managed:
  enabled: true
  override:
    go_package:
      /a.proto: x
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid import path for override go_package: /a.proto: expected to be relative"##,
    ),
    (
        "1_perfile_optimize_bad",
        r##"version: v1
managed:
  enabled: true
  override:
    OPTIMIZE_FOR:
      a.proto: FAST
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid value FAST for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "1_optimize_bad",
        r##"version: v1
managed:
  enabled: true
  optimize_for: FAST
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid value FAST for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "1_csharp_default",
        r##"version: v1
managed:
  enabled: true
  csharp_namespace:
    default: X
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: field default not found"##,
    ),
    (
        "1_cc_str",
        r##"version: v1
managed:
  enabled: true
  cc_enable_arenas: "true"
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 4: cannot unmarshal !!str `true` into bool"##,
    ),
    (
        "1_ruby_default",
        r##"version: v1
managed:
  enabled: true
  ruby_package:
    default: X
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: field default not found"##,
    ),
    (
        "1_types_unknown",
        r##"version: v1
types:
  include: [a.v1.M]
  exclude: [x]
plugins:
  - plugin: nosuch
    out: gen
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 4: field exclude not found"##,
    ),
    (
        "2_none",
        r##"version: v2
plugins:
  - out: gen
"##,
        r##"decode buf.gen.yaml: must specify one of remote, local or protoc_builtin"##,
    ),
    (
        "2_two",
        r##"version: v2
plugins:
  - local: x
    protoc_builtin: java
    out: gen
"##,
        r##"decode buf.gen.yaml: only one of remote, local or protoc_builtin"##,
    ),
    (
        "2_noout",
        r##"version: v2
plugins:
  - local: x
"##,
        r##"decode buf.gen.yaml: must specify out"##,
    ),
    (
        "2_badstrategy",
        r##"version: v2
plugins:
  - local: x
    out: gen
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: unknown strategy: bogus"##,
    ),
    (
        "2_remote_strategy",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    strategy: all
"##,
        r##"decode buf.gen.yaml: cannot specify strategy for remote plugin buf.build/a/b"##,
    ),
    (
        "2_remote_strategy_bad",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: unknown strategy: bogus"##,
    ),
    (
        "2_remote_protoc_path",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    protoc_path: x
"##,
        r##"decode buf.gen.yaml: cannot specify protoc_path for remote plugin buf.build/a/b"##,
    ),
    (
        "2_local_revision",
        r##"version: v2
plugins:
  - local: [protoc-gen-x, a]
    out: gen
    revision: 1
"##,
        r##"decode buf.gen.yaml: cannot specify revision for local plugin protoc-gen-x a"##,
    ),
    (
        "2_local_protoc_path",
        r##"version: v2
plugins:
  - local: protoc-gen-x
    out: gen
    protoc_path: x
"##,
        r##"decode buf.gen.yaml: cannot specify protoc_path for local plugin protoc-gen-x"##,
    ),
    (
        "2_builtin_revision",
        r##"version: v2
plugins:
  - protoc_builtin: java
    out: gen
    revision: 1
"##,
        r##"decode buf.gen.yaml: cannot specify revision for protoc built-in plugin java"##,
    ),
    (
        "2_remote_rev_big",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    revision: 2147483648
"##,
        r##"decode buf.gen.yaml: revision 2147483648 is out of accepted range 0-2147483647"##,
    ),
    (
        "2_remote_rev_neg",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    revision: -1
"##,
        r##"decode buf.gen.yaml: revision -1 is out of accepted range 0-2147483647"##,
    ),
    (
        "2_remote_2part",
        r##"version: v2
plugins:
  - remote: buf.build/foo
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "2_remote_1part",
        r##"version: v2
plugins:
  - remote: foo
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "2_remote_4part",
        r##"version: v2
plugins:
  - remote: buf.build/a/b/c
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "2_wkt",
        r##"version: v2
plugins:
  - local: x
    out: gen
    include_wkt: true
"##,
        r##"decode buf.gen.yaml: cannot include well-known types without including imports"##,
    ),
    (
        "2_local_empty_list",
        r##"version: v2
plugins:
  - local: []
    out: gen
"##,
        r##"decode buf.gen.yaml: must specify a path to the plugin"##,
    ),
    (
        "2_local_null",
        r##"version: v2
plugins:
  - local:
    out: gen
"##,
        r##"decode buf.gen.yaml: must specify one of remote, local or protoc_builtin"##,
    ),
    (
        "2_remote_empty",
        r##"version: v2
plugins:
  - remote: ""
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "2_rev_str",
        r##"version: v2
plugins:
  - remote: buf.build/a/b
    out: gen
    revision: abc
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: cannot unmarshal !!str `abc` into int"##,
    ),
    (
        "2_types_str",
        r##"version: v2
plugins:
  - local: x
    out: gen
    types: a.v1.M
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: cannot unmarshal !!str `a.v1.M` into []string"##,
    ),
    (
        "2_dis_empty",
        r##"version: v2
managed:
  enabled: true
  disable:
    - {}
"##,
        r##"decode buf.gen.yaml: empty disable rule is not allowed"##,
    ),
    (
        "2_dis_field_fileopt",
        r##"version: v2
managed:
  enabled: true
  disable:
    - file_option: java_package
      field: a.v1.M.x
"##,
        r##"decode buf.gen.yaml: cannot disable a file option for a field"##,
    ),
    (
        "2_dis_both",
        r##"version: v2
managed:
  enabled: true
  disable:
    - file_option: java_package
      field_option: jstype
"##,
        r##"decode buf.gen.yaml: at most one of file_option and field_option can be specified"##,
    ),
    (
        "2_dis_badpath",
        r##"version: v2
managed:
  enabled: true
  disable:
    - path: ./a
"##,
        r##"decode buf.gen.yaml: invalid path for disable rule: path "./a" in your configuration must be relative and use '/' as the path separator"##,
    ),
    (
        "2_dis_abspath",
        r##"version: v2
managed:
  enabled: true
  disable:
    - path: /a
"##,
        r##"decode buf.gen.yaml: invalid path for disable rule: /a: expected to be relative"##,
    ),
    (
        "2_dis_badmodule",
        r##"version: v2
managed:
  enabled: true
  disable:
    - module: a/b
"##,
        r##"decode buf.gen.yaml: could not parse full name "a/b": must be in the form registry/owner/name"##,
    ),
    (
        "2_dis_unknown_fo",
        r##"version: v2
managed:
  enabled: true
  disable:
    - file_option: NOPE
"##,
        r##"decode buf.gen.yaml: unknown file_option: "nope""##,
    ),
    (
        "2_dis_unknown_fi",
        r##"version: v2
managed:
  enabled: true
  disable:
    - field_option: nope
"##,
        r##"decode buf.gen.yaml: unknown field_option: "nope""##,
    ),
    (
        "2_dis_blank_fo",
        r##"version: v2
managed:
  enabled: true
  disable:
    - file_option: "  "
"##,
        r##"decode buf.gen.yaml: empty file_option"##,
    ),
    (
        "2_ov_none",
        r##"version: v2
managed:
  enabled: true
  override:
    - value: x
"##,
        r##"decode buf.gen.yaml: must set file_option or field_option for an override"##,
    ),
    (
        "2_ov_both",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      field_option: jstype
      value: x
"##,
        r##"decode buf.gen.yaml: exactly one of file_option and field_option must be set for an override"##,
    ),
    (
        "2_ov_novalue",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
"##,
        r##"decode buf.gen.yaml: must set value for an override"##,
    ),
    (
        "2_ov_field_fileopt",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      field: a.v1.M.x
      value: x
"##,
        r##"decode buf.gen.yaml: must not set field for a file_option override"##,
    ),
    (
        "2_ov_bool_str",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_multiple_files
      value: "true"
"##,
        r##"decode buf.gen.yaml: invalid value true for java_multiple_files: expected a bool, got string"##,
    ),
    (
        "2_ov_bool_yes",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_multiple_files
      value: yes
"##,
        r##"decode buf.gen.yaml: invalid value yes for java_multiple_files: expected a bool, got string"##,
    ),
    (
        "2_ov_str_int",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: 5
"##,
        r##"decode buf.gen.yaml: invalid value 5 for java_package: expected a string, got int"##,
    ),
    (
        "2_ov_str_float",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: 1.5
"##,
        r##"decode buf.gen.yaml: invalid value 1.5 for java_package: expected a string, got float64"##,
    ),
    (
        "2_ov_str_bool",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: true
"##,
        r##"decode buf.gen.yaml: invalid value true for java_package: expected a string, got bool"##,
    ),
    (
        "2_ov_str_list",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: [a, b]
"##,
        r##"decode buf.gen.yaml: invalid value [a b] for java_package: expected a string, got []interface {}"##,
    ),
    (
        "2_ov_str_map",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: {a: b}
"##,
        r##"decode buf.gen.yaml: invalid value map[a:b] for java_package: expected a string, got map[string]interface {}"##,
    ),
    (
        "2_ov_opt_bad",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: optimize_for
      value: speed
"##,
        r##"decode buf.gen.yaml: invalid value speed for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "2_ov_opt_int",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: optimize_for
      value: 1
"##,
        r##"decode buf.gen.yaml: invalid value 1 for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "2_ov_js_bad",
        r##"version: v2
managed:
  enabled: true
  override:
    - field_option: jstype
      value: JS_BOGUS
"##,
        r##"decode buf.gen.yaml: invalid value JS_BOGUS for jstype: must be one of JS_NORMAL, JS_STRING or JS_NUMBER"##,
    ),
    (
        "2_ov_badmodule",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      module: nope
      value: x
"##,
        r##"decode buf.gen.yaml: invalid module name for java_package override: could not parse full name "nope": must be in the form registry/owner/name"##,
    ),
    (
        "2_ov_badpath",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      path: a/../b
      value: x
"##,
        r##"decode buf.gen.yaml: invalid path for java_package override: path "a/../b" in your configuration must be relative and use '/' as the path separator"##,
    ),
    (
        "2_ov_js_badmodule",
        r##"version: v2
managed:
  enabled: true
  override:
    - field_option: JSTYPE
      module: nope
      value: JS_STRING
"##,
        r##"decode buf.gen.yaml: invalid module name for jstype override: could not parse full name "nope": must be in the form registry/owner/name"##,
    ),
    (
        "2_ov_unknown_fo",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: Nope
      value: x
"##,
        r##"decode buf.gen.yaml: unknown file_option: "nope""##,
    ),
    (
        "2_ov_null_value",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: null
"##,
        r##"decode buf.gen.yaml: must set value for an override"##,
    ),
    (
        "2_in_none",
        r##"version: v2
inputs:
  - types: [a]
"##,
        r##"decode buf.gen.yaml: must specify one of binary_image, directory, git_repo, json_image, module, proto_file, tarball, text_image, yaml_image, and zip_archive"##,
    ),
    (
        "2_in_two",
        r##"version: v2
inputs:
  - directory: .
    module: buf.build/a/b
"##,
        r##"decode buf.gen.yaml: exactly one of binary_image, directory, git_repo, json_image, module, proto_file, tarball, text_image, yaml_image, and zip_archive must be specified"##,
    ),
    (
        "2_in_stray",
        r##"version: v2
inputs:
  - directory: .
    branch: main
"##,
        r##"decode buf.gen.yaml: option branch is not allowed for InputConfigType directory"##,
    ),
    (
        "2_in_stray2",
        r##"version: v2
inputs:
  - git_repo: x
    compression: gzip
    include_package_files: true
"##,
        r##"decode buf.gen.yaml: option compression is not allowed for InputConfigType git_repo"##,
    ),
    (
        "2_in_commit_tag",
        r##"version: v2
inputs:
  - git_repo: x
    commit: abc
    tag: v1
"##,
        r##"decode buf.gen.yaml: commit and tag options cannot be used at the same time; use one or the other"##,
    ),
    (
        "2_in_strip_str",
        r##"version: v2
inputs:
  - tarball: x.tar
    strip_components: abc
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 4: cannot unmarshal !!str `abc` into uint32"##,
    ),
    (
        "2_unknown",
        r##"version: v2
plugins:
  - local: x
    out: gen
    bogus: 1
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: field bogus not found"##,
    ),
    (
        "2_types_v2top",
        r##"version: v2
types:
  include: [a]
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 2: field types not found"##,
    ),
    (
        "2_path_key",
        r##"version: v2
plugins:
  - local: x
    out: gen
    path: y
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: field path not found"##,
    ),
    (
        "3_v2_ab_colon",
        r##"version: v2
plugins:
  - remote: a/b:v1
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin identity "a/b" is invalid: must be in the form remote/owner/plugin"##,
    ),
    (
        "3_v2_abcd_colon",
        r##"version: v2
plugins:
  - remote: a/b/c/d:v1
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin identity "a/b/c/d" is invalid: must be in the form remote/owner/plugin"##,
    ),
    (
        "3_v2_wkt_remote_2part",
        r##"version: v2
plugins:
  - remote: a/b
    out: gen
    include_wkt: true
"##,
        r##"decode buf.gen.yaml: cannot include well-known types without including imports"##,
    ),
    (
        "3_v2_wkt_local_rev",
        r##"version: v2
plugins:
  - local: x
    out: gen
    include_wkt: true
    revision: 1
"##,
        r##"decode buf.gen.yaml: cannot specify revision for local plugin x"##,
    ),
    (
        "3_v2_opt_int",
        r##"version: v2
plugins:
  - local: x
    out: gen
    opt: 5
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: unknown strategy: bogus"##,
    ),
    (
        "3_v2_out_before_strategy",
        r##"version: v2
plugins:
  - local: x
    strategy: bogus
"##,
        r##"decode buf.gen.yaml: must specify out"##,
    ),
    (
        "3_v2_local_int",
        r##"version: v2
plugins:
  - local: 5
    out: gen
"##,
        r##"decode buf.gen.yaml: could not interpret int as string or string slice"##,
    ),
    (
        "3_v2_local_list_int",
        r##"version: v2
plugins:
  - local: [a, 5]
    out: gen
"##,
        r##"decode buf.gen.yaml: could not convert element int to a string"##,
    ),
    (
        "3_v2_opt_list_int",
        r##"version: v2
plugins:
  - local: x
    out: gen
    opt: [a, 5]
"##,
        r##"decode buf.gen.yaml: could not convert element int to a string"##,
    ),
    (
        "3_v2_in_then_plugin",
        r##"version: v2
plugins:
  - out: gen
inputs:
  - types: [a]
"##,
        r##"decode buf.gen.yaml: must specify one of remote, local or protoc_builtin"##,
    ),
    (
        "3_v2_managed_then_plugin",
        r##"version: v2
managed:
  disable:
    - {}
plugins:
  - out: gen
"##,
        r##"decode buf.gen.yaml: empty disable rule is not allowed"##,
    ),
    (
        "3_v2_override_before_disable",
        r##"version: v2
managed:
  override:
    - value: x
  disable:
    - {}
"##,
        r##"decode buf.gen.yaml: empty disable rule is not allowed"##,
    ),
    (
        "3_v1_managed_then_plugin",
        r##"version: v1
managed:
  java_package_prefix:
    except: [a]
plugins:
  - out: gen
"##,
        r##"decode buf.gen.yaml: java_package_prefix requires a default value"##,
    ),
    (
        "3_v1_noplugins_vs_managed",
        r##"version: v1
managed:
  java_package_prefix:
    except: [a]
"##,
        r##"decode buf.gen.yaml: java_package_prefix requires a default value"##,
    ),
    (
        "3_b_noplugins_vs_options",
        r##"version: v1beta1
options:
  optimize_for: FAST
"##,
        r##"decode buf.gen.yaml: invalid value FAST for optimize_for: must be one of SPEED, CODE_SIZE or LITE_RUNTIME"##,
    ),
    (
        "3_v1_rev_str",
        r##"version: v1
plugins:
  - plugin: buf.build/a/b
    out: gen
    revision: "3"
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: cannot unmarshal !!str `3` into int"##,
    ),
    (
        "3_v1_protoc_path_int",
        r##"version: v1
plugins:
  - plugin: nosuch
    out: gen
    protoc_path: 5
"##,
        r##"decode buf.gen.yaml: could not interpret int as string or string slice"##,
    ),
    (
        "3_v2_dup_key",
        r##"version: v2
plugins:
  - local: x
    out: gen
    out: gen2
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 5: mapping key "out" already defined at line 4"##,
    ),
    (
        "3_v2_plugins_map",
        r##"version: v2
plugins:
  local: x
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 3: cannot unmarshal !!map into []bufconfig.externalGeneratePluginConfigV2"##,
    ),
    (
        "3_v2_clean_strtrue",
        r##"version: v2
clean: "true"
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 2: cannot unmarshal !!str `true` into bool"##,
    ),
    (
        "3_v2_root_list",
        r##"- a
"##,
        r##"decode buf.gen.yaml: yaml: unmarshal errors:
  line 1: cannot unmarshal !!seq into bufconfig.externalFileVersion"##,
    ),
    (
        "4_v2_a_b_c",
        r##"version: v2
plugins:
  - remote: a/b/c
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "4_v2_semver",
        r##"version: v2
plugins:
  - remote: buf.build/a/b:1.0
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin version "1.0" is not a valid semantic version"##,
    ),
    (
        "4_v2_badhost",
        r##"version: v2
plugins:
  - remote: bad_host!/a/b
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "4_v2_ownerempty",
        r##"version: v2
plugins:
  - remote: "buf.build/ /b"
    out: gen
"##,
        r##"decode buf.gen.yaml: plugin references must be specified as "<name>:<version>" strings"##,
    ),
    (
        "4_v1_ab_c_d",
        r##"version: v1
plugins:
  - plugin: ab/c/d
    out: gen
    strategy: all
"##,
        r##"decode buf.gen.yaml: cannot specify strategy for remote plugin ab/c/d"##,
    ),
    (
        "4_v1_semver_ok",
        r##"version: v1
plugins:
  - plugin: buf.build/c/d:v1.0.0-rc.1+b
    out: gen
    strategy: all
"##,
        r##"decode buf.gen.yaml: cannot specify strategy for remote plugin buf.build/c/d:v1.0.0-rc.1+b"##,
    ),
    (
        "4_v2_badhost_colon",
        r##"version: v2
plugins:
  - remote: "b/a/b:v1"
    out: gen
"##,
        r##"decode buf.gen.yaml: invalid remote "b": must be at least 2 and at most 254 characters"##,
    ),
];

/// Templates buf 1.75.0 accepted (it went on to build or run plugins).
const VERIFIED_OK: &[(&str, &str)] = &[
    (
        "b_ok",
        r##"version: v1beta1
managed: true
plugins:
  - name: nosuch
    out: gen
    opt: [a, b]
    path: ./nosuchbin
    strategy: all
options:
  cc_enable_arenas: true
  java_multiple_files: false
  optimize_for: CODE_SIZE
"##,
    ),
    (
        "b_managed_str",
        r##"version: v1beta1
managed: "yes"
plugins:
  - name: nosuch
    out: gen
"##,
    ),
    (
        "b_managed_yes",
        r##"version: v1beta1
managed: yes
plugins:
  - name: nosuch
    out: gen
"##,
    ),
    (
        "1_ok_name",
        r##"version: v1
plugins:
  - name: nosuch
    out: gen
    opt: x=1
"##,
    ),
    (
        "1_ok_plugin_path",
        r##"version: v1
plugins:
  - plugin: nosuch
    out: gen
    path: [./nosuchbin, arg1]
"##,
    ),
    (
        "1_protoc_path_list",
        r##"version: v1
plugins:
  - plugin: nosuch
    out: gen
    protoc_path: [/nonexistent/protoc, --x]
"##,
    ),
    (
        "1_types",
        r##"version: v1
types:
  include: [a.v1.M]
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "1_swift",
        r##"version: v1
managed:
  enabled: true
  swift_prefix:
    default: SW
    except: [buf.build/a/b]
    override:
      buf.build/a/c: XX
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "1_jpp_string",
        r##"version: v1
managed:
  enabled: true
  java_package_prefix: net
  optimize_for: CODE_SIZE
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "2_ok",
        r##"version: v2
clean: true
plugins:
  - local: [protoc-gen-nosuch, --flag]
    out: gen
    opt: [a, b]
    include_imports: true
    include_wkt: true
    strategy: all
    types: [a.v1.M]
    exclude_types: [a.v1.N]
"##,
    ),
    (
        "2_local_empty_str",
        r##"version: v2
plugins:
  - local: ""
    out: gen
"##,
    ),
    (
        "2_builtin_empty",
        r##"version: v2
plugins:
  - protoc_builtin: ""
    out: gen
"##,
    ),
    (
        "2_builtin_ok",
        r##"version: v2
plugins:
  - protoc_builtin: nosuch
    protoc_path: [/nonexistent/protoc, --x]
    out: gen
"##,
    ),
    (
        "2_ov_swift",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: SWIFT_PREFIX
      value: SW
    - file_option: OPTIMIZE_FOR
      value: CODE_SIZE
    - field_option: jstype
      field: a.v1.M.x
      value: JS_STRING
  disable:
    - field: a.v1.M.x
plugins:
  - local: protoc-gen-nosuch
    out: gen
"##,
    ),
    (
        "2_ov_empty_str",
        r##"version: v2
managed:
  enabled: true
  override:
    - file_option: java_package
      value: ""
plugins:
  - local: protoc-gen-nosuch
    out: gen
"##,
    ),
    (
        "2_in_depth0",
        r##"version: v2
inputs:
  - git_repo: https://example.invalid/x.git
    depth: 0
"##,
    ),
    (
        "2_in_empty_loc",
        r##"version: v2
inputs:
  - directory: ""
plugins:
  - local: protoc-gen-nosuch
    out: gen
"##,
    ),
    (
        "2_in_ok",
        r##"version: v2
inputs:
  - directory: .
    paths: [a.proto]
    exclude_paths: [b]
    types: [a.v1.M]
    exclude_types: [a.v1.N]
plugins:
  - local: protoc-gen-nosuch
    out: gen
"##,
    ),
    (
        "2_noplugins",
        r##"version: v2
"##,
    ),
    (
        "3_v1_ab",
        r##"version: v1
plugins:
  - plugin: a/b
    out: gen
    strategy: all
"##,
    ),
    (
        "3_v1_abc",
        r##"version: v1
plugins:
  - plugin: a/b/c
    out: gen
    strategy: all
"##,
    ),
    (
        "3_v1_abcd",
        r##"version: v1
plugins:
  - plugin: a/b/c/d
    out: gen
    strategy: all
"##,
    ),
    (
        "3_v1_dotslash",
        r##"version: v1
plugins:
  - plugin: ./bin/x
    out: gen
    strategy: all
"##,
    ),
    (
        "3_v1_name_colon",
        r##"version: v1
plugins:
  - plugin: x:v1
    out: gen
    strategy: all
"##,
    ),
    (
        "3_v1_name_abc",
        r##"version: v1
plugins:
  - name: a/b/c:v1
    out: gen
"##,
    ),
    (
        "3_v1_name_dot",
        r##"version: v1
plugins:
  - name: ./a/b
    out: gen
"##,
    ),
    (
        "3_v2_opt_empty_list",
        r##"version: v2
plugins:
  - local: protoc-gen-nosuch
    out: gen
    opt: []
"##,
    ),
    (
        "3_v1_perfile_lower",
        r##"version: v1
managed:
  enabled: true
  override:
    java_multiple_files:
      a.proto: "1"
    Go_Package:
      a.proto: x
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "3_v1_dup_keys_case",
        r##"version: v1
managed:
  enabled: true
  override:
    GO_PACKAGE:
      b.proto: y
    go_package:
      a.proto: x
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "3_v1_managed_bool_yes",
        r##"version: v1
managed:
  enabled: yes
  cc_enable_arenas: "on"
plugins:
  - plugin: nosuch
    out: gen
"##,
    ),
    (
        "3_v1_path_empty",
        r##"version: v1
plugins:
  - plugin: nosuch
    out: gen
    path: []
"##,
    ),
    (
        "3_v2_clean_str",
        r##"version: v2
clean: "yes"
"##,
    ),
    (
        "4_v1_semver_bad",
        r##"version: v1
plugins:
  - plugin: buf.build/c/d:1.0
    out: gen
    strategy: all
"##,
    ),
    (
        "4_v2_ok_remote",
        r##"version: v2
plugins:
  - remote: buf.build/a/b:v1.2
    revision: 3
    out: gen
"##,
    ),
];
