//! `config init`: the v2 buf.yaml buf writes for a new module, and the checks
//! buf makes before writing it (the directory exists, no buf.yaml or buf.mod
//! is there yet, the name parses).

use std::path::Path;

use super::decode::{Syntax, parse_version, read_version};
use super::{BUF_YAML_NAMES, ConfigError, DecodeError, ModuleFullName, io_reason};

/// The comment buf puts on the first line of the buf.yaml files it writes.
pub const BUF_YAML_V2_COMMENT: &str = "# For details on buf.yaml configuration, visit https://buf.build/docs/configuration/v2/buf-yaml";

/// Why `config init` wrote nothing. Messages are buf's.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("stat {0}: no such file or directory")]
    NoDirectory(String),
    #[error("{0}: not a directory")]
    NotADirectory(String),
    #[error("stat {dir}: {reason}")]
    Stat { dir: String, reason: String },
    #[error("buf.yaml already exists in directory {0}, will not overwrite")]
    Exists(String),
    /// An existing buf.yaml/buf.mod whose version cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Name(String),
    #[error("write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// The text of a new buf.yaml: buf's comment, `version: v2`, the name if
/// given, and the STANDARD lint and FILE breaking rules.
pub fn render_new_buf_yaml(name: Option<&str>) -> String {
    let mut out = format!("{BUF_YAML_V2_COMMENT}\nversion: v2\n");
    if let Some(name) = name {
        out.push_str(&format!("name: {}\n", crate::deps::lock::yaml_scalar(name)));
    }
    out.push_str("lint:\n  use:\n    - STANDARD\nbreaking:\n  use:\n    - FILE\n");
    out
}

/// Writes a new buf.yaml into `output` (a directory, as typed, relative to
/// `cwd`), refusing to replace one. buf checks in this order: the directory,
/// an existing buf.yaml or buf.mod (whose version must still read), the name.
pub fn init_buf_yaml(cwd: &Path, output: &str, name: Option<&str>) -> Result<(), InitError> {
    let dir = cwd.join(output);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(InitError::NotADirectory(output.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InitError::NoDirectory(output.to_string()));
        }
        Err(e) => {
            return Err(InitError::Stat {
                dir: output.to_string(),
                reason: io_reason(&e),
            });
        }
    }
    for file in BUF_YAML_NAMES {
        let path = dir.join(file);
        if !path.is_file() {
            continue;
        }
        let data = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
            path: file.to_string(),
            reason: io_reason(&e),
        })?;
        let decode = |error: DecodeError| ConfigError::Decode {
            file: file.to_string(),
            error,
        };
        parse_version(read_version(&data, Syntax::Yaml).map_err(decode)?, "v2").map_err(decode)?;
        return Err(InitError::Exists(output.to_string()));
    }
    if let Some(name) = name {
        if name.is_empty() {
            return Err(InitError::Name(
                "could not parse full name: must be in the form registry/owner/name".into(),
            ));
        }
        ModuleFullName::parse(name).map_err(InitError::Name)?;
    }
    let path = dir.join("buf.yaml");
    // buf writes it readable by its owner only, as it does buf.lock.
    crate::atomic::write(&path, render_new_buf_yaml(name).as_bytes(), Some(0o600)).map_err(|e| {
        InitError::Write {
            path: path.display().to_string(),
            reason: io_reason(&e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_quoted_as_yaml_v3_quotes_it() {
        let text = render_new_buf_yaml(Some("x.y/a/b:"));
        assert!(text.contains("\nname: 'x.y/a/b:'\n"), "{text}");
        let text = render_new_buf_yaml(Some("buf.build/acme/weather"));
        assert!(text.contains("\nname: buf.build/acme/weather\n"), "{text}");
    }
}
