//! Writes that users depend on (buf.lock, netrc, cache records, exported
//! files): a temporary file in the target's directory, renamed into place,
//! so a reader sees the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically; with `mode` (Unix), the file gets
/// those permission bits (e.g. 0o600 for files holding tokens).
pub fn write(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    prepare(path, bytes, mode)?
        .persist(path)
        .map_err(|e| e.error)
}

/// The first half of [`write`]: `bytes` in a temporary file beside `path`
/// (with `mode`'s permission bits), to be persisted over `path` later, or
/// removed when dropped.
pub fn prepare(
    path: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> std::io::Result<tempfile::TempPath> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(tmp.into_temp_path())
}
