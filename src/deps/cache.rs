//! buf's v3 module cache (`$BUF_CACHE_DIR/v3`), read and written exactly as buf 1.75.0 does
//! (layout, `module.yaml` bytes, flock files and their timeout), so buf and protolith can
//! share one cache. Every read is digest-checked; nothing unverified is ever written.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::digest::{self, Digest, DigestKind};
use super::lock::{
    GoName, GoSeq, decode_first_document, go_string, has_yaml_document, parse_dashless_commit,
    yaml_scalar,
};
use crate::config::path::quote;
use crate::config::{DecodeError, ModuleFullName};

/// $BUF_CACHE_DIR, else $XDG_CACHE_HOME/buf, else $HOME/.cache/buf (non-empty env values only);
/// on Windows %LocalAppData%/buf before $HOME.
pub fn cache_root() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("BUF_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("buf"));
    }
    if cfg!(windows)
        && let Some(dir) = var("LOCALAPPDATA")
    {
        return Some(PathBuf::from(dir).join("buf"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("buf"))
}

/// A module at a commit, with the digest buf.lock (or the registry) says it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleKey {
    pub name: ModuleFullName,
    /// Dashless, lower-case 32-hex commit ID.
    pub commit: String,
    pub digest: Digest,
}

impl fmt::Display for ModuleKey {
    /// `registry/owner/name:commit`, as buf names a module key in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.commit)
    }
}

/// A module's content as the cache (and a download) holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleData {
    /// Module files (buf's file set), sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// The full transitive dependency set: b5 covers every one of their digests.
    pub deps: Vec<ModuleKey>,
    /// b4 modules only: the v1 buf.yaml the registry stored with the commit. Stored and
    /// hashed as `buf.yaml` (a legacy `buf.mod` name is not kept, see `put`).
    pub v1_buf_yaml: Option<Vec<u8>>,
    /// b4 modules only: the v1 buf.lock the registry stored with the commit.
    pub v1_buf_lock: Option<Vec<u8>>,
}

impl ModuleData {
    /// The digest of this content, of the given kind.
    pub fn digest(&self, kind: DigestKind) -> Digest {
        self.digest_with_yaml_name(kind, "buf.yaml")
    }

    fn digest_with_yaml_name(&self, kind: DigestKind, yaml_name: &str) -> Digest {
        match kind {
            DigestKind::B5 => {
                let deps: Vec<Digest> = self.deps.iter().map(|d| d.digest.clone()).collect();
                digest::b5(&self.files, &deps)
            }
            DigestKind::B4 => digest::b4(
                &self.files,
                self.v1_buf_yaml.as_deref().map(|d| (yaml_name, d)),
                self.v1_buf_lock.as_deref(),
            ),
        }
    }
}

/// Cache content read but not yet checked against its key's digest.
pub struct Unverified {
    pub data: ModuleData,
    yaml_name: String,
}

impl Unverified {
    /// The content and the name its v1 buf.yaml is hashed under.
    pub fn into_parts(self) -> (ModuleData, String) {
        (self.data, self.yaml_name)
    }

    /// buf's check: the content's digest must be the key's.
    pub fn verify(&self, key: &ModuleKey) -> Result<(), CacheError> {
        let actual = self
            .data
            .digest_with_yaml_name(key.digest.kind, &self.yaml_name);
        if actual != key.digest {
            return Err(CacheError::DigestMismatch {
                module: key.to_string(),
                expected: key.digest.clone(),
                actual,
            });
        }
        Ok(())
    }
}

/// A commit's metadata as buf caches it in `v3/commits/b5/<registry>/<commit>.json` (used to
/// turn b4 keys into b5 ones and to pick the newest of two versions of a module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRecord {
    pub owner: String,
    pub module: String,
    /// RFC 3339, UTC (`2023-11-14T22:13:24Z`), as Go marshals a `time.Time`.
    pub create_time: String,
    /// Always b5.
    pub digest: Digest,
}

/// The cache could not do its job. Display is buf's text where buf has one.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Callers add `could not get module data for remote module "<name>": ` in front.
    #[error("could not get file lock {}: context deadline exceeded", quote(&.path.display().to_string()))]
    LockTimeout { path: PathBuf },
    #[error(
        "*** Digest verification failed for {} ***\n\tExpected digest (from buf.lock): {}\n\tActual digest: {}\n\tThis may be the result of a hand-edited or corrupted buf.lock file, a corrupted local cache, and/or an attack.\n\tTo clear your local cache, run \"buf registry cc\".",
        quote(&.module.to_string()),
        quote(&.expected.to_string()),
        quote(&.actual.to_string())
    )]
    DigestMismatch {
        /// `registry/owner/name:commit`.
        module: String,
        expected: Digest,
        actual: Digest,
    },
    /// An existing module.yaml that is not YAML. buf fails the same way when it tries to store
    /// over it (`yaml: line 1: ...`); `buf registry cc` is the way out.
    #[error("{0}")]
    ModuleYaml(DecodeError),
    /// A name part, commit or file path that would not stay inside its cache directory.
    #[error("invalid cache path {}", quote(.0))]
    InvalidPath(String),
    #[error("{op} {}: {reason}", .path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        reason: String,
    },
}

fn io_error(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> CacheError {
    let path = path.to_path_buf();
    move |e| CacheError::Io {
        op,
        path,
        reason: crate::config::io_reason(&e),
    }
}

/// buf's filelock policy: try, then retry every 200 ms for up to 3 s.
const LOCK_TIMEOUT: Duration = Duration::from_secs(3);
const LOCK_RETRY: Duration = Duration::from_millis(200);

/// Everything `buf registry cc` deletes, in the order it reports them.
const CLEARED_DIRS: [&str; 14] = [
    "v1/module/data",
    "v1/module/lock",
    "v1/module/sum",
    "mod",
    "lock/mod",
    "v2/module",
    "v3/commitlocks",
    "v3/commits",
    "v3/modulelocks",
    "v3/modules",
    "v3/plugins",
    "v3/policies",
    "v3/wellknowntypes",
    "v3/wasmruntime",
];

const MODULE_YAML: &str = "module.yaml";
const FILES_DIR: &str = "files";
const V1_BUF_YAML_FILE: &str = "v1_buf_yaml/buf.yaml";
const V1_BUF_LOCK_FILE: &str = "v1_buf_lock/buf.lock";

/// The module cache under one base directory (see [`cache_root`]).
pub struct ModuleCache {
    root: PathBuf,
    lock_timeout: Duration,
}

/// A held flock; dropping the file releases it.
struct FileLock {
    _file: fs::File,
}

impl ModuleCache {
    pub fn new(root: PathBuf) -> Self {
        ModuleCache {
            root,
            lock_timeout: LOCK_TIMEOUT,
        }
    }

    /// Tests use a short lock timeout.
    #[cfg(test)]
    pub(crate) fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The cached module, digest-verified; `Ok(None)` on a miss.
    ///
    /// A miss is what buf treats as one (buf-deps.md §4.3): no `module.yaml`, one that does not
    /// parse, one that is invalid (version ≠ v1, empty `files_dir`, a dep lacking a field or
    /// not parsing), or a missing v1 file. Content that does not match the key's digest is an
    /// error, not a miss: buf does not re-download then either. A shared lock that cannot be
    /// had within the timeout is `LockTimeout`, which callers treat as a miss, as buf does.
    pub fn get(&self, key: &ModuleKey) -> Result<Option<ModuleData>, CacheError> {
        match self.get_unverified(key)? {
            Some(entry) => {
                entry.verify(key)?;
                Ok(Some(entry.data))
            }
            None => Ok(None),
        }
    }

    /// [`get`](Self::get) without the digest check, which the caller must
    /// make ([`Unverified::verify`]) before trusting anything built from the
    /// content: it lets a build hash a large module while it compiles.
    pub fn get_unverified(&self, key: &ModuleKey) -> Result<Option<Unverified>, CacheError> {
        let dir = self.module_dir(key)?;
        let lock = self.module_lock_path(key)?;
        let entry = {
            let _guard = self.acquire(&lock, false)?;
            match read_module_yaml(&dir)? {
                Some(Ok(raw)) if raw.is_valid() => read_entry(&dir, &raw)?,
                _ => None,
            }
        };
        // Like buf, `files/` is read outside the lock: a valid entry is never rewritten.
        let Some(entry) = entry else {
            return Ok(None);
        };
        let Some(files) = read_files(&dir, &entry.files_dir)? else {
            return Ok(None);
        };
        let data = ModuleData {
            files,
            deps: entry.deps,
            v1_buf_yaml: entry.v1_buf_yaml.map(|(_, data)| data),
            v1_buf_lock: entry.v1_buf_lock,
        };
        Ok(Some(Unverified {
            data,
            yaml_name: entry.v1_buf_yaml_name,
        }))
    }

    /// Stores verified content. Nothing is written unless `data` has `key`'s digest; an entry
    /// whose `module.yaml` is already valid is left alone (readers rely on valid entries never
    /// changing). Otherwise, under the exclusive lock: `files/` is cleared and rewritten, then
    /// the v1 files, then `module.yaml` through a temporary file and a rename, so an entry is
    /// only ever complete or absent.
    ///
    /// The v1 buf.yaml is stored as `buf.yaml`: [`ModuleData`] does not carry the legacy
    /// `buf.mod` name, so such content fails verification here rather than being stored
    /// under the wrong name.
    pub fn put(&self, key: &ModuleKey, data: &ModuleData) -> Result<(), CacheError> {
        let dir = self.module_dir(key)?;
        let lock = self.module_lock_path(key)?;
        for (path, _) in &data.files {
            check_relative_path(path)?;
        }
        for dep in &data.deps {
            check_key(dep)?;
        }
        let actual = data.digest(key.digest.kind);
        if actual != key.digest {
            return Err(CacheError::DigestMismatch {
                module: key.to_string(),
                expected: key.digest.clone(),
                actual,
            });
        }
        {
            let _shared = self.acquire(&lock, false)?;
            if has_valid_module_yaml(&dir)? {
                return Ok(());
            }
        }
        let _exclusive = self.acquire(&lock, true)?;
        if has_valid_module_yaml(&dir)? {
            return Ok(());
        }
        let files_dir = dir.join(FILES_DIR);
        match fs::remove_dir_all(&files_dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("remove", &files_dir)(e)),
        }
        {
            use rayon::prelude::*;
            // Directories first (once each), then the files in parallel.
            let dirs: std::collections::BTreeSet<PathBuf> = data
                .files
                .iter()
                .filter_map(|(path, _)| files_dir.join(path).parent().map(Path::to_path_buf))
                .collect();
            for d in &dirs {
                create_dirs(d)?;
            }
            data.files
                .par_iter()
                .try_for_each(|(path, content)| write_file(&files_dir.join(path), content))?;
        }
        if let Some(content) = &data.v1_buf_yaml {
            write_file(&dir.join(V1_BUF_YAML_FILE), content)?;
        }
        if let Some(content) = &data.v1_buf_lock {
            write_file(&dir.join(V1_BUF_LOCK_FILE), content)?;
        }
        let text = render_module_yaml(data);
        write_atomic(&dir, MODULE_YAML, text.as_bytes())
    }

    /// Stores a commit's metadata (`v3/commits/b5/<registry>/<commit>.json`) as compact JSON
    /// in buf's key order, under an exclusive lock on `v3/commitlocks/b5/<registry>.lock`.
    pub fn put_commit(
        &self,
        registry: &str,
        commit_id: &str,
        record: &CommitRecord,
    ) -> Result<(), CacheError> {
        let (dir, file, lock) = self.commit_paths(registry, commit_id)?;
        if record.owner.is_empty()
            || record.module.is_empty()
            || record.create_time.is_empty()
            || record.digest.kind != DigestKind::B5
        {
            return Err(CacheError::InvalidPath(format!(
                "{registry}/{}/{}:{commit_id}",
                record.owner, record.module
            )));
        }
        let json = format!(
            "{{\"version\":\"v1\",\"owner\":{},\"module\":{},\"create_time\":{},\"digest\":{}}}",
            crate::report::go_json_string(&record.owner),
            crate::report::go_json_string(&record.module),
            crate::report::go_json_string(&record.create_time),
            crate::report::go_json_string(&record.digest.to_string()),
        );
        let _guard = self.acquire(&lock, true)?;
        write_atomic(&dir, &file, json.as_bytes())
    }

    /// A cached commit's metadata; `Ok(None)` when absent or invalid (buf deletes invalid
    /// records so they are fetched again; so does this).
    pub fn get_commit(
        &self,
        registry: &str,
        commit_id: &str,
    ) -> Result<Option<CommitRecord>, CacheError> {
        let (dir, file, lock) = self.commit_paths(registry, commit_id)?;
        let path = dir.join(file);
        let _guard = self.acquire(&lock, false)?;
        let data = match fs::read(&path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &path)(e)),
        };
        let record = parse_commit_record(&data);
        if record.is_none() {
            let _ = fs::remove_file(&path);
        }
        Ok(record)
    }

    /// `buf registry cc`: deletes every cache tree buf deletes (current and legacy layouts)
    /// and returns the ones that existed, in buf's order, for its `deleted <path>` lines.
    pub fn clear(&self) -> io::Result<Vec<PathBuf>> {
        let mut deleted = Vec::new();
        for rel in CLEARED_DIRS {
            let path = rel
                .split('/')
                .fold(self.root.clone(), |p, part| p.join(part));
            let meta = match fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if meta.is_dir() {
                fs::remove_dir_all(&path)?;
            } else {
                fs::remove_file(&path)?;
            }
            deleted.push(path);
        }
        Ok(deleted)
    }

    /// Where a module's files live in the cache (buf's layout: `files/` in
    /// the entry), for commands that print paths (`ls-files --format json`).
    pub fn files_dir(&self, key: &ModuleKey) -> Result<PathBuf, CacheError> {
        Ok(self.module_dir(key)?.join("files"))
    }

    fn module_dir(&self, key: &ModuleKey) -> Result<PathBuf, CacheError> {
        check_key(key)?;
        Ok(self
            .root
            .join("v3")
            .join("modules")
            .join(key.digest.kind.prefix())
            .join(&key.name.registry)
            .join(&key.name.owner)
            .join(&key.name.name)
            .join(&key.commit))
    }

    fn module_lock_path(&self, key: &ModuleKey) -> Result<PathBuf, CacheError> {
        check_key(key)?;
        Ok(self
            .root
            .join("v3")
            .join("modulelocks")
            .join(key.digest.kind.prefix())
            .join(&key.name.registry)
            .join(&key.name.owner)
            .join(&key.name.name)
            .join(format!("{}.lock", key.commit)))
    }

    fn commit_paths(
        &self,
        registry: &str,
        commit_id: &str,
    ) -> Result<(PathBuf, String, PathBuf), CacheError> {
        check_component(registry)?;
        check_commit(commit_id)?;
        let v3 = self.root.join("v3");
        Ok((
            v3.join("commits").join("b5").join(registry),
            format!("{commit_id}.json"),
            v3.join("commitlocks")
                .join("b5")
                .join(format!("{registry}.lock")),
        ))
    }

    /// Takes a flock on `path` (created 0600 with its parents if missing, as buf does),
    /// retrying every 200 ms until the timeout.
    fn acquire(&self, path: &Path, exclusive: bool) -> Result<FileLock, CacheError> {
        if let Some(parent) = path.parent() {
            create_dirs(parent)?;
        }
        let file = open_lock_file(path).map_err(io_error("open", path))?;
        let start = Instant::now();
        loop {
            let attempt = if exclusive {
                file.try_lock()
            } else {
                file.try_lock_shared()
            };
            match attempt {
                Ok(()) => return Ok(FileLock { _file: file }),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", path)(e)),
            }
            let elapsed = start.elapsed();
            if elapsed >= self.lock_timeout {
                return Err(CacheError::LockTimeout {
                    path: path.to_path_buf(),
                });
            }
            std::thread::sleep(LOCK_RETRY.min(self.lock_timeout - elapsed));
        }
    }
}

fn open_lock_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        // A lock file someone else created read-only still locks fine for reading.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => fs::File::open(path),
        other => other,
    }
}

/// Cache paths are built from names, commits and file paths that come from buf.lock files
/// and registries; none may climb out of its directory.
fn check_component(part: &str) -> Result<(), CacheError> {
    if part.is_empty() || part == "." || part == ".." || part.contains(['/', '\\', '\0']) {
        return Err(CacheError::InvalidPath(part.to_string()));
    }
    Ok(())
}

fn check_commit(commit: &str) -> Result<(), CacheError> {
    match parse_dashless_commit(commit) {
        Ok(lower) if lower == commit => Ok(()),
        _ => Err(CacheError::InvalidPath(commit.to_string())),
    }
}

fn check_key(key: &ModuleKey) -> Result<(), CacheError> {
    check_component(&key.name.registry)?;
    check_component(&key.name.owner)?;
    check_component(&key.name.name)?;
    check_commit(&key.commit)
}

fn check_relative_path(path: &str) -> Result<(), CacheError> {
    if path.is_empty() {
        return Err(CacheError::InvalidPath(path.to_string()));
    }
    for part in path.split('/') {
        check_component(part).map_err(|_| CacheError::InvalidPath(path.to_string()))?;
    }
    Ok(())
}

fn create_dirs(dir: &Path) -> Result<(), CacheError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o755);
    }
    builder.create(dir).map_err(io_error("mkdir", dir))
}

/// A plain 0644 file (dirs 0755), umask permitting: readable by whoever shares the cache.
fn write_file(path: &Path, content: &[u8]) -> Result<(), CacheError> {
    if let Some(parent) = path.parent() {
        create_dirs(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    let mut file = options.open(path).map_err(io_error("open", path))?;
    file.write_all(content).map_err(io_error("write", path))
}

/// Writes `dir/name` through a temporary file in `dir` and a rename. buf's files end up 0600
/// (a side effect of its temp files); ours are 0644 so a shared cache stays readable.
fn write_atomic(dir: &Path, name: &str, content: &[u8]) -> Result<(), CacheError> {
    create_dirs(dir)?;
    let target = dir.join(name);
    crate::atomic::write(&target, content, Some(0o644)).map_err(io_error("write", &target))
}

/// `module.yaml` as buf writes it: yaml.v3, 2-space indent, keys in struct order, empty
/// values left out, deps sorted by name.
fn render_module_yaml(data: &ModuleData) -> String {
    let mut out = String::from("version: v1\nfiles_dir: files\n");
    let mut deps: Vec<&ModuleKey> = data.deps.iter().collect();
    deps.sort_by_cached_key(|d| d.name.to_string());
    if !deps.is_empty() {
        out.push_str("deps:\n");
    }
    for dep in deps {
        out.push_str(&format!(
            "  - name: {}\n",
            yaml_scalar(&dep.name.to_string())
        ));
        out.push_str(&format!("    commit: {}\n", yaml_scalar(&dep.commit)));
        out.push_str(&format!(
            "    digest: {}\n",
            yaml_scalar(&dep.digest.to_string())
        ));
    }
    if data.v1_buf_yaml.is_some() {
        out.push_str(&format!("v1_buf_yaml_file: {V1_BUF_YAML_FILE}\n"));
    }
    if data.v1_buf_lock.is_some() {
        out.push_str(&format!("v1_buf_lock_file: {V1_BUF_LOCK_FILE}\n"));
    }
    out
}

/// `module.yaml` as buf reads it: non-strict (unknown keys, comments and any key order are
/// fine), Go string semantics for scalars.
#[derive(Deserialize)]
struct RawModuleData {
    #[serde(default, deserialize_with = "go_string")]
    version: String,
    #[serde(default, deserialize_with = "go_string")]
    files_dir: String,
    #[serde(default)]
    deps: GoSeq<RawModuleDataDep>,
    #[serde(default, deserialize_with = "go_string")]
    v1_buf_yaml_file: String,
    #[serde(default, deserialize_with = "go_string")]
    v1_buf_lock_file: String,
}

#[derive(Deserialize)]
struct RawModuleDataDep {
    #[serde(default, deserialize_with = "go_string")]
    name: String,
    #[serde(default, deserialize_with = "go_string")]
    commit: String,
    #[serde(default, deserialize_with = "go_string")]
    digest: String,
}

impl GoName for RawModuleDataDep {
    const GO_NAME: &'static str = "bufmodulestore.externalModuleDataDep";
}

impl RawModuleData {
    /// buf's `isValid`: what it needs to trust an entry; anything less is rewritten.
    fn is_valid(&self) -> bool {
        self.version == "v1"
            && !self.files_dir.is_empty()
            && self
                .deps
                .0
                .iter()
                .all(|d| !d.name.is_empty() && !d.commit.is_empty() && !d.digest.is_empty())
    }
}

/// The entry's `module.yaml`: `None` when absent, `Some(Err)` when it is not YAML (or not
/// the shape buf reads). An empty file decodes to the zero value, as in go-yaml.
fn read_module_yaml(dir: &Path) -> Result<Option<Result<RawModuleData, DecodeError>>, CacheError> {
    let path = dir.join(MODULE_YAML);
    let data = match fs::read(&path) {
        Ok(data) => data,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("read", &path)(e)),
    };
    let Ok(text) = String::from_utf8(data) else {
        return Ok(Some(Err(DecodeError::Syntax {
            line: None,
            message: "invalid leading UTF-8 octet".to_string(),
        })));
    };
    if !has_yaml_document(&text) {
        return Ok(Some(Ok(RawModuleData {
            version: String::new(),
            files_dir: String::new(),
            deps: GoSeq::default(),
            v1_buf_yaml_file: String::new(),
            v1_buf_lock_file: String::new(),
        })));
    }
    Ok(Some(decode_first_document::<RawModuleData>(&text)))
}

/// Whether a writer must leave the entry alone. A module.yaml that is not YAML stops the
/// write with buf's error rather than being overwritten (buf behaves the same).
fn has_valid_module_yaml(dir: &Path) -> Result<bool, CacheError> {
    match read_module_yaml(dir)? {
        None => Ok(false),
        Some(Ok(raw)) => Ok(raw.is_valid()),
        Some(Err(e)) => Err(CacheError::ModuleYaml(e)),
    }
}

/// What a valid module.yaml points at, read under the shared lock.
struct Entry {
    files_dir: String,
    deps: Vec<ModuleKey>,
    v1_buf_yaml_name: String,
    v1_buf_yaml: Option<(String, Vec<u8>)>,
    v1_buf_lock: Option<Vec<u8>>,
}

/// The deps and v1 files of a valid module.yaml; `None` (a miss) when a dep does not parse,
/// a path leaves the entry, or a v1 file is missing.
fn read_entry(dir: &Path, raw: &RawModuleData) -> Result<Option<Entry>, CacheError> {
    let mut deps = Vec::with_capacity(raw.deps.0.len());
    for dep in &raw.deps.0 {
        let Ok(name) = ModuleFullName::parse(&dep.name) else {
            return Ok(None);
        };
        let Ok(digest) = Digest::parse(&dep.digest) else {
            return Ok(None);
        };
        let Ok(commit) = parse_dashless_commit(&dep.commit) else {
            return Ok(None);
        };
        deps.push(ModuleKey {
            name,
            commit,
            digest,
        });
    }
    if check_relative_path(&raw.files_dir).is_err() {
        return Ok(None);
    }
    let read_optional = |rel: &str| -> Result<Option<Option<Vec<u8>>>, CacheError> {
        if rel.is_empty() {
            return Ok(Some(None));
        }
        if check_relative_path(rel).is_err() {
            return Ok(None);
        }
        let path = dir.join(rel);
        match fs::read(&path) {
            Ok(data) => Ok(Some(Some(data))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", &path)(e)),
        }
    };
    let Some(v1_buf_yaml) = read_optional(&raw.v1_buf_yaml_file)? else {
        return Ok(None);
    };
    let Some(v1_buf_lock) = read_optional(&raw.v1_buf_lock_file)? else {
        return Ok(None);
    };
    let v1_buf_yaml_name = raw
        .v1_buf_yaml_file
        .rsplit('/')
        .next()
        .unwrap_or("buf.yaml")
        .to_string();
    Ok(Some(Entry {
        files_dir: raw.files_dir.clone(),
        deps,
        v1_buf_yaml: v1_buf_yaml.map(|data| (v1_buf_yaml_name.clone(), data)),
        v1_buf_yaml_name,
        v1_buf_lock,
    }))
}

/// Paths and contents.
type ModuleFiles = Vec<(String, Vec<u8>)>;

/// The module files under `files_dir`, filtered to buf's file set and sorted by path.
/// Symlinks are skipped, as buf's cache bucket skips them. `None` when the dir is missing.
fn read_files(dir: &Path, files_dir: &str) -> Result<Option<ModuleFiles>, CacheError> {
    let base = files_dir
        .split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part));
    if !base.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    let mut pending = vec![(base, String::new())];
    while let Some((path, prefix)) = pending.pop() {
        let entries = fs::read_dir(&path).map_err(io_error("open", &path))?;
        for entry in entries {
            let entry = entry.map_err(io_error("read", &path))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let file_type = entry.file_type().map_err(io_error("stat", &entry.path()))?;
            if file_type.is_dir() {
                pending.push((entry.path(), rel));
            } else if file_type.is_file() {
                files.push((rel, entry.path()));
            }
        }
    }
    // Filter by name first (doc-file precedence needs every name), then read what is kept.
    let names: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(rel, _)| (rel.clone(), Vec::new()))
        .collect();
    let kept: std::collections::HashSet<String> = digest::module_files(names)
        .into_iter()
        .map(|(rel, _)| rel)
        .collect();
    use rayon::prelude::*;
    let mut result: Vec<(String, Vec<u8>)> = files
        .into_par_iter()
        .filter(|(rel, _)| kept.contains(rel))
        .map(|(rel, path)| {
            let data = fs::read(&path).map_err(io_error("read", &path))?;
            Ok((rel, data))
        })
        .collect::<Result<_, CacheError>>()?;
    result.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(Some(result))
}

fn parse_commit_record(data: &[u8]) -> Option<CommitRecord> {
    let value: serde_json::Value = serde_json::from_slice(data).ok()?;
    let field = |key: &str| value.get(key).and_then(serde_json::Value::as_str);
    if field("version")? != "v1" {
        return None;
    }
    let owner = field("owner").filter(|s| !s.is_empty())?.to_string();
    let module = field("module").filter(|s| !s.is_empty())?.to_string();
    let create_time = field("create_time").filter(|s| is_rfc3339(s))?.to_string();
    let digest = Digest::parse(field("digest")?).ok()?;
    if digest.kind != DigestKind::B5 {
        return None;
    }
    Some(CommitRecord {
        owner,
        module,
        create_time,
        digest,
    })
}

/// Go's `time.RFC3339Nano` shape: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            digits(i + 1..i + 3)
                && b.get(i + 3) == Some(&b':')
                && digits(i + 4..i + 6)
                && i + 6 == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C_DEP: &str = "b5d9a28877874bf89af35605f428e457";
    const C_OTHER: &str = "3db9a314f3f14ccfbb39fe1200b68525";
    const C_UTIL: &str = "242473b0509b4bad853bdf469a51304a";
    const DEP_PROTO: &str =
        "syntax = \"proto3\";\npackage dep.v1;\nmessage Dep { string x = 1; }\n";
    const OTHER_PROTO: &str = "syntax = \"proto3\";\npackage other;\nimport \"dep/v1/dep.proto\";\nmessage O { dep.v1.Dep d = 1; }\n";
    const V1_BUF_YAML: &str = "version: v1\nname: 127.0.0.1:8765/acme/dep\n";
    const V1_BUF_LOCK: &str = "# Generated by buf. DO NOT EDIT.\nversion: v1\n";

    fn name(module: &str) -> ModuleFullName {
        ModuleFullName {
            registry: "127.0.0.1:8765".to_string(),
            owner: "acme".to_string(),
            name: module.to_string(),
        }
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = list
            .iter()
            .map(|(p, c)| ((*p).to_string(), c.as_bytes().to_vec()))
            .collect();
        out.sort();
        out
    }

    /// V5 of buf-deps.md §3.2 and its key.
    fn dep() -> (ModuleKey, ModuleData) {
        let data = ModuleData {
            files: files(&[
                ("dep/v1/dep.proto", DEP_PROTO),
                ("LICENSE", "lic\n"),
                ("README.md", "# readme\n"),
            ]),
            deps: Vec::new(),
            v1_buf_yaml: None,
            v1_buf_lock: None,
        };
        let key = ModuleKey {
            name: name("dep"),
            commit: C_DEP.to_string(),
            digest: data.digest(DigestKind::B5),
        };
        (key, data)
    }

    /// V7: depends on V5.
    fn other() -> (ModuleKey, ModuleData) {
        let data = ModuleData {
            files: files(&[("other/other.proto", OTHER_PROTO)]),
            deps: vec![dep().0],
            v1_buf_yaml: None,
            v1_buf_lock: None,
        };
        let key = ModuleKey {
            name: name("other"),
            commit: C_OTHER.to_string(),
            digest: data.digest(DigestKind::B5),
        };
        (key, data)
    }

    /// V10: V5's files as a b4 module with its v1 buf.yaml and buf.lock.
    fn dep_b4() -> (ModuleKey, ModuleData) {
        let mut data = dep().1;
        data.v1_buf_yaml = Some(V1_BUF_YAML.as_bytes().to_vec());
        data.v1_buf_lock = Some(V1_BUF_LOCK.as_bytes().to_vec());
        let key = ModuleKey {
            name: name("dep"),
            commit: C_DEP.to_string(),
            digest: data.digest(DigestKind::B4),
        };
        (key, data)
    }

    fn cache(dir: &tempfile::TempDir) -> ModuleCache {
        ModuleCache::new(dir.path().to_path_buf()).with_lock_timeout(Duration::from_millis(300))
    }

    fn entry_dir(root: &Path, kind: &str, module: &str, commit: &str) -> PathBuf {
        root.join("v3/modules")
            .join(kind)
            .join("127.0.0.1:8765/acme")
            .join(module)
            .join(commit)
    }

    fn hit(cache: &ModuleCache, key: &ModuleKey) -> ModuleData {
        match cache.get(key) {
            Ok(Some(data)) => data,
            other => panic!("expected a hit for {key}, got {other:?}"),
        }
    }

    fn is_miss(cache: &ModuleCache, key: &ModuleKey) -> bool {
        matches!(cache.get(key), Ok(None))
    }

    #[test]
    fn digests_match_the_reference_vectors() {
        assert_eq!(
            dep().0.digest.to_string(),
            "b5:6c8cc8b0e4d06735e18b9f217b268cb35ded1dd703372c5eb27cfb4475ce7ed814192fe91c65b67bf1101d53d321ba5b0dd7b12775dbe8828be50ec27144c8eb"
        );
        assert_eq!(
            other().0.digest.to_string(),
            "b5:cf92a30355d914ce43f475b7396750d0387a35ea4fb00f896ebf09f6d3286ddf40022c1dc169bb32eba4f922305b65c7f189ae1378b8b36179fd7dfe22a8fe9b"
        );
        assert_eq!(
            dep_b4().0.digest.to_string(),
            "shake256:2b61fa0e2927b44d6c4d44b6528fb73c238906cbce8fc88fec24fe39d52aa40a7696d901ba483d93e4843c837456ee03da1b2109fc4b483e3bace38cb9208c9d"
        );
    }

    #[test]
    fn put_then_get_round_trips() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = other();
        assert!(is_miss(&cache, &key));
        cache.put(&key, &data).map_err(io::Error::other)?;
        assert_eq!(hit(&cache, &key), data);
        let (b4_key, b4_data) = dep_b4();
        cache.put(&b4_key, &b4_data).map_err(io::Error::other)?;
        assert_eq!(hit(&cache, &b4_key), b4_data);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
            let entry = entry_dir(dir.path(), "b5", "other", C_OTHER);
            assert_eq!(mode(&entry.join("files/other/other.proto"))?, 0o644);
            assert_eq!(mode(&entry.join("files/other"))?, 0o755);
            assert_eq!(mode(&entry.join("module.yaml"))?, 0o644);
            let lock = dir
                .path()
                .join("v3/modulelocks/b5/127.0.0.1:8765/acme/other")
                .join(format!("{C_OTHER}.lock"));
            assert_eq!(mode(&lock)?, 0o600);
        }
        Ok(())
    }

    /// buf-deps.md §4.1: key order, deps sorted by name with buf.lock quoting, v1 file keys.
    #[test]
    fn module_yaml_bytes_match_buf() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let read = |kind: &str, module: &str, commit: &str| {
            fs::read_to_string(entry_dir(dir.path(), kind, module, commit).join("module.yaml"))
        };
        assert_eq!(read("b5", "dep", C_DEP)?, "version: v1\nfiles_dir: files\n");

        let (key, data) = other();
        cache.put(&key, &data).map_err(io::Error::other)?;
        assert_eq!(
            read("b5", "other", C_OTHER)?,
            format!(
                "version: v1\nfiles_dir: files\ndeps:\n  - name: 127.0.0.1:8765/acme/dep\n    commit: {C_DEP}\n    digest: {}\n",
                dep().0.digest
            )
        );

        // A b4 module with a dep whose commit needs quoting, in the shake256 tree.
        let (dep_key, _) = dep_b4();
        let mut quoted_dep = dep_key.clone();
        quoted_dep.name = name("zzz");
        quoted_dep.commit = "12345678901234567890123456789012".to_string();
        let mut data = dep_b4().1;
        data.deps = vec![quoted_dep, dep_key.clone()];
        let key = ModuleKey {
            name: name("top"),
            commit: C_UTIL.to_string(),
            digest: data.digest(DigestKind::B4),
        };
        cache.put(&key, &data).map_err(io::Error::other)?;
        assert_eq!(
            read("shake256", "top", C_UTIL)?,
            format!(
                "version: v1\nfiles_dir: files\ndeps:\n  - name: 127.0.0.1:8765/acme/dep\n    commit: {C_DEP}\n    digest: {d}\n  - name: 127.0.0.1:8765/acme/zzz\n    commit: \"12345678901234567890123456789012\"\n    digest: {d}\nv1_buf_yaml_file: v1_buf_yaml/buf.yaml\nv1_buf_lock_file: v1_buf_lock/buf.lock\n",
                d = dep_key.digest
            )
        );
        let entry = entry_dir(dir.path(), "shake256", "top", C_UTIL);
        assert_eq!(
            fs::read_to_string(entry.join("v1_buf_yaml/buf.yaml"))?,
            V1_BUF_YAML
        );
        assert_eq!(
            fs::read_to_string(entry.join("v1_buf_lock/buf.lock"))?,
            V1_BUF_LOCK
        );
        Ok(())
    }

    #[test]
    fn tampered_file_is_a_digest_mismatch_with_bufs_text() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let proto = entry_dir(dir.path(), "b5", "dep", C_DEP).join("files/dep/v1/dep.proto");
        fs::write(&proto, "syntax = \"proto3\";\n")?;
        let mut tampered = data.clone();
        if let Some(f) = tampered
            .files
            .iter_mut()
            .find(|(p, _)| p == "dep/v1/dep.proto")
        {
            f.1 = b"syntax = \"proto3\";\n".to_vec();
        }
        let actual = tampered.digest(DigestKind::B5);
        match cache.get(&key) {
            Err(e) => assert_eq!(
                e.to_string(),
                format!(
                    "*** Digest verification failed for \"127.0.0.1:8765/acme/dep:{C_DEP}\" ***\n\tExpected digest (from buf.lock): \"{}\"\n\tActual digest: \"{actual}\"\n\tThis may be the result of a hand-edited or corrupted buf.lock file, a corrupted local cache, and/or an attack.\n\tTo clear your local cache, run \"buf registry cc\".",
                    key.digest
                )
            ),
            other => panic!("expected a digest mismatch, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn put_verifies_before_writing_anything() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (mut key, data) = dep();
        key.digest = other().0.digest;
        assert!(matches!(
            cache.put(&key, &data),
            Err(CacheError::DigestMismatch { .. })
        ));
        assert!(!dir.path().join("v3/modules").exists());
        Ok(())
    }

    #[test]
    fn extra_files_in_the_entry_are_ignored() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let files_dir = entry_dir(dir.path(), "b5", "dep", C_DEP).join("files");
        fs::write(files_dir.join("notes.txt"), "x")?;
        fs::write(files_dir.join("README.markdown"), "x")?;
        assert_eq!(hit(&cache, &key), data);
        Ok(())
    }

    /// buf-deps.md §4.3: what buf treats as a miss. Each variant replaces module.yaml.
    #[test]
    fn invalid_module_yaml_is_a_miss() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = other();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let entry = entry_dir(dir.path(), "b5", "other", C_OTHER);
        let good = fs::read_to_string(entry.join("module.yaml"))?;
        let variants = [
            good.replace("version: v1", "version: v2"),
            good.replace("files_dir: files", "files_dir: ''"),
            good.replace("    digest:", "    other:"),
            good.replace("    commit:", "    other:"),
            good.replace("  - name:", "  - other:"),
            good.replace("digest: b5:", "digest: b5:00"),
            good.replace(C_DEP, "1234"),
            "version: v1\nfiles_dir: files\ndeps: [a\n".to_string(),
            "not: [valid\n".to_string(),
            String::new(),
            good.clone() + "v1_buf_yaml_file: v1_buf_yaml/buf.yaml\n",
            good.replace("files_dir: files", "files_dir: ../files"),
        ];
        for text in variants {
            fs::write(entry.join("module.yaml"), &text)?;
            assert!(is_miss(&cache, &key), "{text:?}");
        }
        fs::remove_file(entry.join("module.yaml"))?;
        assert!(is_miss(&cache, &key));
        Ok(())
    }

    #[test]
    fn foreign_module_yaml_layouts_are_accepted() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = other();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let entry = entry_dir(dir.path(), "b5", "other", C_OTHER);
        let foreign = format!(
            "# written by hand\nfiles_dir: \"files\"\nextra: [1, 2]\ndeps:\n- digest: {}\n  commit: \"{C_DEP}\"\n  name: 127.0.0.1:8765/acme/dep\n  note: x\nversion: v1\n",
            dep().0.digest
        );
        fs::write(entry.join("module.yaml"), foreign)?;
        assert_eq!(hit(&cache, &key), data);
        Ok(())
    }

    #[test]
    fn put_leaves_valid_entries_alone_and_rewrites_invalid_ones() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let entry = entry_dir(dir.path(), "b5", "dep", C_DEP);
        let custom = "version: v1\nfiles_dir: files\n# mine\n";
        fs::write(entry.join("module.yaml"), custom)?;
        cache.put(&key, &data).map_err(io::Error::other)?;
        assert_eq!(fs::read_to_string(entry.join("module.yaml"))?, custom);

        // Invalid: files/ is cleared (a stale .proto would break the digest) and rewritten.
        fs::write(entry.join("module.yaml"), "version: v0\n")?;
        fs::write(entry.join("files/stale.proto"), "x")?;
        cache.put(&key, &data).map_err(io::Error::other)?;
        assert!(!entry.join("files/stale.proto").exists());
        assert_eq!(hit(&cache, &key), data);
        Ok(())
    }

    /// buf-deps.md §4.3: a module.yaml that is not YAML is a miss on read, and the write
    /// after the download fails with go-yaml's message (buf's `could not get module data for
    /// remote module "X": yaml: line 1: ...`).
    #[test]
    fn unparseable_module_yaml_fails_the_write() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        let entry = entry_dir(dir.path(), "b5", "dep", C_DEP);
        fs::create_dir_all(&entry)?;
        fs::write(entry.join("module.yaml"), "version: [v1\n")?;
        assert!(is_miss(&cache, &key));
        match cache.put(&key, &data) {
            Err(e @ CacheError::ModuleYaml(_)) => assert_eq!(
                e.to_string(),
                "yaml: line 1: did not find expected ',' or ']'"
            ),
            other => panic!("expected a module.yaml error, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn missing_v1_file_is_a_miss() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep_b4();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let entry = entry_dir(dir.path(), "shake256", "dep", C_DEP);
        fs::remove_file(entry.join("v1_buf_lock/buf.lock"))?;
        assert!(is_miss(&cache, &key));
        Ok(())
    }

    #[test]
    fn held_exclusive_lock_times_out_with_bufs_text() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        cache.put(&key, &data).map_err(io::Error::other)?;
        let lock_path = dir
            .path()
            .join("v3/modulelocks/b5/127.0.0.1:8765/acme/dep")
            .join(format!("{C_DEP}.lock"));
        // flock conflicts between open file descriptions, even in one process.
        let holder = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&lock_path)?;
        holder.lock()?;
        let start = Instant::now();
        let result = cache.get(&key);
        assert!(start.elapsed() >= Duration::from_millis(300));
        match result {
            Err(e @ CacheError::LockTimeout { .. }) => assert_eq!(
                e.to_string(),
                format!(
                    "could not get file lock \"{}\": context deadline exceeded",
                    lock_path.display()
                )
            ),
            other => panic!("expected a lock timeout, got {other:?}"),
        }
        assert!(matches!(
            cache.put(&key, &data),
            Err(CacheError::LockTimeout { .. })
        ));
        holder.unlock()?;
        // A shared lock held elsewhere costs a reader nothing.
        holder.lock_shared()?;
        assert_eq!(hit(&cache, &key), data);
        Ok(())
    }

    #[test]
    fn keys_and_paths_cannot_leave_the_cache() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let (key, data) = dep();
        let mut bad = key.clone();
        bad.name.owner = "..".to_string();
        assert!(matches!(cache.get(&bad), Err(CacheError::InvalidPath(_))));
        let mut bad = key.clone();
        bad.commit = "../../../../../../../../../../x".to_string();
        assert!(matches!(cache.get(&bad), Err(CacheError::InvalidPath(_))));
        let mut evil = data.clone();
        evil.files
            .push(("../../escape.proto".to_string(), Vec::new()));
        assert!(matches!(
            cache.put(&key, &evil),
            Err(CacheError::InvalidPath(_))
        ));
        Ok(())
    }

    #[test]
    fn commit_records_round_trip_as_compact_json() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir);
        let record = CommitRecord {
            owner: "acme".to_string(),
            module: "other".to_string(),
            create_time: "2023-11-14T22:13:24Z".to_string(),
            digest: other().0.digest,
        };
        cache
            .put_commit("127.0.0.1:8765", C_OTHER, &record)
            .map_err(io::Error::other)?;
        let path = dir
            .path()
            .join("v3/commits/b5/127.0.0.1:8765")
            .join(format!("{C_OTHER}.json"));
        assert_eq!(
            fs::read_to_string(&path)?,
            format!(
                "{{\"version\":\"v1\",\"owner\":\"acme\",\"module\":\"other\",\"create_time\":\"2023-11-14T22:13:24Z\",\"digest\":\"{}\"}}",
                record.digest
            )
        );
        assert!(
            dir.path()
                .join("v3/commitlocks/b5/127.0.0.1:8765.lock")
                .is_file()
        );
        match cache.get_commit("127.0.0.1:8765", C_OTHER) {
            Ok(Some(back)) => assert_eq!(back, record),
            other => panic!("expected the record, got {other:?}"),
        }
        assert!(matches!(
            cache.get_commit("127.0.0.1:8765", C_DEP),
            Ok(None)
        ));
        // Invalid records read as absent and are removed, as buf removes them.
        fs::write(&path, "{\"version\":\"v1\",\"owner\":\"acme\"}")?;
        assert!(matches!(
            cache.get_commit("127.0.0.1:8765", C_OTHER),
            Ok(None)
        ));
        assert!(!path.exists());
        Ok(())
    }

    /// `buf registry cc` (1.75.0) over a cache holding every tree it knows, plus strangers it
    /// leaves alone: these lines, in this order.
    #[test]
    fn clear_deletes_what_buf_deletes_in_its_order() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        for rel in CLEARED_DIRS {
            fs::create_dir_all(dir.path().join(rel))?;
        }
        for rel in [
            "v1/other",
            "lock/other",
            "v2/other",
            "v3/aaa",
            "v4/x",
            "other",
        ] {
            fs::create_dir_all(dir.path().join(rel))?;
        }
        fs::write(dir.path().join("v3/file.txt"), "")?;
        let deleted = cache(&dir).clear()?;
        let expected: Vec<PathBuf> = CLEARED_DIRS
            .iter()
            .map(|rel| {
                rel.split('/')
                    .fold(dir.path().to_path_buf(), |p, s| p.join(s))
            })
            .collect();
        assert_eq!(deleted, expected);
        for rel in [
            "v1/other",
            "lock/other",
            "v2/other",
            "v3/aaa",
            "v3/file.txt",
            "v4/x",
            "other",
        ] {
            assert!(dir.path().join(rel).exists(), "{rel}");
        }
        assert_eq!(cache(&dir).clear()?, Vec::<PathBuf>::new());
        Ok(())
    }

    /// Interop with the oracle: buf 1.75.0 builds from a cache protolith filled (a dead
    /// registry address proves no download happened), and reports a tampered entry with the
    /// same block. Skipped when `.refs/bin/buf` is absent.
    #[test]
    fn buf_reads_entries_protolith_wrote() -> io::Result<()> {
        let buf = Path::new(env!("CARGO_MANIFEST_DIR")).join(".refs/bin/buf");
        if !buf.is_file() {
            return Ok(());
        }
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("cache");
        let cache = ModuleCache::new(root.clone());
        let (dep_key, dep_data) = dep();
        let (other_key, other_data) = other();
        cache.put(&dep_key, &dep_data).map_err(io::Error::other)?;
        cache
            .put(&other_key, &other_data)
            .map_err(io::Error::other)?;

        let ws = dir.path().join("ws");
        fs::create_dir_all(&ws)?;
        fs::write(
            ws.join("buf.yaml"),
            "version: v2\ndeps:\n  - 127.0.0.1:1/acme/other\n",
        )?;
        fs::write(
            ws.join("a.proto"),
            "syntax = \"proto3\";\npackage a;\nimport \"other/other.proto\";\nmessage A { other.O o = 1; }\n",
        )?;
        // Registry 127.0.0.1:1: nothing listens there.
        let retarget = |k: &ModuleKey| {
            let mut k = k.clone();
            k.name.registry = "127.0.0.1:1".to_string();
            k
        };
        let lock = super::super::lock::BufLock {
            version: super::super::lock::LockVersion::V2,
            deps: [&dep_key, &other_key]
                .into_iter()
                .map(|k| super::super::lock::LockDep {
                    name: retarget(k).name,
                    commit: k.commit.clone(),
                    digest: Some(k.digest.clone()),
                })
                .collect(),
            plugins: Vec::new(),
            policies: Vec::new(),
        };
        super::super::lock::write(&ws, &lock)?;
        let retargeted = ModuleCache::new(root.clone());
        let mut other_data = other_data;
        other_data.deps = vec![retarget(&dep_key)];
        retargeted
            .put(&retarget(&dep_key), &dep_data)
            .map_err(io::Error::other)?;
        retargeted
            .put(&retarget(&other_key), &other_data)
            .map_err(io::Error::other)?;

        let run = || {
            std::process::Command::new(&buf)
                .arg("build")
                .arg(&ws)
                .args(["-o", "/dev/null"])
                .env("BUF_CACHE_DIR", &root)
                .env("HOME", dir.path())
                .env("NO_COLOR", "1")
                .output()
        };
        let out = run()?;
        assert!(
            out.status.success(),
            "buf build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let proto = root
            .join("v3/modules/b5/127.0.0.1:1/acme/dep")
            .join(C_DEP)
            .join("files/dep/v1/dep.proto");
        fs::write(
            &proto,
            "syntax = \"proto3\";\npackage dep.v1;\nmessage Dep {}\n",
        )?;
        let ours = match retargeted.get(&retarget(&dep_key)) {
            Err(e) => e.to_string(),
            other => panic!("expected a digest mismatch, got {other:?}"),
        };
        let out = run()?;
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("Failure: {ours}\n")
        );
        Ok(())
    }

    /// The b4 side: a v1 module whose buf.lock pins a `shake256:` digest builds from a
    /// `shake256/` entry (with its v1 buf.yaml and buf.lock) that protolith wrote.
    #[test]
    fn buf_reads_b4_entries_protolith_wrote() -> io::Result<()> {
        let buf = Path::new(env!("CARGO_MANIFEST_DIR")).join(".refs/bin/buf");
        if !buf.is_file() {
            return Ok(());
        }
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("cache");
        let (mut key, data) = dep_b4();
        key.name.registry = "127.0.0.1:1".to_string();
        ModuleCache::new(root.clone())
            .put(&key, &data)
            .map_err(io::Error::other)?;
        let ws = dir.path().join("ws");
        fs::create_dir_all(&ws)?;
        fs::write(
            ws.join("buf.yaml"),
            "version: v1\ndeps:\n  - 127.0.0.1:1/acme/dep\n",
        )?;
        fs::write(
            ws.join("a.proto"),
            "syntax = \"proto3\";\npackage a;\nimport \"dep/v1/dep.proto\";\nmessage A { dep.v1.Dep d = 1; }\n",
        )?;
        let lock = super::super::lock::BufLock {
            version: super::super::lock::LockVersion::V1,
            deps: vec![super::super::lock::LockDep {
                name: key.name.clone(),
                commit: key.commit.clone(),
                digest: Some(key.digest.clone()),
            }],
            plugins: Vec::new(),
            policies: Vec::new(),
        };
        super::super::lock::write(&ws, &lock)?;
        let out = std::process::Command::new(&buf)
            .arg("build")
            .arg(&ws)
            .args(["-o", "/dev/null"])
            .env("BUF_CACHE_DIR", &root)
            .env("HOME", dir.path())
            .env("NO_COLOR", "1")
            .output()?;
        assert!(
            out.status.success(),
            "buf build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }
}
