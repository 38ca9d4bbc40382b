//! Collecting `.proto` files under a directory the way buf's local buckets do: sorted,
//! symlinks followed unless disabled. Every entry's resolved path is remembered (spelled as
//! Go's `EvalSymlinks` spells it, relative or absolute like the link), and an entry reached
//! through a symlink is skipped when its resolved path was seen before; entries on a plain
//! path are always walked. That rule reproduces buf 1.75 on every layout we tried.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::config::path::{clean, join};

/// A `.proto` file found under the walked directory.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Relative to the walked directory, `/`-separated.
    pub relative: String,
    /// Where to read it: the walked directory joined with `relative` (not symlink-resolved).
    pub disk_path: PathBuf,
}

/// Walks `dir`, named `key` in buf's spelling (relative to `cwd`, or absolute).
pub fn collect_proto_files(
    cwd: &Path,
    dir_key: &str,
    follow_symlinks: bool,
) -> std::io::Result<Vec<FoundFile>> {
    let mut walker = Walker {
        cwd,
        follow_symlinks,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    let on_disk = |key: &str| cwd.join(key);
    let Ok(meta) = fs::symlink_metadata(on_disk(dir_key)) else {
        return Ok(Vec::new());
    };
    let is_link = meta.file_type().is_symlink();
    let (resolved, is_dir) = if is_link {
        if !follow_symlinks {
            return Ok(Vec::new());
        }
        match walker.resolve(dir_key) {
            Some(resolved) => resolved,
            None => return Ok(Vec::new()),
        }
    } else {
        (dir_key.to_string(), meta.is_dir())
    };
    if is_dir {
        walker.walk_dir(&on_disk(dir_key), "", &resolved, is_link)?;
    }
    walker.out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(walker.out)
}

struct Walker<'a> {
    cwd: &'a Path,
    follow_symlinks: bool,
    seen: HashSet<String>,
    out: Vec<FoundFile>,
}

impl Walker<'_> {
    /// Remembers `resolved`; false when the entry must be skipped.
    fn visit(&mut self, resolved: String, via_symlink: bool) -> bool {
        if !self.follow_symlinks {
            return true;
        }
        self.seen.insert(resolved) || !via_symlink
    }

    /// `disk` is where the directory is reached through the walked path, `relative` its
    /// name below the walk root, `resolved` buf's key for it.
    fn walk_dir(
        &mut self,
        disk: &Path,
        relative: &str,
        resolved: &str,
        via_symlink: bool,
    ) -> std::io::Result<()> {
        if !self.visit(resolved.to_string(), via_symlink) {
            return Ok(());
        }
        let Ok(entries) = fs::read_dir(self.cwd.join(resolved)) else {
            return Ok(());
        };
        // The entry's type comes with the directory listing (no lstat per
        // entry where the file system reports it); it is what
        // `symlink_metadata` would say.
        let mut names: Vec<(String, fs::FileType)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name().to_str()?.to_string(), e.file_type().ok()?)))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, file_type) in names {
            let child_relative = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            let child_disk = disk.join(&name);
            let child_key = join(resolved, &name);
            let is_link = file_type.is_symlink();
            let child_via_symlink = via_symlink || is_link;
            let (child_resolved, is_dir, is_file) = if is_link {
                if !self.follow_symlinks {
                    continue;
                }
                let Some((target, is_dir)) = self.resolve(&child_key) else {
                    continue;
                };
                let is_file =
                    !is_dir && fs::metadata(self.cwd.join(&target)).is_ok_and(|m| m.is_file());
                (target, is_dir, is_file)
            } else {
                (child_key, file_type.is_dir(), file_type.is_file())
            };
            if is_dir {
                self.walk_dir(
                    &child_disk,
                    &child_relative,
                    &child_resolved,
                    child_via_symlink,
                )?;
            } else if is_file {
                if !self.visit(child_resolved, child_via_symlink) {
                    continue;
                }
                if name.ends_with(".proto") {
                    self.out.push(FoundFile {
                        relative: child_relative,
                        disk_path: child_disk,
                    });
                }
            }
        }
        Ok(())
    }

    /// Go's `filepath.EvalSymlinks` on a cwd-relative or absolute path: the resolved
    /// spelling and whether it is a directory; `None` when broken or looping.
    fn resolve(&self, path: &str) -> Option<(String, bool)> {
        let absolute = path.starts_with('/');
        let mut dest = if absolute {
            "/".to_string()
        } else {
            String::new()
        };
        let mut rest: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_string)
            .collect();
        let mut links = 0;
        while let Some(component) = rest.pop() {
            match component.as_str() {
                "." => continue,
                ".." => {
                    let last = dest.rsplit('/').next().unwrap_or_default();
                    if dest.is_empty() || last == ".." {
                        dest = if dest.is_empty() {
                            "..".to_string()
                        } else {
                            format!("{dest}/..")
                        };
                    } else if dest != "/" {
                        dest = match dest.rfind('/') {
                            Some(0) => "/".to_string(),
                            Some(index) => dest[..index].to_string(),
                            None => String::new(),
                        };
                    }
                    continue;
                }
                _ => {}
            }
            let candidate = if dest.is_empty() {
                component.clone()
            } else if dest == "/" {
                format!("/{component}")
            } else {
                format!("{dest}/{component}")
            };
            let on_disk = self.cwd.join(&candidate);
            let meta = fs::symlink_metadata(&on_disk).ok()?;
            if !meta.file_type().is_symlink() {
                dest = candidate;
                continue;
            }
            links += 1;
            if links > 255 {
                return None;
            }
            let target = fs::read_link(&on_disk).ok()?;
            let target = target.to_str()?.to_string();
            if target.starts_with('/') {
                dest = "/".to_string();
            }
            rest.extend(
                target
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .rev()
                    .map(str::to_string),
            );
        }
        let resolved = clean(if dest.is_empty() { "." } else { &dest });
        let is_dir = fs::metadata(self.cwd.join(&resolved)).ok()?.is_dir();
        Some((resolved, is_dir))
    }
}
