//! Workspaces: from an input (directory or `.proto` file) and the `--path`/`--exclude-path`
//! flags to the modules to compile, each with its sorted `.proto` files and which of them
//! are targets. Finding the controlling buf.work.yaml / buf.yaml follows buf 1.75 exactly.

mod build;
mod locate;
mod walk;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::config::path::{self as cpath, PathError, human_list, quote};
use crate::config::{
    BreakingConfig, BufYaml, ConfigError, ConfigVersion, LintConfig, ModuleRef,
    parse_config_override,
};

/// What to build, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    /// A directory or a `.proto` file path, as given (`""` means `.`).
    pub input: String,
    /// `--path` values, relative to the current directory.
    pub paths: Vec<String>,
    /// `--exclude-path` values, relative to the current directory.
    pub exclude_paths: Vec<String>,
    /// `--config`: a `.yaml`/`.yml`/`.json` path or inline JSON/YAML.
    pub config_override: Option<String>,
    pub disable_symlinks: bool,
    /// Accept modules without `.proto` files (`dep update` before any are
    /// written, as buf does).
    pub allow_empty_modules: bool,
}

/// The modules found for an input.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Absolute directory every module path is relative to.
    pub root: PathBuf,
    /// How buf spells `root` when printing paths: relative to the current directory
    /// (possibly `..`-prefixed), or absolute when the input was absolute.
    pub root_display: String,
    /// Modules in configuration order; v2 modules sorted by path.
    pub modules: Vec<Module>,
    /// v2: the workspace's deps; v1: every module's deps, first occurrence of each name.
    pub deps: Vec<ModuleRef>,
    /// What kind of configuration defined the workspace.
    pub kind: WorkspaceKind,
    /// The input was a single `.proto` file.
    pub is_proto_file_input: bool,
    /// Remote modules already resolved for this workspace (a registry
    /// module given as the input), used instead of buf.lock.
    pub pinned_deps: Option<Vec<crate::deps::cache::ModuleKey>>,
    /// v2 buf.yaml `plugins:` (check plugins), in configuration order.
    pub check_plugins: Vec<crate::config::CheckPluginConfig>,
    /// v2 buf.yaml `policies:`, in configuration order.
    pub policies: Vec<crate::config::PolicyConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceKind {
    /// A v2 buf.yaml at the root.
    V2,
    /// A buf.work.yaml at the root.
    BufWork,
    /// One or more v1beta1/v1 modules without a workspace file (or with `--config` v1).
    V1Modules,
}

#[derive(Debug, Clone)]
pub struct Module {
    /// Relative to the workspace root, `.` for the root itself.
    pub dir: String,
    /// Full name, e.g. `buf.build/acme/x`.
    pub name: Option<String>,
    /// Sorted by import path.
    pub files: Vec<ModuleFile>,
    pub lint: LintConfig,
    pub breaking: BreakingConfig,
    pub config_version: ConfigVersion,
    /// Whether the input selects this module; non-target modules only serve imports.
    pub is_target: bool,
    /// buf's description of the module (`path: "proto", excludes: "proto/x"`).
    pub description: String,
    /// v1beta1 `build.roots`, relative to `dir`; `["."]` otherwise.
    pub roots: Vec<String>,
    /// v1: the module's own buf.yaml deps; v2: empty (see `Workspace::deps`).
    pub deps: Vec<ModuleRef>,
    /// The registry commit, for a module read from a registry.
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFile {
    /// e.g. `google/type/date.proto`, `/`-separated.
    pub import_path: String,
    pub disk_path: PathBuf,
    /// How buf prints it: relative to the input as given (`proto/a/b.proto`).
    pub external_path: String,
    pub is_target: bool,
}

impl Workspace {
    /// Every target file, module by module.
    pub fn target_files(&self) -> impl Iterator<Item = (&Module, &ModuleFile)> {
        self.modules
            .iter()
            .flat_map(|m| m.files.iter().map(move |f| (m, f)))
            .filter(|(_, f)| f.is_target)
    }

    /// The check `buf build` (but not `ls-files`) makes: at least one file is targeted.
    pub fn require_targets(&self) -> Result<(), WorkspaceError> {
        if self.target_files().next().is_none() {
            return Err(WorkspaceError::NoTargetFiles);
        }
        Ok(())
    }
}

/// Why no workspace could be built for the input. Messages are buf's.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "no .proto files were targeted. This can occur if no .proto files are found in your input, --path points to files that do not exist, or --exclude-path excludes all files."
    )]
    NoTargetFiles,
    #[error("Module \"{0}\" had no .proto files")]
    EmptyModule(String),
    #[error(
        "failed to build input {} because it is contained by module at path {} specified in your configuration, you must provide the workspace or module as the input, and filter to this path using --path",
        quote(.input),
        quote(.module)
    )]
    InputInsideModule { input: String, module: String },
    #[error("input {} did not contain modules found in workspace [{}]", quote(.input), .modules.join(" "))]
    InputOutsideModules { input: String, modules: Vec<String> },
    #[error("nested modules {} and {} are not allowed", quote(.inner), quote(.outer))]
    NestedModules { inner: String, outer: String },
    #[error("cannot have a buf.work.yaml and buf.yaml in the same directory {}", quote(.0))]
    BufWorkAndBufYaml(String),
    #[error("buf.yaml at {0} did not have version v1beta1 or v1")]
    ModuleNotV1(String),
    #[error(
        "found different refs for the same module within buf.yaml deps in the workspace: {0} {1}"
    )]
    DifferentDepRefs(String, String),
    #[error("different controlling workspaces found: {}, {}", quote(.0), quote(.1))]
    DifferentControllingWorkspaces(String, String),
    #[error("multiple workspaces found")]
    MultipleWorkspaces,
    #[error("found a workspace {} that does not contain all found modules: [{}]", quote(.workspace), .modules.join(" "))]
    WorkspaceMissingModules {
        workspace: String,
        modules: Vec<String>,
    },
    #[error("{0}")]
    InvalidPath(#[from] PathError),
    #[error("{path} is contained in multiple modules:\n{}", .modules.iter().map(|m| format!("  {m}")).collect::<Vec<_>>().join("\n"))]
    DuplicatePath { path: String, modules: Vec<String> },
    #[error("--path is not valid for use with .proto file references")]
    PathWithProtoFile,
    #[error("--exclude-path is not valid for use with .proto file references")]
    ExcludePathWithProtoFile,
    #[error("given input is equal to a value of --path, this has no effect and is disallowed")]
    InputEqualsPath,
    #[error("cannot set the same path for both --path and --exclude-path: {}", quote(.0))]
    PathAndExcludePath(String),
    #[error(
        "excluded path {} contains targeted path {}, which means all paths in {} will be excluded",
        quote(.exclude),
        quote(.path),
        quote(.path)
    )]
    ExcludeContainsPath { exclude: String, path: String },
    #[error(
        "given input {} is equal to a value of --exclude-path {}, this would exclude everything",
        quote(.0),
        quote(.0)
    )]
    InputEqualsExcludePath(String),
    #[error("module {} was specified with --path, specify this module path directly as an input", quote(.0))]
    ModuleAsPath(String),
    #[error(
        "module {} was specified with --exclude-path, this flag cannot be used to specify module directories",
        quote(.0)
    )]
    ModuleAsExcludePath(String),
    #[error(
        "path {} is not contained within any of roots {} - note that specified paths cannot be roots, but must be contained within roots",
        quote(.path),
        human_list(.roots)
    )]
    PathNotInRoots { path: String, roots: Vec<String> },
    #[error("{0}")]
    NonUtf8Path(String),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
}

/// Finds the workspace for `req.input` (resolved against `cwd`), its modules and files,
/// and marks the files that `--path`/`--exclude-path` or a `.proto` input select.
/// Every import path belongs to one module of the workspace; buf names the
/// first path (in path order) that several modules hold.
fn check_unique_paths(modules: &[Module]) -> Result<(), WorkspaceError> {
    let mut owners: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for m in modules {
        for f in &m.files {
            owners
                .entry(&f.import_path)
                .or_default()
                .push(&m.description);
        }
    }
    match owners.into_iter().find(|(_, ms)| ms.len() > 1) {
        Some((path, ms)) => Err(WorkspaceError::DuplicatePath {
            path: path.to_string(),
            modules: ms.into_iter().map(str::to_string).collect(),
        }),
        None => Ok(()),
    }
}

pub fn discover(req: &BuildRequest, cwd: &Path) -> Result<Workspace, WorkspaceError> {
    let cwd_str = cwd
        .to_str()
        .ok_or_else(|| WorkspaceError::NonUtf8Path(cwd.display().to_string()))?;
    let cwd_abs = cpath::clean(cwd_str);
    let input = if req.input.is_empty() {
        "."
    } else {
        req.input.as_str()
    };
    let input_is_absolute = input.starts_with('/');
    let input_abs = cpath::clean(&if input_is_absolute {
        input.to_string()
    } else {
        format!("{cwd_abs}/{input}")
    });
    let is_proto_file = input.ends_with(".proto") && !Path::new(&input_abs).is_dir();
    // An empty path is the input's own directory, which buf refuses below;
    // an empty flag value adds no path at all (`InputArgs::path_list`).
    let paths: Vec<&String> = req.paths.iter().collect();
    let exclude_paths: Vec<&String> = req.exclude_paths.iter().collect();
    if is_proto_file && !paths.is_empty() {
        return Err(WorkspaceError::PathWithProtoFile);
    }
    if is_proto_file && !exclude_paths.is_empty() {
        return Err(WorkspaceError::ExcludePathWithProtoFile);
    }
    let dir_abs = if is_proto_file {
        parent(&input_abs)
    } else {
        input_abs.clone()
    };
    let override_config: Option<BufYaml> = match req.config_override.as_deref() {
        Some(value) if !value.is_empty() => Some(parse_config_override(value, cwd)?),
        _ => None,
    };

    let locator = locate::Locator { cwd_abs: &cwd_abs };
    let controlling = locator.find_controlling_on_disk(&dir_abs)?;
    let root_abs = match &controlling {
        Some(found) => found.dir_abs.clone(),
        None if input_is_absolute || escapes(&rel_abs(&cwd_abs, &dir_abs)) => dir_abs.clone(),
        None => cwd_abs.clone(),
    };
    let root_display = if input_is_absolute {
        root_abs.clone()
    } else {
        rel_abs(&cwd_abs, &root_abs)
    };
    let sub_dir = rel_abs(&root_abs, &dir_abs);
    let to_bucket = |value: &str| -> Result<String, WorkspaceError> {
        let abs = if value.starts_with('/') {
            cpath::clean(value)
        } else {
            cpath::clean(&format!("{cwd_abs}/{value}"))
        };
        Ok(cpath::normalize_and_validate(&rel_abs(&root_abs, &abs))?)
    };
    let target = if is_proto_file {
        build::Targeting::ProtoFile(to_bucket(&input_abs)?)
    } else {
        let paths = paths
            .iter()
            .map(|p| to_bucket(p))
            .collect::<Result<Vec<_>, _>>()?;
        let excludes = exclude_paths
            .iter()
            .map(|p| to_bucket(p))
            .collect::<Result<Vec<_>, _>>()?;
        build::validate_paths(&sub_dir, &paths, &excludes)?;
        build::Targeting::Paths { paths, excludes }
    };

    let ctx = build::Context {
        cwd: cwd.to_path_buf(),
        cwd_abs: cwd_abs.clone(),
        root_abs: root_abs.clone(),
        root_display: root_display.clone(),
        sub_dir: sub_dir.clone(),
        target,
        follow_symlinks: !req.disable_symlinks,
        allow_empty_modules: req.allow_empty_modules,
    };
    let plan = match (override_config, controlling) {
        (Some(config), _) if config.version == ConfigVersion::V2 => {
            build::Plan::V2(config, "config file".to_string())
        }
        (Some(config), _) => build::Plan::V1 {
            dirs: vec![sub_dir.clone()],
            override_config: Some(config),
            kind: WorkspaceKind::V1Modules,
        },
        (None, Some(found)) => match found.file {
            locate::WorkspaceFile::V2(config) => {
                build::Plan::V2(config.buf_yaml, config.display_in_root)
            }
            locate::WorkspaceFile::Work(work) => build::Plan::V1 {
                dirs: work.directories,
                override_config: None,
                kind: WorkspaceKind::BufWork,
            },
        },
        (None, None) => locate::fallback(&ctx)?,
    };
    let (check_plugins, policies) = match &plan {
        build::Plan::V2(config, _) => (config.plugins.clone(), config.policies.clone()),
        build::Plan::V1 { .. } => (Vec::new(), Vec::new()),
    };
    let modules = build::build_modules(&ctx, plan)?;
    check_unique_paths(&modules.modules)?;
    Ok(Workspace {
        root: PathBuf::from(root_abs),
        root_display,
        modules: modules.modules,
        deps: modules.deps,
        kind: modules.kind,
        is_proto_file_input: is_proto_file,
        pinned_deps: None,
        check_plugins,
        policies,
    })
}

fn escapes(relative: &str) -> bool {
    relative == ".." || relative.starts_with("../")
}

fn parent(abs: &str) -> String {
    match abs.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(index) => abs[..index].to_string(),
    }
}

/// `target` relative to `base`, both absolute and clean.
fn rel_abs(base: &str, target: &str) -> String {
    let strip = |p: &str| -> String {
        let trimmed = p.trim_start_matches('/');
        if trimmed.is_empty() {
            ".".to_string()
        } else {
            trimmed.to_string()
        }
    };
    cpath::rel(&strip(base), &strip(target))
}
