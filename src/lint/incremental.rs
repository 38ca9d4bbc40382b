//! The incremental re-lint. After each run the state of every file of the
//! image is kept (in [`crate::cache::Store`], one entry per workspace,
//! configuration and format): a key standing for everything its compiled
//! form depends on (its path and bytes, and the keys of what it imports),
//! its imports, the findings of the rules that look at one file, and a
//! skeleton of it (package, imports, options, services and their source
//! locations) for the rules that compare a module's files.
//!
//! The next run computes every file's key again (parsing only the files
//! whose bytes changed), compiles just the files whose key changed and what
//! they import, lints those files, and runs the module-wide rules again over
//! the skeletons. What only a whole compile can tell (a symbol or extension
//! number declared twice across files that do not import each other) is
//! checked over the kept symbols; when anything is out of the ordinary (a
//! compile error, a conflict, a cycle, a dependency file seen for the first
//! time, or an edit that needs more than half the files compiled) [`relint`]
//! answers `None` and the caller compiles everything, which gives the same
//! answer by construction.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use prost::Message;
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
}

/// What a run needs of every file to tell what changed: small, decoded on
/// every run.
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
    /// An encoded [`FileBody`]: decoded only when the run goes on
    /// incrementally, and kept as it is for a file that did not change.
    #[prost(bytes = "bytes", tag = "6")]
    body: prost::bytes::Bytes,
}

/// The rest of a file's state.
#[derive(Clone, PartialEq, prost::Message)]
struct FileBody {
    #[prost(message, repeated, tag = "1")]
    findings: Vec<StoredFinding>,
    #[prost(message, optional, tag = "2")]
    skeleton: Option<FileDescriptorProto>,
    #[prost(message, repeated, tag = "3")]
    raw_options: Vec<RawOption>,
    #[prost(string, tag = "4")]
    display_path: String,
    /// Full names declared directly in the package.
    #[prost(string, repeated, tag = "5")]
    top_level: Vec<String>,
    /// `extendee#number` of every extension declared.
    #[prost(string, repeated, tag = "6")]
    extensions: Vec<String>,
    /// The skeleton's source info, as `SourceInfo` encodes it (the skeleton
    /// descriptor carries none).
    #[prost(bytes = "vec", optional, tag = "7")]
    skeleton_source_info: Option<Vec<u8>>,
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

/// Lints `ws` (whose files `files` digests, reading those it needs)
/// starting from `prev`; `rules` holds each target module's selection.
/// Returns the findings in buf's order and the encoded state to keep, or
/// `None` when only a whole compile can answer.
pub fn relint(
    ws: &Workspace,
    files: &Scan,
    mut prev: State,
    rules: &[Vec<&'static str>],
    compile: &Compile,
) -> Option<(Vec<LintAnnotation>, Vec<u8>)> {
    let mut clock = crate::timing::PhaseClock::new();
    let slots = plan(ws, files, &prev, rules, compile)?;
    let files = slots
        .into_iter()
        .map(|s| match s {
            Slot::Fresh(f) => f,
            Slot::Kept(i) => std::mem::take(&mut prev.files[i]),
        })
        .collect();
    let state = State { files };
    let bodies: Vec<FileBody> = {
        use rayon::prelude::*;
        state
            .files
            .par_iter()
            .map(|f| {
                FileBody::decode(&f.body[..]).ok().filter(|b| {
                    b.skeleton_source_info
                        .as_ref()
                        .is_none_or(|s| SourceInfo::is_well_formed(s))
                })
            })
            .collect::<Option<_>>()?
    };
    clock.mark("decode");
    if conflicts(&state.files, &bodies) {
        return None;
    }
    clock.mark("conflicts");
    let bytes = state.to_bytes();
    clock.mark("encode state");
    let findings = answer(ws, &state.files, bodies, rules);
    clock.mark("answer");
    Some((findings, bytes))
}

/// A file of the next state: compiled again, or kept (an index into the
/// previous state's files).
enum Slot {
    Fresh(FileState),
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
                Slot::Fresh(file_state(f, digest_of(n), keys[n], own_findings))
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
/// `digests`): the findings in buf's order, and the state to keep.
pub fn full(
    ws: &Workspace,
    digests: &[[u8; 32]],
    image: &Image,
    rules: &[Vec<&'static str>],
) -> (Vec<LintAnnotation>, Vec<u8>) {
    let index = image.by_name();
    let jobs = super::module_jobs(ws, rules, &index, |_| true);
    let (per_file, mut found) = rayon::join(
        || super::run_scoped(image, &jobs, Scope::PerFile),
        || super::run_scoped(image, &jobs, Scope::Module),
    );
    found.extend(per_file.iter().cloned());
    super::sort_findings(&mut found);
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
    // Each file's own findings, moved out in image order.
    let mut by_file = group(per_file);
    let owned: Vec<Vec<StoredFinding>> = image
        .files
        .iter()
        .map(|f| by_file.remove(f.file.fd.name()).unwrap_or_default())
        .collect();
    let mut files: Vec<FileState> = {
        use rayon::prelude::*;
        image
            .files
            .par_iter()
            .zip(owned)
            .filter_map(|(f, own_findings)| {
                let name = f.file.fd.name();
                Some(file_state(
                    &f.file,
                    digest_of(name),
                    *keys.get(name)?,
                    own_findings,
                ))
            })
            .collect()
    };
    files.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    (found, State { files }.to_bytes())
}

/// Every finding of the kept state: each file's own, and the module-wide
/// rules' run over the skeletons.
fn answer(
    ws: &Workspace,
    files: &[FileState],
    mut bodies: Vec<FileBody>,
    rules: &[Vec<&'static str>],
) -> Vec<LintAnnotation> {
    let skeletons = Image {
        files: {
            use rayon::prelude::*;
            bodies.par_iter_mut().map(skeleton_file).collect()
        },
    };
    let index: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let jobs = super::module_jobs(ws, rules, &index, |_| true);
    let mut linted = vec![false; files.len()];
    for i in jobs.iter().flat_map(|j| &j.files) {
        linted[*i] = true;
    }
    let mut out = super::run_scoped(&skeletons, &jobs, Scope::Module);
    for ((f, body), linted) in files.iter().zip(bodies).zip(linted) {
        if !linted {
            continue;
        }
        let FileBody {
            display_path,
            findings,
            ..
        } = body;
        out.extend(findings.into_iter().map(|s| LintAnnotation {
            annotation: Annotation {
                path: display_path.clone(),
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
        }));
    }
    super::sort_findings(&mut out);
    out
}

fn group(found: Vec<LintAnnotation>) -> HashMap<String, Vec<StoredFinding>> {
    let mut by_file: HashMap<String, Vec<StoredFinding>> = HashMap::default();
    for f in found {
        let a = f.annotation;
        by_file
            .entry(f.module_path)
            .or_default()
            .push(StoredFinding {
                start_line: a.start_line as u64,
                start_column: a.start_column as u64,
                end_line: a.end_line as u64,
                end_column: a.end_column as u64,
                kind: a.kind,
                message: a.message,
            });
    }
    by_file
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
            // rest.
            let mut path = [0; 5];
            let mut len = 0;
            for v in l.path().take(5) {
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
        findings,
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
        display_path: f.display_path.clone(),
        top_level,
        extensions,
    };
    FileState {
        name: fd.name().to_string(),
        key: key.to_vec(),
        digest: digest.map(|d| d.to_vec()).unwrap_or_default(),
        imports: descriptor_imports(f),
        validate_user: super::rules::uses_protovalidate(f),
        body: body.encode_to_vec().into(),
    }
}

/// The skeleton of `f` as an image file (taken out of `f`).
fn skeleton_file(f: &mut FileBody) -> ImageFile {
    let fd = f.skeleton.take().unwrap_or_default();
    // Checked when the body was decoded.
    let source_info = f
        .skeleton_source_info
        .take()
        .and_then(SourceInfo::from_encoded);
    ImageFile {
        file: CompiledFile {
            fd,
            source_info,
            raw_options: std::mem::take(&mut f.raw_options)
                .into_iter()
                .map(|o| (o.path, o.bytes))
                .collect(),
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
/// name that is (a prefix of) another's package, or two files extend a
/// message with the same number: errors a whole compile reports.
fn conflicts(files: &[FileState], bodies: &[FileBody]) -> bool {
    let mut symbols: HashMap<&str, &str> = HashMap::default();
    let mut extensions: HashMap<&str, &str> = HashMap::default();
    for (f, b) in files.iter().zip(bodies) {
        for s in &b.top_level {
            if symbols
                .insert(s, &f.name)
                .is_some_and(|other| other != f.name)
            {
                return true;
            }
        }
        for x in &b.extensions {
            if extensions
                .insert(x, &f.name)
                .is_some_and(|other| other != f.name)
            {
                return true;
            }
        }
    }
    bodies.iter().any(|b| {
        let package = b.skeleton.as_ref().map_or("", |s| s.package());
        package
            .match_indices('.')
            .map(|(i, _)| &package[..i])
            .chain((!package.is_empty()).then_some(package))
            .any(|p| symbols.contains_key(p))
    })
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

    fn file(name: &str, package: &str, top: &[&str], ext: &[&str]) -> (FileState, FileBody) {
        (
            FileState {
                name: name.into(),
                ..Default::default()
            },
            FileBody {
                skeleton: Some(FileDescriptorProto {
                    package: Some(package.into()),
                    ..Default::default()
                }),
                top_level: top.iter().map(|s| s.to_string()).collect(),
                extensions: ext.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
        )
    }

    fn conflicting(files: Vec<(FileState, FileBody)>) -> bool {
        let (files, bodies): (Vec<FileState>, Vec<FileBody>) = files.into_iter().unzip();
        conflicts(&files, &bodies)
    }

    #[test]
    fn names_declared_twice_across_files_are_conflicts() {
        assert!(!conflicting(vec![
            file("a", "p", &["p.A"], &[".p.M#100"]),
            file("b", "p", &["p.B"], &[".p.M#101"]),
        ]));
        for bad in [
            vec![file("a", "p", &["p.A"], &[]), file("b", "p", &["p.A"], &[])],
            vec![file("a", "p", &["p.q"], &[]), file("b", "p.q.r", &[], &[])],
            vec![
                file("a", "p", &[], &[".p.M#100"]),
                file("b", "p", &[], &[".p.M#100"]),
            ],
        ] {
            assert!(conflicting(bad));
        }
    }
}
