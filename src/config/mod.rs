//! Config files: buf.yaml (v1beta1, v1, v2; legacy buf.mod) and buf.work.yaml (v1; legacy
//! buf.work). Owns their types, the two-pass parse (version, then strict schema), the
//! `--config` override, and buf's validation rules with buf's error messages.

pub mod buf_gen_yaml;
mod buf_work_yaml;
mod buf_yaml;
mod check;
pub(crate) mod decode;
pub mod init;
pub mod listing;
pub mod migrate;
mod names;
pub mod netrc;
pub mod path;
pub mod policy;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

pub use buf_work_yaml::{BufWorkYaml, parse_buf_work_yaml};
pub use buf_yaml::{
    BufYaml, CheckPluginConfig, ModuleConfig, PolicyConfig, parse_buf_yaml, parse_config_override,
};
pub use check::{BreakingConfig, LintConfig};
pub use decode::Syntax;
pub use names::{ModuleFullName, ModuleRef};

/// File names, in lookup order within one directory.
pub const BUF_YAML_NAMES: [&str; 2] = ["buf.yaml", "buf.mod"];
pub const BUF_WORK_YAML_NAMES: [&str; 2] = ["buf.work.yaml", "buf.work"];

/// Whether a `--config` or `--template` value names a file (by its
/// extension, as buf decides) rather than holding inline YAML/JSON.
pub fn is_config_path(value: &str) -> bool {
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|ext| value.ends_with(ext))
}

/// The `version:` of a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigVersion {
    V1Beta1,
    V1,
    V2,
}

impl fmt::Display for ConfigVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigVersion::V1Beta1 => "v1beta1",
            ConfigVersion::V1 => "v1",
            ConfigVersion::V2 => "v2",
        })
    }
}

/// A config file could not be read, decoded or validated.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `file` is the path as buf shows it (relative to the bucket searched), or `config file`
    /// for inline `--config` data.
    #[error("decode {file}: {error}")]
    Decode { file: String, error: DecodeError },
    #[error("multiple module configs found with the same description: {0}")]
    DuplicateModuleDescription(String),
    #[error("could not read file: open {path}: {reason}")]
    ReadOverride { path: String, reason: String },
    #[error("read {path}: {reason}")]
    Read { path: String, reason: String },
}

/// What went wrong inside one file; shown after `decode <file>: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("yaml: {}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Syntax {
        line: Option<usize>,
        message: String,
    },
    /// go-yaml's type errors: one `line N: ...` per problem.
    #[error("yaml: unmarshal errors:{}", unmarshal_lines(.0))]
    Unmarshal(Vec<(usize, String)>),
    /// `--config` data that is neither valid JSON nor valid YAML for the schema.
    #[error("{json}\n{yaml}")]
    JsonAndYaml { json: String, yaml: String },
    #[error("\"version\" is not set. Please add \"version: {suggestion}\"")]
    VersionNotSet { suggestion: String },
    #[error("unknown file version: {}", path::quote(.0))]
    UnknownVersion(String),
    #[error("{version} is not supported for {file_kind} files")]
    UnsupportedVersion {
        version: ConfigVersion,
        file_kind: &'static str,
    },
    /// A validation rule, worded as buf words it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Other(String),
}

fn unmarshal_lines(lines: &[(usize, String)]) -> String {
    lines
        .iter()
        .map(|(line, message)| format!("\n  line {line}: {message}"))
        .collect()
}

/// Reads an io error the way Go prints it (`no such file or directory`).
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => err.to_string(),
    }
}

/// A config file found in a directory: which name it had and its text.
pub(crate) fn read_first_existing(
    dir: &Path,
    names: &[&'static str],
) -> Result<Option<(&'static str, String)>, std::io::Error> {
    for name in names {
        let candidate = dir.join(name);
        if candidate.is_file() {
            let text = std::fs::read_to_string(&candidate)?;
            return Ok(Some((name, text)));
        }
    }
    Ok(None)
}

/// The `version:` of the buf.yaml in `dir`, if there is a readable one.
pub fn version_in_dir(dir: &Path) -> Option<ConfigVersion> {
    let data = std::fs::read_to_string(dir.join("buf.yaml")).ok()?;
    let version = decode::read_version(&data, Syntax::Yaml).ok()?;
    decode::parse_version(version, "").ok()
}
