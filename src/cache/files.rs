//! What a run knows of a workspace's files without reading them: each file's
//! digest, kept (one [`Kind::Files`] entry per workspace) beside what `stat`
//! said of the file when it was hashed (size, modification and change times,
//! inode, device). The next run reads and hashes only the files whose `stat`
//! differs.
//!
//! A file changed twice within one tick of the file system's clock can keep
//! its `stat`; so an entry is trusted only when both its times lie well
//! before the run that recorded it began ([`SETTLED`]): a file edited just
//! before a run is read again by the next one too.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use prost::Message;
use rustc_hash::FxHashMap as HashMap;

use super::{Kind, Store};
use crate::workspace::{ModuleFile, Workspace};

/// How long before a run a file's times must lie for its entry to be
/// trusted by later runs: more than any file system's timestamp granularity
/// (FAT's is two seconds) and the lag of the kernel's coarse clock.
const SETTLED: Duration = Duration::from_secs(3);

#[derive(Clone, PartialEq, prost::Message)]
struct Index {
    #[prost(message, repeated, tag = "1")]
    entries: Vec<Entry>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Entry {
    /// The file's path on disk, as the workspace found it.
    #[prost(bytes = "vec", tag = "1")]
    path: Vec<u8>,
    #[prost(message, optional, tag = "2")]
    stamp: Option<Stamp>,
    /// The SHA-256 of the file's bytes.
    #[prost(bytes = "vec", tag = "3")]
    digest: Vec<u8>,
    /// What the caller's flag said of the bytes.
    #[prost(bool, tag = "4")]
    flagged: bool,
}

/// What `stat` says of a file.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
struct Stamp {
    #[prost(uint64, tag = "1")]
    size: u64,
    #[prost(int64, tag = "2")]
    mtime_ns: i64,
    #[prost(int64, tag = "3")]
    ctime_ns: i64,
    #[prost(uint64, tag = "4")]
    ino: u64,
    #[prost(uint64, tag = "5")]
    dev: u64,
}

impl Stamp {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            size: m.size(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    /// Without a change time to check, every file is read.
    #[cfg(not(unix))]
    fn of(_: &Path) -> Option<Stamp> {
        None
    }

    /// Whether both times lie before `limit` (nanoseconds since the epoch).
    fn settled_before(&self, limit: i64) -> bool {
        self.mtime_ns < limit && self.ctime_ns < limit
    }
}

/// A workspace's files as far as this run needed them: every file's digest
/// and, for the files read, their bytes.
pub struct Scan {
    /// Per file in module and file order (as [`crate::input::read`] returns
    /// bytes): what [`super::file_digests`] gives.
    pub digests: Vec<[u8; 32]>,
    /// Whether the flag given to [`scan`] held for any file.
    pub flagged: bool,
    contents: Vec<OnceLock<Vec<u8>>>,
    paths: Vec<(std::path::PathBuf, String)>,
}

impl Scan {
    /// The bytes of file `i`, when read.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        self.contents.get(i)?.get().map(Vec::as_slice)
    }

    /// Reads the files of `which` not read yet (an error names the first
    /// that cannot be).
    pub fn load(&self, which: &[usize]) -> Result<(), String> {
        use rayon::prelude::*;
        which.par_iter().try_for_each(|&i| {
            let Some(slot) = self.contents.get(i) else {
                return Ok(());
            };
            if slot.get().is_none() {
                let bytes = read(&self.paths[i])?;
                let _ = slot.set(bytes);
            }
            Ok(())
        })
    }

    /// Every file's bytes, reading those not read yet.
    pub fn into_contents(self) -> Result<Vec<Vec<u8>>, String> {
        let all: Vec<usize> = (0..self.contents.len()).collect();
        self.load(&all)?;
        Ok(self
            .contents
            .into_iter()
            .map(|c| c.into_inner().unwrap_or_default())
            .collect())
    }
}

fn read((path, shown): &(std::path::PathBuf, String)) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{shown}: {e}"))
}

/// Every file of `ws` digested, reading only those whose `stat` changed
/// since a run recorded them; `flag` is asked of each file's bytes (and
/// kept with its digest). Then records what this run saw.
pub fn scan(store: &Store, ws: &Workspace, flag: fn(&[u8]) -> bool) -> Result<Scan, String> {
    let files: Vec<&ModuleFile> = ws.modules.iter().flat_map(|m| &m.files).collect();
    scan_files(store, &index_key(ws), &files, flag, SETTLED)
}

/// [`scan`] of `files`, with the index under `key` and entries trusted
/// once `settled` old.
fn scan_files(
    store: &Store,
    key: &str,
    files: &[&ModuleFile],
    flag: fn(&[u8]) -> bool,
    settled: Duration,
) -> Result<Scan, String> {
    use rayon::prelude::*;
    let began = SystemTime::now();
    let limit = began
        .checked_sub(settled)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(i64::MIN, |d| {
            i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
        });
    let index = store
        .get_bytes(Kind::Files, key)
        .and_then(|b| Index::decode(b).ok())
        .unwrap_or_default();
    let known: HashMap<&[u8], &Entry> = index
        .entries
        .iter()
        .filter(|e| e.digest.len() == 32)
        .map(|e| (e.path.as_slice(), e))
        .collect();
    struct Seen {
        digest: [u8; 32],
        flagged: bool,
        bytes: Option<Vec<u8>>,
        entry: Option<Entry>,
    }
    let seen: Vec<Seen> = files
        .par_iter()
        .map(|f| {
            let path = f.disk_path.as_os_str().as_encoded_bytes();
            let stamp = Stamp::of(&f.disk_path);
            if let (Some(stamp), Some(e)) = (stamp, known.get(path))
                && e.stamp == Some(stamp)
            {
                let mut digest = [0u8; 32];
                digest.copy_from_slice(&e.digest);
                return Ok(Seen {
                    digest,
                    flagged: e.flagged,
                    bytes: None,
                    entry: Some((*e).clone()),
                });
            }
            let bytes = read(&(f.disk_path.clone(), f.external_path.clone()))?;
            let digest = super::digest(&bytes);
            let flagged = flag(&bytes);
            Ok(Seen {
                digest,
                flagged,
                entry: stamp.filter(|s| s.settled_before(limit)).map(|s| Entry {
                    path: path.to_vec(),
                    stamp: Some(s),
                    digest: digest.to_vec(),
                    flagged,
                }),
                bytes: Some(bytes),
            })
        })
        .collect::<Result<_, String>>()?;
    let digests = files
        .par_iter()
        .zip(&seen)
        .map(|(f, s)| file_digest(f, &s.digest))
        .collect();
    let entries: Vec<Entry> = seen.iter().filter_map(|s| s.entry.clone()).collect();
    if entries != index.entries {
        store.put(Kind::Files, key, &Index { entries }.encode_to_vec());
    }
    Ok(Scan {
        digests,
        flagged: seen.iter().any(|s| s.flagged),
        contents: seen
            .into_iter()
            .map(|s| s.bytes.map_or_else(OnceLock::new, OnceLock::from))
            .collect(),
        paths: files
            .iter()
            .map(|f| (f.disk_path.clone(), f.external_path.clone()))
            .collect(),
    })
}

/// The key of the index for `ws`: its place on disk.
fn index_key(ws: &Workspace) -> String {
    let mut h = super::KeyHasher::new();
    h.field(b"file index");
    h.field(ws.root.as_os_str().as_encoded_bytes());
    h.finish()
}

/// A file's digest: its import path, printed path, target flag and the
/// digest of its bytes.
pub(super) fn file_digest(f: &ModuleFile, bytes_digest: &[u8; 32]) -> [u8; 32] {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [f.import_path.as_bytes(), f.external_path.as_bytes()] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.update(&[u8::from(f.is_target)]);
    h.update(bytes_digest);
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, bytes: &str) -> ModuleFile {
        let disk_path = dir.join(name);
        std::fs::write(&disk_path, bytes).unwrap();
        ModuleFile {
            import_path: name.into(),
            disk_path,
            external_path: format!("proto/{name}"),
            is_target: true,
        }
    }

    fn scan_of(store: &Store, files: &[ModuleFile], settled: Duration) -> Scan {
        let refs: Vec<&ModuleFile> = files.iter().collect();
        scan_files(store, "k", &refs, |b| b.starts_with(b"now"), settled).unwrap()
    }

    fn read_now(s: &Scan) -> Vec<bool> {
        (0..s.digests.len()).map(|i| s.bytes(i).is_some()).collect()
    }

    #[test]
    fn settled_files_are_not_read_again_and_their_digests_hold() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&tmp.path().join("cache"), u64::MAX);
        let files = [
            file(tmp.path(), "a.proto", "syntax = \"proto3\";"),
            file(tmp.path(), "b.proto", "now"),
        ];
        let first = scan_of(&store, &files, Duration::ZERO);
        assert_eq!(read_now(&first), [true, true]);
        assert!(first.flagged);
        let contents: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(&f.disk_path).unwrap())
            .collect();
        let refs: Vec<&ModuleFile> = files.iter().collect();
        let expected: Vec<[u8; 32]> = refs
            .iter()
            .zip(&contents)
            .map(|(f, b)| file_digest(f, &super::super::digest(b)))
            .collect();
        assert_eq!(first.digests, expected);
        let second = scan_of(&store, &files, Duration::ZERO);
        assert_eq!(read_now(&second), [false, false]);
        assert_eq!(second.digests, expected);
        assert!(second.flagged, "the flag is kept with the digest");
        assert_eq!(second.into_contents().unwrap(), contents);
    }

    #[test]
    fn a_rewrite_of_the_same_size_and_time_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&tmp.path().join("cache"), u64::MAX);
        let files = [file(tmp.path(), "a.proto", "message A {}")];
        let before = scan_of(&store, &files, Duration::ZERO);
        let mtime = std::fs::metadata(&files[0].disk_path)
            .unwrap()
            .modified()
            .unwrap();
        std::fs::write(&files[0].disk_path, "message B {}").unwrap();
        let f = std::fs::File::options()
            .write(true)
            .open(&files[0].disk_path)
            .unwrap();
        f.set_modified(mtime).unwrap();
        // Size and modification time as recorded; the change time differs.
        let after = scan_of(&store, &files, Duration::ZERO);
        assert_eq!(read_now(&after), [true]);
        assert_ne!(after.digests, before.digests);
    }

    #[test]
    fn recent_files_are_read_on_every_run() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&tmp.path().join("cache"), u64::MAX);
        let files = [file(tmp.path(), "a.proto", "message A {}")];
        let hour = Duration::from_secs(3600);
        scan_of(&store, &files, hour);
        assert_eq!(read_now(&scan_of(&store, &files, hour)), [true]);
    }

    #[test]
    fn a_damaged_index_is_replaced_and_a_missing_file_named() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(&tmp.path().join("cache"), u64::MAX);
        let files = [file(tmp.path(), "a.proto", "message A {}")];
        let good = scan_of(&store, &files, Duration::ZERO);
        // A sound entry whose digest is not one: ignored, then replaced.
        let bad = Index {
            entries: vec![Entry {
                path: files[0].disk_path.as_os_str().as_encoded_bytes().to_vec(),
                stamp: Stamp::of(&files[0].disk_path),
                digest: vec![1, 2, 3],
                flagged: false,
            }],
        };
        store.put(Kind::Files, "k", &bad.encode_to_vec());
        let again = scan_of(&store, &files, Duration::ZERO);
        assert_eq!(read_now(&again), [true]);
        assert_eq!(again.digests, good.digests);
        assert_eq!(read_now(&scan_of(&store, &files, Duration::ZERO)), [false]);
        std::fs::remove_file(&files[0].disk_path).unwrap();
        let refs: Vec<&ModuleFile> = files.iter().collect();
        let err = scan_files(&store, "k", &refs, |_| false, Duration::ZERO)
            .err()
            .unwrap();
        assert!(err.starts_with("proto/a.proto: "), "{err}");
    }
}
