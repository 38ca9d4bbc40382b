//! The `-o <dir>` output of a format run: every file is written as soon as
//! it is printed, into a hidden staging directory on the same file system,
//! and moved into place only when every file of the run has formatted. A
//! run that fails leaves nothing behind: dropping an uncommitted stage
//! removes it.
//!
//! A directory that does not exist yet is the stage itself, renamed into
//! place in one step; into an existing directory the staged files are
//! renamed one by one, each replacing the file it overwrites atomically and
//! keeping that file's permission bits.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::run::RunError;

/// Staged files waiting for [`Stage::commit`].
#[derive(Debug)]
pub struct Stage {
    /// The staging directory (absolute, hidden).
    root: PathBuf,
    /// The `-o` directory, absolute, and as the user named it (for errors).
    dest: PathBuf,
    shown: PathBuf,
    /// Directories under the stage, parents first (relative paths).
    dirs: Vec<PathBuf>,
    /// Every staged file (relative paths).
    files: Vec<PathBuf>,
    done: bool,
}

fn failure(shown: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        path: shown.display().to_string(),
        reason: crate::config::io_reason(e),
    }
}

/// A name no other run of this process or another is using.
fn stage_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(".protolith-format-{}-{n}-{nanos:x}", std::process::id())
}

/// Creates `dir` unless it is there already.
fn make_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

impl Stage {
    /// Makes a stage for `paths` (module paths) going under `dir` (relative
    /// to `cwd`), with every directory they need. Fails when `dir` is
    /// something other than a directory or nothing can be created near it.
    pub fn new<'a>(
        cwd: &Path,
        dir: &Path,
        paths: impl Iterator<Item = &'a str>,
    ) -> Result<Stage, RunError> {
        let dest = cwd.join(dir);
        if dest.exists() && !dest.is_dir() {
            return Err(RunError::Io {
                path: dir.display().to_string(),
                reason: "not a directory".into(),
            });
        }
        // The stage lives inside the destination, or beside its nearest
        // existing ancestor's other entries, so that renames never cross a
        // file system.
        let parent = if dest.is_dir() {
            dest.clone()
        } else {
            dest.ancestors()
                .skip(1)
                .find(|a| a.is_dir())
                .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
        };
        let root = parent.join(stage_name());
        std::fs::create_dir(&root).map_err(|e| failure(dir, &e))?;
        let mut stage = Stage {
            root,
            dest,
            shown: dir.to_path_buf(),
            dirs: Vec::new(),
            files: Vec::new(),
            done: false,
        };
        let mut dirs = BTreeSet::new();
        for p in paths {
            let p = PathBuf::from(p);
            for a in p.ancestors().skip(1) {
                if a.as_os_str().is_empty() || !dirs.insert(a.to_path_buf()) {
                    break;
                }
            }
            stage.files.push(p);
        }
        // Sorted, a parent comes before its children.
        stage.dirs = dirs.into_iter().collect();
        for d in &stage.dirs {
            make_dir(&stage.root.join(d)).map_err(|e| failure(&stage.shown.join(d), &e))?;
        }
        Ok(stage)
    }

    /// Writes one staged file (a path given to [`Stage::new`]).
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), RunError> {
        let full = self.root.join(path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o644);
        }
        options
            .open(&full)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| failure(&self.shown.join(path), &e))
    }

    /// Moves every staged file into the destination.
    pub fn commit(mut self) -> Result<(), RunError> {
        if !self.dest.exists() {
            if let Some(parent) = self.dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| failure(&self.shown, &e))?;
            }
            if std::fs::rename(&self.root, &self.dest).is_ok() {
                self.done = true;
                return Ok(());
            }
            // Someone made the directory meanwhile: merge into it.
            make_dir(&self.dest).map_err(|e| failure(&self.shown, &e))?;
        }
        for d in &self.dirs {
            make_dir(&self.dest.join(d)).map_err(|e| failure(&self.shown.join(d), &e))?;
        }
        for f in &self.files {
            let from = self.root.join(f);
            let to = self.dest.join(f);
            keep_permissions(&to, &from);
            std::fs::rename(&from, &to).map_err(|e| failure(&self.shown.join(f), &e))?;
        }
        Ok(())
    }
}

/// A file that is overwritten keeps its permission bits.
fn keep_permissions(old: &Path, new: &Path) {
    if let Ok(meta) = std::fs::metadata(old)
        && meta.is_file()
    {
        let _ = std::fs::set_permissions(new, meta.permissions());
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A rewritten file keeps its permission bits; a new one gets 0644.
pub fn permission_bits(meta: Option<&std::fs::Metadata>) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.filter(|m| m.is_file())
            .map_or(0o644, |m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o644
    }
}

/// Sets a file's permission bits (Unix; elsewhere nothing to do).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// `-w`'s changed files, each already written to a temporary file beside
/// the file it replaces (through symbolic links, with its permission
/// bits), renamed over it by [`Rewrites::commit`]. Uncommitted temporary
/// files are removed when dropped.
#[derive(Debug, Default)]
pub struct Rewrites {
    /// (temporary file, file it replaces, name for errors)
    pending: std::sync::Mutex<Vec<(tempfile::TempPath, PathBuf, String)>>,
}

impl Rewrites {
    /// Writes the new bytes of `disk` (named `shown` in errors).
    pub fn put(&self, disk: &Path, shown: &str, bytes: &[u8]) -> Result<(), RunError> {
        let fail = |e: &std::io::Error| RunError::Io {
            path: shown.to_string(),
            reason: crate::config::io_reason(e),
        };
        let target = std::fs::canonicalize(disk).map_err(|e| fail(&e))?;
        let meta = std::fs::metadata(&target).map_err(|e| fail(&e))?;
        let tmp = crate::atomic::prepare(&target, bytes, Some(permission_bits(Some(&meta))))
            .map_err(|e| fail(&e))?;
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((tmp, target, shown.to_string()));
        Ok(())
    }

    /// Renames every temporary file over the file it replaces.
    pub fn commit(self) -> Result<(), RunError> {
        let pending = self.pending.into_inner().unwrap_or_else(|e| e.into_inner());
        for (tmp, target, shown) in pending {
            tmp.persist(&target).map_err(|e| RunError::Io {
                path: shown,
                reason: crate::config::io_reason(&e.error),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage_in(cwd: &Path, dir: &str, files: &[(&str, &str)]) -> Stage {
        let s = Stage::new(cwd, Path::new(dir), files.iter().map(|(p, _)| *p)).unwrap();
        for (p, text) in files {
            s.put(p, text.as_bytes()).unwrap();
        }
        s
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_directory_appears_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let s = stage_in(
            tmp.path(),
            "out/deep",
            &[("a.proto", "A"), ("b/c/d.proto", "D")],
        );
        assert!(
            !tmp.path().join("out").exists(),
            "nothing visible before commit"
        );
        s.commit().unwrap();
        let out = tmp.path().join("out/deep");
        assert_eq!(std::fs::read_to_string(out.join("a.proto")).unwrap(), "A");
        assert_eq!(
            std::fs::read_to_string(out.join("b/c/d.proto")).unwrap(),
            "D"
        );
        assert_eq!(entries(tmp.path()), vec!["out"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_directory_keeps_its_other_files_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("b")).unwrap();
        std::fs::write(out.join("keep.txt"), "k").unwrap();
        std::fs::write(out.join("b/c.proto"), "old").unwrap();
        std::fs::set_permissions(
            out.join("b/c.proto"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        stage_in(
            tmp.path(),
            "out",
            &[("b/c.proto", "new"), ("x/y.proto", "Y")],
        )
        .commit()
        .unwrap();
        assert_eq!(entries(&out), vec!["b", "keep.txt", "x"]);
        assert_eq!(
            std::fs::read_to_string(out.join("b/c.proto")).unwrap(),
            "new"
        );
        let mode = std::fs::metadata(out.join("b/c.proto"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(out.join("x/y.proto")).unwrap(), "Y");
    }

    #[test]
    fn an_uncommitted_stage_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("out")).unwrap();
        drop(stage_in(tmp.path(), "out", &[("a/b.proto", "B")]));
        drop(stage_in(tmp.path(), "fresh", &[("a/b.proto", "B")]));
        assert_eq!(entries(tmp.path()), vec!["out"]);
        assert!(entries(&tmp.path().join("out")).is_empty());
    }

    #[test]
    fn a_file_in_the_way_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("plain"), "x").unwrap();
        let err = Stage::new(tmp.path(), Path::new("plain"), ["a.proto"].into_iter())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "plain: not a directory");
        assert_eq!(entries(tmp.path()), vec!["plain"]);
    }
}
