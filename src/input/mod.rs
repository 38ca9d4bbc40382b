//! Inputs: turning what the user named (today a directory, module, workspace
//! or `.proto` file) into a workspace and its compiled image.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::compiler::diag::FileDiagnostic;
use crate::compiler::{self, SourceFile};
use crate::image::Image;
use crate::workspace::{self, BuildRequest, Workspace};

/// A compiled input.
pub struct Built {
    pub workspace: Workspace,
    pub image: Image,
}

#[derive(Debug)]
pub enum InputError {
    /// The tool could not do its job (exit 1).
    Failure(String),
    /// The sources do not compile (exit 100); diagnostics in buf's order.
    Compile(Vec<FileDiagnostic>),
}

/// Discovers the workspace for `req`, without compiling.
pub fn discover(req: &BuildRequest, cwd: &Path) -> Result<Workspace, InputError> {
    let ws = workspace::discover(req, cwd).map_err(|e| InputError::Failure(e.to_string()))?;
    ws.require_targets()
        .map_err(|e| InputError::Failure(e.to_string()))?;
    Ok(ws)
}

/// Reads every file of `ws` (in parallel), in module and file order.
pub fn read(ws: &Workspace) -> Result<Vec<Vec<u8>>, InputError> {
    use rayon::prelude::*;
    let files: Vec<_> = ws.modules.iter().flat_map(|m| &m.files).collect();
    files
        .par_iter()
        .map(|f| {
            std::fs::read(&f.disk_path)
                .map_err(|e| InputError::Failure(format!("{}: {e}", f.external_path)))
        })
        .collect()
}

/// Reads and compiles every file of `ws`, ordering the result as buf's image.
pub fn compile(ws: Workspace, mut mark: impl FnMut(&str)) -> Result<Built, InputError> {
    let contents = read(&ws)?;
    mark("read");
    compile_contents(ws, contents, mark)
}

/// Compiles `ws` from `contents`, which [`read`] returned for it.
pub fn compile_contents(
    ws: Workspace,
    contents: Vec<Vec<u8>>,
    mut mark: impl FnMut(&str),
) -> Result<Built, InputError> {
    let mut sources = Vec::new();
    let mut bad_utf8: Vec<FileDiagnostic> = Vec::new();
    let mut targets = HashSet::new();
    let mut module_of = HashMap::new();
    let mut contents = contents.into_iter();
    for m in &ws.modules {
        for f in &m.files {
            let bytes = contents.next().unwrap_or_default();
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    bad_utf8.push(invalid_utf8(&f.external_path, e.as_bytes(), e.utf8_error()));
                    continue;
                }
            };
            if f.is_target {
                targets.insert(f.import_path.clone());
            }
            if let Some(n) = &m.name {
                module_of.insert(f.import_path.clone(), n.clone());
            }
            sources.push(SourceFile {
                import_path: f.import_path.clone(),
                display_path: f.external_path.clone(),
                text: Arc::from(text),
            });
        }
    }
    if !bad_utf8.is_empty() {
        return Err(InputError::Compile(bad_utf8));
    }
    let compiled = compiler::compile(sources).map_err(InputError::Compile)?;
    mark("compile");
    let image = Image::assemble(compiled, &targets, &module_of);
    mark("image order");
    Ok(Built {
        workspace: ws,
        image,
    })
}

/// A compile error at the first byte that is not UTF-8, as buf reports it.
fn invalid_utf8(path: &str, bytes: &[u8], err: std::str::Utf8Error) -> FileDiagnostic {
    let bad = err.valid_up_to();
    let before = &bytes[..bad.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = bad
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    FileDiagnostic {
        path: path.to_string(),
        line,
        column,
        end_line: line,
        end_column: column + 1,
        message: "input appears to be encoded with UTF-8, but found invalid byte".into(),
    }
}
