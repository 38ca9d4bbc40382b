//! Policy files (buf.yaml v2 `policies:` entries that name a local file):
//! a lint and a breaking section and check plugins of their own, read as
//! buf reads them (buf-check-plugins.md §4.2): JSON, then YAML, unknown
//! keys refused, only `version: v2`.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::buf_yaml::{RawPlugin, mark_timestamp_options, plugin_config};
use super::decode::{Syntax, decode_strict, lenient_bool, opt_string, read_version, string_list};
use super::{BreakingConfig, CheckPluginConfig, ConfigVersion, LintConfig, PolicyConfig};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyFile {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<IgnoredAny>,
    #[serde(default)]
    lint: Option<RawLint>,
    #[serde(default)]
    breaking: Option<RawBreaking>,
    #[serde(default)]
    plugins: Option<Vec<RawPlugin>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLint {
    #[serde(default, rename = "use", deserialize_with = "string_list")]
    use_rules: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    except: Vec<String>,
    #[serde(default, deserialize_with = "opt_string")]
    enum_zero_value_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    rpc_allow_same_request_response: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    rpc_allow_google_protobuf_empty_requests: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    rpc_allow_google_protobuf_empty_responses: bool,
    #[serde(default, deserialize_with = "opt_string")]
    service_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    disable_builtin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreaking {
    #[serde(default, rename = "use", deserialize_with = "string_list")]
    use_rules: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    except: Vec<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    ignore_unstable_packages: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    disable_builtin: bool,
}

/// One policy's run configuration: its sections, with buf.yaml's
/// `ignore`/`ignore_only` for the policy (image paths) and no comment
/// ignores, and its plugins.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The `policy:` string exactly as written.
    pub name: String,
    pub lint: LintConfig,
    pub breaking: BreakingConfig,
    pub plugins: Vec<CheckPluginConfig>,
}

/// Reads the policy file `entry` names, relative to `cwd` as buf reads it.
/// Errors are the text after `Failure: `.
pub fn read(entry: &PolicyConfig, cwd: &std::path::Path) -> Result<Policy, String> {
    let name = entry.policy.as_str();
    let data = std::fs::read_to_string(cwd.join(name)).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => super::io_reason(&e),
        };
        format!("could not read local policy config \"{name}\": open {name}: {reason}")
    })?;
    parse(entry, &data)
        .map_err(|e| format!("could not read policy file \"{name}\": decode {name}: {e}"))
}

fn parse(entry: &PolicyConfig, data: &str) -> Result<Policy, String> {
    // buf reads the file with a JSON decoder, then a YAML one: an empty
    // document is `EOF` to the YAML decoder (and to the JSON one when there
    // is only whitespace); zero bytes are a config with no version.
    if data.is_empty() {
        return Err("unknown file version: \"\"".into());
    }
    let yaml_empty = serde_norway::from_str::<serde_norway::Value>(data).is_ok_and(|v| v.is_null());
    if yaml_empty {
        let json = match data.trim_start().chars().next() {
            None => "EOF".to_string(),
            Some(c) => format!("invalid character '{c}' looking for beginning of value"),
        };
        return Err(format!("{json}\nEOF"));
    }
    let version = read_version(data, Syntax::JsonThenYaml).map_err(|e| e.to_string())?;
    match version.as_deref() {
        Some("v2") => {}
        Some(v @ ("v1" | "v1beta1")) => {
            return Err(format!("{v} is not supported for {} files", entry.policy));
        }
        other => {
            return Err(format!(
                "unknown file version: {}",
                super::path::quote(other.unwrap_or(""))
            ));
        }
    }
    let raw: RawPolicyFile =
        decode_strict(data, Syntax::JsonThenYaml).map_err(|e| e.to_string())?;
    let mut plugins = Vec::new();
    for p in raw.plugins.unwrap_or_default() {
        plugins.push(plugin_config(p)?);
    }
    mark_timestamp_options(data, &mut plugins);
    for config in &plugins {
        crate::check::plugins::options::to_options(config)
            .map_err(|e| format!("invalid plugin options: {e}"))?;
    }
    let l = raw.lint.unwrap_or_default();
    let mut lint = LintConfig::new(ConfigVersion::V2);
    lint.use_rules = l.use_rules;
    lint.except = l.except;
    lint.set_suffixes(&l.enum_zero_value_suffix, &l.service_suffix);
    lint.rpc_allow_same_request_response = l.rpc_allow_same_request_response;
    lint.rpc_allow_google_protobuf_empty_requests = l.rpc_allow_google_protobuf_empty_requests;
    lint.rpc_allow_google_protobuf_empty_responses = l.rpc_allow_google_protobuf_empty_responses;
    lint.disable_builtin = l.disable_builtin;
    lint.disallow_comment_ignores = true;
    lint.ignore = entry.ignore.clone();
    lint.ignore_only = entry.ignore_only.clone();
    let b = raw.breaking.unwrap_or_default();
    let mut breaking = BreakingConfig::new(ConfigVersion::V2);
    breaking.use_rules = b.use_rules;
    breaking.except = b.except;
    breaking.ignore_unstable_packages = b.ignore_unstable_packages;
    breaking.disable_builtin = b.disable_builtin;
    breaking.ignore = entry.ignore.clone();
    breaking.ignore_only = entry.ignore_only.clone();
    Ok(Policy {
        name: entry.policy.clone(),
        lint,
        breaking,
        plugins,
    })
}

/// Every policy of the workspace, read in order; a name given twice is
/// refused first, as buf refuses it.
pub fn read_all(entries: &[PolicyConfig], cwd: &std::path::Path) -> Result<Vec<Policy>, String> {
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        if !seen.insert(e.policy.as_str()) {
            return Err(format!(
                "failed to validate policy names in policy configs: duplicate key: {}",
                e.policy
            ));
        }
    }
    entries.iter().map(|e| read(e, cwd)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn entry() -> PolicyConfig {
        PolicyConfig {
            policy: "p.yaml".into(),
            ignore: vec!["a/v1/b.proto".into()],
            ignore_only: BTreeMap::new(),
        }
    }

    #[test]
    fn sections_and_plugins() {
        let p = parse(
            &entry(),
            "version: v2\nlint:\n  use: [FIELD_LOWER_SNAKE_CASE]\n  disable_builtin: true\n\
             plugins:\n  - plugin: [x, --a]\n    options: {n: 2}\n",
        )
        .unwrap();
        assert_eq!(p.lint.use_rules, ["FIELD_LOWER_SNAKE_CASE"]);
        assert!(p.lint.disable_builtin && !p.lint.comment_ignores_allowed());
        assert_eq!(p.lint.ignore, ["a/v1/b.proto"]);
        assert!(p.breaking.use_rules.is_empty());
        assert_eq!(p.plugins[0].plugin, "x");
        assert_eq!(p.plugins[0].args, ["--a"]);
    }

    #[test]
    fn bufs_errors() {
        let err = |data: &str| parse(&entry(), data).unwrap_err();
        assert_eq!(err(""), "unknown file version: \"\"");
        assert_eq!(err("\n"), "EOF\nEOF");
        assert_eq!(
            err("# c\n"),
            "invalid character '#' looking for beginning of value\nEOF"
        );
        assert_eq!(err("lint: {}\n"), "unknown file version: \"\"");
        assert_eq!(err("version: v1\n"), "v1 is not supported for p.yaml files");
        assert_eq!(
            err("version: v2\nbogus: 1\n"),
            "invalid character 'v' looking for beginning of value\nyaml: unmarshal errors:\n  \
             line 2: field bogus not found"
        );
        assert_eq!(
            err("version: v2\nplugins:\n  - plugin: x\n    options: {a: false}\n"),
            "invalid plugin options: invalid option value: bool must be true"
        );
    }
}
