//! buf.gen.yaml (v1beta1, v1, v2): the generation template, decoded into one
//! shape for every version (v1 managed keys become v2-style rules), with
//! buf's error texts.

/// The `version:` of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenVersion {
    V1Beta1,
    V1,
    V2,
}

/// A decoded template, whatever its version.
#[derive(Debug, Clone)]
pub struct GenTemplate {
    pub version: GenVersion,
    pub managed: Managed,
    /// v2 `clean:`.
    pub clean: bool,
    pub plugins: Vec<PluginSpec>,
    /// v2 `inputs:` (empty: the positional input, default `.`).
    pub inputs: Vec<InputSpec>,
    /// v1 `types.include`.
    pub types: Vec<String>,
}

/// Where a plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// v2 `local:`, or v1/v1beta1 `path:`: a program (looked up on PATH when it
    /// has no `/`) and its arguments.
    Local(Vec<String>),
    /// v2 `protoc_builtin:`, or a v1/v1beta1 `name:`/`plugin:` without `path`:
    /// `protoc-gen-<name>` on PATH if there is one, else protoc's built-in
    /// generator `name` run through `protoc_path` (default `["protoc"]`).
    Protoc {
        name: String,
        protoc_path: Vec<String>,
    },
    /// v2 `remote:`, or a v1 `plugin:` naming `registry/owner/name[:version]`.
    Remote {
        /// As written, e.g. `buf.build/protocolbuffers/go:v1.28.1`.
        reference: String,
        revision: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    #[default]
    Directory,
    All,
}

/// One `plugins:` entry.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    pub source: PluginSource,
    /// The name buf shows in messages: `local` joined with spaces, v1
    /// `name`/`plugin`, the built-in's name, or the remote reference.
    pub display_name: String,
    /// As written; relative to the current directory.
    pub out: String,
    /// `opt` joined with `,`; `None` when there is no opt at all.
    pub opt: Option<String>,
    pub include_imports: bool,
    pub include_wkt: bool,
    pub strategy: Strategy,
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
}

/// The location key of a v2 `inputs:` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Module,
    Directory,
    ProtoFile,
    Tarball,
    ZipArchive,
    BinaryImage,
    JsonImage,
    TextImage,
    YamlImage,
    GitRepo,
}

/// One v2 `inputs:` entry.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub kind: InputKind,
    pub location: String,
    /// The kind's own keys that were set, values as text, in buf's order:
    /// compression, strip_components, subdir, branch, commit, tag, ref,
    /// depth, recurse_submodules, include_package_files.
    pub options: Vec<(String, String)>,
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub paths: Vec<String>,
    pub exclude_paths: Vec<String>,
}

/// Managed mode as v2 rules (v1 and v1beta1 keys are translated, in buf's
/// order).
#[derive(Debug, Clone, Default)]
pub struct Managed {
    pub enabled: bool,
    pub disables: Vec<DisableRule>,
    pub overrides: Vec<OverrideRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileOption {
    JavaPackage,
    JavaPackagePrefix,
    JavaPackageSuffix,
    JavaOuterClassname,
    JavaMultipleFiles,
    JavaStringCheckUtf8,
    OptimizeFor,
    GoPackage,
    GoPackagePrefix,
    CcEnableArenas,
    ObjcClassPrefix,
    CsharpNamespace,
    CsharpNamespacePrefix,
    PhpNamespace,
    PhpMetadataNamespace,
    PhpMetadataNamespaceSuffix,
    RubyPackage,
    RubyPackageSuffix,
    SwiftPrefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldOption {
    Jstype,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisableRule {
    pub file_option: Option<FileOption>,
    pub field_option: Option<FieldOption>,
    /// Module full name; empty matches every file.
    pub module: String,
    /// A file path or a directory containing it; empty matches every file.
    pub path: String,
    /// A field's full name (no leading dot); empty matches every field.
    pub field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideOption {
    File(FileOption),
    Field(FieldOption),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideValue {
    Str(String),
    Bool(bool),
    /// optimize_for (`SPEED` 1, `CODE_SIZE` 2, `LITE_RUNTIME` 3) or jstype
    /// (`JS_NORMAL` 0, `JS_STRING` 1, `JS_NUMBER` 2).
    Enum(i32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRule {
    pub option: OverrideOption,
    pub value: OverrideValue,
    pub module: String,
    pub path: String,
    pub field: String,
}

// ---- reading and decoding ----

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::decode::{Syntax, decode_strict, opt_string, parse_version, read_version, string_list};
use super::names::ModuleFullName;
use super::path::{normalize_and_validate, quote};
use super::{ConfigVersion, io_reason};

/// Where the template came from: buf's error prefix differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSource<'a> {
    /// `./buf.gen.yaml`.
    Default,
    /// The `--template` value: a path if it ends `.yaml`/`.yml`/`.json`, else
    /// inline YAML or JSON. An empty value means the default file.
    Flag(&'a str),
}

/// Reads and decodes the template. `Err` is the complete failure text without
/// `Failure: `.
pub fn load(source: TemplateSource, cwd: &Path) -> Result<GenTemplate, String> {
    let value = match source {
        TemplateSource::Flag(value) if !value.is_empty() => value,
        _ => {
            let bytes = std::fs::read(cwd.join("buf.gen.yaml")).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "read buf.gen.yaml: file does not exist".to_string()
                }
                _ => format!("read buf.gen.yaml: {}", io_reason(&e)),
            })?;
            return parse(&bytes, "buf.gen.yaml");
        }
    };
    let is_file = super::is_config_path(value);
    if !is_file {
        return parse(value.as_bytes(), "config file");
    }
    let path = cwd.join(value);
    let mut file =
        std::fs::File::open(&path).map_err(|e| format!("open {value}: {}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes)
        .map_err(|e| format!("read {value}: {}", io_reason(&e)))?;
    parse(&bytes, "config file")
}

/// Decodes template bytes; `label` is `buf.gen.yaml` or `config file` (the
/// latter is tried as JSON, then YAML, as buf does for `--template`).
pub fn parse(bytes: &[u8], label: &str) -> Result<GenTemplate, String> {
    let text = String::from_utf8_lossy(bytes);
    let syntax = if label == "buf.gen.yaml" {
        Syntax::Yaml
    } else {
        Syntax::JsonThenYaml
    };
    let fail = |message: String| format!("decode {label}: {message}");
    let version = read_version(&text, syntax)
        .and_then(|v| parse_version(v, "v2"))
        .map_err(|e| fail(e.to_string()))?;
    match version {
        ConfigVersion::V1Beta1 => {
            let (raw, json) = decode::<RawV1Beta1>(&text, syntax).map_err(fail)?;
            from_v1beta1(raw, json).map_err(fail)
        }
        ConfigVersion::V1 => {
            let (raw, json) = decode::<RawV1>(&text, syntax).map_err(fail)?;
            from_v1(raw, json).map_err(fail)
        }
        ConfigVersion::V2 => {
            let (raw, json) = decode::<RawV2>(&text, syntax).map_err(fail)?;
            from_v2(raw, json).map_err(fail)
        }
    }
}

/// The strict pass; also says whether the JSON decoder was the one that
/// succeeded, since Go then sees every number as a float64.
fn decode<T: DeserializeOwned>(text: &str, syntax: Syntax) -> Result<(T, bool), String> {
    if syntax == Syntax::JsonThenYaml
        && let Ok(value) = serde_json::from_str::<T>(text)
    {
        return Ok((value, true));
    }
    decode_strict::<T>(text, syntax)
        .map(|value| (value, false))
        .map_err(|e| e.to_string())
}

// ---- raw schemas ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawV1Beta1 {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "go_bool")]
    managed: bool,
    #[serde(default, deserialize_with = "plugins_v1beta1")]
    plugins: Vec<RawPluginV1Beta1>,
    #[serde(default)]
    options: Option<RawOptionsV1Beta1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPluginV1Beta1 {
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    out: Option<String>,
    #[serde(default)]
    opt: Option<Dyn>,
    #[serde(default, deserialize_with = "opt_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    strategy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptionsV1Beta1 {
    #[serde(default, deserialize_with = "go_opt_bool")]
    cc_enable_arenas: Option<bool>,
    #[serde(default, deserialize_with = "go_opt_bool")]
    java_multiple_files: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    optimize_for: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawV1 {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "plugins_v1")]
    plugins: Vec<RawPluginV1>,
    #[serde(default)]
    managed: Option<RawManagedV1>,
    #[serde(default)]
    types: Option<RawTypesV1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPluginV1 {
    #[serde(default, deserialize_with = "opt_string")]
    plugin: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    out: Option<String>,
    #[serde(default, deserialize_with = "go_int")]
    revision: Option<i64>,
    #[serde(default)]
    opt: Option<Dyn>,
    #[serde(default)]
    path: Option<Dyn>,
    #[serde(default)]
    protoc_path: Option<Dyn>,
    #[serde(default, deserialize_with = "opt_string")]
    strategy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTypesV1 {
    #[serde(default, deserialize_with = "string_list")]
    include: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManagedV1 {
    #[serde(default, deserialize_with = "go_bool")]
    enabled: bool,
    #[serde(default, deserialize_with = "go_opt_bool")]
    cc_enable_arenas: Option<bool>,
    #[serde(default, deserialize_with = "go_opt_bool")]
    java_multiple_files: Option<bool>,
    #[serde(default, deserialize_with = "go_opt_bool")]
    java_string_check_utf8: Option<bool>,
    #[serde(default)]
    java_package_prefix: Option<StringOrDefaults>,
    #[serde(default)]
    csharp_namespace: Option<RawExceptOverride>,
    #[serde(default)]
    optimize_for: Option<StringOrDefaults>,
    #[serde(default)]
    go_package_prefix: Option<RawDefaults>,
    #[serde(default)]
    objc_class_prefix: Option<RawDefaults>,
    #[serde(default)]
    ruby_package: Option<RawExceptOverride>,
    #[serde(default)]
    swift_prefix: Option<RawDefaults>,
    #[serde(default)]
    r#override: BTreeMap<String, BTreeMap<String, Scalar>>,
}

/// `{default, except, override}` of a v1 managed key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default, deserialize_with = "opt_string")]
    default: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    except: Vec<String>,
    #[serde(default)]
    r#override: BTreeMap<String, Scalar>,
}

/// `{except, override}` of a v1 managed key without a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExceptOverride {
    #[serde(default, deserialize_with = "string_list")]
    except: Vec<String>,
    #[serde(default)]
    r#override: BTreeMap<String, Scalar>,
}

/// `java_package_prefix` and `optimize_for` also take a plain string (the default).
#[derive(Debug, Default)]
struct StringOrDefaults(RawDefaults);

impl<'de> Deserialize<'de> for StringOrDefaults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrDefaults;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a map")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StringOrDefaults(RawDefaults {
                    default: Some(v.to_string()),
                    ..RawDefaults::default()
                }))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StringOrDefaults::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StringOrDefaults::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("cannot unmarshal !!seq into string"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawDefaults::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(StringOrDefaults)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawV2 {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "go_bool")]
    clean: bool,
    #[serde(default, deserialize_with = "plugins_v2")]
    plugins: Vec<RawPluginV2>,
    #[serde(default)]
    managed: Option<RawManagedV2>,
    #[serde(default)]
    inputs: Option<Vec<RawInputV2>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPluginV2 {
    #[serde(default, deserialize_with = "opt_string")]
    remote: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    local: Option<Dyn>,
    #[serde(default, deserialize_with = "opt_string")]
    protoc_builtin: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    out: Option<String>,
    #[serde(default, deserialize_with = "go_int")]
    revision: Option<i64>,
    #[serde(default, deserialize_with = "non_null")]
    protoc_path: Option<Dyn>,
    #[serde(default)]
    opt: Option<Dyn>,
    #[serde(default, deserialize_with = "go_bool")]
    include_imports: bool,
    #[serde(default, deserialize_with = "go_bool")]
    include_wkt: bool,
    #[serde(default, deserialize_with = "opt_string")]
    strategy: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    exclude_types: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManagedV2 {
    #[serde(default, deserialize_with = "go_bool")]
    enabled: bool,
    #[serde(default)]
    disable: Option<Vec<RawDisableV2>>,
    #[serde(default)]
    r#override: Option<Vec<RawRuleV2>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisableV2 {
    #[serde(default, deserialize_with = "opt_string")]
    file_option: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    field_option: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    module: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    field: Option<String>,
}

/// A v2 `override` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleV2 {
    #[serde(default, deserialize_with = "opt_string")]
    file_option: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    field_option: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    module: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    field: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    value: Option<Dyn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputV2 {
    #[serde(default, deserialize_with = "opt_string")]
    module: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    directory: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    proto_file: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    tarball: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    zip_archive: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    binary_image: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    json_image: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    text_image: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    yaml_image: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    git_repo: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    paths: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    exclude_paths: Vec<String>,
    #[serde(default, deserialize_with = "opt_string")]
    compression: Option<String>,
    #[serde(default, deserialize_with = "go_uint32")]
    strip_components: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    subdir: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    branch: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    commit: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    tag: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    r#ref: Option<String>,
    #[serde(default, deserialize_with = "go_uint32")]
    depth: Option<i64>,
    #[serde(default, deserialize_with = "go_opt_bool")]
    recurse_submodules: Option<bool>,
    #[serde(default, deserialize_with = "go_opt_bool")]
    include_package_files: Option<bool>,
}

// ---- leaf deserializers with go-yaml's wording ----

/// An untyped value (Go `interface{}`), kept to reproduce buf's type errors.
#[derive(Debug, Clone, PartialEq)]
enum Dyn {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Dyn>),
    Map(Vec<(Dyn, Dyn)>),
}

impl<'de> Deserialize<'de> for Dyn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dyn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Dyn, E> {
                Ok(Dyn::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dyn, E> {
                Ok(Dyn::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dyn, E> {
                Ok(i64::try_from(v).map_or(Dyn::UInt(v), Dyn::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dyn, E> {
                Ok(Dyn::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dyn, E> {
                Ok(Dyn::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Dyn, E> {
                Ok(Dyn::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Dyn, E> {
                Ok(Dyn::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Dyn, E> {
                Ok(Dyn::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Dyn, D::Error> {
                Dyn::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Dyn, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Dyn>()? {
                    items.push(item);
                }
                Ok(Dyn::Seq(items))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Dyn, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<Dyn, Dyn>()? {
                    entries.push((key, value));
                }
                Ok(Dyn::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

impl Dyn {
    /// Go's `%T` of the decoded value; encoding/json makes every number a float64.
    fn go_type(&self, json: bool) -> &'static str {
        match self {
            Dyn::Null => "<nil>",
            Dyn::Bool(_) => "bool",
            Dyn::Int(_) | Dyn::UInt(_) | Dyn::Float(_) if json => "float64",
            Dyn::Int(_) => "int",
            Dyn::UInt(_) => "uint64",
            Dyn::Float(_) => "float64",
            Dyn::Str(_) => "string",
            Dyn::Seq(_) => "[]interface {}",
            Dyn::Map(_) => "map[string]interface {}",
        }
    }

    /// Go's `%v` of the decoded value.
    fn go_value(&self) -> String {
        match self {
            Dyn::Null => "<nil>".to_string(),
            Dyn::Bool(b) => b.to_string(),
            Dyn::Int(n) => n.to_string(),
            Dyn::UInt(n) => n.to_string(),
            Dyn::Float(f) => f.to_string(),
            Dyn::Str(s) => s.clone(),
            Dyn::Seq(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Dyn::go_value)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Dyn::Map(entries) => {
                let mut pairs: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", k.go_value(), v.go_value()))
                    .collect();
                pairs.sort();
                format!("map[{}]", pairs.join(" "))
            }
        }
    }

    /// buf's `InterfaceSliceOrStringToStringSlice`.
    fn string_or_list(&self, json: bool) -> Result<Vec<String>, String> {
        match self {
            Dyn::Null => Ok(Vec::new()),
            Dyn::Str(s) => Ok(vec![s.clone()]),
            Dyn::Seq(items) => items
                .iter()
                .map(|item| match item {
                    Dyn::Str(s) => Ok(s.clone()),
                    other => Err(format!(
                        "could not convert element {} to a string",
                        other.go_type(json)
                    )),
                })
                .collect(),
            other => Err(format!(
                "could not interpret {} as string or string slice",
                other.go_type(json)
            )),
        }
    }
}

fn string_or_list(value: Option<&Dyn>, json: bool) -> Result<Vec<String>, String> {
    value.map_or(Ok(Vec::new()), |v| v.string_or_list(json))
}

/// A Go `interface{}` field: null is the same as absent.
fn non_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Dyn>, D::Error> {
    Ok(Some(Dyn::deserialize(d)?).filter(|v| *v != Dyn::Null))
}

/// A scalar map value as text (Go `map[string]string`).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
struct Scalar(#[serde(deserialize_with = "opt_string")] Option<String>);

impl Scalar {
    fn text(&self) -> String {
        self.0.clone().unwrap_or_default()
    }
}

fn yaml_tag_of<E: de::Error>(kind: &str, v: impl fmt::Display, target: &str) -> E {
    E::custom(format!("cannot unmarshal !!{kind} `{v}` into {target}"))
}

/// go-yaml v3's bool: YAML booleans, plus the YAML 1.1 words (`yes`, `off`,
/// ...) even when quoted, but never a quoted `"true"`.
struct GoBool;

impl<'de> Visitor<'de> for GoBool {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Ok(Some(true)),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Ok(Some(false)),
            other => Err(yaml_tag_of("str", other, "bool")),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("int", v, "bool"))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("int", v, "bool"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("float", v, "bool"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!seq into bool"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!map into bool"))
    }
}

fn go_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(d.deserialize_any(GoBool)?.unwrap_or(false))
}

fn go_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(GoBool)
}

/// go-yaml's integers (`int` or `uint32`); null is absent.
struct GoInt(&'static str);

impl<'de> Visitor<'de> for GoInt {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if self.0 == "uint32" && u32::try_from(v).is_err() {
            return Err(yaml_tag_of("int", v, self.0));
        }
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(yaml_tag_of("int", v, self.0)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            #[allow(clippy::cast_possible_truncation)]
            return self.visit_i64(v as i64);
        }
        Err(yaml_tag_of("float", v, self.0))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Err(yaml_tag_of("bool", v, self.0))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(yaml_tag_of("str", v, self.0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(format!(
            "cannot unmarshal !!seq into {}",
            self.0
        )))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(format!(
            "cannot unmarshal !!map into {}",
            self.0
        )))
    }
}

fn go_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(GoInt("int"))
}

fn go_uint32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(GoInt("uint32"))
}

/// A `plugins:` list, with go-yaml's message when it is not a list.
struct PluginList<T>(&'static str, std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for PluginList<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of plugins")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<T>()? {
            out.push(item);
        }
        Ok(out)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(format!(
            "cannot unmarshal !!map into []bufconfig.{}",
            self.0
        )))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(yaml_tag_of("str", v, &format!("[]bufconfig.{}", self.0)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("int", v, &format!("[]bufconfig.{}", self.0)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("int", v, &format!("[]bufconfig.{}", self.0)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(yaml_tag_of("float", v, &format!("[]bufconfig.{}", self.0)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Err(yaml_tag_of("bool", v, &format!("[]bufconfig.{}", self.0)))
    }
}

fn plugins_v1beta1<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RawPluginV1Beta1>, D::Error> {
    d.deserialize_any(PluginList(
        "externalGeneratePluginConfigV1Beta1",
        std::marker::PhantomData,
    ))
}

fn plugins_v1<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RawPluginV1>, D::Error> {
    d.deserialize_any(PluginList(
        "externalGeneratePluginConfigV1",
        std::marker::PhantomData,
    ))
}

fn plugins_v2<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RawPluginV2>, D::Error> {
    d.deserialize_any(PluginList(
        "externalGeneratePluginConfigV2",
        std::marker::PhantomData,
    ))
}

// ---- validation: raw schemas into GenTemplate, in buf's order ----

const PROTOC_DEFAULT: &str = "protoc";

fn parse_strategy(strategy: Option<&str>) -> Result<Strategy, String> {
    match strategy {
        None | Some("") | Some("directory") => Ok(Strategy::Directory),
        Some("all") => Ok(Strategy::All),
        Some(other) => Err(format!("unknown strategy: {other}")),
    }
}

fn joined_opt(opt: &[String]) -> Option<String> {
    Some(opt.join(",")).filter(|o| !o.is_empty())
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

fn protoc_path_or_default(path: Vec<String>) -> Vec<String> {
    if path.is_empty() {
        vec![PROTOC_DEFAULT.to_string()]
    } else {
        path
    }
}

fn new_spec(source: PluginSource, display_name: String, out: String, opt: &[String]) -> PluginSpec {
    PluginSpec {
        source,
        display_name,
        out,
        opt: joined_opt(opt),
        include_imports: false,
        include_wkt: false,
        strategy: Strategy::Directory,
        types: Vec::new(),
        exclude_types: Vec::new(),
    }
}

fn from_v1beta1(raw: RawV1Beta1, json: bool) -> Result<GenTemplate, String> {
    let options = raw.options.unwrap_or_default();
    let mut overrides = Vec::new();
    if let Some(value) = options.cc_enable_arenas {
        overrides.push(file_override(
            FileOption::CcEnableArenas,
            OverrideValue::Bool(value),
        ));
    }
    if let Some(value) = options.java_multiple_files {
        overrides.push(file_override(
            FileOption::JavaMultipleFiles,
            OverrideValue::Bool(value),
        ));
    }
    if let Some(value) = non_empty(options.optimize_for.as_deref()) {
        let value = typed_value(FileOption::OptimizeFor, &Dyn::Str(value.to_string()), json)?;
        overrides.push(file_override(FileOption::OptimizeFor, value));
    }
    let mut plugins = Vec::new();
    for plugin in raw.plugins {
        let Some(name) = non_empty(plugin.name.as_deref()) else {
            return Err("plugin name is required".to_string());
        };
        let Some(out) = non_empty(plugin.out.as_deref()) else {
            return Err(format!("out is required for plugin {name}"));
        };
        let strategy = parse_strategy(plugin.strategy.as_deref())?;
        let opt = string_or_list(plugin.opt.as_ref(), json)?;
        let source = match non_empty(plugin.path.as_deref()) {
            Some(path) => PluginSource::Local(vec![path.to_string()]),
            None => PluginSource::Protoc {
                name: name.to_string(),
                protoc_path: protoc_path_or_default(Vec::new()),
            },
        };
        let mut spec = new_spec(source, name.to_string(), out.to_string(), &opt);
        spec.strategy = strategy;
        plugins.push(spec);
    }
    if plugins.is_empty() {
        return Err("must specify at least one plugin".to_string());
    }
    Ok(GenTemplate {
        version: GenVersion::V1Beta1,
        managed: Managed {
            enabled: raw.managed,
            disables: Vec::new(),
            overrides,
        },
        clean: false,
        plugins,
        inputs: Vec::new(),
        types: Vec::new(),
    })
}

/// `registry/owner/plugin` or `registry/owner/plugin:version`, as buf's
/// remote plugin references are checked; the error is buf's.
fn check_remote_reference(reference: &str) -> Result<(), String> {
    if identity(reference).is_ok() {
        return Ok(());
    }
    let Some((name, version)) = reference.rsplit_once(':') else {
        return Err(
            "plugin references must be specified as \"<name>:<version>\" strings".to_string(),
        );
    };
    identity(name)?;
    if !is_semver(version) {
        return Err(format!(
            "plugin version {} is not a valid semantic version",
            quote(version)
        ));
    }
    Ok(())
}

fn is_remote_reference(reference: &str) -> bool {
    check_remote_reference(reference).is_ok()
}

fn identity(path: &str) -> Result<(), String> {
    let invalid = || {
        format!(
            "plugin identity {} is invalid: must be in the form remote/owner/plugin",
            quote(path)
        )
    };
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    let [remote, owner, plugin] = parts.as_slice() else {
        return Err(invalid());
    };
    if remote.is_empty() || owner.is_empty() || plugin.is_empty() || plugin.contains(':') {
        return Err(invalid());
    }
    validate_hostname(remote).map_err(|why| format!("invalid remote {}: {why}", quote(remote)))
}

/// buf's `netext.ValidateHostname`.
fn validate_hostname(host: &str) -> Result<(), String> {
    if host.len() < 2 || host.len() > 254 {
        return Err("must be at least 2 and at most 254 characters".to_string());
    }
    let bare = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => host,
    };
    let bare = bare.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let fail = |why: String| {
        format!(
            "must either be a valid IP address or domain name: invalid domain name {}, {why}",
            quote(host)
        )
    };
    let mut previous = '.';
    let mut non_numeric = false;
    let mut segment = 0usize;
    for c in bare.chars() {
        match c {
            '0'..='9' => segment += 1,
            'a'..='z' | 'A'..='Z' | '_' => {
                non_numeric = true;
                segment += 1;
            }
            '-' => {
                if previous == '.' {
                    return Err(fail(
                        "cannot begin a segment after a period (.) with a hyphen (-)".to_string(),
                    ));
                }
                non_numeric = true;
                segment += 1;
            }
            '.' => {
                if previous == '.' {
                    return Err(fail("cannot contain two periods (.) in a row".to_string()));
                }
                if previous == '-' {
                    return Err(fail(
                        "cannot have a hyphen (-) immediately before a period (.)".to_string(),
                    ));
                }
                if segment > 63 {
                    return Err(fail(
                        "cannot have segments greater than 63 characters between periods (.)"
                            .to_string(),
                    ));
                }
                segment = 0;
            }
            other => {
                return Err(fail(format!(
                    "included invalid character {}, must only contain letters, digits, periods (.), hyphens (-), or underscores (_)",
                    go_quote_rune(other)
                )));
            }
        }
        previous = c;
    }
    if previous == '-' {
        return Err(fail(
            "cannot have a hyphen (-) as the final character".to_string(),
        ));
    }
    if segment > 63 {
        return Err(fail(
            "cannot have segments greater than 63 characters between periods (.)".to_string(),
        ));
    }
    if !non_numeric {
        return Err(fail(
            "must have at least one non-numeric character".to_string(),
        ));
    }
    Ok(())
}

fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '\\' => "'\\\\'".to_string(),
        c if c.is_control() => format!("'{}'", c.escape_default()),
        c => format!("'{c}'"),
    }
}

/// golang.org/x/mod/semver `IsValid`.
fn is_semver(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (core, build) = match rest.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (rest, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (core, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let numeric = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    if numbers.is_empty() || numbers.len() > 3 || !numbers.iter().all(|n| numeric(n)) {
        return false;
    }
    if (pre.is_some() || build.is_some()) && numbers.len() != 3 {
        return false;
    }
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(pre) = pre
        && !pre.split('.').all(|p| {
            ident(p) && (!p.bytes().all(|b| b.is_ascii_digit()) || p == "0" || !p.starts_with('0'))
        })
    {
        return false;
    }
    if let Some(build) = build
        && !build.split('.').all(ident)
    {
        return false;
    }
    true
}

fn check_revision(revision: i64) -> Result<u32, String> {
    u32::try_from(revision)
        .ok()
        .filter(|r| i32::try_from(*r).is_ok())
        .ok_or_else(|| format!("revision {revision} is out of accepted range 0-2147483647"))
}

fn from_v1(raw: RawV1, json: bool) -> Result<GenTemplate, String> {
    let managed = managed_v1(raw.managed.unwrap_or_default(), json)?;
    let mut plugins = Vec::new();
    for plugin in raw.plugins {
        plugins.push(plugin_v1(plugin, json)?);
    }
    if plugins.is_empty() {
        return Err("must specify at least one plugin".to_string());
    }
    Ok(GenTemplate {
        version: GenVersion::V1,
        managed,
        clean: false,
        plugins,
        inputs: Vec::new(),
        types: raw.types.unwrap_or_default().include,
    })
}

fn plugin_v1(raw: RawPluginV1, json: bool) -> Result<PluginSpec, String> {
    let plugin = non_empty(raw.plugin.as_deref());
    let name = non_empty(raw.name.as_deref());
    let identifier = match (plugin, name) {
        (None, None) => return Err("one of plugin or name is required".to_string()),
        (Some(_), Some(_)) => return Err("only one of plugin or name can be set".to_string()),
        (Some(plugin), None) => plugin,
        (None, Some(name)) => {
            if is_remote_reference(name) {
                return Err(format!("invalid local plugin name: {name}"));
            }
            name
        }
    };
    let Some(out) = non_empty(raw.out.as_deref()) else {
        return Err(format!("out is required for plugin {identifier}"));
    };
    let strategy = parse_strategy(raw.strategy.as_deref())?;
    let opt = string_or_list(raw.opt.as_ref(), json)?;
    let path_given = raw.path.as_ref().is_some_and(|p| *p != Dyn::Null);
    let protoc_path_given = raw.protoc_path.as_ref().is_some_and(|p| *p != Dyn::Null);
    let path = string_or_list(raw.path.as_ref(), json)?;
    let protoc_path = string_or_list(raw.protoc_path.as_ref(), json)?;
    if plugin.is_some() && is_remote_reference(identifier) {
        if path_given {
            return Err(format!(
                "cannot specify path for remote plugin {identifier}"
            ));
        }
        if non_empty(raw.strategy.as_deref()).is_some() {
            return Err(format!(
                "cannot specify strategy for remote plugin {identifier}"
            ));
        }
        if protoc_path_given {
            return Err(format!(
                "cannot specify protoc_path for remote plugin {identifier}"
            ));
        }
        let revision = check_revision(raw.revision.unwrap_or(0))?;
        let source = PluginSource::Remote {
            reference: identifier.to_string(),
            revision,
        };
        return Ok(new_spec(
            source,
            identifier.to_string(),
            out.to_string(),
            &opt,
        ));
    }
    let source = if !path.is_empty() {
        PluginSource::Local(path)
    } else {
        PluginSource::Protoc {
            name: identifier.to_string(),
            protoc_path: protoc_path_or_default(protoc_path),
        }
    };
    let mut spec = new_spec(source, identifier.to_string(), out.to_string(), &opt);
    spec.strategy = strategy;
    Ok(spec)
}

fn file_override(option: FileOption, value: OverrideValue) -> OverrideRule {
    OverrideRule {
        option: OverrideOption::File(option),
        value,
        module: String::new(),
        path: String::new(),
        field: String::new(),
    }
}

/// One v1 managed key's `default`, `except` and `override` as rules.
struct V1Key<'a> {
    /// The option its `default` and `override` set.
    option: FileOption,
    /// The option its `except` disables.
    except_option: FileOption,
    default: Option<&'a str>,
    /// `default` is required when anything is set.
    default_required: Option<&'static str>,
    except: &'a [String],
    overrides: &'a BTreeMap<String, Scalar>,
}

impl<'a> V1Key<'a> {
    fn with_default(
        option: FileOption,
        except_option: FileOption,
        raw: &'a RawDefaults,
        default_required: Option<&'static str>,
    ) -> Self {
        V1Key {
            option,
            except_option,
            default: raw.default.as_deref(),
            default_required,
            except: &raw.except,
            overrides: &raw.r#override,
        }
    }

    /// Keys with no `default` (`csharp_namespace`, `ruby_package`).
    fn without_default(option: FileOption, raw: &'a RawExceptOverride) -> Self {
        V1Key {
            option,
            except_option: option,
            default: None,
            default_required: None,
            except: &raw.except,
            overrides: &raw.r#override,
        }
    }
}

fn v1_key(key: V1Key, managed: &mut Managed, json: bool) -> Result<(), String> {
    let default = non_empty(key.default);
    if default.is_none() && key.except.is_empty() && key.overrides.is_empty() {
        return Ok(());
    }
    match (default, key.default_required) {
        (Some(default), _) => {
            let value = typed_value(key.option, &Dyn::Str(default.to_string()), json)?;
            managed.overrides.push(file_override(key.option, value));
        }
        (None, Some(name)) => return Err(format!("{name} requires a default value")),
        (None, None) => {}
    }
    let mut seen: Vec<&str> = Vec::new();
    for module in key.except {
        ModuleFullName::parse(module)?;
        if seen.contains(&module.as_str()) {
            return Err(format!(
                "{} is defined multiple times in except",
                quote(module)
            ));
        }
        seen.push(module);
        managed.disables.push(DisableRule {
            file_option: Some(key.except_option),
            module: module.clone(),
            ..DisableRule::default()
        });
    }
    for (module, value) in key.overrides {
        ModuleFullName::parse(module)?;
        if seen.contains(&module.as_str()) {
            return Err(format!(
                "override {} is already defined as an except",
                quote(module)
            ));
        }
        let value = typed_value(key.option, &Dyn::Str(value.text()), json)?;
        managed.overrides.push(OverrideRule {
            module: module.clone(),
            ..file_override(key.option, value)
        });
    }
    Ok(())
}

fn managed_v1(raw: RawManagedV1, json: bool) -> Result<Managed, String> {
    let mut managed = Managed {
        enabled: raw.enabled,
        ..Managed::default()
    };
    for (option, value) in [
        (FileOption::CcEnableArenas, raw.cc_enable_arenas),
        (FileOption::JavaMultipleFiles, raw.java_multiple_files),
        (FileOption::JavaStringCheckUtf8, raw.java_string_check_utf8),
    ] {
        if let Some(value) = value {
            managed
                .overrides
                .push(file_override(option, OverrideValue::Bool(value)));
        }
    }
    let empty = RawDefaults::default();
    let empty_eo = RawExceptOverride::default();
    let java = raw.java_package_prefix.as_ref().map_or(&empty, |s| &s.0);
    let optimize = raw.optimize_for.as_ref().map_or(&empty, |s| &s.0);
    let go = raw.go_package_prefix.as_ref().unwrap_or(&empty);
    let objc = raw.objc_class_prefix.as_ref().unwrap_or(&empty);
    let swift = raw.swift_prefix.as_ref().unwrap_or(&empty);
    let csharp = raw.csharp_namespace.as_ref().unwrap_or(&empty_eo);
    let ruby = raw.ruby_package.as_ref().unwrap_or(&empty_eo);
    use FileOption as F;
    // buf's order (buf-generate.md §5.3); the first error wins.
    let keys = [
        V1Key::with_default(
            F::JavaPackagePrefix,
            F::JavaPackage,
            java,
            Some("java_package_prefix"),
        ),
        V1Key::without_default(F::CsharpNamespace, csharp),
        V1Key::with_default(
            F::OptimizeFor,
            F::OptimizeFor,
            optimize,
            Some("optimize_for"),
        ),
        V1Key::with_default(
            F::GoPackagePrefix,
            F::GoPackage,
            go,
            Some("go_package_prefix"),
        ),
        V1Key::with_default(F::ObjcClassPrefix, F::ObjcClassPrefix, objc, None),
        V1Key::without_default(F::RubyPackage, ruby),
        V1Key::with_default(F::SwiftPrefix, F::SwiftPrefix, swift, None),
    ];
    for key in keys {
        v1_key(key, &mut managed, json)?;
    }
    for (name, per_path) in &raw.r#override {
        let Some(option) = file_option_named(&name.to_lowercase()) else {
            return Err(format!("{} is not a valid file option", quote(name)));
        };
        for (path, value) in per_path {
            validate_path(path)
                .map_err(|e| format!("invalid import path for override {name}: {e}"))?;
            let text = value.text();
            let value = match option {
                FileOption::CcEnableArenas
                | FileOption::JavaMultipleFiles
                | FileOption::JavaStringCheckUtf8 => {
                    OverrideValue::Bool(parse_go_bool(&text).ok_or_else(String::new)?)
                }
                _ => typed_value(option, &Dyn::Str(text), json)?,
            };
            managed.overrides.push(OverrideRule {
                path: path.clone(),
                ..file_override(option, value)
            });
        }
    }
    Ok(managed)
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

const FILE_OPTIONS: [(&str, FileOption); 19] = [
    ("java_package", FileOption::JavaPackage),
    ("java_package_prefix", FileOption::JavaPackagePrefix),
    ("java_package_suffix", FileOption::JavaPackageSuffix),
    ("java_outer_classname", FileOption::JavaOuterClassname),
    ("java_multiple_files", FileOption::JavaMultipleFiles),
    ("java_string_check_utf8", FileOption::JavaStringCheckUtf8),
    ("optimize_for", FileOption::OptimizeFor),
    ("go_package", FileOption::GoPackage),
    ("go_package_prefix", FileOption::GoPackagePrefix),
    ("cc_enable_arenas", FileOption::CcEnableArenas),
    ("objc_class_prefix", FileOption::ObjcClassPrefix),
    ("csharp_namespace", FileOption::CsharpNamespace),
    ("csharp_namespace_prefix", FileOption::CsharpNamespacePrefix),
    ("php_namespace", FileOption::PhpNamespace),
    ("php_metadata_namespace", FileOption::PhpMetadataNamespace),
    (
        "php_metadata_namespace_suffix",
        FileOption::PhpMetadataNamespaceSuffix,
    ),
    ("ruby_package", FileOption::RubyPackage),
    ("ruby_package_suffix", FileOption::RubyPackageSuffix),
    ("swift_prefix", FileOption::SwiftPrefix),
];

fn file_option_named(name: &str) -> Option<FileOption> {
    FILE_OPTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, option)| *option)
}

impl FileOption {
    /// The option's name in buf.gen.yaml.
    pub fn name(self) -> &'static str {
        FILE_OPTIONS
            .iter()
            .find(|(_, option)| *option == self)
            .map_or("", |(name, _)| name)
    }
}

fn parse_file_option(text: &str) -> Result<FileOption, String> {
    let name = text.trim().to_lowercase();
    if name.is_empty() {
        return Err("empty file_option".to_string());
    }
    file_option_named(&name).ok_or_else(|| format!("unknown file_option: {}", quote(&name)))
}

fn parse_field_option(text: &str) -> Result<FieldOption, String> {
    let name = text.trim().to_lowercase();
    match name.as_str() {
        "" => Err("empty field_option".to_string()),
        "jstype" => Ok(FieldOption::Jstype),
        _ => Err(format!("unknown field_option: {}", quote(&name))),
    }
}

/// buf's check that a configured path is already normalized.
fn validate_path(path: &str) -> Result<(), String> {
    let normalized = normalize_and_validate(path).map_err(|e| e.to_string())?;
    if normalized != path {
        return Err(format!(
            "path {} in your configuration must be relative and use '/' as the path separator",
            quote(path)
        ));
    }
    Ok(())
}

/// An override value typed for its file option, with buf's messages.
fn typed_value(option: FileOption, value: &Dyn, json: bool) -> Result<OverrideValue, String> {
    let invalid = |why: String| {
        format!(
            "invalid value {} for {}: {why}",
            value.go_value(),
            option.name()
        )
    };
    match option {
        FileOption::OptimizeFor => {
            let code = match value {
                Dyn::Str(s) if s == "SPEED" => 1,
                Dyn::Str(s) if s == "CODE_SIZE" => 2,
                Dyn::Str(s) if s == "LITE_RUNTIME" => 3,
                _ => {
                    return Err(invalid(
                        "must be one of SPEED, CODE_SIZE or LITE_RUNTIME".to_string(),
                    ));
                }
            };
            Ok(OverrideValue::Enum(code))
        }
        FileOption::CcEnableArenas
        | FileOption::JavaMultipleFiles
        | FileOption::JavaStringCheckUtf8 => match value {
            Dyn::Bool(b) => Ok(OverrideValue::Bool(*b)),
            other => Err(invalid(format!(
                "expected a bool, got {}",
                other.go_type(json)
            ))),
        },
        _ => match value {
            Dyn::Str(s) => Ok(OverrideValue::Str(s.clone())),
            other => Err(invalid(format!(
                "expected a string, got {}",
                other.go_type(json)
            ))),
        },
    }
}

fn typed_jstype(value: &Dyn) -> Result<OverrideValue, String> {
    let code = match value {
        Dyn::Str(s) if s == "JS_NORMAL" => 0,
        Dyn::Str(s) if s == "JS_STRING" => 1,
        Dyn::Str(s) if s == "JS_NUMBER" => 2,
        _ => {
            return Err(format!(
                "invalid value {} for jstype: must be one of JS_NORMAL, JS_STRING or JS_NUMBER",
                value.go_value()
            ));
        }
    };
    Ok(OverrideValue::Enum(code))
}

fn managed_v2(raw: RawManagedV2, json: bool) -> Result<Managed, String> {
    let mut managed = Managed {
        enabled: raw.enabled,
        ..Managed::default()
    };
    for rule in raw.disable.unwrap_or_default() {
        let file_option = non_empty(rule.file_option.as_deref())
            .map(parse_file_option)
            .transpose()?;
        let field_option = non_empty(rule.field_option.as_deref())
            .map(parse_field_option)
            .transpose()?;
        let path = rule.path.unwrap_or_default();
        let module = rule.module.unwrap_or_default();
        let field = rule.field.unwrap_or_default();
        if path.is_empty()
            && module.is_empty()
            && field.is_empty()
            && file_option.is_none()
            && field_option.is_none()
        {
            return Err("empty disable rule is not allowed".to_string());
        }
        if !field.is_empty() && file_option.is_some() {
            return Err("cannot disable a file option for a field".to_string());
        }
        if file_option.is_some() && field_option.is_some() {
            return Err("at most one of file_option and field_option can be specified".to_string());
        }
        if !path.is_empty() {
            validate_path(&path).map_err(|e| format!("invalid path for disable rule: {e}"))?;
        }
        if !module.is_empty() {
            ModuleFullName::parse(&module)?;
        }
        managed.disables.push(DisableRule {
            file_option,
            field_option,
            module,
            path,
            field,
        });
    }
    for rule in raw.r#override.unwrap_or_default() {
        let file_option = rule.file_option.unwrap_or_default();
        let field_option = rule.field_option.unwrap_or_default();
        if file_option.is_empty() && field_option.is_empty() {
            return Err("must set file_option or field_option for an override".to_string());
        }
        if !file_option.is_empty() && !field_option.is_empty() {
            return Err(
                "exactly one of file_option and field_option must be set for an override"
                    .to_string(),
            );
        }
        let Some(value) = rule.value else {
            return Err("must set value for an override".to_string());
        };
        let module = rule.module.unwrap_or_default();
        let path = rule.path.unwrap_or_default();
        let field = rule.field.unwrap_or_default();
        let (option, typed, option_name) = if !field_option.is_empty() {
            let option = parse_field_option(&field_option)?;
            (
                OverrideOption::Field(option),
                typed_jstype(&value)?,
                "jstype",
            )
        } else {
            if !field.is_empty() {
                return Err("must not set field for a file_option override".to_string());
            }
            let option = parse_file_option(&file_option)?;
            (
                OverrideOption::File(option),
                typed_value(option, &value, json)?,
                option.name(),
            )
        };
        if !module.is_empty() {
            ModuleFullName::parse(&module)
                .map_err(|e| format!("invalid module name for {option_name} override: {e}"))?;
        }
        if !path.is_empty() {
            validate_path(&path)
                .map_err(|e| format!("invalid path for {option_name} override: {e}"))?;
        }
        managed.overrides.push(OverrideRule {
            option,
            value: typed,
            module,
            path,
            field,
        });
    }
    Ok(managed)
}

fn plugin_v2(raw: RawPluginV2, json: bool) -> Result<PluginSpec, String> {
    let kinds = [
        raw.remote.is_some(),
        raw.local.is_some(),
        raw.protoc_builtin.is_some(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    if kinds == 0 {
        return Err("must specify one of remote, local or protoc_builtin".to_string());
    }
    if kinds > 1 {
        return Err("only one of remote, local or protoc_builtin".to_string());
    }
    let Some(out) = non_empty(raw.out.as_deref()) else {
        return Err("must specify out".to_string());
    };
    let strategy = parse_strategy(raw.strategy.as_deref())?;
    let opt = string_or_list(raw.opt.as_ref(), json)?;
    let wkt_check = || {
        if raw.include_wkt && !raw.include_imports {
            Err("cannot include well-known types without including imports".to_string())
        } else {
            Ok(())
        }
    };
    let (source, display_name) = if let Some(remote) = &raw.remote {
        if raw.strategy.is_some() {
            return Err(format!(
                "cannot specify strategy for remote plugin {remote}"
            ));
        }
        if raw.protoc_path.is_some() {
            return Err(format!(
                "cannot specify protoc_path for remote plugin {remote}"
            ));
        }
        wkt_check()?;
        check_remote_reference(remote)?;
        let revision = check_revision(raw.revision.unwrap_or(0))?;
        let source = PluginSource::Remote {
            reference: remote.clone(),
            revision,
        };
        (source, remote.clone())
    } else if let Some(local) = &raw.local {
        let argv = local.string_or_list(json)?;
        let name = argv.join(" ");
        if raw.revision.is_some() {
            return Err(format!("cannot specify revision for local plugin {name}"));
        }
        if raw.protoc_path.is_some() {
            return Err(format!(
                "cannot specify protoc_path for local plugin {name}"
            ));
        }
        if argv.is_empty() {
            return Err("must specify a path to the plugin".to_string());
        }
        wkt_check()?;
        (PluginSource::Local(argv), name)
    } else {
        let name = raw.protoc_builtin.clone().unwrap_or_default();
        let protoc_path = string_or_list(raw.protoc_path.as_ref(), json)?;
        if raw.revision.is_some() {
            return Err(format!(
                "cannot specify revision for protoc built-in plugin {name}"
            ));
        }
        wkt_check()?;
        let source = PluginSource::Protoc {
            name: name.clone(),
            protoc_path: protoc_path_or_default(protoc_path),
        };
        (source, name)
    };
    Ok(PluginSpec {
        source,
        display_name,
        out: out.to_string(),
        opt: joined_opt(&opt),
        include_imports: raw.include_imports,
        include_wkt: raw.include_wkt,
        strategy,
        types: raw.types,
        exclude_types: raw.exclude_types,
    })
}

const INPUT_KINDS: &str = "binary_image, directory, git_repo, json_image, module, proto_file, tarball, text_image, yaml_image, and zip_archive";

fn input_v2(raw: RawInputV2) -> Result<InputSpec, String> {
    let locations = [
        (InputKind::Module, &raw.module),
        (InputKind::Directory, &raw.directory),
        (InputKind::ProtoFile, &raw.proto_file),
        (InputKind::BinaryImage, &raw.binary_image),
        (InputKind::Tarball, &raw.tarball),
        (InputKind::ZipArchive, &raw.zip_archive),
        (InputKind::JsonImage, &raw.json_image),
        (InputKind::TextImage, &raw.text_image),
        (InputKind::YamlImage, &raw.yaml_image),
        (InputKind::GitRepo, &raw.git_repo),
    ];
    let set: Vec<(InputKind, &String)> = locations
        .iter()
        .filter_map(|(kind, location)| location.as_ref().map(|l| (*kind, l)))
        .collect();
    let (kind, location) = match set.as_slice() {
        [] => return Err(format!("must specify one of {INPUT_KINDS}")),
        [one] => *one,
        _ => return Err(format!("exactly one of {INPUT_KINDS} must be specified")),
    };
    let mut options: Vec<(String, String)> = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            options.push((key.to_string(), value));
        }
    };
    push("compression", raw.compression.clone());
    push(
        "strip_components",
        raw.strip_components.map(|n| n.to_string()),
    );
    push("subdir", raw.subdir.clone());
    push("branch", raw.branch.clone());
    if raw.commit.is_some() && raw.tag.is_some() {
        return Err(
            "commit and tag options cannot be used at the same time; use one or the other"
                .to_string(),
        );
    }
    push("commit", raw.commit.clone());
    push("tag", raw.tag.clone());
    push("ref", raw.r#ref.clone());
    push("depth", raw.depth.map(|n| n.to_string()));
    push(
        "recurse_submodules",
        raw.recurse_submodules.map(|b| b.to_string()),
    );
    push(
        "include_package_files",
        raw.include_package_files.map(|b| b.to_string()),
    );
    let allowed: &[&str] = match kind {
        InputKind::GitRepo => &[
            "branch",
            "commit",
            "tag",
            "ref",
            "depth",
            "recurse_submodules",
            "subdir",
        ],
        InputKind::Module | InputKind::Directory => &[],
        InputKind::ProtoFile => &["include_package_files"],
        InputKind::Tarball => &["compression", "strip_components", "subdir"],
        InputKind::ZipArchive => &["strip_components", "subdir"],
        InputKind::BinaryImage
        | InputKind::JsonImage
        | InputKind::TextImage
        | InputKind::YamlImage => &["compression"],
    };
    if let Some((key, _)) = options
        .iter()
        .find(|(key, _)| !allowed.contains(&key.as_str()))
    {
        return Err(format!(
            "option {key} is not allowed for InputConfigType {}",
            kind.name()
        ));
    }
    Ok(InputSpec {
        kind,
        location: location.clone(),
        options,
        types: raw.types,
        exclude_types: raw.exclude_types,
        paths: raw.paths,
        exclude_paths: raw.exclude_paths,
    })
}

impl InputKind {
    /// The location key in buf.gen.yaml.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Module => "module",
            InputKind::Directory => "directory",
            InputKind::ProtoFile => "proto_file",
            InputKind::Tarball => "tarball",
            InputKind::ZipArchive => "zip_archive",
            InputKind::BinaryImage => "binary_image",
            InputKind::JsonImage => "json_image",
            InputKind::TextImage => "text_image",
            InputKind::YamlImage => "yaml_image",
            InputKind::GitRepo => "git_repo",
        }
    }
}

fn from_v2(raw: RawV2, json: bool) -> Result<GenTemplate, String> {
    let managed = managed_v2(raw.managed.unwrap_or_default(), json)?;
    let plugins = raw
        .plugins
        .into_iter()
        .map(|p| plugin_v2(p, json))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = raw
        .inputs
        .unwrap_or_default()
        .into_iter()
        .map(input_v2)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GenTemplate {
        version: GenVersion::V2,
        managed,
        clean: raw.clean,
        plugins,
        inputs,
        types: Vec::new(),
    })
}

#[cfg(test)]
#[path = "buf_gen_yaml_tests.rs"]
mod tests;
