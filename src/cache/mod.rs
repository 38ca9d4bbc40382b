//! protolith's own cache: results that depend only on what they are keyed by
//! (a whole lint result, the per-file state a re-lint starts from, a compiled
//! baseline, a breaking result), kept between runs.
//!
//! Location: `$PROTOLITH_CACHE_DIR`, else `$XDG_CACHE_HOME/protolith`, else
//! `~/.cache/protolith`, one subdirectory per [`Kind`]. `PROTOLITH_NO_CACHE=1`
//! turns it off.
//!
//! Every entry starts with a tag and a checksum of the rest (XXH3-128: the
//! keys are SHA-256, the checksum only has to catch damage, and it runs at
//! memory speed over a 20 MB entry), so a torn, foreign or older-format file
//! is never trusted: it is removed and the value recomputed. The directory is kept under a size bound,
//! `PROTOLITH_CACHE_MAX_MB` (default 256): after each store or answer
//! found the least recently used entries of all kinds (a hit counts as a use) are removed
//! until it fits, never the entry just used. Concurrent runs only rename
//! whole entries into place and remove them, so a reader sees a whole entry
//! or none; two runs storing the same key store the same value.

pub mod files;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What an entry holds; each kind has its own subdirectory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole lint run's output.
    Lint,
    /// The per-file state an incremental re-lint starts from (its heads).
    LintState,
    /// A shard of a lint state's per-file blobs, under a digest of itself.
    LintShard,
    /// A piece of a large answer, under a digest of itself.
    Piece,
    /// A compiled baseline image (`breaking --against`).
    Baseline,
    /// A whole breaking run's output.
    Breaking,
    /// A workspace's file digests, with what `stat` said of each file.
    Files,
}

const KINDS: [Kind; 7] = [
    Kind::Lint,
    Kind::LintState,
    Kind::LintShard,
    Kind::Piece,
    Kind::Baseline,
    Kind::Breaking,
    Kind::Files,
];

impl Kind {
    fn dir_name(self) -> &'static str {
        match self {
            Kind::Lint => "lint",
            Kind::LintState => "lint-state",
            Kind::LintShard => "lint-shard",
            Kind::Piece => "answer-piece",
            Kind::Baseline => "baseline",
            Kind::Breaking => "breaking",
            Kind::Files => "files",
        }
    }
}

/// The default size bound, in MiB.
const DEFAULT_MAX_MB: u64 = 256;

/// The cache directory, when caching is on.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    max: u64,
}

impl Store {
    /// The store the environment selects, or `None` when caching is off (or
    /// no location can be found).
    pub fn open() -> Option<Store> {
        if std::env::var_os("PROTOLITH_NO_CACHE").is_some_and(|v| v != "0" && !v.is_empty()) {
            return None;
        }
        let root = if let Some(d) = std::env::var_os("PROTOLITH_CACHE_DIR") {
            PathBuf::from(d)
        } else if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            PathBuf::from(d).join("protolith")
        } else {
            let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
            PathBuf::from(home).join(".cache/protolith")
        };
        let max = std::env::var("PROTOLITH_CACHE_MAX_MB")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_MAX_MB)
            .saturating_mul(1 << 20);
        Some(Store { root, max })
    }

    /// A store at `root` bounded to `max` bytes (tests).
    pub fn at(root: &Path, max: u64) -> Store {
        Store {
            root: root.to_path_buf(),
            max,
        }
    }

    fn path(&self, kind: Kind, key: &str) -> PathBuf {
        self.root.join(kind.dir_name()).join(key)
    }

    /// The body stored under `key`, if whole and sound. A damaged entry is
    /// removed. A hit marks the entry used.
    pub fn get(&self, kind: Kind, key: &str) -> Option<Vec<u8>> {
        self.get_bytes(kind, key).map(Vec::from)
    }

    /// [`Store::get`], without copying the body out of what was read.
    pub fn get_bytes(&self, kind: Kind, key: &str) -> Option<prost::bytes::Bytes> {
        read_entry(&self.path(kind, key))
    }

    /// The bodies stored under `keys`, read side by side: none when any
    /// is missing or damaged (a damaged one is removed). All are marked
    /// used.
    pub fn get_all(&self, kind: Kind, keys: &[String]) -> Option<Vec<prost::bytes::Bytes>> {
        use rayon::prelude::*;
        let read: Vec<Option<prost::bytes::Bytes>> = keys
            .par_iter()
            .map(|key| read_entry(&self.path(kind, key)))
            .collect();
        read.into_iter().collect()
    }

    /// Stores `body` under `key`; failures only cost a later run its
    /// shortcut.
    pub fn put(&self, kind: Kind, key: &str, body: &[u8]) {
        self.put_all(&[(kind, key, body)]);
    }

    /// Stores several entries at once, written side by side and put in
    /// place in the order given: under a tight bound the last is what stays
    /// (the least recently used go first).
    pub fn put_all(&self, entries: &[(Kind, &str, &[u8])]) {
        use rayon::prelude::*;
        let written: Vec<Option<(PathBuf, PathBuf)>> = entries
            .par_iter()
            .map(|&(kind, key, body)| self.write_temp(kind, key, body))
            .collect();
        let mut last = None;
        for (tmp, path) in written.into_iter().flatten() {
            if std::fs::rename(&tmp, &path).is_err() {
                let _ = std::fs::remove_file(&tmp);
                continue;
            }
            // Written side by side, the entries are dated in order here.
            if let Ok(f) = std::fs::File::options().write(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
            last = Some(path);
        }
        if let Some(path) = last {
            self.evict(&path);
        }
    }

    /// Writes an entry to a temporary file beside its place: (temporary,
    /// place), or `None` when it cannot.
    fn write_temp(&self, kind: Kind, key: &str, body: &[u8]) -> Option<(PathBuf, PathBuf)> {
        use std::io::Write;
        let path = self.path(kind, key);
        let dir = path.parent()?;
        std::fs::create_dir_all(dir).ok()?;
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&checksum(body));
        let tmp = dir.join(format!(".{key}.{}", std::process::id()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(&header).and_then(|()| f.write_all(body)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
            return None;
        }
        Some((tmp, path))
    }

    /// Removes the least recently used entries of every kind until the store
    /// holds at most its bound; `keep` (the entry just used) stays. Other
    /// runs' temporary files are left alone unless an hour old.
    fn evict(&self, keep: &Path) {
        let now = SystemTime::now();
        let mut files: Vec<(bool, SystemTime, u64, PathBuf)> = Vec::new();
        // The folders count too, as `du` counts them.
        let mut total = std::fs::metadata(&self.root).map_or(0, |m| on_disk(&m));
        for kind in KINDS {
            let dir = self.root.join(kind.dir_name());
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            total += std::fs::metadata(&dir).map_or(0, |m| on_disk(&m));
            for e in entries.flatten() {
                let Ok(meta) = e.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if e.file_name().to_string_lossy().starts_with('.') {
                    let stale = now
                        .duration_since(modified)
                        .is_ok_and(|age| age.as_secs() > 3600);
                    if stale {
                        let _ = std::fs::remove_file(e.path());
                    }
                    continue;
                }
                let size = on_disk(&meta);
                total += size;
                let path = e.path();
                files.push((path == keep, modified, size, path));
            }
        }
        if total <= self.max {
            return;
        }
        // Oldest first; the entry in use last of all (and kept).
        files.sort_by_key(|f| (f.0, f.1));
        for (is_kept, _, len, path) in files {
            if total <= self.max || is_kept {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// The space a file takes on disk (whole blocks, as `du` counts it), or
/// its length where that is not known.
fn on_disk(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.blocks() * 512).max(meta.len())
    }
    #[cfg(not(unix))]
    {
        meta.len()
    }
}

/// The body of the entry at `path`, if whole and sound, marked used; a
/// damaged entry is removed.
fn read_entry(path: &Path) -> Option<prost::bytes::Bytes> {
    let bytes = std::fs::read(path).ok()?;
    if !verified(&bytes) {
        let _ = std::fs::remove_file(path);
        return None;
    }
    if let Ok(f) = std::fs::File::options().write(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
    Some(prost::bytes::Bytes::from(bytes).slice(HEADER..))
}

/// A format tag every entry starts with, then the checksum of the rest.
const MAGIC: &[u8; 4] = b"PLC3";
const HEADER: usize = MAGIC.len() + 16;

fn verified(bytes: &[u8]) -> bool {
    bytes
        .split_at_checked(HEADER)
        .is_some_and(|(header, body)| {
            let (magic, sum) = header.split_at(MAGIC.len());
            magic == MAGIC && sum == checksum(body)
        })
}

/// XXH3-128 of `body`, little-endian.
fn checksum(body: &[u8]) -> [u8; 16] {
    twox_hash::XxHash3_128::oneshot(body).to_le_bytes()
}

fn sha256(bytes: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, bytes)
}

/// Builds a key from everything a cached value depends on.
pub struct KeyHasher(ring::digest::Context);

impl Default for KeyHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyHasher {
    /// A hasher already fed with this binary's identity: a rebuilt protolith
    /// never reuses an older one's answers.
    pub fn new() -> Self {
        let mut h = KeyHasher(ring::digest::Context::new(&ring::digest::SHA256));
        h.update(binary_id().as_bytes());
        h
    }

    /// Adds `bytes` and a separator, so that ("ab", "c") and ("a", "bc")
    /// differ.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.update(&(bytes.len() as u64).to_le_bytes());
        self.update(bytes);
        self
    }

    pub fn update(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(bytes);
        self
    }

    /// The key, as 64 lower-case hex digits.
    pub fn finish(self) -> String {
        hex(self.0.finish().as_ref())
    }
}

/// A whole run's answer: the exit code (findings or not) and what went to
/// stdout.
pub struct Answer {
    pub findings: bool,
    pub stdout: prost::bytes::Bytes,
}

/// The answer stored under `key`; a large one is put together from its
/// pieces (none when any is missing or damaged).
pub fn load_answer(store: &Store, kind: Kind, key: &str) -> Option<Answer> {
    let body = store.get_bytes(kind, key)?;
    // A hit keeps the bound too (it may have been lowered since).
    store.evict(&store.path(kind, key));
    let &flag = body.first()?;
    if flag != b'p' {
        return Some(Answer {
            findings: flag == b'1',
            stdout: body.slice(1..),
        });
    }
    let findings = *body.get(1)? == b'1';
    let keys: Vec<String> = std::str::from_utf8(body.get(2..)?)
        .ok()?
        .split_terminator('\n')
        .map(str::to_string)
        .collect();
    let pieces = store.get_all(Kind::Piece, &keys)?;
    let mut stdout = Vec::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for p in &pieces {
        stdout.extend_from_slice(p);
    }
    Some(Answer {
        findings,
        stdout: stdout.into(),
    })
}

/// Stores an answer; failures only cost a later run its shortcut.
pub fn store_answer(store: &Store, kind: Kind, key: &str, findings: bool, stdout: &[u8]) {
    let parts = store.answer_parts(findings, stdout);
    let mut entries: Vec<(Kind, &str, &[u8])> = parts
        .pieces
        .iter()
        .map(|(k, p)| (Kind::Piece, k.as_str(), *p))
        .collect();
    entries.push((kind, key, &parts.body));
    store.put_all(&entries);
}

/// Answers at least this long are stored in pieces.
const PIECES_FROM: usize = 1 << 20;

/// What storing an answer takes: the pieces the store lacks (key, bytes),
/// stored first, then the answer's own entry.
pub struct AnswerParts<'a> {
    pub pieces: Vec<(String, &'a [u8])>,
    pub body: Vec<u8>,
}

impl Store {
    /// The entries that store an answer. A large one is cut into pieces
    /// after the lines whose hash picks them (about one line in 1,024), so
    /// that an answer that differs from an earlier one in a few lines
    /// shares all but a few pieces with it; each piece is stored under a
    /// digest of itself, once. Its own entry lists the pieces.
    pub fn answer_parts<'a>(&self, findings: bool, stdout: &'a [u8]) -> AnswerParts<'a> {
        use rayon::prelude::*;
        if stdout.len() < PIECES_FROM {
            return AnswerParts {
                pieces: Vec::new(),
                body: answer_body(findings, stdout),
            };
        }
        let pieces = pieces(stdout);
        let keyed: Vec<(String, &[u8], bool)> = pieces
            .par_iter()
            .map(|&p| {
                let mut h = KeyHasher::new();
                h.field(b"answer piece").field(p);
                let key = h.finish();
                // One already stored is marked used instead.
                let path = self.path(Kind::Piece, &key);
                let stored = std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(SystemTime::now()))
                    .is_ok();
                (key, p, stored)
            })
            .collect();
        let mut body = vec![b'p', if findings { b'1' } else { b'0' }];
        for (key, _, _) in &keyed {
            body.extend_from_slice(key.as_bytes());
            body.push(b'\n');
        }
        // A piece that comes twice is stored once.
        let mut seen = std::collections::HashSet::new();
        AnswerParts {
            pieces: keyed
                .into_iter()
                .filter(|(k, _, stored)| !stored && seen.insert(k.clone()))
                .map(|(k, p, _)| (k, p))
                .collect(),
            body,
        }
    }
}

/// `out` cut after each line whose XXH3 is a multiple of 1,024 (and at its
/// end).
fn pieces(out: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut start, mut line) = (0, 0);
    for nl in memchr::memchr_iter(b'\n', out) {
        if twox_hash::XxHash3_64::oneshot(&out[line..nl]).is_multiple_of(1024) {
            pieces.push(&out[start..=nl]);
            start = nl + 1;
        }
        line = nl + 1;
    }
    if start < out.len() {
        pieces.push(&out[start..]);
    }
    pieces
}

/// An answer as [`load_answer`] reads it back, in one entry.
pub fn answer_body(findings: bool, stdout: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(stdout.len() + 1);
    body.push(if findings { b'1' } else { b'0' });
    body.extend_from_slice(stdout);
    body
}

/// Each file's digest over its import path, printed path, target flag and
/// bytes, in module and file order (as [`crate::input::read`] returns
/// `contents`). [`files::scan`] gives the same without reading every file.
pub fn file_digests(ws: &crate::workspace::Workspace, contents: &[Vec<u8>]) -> Vec<[u8; 32]> {
    use rayon::prelude::*;
    let files: Vec<_> = ws.modules.iter().flat_map(|m| &m.files).collect();
    files
        .par_iter()
        .zip(contents)
        .map(|(f, bytes)| files::file_digest(f, &digest(bytes)))
        .collect()
}

/// The SHA-256 of `bytes`, raw (for per-file digests).
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(sha256(bytes).as_ref());
    out
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// This binary: its version, size and modification time.
fn binary_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let meta = std::env::current_exe()
            .and_then(std::fs::metadata)
            .ok()
            .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
            .unwrap_or_default();
        format!("{}\0{meta}\0", env!("CARGO_PKG_VERSION"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn age(path: &Path, secs: u64) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn an_entry_reads_back_and_a_damaged_one_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path(), u64::MAX);
        s.put(Kind::Lint, "k", b"a.proto:1:1:x\n");
        assert_eq!(s.get(Kind::Lint, "k").unwrap(), b"a.proto:1:1:x\n");
        assert!(s.get(Kind::Baseline, "k").is_none());
        // Truncated, flipped and foreign entries are misses, and removed.
        let path = s.path(Kind::Lint, "k");
        let whole = std::fs::read(&path).unwrap();
        let mut flipped = whole.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for bad in [
            whole[..whole.len() - 1].to_vec(),
            flipped,
            [&b"PLC2"[..], &whole[4..]].concat(),
            b"1a.proto:1:1:old format".to_vec(),
            Vec::new(),
        ] {
            std::fs::write(&path, &bad).unwrap();
            assert!(s.get(Kind::Lint, "k").is_none());
            assert!(!path.exists());
        }
    }

    #[test]
    fn the_least_recently_used_entries_of_any_kind_go_first() {
        let tmp = tempfile::tempdir().unwrap();
        let body = vec![b'x'; 1000];
        let unbounded = Store::at(tmp.path(), u64::MAX);
        for (kind, key, secs) in [
            (Kind::Lint, "old", 300),
            (Kind::Baseline, "mid", 200),
            (Kind::LintState, "used", 400),
        ] {
            unbounded.put(kind, key, &body);
            age(&unbounded.path(kind, key), secs);
        }
        let size = on_disk(&std::fs::metadata(unbounded.path(Kind::Lint, "old")).unwrap());
        // The folders, as they will be, count too.
        let root = on_disk(&std::fs::metadata(tmp.path()).unwrap());
        let folders: u64 = root
            + KINDS
                .iter()
                .map(|k| {
                    let dir = tmp.path().join(k.dir_name());
                    std::fs::create_dir_all(&dir).unwrap();
                    on_disk(&std::fs::metadata(&dir).unwrap())
                })
                .sum::<u64>();
        // A hit makes "used" the most recent of the three.
        assert!(unbounded.get(Kind::LintState, "used").is_some());
        let s = Store::at(tmp.path(), 2 * size + folders);
        s.put(Kind::Breaking, "new", &body);
        let left: Vec<bool> = [
            (Kind::Lint, "old"),
            (Kind::Baseline, "mid"),
            (Kind::LintState, "used"),
            (Kind::Breaking, "new"),
        ]
        .iter()
        .map(|(k, key)| s.path(*k, key).exists())
        .collect();
        assert_eq!(left, [false, false, true, true]);
        // A bound smaller than one entry still keeps the one just stored.
        Store::at(tmp.path(), 1).put(Kind::Lint, "last", &body);
        assert!(s.path(Kind::Lint, "last").exists());
        assert!(!s.path(Kind::Breaking, "new").exists());
    }

    #[test]
    fn stale_temporary_files_are_removed_fresh_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path(), u64::MAX);
        let d = tmp.path().join("lint");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(".k.1"), b"partial").unwrap();
        std::fs::write(d.join(".k.2"), b"partial").unwrap();
        age(&d.join(".k.1"), 7200);
        s.put(Kind::Lint, "k", b"x");
        assert!(!d.join(".k.1").exists());
        assert!(d.join(".k.2").exists());
    }

    #[test]
    fn an_answer_reads_back_with_its_exit_code() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path(), u64::MAX);
        store_answer(&s, Kind::Lint, "k", true, b"a.proto:1:1:x\n");
        let hit = load_answer(&s, Kind::Lint, "k").unwrap();
        assert!(hit.findings);
        assert_eq!(&hit.stdout[..], b"a.proto:1:1:x\n");
        assert!(load_answer(&s, Kind::Breaking, "k").is_none());
        store_answer(&s, Kind::Lint, "k", false, b"");
        assert!(!load_answer(&s, Kind::Lint, "k").unwrap().findings);
    }

    #[test]
    fn large_answers_share_their_pieces() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path(), u64::MAX);
        let lines: Vec<String> = (0..40_000)
            .map(|i| format!("a/f{i}.proto:1:1:finding {i}\n"))
            .collect();
        let first = lines.concat();
        assert!(first.len() >= PIECES_FROM);
        store_answer(&s, Kind::Lint, "one", true, first.as_bytes());
        let pieces = || -> Vec<PathBuf> {
            std::fs::read_dir(tmp.path().join("answer-piece"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        };
        let n = pieces().len();
        assert!(n > 10, "{n} pieces");
        // One line changed: the other pieces are shared.
        let mut changed = lines.clone();
        changed[20_000] = "a/f20000.proto:2:1:changed\n".to_string();
        let second = changed.concat();
        store_answer(&s, Kind::Lint, "two", false, second.as_bytes());
        let m = pieces().len();
        assert!(m > n && m <= n + 2, "{n} pieces, then {m}");
        let hit = load_answer(&s, Kind::Lint, "two").unwrap();
        assert!(!hit.findings);
        assert_eq!(&hit.stdout[..], second.as_bytes());
        let hit = load_answer(&s, Kind::Lint, "one").unwrap();
        assert!(hit.findings);
        assert_eq!(&hit.stdout[..], first.as_bytes());
        // A damaged piece both use: neither answer is given, and the piece
        // is dropped.
        let head = pieces()
            .into_iter()
            .find(|p| std::fs::read(p).unwrap()[HEADER..].starts_with(lines[0].as_bytes()))
            .unwrap();
        let mut bytes = std::fs::read(&head).unwrap();
        bytes[HEADER] ^= 0x20;
        std::fs::write(&head, &bytes).unwrap();
        assert!(load_answer(&s, Kind::Lint, "two").is_none());
        assert!(!head.exists());
        assert!(load_answer(&s, Kind::Lint, "one").is_none());
    }

    #[test]
    fn keys_separate_their_fields() {
        let mut a = KeyHasher::new();
        a.field(b"ab").field(b"c");
        let mut b = KeyHasher::new();
        b.field(b"a").field(b"bc");
        assert_ne!(a.finish(), b.finish());
    }
}
