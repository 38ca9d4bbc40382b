//! Which files make up the input: modules, their files, and which are targets.
//! (Interim: a directory is one module rooted at the directory.)

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("{0}")]
    Message(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug)]
pub struct ModuleFile {
    pub import_path: String,
    pub disk_path: PathBuf,
    pub external_path: String,
    pub is_target: bool,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub dir: String,
    pub name: Option<String>,
    pub files: Vec<ModuleFile>,
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub modules: Vec<Module>,
}

pub struct BuildRequest {
    pub input: String,
    pub paths: Vec<String>,
    pub exclude_paths: Vec<String>,
    pub config_override: Option<String>,
    pub disable_symlinks: bool,
}

pub fn discover(req: &BuildRequest, _cwd: &Path) -> Result<Workspace, WorkspaceError> {
    let root = PathBuf::from(&req.input);
    let mut files = Vec::new();
    walk(&root, &root, &mut files)?;
    files.sort_by(|a, b| a.import_path.cmp(&b.import_path));
    if files.is_empty() {
        return Err(WorkspaceError::Message(
            "Module \"path: \".\"\" had no .proto files".into(),
        ));
    }
    Ok(Workspace {
        root,
        modules: vec![Module {
            dir: ".".into(),
            name: None,
            files,
        }],
    })
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<ModuleFile>) -> Result<(), WorkspaceError> {
    let rd = std::fs::read_dir(dir).map_err(|e| WorkspaceError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    for entry in rd.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(root, &p, out)?;
        } else if p.extension().is_some_and(|e| e == "proto") {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let import_path = rel.to_string_lossy().replace('\\', "/");
            let base = root.to_string_lossy();
            let base = base.trim_end_matches('/');
            let external_path = if base == "." || base.is_empty() {
                import_path.clone()
            } else {
                format!("{}/{import_path}", base.strip_prefix("./").unwrap_or(base))
            };
            out.push(ModuleFile {
                external_path,
                import_path,
                disk_path: p.clone(),
                is_target: true,
            });
        }
    }
    Ok(())
}
