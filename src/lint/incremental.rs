//! The incremental re-lint. After each run the state of every file of the
//! image is kept (in [`crate::cache::Store`], per workspace, configuration
//! and format: heads under one entry, the rest in shards, see [`State`]): a
//! key standing for everything its compiled
//! form depends on (its path and bytes, and the keys of what it imports),
//! its imports, the findings of the rules that look at one file, what the
//! module-wide rules group files by (package, directory, the types its
//! methods use), a skeleton of it (package, imports, options, services and
//! their source locations) for those rules, and where its findings were
//! printed in the answer stored with the state.
//!
//! The next run computes every file's key again (parsing only the files
//! whose bytes changed), compiles just the files whose key changed and what
//! they import, and lints those files. The module-wide rules run again only
//! for the files an edit can reach: those sharing a package, a directory or
//! a method's type with a changed file, or every file when the package
//! import graph changed and PACKAGE_NO_IMPORT_CYCLE is on. Every other file
//! prints what it printed last time, copied from the stored answer (for the
//! formats that print a line per finding; the others print everything
//! again). What only a whole compile can tell (a symbol or extension number
//! declared twice across files that do not import each other) is checked
//! over the kept symbols; when anything is out of the ordinary (a compile
//! error, a conflict, a cycle, a dependency file seen for the first time,
//! or an edit that needs more than half the files compiled) [`relint`]
//! answers `None` and the caller compiles everything, which gives the same
//! answer by construction.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use prost::Message;
use prost::bytes::Bytes;
use prost_types::{DescriptorProto, FileDescriptorProto};

use super::{LintAnnotation, Scope};
use crate::cache::files::Scan;
use crate::compiler::{CompiledFile, SourceInfo};
use crate::image::{Image, ImageFile};
use crate::report::Annotation;
use crate::workspace::Workspace;

/// What a run leaves for the next one. It is stored in two parts: its
/// heads (every file's [`FileState`] without the blobs, under the state
/// key) and the blobs (skeleton, findings, symbols), grouped into shards by
/// a hash of the file's name, each stored under a digest of its bytes. A
/// run writes only the shards whose bytes changed: an edit that changes
/// many files' keys but few files' blobs (a widely imported file, edited)
/// rewrites a few hundred kilobytes instead of the whole state.
#[derive(Default)]
pub struct State {
    files: Vec<FileState>,
    /// The key of the answer stored with this state, whose output the
    /// files' printed ranges index; empty when the format does not print a
    /// line per finding.
    answer_key: String,
    /// The shards it was loaded from (key, bytes), in shard order: what
    /// the next state compares its own shards with.
    shards: Vec<(String, Bytes)>,
}

/// A state's heads, as stored.
#[derive(Clone, PartialEq, prost::Message)]
struct Heads {
    /// Every file, its blobs left out.
    #[prost(message, repeated, tag = "1")]
    files: Vec<FileState>,
    #[prost(string, tag = "2")]
    answer_key: String,
    /// The shards' keys, in shard order.
    #[prost(string, repeated, tag = "3")]
    shards: Vec<String>,
}

/// The blobs of the files [`shard_of`] puts in one shard, in state order.
#[derive(Clone, PartialEq, prost::Message)]
struct Shard {
    #[prost(message, repeated, tag = "1")]
    blobs: Vec<Blobs>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Blobs {
    #[prost(bytes = "bytes", tag = "1")]
    body: Bytes,
    #[prost(bytes = "bytes", tag = "2")]
    findings: Bytes,
    #[prost(bytes = "bytes", tag = "3")]
    symbols: Bytes,
}

/// A state's shards, read and decoded (for [`State::fill`]).
pub struct Shards(Vec<(Bytes, Vec<Blobs>)>);

impl Shards {
    /// Decodes shards read from the store, in order; `None` when one is not
    /// a shard.
    pub fn decode(bytes: Vec<Bytes>) -> Option<Shards> {
        use rayon::prelude::*;
        bytes
            .into_par_iter()
            .map(|b| Some((b.clone(), Shard::decode(b).ok()?.blobs)))
            .collect::<Option<_>>()
            .map(Shards)
    }
}

/// A state encoded for the store: the heads, and the shards not stored
/// already (key, bytes), which go in first.
pub struct Stored {
    pub heads: Vec<u8>,
    pub shards: Vec<(String, Vec<u8>)>,
}

/// How many shards a state of `files` files has: about 128 files each, at
/// most 64.
fn shard_count(files: usize) -> usize {
    files.div_ceil(128).clamp(1, 64)
}

/// The shard of `name` among `n`.
fn shard_of(name: &str, n: usize) -> usize {
    (twox_hash::XxHash3_64::oneshot(name.as_bytes()) % n as u64) as usize
}

/// What a run needs of every file to tell what changed and what an edit
/// reaches, and its blobs (`body`, `findings`, `symbols`: empty in the
/// stored heads, kept in the shards).
#[derive(Clone, PartialEq, prost::Message)]
struct FileState {
    /// The import path.
    #[prost(string, tag = "1")]
    name: String,
    #[prost(bytes = "vec", tag = "2")]
    key: Vec<u8>,
    /// Empty for files from outside the workspace (registry dependencies,
    /// well-known types).
    #[prost(bytes = "vec", tag = "3")]
    digest: Vec<u8>,
    /// Imports, then option imports, as the descriptor lists them.
    #[prost(string, repeated, tag = "4")]
    imports: Vec<String>,
    /// Sets protovalidate options (a root of the rule's schema pool).
    #[prost(bool, tag = "5")]
    validate_user: bool,
    /// An encoded [`FileBody`]: decoded only for the files the module-wide
    /// rules look at again.
    #[prost(bytes = "bytes", tag = "6")]
    body: Bytes,
    /// Encoded [`Findings`] of the rules that look at one file.
    #[prost(bytes = "bytes", tag = "7")]
    findings: Bytes,
    /// Encoded [`Symbols`].
    #[prost(bytes = "bytes", tag = "8")]
    symbols: Bytes,
    #[prost(string, tag = "9")]
    package: String,
    /// How many of `imports` are option imports (the last ones).
    #[prost(uint32, tag = "10")]
    option_imports: u32,
    /// The request and response types of its methods, sorted.
    #[prost(string, repeated, tag = "11")]
    method_types: Vec<String>,
    /// How findings print its path.
    #[prost(string, tag = "12")]
    display_path: String,
    /// Where its findings are in the answer's output.
    #[prost(uint64, tag = "13")]
    printed_at: u64,
    #[prost(uint64, tag = "14")]
    printed_len: u64,
    /// `extendee#number` of every extension declared.
    #[prost(string, repeated, tag = "15")]
    extensions: Vec<String>,
    /// A digest of the module-wide rules' findings on the file, in order
    /// ([`module_digest`]): a whole run copies the printed findings of a
    /// file whose key and module-wide findings did not change.
    #[prost(uint64, tag = "16")]
    module_digest: u64,
}

/// The skeleton the module-wide rules read.
#[derive(Clone, PartialEq, prost::Message)]
struct FileBody {
    #[prost(message, optional, tag = "2")]
    skeleton: Option<FileDescriptorProto>,
    #[prost(message, repeated, tag = "3")]
    raw_options: Vec<RawOption>,
    /// The skeleton's source info, as `SourceInfo` encodes it (the skeleton
    /// descriptor carries none).
    #[prost(bytes = "vec", optional, tag = "7")]
    skeleton_source_info: Option<Vec<u8>>,
}

/// The names a file declares directly in its package (a whole compile
/// finds one declared twice).
#[derive(Clone, PartialEq, prost::Message)]
struct Symbols {
    #[prost(string, repeated, tag = "1")]
    top_level: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Findings {
    #[prost(message, repeated, tag = "1")]
    findings: Vec<StoredFinding>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RawOption {
    #[prost(int32, repeated, tag = "1")]
    path: Vec<i32>,
    #[prost(bytes = "vec", tag = "2")]
    bytes: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct StoredFinding {
    #[prost(uint64, tag = "2")]
    start_line: u64,
    #[prost(uint64, tag = "3")]
    start_column: u64,
    #[prost(uint64, tag = "4")]
    end_line: u64,
    #[prost(uint64, tag = "5")]
    end_column: u64,
    #[prost(string, tag = "6")]
    kind: String,
    #[prost(string, tag = "7")]
    message: String,
}

impl State {
    /// A state's heads: every file without its blobs, which
    /// [`State::fill`] adds from the shards [`State::shard_keys`] names.
    pub fn heads(bytes: Bytes) -> Option<State> {
        let heads = Heads::decode(bytes).ok()?;
        if heads.shards.len() != shard_count(heads.files.len()) {
            return None;
        }
        Some(State {
            files: heads.files,
            answer_key: heads.answer_key,
            shards: heads
                .shards
                .into_iter()
                .map(|k| (k, Bytes::new()))
                .collect(),
        })
    }

    /// The keys of the shards that hold the files' blobs, in order.
    pub fn shard_keys(&self) -> Vec<String> {
        self.shards.iter().map(|(k, _)| k.clone()).collect()
    }

    /// The state with its files' blobs, from `shards` (its shards, read);
    /// `None` when they do not fit its heads. The blobs stay slices of what
    /// was read.
    pub fn fill(self, shards: Shards) -> Option<State> {
        let n = self.shards.len();
        if shards.0.len() != n {
            return None;
        }
        let (bytes, blobs): (Vec<Bytes>, Vec<Vec<Blobs>>) = shards.0.into_iter().unzip();
        let mut blobs: Vec<std::vec::IntoIter<Blobs>> =
            blobs.into_iter().map(Vec::into_iter).collect();
        let mut files = self.files;
        for f in &mut files {
            let b = blobs[shard_of(&f.name, n)].next()?;
            f.body = b.body;
            f.findings = b.findings;
            f.symbols = b.symbols;
        }
        if blobs.iter().any(|rest| rest.len() != 0) {
            return None;
        }
        Some(State {
            files,
            answer_key: self.answer_key,
            shards: self.shards.into_iter().map(|(k, _)| k).zip(bytes).collect(),
        })
    }

    /// Encodes the state made of `files`, after `prev` (whose shards need
    /// no storing again when this state's are the same).
    fn store(files: Vec<FileState>, answer_key: String, prev: &[(String, Bytes)]) -> Stored {
        use rayon::prelude::*;
        let n = shard_count(files.len());
        let mut groups: Vec<Vec<Blobs>> = vec![Vec::new(); n];
        let files: Vec<FileState> = files
            .into_iter()
            .map(|mut f| {
                groups[shard_of(&f.name, n)].push(Blobs {
                    body: std::mem::take(&mut f.body),
                    findings: std::mem::take(&mut f.findings),
                    symbols: std::mem::take(&mut f.symbols),
                });
                f
            })
            .collect();
        let shards: Vec<(String, Option<Vec<u8>>)> = groups
            .into_par_iter()
            .enumerate()
            .map(|(i, blobs)| {
                let bytes = Shard { blobs }.encode_to_vec();
                match prev.get(i) {
                    Some((key, old)) if prev.len() == n && old[..] == bytes[..] => {
                        (key.clone(), None)
                    }
                    _ => {
                        let mut h = crate::cache::KeyHasher::new();
                        h.field(b"lint shard").field(&bytes);
                        (h.finish(), Some(bytes))
                    }
                }
            })
            .collect();
        let heads = Heads {
            files,
            answer_key,
            shards: shards.iter().map(|(k, _)| k.clone()).collect(),
        }
        .encode_to_vec();
        Stored {
            heads,
            shards: shards
                .into_iter()
                .filter_map(|(k, b)| Some((k, b?)))
                .collect(),
        }
    }
}

/// The key of the state for linting `ws` with `rules` into `format`: its
/// place on disk and configuration, not its files.
pub fn state_key(ws: &Workspace, rules: &[Vec<&str>], format: &str) -> String {
    let mut h = crate::cache::KeyHasher::new();
    h.field(b"lint state");
    h.field(ws.root.as_os_str().as_encoded_bytes());
    super::cache::config_key(&mut h, ws, rules, format);
    h.finish()
}

/// A workspace file: where it is in `contents` and whether the input
/// targets it.
struct WsFile<'a> {
    flat: usize,
    target: bool,
    import_path: &'a str,
}

/// What the caller compiles with: a workspace (a subset of the input's,
/// every file a target) and its files' bytes; `None` when it does not
/// compile.
pub type Compile<'c> = dyn Fn(Workspace, Vec<Vec<u8>>) -> Option<Image> + 'c;

/// How a run prints its findings.
pub struct Output<'a> {
    /// Findings, in buf's order, as the run prints them.
    pub render: &'a (dyn Fn(Vec<LintAnnotation>) -> Vec<u8> + Sync),
    /// Whether that is a line (or more) per finding, so that the output is
    /// each file's findings printed one file after another: then a file's
    /// printed findings are kept from run to run.
    pub per_line: bool,
    /// The key the answer is stored under, recorded in the state.
    pub answer_key: &'a str,
}

impl Output<'_> {
    /// The answer key a state records: none when the format does not print
    /// a line per finding (nothing can be copied from its output).
    fn kept_key(&self) -> String {
        if self.per_line {
            self.answer_key.to_string()
        } else {
            String::new()
        }
    }

    /// The output of the answer stored under `key` (a state's answer key),
    /// when this format's printed findings can be copied from it.
    fn last(&self, key: &str, answer: &dyn Fn(&str) -> Option<Bytes>) -> Option<Bytes> {
        Some(key)
            .filter(|k| self.per_line && !k.is_empty())
            .and_then(answer)
    }
}

/// A run's answer and the state to keep.
pub struct Relinted {
    pub stdout: Vec<u8>,
    pub found: bool,
    pub state: Stored,
}

/// Lints `ws` (whose files `sources` digests, reading those it needs)
/// starting from `prev`, a state's heads whose blobs `blobs` gives (the
/// bytes of its shards, read meanwhile); `rules` holds each target module's
/// selection, and `answer` gives the output stored under a key. Returns what
/// to print and the state to keep, or, when only a whole compile can
/// answer, `prev` still without its blobs (for [`full`] to reuse once
/// filled).
#[allow(clippy::too_many_arguments)]
pub fn relint(
    ws: &Workspace,
    sources: &Scan,
    prev: State,
    blobs: &mut dyn FnMut() -> Option<Shards>,
    rules: &[Vec<&'static str>],
    compile: &Compile,
    output: &Output,
    answer: &dyn Fn(&str) -> Option<Bytes>,
) -> Result<Relinted, Option<State>> {
    let Some(slots) = plan(ws, sources, &prev, rules, compile) else {
        return Err(Some(prev));
    };
    let prev = blobs().and_then(|b| prev.fill(b)).ok_or(None)?;
    go_on(ws, prev, slots, rules, output, answer).ok_or(None)
}

/// [`relint`] once the files to compile again are compiled and linted.
fn go_on(
    ws: &Workspace,
    mut prev: State,
    slots: Vec<Slot>,
    rules: &[Vec<&'static str>],
    output: &Output,
    answer: &dyn Fn(&str) -> Option<Bytes>,
) -> Option<Relinted> {
    let mut clock = crate::timing::PhaseClock::new();
    let edit = Edit::of(&prev, &slots);
    let mut files: Vec<FileState> = slots
        .into_iter()
        .map(|s| match s {
            Slot::Fresh(f) => *f,
            Slot::Kept(i) => std::mem::take(&mut prev.files[i]),
        })
        .collect();
    if conflicts(&files, &edit.changed)? {
        return None;
    }
    clock.mark("conflicts");
    // The last output, when each kept file's findings can be copied from it.
    let old = output.last(&prev.answer_key, answer).filter(|out| {
        files
            .iter()
            .all(|f| f.printed_at.saturating_add(f.printed_len) <= out.len() as u64)
    });
    clock.mark("last answer");
    let index: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let cycles = rules
        .iter()
        .flatten()
        .any(|r| *r == "PACKAGE_NO_IMPORT_CYCLE");
    let everything = old.is_none() || (edit.graph && cycles);
    let reached = if everything {
        vec![true; files.len()]
    } else {
        edit.reach(&files)
    };
    let looked_at = if everything {
        reached.clone()
    } else {
        around(&files, &reached, &index)
    };
    let skeletons = Image {
        files: {
            use rayon::prelude::*;
            files
                .par_iter()
                .zip(&looked_at)
                .map(|(f, &full)| {
                    if full {
                        skeleton_file(f)
                    } else {
                        Some(light_file(f))
                    }
                })
                .collect::<Option<_>>()?
        },
    };
    clock.mark("skeletons");
    let jobs = super::module_jobs(ws, rules, &index, |n| {
        index.get(n).is_some_and(|&i| looked_at[i])
    });
    let module = super::run_scoped(&skeletons, &jobs, Scope::Module);
    drop(jobs);
    clock.mark("module rules");
    let linted = linted(ws, rules, &index, files.len());
    let mut by_file: Vec<Vec<LintAnnotation>> = vec![Vec::new(); files.len()];
    for f in module {
        let i = *index.get(f.module_path.as_str())?;
        if reached[i] {
            by_file[i].push(f);
        }
    }
    let parts: Vec<(u64, Part)> = {
        use rayon::prelude::*;
        files
            .par_iter()
            .zip(by_file)
            .enumerate()
            .map(|(i, (f, mut found))| {
                if !reached[i] {
                    return Some((f.module_digest, Part::Kept(f.printed_at, f.printed_len)));
                }
                let digest = module_digest(&found);
                if linted[i] {
                    let own = Findings::decode(&f.findings[..]).ok()?;
                    found.extend(annotations(f, own.findings));
                }
                Some((digest, Part::Found(found)))
            })
            .collect::<Option<_>>()?
    };
    let parts = parts
        .into_iter()
        .zip(files.iter_mut())
        .map(|((digest, part), f)| {
            f.module_digest = digest;
            part
        })
        .collect();
    let (stdout, found) = print(&mut files, parts, output, old.as_deref());
    clock.mark("print");
    clock.note(&format!(
        "module-wide rules: {} files reached, {} looked at, of {}",
        reached.iter().filter(|r| **r).count(),
        looked_at.iter().filter(|r| **r).count(),
        files.len()
    ));
    let answer_key = output.kept_key();
    let state = State::store(files, answer_key, &prev.shards);
    clock.mark("encode state");
    Some(Relinted {
        stdout,
        found,
        state,
    })
}

/// What changed between two states, as the module-wide rules group files.
#[derive(Default)]
struct Edit {
    /// Files compiled again or added.
    changed: HashSet<String>,
    /// Packages, directories and method types of changed, added and removed
    /// files, before and after.
    packages: HashSet<String>,
    dirs: HashSet<String>,
    types: HashSet<String>,
    /// Whether the package import graph can have changed (a file added or
    /// removed, or a changed file's package or imports changed).
    graph: bool,
}

impl Edit {
    fn of(prev: &State, slots: &[Slot]) -> Edit {
        let prev_at: HashMap<&str, &FileState> =
            prev.files.iter().map(|f| (f.name.as_str(), f)).collect();
        let mut edit = Edit::default();
        let mut present: HashSet<&str> = HashSet::default();
        for s in slots {
            match s {
                Slot::Kept(i) => {
                    present.insert(&prev.files[*i].name);
                }
                Slot::Fresh(f) => {
                    present.insert(&f.name);
                    edit.changed.insert(f.name.clone());
                    edit.add(f);
                    match prev_at.get(f.name.as_str()) {
                        Some(old) => {
                            edit.add(old);
                            edit.graph |=
                                old.package != f.package || plain_imports(old) != plain_imports(f);
                        }
                        None => edit.graph = true,
                    }
                }
            }
        }
        for old in &prev.files {
            if !present.contains(old.name.as_str()) {
                edit.add(old);
                edit.graph = true;
            }
        }
        edit
    }

    fn add(&mut self, f: &FileState) {
        self.packages.insert(f.package.clone());
        self.dirs.insert(dir_of(&f.name).to_string());
        self.types.extend(f.method_types.iter().cloned());
    }

    /// The files whose module-wide findings the edit can change.
    fn reach(&self, files: &[FileState]) -> Vec<bool> {
        files
            .iter()
            .map(|f| {
                self.changed.contains(&f.name)
                    || self.packages.contains(&f.package)
                    || self.dirs.contains(dir_of(&f.name))
                    || f.method_types.iter().any(|t| self.types.contains(t))
            })
            .collect()
    }
}

/// The files the module-wide rules must see whole for their findings on the
/// `reached` files to be a whole run's: those sharing a package, a
/// directory or a method's type with a reached file, and what a reached
/// file imports. The rest are seen by name, package and imports alone.
fn around(files: &[FileState], reached: &[bool], index: &HashMap<&str, usize>) -> Vec<bool> {
    let mut packages: HashSet<&str> = HashSet::default();
    let mut dirs: HashSet<&str> = HashSet::default();
    let mut types: HashSet<&str> = HashSet::default();
    let mut out = reached.to_vec();
    for (f, _) in files.iter().zip(reached).filter(|(_, r)| **r) {
        packages.insert(&f.package);
        dirs.insert(dir_of(&f.name));
        types.extend(f.method_types.iter().map(String::as_str));
        for i in plain_imports(f) {
            if let Some(&j) = index.get(i.as_str()) {
                out[j] = true;
            }
        }
    }
    for (f, o) in files.iter().zip(&mut out) {
        *o = *o
            || packages.contains(f.package.as_str())
            || dirs.contains(dir_of(&f.name))
            || f.method_types.iter().any(|t| types.contains(t.as_str()));
    }
    out
}

/// The directory of an import path, `.` at the root (as the rules see it).
fn dir_of(name: &str) -> &str {
    name.rfind('/').map_or(".", |i| &name[..i])
}

fn plain_imports(f: &FileState) -> &[String] {
    let plain = f.imports.len().saturating_sub(f.option_imports as usize);
    &f.imports[..plain]
}

/// Which files some target module lints.
fn linted(
    ws: &Workspace,
    rules: &[Vec<&'static str>],
    index: &HashMap<&str, usize>,
    len: usize,
) -> Vec<bool> {
    let mut linted = vec![false; len];
    for i in super::module_jobs(ws, rules, index, |_| true)
        .iter()
        .flat_map(|j| &j.files)
    {
        linted[*i] = true;
    }
    linted
}

/// What a file prints: its findings, or the range of the last output that
/// printed them.
enum Part {
    Found(Vec<LintAnnotation>),
    Kept(u64, u64),
}

/// The output for `parts` (one per file of `files`), and whether anything
/// was found; records where each file's findings printed. A kept part
/// copies from `old`.
fn print(
    files: &mut [FileState],
    parts: Vec<Part>,
    output: &Output,
    old: Option<&[u8]>,
) -> (Vec<u8>, bool) {
    use rayon::prelude::*;
    if !output.per_line {
        let mut all: Vec<LintAnnotation> = parts
            .into_iter()
            .flat_map(|p| match p {
                Part::Found(found) => found,
                Part::Kept(..) => Vec::new(),
            })
            .collect();
        super::sort_findings(&mut all);
        let found = !all.is_empty();
        for f in files.iter_mut() {
            f.printed_at = 0;
            f.printed_len = 0;
        }
        return ((output.render)(all), found);
    }
    let blocks: Vec<Result<Vec<u8>, (u64, u64)>> = parts
        .into_par_iter()
        .map(|p| match p {
            Part::Found(mut found) if !found.is_empty() => {
                super::sort_findings(&mut found);
                Ok((output.render)(found))
            }
            Part::Found(_) => Ok(Vec::new()),
            Part::Kept(at, len) => Err((at, len)),
        })
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_unstable_by(|&a, &b| files[a].display_path.cmp(&files[b].display_path));
    let mut out = Vec::with_capacity(old.map_or(0, <[u8]>::len) + 4096);
    for i in order {
        let at = out.len();
        match &blocks[i] {
            Ok(block) => out.extend_from_slice(block),
            Err((from, len)) => {
                let from = *from as usize;
                if let Some(kept) = old.and_then(|o| o.get(from..from + *len as usize)) {
                    out.extend_from_slice(kept);
                }
            }
        }
        files[i].printed_at = at as u64;
        files[i].printed_len = (out.len() - at) as u64;
    }
    let found = !out.is_empty();
    (out, found)
}

/// A digest of one file's module-wide findings (in buf's order).
fn module_digest(found: &[LintAnnotation]) -> u64 {
    let mut h = twox_hash::XxHash3_64::new();
    for f in found {
        let a = &f.annotation;
        for n in [a.start_line, a.start_column, a.end_line, a.end_column] {
            std::hash::Hasher::write(&mut h, &(n as u64).to_le_bytes());
        }
        for s in [&a.kind, &a.message] {
            std::hash::Hasher::write(&mut h, &(s.len() as u64).to_le_bytes());
            std::hash::Hasher::write(&mut h, s.as_bytes());
        }
    }
    std::hash::Hasher::finish(&h)
}

/// Stored findings of `f` as annotations.
fn annotations(f: &FileState, found: Vec<StoredFinding>) -> impl Iterator<Item = LintAnnotation> {
    found.into_iter().map(|s| LintAnnotation {
        annotation: Annotation {
            path: f.display_path.clone(),
            start_line: s.start_line as usize,
            start_column: s.start_column as usize,
            end_line: s.end_line as usize,
            end_column: s.end_column as usize,
            kind: s.kind,
            message: s.message,
            plugin: String::new(),
            policy: String::new(),
        },
        module_path: f.name.clone(),
    })
}

/// A file of the next state: compiled again, or kept (an index into the
/// previous state's files).
enum Slot {
    Fresh(Box<FileState>),
    Kept(usize),
}

/// The next state's files, in name order.
fn plan(
    ws: &Workspace,
    sources: &Scan,
    prev: &State,
    rules: &[Vec<&'static str>],
    compile: &Compile,
) -> Option<Vec<Slot>> {
    let mut clock = crate::timing::PhaseClock::new();
    let prev_at: HashMap<&str, usize> = prev
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let prev_by = |n: &str| prev_at.get(n).map(|&i| &prev.files[i]);
    let mut own: HashMap<&str, WsFile> = HashMap::default();
    let mut flat = 0;
    for m in &ws.modules {
        for f in &m.files {
            own.insert(
                &f.import_path,
                WsFile {
                    flat,
                    target: m.is_target && f.is_target,
                    import_path: &f.import_path,
                },
            );
            flat += 1;
        }
    }
    let digests = &sources.digests;
    // Files whose bytes changed since: parsed for their imports.
    let parsed: HashMap<&str, Vec<String>> = {
        use rayon::prelude::*;
        let files: Vec<&WsFile> = own
            .values()
            .filter(|f| prev_by(f.import_path).is_none_or(|p| p.digest != digests[f.flat]))
            .collect();
        let flats: Vec<usize> = files.iter().map(|f| f.flat).collect();
        sources.load(&flats).ok()?;
        files
            .par_iter()
            .map(|f| {
                let text = String::from_utf8_lossy(sources.bytes(f.flat).unwrap_or_default());
                (f.import_path, crate::compiler::all_imports(&text))
            })
            .collect()
    };
    // The files the image will hold: the targets and what they import.
    let mut imports: HashMap<&str, &[String]> =
        HashMap::with_capacity_and_hasher(own.len(), Default::default());
    let mut stack: Vec<&str> = own
        .values()
        .filter(|f| f.target)
        .map(|f| f.import_path)
        .collect();
    while let Some(name) = stack.pop() {
        if imports.contains_key(name) {
            continue;
        }
        let list: &[String] = match parsed.get(name) {
            Some(list) => list,
            // Unchanged, or a dependency or well-known file (when seen for
            // the first time, only a whole compile tells what it is).
            None => &prev_by(name)?.imports,
        };
        for i in list {
            if let Some((&n, _)) = own.get_key_value(i.as_str()) {
                stack.push(n);
            } else if let Some(p) = prev_by(i.as_str()) {
                stack.push(&p.name);
            } else {
                // Unknown: a new dependency file, or a missing one.
                return None;
            }
        }
        imports.insert(name, list);
    }
    let digest_of = |name: &str| own.get(name).map(|f| digests[f.flat]);
    let keys = compute_keys(&imports, &digest_of)?;
    clock.mark("keys");
    let affected: HashSet<&str> = imports
        .keys()
        .copied()
        .filter(|n| prev_by(n).map(|p| p.key.as_slice()) != keys.get(n).map(|k| &k[..]))
        .collect();
    // Compile what changed and everything it imports; when that is more
    // than half the files, a whole run costs less than the bookkeeping
    // (googleapis with `google/api/field_behavior.proto` edited: 6,293 of
    // 7,221 files to compile, 1.25x a cold run incrementally).
    // The affected files alone can be that many: then their closure is
    // not worth finding.
    let subset = (affected.len() * 2 <= imports.len())
        .then(|| closure(affected.iter().copied(), &imports, &own))
        .filter(|subset| subset.len() * 2 <= imports.len());
    let Some(mut subset) = subset else {
        clock.note(&format!(
            "whole compile: {} of {} files changed",
            affected.len(),
            imports.len(),
        ));
        return None;
    };
    let mut image = compile_subset(ws, sources, &subset, compile)?;
    let fresh_users: Vec<&str> = {
        let at = image.by_name();
        affected
            .iter()
            .copied()
            .filter(|n| {
                at.get(n)
                    .is_some_and(|&i| super::rules::uses_protovalidate(&image.files[i].file))
            })
            .collect()
    };
    if !fresh_users.is_empty() {
        // protovalidate builds one schema from every file that uses it:
        // compile them all, as a whole run would.
        let users: Vec<&str> = imports
            .keys()
            .copied()
            .filter(|n| !affected.contains(n) && prev_by(n).is_some_and(|p| p.validate_user))
            .chain(fresh_users)
            .collect();
        if users.iter().any(|n| !subset.contains(n)) {
            subset = closure(subset.iter().copied().chain(users), &imports, &own);
            image = compile_subset(ws, sources, &subset, compile)?;
        }
    }
    clock.mark("compile subset");
    let index = image.by_name();
    // An affected file must have compiled with the imports its key used.
    for n in &affected {
        let f = &image.files[*index.get(n)?].file;
        if descriptor_imports(f) != imports[n] {
            return None;
        }
    }
    let jobs = super::module_jobs(ws, rules, &index, |n| affected.contains(n));
    let mut by_file = group(super::run_scoped(&image, &jobs, Scope::PerFile));
    let mut names: Vec<&str> = imports.keys().copied().collect();
    names.sort_unstable();
    let slots = names
        .iter()
        .map(|n| {
            if affected.contains(n) {
                let f = &image.files[index[n]].file;
                let own_findings = by_file.remove(*n).unwrap_or_default();
                // The earlier state's blobs are not read yet.
                let state = file_state(f, digest_of(n), keys[n], own_findings, None);
                Slot::Fresh(Box::new(state))
            } else {
                Slot::Kept(prev_at[n])
            }
        })
        .collect();
    clock.mark("per-file lint");
    clock.note(&format!(
        "incremental: {} of {} files compiled",
        image.files.len(),
        imports.len()
    ));
    Some(slots)
}

/// Lints the whole of `image` (compiled from all of `ws`, whose files have
/// `digests`): what to print, and the state to keep. A file whose key
/// `reuse` (an earlier state) holds keeps its findings from there: the
/// rules that look at one file run on the others only, and when its
/// module-wide findings did not change either, its printed findings are
/// copied from the answer `answer` gives for the earlier state.
pub fn full(
    ws: &Workspace,
    digests: &[[u8; 32]],
    image: &Image,
    rules: &[Vec<&'static str>],
    output: &Output,
    reuse: Option<State>,
    answer: &dyn Fn(&str) -> Option<Bytes>,
) -> Relinted {
    use rayon::prelude::*;
    let mut clock = crate::timing::PhaseClock::new();
    let index = image.by_name();
    clock.mark("full: index");
    let own: HashMap<&str, [u8; 32]> = ws
        .modules
        .iter()
        .flat_map(|m| &m.files)
        .zip(digests)
        .map(|(f, d)| (f.import_path.as_str(), *d))
        .collect();
    let digest_of = |name: &str| own.get(name).copied();
    let imports: HashMap<&str, Vec<&str>> = image
        .files
        .iter()
        .map(|f| {
            let fd = &f.file.fd;
            let list = fd.dependency.iter().chain(&f.file.extra.option_dependency);
            (fd.name(), list.map(String::as_str).collect())
        })
        .collect();
    clock.mark("full: imports");
    let keys = compute_keys(&imports, &digest_of).unwrap_or_default();
    clock.mark("full: keys");
    let mut reuse = reuse.unwrap_or_default();
    // The last output, when the reused files' printed findings can be
    // copied from it.
    let old = output.last(&reuse.answer_key, answer);
    clock.mark("full: old answer");
    // The earlier states still whole, in image order.
    // Each image file's earlier state, by name.
    let previous: Vec<Option<usize>> = {
        let at: HashMap<&str, usize> = reuse
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        image
            .files
            .iter()
            .map(|f| at.get(f.file.fd.name()).copied())
            .collect()
    };
    // Those still whole (the key unchanged), taken out.
    let reused: Vec<Option<FileState>> = image
        .files
        .iter()
        .zip(&previous)
        .map(|(f, &i)| {
            let i = i?;
            let key = keys.get(f.file.fd.name())?;
            (key[..] == reuse.files[i].key[..]).then(|| std::mem::take(&mut reuse.files[i]))
        })
        .collect();
    clock.mark("full: reuse");
    let jobs = super::module_jobs(ws, rules, &index, |_| true);
    let (per_file, module) = super::run_split(image, &jobs, &|i| reused[i].is_none());
    clock.mark("full: rules");
    let printed = per_image_file(module, &index, image.files.len());
    let module_digests: Vec<u64> = printed.par_iter().map(|m| module_digest(m)).collect();
    let own = per_image_file(per_file, &index, image.files.len());
    let fits = |f: &FileState| {
        old.as_ref()
            .is_some_and(|o| f.printed_at.saturating_add(f.printed_len) <= o.len() as u64)
    };
    let files: Option<Vec<(FileState, Part)>> = image
        .files
        .par_iter()
        .zip(reused)
        .zip(own)
        .zip(printed)
        .zip(module_digests)
        .zip(&previous)
        .filter_map(|(((((f, reused), own), mut printed), digest), earlier)| {
            if let Some(mut state) = reused {
                if state.module_digest == digest && fits(&state) {
                    let part = Part::Kept(state.printed_at, state.printed_len);
                    return Some(Some((state, part)));
                }
                let Ok(own) = Findings::decode(&state.findings[..]) else {
                    return Some(None);
                };
                printed.extend(annotations(&state, own.findings));
                state.module_digest = digest;
                return Some(Some((state, Part::Found(printed))));
            }
            let name = f.file.fd.name();
            let earlier = earlier.map(|i| &reuse.files[i]);
            let key = *keys.get(name)?;
            let own_findings = own
                .iter()
                .map(|f| StoredFinding::from(&f.annotation))
                .collect();
            printed.extend(own);
            let mut state = file_state(&f.file, digest_of(name), key, own_findings, earlier);
            state.module_digest = digest;
            Some(Some((state, Part::Found(printed))))
        })
        .collect();
    let Some(mut files) = files else {
        // A damaged earlier state (only a reused file's findings are
        // decoded): lint everything.
        return full(ws, digests, image, rules, output, None, answer);
    };
    clock.mark("full: file states");
    files.sort_unstable_by(|a, b| a.0.name.cmp(&b.0.name));
    let (mut files, parts): (Vec<FileState>, Vec<Part>) = files.into_iter().unzip();
    let (stdout, found) = print(&mut files, parts, output, old.as_deref());
    clock.mark("full: print");
    let state = State::store(files, output.kept_key(), &reuse.shards);
    clock.mark("full: encode state");
    Relinted {
        stdout,
        found,
        state,
    }
}

/// `found` by the image file it is on (`index` gives each file's place),
/// in order; findings on no file of the image are dropped.
fn per_image_file(
    found: Vec<LintAnnotation>,
    index: &std::collections::HashMap<&str, usize>,
    files: usize,
) -> Vec<Vec<LintAnnotation>> {
    let mut out: Vec<Vec<LintAnnotation>> = vec![Vec::new(); files];
    let mut last: Option<usize> = None;
    for f in found {
        // Sorted findings come a file at a time: most need no lookup.
        let same = |i: usize| {
            out[i]
                .last()
                .is_some_and(|l| l.module_path == f.module_path)
        };
        let at = match last {
            Some(i) if same(i) => Some(i),
            _ => index.get(f.module_path.as_str()).copied(),
        };
        if let Some(i) = at {
            out[i].push(f);
        }
        last = at;
    }
    out
}

fn group(found: Vec<LintAnnotation>) -> HashMap<String, Vec<StoredFinding>> {
    let mut by_file: HashMap<String, Vec<StoredFinding>> = HashMap::default();
    for f in found {
        by_file
            .entry(f.module_path)
            .or_default()
            .push(StoredFinding::from(&f.annotation));
    }
    by_file
}

impl From<&Annotation> for StoredFinding {
    fn from(a: &Annotation) -> StoredFinding {
        StoredFinding {
            start_line: a.start_line as u64,
            start_column: a.start_column as u64,
            end_line: a.end_line as u64,
            end_column: a.end_column as u64,
            kind: a.kind.clone(),
            message: a.message.clone(),
        }
    }
}

/// Plain imports, then option imports.
fn descriptor_imports(f: &CompiledFile) -> Vec<String> {
    f.fd.dependency
        .iter()
        .chain(&f.extra.option_dependency)
        .cloned()
        .collect()
}

/// Each file's key: its digest and its imports' keys (a file from outside
/// the workspace stands for itself: buf.lock and this binary fix it). `None`
/// on an import cycle.
fn compute_keys<'a, L: AsRef<[S]>, S: AsRef<str>>(
    imports: &HashMap<&'a str, L>,
    digest_of: &dyn Fn(&str) -> Option<[u8; 32]>,
) -> Option<HashMap<&'a str, [u8; 32]>> {
    let mut keys: HashMap<&'a str, [u8; 32]> =
        HashMap::with_capacity_and_hasher(imports.len(), Default::default());
    let mut on_path: HashSet<&str> = HashSet::default();
    // Depth first, without recursion: (file, whether its imports are done).
    for &root in imports.keys() {
        let mut stack: Vec<(&'a str, bool)> = vec![(root, false)];
        while let Some((name, done)) = stack.pop() {
            if keys.contains_key(name) {
                continue;
            }
            let Some(digest) = digest_of(name) else {
                let mut h = ring::digest::Context::new(&ring::digest::SHA256);
                h.update(b"external\0");
                h.update(name.as_bytes());
                keys.insert(name, to_array(h.finish()));
                continue;
            };
            let list = imports.get(name)?.as_ref();
            if done {
                let mut h = ring::digest::Context::new(&ring::digest::SHA256);
                h.update(&digest);
                for i in list {
                    let i = i.as_ref();
                    h.update(&(i.len() as u64).to_le_bytes());
                    h.update(i.as_bytes());
                    match keys.get(i) {
                        Some(k) => h.update(k),
                        None => h.update(b"missing"),
                    }
                }
                keys.insert(name, to_array(h.finish()));
                on_path.remove(name);
                continue;
            }
            if !on_path.insert(name) {
                return None;
            }
            stack.push((name, true));
            for i in list {
                if let Some((&n, _)) = imports.get_key_value(i.as_ref()) {
                    if on_path.contains(n) {
                        return None;
                    }
                    if !keys.contains_key(n) {
                        stack.push((n, false));
                    }
                }
            }
        }
    }
    Some(keys)
}

fn to_array(d: ring::digest::Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// `roots` and the workspace files they import, transitively.
fn closure<'a>(
    roots: impl Iterator<Item = &'a str>,
    imports: &HashMap<&'a str, &'a [String]>,
    own: &HashMap<&'a str, WsFile<'a>>,
) -> HashSet<&'a str> {
    let mut seen: HashSet<&'a str> = HashSet::default();
    let mut stack: Vec<&'a str> = roots.collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        for i in imports.get(n).copied().into_iter().flatten() {
            if let Some((&m, _)) = own.get_key_value(i.as_str()) {
                stack.push(m);
            }
        }
    }
    seen
}

/// Compiles the workspace files in `subset`, every one as a target.
fn compile_subset(
    ws: &Workspace,
    sources: &Scan,
    subset: &HashSet<&str>,
    compile: &Compile,
) -> Option<Image> {
    let mut sub = ws.clone();
    let mut flats = Vec::new();
    let mut flat = 0;
    for m in &mut sub.modules {
        m.is_target = true;
        let mut kept = Vec::new();
        for mut f in std::mem::take(&mut m.files) {
            if subset.contains(f.import_path.as_str()) {
                f.is_target = true;
                flats.push(flat);
                kept.push(f);
            }
            flat += 1;
        }
        m.files = kept;
    }
    sources.load(&flats).ok()?;
    let bytes = flats
        .iter()
        .map(|&i| sources.bytes(i).map(<[u8]>::to_vec))
        .collect::<Option<_>>()?;
    compile(sub, bytes)
}

/// The state of the compiled file `f`. `earlier` is the file's earlier
/// state: when that was of the same bytes, what only the bytes decide (the
/// names it declares, the source locations the skeleton keeps unless a
/// custom file option's number is among them) is taken from there.
fn file_state(
    f: &CompiledFile,
    digest: Option<[u8; 32]>,
    key: [u8; 32],
    findings: Vec<StoredFinding>,
    earlier: Option<&FileState>,
) -> FileState {
    let fd = &f.fd;
    let same_bytes =
        earlier.filter(|e| !e.digest.is_empty() && digest.is_some_and(|d| e.digest[..] == d[..]));
    let symbols = match same_bytes {
        Some(e) => e.symbols.clone(),
        None => Symbols {
            top_level: top_level(fd),
        }
        .encode_to_vec()
        .into(),
    };
    let kept_source_info = same_bytes
        .filter(|_| !custom_file_options(f))
        .and_then(|e| skeleton_source_info(&e.body));
    let mut extensions = Vec::new();
    fn nested(m: &DescriptorProto, out: &mut Vec<String>) {
        for x in &m.extension {
            out.push(format!("{}#{}", x.extendee(), x.number()));
        }
        for n in &m.nested_type {
            nested(n, out);
        }
    }
    for x in &fd.extension {
        extensions.push(format!("{}#{}", x.extendee(), x.number()));
    }
    for m in &fd.message_type {
        nested(m, &mut extensions);
    }
    // What the module-wide rules read: package, imports, file options and
    // services; the source locations they report at (the package, an
    // import, a file option, a method) and those that enclose them, with
    // leading comments only where they can ignore a rule.
    let reported = |p: &[i32]| {
        matches!(
            p,
            [2] | [3, _] | [8] | [8, _] | [6] | [6, _] | [6, _, 2] | [6, _, 2, _]
        )
    };
    let skeleton = FileDescriptorProto {
        name: fd.name.clone(),
        package: fd.package.clone(),
        dependency: fd.dependency.clone(),
        public_dependency: fd.public_dependency.clone(),
        weak_dependency: fd.weak_dependency.clone(),
        service: fd.service.clone(),
        options: fd.options.clone(),
        syntax: fd.syntax.clone(),
        ..Default::default()
    };
    let skeleton_source_info = f.source_info.as_ref().map(|s| {
        if let Some(bytes) = kept_source_info {
            return bytes.to_vec();
        }
        let mut kept = SourceInfo::default();
        for l in s.iter() {
            // Reported paths are at most four long: no allocation for the
            // rest, and most (messages, enums) are told apart by their
            // first element.
            let mut elements = l.path();
            let Some(first @ (2 | 3 | 6 | 8)) = elements.next() else {
                continue;
            };
            let mut path = [first, 0, 0, 0, 0];
            let mut len = 1;
            for v in elements.take(4) {
                path[len] = v;
                len += 1;
            }
            let path = &path[..len];
            if reported(path) {
                let leading = l
                    .leading_comments()
                    .filter(|c| c.contains("buf:lint:ignore"));
                kept.push(path, &l.span(), leading);
            }
        }
        kept.encoded().to_vec()
    });
    let body = FileBody {
        skeleton: Some(skeleton),
        skeleton_source_info,
        raw_options: f
            .raw_options
            .iter()
            .filter(|(p, _)| p.first() == Some(&8))
            .map(|(p, b)| RawOption {
                path: p.clone(),
                bytes: b.clone(),
            })
            .collect(),
    };
    let mut method_types: Vec<String> = fd
        .service
        .iter()
        .flat_map(|s| &s.method)
        .flat_map(|m| [m.input_type(), m.output_type()])
        .map(|t| t.trim_start_matches('.').to_string())
        .collect();
    method_types.sort_unstable();
    method_types.dedup();
    FileState {
        name: fd.name().to_string(),
        key: key.to_vec(),
        digest: digest.map(|d| d.to_vec()).unwrap_or_default(),
        imports: descriptor_imports(f),
        validate_user: super::rules::uses_protovalidate(f),
        body: body.encode_to_vec().into(),
        findings: Findings { findings }.encode_to_vec().into(),
        symbols,
        extensions,
        package: fd.package().to_string(),
        option_imports: f.extra.option_dependency.len() as u32,
        method_types,
        display_path: f.display_path.clone(),
        printed_at: 0,
        printed_len: 0,
        // Set once the module-wide rules have run.
        module_digest: 0,
    }
}

/// The names `fd` declares directly in its package.
fn top_level(fd: &FileDescriptorProto) -> Vec<String> {
    let prefix = if fd.package().is_empty() {
        String::new()
    } else {
        format!("{}.", fd.package())
    };
    let mut top_level: Vec<String> = Vec::new();
    for m in &fd.message_type {
        top_level.push(format!("{prefix}{}", m.name()));
    }
    for e in &fd.enum_type {
        top_level.push(format!("{prefix}{}", e.name()));
        // Enum values are scoped beside their enum.
        for v in &e.value {
            top_level.push(format!("{prefix}{}", v.name()));
        }
    }
    for s in &fd.service {
        top_level.push(format!("{prefix}{}", s.name()));
    }
    for x in &fd.extension {
        top_level.push(format!("{prefix}{}", x.name()));
    }
    top_level
}

/// Whether `f` sets a custom file option: the skeleton's source locations
/// then hold a number its imports decide.
fn custom_file_options(f: &CompiledFile) -> bool {
    let Some((_, options)) = f.raw_options.iter().find(|(p, _)| p[..] == [8]) else {
        return false;
    };
    let mut rest = &options[..];
    while let Some(field) = crate::compiler::wire::next(rest) {
        if field.number >= 1000 {
            return true;
        }
        rest = &rest[field.record.len()..];
    }
    // Unreadable: as if there were one.
    !rest.is_empty()
}

/// The skeleton source info an encoded [`FileBody`] holds, if any.
fn skeleton_source_info(body: &[u8]) -> Option<&[u8]> {
    let mut rest = body;
    while let Some(field) = crate::compiler::wire::next(rest) {
        if field.number == 7 && field.wire_type == 2 {
            return Some(field.payload);
        }
        rest = &rest[field.record.len()..];
    }
    None
}

/// The skeleton of `f` as an image file; `None` when its body is damaged.
fn skeleton_file(f: &FileState) -> Option<ImageFile> {
    let body = FileBody::decode(&f.body[..]).ok()?;
    let source_info = match body.skeleton_source_info {
        Some(bytes) => Some(SourceInfo::from_encoded(bytes)?),
        None => None,
    };
    Some(image_file(
        f,
        body.skeleton.unwrap_or_default(),
        source_info,
        body.raw_options
            .into_iter()
            .map(|o| (o.path, o.bytes))
            .collect(),
    ))
}

/// What the module-wide rules need of a file they report nothing on: its
/// name, package and imports (the package import graph).
fn light_file(f: &FileState) -> ImageFile {
    let fd = FileDescriptorProto {
        name: Some(f.name.clone()),
        package: (!f.package.is_empty()).then(|| f.package.clone()),
        dependency: plain_imports(f).to_vec(),
        ..Default::default()
    };
    image_file(f, fd, None, Vec::new())
}

fn image_file(
    f: &FileState,
    fd: FileDescriptorProto,
    source_info: Option<SourceInfo>,
    raw_options: Vec<(Vec<i32>, Vec<u8>)>,
) -> ImageFile {
    ImageFile {
        file: CompiledFile {
            fd,
            source_info,
            raw_options,
            unused_dependencies: Vec::new(),
            syntax_unspecified: false,
            from_wkt: false,
            display_path: f.display_path.clone(),
            extra: Default::default(),
            runtime_options: Vec::new(),
            source_only_paths: Vec::new(),
            type_filtered: false,
        },
        is_import: false,
        module_name: None,
        module_commit: None,
    }
}

/// Whether two files declare the same name in a package, a file declares a
/// name that is (a prefix of) a package, or two files extend a message with
/// the same number: errors a whole compile reports. The last state had none
/// (it compiled whole, or passed this check), so only a `changed` file can
/// take part in one: the names of the files in its package and in the
/// packages that enclose it are read, no others. `None` when a file's
/// symbols are damaged.
fn conflicts(files: &[FileState], changed: &HashSet<String>) -> Option<bool> {
    use rayon::prelude::*;
    /// `p` and every package enclosing it, as names (`a.b.c`, `a.b`, `a`).
    fn prefixes(p: &str) -> impl Iterator<Item = &str> {
        p.match_indices('.')
            .map(|(i, _)| &p[..i])
            .chain((!p.is_empty()).then_some(p))
    }
    let mut extensions: HashMap<&str, &str> = HashMap::default();
    for f in files {
        for x in &f.extensions {
            if extensions
                .insert(x, &f.name)
                .is_some_and(|other| other != f.name)
            {
                return Some(true);
            }
        }
    }
    // A name `s.Y` is declared in package `s`: for a changed file of
    // package `a.b`, the names `a`, `a.b` (and its own) live in packages
    // "", `a` and `a.b`.
    let mut near: HashSet<&str> = HashSet::default();
    for f in files.iter().filter(|f| changed.contains(&f.name)) {
        near.insert("");
        near.insert(&f.package);
        near.extend(prefixes(&f.package));
    }
    let read: Vec<(&FileState, Symbols)> = files
        .par_iter()
        .filter(|f| near.contains(f.package.as_str()))
        .map(|f| Some((f, Symbols::decode(&f.symbols[..]).ok()?)))
        .collect::<Option<_>>()?;
    let mut names: HashMap<&str, &str> = HashMap::default();
    for (f, s) in &read {
        for n in &s.top_level {
            if names
                .insert(n, &f.name)
                .is_some_and(|other| other != f.name)
            {
                return Some(true);
            }
        }
    }
    // A changed file's package, or one enclosing it, declared as a name.
    let shadowed = files
        .iter()
        .filter(|f| changed.contains(&f.name))
        .any(|f| prefixes(&f.package).any(|p| names.contains_key(p)));
    if shadowed {
        return Some(true);
    }
    // A changed file's name that is a package, or encloses one.
    let packages: HashSet<&str> = files.iter().flat_map(|f| prefixes(&f.package)).collect();
    Some(read.iter().any(|(f, s)| {
        changed.contains(&f.name) && s.top_level.iter().any(|n| packages.contains(n.as_str()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports_of(pairs: &[(&'static str, &[&str])]) -> HashMap<&'static str, Vec<String>> {
        pairs
            .iter()
            .map(|(n, is)| (*n, is.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_key_changes_with_what_the_file_imports() {
        let imports = imports_of(&[("a", &["b", "ext"]), ("b", &[]), ("c", &[])]);
        let mut bytes: HashMap<&str, [u8; 32]> = [("a", [1; 32]), ("b", [2; 32]), ("c", [3; 32])]
            .into_iter()
            .collect();
        let before = {
            let b = bytes.clone();
            compute_keys(&imports, &move |n| b.get(n).copied()).unwrap()
        };
        bytes.insert("b", [9; 32]);
        let after = {
            let b = bytes.clone();
            compute_keys(&imports, &move |n| b.get(n).copied()).unwrap()
        };
        assert_ne!(before["a"], after["a"]);
        assert_ne!(before["b"], after["b"]);
        assert_eq!(before["c"], after["c"]);
    }

    #[test]
    fn an_import_cycle_has_no_keys() {
        let imports = imports_of(&[("a", &["b"]), ("b", &["a"])]);
        assert!(compute_keys(&imports, &|_| Some([0; 32])).is_none());
    }

    fn file(name: &str, package: &str, top: &[&str], ext: &[&str]) -> FileState {
        FileState {
            name: name.into(),
            package: package.into(),
            symbols: Symbols {
                top_level: top.iter().map(|s| s.to_string()).collect(),
            }
            .encode_to_vec()
            .into(),
            extensions: ext.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// Whether editing `changed` into `files` makes a conflict.
    fn conflicting(files: Vec<FileState>, changed: &[&str]) -> bool {
        let changed = changed.iter().map(|s| s.to_string()).collect();
        conflicts(&files, &changed).unwrap()
    }

    #[test]
    fn names_declared_twice_across_files_are_conflicts() {
        let fine = || {
            vec![
                file("a", "p", &["p.A"], &[".p.M#100"]),
                file("b", "p", &["p.B"], &[".p.M#101"]),
            ]
        };
        assert!(!conflicting(fine(), &["a", "b"]));
        for bad in [
            vec![file("a", "p", &["p.A"], &[]), file("b", "p", &["p.A"], &[])],
            vec![file("a", "p", &["p.q"], &[]), file("b", "p.q.r", &[], &[])],
            vec![file("a", "", &["p"], &[]), file("b", "p", &[], &[])],
            vec![
                file("a", "p", &[], &[".p.M#100"]),
                file("b", "q", &[], &[".p.M#100"]),
            ],
        ] {
            // Whichever of the two changed.
            assert!(conflicting(bad.clone(), &["a"]));
            assert!(conflicting(bad, &["b"]));
        }
    }

    #[test]
    fn only_the_packages_around_a_changed_file_are_read() {
        let mut files = vec![
            file("a", "p.q", &["p.q.A"], &[]),
            file("b", "p", &["p.B"], &[]),
            file("c", "other", &[], &[]),
        ];
        // Damaged symbols of a file no changed one can clash with.
        files[2].symbols = Bytes::from_static(&[0xff]);
        assert!(!conflicting(files.clone(), &["a"]));
        // ... and of one it can.
        files[1].symbols = Bytes::from_static(&[0xff]);
        let changed = ["a".to_string()].into_iter().collect();
        assert!(conflicts(&files, &changed).is_none());
    }
}
