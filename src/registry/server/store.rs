//! The registry's data under `--data DIR`: content-addressed blobs, one JSON
//! record per owner, module and commit, and one label map per module.
//!
//! Crash safety: every file is written as temp file + fsync + rename + fsync
//! of its directory. A commit record is written only once its blobs are
//! durable, and labels only after the commit record, so a killed server loses
//! nothing it acknowledged and never shows half a commit. The whole index is
//! loaded at startup and kept in memory; the caller serialises writers.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::ids::IdGen;

/// The first line of `DIR/FORMAT`; a directory with another one is refused.
const FORMAT: &str = "protolith-registry 1\n";

const DIRS: [&str; 6] = ["blobs", "owners", "modules", "commits", "labels", "tmp"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {why}", path.display())]
    Corrupt { path: PathBuf, why: String },
    #[error("{} is in use by another `protolith registry serve`", path.display())]
    Locked { path: PathBuf },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A point in time as `google.protobuf.Timestamp` has it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub seconds: i64,
    pub nanos: i32,
}

impl Time {
    pub fn now() -> Self {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(since.subsec_nanos()).unwrap_or(0),
        }
    }

    pub fn proto(self) -> prost_types::Timestamp {
        prost_types::Timestamp {
            seconds: self.seconds,
            nanos: self.nanos,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    User,
    Organization,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct OwnerRec {
    pub id: String,
    pub name: String,
    pub kind: OwnerKind,
    pub create_time: Time,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ModuleRec {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub create_time: Time,
    pub update_time: Time,
    pub visibility: i32,
    pub state: i32,
    pub description: String,
    pub url: String,
    pub default_label: String,
}

/// A file of a commit: its path and the blob holding its content.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct FileRef {
    pub path: String,
    pub blob: String,
}

/// A dependency of a commit. `direct`: one of the commit's own files imports
/// a file of it (graph edges run to direct deps only).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct DepRef {
    pub commit: String,
    pub direct: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CommitRec {
    pub id: String,
    pub module_id: String,
    pub owner_id: String,
    pub create_time: Time,
    /// Creation order across the registry; breaks `create_time` ties.
    pub seq: u64,
    /// The b5 digest value, hex (64 bytes).
    pub b5: String,
    /// The b4 (`shake256`) digest value, hex, over the files and the v1 files.
    pub b4: String,
    pub created_by_user_id: String,
    pub source_control_url: String,
    /// Sorted by path.
    pub files: Vec<FileRef>,
    /// The full transitive dependency set the b5 digest was computed with.
    pub deps: Vec<DepRef>,
    /// Blobs of the synthesized v1 `buf.yaml` and `buf.lock` (b4 covers them).
    pub v1_buf_yaml: String,
    pub v1_buf_lock: String,
}

impl CommitRec {
    /// Orders commits of a module from oldest to newest.
    pub fn age(&self) -> (Time, u64) {
        (self.create_time, self.seq)
    }
}

pub struct Store {
    root: PathBuf,
    /// Held (flock) for the life of the store: one server per directory.
    _lock: File,
    tmp_counter: AtomicU64,
    owners: HashMap<String, OwnerRec>,
    owner_names: HashMap<String, String>,
    modules: HashMap<String, ModuleRec>,
    /// (owner id, module name) to module id.
    module_names: HashMap<(String, String), String>,
    commits: HashMap<String, CommitRec>,
    /// Module id to its commit ids, oldest first.
    module_commits: HashMap<String, Vec<String>>,
    /// Module id to label name to commit id.
    labels: HashMap<String, BTreeMap<String, String>>,
    ids: IdGen,
    next_seq: u64,
}

impl Store {
    /// Opens (creating if needed) the data directory and loads its index.
    pub fn open(root: &Path, seed: Option<u64>) -> Result<Store, StoreError> {
        fs::create_dir_all(root).map_err(io_error(root))?;
        let lock_path = root.join("lock");
        let lock = File::create(&lock_path).map_err(io_error(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: root.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_error(&lock_path)(e)),
        }
        for dir in DIRS {
            let path = root.join(dir);
            fs::create_dir_all(&path).map_err(io_error(&path))?;
        }
        let mut store = Store {
            root: root.to_path_buf(),
            _lock: lock,
            tmp_counter: AtomicU64::new(0),
            owners: HashMap::new(),
            owner_names: HashMap::new(),
            modules: HashMap::new(),
            module_names: HashMap::new(),
            commits: HashMap::new(),
            module_commits: HashMap::new(),
            labels: HashMap::new(),
            ids: IdGen::new(seed),
            next_seq: 0,
        };
        store.check_format()?;
        store.clear_tmp()?;
        store.load()?;
        Ok(store)
    }

    fn check_format(&self) -> Result<(), StoreError> {
        let path = self.root.join("FORMAT");
        match fs::read_to_string(&path) {
            Ok(text) if text == FORMAT => Ok(()),
            Ok(text) => Err(StoreError::Corrupt {
                path,
                why: format!(
                    "this directory holds data in format {:?}, this server reads {:?}",
                    text.trim(),
                    FORMAT.trim()
                ),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.write_atomic(Path::new("FORMAT"), FORMAT.as_bytes())
            }
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// Temp files left by a killed server were never renamed into place.
    fn clear_tmp(&self) -> Result<(), StoreError> {
        let dir = self.root.join("tmp");
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let path = entry.map_err(io_error(&dir))?.path();
            fs::remove_file(&path).map_err(io_error(&path))?;
        }
        Ok(())
    }

    fn load(&mut self) -> Result<(), StoreError> {
        for owner in self.records::<OwnerRec>("owners")? {
            self.index_owner(owner);
        }
        for module in self.records::<ModuleRec>("modules")? {
            self.index_module(module);
        }
        let mut commits = self.records::<CommitRec>("commits")?;
        commits.sort_by_key(|c| c.seq);
        for commit in commits {
            if !self.modules.contains_key(&commit.module_id) {
                return Err(StoreError::Corrupt {
                    path: self
                        .root
                        .join("commits")
                        .join(format!("{}.json", commit.id)),
                    why: format!("commit of unknown module {}", commit.module_id),
                });
            }
            self.index_commit(commit);
        }
        let dir = self.root.join("labels");
        for (path, stem) in json_files(&dir)? {
            let labels: BTreeMap<String, String> = read_json(&path)?;
            self.labels.insert(stem, labels);
        }
        Ok(())
    }

    fn records<T: DeserializeOwned>(&self, dir: &str) -> Result<Vec<T>, StoreError> {
        json_files(&self.root.join(dir))?
            .into_iter()
            .map(|(path, _)| read_json(&path))
            .collect()
    }

    fn index_owner(&mut self, owner: OwnerRec) {
        self.owner_names
            .insert(owner.name.clone(), owner.id.clone());
        self.owners.insert(owner.id.clone(), owner);
    }

    fn index_module(&mut self, module: ModuleRec) {
        self.module_names.insert(
            (module.owner_id.clone(), module.name.clone()),
            module.id.clone(),
        );
        self.modules.insert(module.id.clone(), module);
    }

    fn index_commit(&mut self, commit: CommitRec) {
        self.next_seq = self.next_seq.max(commit.seq + 1);
        self.module_commits
            .entry(commit.module_id.clone())
            .or_default()
            .push(commit.id.clone());
        self.commits.insert(commit.id.clone(), commit);
    }

    // ---- reading -------------------------------------------------------

    pub fn owner(&self, id: &str) -> Option<&OwnerRec> {
        self.owners.get(id)
    }

    pub fn owner_named(&self, name: &str) -> Option<&OwnerRec> {
        self.owner_names
            .get(name)
            .and_then(|id| self.owners.get(id))
    }

    pub fn module(&self, id: &str) -> Option<&ModuleRec> {
        self.modules.get(id)
    }

    pub fn module_named(&self, owner: &str, name: &str) -> Option<&ModuleRec> {
        let owner = self.owner_names.get(owner)?;
        let id = self.module_names.get(&(owner.clone(), name.to_string()))?;
        self.modules.get(id)
    }

    /// `owner/name` of a module.
    pub fn module_name(&self, module: &ModuleRec) -> String {
        let owner = self.owners.get(&module.owner_id).map_or("", |o| &o.name);
        format!("{owner}/{}", module.name)
    }

    pub fn commit(&self, id: &str) -> Option<&CommitRec> {
        self.commits.get(id)
    }

    /// The commits of a module, oldest first.
    pub fn commits_of<'a>(&'a self, module_id: &str) -> impl Iterator<Item = &'a CommitRec> {
        self.module_commits
            .get(module_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.commits.get(id))
    }

    pub fn label(&self, module_id: &str, label: &str) -> Option<&CommitRec> {
        let id = self.labels.get(module_id)?.get(label)?;
        self.commits.get(id)
    }

    pub fn read_blob(&self, blob: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(blob);
        fs::read(&path).map_err(io_error(&path))
    }

    fn blob_path(&self, blob: &str) -> PathBuf {
        let (head, tail) = blob.split_at(blob.len().min(2));
        self.root.join("blobs").join(head).join(tail)
    }

    // ---- writing -------------------------------------------------------

    /// A fresh ID that no owner, module or commit has.
    pub fn new_id(&mut self) -> String {
        loop {
            let id = self.ids.next_id();
            if !self.id_taken(&id) {
                return id;
            }
        }
    }

    pub fn id_taken(&self, id: &str) -> bool {
        self.owners.contains_key(id)
            || self.modules.contains_key(id)
            || self.commits.contains_key(id)
    }

    pub fn create_owner(&mut self, name: &str, kind: OwnerKind) -> Result<OwnerRec, StoreError> {
        let owner = OwnerRec {
            id: self.new_id(),
            name: name.to_string(),
            kind,
            create_time: Time::now(),
        };
        self.write_record("owners", &owner.id, &owner)?;
        self.index_owner(owner.clone());
        Ok(owner)
    }

    /// Writes a new or changed module record.
    pub fn put_module(&mut self, module: ModuleRec) -> Result<(), StoreError> {
        self.write_record("modules", &module.id, &module)?;
        self.index_module(module);
        Ok(())
    }

    /// Stores a file's content; blobs are immutable, so an existing one is kept.
    #[cfg(test)]
    pub fn put_blob(&self, content: &[u8]) -> Result<String, StoreError> {
        Ok(self.put_blobs(&[content])?.pop().unwrap_or_default())
    }

    /// Stores many contents at once: each new blob is written and fsynced
    /// (in parallel: the cost of a large module is fsync latency), renamed
    /// into place, and each directory touched is synced once. Returns the
    /// blob names in order; every one is durable when this returns.
    pub fn put_blobs(&self, contents: &[&[u8]]) -> Result<Vec<String>, StoreError> {
        use rayon::prelude::*;
        let names: Vec<String> = contents.iter().map(|c| blob_name(c)).collect();
        let mut fresh: Vec<(usize, PathBuf)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, name) in names.iter().enumerate() {
            let path = self.blob_path(name);
            if seen.insert(name.clone()) && !path.exists() {
                fresh.push((i, path));
            }
        }
        let dirs: std::collections::BTreeSet<PathBuf> = fresh
            .iter()
            .filter_map(|(_, p)| p.parent().map(Path::to_path_buf))
            .collect();
        let mut made_dir = false;
        for d in &dirs {
            if !d.exists() {
                fs::create_dir_all(d).map_err(io_error(d))?;
                made_dir = true;
            }
        }
        if made_dir {
            sync_dir(&self.root.join("blobs"))?;
        }
        fresh.par_iter().try_for_each(|(i, path)| {
            let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
            let tmp = self
                .root
                .join("tmp")
                .join(format!("{}-{n}.tmp", std::process::id()));
            let write = || -> io::Result<()> {
                let mut file = File::create(&tmp)?;
                file.write_all(contents.get(*i).copied().unwrap_or_default())?;
                file.sync_all()
            };
            if let Err(e) = write() {
                let _ = fs::remove_file(&tmp);
                return Err(io_error(&tmp)(e));
            }
            fs::rename(&tmp, path).map_err(io_error(path))
        })?;
        dirs.par_iter().try_for_each(|d| sync_dir(d))?;
        Ok(names)
    }

    /// Records a commit whose blobs `put_blobs` already made durable; assigns
    /// its `seq`.
    pub fn add_commit(&mut self, mut commit: CommitRec) -> Result<CommitRec, StoreError> {
        commit.seq = self.next_seq;
        self.write_record("commits", &commit.id, &commit)?;
        self.index_commit(commit.clone());
        Ok(commit)
    }

    /// Points labels of a module at a commit (creating them as needed).
    pub fn set_labels(
        &mut self,
        module_id: &str,
        labels: &[String],
        commit_id: &str,
    ) -> Result<(), StoreError> {
        let mut map = self.labels.get(module_id).cloned().unwrap_or_default();
        for label in labels {
            map.insert(label.clone(), commit_id.to_string());
        }
        self.write_record("labels", module_id, &map)?;
        self.labels.insert(module_id.to_string(), map);
        Ok(())
    }

    fn write_record<T: Serialize>(&self, dir: &str, id: &str, value: &T) -> Result<(), StoreError> {
        let rel = Path::new(dir).join(format!("{id}.json"));
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Corrupt {
            path: self.root.join(&rel),
            why: e.to_string(),
        })?;
        bytes.push(b'\n');
        self.write_atomic(&rel, &bytes)
    }

    /// temp file + fsync + rename + fsync of the directory.
    fn write_atomic(&self, rel: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let target = self.root.join(rel);
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}-{n}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(&tmp)(e));
        }
        fs::rename(&tmp, &target).map_err(io_error(&target))?;
        match target.parent() {
            Some(dir) => sync_dir(dir),
            None => Ok(()),
        }
    }
}

/// The blob name of a content: its SHAKE256 (64 bytes), hex.
fn blob_name(content: &[u8]) -> String {
    super::hex(&crate::deps::digest::shake256_64(content))
}

/// Makes a rename or a new entry in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The `*.json` files of a directory with their stems, sorted by name.
fn json_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, StoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"));
        if let Some(stem) = stem {
            out.push((path.clone(), stem.to_string()));
        }
    }
    out.sort();
    Ok(out)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, StoreError> {
    let bytes = fs::read(path).map_err(io_error(path))?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(store: &mut Store) -> ModuleRec {
        let owner = store.create_owner("acme", OwnerKind::Organization);
        let owner = owner.unwrap_or_else(|e| panic!("{e}"));
        let module = ModuleRec {
            id: store.new_id(),
            owner_id: owner.id,
            name: "dep".into(),
            create_time: Time::now(),
            update_time: Time::now(),
            visibility: 2,
            state: 1,
            description: String::new(),
            url: String::new(),
            default_label: "main".into(),
        };
        store
            .put_module(module.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        module
    }

    #[test]
    fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (module_id, commit_id) = {
            let mut store = Store::open(dir.path(), Some(1)).unwrap_or_else(|e| panic!("{e}"));
            let module = module(&mut store);
            let blob = store.put_blob(b"x").unwrap_or_else(|e| panic!("{e}"));
            let commit = CommitRec {
                id: store.new_id(),
                module_id: module.id.clone(),
                owner_id: module.owner_id.clone(),
                create_time: Time::now(),
                seq: 0,
                b5: String::new(),
                b4: String::new(),
                created_by_user_id: String::new(),
                source_control_url: String::new(),
                files: vec![FileRef {
                    path: "a.proto".into(),
                    blob: blob.clone(),
                }],
                deps: Vec::new(),
                v1_buf_yaml: blob.clone(),
                v1_buf_lock: blob,
            };
            let commit = store.add_commit(commit).unwrap_or_else(|e| panic!("{e}"));
            store
                .set_labels(&module.id, &["main".into()], &commit.id)
                .unwrap_or_else(|e| panic!("{e}"));
            (module.id, commit.id)
        };
        let store = Store::open(dir.path(), Some(1)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.module_named("acme", "dep").map(|m| &m.id),
            Some(&module_id)
        );
        assert_eq!(
            store.label(&module_id, "main").map(|c| &c.id),
            Some(&commit_id)
        );
        let commit = store
            .commit(&commit_id)
            .unwrap_or_else(|| panic!("commit lost"));
        assert_eq!(
            store.read_blob(&commit.files[0].blob).ok(),
            Some(b"x".to_vec())
        );
        // The same seed after a restart skips the IDs already taken.
        let mut store = store;
        let fresh = store.new_id();
        assert!(fresh != module_id && fresh != commit_id);
    }

    #[test]
    fn a_second_server_on_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let _first = Store::open(dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Store::open(dir.path(), None),
            Err(StoreError::Locked { .. })
        ));
    }
}
