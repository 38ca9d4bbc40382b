//! The two-pass decode shared by every config file: a lenient pass that reads only
//! `version`, then a strict pass into the version's schema (unknown keys rejected).
//! Errors are reworded to match buf's go-yaml/encoding-json messages.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::collections::BTreeMap;
use std::fmt;

use super::{ConfigVersion, DecodeError};

/// Which syntaxes to accept: files on disk are YAML only; `--config` data is JSON, then YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    JsonThenYaml,
}

/// First pass: the `version` key as text, `None` when missing or empty.
pub fn read_version(data: &str, syntax: Syntax) -> Result<Option<String>, DecodeError> {
    let yaml = || -> Result<Option<String>, DecodeError> {
        let value: serde_norway::Value =
            serde_norway::from_str(data).map_err(|e| yaml_error(&e, data))?;
        version_from_yaml(&value)
    };
    match syntax {
        Syntax::Yaml => yaml(),
        Syntax::JsonThenYaml => match serde_json::from_str::<serde_json::Value>(data) {
            Ok(value) => version_from_json(&value),
            Err(json_err) => yaml().map_err(|yaml_err| DecodeError::JsonAndYaml {
                json: json_message(&json_err, data),
                yaml: yaml_err.to_string(),
            }),
        },
    }
}

fn version_from_yaml(value: &serde_norway::Value) -> Result<Option<String>, DecodeError> {
    use serde_norway::Value;
    let version = match value {
        Value::Null => return Ok(None),
        Value::Mapping(map) => match map.get("version") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(other) => {
                return Err(DecodeError::Unmarshal(vec![(
                    1,
                    format!("cannot unmarshal {} into string", yaml_tag(other)),
                )]));
            }
        },
        other => {
            return Err(DecodeError::Unmarshal(vec![(
                1,
                format!(
                    "cannot unmarshal {} into bufconfig.externalFileVersion",
                    yaml_tag(other)
                ),
            )]));
        }
    };
    Ok(Some(version).filter(|v| !v.is_empty()))
}

fn version_from_json(value: &serde_json::Value) -> Result<Option<String>, DecodeError> {
    use serde_json::Value;
    let version = match value {
        Value::Null => return Ok(None),
        Value::Object(map) => match map.get("version") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(_) => {
                return Err(DecodeError::Other(
                    "json: cannot unmarshal into Go struct field externalFileVersion.version of type string"
                        .to_string(),
                ));
            }
        },
        _ => {
            return Err(DecodeError::Other(
                "json: cannot unmarshal into Go value of type bufconfig.externalFileVersion"
                    .to_string(),
            ));
        }
    };
    Ok(Some(version).filter(|v| !v.is_empty()))
}

fn yaml_tag(value: &serde_norway::Value) -> String {
    use serde_norway::Value;
    match value {
        Value::Null => "!!null".to_string(),
        Value::Bool(b) => format!("!!bool `{b}`"),
        Value::Number(n) if n.is_f64() => format!("!!float `{n}`"),
        Value::Number(n) => format!("!!int `{n}`"),
        Value::String(s) => format!("!!str `{s}`"),
        Value::Sequence(_) => "!!seq".to_string(),
        Value::Mapping(_) => "!!map".to_string(),
        Value::Tagged(_) => "!!tagged".to_string(),
    }
}

/// Parses the version string, with buf's messages for missing and unknown versions.
pub fn parse_version(
    version: Option<String>,
    suggestion: &str,
) -> Result<ConfigVersion, DecodeError> {
    match version.as_deref() {
        None => Err(DecodeError::VersionNotSet {
            suggestion: suggestion.to_string(),
        }),
        Some("v1beta1") => Ok(ConfigVersion::V1Beta1),
        Some("v1") => Ok(ConfigVersion::V1),
        Some("v2") => Ok(ConfigVersion::V2),
        Some(other) => Err(DecodeError::UnknownVersion(other.to_string())),
    }
}

/// Second pass: the whole document into `T`, whose structs deny unknown fields.
pub fn decode_strict<T: DeserializeOwned>(data: &str, syntax: Syntax) -> Result<T, DecodeError> {
    let yaml = || serde_norway::from_str::<T>(data).map_err(|e| yaml_error(&e, data));
    match syntax {
        Syntax::Yaml => yaml(),
        Syntax::JsonThenYaml => match serde_json::from_str::<T>(data) {
            Ok(value) => Ok(value),
            Err(json_err) => yaml().map_err(|yaml_err| DecodeError::JsonAndYaml {
                json: json_message(&json_err, data),
                yaml: yaml_err.to_string(),
            }),
        },
    }
}

fn json_message(err: &serde_json::Error, data: &str) -> String {
    let text = strip_location(&err.to_string());
    if let Some(field) = unknown_field(&text) {
        return format!("json: unknown field \"{field}\"");
    }
    if err.is_eof() {
        return "unexpected EOF".to_string();
    }
    if err.is_syntax() {
        let found = data
            .lines()
            .nth(err.line().saturating_sub(1))
            .and_then(|line| line.chars().nth(err.column().saturating_sub(1)));
        let context = if text.starts_with("expected value") {
            "looking for beginning of value"
        } else if text.starts_with("key must be a string") {
            "looking for beginning of object key string"
        } else {
            "after top-level value"
        };
        return match found {
            Some(c) => format!("invalid character '{c}' {context}"),
            None => text,
        };
    }
    // Our leaf deserializers word type errors for YAML; say them the JSON way.
    if let Some(rest) = text.strip_prefix("cannot unmarshal !!") {
        let (tag, target) = rest.split_once(" into ").unwrap_or((rest, ""));
        let kind = match tag.split(' ').next().unwrap_or_default() {
            "str" => "string",
            "int" | "float" => "number",
            "bool" => "bool",
            "seq" => "array",
            "map" => "object",
            other => other,
        };
        return format!("json: cannot unmarshal {kind} into Go value of type {target}");
    }
    format!("json: {text}")
}

/// Rewords a serde_norway error as go-yaml would print it.
fn yaml_error(err: &serde_norway::Error, data: &str) -> DecodeError {
    let line = err.location().map_or(1, |l| l.line());
    let full = err.to_string();
    let text = strip_location(&full);
    let text = strip_path_prefix(&text);
    if let Some(field) = unknown_field(text) {
        return DecodeError::Unmarshal(vec![(line, format!("field {field} not found"))]);
    }
    if let Some(key) = duplicate_key(text) {
        return duplicate_key_error(data, &key, line);
    }
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        return DecodeError::Unmarshal(vec![(line, reword_invalid_type(rest))]);
    }
    if text.starts_with("cannot unmarshal") {
        return DecodeError::Unmarshal(vec![(line, text.to_string())]);
    }
    libyaml_error(&full)
}

fn duplicate_key(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("duplicate field `") {
        return rest.split('`').next().map(str::to_string);
    }
    let rest = text.strip_prefix("duplicate entry with key \"")?;
    rest.split('"').next().map(str::to_string)
}

/// go-yaml names the line of the first definition; find both in the source text.
fn duplicate_key_error(data: &str, key: &str, fallback_line: usize) -> DecodeError {
    let spellings = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    let mut lines = data.lines().enumerate().filter(|(_, text)| {
        let text = text.trim_start().trim_start_matches("- ");
        spellings.iter().any(|s| text.starts_with(s.as_str()))
    });
    let first = lines.next().map(|(i, _)| i + 1);
    let second = lines.next().map(|(i, _)| i + 1);
    match (first, second) {
        (Some(first), Some(second)) => DecodeError::Unmarshal(vec![(
            second,
            format!("mapping key \"{key}\" already defined at line {first}"),
        )]),
        _ => DecodeError::Unmarshal(vec![(
            fallback_line,
            format!("mapping key \"{key}\" already defined"),
        )]),
    }
}

/// A libyaml scanner/parser error, numbered as go-yaml numbers it: the context line when
/// there is one, else the problem line, both 0-based, plus one for scanner errors only;
/// no line at all when that is 0.
pub(crate) fn libyaml_error(full: &str) -> DecodeError {
    let (problem, context) = match full.split_once(", while ") {
        Some((problem, context)) => (problem, Some(context)),
        None => (full, None),
    };
    let mark_line = |text: &str| -> Option<usize> {
        let rest = text.rsplit_once(" at line ")?.1;
        rest.split(' ').next()?.parse::<usize>().ok()
    };
    let message = problem
        .rsplit_once(" at line ")
        .map_or(problem, |(message, _)| message);
    let is_scanner =
        context.is_some_and(|c| c.starts_with("scanning")) || message.starts_with("found ");
    let context_line = context.and_then(mark_line).map(|l| l.saturating_sub(1));
    let problem_line = mark_line(problem).map(|l| l.saturating_sub(1));
    let line = match (context_line, problem_line) {
        (Some(l), _) if l != 0 => l,
        (_, Some(l)) if l != 0 => l,
        _ => 0,
    };
    let line = if line != 0 && is_scanner {
        line + 1
    } else {
        line
    };
    DecodeError::Syntax {
        line: (line != 0).then_some(line),
        message: message.to_string(),
    }
}

pub(crate) fn strip_location(text: &str) -> String {
    match text.rfind(" at line ") {
        Some(index)
            if text.get(index + 9..).is_some_and(|rest| {
                rest.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
            }) =>
        {
            text.get(..index).unwrap_or(text).to_string()
        }
        _ => text.to_string(),
    }
}

fn strip_path_prefix(text: &str) -> &str {
    match text.split_once(' ') {
        Some((first, rest)) if first.ends_with(':') && first.len() > 1 => rest,
        _ => text,
    }
}

fn unknown_field(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn reword_invalid_type(rest: &str) -> String {
    // rest: `string "x", expected a sequence`
    let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
    let tag = if let Some(s) = found.strip_prefix("string ") {
        format!("!!str `{}`", s.trim_matches('"'))
    } else if let Some(s) = found.strip_prefix("integer ") {
        format!("!!int `{}`", s.trim_matches('`'))
    } else if let Some(s) = found.strip_prefix("floating point ") {
        format!("!!float `{}`", s.trim_matches('`'))
    } else if let Some(s) = found.strip_prefix("boolean ") {
        format!("!!bool `{}`", s.trim_matches('`'))
    } else if found == "sequence" {
        "!!seq".to_string()
    } else if found == "map" {
        "!!map".to_string()
    } else {
        found.to_string()
    };
    let go_struct = expected.strip_prefix("struct ").map(|name| match name {
        "RawLintV1" => "bufconfig.externalBufYAMLFileLintV1Beta1V1",
        "RawLintV2" => "bufconfig.externalBufYAMLFileLintV2",
        "RawBreaking" => "bufconfig.externalBufYAMLFileBreakingV1Beta1V1",
        "RawBuild" => "bufconfig.externalBufYAMLFileBuildV1Beta1V1",
        "RawModuleV2" => "bufconfig.externalBufYAMLFileModuleV2",
        "RawPlugin" => "bufconfig.externalBufYAMLFilePluginV2",
        "RawPolicy" => "bufconfig.externalBufYAMLFilePolicyV2",
        _ => "struct",
    });
    let target = if let Some(go_struct) = go_struct {
        go_struct
    } else if expected.contains("sequence") {
        "[]string"
    } else if expected.contains("string") {
        "string"
    } else if expected.contains("bool") {
        "bool"
    } else if expected.starts_with("struct ") || expected.contains("map") {
        "map"
    } else {
        expected
    };
    format!("cannot unmarshal {tag} into {target}")
}

// ---- lenient leaf deserializers: go-yaml turns scalars into strings and accepts the
// YAML 1.1 booleans, and a null list is an empty list.

struct StringVisitor(&'static str);

impl<'de> Visitor<'de> for StringVisitor {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
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
        Err(de::Error::custom("cannot unmarshal !!seq into string"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!map into string"))
    }
}

/// A scalar as a string; null is `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StringVisitor("a string"))
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
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
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!str `{v}` into []string"
        )))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!int `{v}` into []string"
        )))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!int `{v}` into []string"
        )))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!float `{v}` into []string"
        )))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!bool `{v}` into []string"
        )))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!map into []string"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<ListItem>()? {
            out.push(item.0);
        }
        Ok(out)
    }
}

struct ListItem(String);

impl<'de> de::Deserialize<'de> for ListItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = d.deserialize_any(StringVisitor("a string"))?;
        Ok(ListItem(value.unwrap_or_default()))
    }
}

/// A list of scalars as strings; null is empty.
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    d.deserialize_any(ListVisitor)
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(false)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
                Ok(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False"
            | "FALSE" => Ok(false),
            other => Err(E::custom(format!(
                "cannot unmarshal !!str `{other}` into bool"
            ))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Err(E::custom(format!("cannot unmarshal !!int `{v}` into bool")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(E::custom(format!("cannot unmarshal !!int `{v}` into bool")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!float `{v}` into bool"
        )))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!seq into bool"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom("cannot unmarshal !!map into bool"))
    }
}

/// A boolean, accepting YAML 1.1 spellings (`yes`, `off`, ...); null is false.
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(BoolVisitor)
}

struct ListMapVisitor;

impl<'de> Visitor<'de> for ListMapVisitor {
    type Value = BTreeMap<String, Vec<String>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of lists")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "cannot unmarshal !!str `{v}` into map[string][]string"
        )))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(
            "cannot unmarshal !!seq into map[string][]string",
        ))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<ListItem>()? {
            let value = map.next_value::<ListValue>()?;
            out.insert(key.0, value.0);
        }
        Ok(out)
    }
}

struct ListValue(Vec<String>);

impl<'de> de::Deserialize<'de> for ListValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ListValue(d.deserialize_any(ListVisitor)?))
    }
}

/// A map from strings to lists of strings (`ignore_only`); null is empty.
pub fn list_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    d.deserialize_any(ListMapVisitor)
}
