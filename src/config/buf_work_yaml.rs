//! buf.work.yaml (and legacy buf.work): the v1 list of module directories.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::decode::{Syntax, decode_strict, parse_version, read_version, string_list};
use super::path::{contains, normalize_and_validate, quote};
use super::{ConfigError, ConfigVersion, DecodeError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWork {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "string_list")]
    directories: Vec<String>,
}

/// A validated buf.work.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufWorkYaml {
    /// Which file it came from (`buf.work.yaml` or `buf.work`).
    pub file_name: String,
    /// Normalized module directories, relative to the file, in the order written.
    pub directories: Vec<String>,
}

/// Parses and validates a buf.work.yaml; `file` is the path shown in messages.
pub fn parse_buf_work_yaml(data: &str, file: &str) -> Result<BufWorkYaml, ConfigError> {
    let decode_err = |error: DecodeError| ConfigError::Decode {
        file: file.to_string(),
        error,
    };
    let file_name = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("buf.work.yaml")
        .to_string();
    let version = parse_version(read_version(data, Syntax::Yaml).map_err(decode_err)?, "v1")
        .map_err(decode_err)?;
    if version != ConfigVersion::V1 {
        return Err(decode_err(DecodeError::UnsupportedVersion {
            version,
            file_kind: "buf.work.yaml",
        }));
    }
    let raw: RawWork = decode_strict(data, Syntax::Yaml).map_err(decode_err)?;
    let directories =
        validate(&raw.directories).map_err(|m| decode_err(DecodeError::Invalid(m)))?;
    Ok(BufWorkYaml {
        file_name,
        directories,
    })
}

fn validate(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.is_empty() {
        return Err("directories is empty".to_string());
    }
    let mut directories: Vec<String> = Vec::with_capacity(raw.len());
    for entry in raw {
        let directory = normalize_and_validate(entry)
            .map_err(|e| format!("directory {} is invalid: {e}", quote(entry)))?;
        if directory == "." {
            return Err("directory \".\" is listed, it is not valid to have \".\" as a workspace directory, as this is no different than not having a workspace at all, see https://buf.build/docs/reference/workspaces/#directories for more details".to_string());
        }
        if directories.contains(&directory) {
            return Err(format!(
                "directory {} is listed more than once",
                quote(entry)
            ));
        }
        directories.push(directory);
    }
    let mut sorted: Vec<&String> = directories.iter().collect();
    sorted.sort();
    for (i, outer) in sorted.iter().enumerate() {
        for inner in sorted.iter().skip(i + 1) {
            if contains(outer, inner) {
                return Err(format!(
                    "directory {} contains directory {}",
                    quote(outer),
                    quote(inner)
                ));
            }
        }
    }
    Ok(directories)
}
