//! buf.yaml (and legacy buf.mod): the raw schemas of v1beta1/v1 and v2, and the validated
//! [`BufYaml`] with one [`ModuleConfig`] per module.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::Path;

use super::check::{
    BreakingConfig, LintConfig, RawBreaking, RawLintV1, RawLintV2, Scope, resolve_breaking,
    resolve_lint_v1, resolve_lint_v2,
};
use super::decode::{
    Syntax, decode_strict, list_map, opt_string, parse_version, read_version, string_list,
};
use super::names::{ModuleFullName, ModuleRef, check_duplicate_names};
use super::path::{check_no_overlap, contains, normalize_and_validate, quote, quote_list};
use super::{ConfigError, ConfigVersion, DecodeError, io_reason};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawV1 {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    deps: Vec<String>,
    #[serde(default)]
    build: Option<RawBuild>,
    #[serde(default)]
    lint: Option<RawLintV1>,
    #[serde(default)]
    breaking: Option<RawBreaking>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    #[serde(default, deserialize_with = "string_list")]
    roots: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    excludes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawV2 {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(default)]
    modules: Option<Vec<RawModuleV2>>,
    #[serde(default, deserialize_with = "string_list")]
    deps: Vec<String>,
    #[serde(default)]
    lint: Option<RawLintV2>,
    #[serde(default)]
    breaking: Option<RawBreaking>,
    #[serde(default)]
    plugins: Option<Vec<RawPlugin>>,
    #[serde(default)]
    policies: Option<Vec<RawPolicy>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModuleV2 {
    #[serde(default, deserialize_with = "opt_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    includes: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    excludes: Vec<String>,
    #[serde(default)]
    lint: Option<RawLintV2>,
    #[serde(default)]
    breaking: Option<RawBreaking>,
}

/// A `plugins:` entry of buf.yaml or of a policy file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlugin {
    #[serde(default)]
    plugin: Option<serde_json::Value>,
    #[serde(default)]
    options: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default, deserialize_with = "opt_string")]
    policy: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    ignore: Vec<String>,
    #[serde(default, deserialize_with = "list_map")]
    ignore_only: BTreeMap<String, Vec<String>>,
}

/// A validated buf.yaml.
#[derive(Debug, Clone, PartialEq)]
pub struct BufYaml {
    pub version: ConfigVersion,
    /// Which file it came from (`buf.yaml`, `buf.mod`), for messages.
    pub file_name: String,
    /// Top-level `name` (v1beta1/v1; v2 short form with no `modules`).
    pub name: Option<ModuleFullName>,
    /// v1: this module's deps; v2: the whole workspace's deps.
    pub deps: Vec<ModuleRef>,
    /// v1beta1/v1: exactly one module at `.`; v2: sorted by `dir`, stable.
    pub modules: Vec<ModuleConfig>,
    pub plugins: Vec<CheckPluginConfig>,
    pub policies: Vec<PolicyConfig>,
}

/// One module as configured. Paths are normalized and relative to the buf.yaml directory,
/// except `roots`, which are relative to the module directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleConfig {
    pub dir: String,
    pub name: Option<ModuleFullName>,
    /// v1beta1 `build.roots`; `["."]` otherwise.
    pub roots: Vec<String>,
    /// v2 only.
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    pub lint: LintConfig,
    pub breaking: BreakingConfig,
}

impl ModuleConfig {
    /// How buf names a module in messages: `path: "proto", includes: "proto/a"`.
    pub fn description(&self) -> String {
        let mut out = format!("path: {}", quote(&self.dir));
        if self.roots == ["."] {
            if !self.includes.is_empty() {
                out.push_str(&format!(", includes: {}", quote_list(&self.includes)));
            }
            if !self.excludes.is_empty() {
                out.push_str(&format!(", excludes: {}", quote_list(&self.excludes)));
            }
        }
        out
    }
}

/// A v2 check plugin (`plugins:`); loosely typed, checked by the plugin runner.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPluginConfig {
    /// The plugin name or path: a remote ref, a `.wasm` file, or a local binary.
    pub plugin: String,
    pub args: Vec<String>,
    pub options: BTreeMap<String, serde_json::Value>,
    /// Option keys whose value is a plain YAML timestamp (`2001-12-14`):
    /// yaml.v3 reads those as times, which buf cannot send to a plugin.
    pub timestamp_options: Vec<String>,
}

/// A v2 policy (`policies:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    pub policy: String,
    pub ignore: Vec<String>,
    pub ignore_only: BTreeMap<String, Vec<String>>,
}

/// Parses and validates a buf.yaml. `file` is the path shown in messages
/// (`decode <file>: ...`); `file_name` is the base name (`buf.yaml` or `buf.mod`).
pub fn parse_buf_yaml(data: &str, file: &str, syntax: Syntax) -> Result<BufYaml, ConfigError> {
    let file_name = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("buf.yaml")
        .to_string();
    parse_with_name(data, file, &file_name, syntax)
}

fn parse_with_name(
    data: &str,
    file: &str,
    file_name: &str,
    syntax: Syntax,
) -> Result<BufYaml, ConfigError> {
    let decode_err = |error: DecodeError| ConfigError::Decode {
        file: file.to_string(),
        error,
    };
    let version =
        parse_version(read_version(data, syntax).map_err(decode_err)?, "v2").map_err(decode_err)?;
    if file_name == "buf.mod" && version == ConfigVersion::V2 {
        return Err(decode_err(DecodeError::UnsupportedVersion {
            version,
            file_kind: "buf.mod",
        }));
    }
    let invalid = |message: String| decode_err(DecodeError::Invalid(message));
    let mut buf_yaml = match version {
        ConfigVersion::V1Beta1 | ConfigVersion::V1 => {
            let raw: RawV1 = decode_strict(data, syntax).map_err(decode_err)?;
            validate_v1(version, raw).map_err(invalid)?
        }
        ConfigVersion::V2 => {
            let raw: RawV2 = decode_strict(data, syntax).map_err(decode_err)?;
            let mut v2 = validate_v2(raw).map_err(invalid)?;
            mark_timestamp_options(data, &mut v2.plugins);
            v2
        }
    };
    buf_yaml.file_name = file_name.to_string();
    if version == ConfigVersion::V2 {
        check_duplicate_descriptions(&buf_yaml.modules)?;
    }
    Ok(buf_yaml)
}

/// The `--config` flag: a `.yaml`/`.yml`/`.json` path read from disk (relative to `cwd`),
/// otherwise inline data; both tried as JSON, then YAML.
pub fn parse_config_override(value: &str, cwd: &Path) -> Result<BufYaml, ConfigError> {
    let is_file = super::is_config_path(value);
    if is_file {
        let data =
            std::fs::read_to_string(cwd.join(value)).map_err(|e| ConfigError::ReadOverride {
                path: value.to_string(),
                reason: io_reason(&e),
            })?;
        parse_with_name(&data, ".", "buf.yaml", Syntax::JsonThenYaml)
    } else {
        parse_with_name(value, "config file", "buf.yaml", Syntax::JsonThenYaml)
    }
}

fn parse_name(name: Option<&str>) -> Result<Option<ModuleFullName>, String> {
    match name {
        None | Some("") => Ok(None),
        Some(name) => ModuleFullName::parse(name).map(Some),
    }
}

fn parse_deps(deps: &[String]) -> Result<Vec<ModuleRef>, String> {
    let parsed = deps
        .iter()
        .map(|dep| ModuleRef::parse(dep).map_err(|e| format!("invalid dep: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    check_duplicate_names(parsed.iter().map(|dep| &dep.full_name))?;
    Ok(parsed)
}

/// Normalizes a list where an empty entry is `<kind> contained an empty path`.
fn normalize_list(kind: &str, raw: &[String]) -> Result<Vec<String>, String> {
    raw.iter()
        .map(|entry| {
            if entry.is_empty() {
                return Err(format!("{kind} contained an empty path"));
            }
            normalize_and_validate(entry).map_err(|e| e.to_string())
        })
        .collect()
}

fn validate_v1(version: ConfigVersion, raw: RawV1) -> Result<BufYaml, String> {
    let name = parse_name(raw.name.as_deref())?;
    let deps = parse_deps(&raw.deps)?;
    let build = raw.build.unwrap_or_default();
    if version == ConfigVersion::V1 && !build.roots.is_empty() {
        return Err(format!(
            "build.roots cannot be set on version v1: [{}]",
            build.roots.join(" ")
        ));
    }
    let mut roots = normalize_list("root", &build.roots)?;
    if roots.is_empty() {
        roots.push(".".to_string());
    }
    check_no_overlap("root", &roots)?;
    let excludes = normalize_list("exclude", &build.excludes)?;
    check_no_overlap("exclude", &excludes)?;
    for exclude in &excludes {
        if roots.contains(exclude) {
            return Err(format!(
                "{} is both a root and exclude, which means the entire root is excluded, which is not valid",
                quote(exclude)
            ));
        }
        if !roots.iter().any(|root| contains(root, exclude)) {
            return Err(format!(
                "exclude {} is not contained in any root, which is not valid",
                quote(exclude)
            ));
        }
    }
    let lint = resolve_lint_v1(version, &raw.lint.unwrap_or_default())?;
    let breaking = resolve_breaking(version, &raw.breaking.unwrap_or_default(), Scope::V1)?;
    Ok(BufYaml {
        version,
        file_name: String::new(),
        name: name.clone(),
        deps,
        modules: vec![ModuleConfig {
            dir: ".".to_string(),
            name,
            roots,
            includes: Vec::new(),
            excludes,
            lint,
            breaking,
        }],
        plugins: Vec::new(),
        policies: Vec::new(),
    })
}

fn validate_v2(raw: RawV2) -> Result<BufYaml, String> {
    let raw_modules = raw.modules.unwrap_or_default();
    if raw.name.as_deref().is_some_and(|n| !n.is_empty()) && !raw_modules.is_empty() {
        return Err("top-level name key cannot be specified if modules are specified, you must specify the name on each individual module, the top-level name key is only for the default case where you have one module at path \".\".".to_string());
    }
    let top_name = parse_name(raw.name.as_deref())?;
    let top_lint = raw.lint.unwrap_or_default();
    let top_breaking = raw.breaking.unwrap_or_default();
    let mut modules = Vec::new();
    if raw_modules.is_empty() {
        let scope = Scope::V2TopLevel { module_dir: "." };
        modules.push(ModuleConfig {
            dir: ".".to_string(),
            name: top_name.clone(),
            roots: vec![".".to_string()],
            includes: Vec::new(),
            excludes: Vec::new(),
            lint: resolve_lint_v2(&top_lint, scope)?,
            breaking: resolve_breaking(ConfigVersion::V2, &top_breaking, scope)?,
        });
    }
    for raw_module in &raw_modules {
        modules.push(validate_module_v2(raw_module, &top_lint, &top_breaking)?);
    }
    check_duplicate_names(modules.iter().filter_map(|m| m.name.as_ref()))?;
    let deps = parse_deps(&raw.deps)?;
    modules.sort_by(|a, b| a.dir.cmp(&b.dir));
    let plugins = raw
        .plugins
        .unwrap_or_default()
        .into_iter()
        .map(plugin_config)
        .collect::<Result<Vec<_>, _>>()?;
    let policies = raw
        .policies
        .unwrap_or_default()
        .into_iter()
        .map(|p| PolicyConfig {
            policy: p.policy.unwrap_or_default(),
            ignore: p.ignore,
            ignore_only: p.ignore_only,
        })
        .collect();
    Ok(BufYaml {
        version: ConfigVersion::V2,
        file_name: String::new(),
        name: top_name,
        deps,
        modules,
        plugins,
        policies,
    })
}

fn validate_module_v2(
    raw: &RawModuleV2,
    top_lint: &RawLintV2,
    top_breaking: &RawBreaking,
) -> Result<ModuleConfig, String> {
    let dir = normalize_and_validate(raw.path.as_deref().unwrap_or("."))
        .map_err(|e| format!("invalid module path: {e}"))?;
    let name = parse_name(raw.name.as_deref())?;
    let includes = normalize_list("include", &raw.includes)?;
    for include in &includes {
        if *include == dir {
            return Err(format!(
                "include path {} is equal to module directory {}",
                quote(include),
                quote(&dir)
            ));
        }
        if !contains(&dir, include) {
            return Err(format!(
                "include path {} does not reside within module directory {}",
                quote(include),
                quote(&dir)
            ));
        }
    }
    check_no_overlap("include", &includes)?;
    let excludes = raw
        .excludes
        .iter()
        .map(|e| normalize_and_validate(e).map_err(|e| format!("invalid exclude path: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    for exclude in &excludes {
        if *exclude == dir {
            return Err(format!(
                "exclude path {} is equal to module directory {}",
                quote(exclude),
                quote(&dir)
            ));
        }
        if !contains(&dir, exclude) {
            return Err(format!(
                "exclude path {} does not reside within module directory {}",
                quote(exclude),
                quote(&dir)
            ));
        }
    }
    check_no_overlap("exclude", &excludes)?;
    if !includes.is_empty() {
        for exclude in &excludes {
            for include in &includes {
                if include == exclude {
                    return Err(format!(
                        "{} is both an include path and an exclude path",
                        quote(include)
                    ));
                }
                if contains(exclude, include) {
                    return Err(format!(
                        "{} (an include path) is a subdirectory of {} (an exclude path)",
                        quote(include),
                        quote(exclude)
                    ));
                }
            }
            if !includes.iter().any(|include| contains(include, exclude)) {
                return Err(format!(
                    "include paths are specified but {} is not contained within any of them",
                    quote(exclude)
                ));
            }
        }
    }
    let lint = match &raw.lint {
        Some(lint) => resolve_lint_v2(lint, Scope::V2Module { module_dir: &dir })?,
        None => resolve_lint_v2(top_lint, Scope::V2TopLevel { module_dir: &dir })?,
    };
    let breaking = match &raw.breaking {
        Some(breaking) => resolve_breaking(
            ConfigVersion::V2,
            breaking,
            Scope::V2Module { module_dir: &dir },
        )?,
        None => resolve_breaking(
            ConfigVersion::V2,
            top_breaking,
            Scope::V2TopLevel { module_dir: &dir },
        )?,
    };
    Ok(ModuleConfig {
        dir,
        name,
        roots: vec![".".to_string()],
        includes,
        excludes,
        lint,
        breaking,
    })
}

pub(crate) fn plugin_config(raw: RawPlugin) -> Result<CheckPluginConfig, String> {
    let go_type = |value: &serde_json::Value| match value {
        serde_json::Value::Object(_) => "map[string]interface {}",
        serde_json::Value::Array(_) => "[]interface {}",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        serde_json::Value::Number(_) => "float64",
        _ => "interface {}",
    };
    let (plugin, args) = match &raw.plugin {
        None | Some(serde_json::Value::Null) => {
            return Err("must specify a path to the plugin".to_string());
        }
        Some(serde_json::Value::Array(items)) => {
            // Every element must be a string, as buf's []string conversion
            // requires.
            let element = |item: &serde_json::Value| match item {
                serde_json::Value::String(s) => Ok(s.clone()),
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                    Err("could not convert element int to a string".to_string())
                }
                serde_json::Value::Number(_) => {
                    Err("could not convert element float64 to a string".to_string())
                }
                serde_json::Value::Bool(_) => {
                    Err("could not convert element bool to a string".to_string())
                }
                other => Err(format!(
                    "could not convert element {} to a string",
                    go_type(other)
                )),
            };
            let mut words = items
                .iter()
                .map(element)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter();
            let Some(first) = words.next() else {
                return Err("must specify a path to the plugin".to_string());
            };
            (first, words.collect())
        }
        Some(serde_json::Value::String(s)) => (s.clone(), Vec::new()),
        Some(value) => {
            return Err(format!(
                "could not interpret {} as string or string slice",
                go_type(value)
            ));
        }
    };
    if plugin.is_empty() {
        return Err("must specify a name to the plugin".to_string());
    }
    let options = raw.options.unwrap_or_default();
    if options.values().any(serde_json::Value::is_null) {
        return Err("must specify option value".to_string());
    }
    Ok(CheckPluginConfig {
        plugin,
        args,
        options,
        timestamp_options: Vec::new(),
    })
}

/// Marks the options of `plugins` whose string value is written in `data`
/// as a plain (unquoted) YAML timestamp. YAML parsers here give such a
/// scalar as a string; yaml.v3, which buf uses, gives a time.
pub(crate) fn mark_timestamp_options(data: &str, plugins: &mut [CheckPluginConfig]) {
    for p in plugins {
        for (key, value) in &p.options {
            let serde_json::Value::String(text) = value else {
                continue;
            };
            let plain = data.lines().any(|line| {
                let line = line.trim_start().trim_start_matches("- ");
                line.strip_prefix(key.as_str())
                    .and_then(|rest| rest.trim_start().strip_prefix(':'))
                    .is_some_and(|rest| rest.trim() == text)
            }) || data.contains(&format!("{key}: {text}"));
            if plain && is_yaml_timestamp(text) {
                p.timestamp_options.push(key.clone());
            }
        }
    }
}

/// yaml.v3's timestamp forms: a date (`2006-1-2`), optionally followed by
/// `T`, `t` or a space and a time.
fn is_yaml_timestamp(s: &str) -> bool {
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let date_ok = parts.len() == 3
        && digits(parts[0], 4, 4)
        && digits(parts[1], 1, 2)
        && digits(parts[2], 1, 2);
    date_ok
        && time.is_none_or(|t| {
            let hms: Vec<&str> = t.split(':').collect();
            hms.len() >= 3 && digits(hms[0], 1, 2) && digits(hms[1], 1, 2)
        })
}

fn check_duplicate_descriptions(modules: &[ModuleConfig]) -> Result<(), ConfigError> {
    let mut seen: Vec<(&str, Vec<&String>, Vec<&String>)> = Vec::new();
    for module in modules {
        let mut includes: Vec<&String> = module.includes.iter().collect();
        includes.sort();
        let mut excludes: Vec<&String> = module.excludes.iter().collect();
        excludes.sort();
        let key = (module.dir.as_str(), includes, excludes);
        if seen.contains(&key) {
            return Err(ConfigError::DuplicateModuleDescription(
                module.description(),
            ));
        }
        seen.push(key);
    }
    Ok(())
}
