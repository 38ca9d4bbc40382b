//! The plugin parameter (`--buf-lint_opt=...`): JSON, else YAML, decoded
//! strictly into buf's `externalConfig` keys, with buf's messages.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::config::Syntax;
use crate::config::decode::decode_strict;

use super::{Plugin, PluginError};

/// Everything either plugin takes; keys the plugin does not know were
/// refused while decoding.
#[derive(Debug, Default)]
pub struct Param {
    /// `input_config` as buf passes it on: a JSON string's value, or the
    /// raw JSON of anything else (an inline object). Empty: buf.yaml in `.`.
    pub input_config: String,
    pub module: String,
    pub error_format: String,
    pub log_level: String,
    pub log_format: String,
    /// Zero: buf's default of 10 s.
    pub timeout: Duration,
    pub plugin_overrides: BTreeMap<String, String>,
    pub against_input: String,
    pub limit_to_input_files: bool,
    pub exclude_imports: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LintParam {
    input_config: Option<serde_json::Value>,
    module: Option<String>,
    log_level: Option<String>,
    log_format: Option<String>,
    error_format: Option<String>,
    timeout: Option<serde_json::Value>,
    plugin_overrides: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BreakingParam {
    against_input: Option<String>,
    /// Never used by buf; accepted so strict decoding keeps old callers.
    #[allow(dead_code)]
    against_input_config: Option<serde_json::Value>,
    input_config: Option<serde_json::Value>,
    module: Option<String>,
    limit_to_input_files: Option<bool>,
    exclude_imports: Option<bool>,
    log_level: Option<String>,
    log_format: Option<String>,
    error_format: Option<String>,
    timeout: Option<serde_json::Value>,
    plugin_overrides: Option<BTreeMap<String, String>>,
}

/// Decodes the parameter for `plugin`, then checks what buf checks before
/// any work: `against_input` (breaking), the log level and format.
pub fn parse(plugin: Plugin, text: &str) -> Result<Param, PluginError> {
    let decode_error = |e: crate::config::DecodeError| PluginError::Parameter(e.to_string());
    // An empty parameter is no configuration at all.
    let empty = text.is_empty();
    let (mut param, log_level, log_format) = match plugin {
        Plugin::Lint => {
            let raw: LintParam = if empty {
                LintParam::default()
            } else {
                decode_strict(text, Syntax::JsonThenYaml).map_err(decode_error)?
            };
            let param = Param {
                input_config: config_text(raw.input_config),
                module: raw.module.unwrap_or_default(),
                error_format: raw.error_format.unwrap_or_default(),
                timeout: timeout(raw.timeout)?,
                plugin_overrides: raw.plugin_overrides.unwrap_or_default(),
                ..Param::default()
            };
            (param, raw.log_level, raw.log_format)
        }
        Plugin::Breaking => {
            let raw: BreakingParam = if empty {
                BreakingParam::default()
            } else {
                decode_strict(text, Syntax::JsonThenYaml).map_err(decode_error)?
            };
            let param = Param {
                input_config: config_text(raw.input_config),
                module: raw.module.unwrap_or_default(),
                error_format: raw.error_format.unwrap_or_default(),
                timeout: timeout(raw.timeout)?,
                plugin_overrides: raw.plugin_overrides.unwrap_or_default(),
                against_input: raw.against_input.unwrap_or_default(),
                limit_to_input_files: raw.limit_to_input_files.unwrap_or_default(),
                exclude_imports: raw.exclude_imports.unwrap_or_default(),
                ..Param::default()
            };
            if param.against_input.is_empty() {
                return Err(PluginError::AgainstInputRequired);
            }
            (param, raw.log_level, raw.log_format)
        }
    };
    let log_level = log_level.unwrap_or_default();
    if !matches!(log_level.as_str(), "" | "debug" | "info" | "warn" | "error") {
        return Err(PluginError::Parameter(format!(
            "unknown log level [debug,info,warn,error]: {}",
            crate::check::naming::go_quote(&log_level)
        )));
    }
    let log_format = log_format.unwrap_or_default();
    if !matches!(log_format.as_str(), "" | "text" | "color" | "json") {
        return Err(PluginError::Parameter(format!(
            "unknown log format [text,color,json]: {}",
            crate::check::naming::go_quote(&log_format)
        )));
    }
    param.log_level = log_level;
    param.log_format = log_format;
    if param.timeout.is_zero() {
        param.timeout = Duration::from_secs(10);
    }
    Ok(param)
}

/// buf's `GetJSONStringOrStringValue`: a JSON string's contents, else the
/// value's JSON text.
fn config_text(value: Option<serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

/// `timeout`, a Go `time.Duration`: nanoseconds as a JSON number, or a
/// duration string (`1ms`, `1m30s`) in YAML.
fn timeout(value: Option<serde_json::Value>) -> Result<Duration, PluginError> {
    let bad = |v: &serde_json::Value| {
        PluginError::Parameter(format!(
            "json: cannot unmarshal {v} into Go struct field externalConfig.timeout of type time.Duration"
        ))
    };
    match value {
        None | Some(serde_json::Value::Null) => Ok(Duration::ZERO),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(ns) => Ok(Duration::from_nanos(u64::try_from(ns).unwrap_or(0))),
            None => Err(bad(&serde_json::Value::Number(n))),
        },
        Some(serde_json::Value::String(s)) => {
            go_duration(&s).ok_or_else(|| bad(&serde_json::Value::String(s)))
        }
        Some(other) => Err(bad(&other)),
    }
}

/// Go's `time.ParseDuration` for non-negative values.
fn go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest.get(..number_len)?.parse().ok()?;
        rest = rest.get(number_len..)?;
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match rest.get(..unit_len)? {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = rest.get(unit_len..)?;
        total += number * unit;
    }
    Some(Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(plugin: Plugin, text: &str) -> String {
        parse(plugin, text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_reports_json_then_yaml_as_buf_does() {
        assert_eq!(
            error(Plugin::Lint, r#"{"foo":1}"#),
            "json: unknown field \"foo\"\nyaml: unmarshal errors:\n  line 1: field foo not found"
        );
    }

    #[test]
    fn breaking_keys_are_unknown_to_lint() {
        assert!(error(Plugin::Lint, r#"{"exclude_imports":true}"#).contains("exclude_imports"));
    }

    #[test]
    fn breaking_needs_against_input() {
        assert_eq!(
            error(Plugin::Breaking, "{}"),
            "\"against_input\" is required"
        );
    }

    #[test]
    fn input_config_object_passes_on_as_json_text() -> Result<(), PluginError> {
        let p = parse(Plugin::Lint, r#"{"input_config":{"version":"v2"}}"#)?;
        assert_eq!(p.input_config, r#"{"version":"v2"}"#);
        let p = parse(Plugin::Lint, r#"{"input_config":"buf.yaml"}"#)?;
        assert_eq!(p.input_config, "buf.yaml");
        Ok(())
    }

    #[test]
    fn timeouts_read_as_go_durations() -> Result<(), PluginError> {
        assert_eq!(
            parse(Plugin::Lint, r#"{"timeout":1}"#)?.timeout,
            Duration::from_nanos(1)
        );
        assert_eq!(
            parse(Plugin::Lint, "timeout: 1m30s")?.timeout,
            Duration::from_secs(90)
        );
        assert_eq!(parse(Plugin::Lint, "")?.timeout, Duration::from_secs(10));
        Ok(())
    }
}
