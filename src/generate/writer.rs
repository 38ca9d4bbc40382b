//! Writing plugin outputs: one in-memory tree per output directory (shared by
//! later plugins' insertion points), zip and jar archives, unchanged files
//! left alone, `clean`, and the plan that `--check` reports instead of
//! applying.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use super::plugin_proto::ResponseFile;
use super::response::go_clean;
use crate::config::io_reason;

use super::writer_diff as diff;
#[path = "zip_store.rs"]
mod zip_store;

/// One change the run makes on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create {
        path: PathBuf,
        bytes: Vec<u8>,
    },
    Update {
        path: PathBuf,
        old: Vec<u8>,
        bytes: Vec<u8>,
    },
    Delete {
        path: PathBuf,
        old: Vec<u8>,
    },
    /// An output directory that does not exist yet and gets no files (buf
    /// still creates it).
    CreateDir {
        path: PathBuf,
    },
    /// A directory left empty by `clean`.
    RemoveDir {
        path: PathBuf,
    },
}

impl Change {
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. }
            | Change::Update { path, .. }
            | Change::Delete { path, .. }
            | Change::CreateDir { path }
            | Change::RemoveDir { path } => path,
        }
    }
}

/// Everything the run would do, computed before anything is written:
/// writes in the order outs were first seen, then deletions, then the
/// directories they leave empty (children before parents).
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Paths in `describe` are shown relative to this.
    pub cwd: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    Zip,
    Jar,
}

struct Out {
    abs: PathBuf,
    kind: Kind,
    /// Path -> content, sorted by path as buf's bucket walk is.
    files: BTreeMap<String, Vec<u8>>,
}

pub struct Writer {
    cwd: PathBuf,
    clean: bool,
    protect: Vec<PathBuf>,
    /// In the order each out was first seen.
    outs: Vec<Out>,
}

const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";
const MANIFEST: &[u8] = b"Manifest-Version: 1.0\nCreated-By: 1.6.0 (protoc)\n\n";

impl Writer {
    /// `cwd` resolves relative outs; `protect` lists paths (the inputs, the
    /// template, the cwd) that a cleaned output directory may not contain.
    pub fn new(cwd: PathBuf, clean: bool, protect: Vec<PathBuf>) -> Writer {
        Writer {
            cwd,
            clean,
            protect,
            outs: Vec::new(),
        }
    }

    /// Adds one plugin's files, in template order. `out` is the template's
    /// out joined with `-o`. `Err` is the text after `plugin P: ` (the
    /// caller adds that, as for `response::validate`), e.g. `cannot use
    /// --clean if your plugin will output to the current directory`.
    pub fn add(&mut self, plugin: &str, out: &str, files: Vec<ResponseFile>) -> Result<(), String> {
        // Errors name the plugin through the caller's prefix.
        let _ = plugin;
        let abs = absolute(&self.cwd, out);
        let index = match self.outs.iter().position(|o| o.abs == abs) {
            Some(i) => i,
            None => {
                let kind = match go_ext(&abs) {
                    ".zip" => Kind::Zip,
                    ".jar" => Kind::Jar,
                    _ => Kind::Dir,
                };
                if self.clean {
                    self.check_clean(&abs, out, kind)?;
                }
                if kind != Kind::Dir {
                    // buf creates a missing parent here and then fails with a
                    // stat error until the next run; we create it when the
                    // plan is applied and succeed the first time.
                    let dir = abs.parent().unwrap_or(Path::new("/"));
                    if let Ok(meta) = std::fs::metadata(dir)
                        && !meta.is_dir()
                    {
                        return Err(format!("not a directory: {}", dir.display()));
                    }
                }
                let mut tree = BTreeMap::new();
                if kind == Kind::Jar {
                    tree.insert(MANIFEST_PATH.to_string(), MANIFEST.to_vec());
                }
                self.outs.push(Out {
                    abs,
                    kind,
                    files: tree,
                });
                self.outs.len() - 1
            }
        };
        let Some(tree) = self.outs.get_mut(index).map(|o| &mut o.files) else {
            return Ok(());
        };
        for file in files {
            let name = file.name().to_string();
            check_storage_path(&name)?;
            let content = file.content.unwrap_or_default();
            match file.insertion_point.as_deref().filter(|p| !p.is_empty()) {
                Some(point) => {
                    let target = tree
                        .get(&name)
                        .ok_or_else(|| format!("read {name}: file does not exist"))?;
                    let merged = insert(target, point, &content, &name)?;
                    tree.insert(name, merged);
                }
                None => {
                    tree.insert(name, content);
                }
            }
        }
        Ok(())
    }

    /// buf refuses to clean an out that is the cwd; we also refuse a
    /// directory out that contains a protected path (an input, the
    /// template, the cwd), which buf would empty (`out: ..`).
    fn check_clean(&self, abs: &Path, out: &str, kind: Kind) -> Result<(), String> {
        let Ok(resolved) = std::fs::canonicalize(abs) else {
            return Ok(());
        };
        let cwd = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        if resolved == cwd {
            return Err(
                "cannot use --clean if your plugin will output to the current directory".into(),
            );
        }
        if kind != Kind::Dir {
            return Ok(());
        }
        for p in &self.protect {
            let lexical = absolute(&self.cwd, &p.to_string_lossy());
            let real = std::fs::canonicalize(&lexical).unwrap_or(lexical);
            if real.starts_with(&resolved) {
                return Err(format!("cannot clean {out}: it contains {}", p.display()));
            }
        }
        Ok(())
    }

    /// Computes every change against the disk; nothing is written.
    pub fn plan(self) -> Result<Plan, String> {
        let mut changes = Vec::new();
        // Every path this run writes, and every directory above one.
        let mut written: HashSet<PathBuf> = HashSet::new();
        let mut written_dirs: HashSet<PathBuf> = HashSet::new();
        for out in &self.outs {
            match out.kind {
                Kind::Dir => {
                    match std::fs::metadata(&out.abs) {
                        Ok(meta) if !meta.is_dir() => {
                            return Err(format!("mkdir {}: not a directory", out.abs.display()));
                        }
                        Ok(_) => {}
                        Err(_) if out.files.is_empty() => changes.push(Change::CreateDir {
                            path: out.abs.clone(),
                        }),
                        Err(_) => {}
                    }
                    written_dirs.insert(out.abs.clone());
                    for (name, bytes) in &out.files {
                        let path = out.abs.join(name);
                        push_write(&mut changes, &path, bytes);
                        written_dirs.extend(path.ancestors().skip(1).map(Path::to_path_buf));
                        written.insert(path);
                    }
                }
                Kind::Zip | Kind::Jar => {
                    let bytes =
                        zip_store::store(out.files.iter().map(|(n, c)| (n.as_str(), c.as_slice())));
                    push_write(&mut changes, &out.abs, &bytes);
                    // Unlike buf, an archive written into a cleaned directory out
                    // is kept (buf deletes the archive it has just written).
                    written_dirs.extend(out.abs.ancestors().skip(1).map(Path::to_path_buf));
                    written.insert(out.abs.clone());
                }
            }
        }
        if !self.clean {
            return Ok(Plan {
                changes,
                cwd: self.cwd,
            });
        }
        let dirs: Vec<&Path> = self
            .outs
            .iter()
            .filter(|o| o.kind == Kind::Dir)
            .map(|o| o.abs.as_path())
            .collect();
        let out_dirs: HashSet<&Path> = dirs.iter().copied().collect();
        let mut sweep = Sweep {
            written: &written,
            written_dirs: &written_dirs,
            out_dirs: &out_dirs,
            deletes: Vec::new(),
            rmdirs: Vec::new(),
        };
        for dir in &dirs {
            // A nested out is swept as part of the out that contains it.
            let nested = dirs.iter().any(|d| d != dir && dir.starts_with(d));
            if nested || !dir.is_dir() {
                continue;
            }
            sweep
                .dir(dir)
                .map_err(|e| format!("clean {}: {}", dir.display(), io_reason(&e)))?;
        }
        changes.append(&mut sweep.deletes);
        changes.append(&mut sweep.rmdirs);
        Ok(Plan {
            changes,
            cwd: self.cwd,
        })
    }
}

struct Sweep<'a> {
    written: &'a HashSet<PathBuf>,
    written_dirs: &'a HashSet<PathBuf>,
    out_dirs: &'a HashSet<&'a Path>,
    deletes: Vec<Change>,
    rmdirs: Vec<Change>,
}

impl Sweep<'_> {
    /// Plans the deletions under `dir`; true when something is left in it.
    /// Symlinks are never followed: a stale link is deleted as a file.
    fn dir(&mut self, dir: &Path) -> io::Result<bool> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        let mut keep = false;
        for entry in entries {
            let path = entry.path();
            if self.written.contains(&path) || self.written_dirs.contains(&path) {
                keep = true;
                if entry.file_type()?.is_dir() && !self.written.contains(&path) {
                    self.dir(&path)?;
                }
                continue;
            }
            if entry.file_type()?.is_dir() {
                if self.dir(&path)? || self.out_dirs.contains(path.as_path()) {
                    keep = true;
                } else {
                    self.rmdirs.push(Change::RemoveDir { path });
                }
            } else {
                let old = std::fs::read(&path).unwrap_or_default();
                self.deletes.push(Change::Delete { path, old });
            }
        }
        Ok(keep)
    }
}

fn push_write(changes: &mut Vec<Change>, path: &Path, bytes: &[u8]) {
    match std::fs::read(path) {
        Ok(old) if old == bytes => {}
        Ok(old) => changes.push(Change::Update {
            path: path.to_path_buf(),
            old,
            bytes: bytes.to_vec(),
        }),
        Err(_) => changes.push(Change::Create {
            path: path.to_path_buf(),
            bytes: bytes.to_vec(),
        }),
    }
}

impl Plan {
    /// Applies the changes: each write through a temporary file and a
    /// rename; a rewritten file keeps its mode, a new one gets 0644.
    pub fn apply(&self) -> Result<(), String> {
        for change in &self.changes {
            apply_one(change)
                .map_err(|(op, path, e)| format!("{op} {}: {}", path.display(), io_reason(&e)))?;
        }
        Ok(())
    }

    /// For `generate --check`: one line per change sorted by path
    /// (`create gen/a.pb.go`, `update …`, `delete …`, `mkdir …`, `rmdir …`),
    /// paths relative to the cwd when under it. With `diff`, the lines are
    /// followed by a unified diff of each file change in the same order.
    pub fn describe(&self, diff: bool) -> String {
        let mut items: Vec<(String, &Change)> = self
            .changes
            .iter()
            .map(|c| (self.display(c.path()), c))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::new();
        for (path, change) in &items {
            let verb = match change {
                Change::Create { .. } => "create",
                Change::Update { .. } => "update",
                Change::Delete { .. } => "delete",
                Change::CreateDir { .. } => "mkdir",
                Change::RemoveDir { .. } => "rmdir",
            };
            out.push_str(&format!("{verb} {path}\n"));
        }
        if !diff {
            return out;
        }
        for (path, change) in &items {
            let (old, new): (&[u8], &[u8]) = match change {
                Change::Create { bytes, .. } => (&[], bytes),
                Change::Update { old, bytes, .. } => (old, bytes),
                Change::Delete { old, .. } => (old, &[]),
                _ => continue,
            };
            let from = match change {
                Change::Create { .. } => "/dev/null".to_string(),
                _ => format!("a/{path}"),
            };
            let to = match change {
                Change::Delete { .. } => "/dev/null".to_string(),
                _ => format!("b/{path}"),
            };
            out.push_str(&format!("--- {from}\n+++ {to}\n"));
            match (text(old), text(new)) {
                (Some(a), Some(b)) => out.push_str(&diff::unified(a, b)),
                _ => out.push_str("Binary files differ\n"),
            }
        }
        out
    }

    fn display(&self, path: &Path) -> String {
        let shown = path.strip_prefix(&self.cwd).unwrap_or(path);
        let s = shown.to_string_lossy().into_owned();
        if s.is_empty() { ".".into() } else { s }
    }
}

/// Text for the diff: UTF-8 without NUL bytes.
fn text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

type ApplyError<'a> = (&'static str, &'a Path, io::Error);

fn apply_one(change: &Change) -> Result<(), ApplyError<'_>> {
    match change {
        Change::CreateDir { path } => make_dirs(path).map_err(|e| ("mkdir", path.as_path(), e)),
        Change::Create { path, bytes } => write_file(path, bytes, 0o644),
        Change::Update { path, bytes, .. } => {
            let mode = existing_mode(path).unwrap_or(0o644);
            write_file(path, bytes, mode)
        }
        Change::Delete { path, .. } => match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(("remove", path.as_path(), e)),
            _ => Ok(()),
        },
        // Only an empty directory goes; one that filled up meanwhile stays.
        Change::RemoveDir { path } => {
            let _ = std::fs::remove_dir(path);
            Ok(())
        }
    }
}

fn write_file<'a>(path: &'a Path, bytes: &[u8], mode: u32) -> Result<(), ApplyError<'a>> {
    if let Some(parent) = path.parent() {
        make_dirs(parent).map_err(|e| ("mkdir", parent, e))?;
    }
    crate::atomic::write(path, bytes, Some(mode)).map_err(|e| ("write", path, e))
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn existing_mode(_path: &Path) -> Option<u32> {
    None
}

fn make_dirs(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o755);
    }
    builder.create(path)
}

/// Go's `filepath.Abs`: joined with the cwd when relative, then cleaned.
fn absolute(cwd: &Path, out: &str) -> PathBuf {
    if out.starts_with('/') {
        PathBuf::from(go_clean(out))
    } else {
        PathBuf::from(go_clean(&format!("{}/{out}", cwd.to_string_lossy())))
    }
}

/// Go's `filepath.Ext`: from the last dot of the last element.
fn go_ext(path: &Path) -> &str {
    let s = path.to_str().unwrap_or("");
    let last = s.rsplit('/').next().unwrap_or("");
    last.rfind('.').map(|i| &last[i..]).unwrap_or("")
}

/// The names buf's in-memory bucket refuses.
fn check_storage_path(name: &str) -> Result<(), String> {
    let normalized = go_clean(name);
    if normalized == ".." || normalized.starts_with("../") {
        return Err(format!("{name}: is outside the context directory"));
    }
    if normalized == "." {
        return Err("cannot use root".into());
    }
    Ok(())
}

/// Go's `bufio.Scanner` line limit: a longer line stops the scan.
const MAX_LINE: usize = 64 * 1024;

/// `bufio.ScanLines`: split on `\n`, drop one trailing `\r`, no empty last line.
fn scan_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    body.split(|b| *b == b'\n')
        .filter(move |_| !empty)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// buf's insertion: `content` goes before every line holding the marker,
/// each of its lines prefixed with that line's leading whitespace and ended
/// with `\n`; lines are rejoined with `\n`, so the final newline is lost.
fn insert(target: &[u8], point: &str, content: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let marker = format!("@@protoc_insertion_point({point})");
    let marker = marker.as_bytes();
    let mut out = Vec::with_capacity(target.len() + content.len());
    let mut found = false;
    for (i, line) in scan_lines(target).enumerate() {
        if line.len() >= MAX_LINE {
            return Err("bufio.Scanner: token too long".into());
        }
        if i > 0 {
            out.push(b'\n');
        }
        if line.windows(marker.len()).any(|w| w == marker) {
            let indent = leading_whitespace(line);
            for inserted in scan_lines(content).take_while(|l| l.len() < MAX_LINE) {
                out.extend_from_slice(indent);
                out.extend_from_slice(inserted);
                out.push(b'\n');
            }
            found = true;
        }
        out.extend_from_slice(line);
    }
    if !found {
        return Err(format!(
            "could not find insertion point {} in {}",
            super::response::go_quote(point),
            super::response::go_quote(name)
        ));
    }
    Ok(out)
}

/// Leading Unicode whitespace (Go's `unicode.IsSpace`, the same set as
/// Rust's `char::is_whitespace`), stopping at invalid UTF-8.
fn leading_whitespace(line: &[u8]) -> &[u8] {
    let valid = match std::str::from_utf8(line) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or(""),
    };
    let rest = valid.trim_start_matches(char::is_whitespace);
    &line[..valid.len() - rest.len()]
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
