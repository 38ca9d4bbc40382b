//! `export`: which files of a built input go out, and their bytes: target
//! files and, unless excluded, the files they import (the embedded
//! well-known types excepted), as the sources were written.

use std::collections::HashMap;

use super::{Built, InputError};

/// The files to write, by import path, in image order.
pub fn files(
    built: &Built,
    exclude_imports: bool,
    with_docs: bool,
) -> Result<Vec<(String, Vec<u8>)>, InputError> {
    let fail = |m: String| InputError::Failure(m);
    let mut disk: HashMap<&str, &std::path::Path> = HashMap::new();
    for m in &built.workspace.modules {
        for f in &m.files {
            disk.insert(f.import_path.as_str(), f.disk_path.as_path());
        }
    }
    let mut remote: HashMap<&str, &[u8]> = HashMap::new();
    for d in &built.deps {
        for (path, bytes) in &d.files {
            remote.entry(path.as_str()).or_insert(bytes.as_slice());
        }
    }
    let mut out = Vec::new();
    for f in &built.image.files {
        if f.file.from_wkt || (exclude_imports && f.is_import) {
            continue;
        }
        let name = f.file.fd.name();
        let bytes = match (disk.get(name), remote.get(name)) {
            (Some(path), _) => {
                std::fs::read(path).map_err(|e| fail(format!("{}: {e}", path.display())))?
            }
            (None, Some(bytes)) => bytes.to_vec(),
            (None, None) => continue,
        };
        out.push((name.to_string(), bytes));
    }
    if with_docs {
        let targets: Vec<&crate::workspace::Module> = built
            .workspace
            .modules
            .iter()
            .filter(|m| m.is_target)
            .collect();
        for m in &targets {
            let files = crate::deps::graph::local_module_files(&built.workspace, m)
                .map_err(|e| fail(e.to_string()))?;
            for (path, bytes) in files {
                if path.ends_with(".proto") {
                    continue;
                }
                let path = match (&m.name, targets.len()) {
                    (Some(name), n) if n > 1 => {
                        format!("{path}.{}", name.replace('/', "_"))
                    }
                    _ => path,
                };
                out.push((path, bytes));
            }
        }
    }
    Ok(out)
}
