//! Where the workspace is: the walk up from the input to the filesystem root looking for a
//! controlling buf.work.yaml or v2 buf.yaml, and, when there is none, the fallback search
//! for v1 modules inside the current directory (from the input, then from each `--path`).

use std::path::Path;

use super::build::{Context, Plan, Targeting};
use super::{WorkspaceError, WorkspaceKind};
use crate::config::path::{self as cpath, contains, equals_or_contains};
use crate::config::{
    BUF_WORK_YAML_NAMES, BUF_YAML_NAMES, BufWorkYaml, BufYaml, ConfigVersion, Syntax, io_reason,
    parse_buf_work_yaml, parse_buf_yaml, read_first_existing,
};

pub(super) struct Locator<'a> {
    pub cwd_abs: &'a str,
}

pub(super) struct LoadedBufYaml {
    pub buf_yaml: BufYaml,
    /// The file's path relative to the workspace root, for later `decode ...` messages.
    pub display_in_root: String,
}

pub(super) enum WorkspaceFile {
    V2(LoadedBufYaml),
    Work(BufWorkYaml),
}

pub(super) struct Found {
    pub dir_abs: String,
    pub file: WorkspaceFile,
}

impl Locator<'_> {
    /// Walks from `dir_abs` up to `/`, returning the first directory whose workspace file
    /// controls `dir_abs`.
    pub fn find_controlling_on_disk(&self, dir_abs: &str) -> Result<Option<Found>, WorkspaceError> {
        let mut current = dir_abs.to_string();
        loop {
            let relative_input = super::rel_abs(&current, dir_abs);
            let display = |name: &str| -> String {
                let file = cpath::join(&current, name);
                let within_cwd = super::rel_abs(self.cwd_abs, &file);
                if super::escapes(&within_cwd) {
                    file.trim_start_matches('/').to_string()
                } else {
                    within_cwd
                }
            };
            let at = Location {
                dir_on_disk: Path::new(&current),
                dir_for_message: current.trim_start_matches('/'),
                relative_input: &relative_input,
            };
            if let Some(file) = controlling_at(&at, &display)? {
                let file = match file {
                    WorkspaceFile::V2(loaded) => {
                        let name = loaded.buf_yaml.file_name.clone();
                        WorkspaceFile::V2(LoadedBufYaml {
                            buf_yaml: loaded.buf_yaml,
                            display_in_root: name,
                        })
                    }
                    work => work,
                };
                return Ok(Some(Found {
                    dir_abs: current,
                    file,
                }));
            }
            if current == "/" {
                return Ok(None);
            }
            current = super::parent(&current);
        }
    }
}

struct Location<'a> {
    dir_on_disk: &'a Path,
    dir_for_message: &'a str,
    /// The input relative to this directory; `.` when the input is this directory.
    relative_input: &'a str,
}

/// buf's "controlling workspace" test for one directory.
fn controlling_at(
    at: &Location<'_>,
    display: &dyn Fn(&str) -> String,
) -> Result<Option<WorkspaceFile>, WorkspaceError> {
    let work = read_work(at.dir_on_disk, display)?;
    let buf_yaml = read_buf_yaml(at.dir_on_disk, display)?;
    if work.is_some() && buf_yaml.is_some() {
        return Err(WorkspaceError::BufWorkAndBufYaml(
            at.dir_for_message.to_string(),
        ));
    }
    let input = at.relative_input;
    if let Some(loaded) = buf_yaml
        && loaded.buf_yaml.version == ConfigVersion::V2
    {
        let controls = input == "."
            || loaded
                .buf_yaml
                .modules
                .iter()
                .any(|m| equals_or_contains(&m.dir, input) || contains(input, &m.dir));
        if controls {
            return Ok(Some(WorkspaceFile::V2(loaded)));
        }
    }
    if let Some(work) = work {
        let controls = input == "."
            || work
                .directories
                .iter()
                .any(|d| equals_or_contains(d, input));
        if controls {
            return Ok(Some(WorkspaceFile::Work(work)));
        }
    }
    Ok(None)
}

fn read_buf_yaml(
    dir: &Path,
    display: &dyn Fn(&str) -> String,
) -> Result<Option<LoadedBufYaml>, WorkspaceError> {
    let found = read_first_existing(dir, &BUF_YAML_NAMES).map_err(|e| io_error(dir, &e))?;
    let Some((name, text)) = found else {
        return Ok(None);
    };
    let shown = display(name);
    let buf_yaml = parse_buf_yaml(&text, &shown, Syntax::Yaml)?;
    Ok(Some(LoadedBufYaml {
        buf_yaml,
        display_in_root: shown,
    }))
}

fn read_work(
    dir: &Path,
    display: &dyn Fn(&str) -> String,
) -> Result<Option<BufWorkYaml>, WorkspaceError> {
    let found = read_first_existing(dir, &BUF_WORK_YAML_NAMES).map_err(|e| io_error(dir, &e))?;
    let Some((name, text)) = found else {
        return Ok(None);
    };
    Ok(Some(parse_buf_work_yaml(&text, &display(name))?))
}

pub(super) fn io_error(path: &Path, err: &std::io::Error) -> WorkspaceError {
    WorkspaceError::Io {
        path: path.display().to_string(),
        reason: io_reason(err),
    }
}

enum InBucket {
    V1Module(String),
    Workspace {
        dir: String,
        file: Box<WorkspaceFile>,
    },
}

/// Walks from `path` up to the bucket root looking for a workspace controlling `path`
/// (unless `ignore_workspaces`) and for v1 buf.yaml files; two of those nest, an error.
fn search_in_bucket(
    ctx: &Context,
    path: &str,
    ignore_workspaces: bool,
) -> Result<Option<InBucket>, WorkspaceError> {
    let mut v1_module: Option<String> = None;
    let mut current = path.to_string();
    loop {
        let dir_on_disk = Path::new(&ctx.root_abs).join(&current);
        let display = |name: &str| cpath::join(&current, name);
        if !ignore_workspaces {
            let relative_input = cpath::rel(&current, path);
            let at = Location {
                dir_on_disk: &dir_on_disk,
                dir_for_message: &current,
                relative_input: &relative_input,
            };
            if let Some(file) = controlling_at(&at, &display)? {
                return Ok(Some(InBucket::Workspace {
                    dir: current,
                    file: Box::new(file),
                }));
            }
        }
        if let Some(loaded) = read_buf_yaml(&dir_on_disk, &display)?
            && loaded.buf_yaml.version == ConfigVersion::V1
        {
            if let Some(inner) = v1_module {
                return Err(WorkspaceError::NestedModules {
                    inner,
                    outer: current,
                });
            }
            v1_module = Some(current.clone());
        }
        if current == "." {
            break;
        }
        current = match current.rfind('/') {
            Some(index) => current[..index].to_string(),
            None => ".".to_string(),
        };
    }
    Ok(v1_module.map(InBucket::V1Module))
}

/// No controlling workspace: use the v1 module enclosing the input; failing that, the
/// workspaces or v1 modules enclosing the `--path` values; failing that, the input
/// directory itself as a module with the default config.
pub(super) fn fallback(ctx: &Context) -> Result<Plan, WorkspaceError> {
    let mut v1_dirs: Vec<String> = Vec::new();
    let mut kind = WorkspaceKind::V1Modules;
    let for_input = search_in_bucket(ctx, &ctx.sub_dir, true)?;
    if let Some(InBucket::V1Module(dir)) = for_input {
        v1_dirs.push(dir);
    } else if let Targeting::Paths { paths, .. } = &ctx.target {
        let mut workspace_dir: Option<String> = None;
        let mut work: Option<BufWorkYaml> = None;
        let mut v2: Option<LoadedBufYaml> = None;
        for path in paths {
            match search_in_bucket(ctx, path, false)? {
                Some(InBucket::Workspace { dir, file }) => {
                    if let Some(existing) = &workspace_dir
                        && *existing != dir
                    {
                        return Err(WorkspaceError::DifferentControllingWorkspaces(
                            existing.clone(),
                            dir,
                        ));
                    }
                    workspace_dir = Some(dir);
                    match *file {
                        WorkspaceFile::Work(w) => work = Some(w),
                        WorkspaceFile::V2(y) => v2 = Some(y),
                    }
                }
                Some(InBucket::V1Module(dir)) if !v1_dirs.contains(&dir) => v1_dirs.push(dir),
                Some(InBucket::V1Module(_)) | None => {}
            }
        }
        if work.is_some() && v2.is_some() {
            return Err(WorkspaceError::MultipleWorkspaces);
        }
        if let Some(workspace) = workspace_dir
            && !v1_dirs.is_empty()
        {
            return Err(WorkspaceError::WorkspaceMissingModules {
                workspace,
                modules: v1_dirs,
            });
        }
        // buf keeps the bucket rooted where it was, so a workspace found below the root
        // has its module paths read relative to the root; we reproduce that.
        if let Some(loaded) = v2 {
            return Ok(Plan::V2(loaded.buf_yaml, loaded.display_in_root));
        }
        if let Some(work) = work {
            v1_dirs = work.directories;
            kind = WorkspaceKind::BufWork;
        }
    }
    if v1_dirs.is_empty() {
        v1_dirs.push(ctx.sub_dir.clone());
    }
    Ok(Plan::V1 {
        dirs: v1_dirs,
        override_config: None,
        kind,
    })
}
