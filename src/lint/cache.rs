//! The re-lint cache: a pre-commit hook lints the same unchanged module again
//! and again, so the printed result is kept under a key made of everything
//! that can change it (this binary, the format, each module's configuration
//! and rules, every file's path and bytes). A hit skips compiling entirely.
//!
//! Location: `$PROTOLITH_CACHE_DIR`, else `$XDG_CACHE_HOME/protolith`, else
//! `~/.cache/protolith`. `PROTOLITH_NO_CACHE=1` turns it off.

use std::path::PathBuf;

use rayon::prelude::*;
use sha3::Digest;

use crate::workspace::Workspace;

/// A cached run: the exit code and what went to stdout.
pub struct Cached {
    pub findings: bool,
    pub stdout: Vec<u8>,
}

fn dir() -> Option<PathBuf> {
    if std::env::var_os("PROTOLITH_NO_CACHE").is_some_and(|v| v != "0" && !v.is_empty()) {
        return None;
    }
    if let Some(d) = std::env::var_os("PROTOLITH_CACHE_DIR") {
        return Some(PathBuf::from(d).join("lint"));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("protolith/lint"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".cache/protolith/lint"))
}

/// The key for linting `ws`, whose files hold `contents` (as
/// [`crate::input::read`] returns them), with `rules` (one list per target
/// module) into `format`; `None` when the cache is off.
pub fn key(
    ws: &Workspace,
    contents: &[Vec<u8>],
    rules: &[Vec<&str>],
    format: &str,
) -> Option<String> {
    dir()?;
    let mut h = sha3::Sha3_256::new();
    // The binary itself: a rebuilt protolith must not reuse old answers.
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{:?}{:?}", meta.len(), meta.modified().ok()).as_bytes());
    h.update(format.as_bytes());
    let mut targets = ws.modules.iter().filter(|m| m.is_target);
    for (m, r) in targets.by_ref().zip(rules) {
        h.update(format!("{}\0{:?}\0{:?}\0", m.dir, m.lint, r).as_bytes());
    }
    let files: Vec<_> = ws.modules.iter().flat_map(|m| &m.files).collect();
    let digests: Vec<[u8; 32]> = files
        .par_iter()
        .zip(contents)
        .map(|(f, bytes)| {
            let mut fh = sha3::Sha3_256::new();
            fh.update(f.import_path.as_bytes());
            fh.update([0]);
            fh.update(f.external_path.as_bytes());
            fh.update([u8::from(f.is_target)]);
            fh.update(bytes);
            fh.finalize().into()
        })
        .collect();
    for d in digests {
        h.update(d);
    }
    // Registry dependencies are pinned by buf.lock: its bytes stand for them.
    for (dir, _) in crate::deps::resolve::lock_dirs(ws) {
        h.update(std::fs::read(dir.join("buf.lock")).unwrap_or_default());
        h.update([0]);
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

pub fn load(key: &str) -> Option<Cached> {
    let bytes = std::fs::read(dir()?.join(key)).ok()?;
    let (&flag, stdout) = bytes.split_first()?;
    Some(Cached {
        findings: flag == b'1',
        stdout: stdout.to_vec(),
    })
}

/// Stores a result; failures only cost the next run its shortcut.
pub fn store(key: &str, findings: bool, stdout: &[u8]) {
    let Some(dir) = dir() else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".{key}.{}", std::process::id()));
    let mut data = Vec::with_capacity(stdout.len() + 1);
    data.push(if findings { b'1' } else { b'0' });
    data.extend_from_slice(stdout);
    if std::fs::write(&tmp, &data).is_ok() && std::fs::rename(&tmp, dir.join(key)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
