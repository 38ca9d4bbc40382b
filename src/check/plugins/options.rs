//! A plugin's buf.yaml `options:` as the `buf.plugin.option.v1.Option`s
//! sent with Check, with buf's checks (buf-check-plugins.md §2.4): zero,
//! false, empty strings and empty lists are refused, list items must share
//! a type, maps are refused. The errors are the text after
//! `could not parse options for plugin "<name>": `.

use std::collections::BTreeMap;

use super::rpc::{ListValue, OptionValue, PluginOption, option_value::Kind};
use crate::config::CheckPluginConfig;

/// The options in key order (buf sends them in a random order).
pub fn to_options(config: &CheckPluginConfig) -> Result<Vec<PluginOption>, String> {
    if !config.timestamp_options.is_empty() {
        return Err("invalid option value: unhandled type time.Time".into());
    }
    values(&config.options)
}

fn values(options: &BTreeMap<String, serde_json::Value>) -> Result<Vec<PluginOption>, String> {
    options
        .iter()
        .map(|(key, value)| {
            Ok(PluginOption {
                key: key.clone(),
                value: Some(to_value(value).map_err(|e| format!("invalid option value: {e}"))?),
            })
        })
        .collect()
}

/// What buf only refuses when it sends the options with Check: a list of
/// maps passes its parsing, then cannot be converted.
pub fn check_time_error(options: &BTreeMap<String, serde_json::Value>) -> Option<String> {
    options.values().find_map(|v| match v {
        serde_json::Value::Array(items) if items.iter().any(serde_json::Value::is_object) => {
            Some("invalid type for Options value map[string]interface {}".to_string())
        }
        _ => None,
    })
}

fn to_value(v: &serde_json::Value) -> Result<OptionValue, String> {
    use serde_json::Value;
    let kind = match v {
        Value::Bool(true) => Kind::BoolValue(true),
        Value::Bool(false) => return Err("bool must be true".into()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i == 0 {
                    return Err("int must be non-zero".into());
                }
                Kind::Int64Value(i)
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f == 0.0 {
                    return Err("float must be non-zero".into());
                }
                Kind::DoubleValue(f)
            }
        }
        Value::String(s) if s.is_empty() => return Err("string must be non-empty".into()),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(items) if items.is_empty() => return Err("slice must be non-empty".into()),
        Value::Array(items) => {
            let first = go_type(&items[0]);
            if let Some(other) = items.iter().map(go_type).find(|t| *t != first) {
                return Err(format!(
                    "slice must have values of the same type but detected types {first} and {other}"
                ));
            }
            // A list of maps is refused later, when Check is sent
            // (check_time_error); it is not a value until then.
            if first == "map[string]interface {}" {
                return Ok(OptionValue { kind: None });
            }
            let values = items.iter().map(to_value).collect::<Result<_, _>>()?;
            Kind::ListValue(ListValue { values })
        }
        Value::Object(_) => return Err("unhandled type map[string]interface {}".into()),
        Value::Null => return Err("must specify option value".into()),
    };
    Ok(OptionValue { kind: Some(kind) })
}

/// The Go type name yaml.v3 would decode the value into.
fn go_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
        Value::Null => "<nil>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: serde_json::Value) -> Result<Vec<PluginOption>, String> {
        values(&BTreeMap::from([("k".to_string(), v)]))
    }

    #[test]
    fn values_become_option_values() {
        let got = one(serde_json::json!([1, 2])).unwrap();
        let Some(Kind::ListValue(list)) = got[0].value.as_ref().and_then(|v| v.kind.clone()) else {
            panic!("{got:?}");
        };
        assert_eq!(list.values.len(), 2);
        assert!(one(serde_json::json!("hello")).is_ok());
        assert!(one(serde_json::json!(1.5)).is_ok());
    }

    #[test]
    fn bufs_refusals() {
        let err = |v| one(v).unwrap_err();
        assert_eq!(
            err(serde_json::json!(false)),
            "invalid option value: bool must be true"
        );
        assert_eq!(
            err(serde_json::json!(0)),
            "invalid option value: int must be non-zero"
        );
        assert_eq!(
            err(serde_json::json!("")),
            "invalid option value: string must be non-empty"
        );
        assert_eq!(
            err(serde_json::json!([])),
            "invalid option value: slice must be non-empty"
        );
        assert_eq!(
            err(serde_json::json!([1, "a"])),
            "invalid option value: slice must have values of the same type but detected types int and string"
        );
        assert_eq!(
            err(serde_json::json!({"x": 1})),
            "invalid option value: unhandled type map[string]interface {}"
        );
    }
}
