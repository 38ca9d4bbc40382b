//! Writing plugin outputs: one in-memory tree per output directory (shared by
//! later plugins' insertion points), zip and jar archives, unchanged files
//! left alone, `clean`, and the plan that `--check` reports instead of
//! applying.

use std::path::PathBuf;

use super::plugin_proto::ResponseFile;

/// One change the run makes on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create { path: PathBuf, bytes: Vec<u8> },
    Update { path: PathBuf, old: Vec<u8>, bytes: Vec<u8> },
    Delete { path: PathBuf, old: Vec<u8> },
}

/// Everything the run would do, computed before anything is written.
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
}

pub struct Writer {
    _private: (),
}

impl Writer {
    /// `cwd` resolves relative outs; `protect` lists paths (the inputs, the
    /// template, the cwd) that a cleaned output directory may not contain.
    pub fn new(cwd: PathBuf, clean: bool, protect: Vec<PathBuf>) -> Writer {
        let _ = (cwd, clean, protect);
        Writer { _private: () }
    }

    /// Adds one plugin's files, in template order. `out` is the template's
    /// out joined with `-o`.
    pub fn add(&mut self, plugin: &str, out: &str, files: Vec<ResponseFile>) -> Result<(), String> {
        let _ = (plugin, out, files);
        Err("the writer is not built yet".into())
    }

    pub fn plan(self) -> Result<Plan, String> {
        Ok(Plan::default())
    }
}

impl Plan {
    /// Applies the changes: each write through a temporary file and a rename.
    pub fn apply(&self) -> Result<(), String> {
        Ok(())
    }
}
