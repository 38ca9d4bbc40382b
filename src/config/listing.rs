//! `config ls-modules`: the modules the configuration in one directory
//! declares (a v2 buf.yaml, a v1 buf.work.yaml and its modules' buf.yaml
//! files, a v1beta1/v1 buf.yaml, or none: one module at `.`). Only that
//! directory is read, as buf does; no file is looked at.

use std::path::Path;

use super::{
    BUF_WORK_YAML_NAMES, BUF_YAML_NAMES, BufYaml, ConfigError, ConfigVersion, ModuleConfig, Syntax,
    parse_buf_work_yaml, parse_buf_yaml, parse_config_override, read_first_existing,
};
use crate::config::path::quote;

/// One configured module, paths relative to the configuration's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedModule {
    pub path: String,
    /// Sorted.
    pub includes: Vec<String>,
    /// Sorted.
    pub excludes: Vec<String>,
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "Both buf.work.yaml and buf.yaml found. It is not valid to have a buf.work.yaml and buf.yaml in the same directory, buf.work.yaml specifies a workspace of modules, while buf.yaml either specifies a single module or a workspace of modules itself."
    )]
    BothFiles,
    #[error("buf.work.yaml pointed to directory {0} which has a v2 buf.yaml file")]
    V2InWorkspace(String),
}

/// The modules configured in `dir`, sorted by path (stable). `config_override`
/// is `--config` (a file or inline data); an empty one is no override.
pub fn configured_modules(
    dir: &Path,
    config_override: Option<&str>,
) -> Result<Vec<ListedModule>, ListError> {
    let mut modules = match config_override.filter(|c| !c.is_empty()) {
        Some(value) => from_buf_yaml(&parse_config_override(value, dir)?, None),
        None => from_dir(dir)?,
    };
    modules.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(modules)
}

fn read(dir: &Path, names: &[&'static str]) -> Result<Option<(&'static str, String)>, ListError> {
    read_first_existing(dir, names).map_err(|e| {
        ListError::Config(ConfigError::Read {
            path: dir.display().to_string(),
            reason: super::io_reason(&e),
        })
    })
}

fn from_dir(dir: &Path) -> Result<Vec<ListedModule>, ListError> {
    let buf_yaml = read(dir, &BUF_YAML_NAMES)?;
    let Some((work_name, work_data)) = read(dir, &BUF_WORK_YAML_NAMES)? else {
        return Ok(match buf_yaml {
            Some((name, data)) => from_buf_yaml(&parse_buf_yaml(&data, name, Syntax::Yaml)?, None),
            None => vec![ListedModule {
                path: ".".into(),
                includes: Vec::new(),
                excludes: Vec::new(),
                name: None,
            }],
        });
    };
    let work = parse_buf_work_yaml(&work_data, work_name)?;
    if buf_yaml.is_some() {
        return Err(ListError::BothFiles);
    }
    let mut modules = Vec::new();
    for module_dir in &work.directories {
        match read(&dir.join(module_dir), &BUF_YAML_NAMES)? {
            Some((name, data)) => {
                let config = parse_buf_yaml(&data, name, Syntax::Yaml)?;
                if config.version == ConfigVersion::V2 {
                    return Err(ListError::V2InWorkspace(quote(module_dir)));
                }
                modules.extend(from_buf_yaml(&config, Some(module_dir)));
            }
            None => modules.push(ListedModule {
                path: module_dir.clone(),
                includes: Vec::new(),
                excludes: Vec::new(),
                name: None,
            }),
        }
    }
    Ok(modules)
}

/// The modules of one buf.yaml; a v1 module's paths are relative to its own
/// directory, `under` the workspace's.
fn from_buf_yaml(config: &BufYaml, under: Option<&str>) -> Vec<ListedModule> {
    let join = |p: &str| match under {
        Some(dir) if p == "." => dir.to_string(),
        Some(dir) => format!("{dir}/{p}"),
        None => p.to_string(),
    };
    config
        .modules
        .iter()
        .map(|m: &ModuleConfig| {
            // A v1beta1 module with roots lists none of its paths, as buf's
            // description of it does not.
            let plain = m.roots == ["."];
            let sorted = |paths: &[String]| {
                let mut v: Vec<String> = if plain {
                    paths.iter().map(|p| join(p)).collect()
                } else {
                    Vec::new()
                };
                v.sort();
                v
            };
            ListedModule {
                path: join(&m.dir),
                includes: sorted(&m.includes),
                excludes: sorted(&m.excludes),
                name: m.name.as_ref().map(ToString::to_string),
            }
        })
        .collect()
}
