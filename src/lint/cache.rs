//! The re-lint cache: a pre-commit hook lints the same unchanged module again
//! and again, so the printed result is kept under a key made of everything
//! that can change it (this binary, the format, each module's configuration
//! and rules, every file's path and bytes). A hit skips compiling entirely.
//!
//! Location: `$PROTOLITH_CACHE_DIR`, else `$XDG_CACHE_HOME/protolith`, else
//! `~/.cache/protolith`. `PROTOLITH_NO_CACHE=1` turns it off.
//!
//! Each entry carries a checksum of its contents, so a torn or foreign file
//! is never trusted (it is removed and recomputed). The directory is kept
//! under a size bound, `PROTOLITH_CACHE_MAX_MB` (default 256): after each
//! store, the least recently used entries (a hit counts as a use) are
//! removed until it fits. Concurrent runs only ever rename whole entries
//! into place and remove them, so a reader sees a whole entry or none.
//! A module whose findings can depend on the current time (protovalidate's
//! `lt_now`, `gt_now`, `within`) is never cached.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
    // Findings of protovalidate's `lt_now`, `gt_now` and `within` depend on
    // the current time: such a module is never answered from the cache.
    if contents.par_iter().any(|bytes| mentions_now_rules(bytes)) {
        return None;
    }
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

/// Whether a file may set a protovalidate rule judged against the current
/// time: `lt_now`, `gt_now`, or `within` used as a field (followed by `:`,
/// `=` or `{`, and not after `//` on its line: not the English word in a
/// comment).
fn mentions_now_rules(bytes: &[u8]) -> bool {
    use memchr::memmem;
    if memmem::find(bytes, b"lt_now").is_some() || memmem::find(bytes, b"gt_now").is_some() {
        return true;
    }
    memmem::find_iter(bytes, b"within").any(|at| {
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let in_comment = memmem::find(&bytes[line_start..at], b"//").is_some();
        !in_comment
            && bytes[at + b"within".len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| matches!(b, b':' | b'=' | b'{'))
    })
}

/// What every entry starts with: a format tag, then the SHA3-256 of the
/// rest.
const MAGIC: &[u8; 4] = b"PLC1";
const HEADER: usize = MAGIC.len() + 32;

/// The default size bound of the lint cache, in MiB.
const DEFAULT_MAX_MB: u64 = 256;

fn max_bytes() -> u64 {
    let mb = std::env::var("PROTOLITH_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_MAX_MB);
    mb.saturating_mul(1 << 20)
}

pub fn load(key: &str) -> Option<Cached> {
    let dir = dir()?;
    let hit = load_from(&dir, key)?;
    // A hit keeps the bound too (it may have been lowered since).
    evict(&dir, max_bytes(), key);
    Some(hit)
}

/// Stores a result; failures only cost the next run its shortcut.
pub fn store(key: &str, findings: bool, stdout: &[u8]) {
    let Some(dir) = dir() else { return };
    store_in(&dir, key, findings, stdout);
    evict(&dir, max_bytes(), key);
}

fn load_from(dir: &Path, key: &str) -> Option<Cached> {
    let path = dir.join(key);
    let bytes = std::fs::read(&path).ok()?;
    let Some(body) = verified(&bytes) else {
        // Torn, foreign or from another format: never trusted.
        let _ = std::fs::remove_file(&path);
        return None;
    };
    let (&flag, stdout) = body.split_first()?;
    // A hit is a use: the least recently used entries are evicted first.
    if let Ok(f) = std::fs::File::options().write(true).open(&path) {
        let _ = f.set_modified(SystemTime::now());
    }
    Some(Cached {
        findings: flag == b'1',
        stdout: stdout.to_vec(),
    })
}

/// The entry's body when its tag and checksum hold.
fn verified(bytes: &[u8]) -> Option<&[u8]> {
    let (header, body) = bytes.split_at_checked(HEADER)?;
    let (magic, sum) = header.split_at(MAGIC.len());
    (magic == MAGIC && sum == sha3::Sha3_256::digest(body).as_slice()).then_some(body)
}

fn store_in(dir: &Path, key: &str, findings: bool, stdout: &[u8]) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".{key}.{}", std::process::id()));
    let mut body = Vec::with_capacity(stdout.len() + 1);
    body.push(if findings { b'1' } else { b'0' });
    body.extend_from_slice(stdout);
    let mut data = Vec::with_capacity(HEADER + body.len());
    data.extend_from_slice(MAGIC);
    data.extend_from_slice(&sha3::Sha3_256::digest(&body));
    data.extend_from_slice(&body);
    if std::fs::write(&tmp, &data).is_ok() && std::fs::rename(&tmp, dir.join(key)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Removes the least recently used entries until the directory holds at
/// most `max` bytes; `keep` (the entry just stored) is never removed. Temporary
/// files of other runs are left alone unless an hour old.
fn evict(dir: &Path, max: u64, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut files: Vec<(bool, SystemTime, u64, PathBuf)> = Vec::new();
    let mut total = 0u64;
    for e in entries.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let name = e.file_name();
        let name = name.to_string_lossy();
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if name.starts_with('.') {
            let stale = now
                .duration_since(modified)
                .is_ok_and(|age| age.as_secs() > 3600);
            if stale {
                let _ = std::fs::remove_file(e.path());
            }
            continue;
        }
        total += meta.len();
        files.push((name == keep, modified, meta.len(), e.path()));
    }
    if total <= max {
        return;
    }
    // Oldest first; the entry just stored last of all (and kept).
    files.sort_by_key(|f| (f.0, f.1));
    for (is_kept, _, len, path) in files {
        if total <= max || is_kept {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn age(dir: &Path, key: &str, secs: u64) {
        let f = std::fs::File::options()
            .write(true)
            .open(dir.join(key))
            .unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn an_entry_reads_back_and_a_damaged_one_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        store_in(d, "k", true, b"a.proto:1:1:x\n");
        let hit = load_from(d, "k").unwrap();
        assert!(hit.findings);
        assert_eq!(hit.stdout, b"a.proto:1:1:x\n");
        // Truncated, flipped and foreign entries are misses, and removed.
        let whole = std::fs::read(d.join("k")).unwrap();
        for bad in [
            whole[..whole.len() - 1].to_vec(),
            [&whole[..HEADER], b"0other"].concat(),
            b"1a.proto:1:1:old format".to_vec(),
            Vec::new(),
        ] {
            std::fs::write(d.join("k"), &bad).unwrap();
            assert!(load_from(d, "k").is_none());
            assert!(!d.join("k").exists());
        }
    }

    #[test]
    fn the_least_recently_used_entries_go_first_and_the_new_one_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let body = vec![b'x'; 1000];
        for (key, secs) in [("old", 300), ("mid", 200), ("used", 400)] {
            store_in(d, key, false, &body);
            age(d, key, secs);
        }
        // A hit makes "used" the most recent of the three.
        assert!(load_from(d, "used").is_some());
        store_in(d, "new", false, &body);
        let size = std::fs::metadata(d.join("new")).unwrap().len();
        evict(d, 2 * size, "new");
        let left: Vec<bool> = ["old", "mid", "used", "new"]
            .iter()
            .map(|k| d.join(k).exists())
            .collect();
        assert_eq!(left, [false, false, true, true]);
        // A bound smaller than one entry still keeps the one just stored.
        evict(d, 1, "new");
        assert!(d.join("new").exists() && !d.join("used").exists());
    }

    #[test]
    fn rules_judged_against_now_are_noticed_and_prose_is_not() {
        for yes in [
            &b"(buf.validate.field).timestamp.lt_now = true"[..],
            b"timestamp: {gt_now: true}",
            b"timestamp: {within: {seconds: 60}}",
            b"(buf.validate.field).timestamp.within = {seconds: 1}",
            b"timestamp { within { seconds: 1 } }",
        ] {
            assert!(mentions_now_rules(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"// Must arrive within the hour."[..],
            b"  // Unique within {container, profile}.",
            b"message Within { int32 within_range = 1; }",
            b"within",
        ] {
            assert!(!mentions_now_rules(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn stale_temporary_files_are_removed_fresh_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(d.join(".k.1"), b"partial").unwrap();
        std::fs::write(d.join(".k.2"), b"partial").unwrap();
        age(d, ".k.1", 7200);
        evict(d, u64::MAX, "");
        assert!(!d.join(".k.1").exists());
        assert!(d.join(".k.2").exists());
    }
}
