//! From a located workspace to modules: which modules the input targets, how
//! `--path`/`--exclude-path` map into each module, and each module's `.proto` files.

use std::path::{Path, PathBuf};

use super::locate::io_error;
use super::walk::collect_proto_files;
use super::{Module, ModuleFile, WorkspaceError, WorkspaceKind};
use crate::config::path::{self as cpath, contains, equals_or_contains, quote, rel};
use crate::config::{
    BUF_YAML_NAMES, BreakingConfig, BufYaml, ConfigError, ConfigVersion, DecodeError, LintConfig,
    ModuleConfig, ModuleRef, Syntax, parse_buf_yaml, read_first_existing,
};

/// What the input selects, with paths relative to the workspace root.
pub(super) enum Targeting {
    ProtoFile(String),
    Paths {
        paths: Vec<String>,
        excludes: Vec<String>,
    },
}

pub(super) struct Context {
    pub cwd: PathBuf,
    /// `cwd` as a clean absolute `/`-path.
    pub cwd_abs: String,
    pub root_abs: String,
    pub root_display: String,
    /// The input directory relative to the root.
    pub sub_dir: String,
    pub target: Targeting,
    pub follow_symlinks: bool,
    /// `dep update`/`prune` work on modules that have no `.proto` files yet.
    pub allow_empty_modules: bool,
}

/// Which configuration defines the modules.
pub(super) enum Plan {
    /// A v2 buf.yaml and how to name it in messages.
    V2(BufYaml, String),
    /// v1beta1/v1 modules at these directories (each with its own buf.yaml, if any).
    V1 {
        dirs: Vec<String>,
        override_config: Option<BufYaml>,
        kind: WorkspaceKind,
    },
}

pub(super) struct Built {
    pub modules: Vec<Module>,
    pub deps: Vec<ModuleRef>,
    pub kind: WorkspaceKind,
}

/// buf's checks on `--path`/`--exclude-path` against the input and each other.
pub(super) fn validate_paths(
    sub_dir: &str,
    paths: &[String],
    excludes: &[String],
) -> Result<(), WorkspaceError> {
    for path in paths {
        if path == sub_dir {
            return Err(WorkspaceError::InputEqualsPath);
        }
        for exclude in excludes {
            if path == exclude {
                return Err(WorkspaceError::PathAndExcludePath(path.clone()));
            }
            if equals_or_contains(exclude, path) {
                return Err(WorkspaceError::ExcludeContainsPath {
                    exclude: exclude.clone(),
                    path: path.clone(),
                });
            }
        }
    }
    if let Some(exclude) = excludes.iter().find(|e| *e == sub_dir) {
        return Err(WorkspaceError::InputEqualsExcludePath(exclude.clone()));
    }
    Ok(())
}

/// A module before its files are read.
struct Planned {
    dir: String,
    config: ModuleConfig,
    version: ConfigVersion,
    /// Paths in `config.includes`/`excludes` are relative to the buf.yaml directory; for
    /// v1 that is the module itself.
    config_is_module_relative: bool,
    /// How the config file is named in `decode ...` messages.
    config_display: String,
    /// v1: this module's own buf.yaml deps (each v1 module has its buf.lock).
    deps: Vec<ModuleRef>,
}

struct ModuleTargeting {
    is_target: bool,
    /// Relative to the module's roots.
    paths: Vec<String>,
    excludes: Vec<String>,
    proto_file: Option<String>,
}

pub(super) fn build_modules(ctx: &Context, plan: Plan) -> Result<Built, WorkspaceError> {
    let (planned, deps, kind) = plan_modules(ctx, plan)?;
    let is_proto_file = matches!(ctx.target, Targeting::ProtoFile(_));
    let mut any_tentative = false;
    let mut any_target = false;
    let mut targetings = Vec::with_capacity(planned.len());
    for module in &planned {
        let tentative = is_proto_file || equals_or_contains(&ctx.sub_dir, &module.dir);
        any_tentative |= tentative;
        let targeting = target_module(ctx, module, tentative)?;
        any_target |= targeting.is_target;
        targetings.push(targeting);
    }
    if !any_tentative {
        let dirs: Vec<String> = planned.iter().map(|m| m.dir.clone()).collect();
        return Err(overlap_error(ctx, &dirs));
    }
    if !any_target {
        return Err(WorkspaceError::NoTargetFiles);
    }
    let mut modules = Vec::with_capacity(planned.len());
    for (module, targeting) in planned.into_iter().zip(targetings) {
        modules.push(read_module(ctx, module, &targeting)?);
    }
    Ok(Built {
        modules,
        deps,
        kind,
    })
}

fn plan_modules(
    ctx: &Context,
    plan: Plan,
) -> Result<(Vec<Planned>, Vec<ModuleRef>, WorkspaceKind), WorkspaceError> {
    match plan {
        Plan::V2(buf_yaml, display) => {
            let planned = buf_yaml
                .modules
                .into_iter()
                .map(|config| Planned {
                    dir: config.dir.clone(),
                    config,
                    version: ConfigVersion::V2,
                    config_is_module_relative: false,
                    config_display: display.clone(),
                    deps: Vec::new(),
                })
                .collect();
            Ok((planned, buf_yaml.deps, WorkspaceKind::V2))
        }
        Plan::V1 {
            dirs,
            override_config,
            kind,
        } => {
            let mut planned = Vec::with_capacity(dirs.len());
            let mut deps: Vec<ModuleRef> = Vec::new();
            for dir in dirs {
                let (buf_yaml, display) = match &override_config {
                    Some(config) => (Some(config.clone()), "config file".to_string()),
                    None => read_v1_config(ctx, &dir)?,
                };
                let own_deps = buf_yaml
                    .as_ref()
                    .map(|b| b.deps.clone())
                    .unwrap_or_default();
                let (config, version) = match buf_yaml {
                    Some(buf_yaml) => {
                        for dep in &buf_yaml.deps {
                            if let Some(existing) =
                                deps.iter().find(|d| d.full_name == dep.full_name)
                            {
                                if existing != dep {
                                    return Err(WorkspaceError::DifferentDepRefs(
                                        dep.to_string(),
                                        existing.to_string(),
                                    ));
                                }
                            } else {
                                deps.push(dep.clone());
                            }
                        }
                        let version = buf_yaml.version;
                        let config = buf_yaml
                            .modules
                            .into_iter()
                            .next()
                            .unwrap_or_else(default_v1_config);
                        (config, version)
                    }
                    None => (default_v1_config(), ConfigVersion::V1),
                };
                planned.push(Planned {
                    dir,
                    config,
                    version,
                    config_is_module_relative: true,
                    config_display: display,
                    deps: own_deps,
                });
            }
            Ok((planned, deps, kind))
        }
    }
}

fn default_v1_config() -> ModuleConfig {
    ModuleConfig {
        dir: ".".to_string(),
        name: None,
        roots: vec![".".to_string()],
        includes: Vec::new(),
        excludes: Vec::new(),
        lint: LintConfig::new(ConfigVersion::V1),
        breaking: BreakingConfig::new(ConfigVersion::V1),
    }
}

fn read_v1_config(ctx: &Context, dir: &str) -> Result<(Option<BufYaml>, String), WorkspaceError> {
    let dir_on_disk = Path::new(&ctx.root_abs).join(dir);
    let found = read_first_existing(&dir_on_disk, &BUF_YAML_NAMES)
        .map_err(|e| io_error(&dir_on_disk, &e))?;
    let Some((name, text)) = found else {
        return Ok((None, String::new()));
    };
    let display = cpath::join(dir, name);
    let buf_yaml = parse_buf_yaml(&text, &display, Syntax::Yaml)?;
    if buf_yaml.version == ConfigVersion::V2 {
        return Err(WorkspaceError::ModuleNotV1(dir.to_string()));
    }
    Ok((Some(buf_yaml), display))
}

/// The input selects no module: it is inside one (say so), or unrelated to all of them.
fn overlap_error(ctx: &Context, module_dirs: &[String]) -> WorkspaceError {
    for dir in module_dirs {
        if contains(dir, &ctx.sub_dir) {
            let input_on_disk = Path::new(&ctx.root_abs).join(&ctx.sub_dir);
            if dir_is_empty(&input_on_disk) {
                return WorkspaceError::NoTargetFiles;
            }
            return WorkspaceError::InputInsideModule {
                input: ctx.sub_dir.clone(),
                module: dir.clone(),
            };
        }
    }
    WorkspaceError::InputOutsideModules {
        input: ctx.sub_dir.clone(),
        modules: module_dirs.to_vec(),
    }
}

/// True when no file exists anywhere below `dir` (or `dir` does not exist).
fn dir_is_empty(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    entries.filter_map(Result::ok).all(|entry| {
        let path = entry.path();
        path.is_dir() && dir_is_empty(&path)
    })
}

fn target_module(
    ctx: &Context,
    module: &Planned,
    tentative: bool,
) -> Result<ModuleTargeting, WorkspaceError> {
    let mut targeting = ModuleTargeting {
        is_target: false,
        paths: Vec::new(),
        excludes: Vec::new(),
        proto_file: None,
    };
    if !tentative {
        return Ok(targeting);
    }
    let roots = &module.config.roots;
    let dir = module.dir.as_str();
    match &ctx.target {
        Targeting::ProtoFile(file) => {
            if contains(dir, file) {
                targeting.is_target = true;
                targeting.proto_file = Some(apply_roots(roots, &rel(dir, file))?);
            }
        }
        Targeting::Paths { paths, excludes } => {
            targeting.is_target = paths.is_empty();
            for path in paths {
                if path == dir {
                    return Err(WorkspaceError::ModuleAsPath(path.clone()));
                }
                if contains(dir, path) {
                    targeting.is_target = true;
                    targeting.paths.push(apply_roots(roots, &rel(dir, path))?);
                }
            }
            if targeting.is_target {
                for exclude in excludes {
                    if exclude == dir {
                        return Err(WorkspaceError::ModuleAsExcludePath(exclude.clone()));
                    }
                    if contains(dir, exclude) {
                        targeting
                            .excludes
                            .push(apply_roots(roots, &rel(dir, exclude))?);
                    }
                }
            }
        }
    }
    Ok(targeting)
}

/// A module-relative path made relative to the one root that contains it.
fn apply_roots(roots: &[String], path: &str) -> Result<String, WorkspaceError> {
    match roots.iter().find(|root| contains(root, path)) {
        Some(root) => Ok(rel(root, path)),
        None => Err(WorkspaceError::PathNotInRoots {
            path: path.to_string(),
            roots: roots.to_vec(),
        }),
    }
}

fn read_module(
    ctx: &Context,
    planned: Planned,
    targeting: &ModuleTargeting,
) -> Result<Module, WorkspaceError> {
    let Planned {
        dir,
        config,
        version,
        config_is_module_relative,
        config_display,
        deps,
    } = planned;
    let to_module = |path: &String| {
        if config_is_module_relative {
            path.clone()
        } else {
            rel(&dir, path)
        }
    };
    let includes: Vec<String> = config.includes.iter().map(to_module).collect();
    let excludes: Vec<String> = config.excludes.iter().map(to_module).collect();
    let module_on_disk = Path::new(&ctx.root_abs).join(&dir);
    let invalid = |message: String| {
        WorkspaceError::Config(ConfigError::Decode {
            file: config_display.clone(),
            error: DecodeError::Invalid(message),
        })
    };
    for (include, shown) in includes.iter().zip(&config.includes) {
        if module_on_disk.join(include).is_file() {
            return Err(invalid(format!(
                "includes can only be directories but file {} discovered",
                quote(shown)
            )));
        }
    }
    for exclude in &excludes {
        if module_on_disk.join(exclude).is_file() {
            return Err(invalid(format!(
                "excludes can only be directories but file {} discovered",
                quote(exclude)
            )));
        }
    }

    let mut files = Vec::new();
    for root in &config.roots {
        // buf prints a file as its root directory, relative to the current directory (or
        // absolute for absolute inputs), joined with the import path.
        let root_abs = cpath::join(&ctx.root_abs, &cpath::join(&dir, root));
        let root_prefix = if ctx.root_display.starts_with('/') {
            root_abs
        } else {
            super::rel_abs(&ctx.cwd_abs, &root_abs)
        };
        let root_in_workspace = cpath::join(&dir, root);
        let key = cpath::join(&ctx.root_display, &root_in_workspace);
        let found = collect_proto_files(&ctx.cwd, &key, ctx.follow_symlinks)
            .map_err(|e| io_error(&ctx.cwd.join(&key), &e))?;
        for file in found {
            let in_module = cpath::join(root, &file.relative);
            if excludes.iter().any(|e| equals_or_contains(e, &in_module)) {
                continue;
            }
            if !includes.is_empty() && !includes.iter().any(|i| contains(i, &in_module)) {
                continue;
            }
            let is_target = targeting.is_target && is_file_targeted(targeting, &file.relative);
            files.push(ModuleFile {
                external_path: cpath::join(&root_prefix, &file.relative),
                import_path: file.relative,
                disk_path: file.disk_path,
                is_target,
            });
        }
    }
    files.sort_by(|a, b| a.import_path.cmp(&b.import_path));
    let mut description_config = config.clone();
    description_config.dir = dir.clone();
    let description = description_config.description();
    if files.is_empty() && !ctx.allow_empty_modules {
        return Err(WorkspaceError::EmptyModule(description));
    }
    Ok(Module {
        name: config.name.as_ref().map(ToString::to_string),
        files,
        lint: config.lint,
        breaking: config.breaking,
        config_version: version,
        is_target: targeting.is_target,
        description,
        roots: config.roots,
        dir,
        deps,
        commit: None,
    })
}

fn is_file_targeted(targeting: &ModuleTargeting, path: &str) -> bool {
    if let Some(file) = &targeting.proto_file {
        return file == path;
    }
    let selected =
        targeting.paths.is_empty() || targeting.paths.iter().any(|p| equals_or_contains(p, path));
    selected
        && !targeting
            .excludes
            .iter()
            .any(|e| equals_or_contains(e, path))
}
