//! The incremental re-lint. After each run the state of every file of the
//! image is kept (in [`crate::cache::Store`], one entry per workspace,
//! configuration and format): a key standing for everything its compiled
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

/// What a run leaves for the next one.
#[derive(Clone, PartialEq, prost::Message)]
pub struct State {
    #[prost(message, repeated, tag = "1")]
    files: Vec<FileState>,
    /// The key of the answer stored with this state, whose output the
    /// files' printed ranges index; empty when the format does not print a
    /// line per finding.
    #[prost(string, tag = "2")]
    answer_key: String,
}

/// What a run needs of every file to tell what changed and what an edit
/// reaches: small, decoded on every run.
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
    /// Decodes a state; the files' bodies stay slices of `bytes`.
    pub fn decode_from(bytes: prost::bytes::Bytes) -> Option<State> {
        State::decode(bytes).ok()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
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
    pub state: Vec<u8>,
}

/// Lints `ws` (whose files `sources` digests, reading those it needs)
/// starting from `prev`; `rules` holds each target module's selection, and
/// `answer` gives the output stored under a key. Returns what to print and
/// the state to keep, or, when only a whole compile can answer, `prev` (for
/// [`full`] to reuse, when still whole).
pub fn relint(
    ws: &Workspace,
    sources: &Scan,
    prev: State,
    rules: &[Vec<&'static str>],
    compile: &Compile,
    output: &Output,
    answer: &dyn Fn(&str) -> Option<Bytes>,
) -> Result<Relinted, Option<State>> {
    let Some(slots) = plan(ws, sources, &prev, rules, compile) else {
        return Err(Some(prev));
    };
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
    let state = State { files, answer_key }.to_bytes();
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
    let mut subset = closure(affected.iter().copied(), &imports, &own);
    if subset.len() * 2 > imports.len() {
        clock.note(&format!(
            "whole compile: {} of {} files changed, {} to compile",
            affected.len(),
            imports.len(),
            subset.len()
        ));
        return None;
    }
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
                Slot::Fresh(Box::new(file_state(f, digest_of(n), keys[n], own_findings)))
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
    let own: HashMap<&str, [u8; 32]> = ws
        .modules
        .iter()
        .flat_map(|m| &m.files)
        .zip(digests)
        .map(|(f, d)| (f.import_path.as_str(), *d))
        .collect();
    let digest_of = |name: &str| own.get(name).copied();
    let imports: HashMap<&str, Vec<String>> = image
        .files
        .iter()
        .map(|f| (f.file.fd.name(), descriptor_imports(&f.file)))
        .collect();
    let keys = compute_keys(&imports, &digest_of).unwrap_or_default();
    let mut reuse = reuse.unwrap_or_default();
    // The last output, when the reused files' printed findings can be
    // copied from it.
    let old = output.last(&reuse.answer_key, answer);
    // The earlier states still whole, in image order.
    let reused: Vec<Option<FileState>> = {
        let at: HashMap<&str, usize> = reuse
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        let found: Vec<Option<usize>> = image
            .files
            .iter()
            .map(|f| {
                let name = f.file.fd.name();
                let &i = at.get(name)?;
                (keys.get(name).map(|k| &k[..]) == Some(&reuse.files[i].key[..])).then_some(i)
            })
            .collect();
        found
            .iter()
            .map(|i| i.map(|i| std::mem::take(&mut reuse.files[i])))
            .collect()
    };
    clock.mark("full: reuse");
    let fresh = |n: &str| index.get(n).is_none_or(|&i| reused[i].is_none());
    let all_jobs = super::module_jobs(ws, rules, &index, |_| true);
    let fresh_jobs = super::module_jobs(ws, rules, &index, fresh);
    let (per_file, module) = rayon::join(
        || super::run_scoped(image, &fresh_jobs, Scope::PerFile),
        || super::run_scoped(image, &all_jobs, Scope::Module),
    );
    clock.mark("full: rules");
    let mut printed: Vec<Vec<LintAnnotation>> = vec![Vec::new(); image.files.len()];
    let mut stored: Vec<Vec<StoredFinding>> = vec![Vec::new(); image.files.len()];
    for f in module {
        if let Some(&i) = index.get(f.module_path.as_str()) {
            printed[i].push(f);
        }
    }
    let module_digests: Vec<u64> = printed.par_iter().map(|m| module_digest(m)).collect();
    for f in per_file {
        if let Some(&i) = index.get(f.module_path.as_str()) {
            stored[i].push(StoredFinding::from(&f.annotation));
            printed[i].push(f);
        }
    }
    let fits = |f: &FileState| {
        old.as_ref()
            .is_some_and(|o| f.printed_at.saturating_add(f.printed_len) <= o.len() as u64)
    };
    let files: Option<Vec<(FileState, Part)>> = image
        .files
        .par_iter()
        .zip(reused)
        .zip(stored)
        .zip(printed)
        .zip(module_digests)
        .filter_map(|((((f, reused), own_findings), mut printed), digest)| {
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
            let mut state = file_state(&f.file, digest_of(name), *keys.get(name)?, own_findings);
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
    let answer_key = output.kept_key();
    Relinted {
        stdout,
        found,
        state: State { files, answer_key }.to_bytes(),
    }
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
fn compute_keys<'a, L: AsRef<[String]>>(
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
                    h.update(&(i.len() as u64).to_le_bytes());
                    h.update(i.as_bytes());
                    match keys.get(i.as_str()) {
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
                if let Some((&n, _)) = imports.get_key_value(i.as_str()) {
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

fn file_state(
    f: &CompiledFile,
    digest: Option<[u8; 32]>,
    key: [u8; 32],
    findings: Vec<StoredFinding>,
) -> FileState {
    let fd = &f.fd;
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
        symbols: Symbols { top_level }.encode_to_vec().into(),
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
