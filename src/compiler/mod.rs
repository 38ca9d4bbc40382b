//! The compiler: source files in, linked `FileDescriptorProto`s (with source
//! info and serialized options) out. Owns lexing, the lossless syntax tree,
//! lowering, linking, option interpretation and compile diagnostics.

pub mod ast;
pub mod comments;
pub mod defaults;
pub mod diag;
pub mod lexer;
pub mod link;
pub mod lower;
pub mod options;
pub mod parser;
pub mod source_info;
pub mod validate;
pub mod wire;
pub mod wkt;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use prost_types::FileDescriptorProto;
use rayon::prelude::*;
pub use source_info::SourceInfo;

use diag::{Diagnostic, FileDiagnostic};
use lexer::LineIndex;
use lower::{Lowered, Syntax};

/// One source file given to the compiler.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path other files import it by, e.g. `google/type/date.proto`.
    pub import_path: String,
    /// The path shown in diagnostics.
    pub display_path: String,
    /// Shared without copying the bytes read from disk.
    pub text: Arc<String>,
}

/// A compiled, linked file.
#[derive(Clone, Debug)]
pub struct CompiledFile {
    /// The descriptor, always without `source_code_info`: that is kept
    /// encoded in `source_info`.
    pub fd: FileDescriptorProto,
    /// The file's source info (None when the image it came from had none).
    pub source_info: Option<SourceInfo>,
    /// Serialized options keyed by the descriptor path of the options field
    /// (e.g. `[4, 0, 2, 1, 8]`). These bytes are authoritative when writing.
    pub raw_options: Vec<(Vec<i32>, Vec<u8>)>,
    /// Indexes into `dependency` of imports nothing uses.
    pub unused_dependencies: Vec<i32>,
    /// The file had no `syntax` or `edition` statement.
    pub syntax_unspecified: bool,
    /// True for files the compiler added itself (embedded well-known types).
    pub from_wkt: bool,
    pub display_path: String,
    pub extra: lower::DescriptorExtras,
    /// Options without source-retention fields where that differs from
    /// `raw_options` (empty bytes: no options message at all).
    pub runtime_options: Vec<(Vec<i32>, Vec<u8>)>,
    /// Source-location path prefixes of source-retention option values.
    pub source_only_paths: Vec<Vec<i32>>,
    /// Rebuilt by `build --type`: buf writes such a file's source info
    /// without its extension.
    pub type_filtered: bool,
}

/// The parsed form of one file, kept for later stages (formatting).
pub struct ParsedFile {
    pub source: SourceFile,
    pub tokens: Vec<lexer::Token>,
    pub tree: ast::File,
    pub lines: LineIndex,
}

struct Unit {
    source: SourceFile,
    lines: LineIndex,
    lowered: Lowered,
    diags: Vec<Diagnostic>,
    syntax_unspecified: bool,
    from_wkt: bool,
}

use crate::timing::PhaseClock;

/// Parses one file into tokens and a syntax tree.
pub fn parse(source: SourceFile) -> (ParsedFile, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let tokens = lexer::lex(&source.text, &mut diags);
    let mut p = parser::Parser::new(&source.text, &tokens);
    let tree = p.parse_file();
    diags.append(&mut p.diags);
    let lines = LineIndex::new(&source.text);
    (
        ParsedFile {
            source,
            tokens,
            tree,
            lines,
        },
        diags,
    )
}

fn parse_and_lower(source: SourceFile, from_wkt: bool) -> Unit {
    let mut diags = Vec::new();
    let tokens = lexer::lex(&source.text, &mut diags);
    let mut p = parser::Parser::new(&source.text, &tokens);
    let tree = p.parse_file();
    diags.append(&mut p.diags);
    let lines = LineIndex::new(&source.text);
    let sig = p.significant().to_vec();
    let comments = comments::attribute(&source.text, &tokens, &sig, &lines);
    let mut lowered = lower::lower(&source.import_path, &source.text, &tree, &lines, &comments);
    diags.append(&mut lowered.diags);
    validate::check(&tree, &source.text, lowered.syntax, &mut diags);
    let syntax_unspecified = !tree.decls.iter().any(|d| matches!(d, ast::Decl::Syntax(_)));
    Unit {
        source,
        lines,
        lowered,
        diags,
        syntax_unspecified,
        from_wkt,
    }
}

/// Compiles `files` (and the well-known types they import). On success the
/// result holds every file, including imported WKTs, in input order followed
/// by added WKTs. On failure, all diagnostics, sorted.
pub fn compile(files: Vec<SourceFile>) -> Result<Vec<CompiledFile>, Vec<FileDiagnostic>> {
    compile_with(files, &|_| None)
}

/// [`compile`], with `provide` answering imports that `files` do not hold
/// (the files of registry dependencies) before the embedded well-known
/// types do. Only what is imported, transitively, is compiled.
pub fn compile_with(
    files: Vec<SourceFile>,
    provide: &(dyn Fn(&str) -> Option<SourceFile> + Sync),
) -> Result<Vec<CompiledFile>, Vec<FileDiagnostic>> {
    let mut timer = PhaseClock::new();
    let mut units: Vec<Unit> = files
        .into_par_iter()
        .map(|f| parse_and_lower(f, false))
        .collect();
    timer.mark("parse+lower");
    let mut index: HashMap<String, usize> =
        HashMap::with_capacity_and_hasher(units.len(), Default::default());
    for (i, u) in units.iter().enumerate() {
        index.entry(u.source.import_path.clone()).or_insert(i);
    }
    // Pull in provided files and embedded well-known types that are imported
    // but not given, and descriptor.proto, which option interpretation
    // always needs; each round's new files are parsed in parallel.
    let mut wanted: Vec<String> = vec!["google/protobuf/descriptor.proto".to_string()];
    let mut scan_from = 0;
    loop {
        for u in &units[scan_from..] {
            wanted.extend(u.lowered.fd.dependency.iter().cloned());
            wanted.extend(u.lowered.extra.option_dependency.iter().cloned());
        }
        scan_from = units.len();
        let mut round: Vec<(SourceFile, bool)> = Vec::new();
        let mut queued: HashSet<String> = Default::default();
        for w in std::mem::take(&mut wanted) {
            if index.contains_key(&w) || !queued.insert(w.clone()) {
                continue;
            }
            if let Some(source) = provide(&w) {
                round.push((source, false));
            } else if let Some(text) = wkt::source(&w) {
                let source = SourceFile {
                    import_path: w.clone(),
                    display_path: w.clone(),
                    text: Arc::new(text.to_string()),
                };
                round.push((source, true));
            }
        }
        if round.is_empty() {
            break;
        }
        let parsed: Vec<Unit> = round
            .into_par_iter()
            .map(|(source, from_wkt)| parse_and_lower(source, from_wkt))
            .collect();
        for unit in parsed {
            index.insert(unit.source.import_path.clone(), units.len());
            units.push(unit);
        }
    }

    // Imports: resolve to file indexes; report missing files and cycles.
    let mut deps: Vec<Vec<Option<u32>>> = Vec::with_capacity(units.len());
    for u in units.iter_mut() {
        let mut d = Vec::new();
        for (i, dep) in u.lowered.fd.dependency.iter().enumerate() {
            match index.get(dep) {
                Some(&j) => d.push(Some(j as u32)),
                None => {
                    let span = u.lowered.import_spans.get(i).copied().unwrap_or_default();
                    u.diags.push(Diagnostic::new(
                        span.start,
                        span.end,
                        "imported file does not exist",
                    ));
                    d.push(None);
                }
            }
        }
        deps.push(d);
    }
    detect_cycles(&mut units, &deps);
    // `import option` files are visible to name resolution (for options)
    // but are not dependencies; they follow the real imports in this list.
    let visible_deps: Vec<Vec<Option<u32>>> = units
        .iter()
        .zip(&deps)
        .map(|(u, d)| {
            let mut v = d.clone();
            v.extend(
                u.lowered
                    .extra
                    .option_dependency
                    .iter()
                    .map(|p| index.get(p).map(|&j| j as u32)),
            );
            v
        })
        .collect();

    timer.mark("imports");
    let fds: Vec<&FileDescriptorProto> = units.iter().map(|u| &u.lowered.fd).collect();
    let table = link::SymbolTable::build(&fds);
    // buf reports a clash at whichever definition comes first.
    for dup in &table.duplicates {
        let placed = dup.sites.iter().map(|(file, path)| {
            let u = &units[*file as usize];
            (*file, find_span(&u.lowered.locations, path, &u.lines))
        });
        let Some((file, span)) = placed.min_by_key(|(f, sp)| (*f, sp.0)) else {
            continue;
        };
        let short = dup.name.rsplit('.').next().unwrap_or(&dup.name);
        let msg = format!("`{short}` declared multiple times");
        units[file as usize]
            .diags
            .push(Diagnostic::new(span.0, span.1, msg));
    }
    timer.mark("symbol table");
    let public: Vec<Vec<u32>> = units
        .iter()
        .zip(&deps)
        .map(|(u, d)| {
            u.lowered
                .fd
                .public_dependency
                .iter()
                .filter_map(|&i| d.get(i as usize).copied().flatten())
                .collect()
        })
        .collect();
    let packages: Vec<String> = units
        .iter()
        .map(|u| u.lowered.fd.package().to_string())
        .collect();

    let local_types: HashSet<(u32, Vec<i32>)> = units
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            u.lowered
                .extra
                .visibility
                .iter()
                .filter(|(_, v)| *v == 1)
                .map(move |(p, _)| (i as u32, p.clone()))
        })
        .collect();
    // Phase 1: resolve type references, in parallel. Each file's descriptor
    // moves out of its unit rather than being copied: resolution reads only
    // the symbol table, never another file's descriptor.
    let fds: Vec<FileDescriptorProto> = units
        .iter_mut()
        .map(|u| std::mem::take(&mut u.lowered.fd))
        .collect();
    let mut phase1: Vec<Phase1> = units
        .par_iter()
        .zip(fds)
        .enumerate()
        .map(|(i, (u, mut fd))| {
            let vis = link::visibility(i as u32, &visible_deps[i], &|f| public[f as usize].clone());
            let resolver = link::Resolver {
                table: &table,
                vis: &vis,
                file_packages: &packages,
                used: Default::default(),
            };
            let mut diags = Vec::new();
            let ctx = link::RefContext {
                file: i as u32,
                proto3: u.lowered.syntax == Syntax::Proto3,
                local_types: &local_types,
            };
            link::resolve_refs(&mut fd, &u.lowered.refs, &resolver, &ctx, &mut diags);
            Phase1 {
                fd,
                diags,
                used: resolver.used.into_inner(),
            }
        })
        .collect();
    // `default = ...` values need the enums of other files; few files have
    // any, so they are converted one file at a time once every descriptor
    // is resolved (resolution leaves enum values as they were).
    for (i, u) in units.iter().enumerate() {
        if u.lowered.defaults.is_empty() {
            continue;
        }
        let Some(mut fd) = phase1.get_mut(i).map(|p| std::mem::take(&mut p.fd)) else {
            continue;
        };
        let own = fd.clone();
        let mut diags = Vec::new();
        {
            let enum_of = |type_name: &str| -> Option<&prost_types::EnumDescriptorProto> {
                let sym = table.symbols.get(type_name.trim_start_matches('.'))?;
                let owner = if sym.file as usize == i {
                    &own
                } else {
                    &phase1.get(sym.file as usize)?.fd
                };
                link::enum_at(owner, &sym.path)
            };
            let enum_value_name = |type_name: &str, number: i64| -> Option<String> {
                enum_of(type_name)?
                    .value
                    .iter()
                    .find(|v| i64::from(v.number()) == number)
                    .map(|v| v.name().to_string())
            };
            let enum_has_value = |type_name: &str, value: &str| -> bool {
                enum_of(type_name).is_none_or(|e| e.value.iter().any(|v| v.name() == value))
            };
            defaults::apply(
                &mut fd,
                &u.lowered.defaults,
                &enum_value_name,
                &enum_has_value,
                &mut diags,
            );
        }
        if let Some(p) = phase1.get_mut(i) {
            p.fd = fd;
            p.diags.append(&mut diags);
        }
    }

    timer.mark("resolve");
    check_extension_numbers(&units, &mut phase1, &table);

    // Packed-ness of repeated scalar fields, needed to encode option values.
    let packed: Vec<HashMap<Vec<i32>, bool>> = units
        .par_iter()
        .zip(phase1.par_iter())
        .map(|(u, p1)| packed_fields(u, &p1.fd))
        .collect();
    // Fields declared `[retention = RETENTION_SOURCE]`, per file, by path.
    let source_retention: Vec<HashSet<Vec<i32>>> =
        units.par_iter().map(source_retention_fields).collect();
    timer.mark("packed+ext checks");
    // Phase 2: interpret options against the resolved descriptors.
    let resolved: Vec<&FileDescriptorProto> = phase1.iter().map(|p| &p.fd).collect();
    let schema = options::Schema {
        files: &resolved,
        table: &table,
        packed: &packed,
        source_retention: &source_retention,
    };
    let phase2: Vec<(options::Interpreted, Vec<Diagnostic>, HashSet<usize>)> = units
        .par_iter()
        .enumerate()
        .map(|(i, u)| {
            let vis = link::visibility(i as u32, &visible_deps[i], &|f| public[f as usize].clone());
            let resolver = link::Resolver {
                table: &table,
                vis: &vis,
                file_packages: &packages,
                used: Default::default(),
            };
            let mut interp = options::Interpreter {
                schema: &schema,
                resolver: &resolver,
                src: &u.source.text,
                lines: &u.lines,
                diags: Vec::new(),
                source_only_paths: Vec::new(),
                top_level: false,
            };
            let out = interp.interpret_all(&u.lowered.options);
            let diags = interp.diags;
            (out, diags, resolver.used.into_inner())
        })
        .collect();

    timer.mark("options");
    // Each file becomes either a compiled file or its diagnostics; in
    // parallel, collected in input order.
    let results: Vec<Result<CompiledFile, Vec<FileDiagnostic>>> = units
        .par_iter_mut()
        .zip(phase1)
        .zip(phase2)
        .map(|((u, p1), (interp, d2, used2))| {
            // What only the phases before this one read goes now, so the
            // memory serves this phase's output.
            u.source.text = Arc::default();
            drop(std::mem::take(&mut u.lowered.options));
            drop(std::mem::take(&mut u.lowered.refs));
            let mut diags = u.diags.clone();
            diags.extend(p1.diags);
            diags.extend(d2);
            if !diags.is_empty() {
                return Err(diags
                    .iter()
                    .map(|d| place(&u.source.display_path, &u.lines, d))
                    .collect());
            }
            let mut fd = p1.fd;
            let locations = std::mem::take(&mut u.lowered.locations);
            let source_info = Some(locations.finish(interp.locations, &interp.uncommented));
            let (mut raw, mut runtime) = (interp.bytes, interp.runtime);
            options::copy_map_entry_features(&fd, &mut raw, &mut runtime);
            apply_standard_options(&mut fd, &raw);
            let used: HashSet<usize> = p1.used.union(&used2).copied().collect();
            // A public import re-exports its file, so buf never calls it unused.
            let unused = (0..fd.dependency.len())
                .filter(|i| !used.contains(i) && !fd.public_dependency.contains(&(*i as i32)))
                .map(|i| i as i32)
                .collect();
            // Like protoc, proto2 files carry no `syntax` value, written or not.
            if u.syntax_unspecified || u.lowered.syntax == Syntax::Proto2 {
                fd.syntax = None;
            }
            Ok(CompiledFile {
                fd,
                source_info,
                raw_options: raw,
                unused_dependencies: unused,
                syntax_unspecified: u.syntax_unspecified,
                from_wkt: u.from_wkt,
                display_path: u.source.display_path.clone(),
                extra: u.lowered.extra.clone(),
                runtime_options: runtime,
                source_only_paths: interp.source_only_paths,
                type_filtered: false,
            })
        })
        .collect();
    // Freeing the compiler's intermediate state takes a while on large
    // inputs; let a worker do it while the caller goes on.
    rayon::spawn(move || drop((units, table, packed, source_retention)));
    let mut all_diags = Vec::new();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err(d) => all_diags.extend(d),
        }
    }
    timer.mark("assemble");
    if all_diags.is_empty() {
        Ok(out)
    } else {
        // buf's order: position, then message, then end.
        all_diags.sort_by(|a, b| {
            (
                &a.path,
                a.line,
                a.column,
                &a.message,
                a.end_line,
                a.end_column,
            )
                .cmp(&(
                    &b.path,
                    b.line,
                    b.column,
                    &b.message,
                    b.end_line,
                    b.end_column,
                ))
        });
        all_diags.dedup();
        Err(all_diags)
    }
}

/// Places a diagnostic in `path` with 1-based line and byte column.
pub fn place(path: &str, lines: &LineIndex, d: &Diagnostic) -> FileDiagnostic {
    let (l1, c1) = lines.byte_pos(d.start);
    let (l2, c2) = lines.byte_pos(d.end);
    FileDiagnostic {
        path: path.to_string(),
        line: l1 + 1,
        column: c1 + 1,
        end_line: l2 + 1,
        end_column: c2 + 1,
        message: d.message.clone(),
    }
}

/// The byte span of the name location (or the element) at `path`.
fn find_span(locs: &source_info::LocBuf, path: &[i32], lines: &LineIndex) -> (u32, u32) {
    let mut name_path = path.to_vec();
    name_path.push(1);
    let span = locs
        .find(&name_path)
        .or_else(|| locs.find(path))
        .map(|l| l.span());
    match span {
        Some(span) if span.len() >= 3 => {
            let line = span[0] as usize;
            let start = lines.line_start(line) + span[1] as u32;
            let (end_line, end_col) = if span.len() == 4 {
                (span[2] as usize, span[3])
            } else {
                (line, span[2])
            };
            (start, lines.line_start(end_line) + end_col as u32)
        }
        _ => (0, 0),
    }
}

fn detect_cycles(units: &mut [Unit], deps: &[Vec<Option<u32>>]) {
    // Iterative DFS with colors; report each cycle once at the import that closes it.
    let n = units.len();
    let mut color = vec![0u8; n];
    let mut reports: Vec<(usize, usize, String)> = Vec::new();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(d) = deps[node].get(*next) {
                let i = *next;
                *next += 1;
                let Some(d) = *d else { continue };
                let d = d as usize;
                match color[d] {
                    0 => {
                        color[d] = 1;
                        stack.push((d, 0));
                    }
                    1 => {
                        let msg = format!(
                            "detected cyclic import while importing {:?}",
                            units[d].source.import_path
                        );
                        reports.push((node, i, msg));
                    }
                    _ => {}
                }
            } else {
                color[node] = 2;
                stack.pop();
            }
        }
    }
    for (node, i, msg) in reports {
        let span = units[node]
            .lowered
            .import_spans
            .get(i)
            .copied()
            .unwrap_or_default();
        units[node]
            .diags
            .push(Diagnostic::new(span.start, span.end, msg));
    }
}

/// The fields of a file whose options say `retention = RETENTION_SOURCE`.
fn source_retention_fields(u: &Unit) -> HashSet<Vec<i32>> {
    u.lowered
        .options
        .iter()
        .filter(|p| p.target == lower::OptionTarget::Field)
        .filter(|p| {
            p.options.iter().any(|o| {
                o.name.parts.len() == 1
                    && o.name.parts[0].name == "retention"
                    && matches!(&o.value.kind, ast::ValueKind::Ident { name, .. } if name == "RETENTION_SOURCE")
            })
        })
        .map(|p| p.element_path.clone())
        .collect()
}

/// Which repeated scalar fields of a file are packed on the wire.
fn packed_fields(u: &Unit, fd: &FileDescriptorProto) -> HashMap<Vec<i32>, bool> {
    let mut map = HashMap::default();
    let default_packed = match u.lowered.syntax {
        Syntax::Proto2 => false,
        Syntax::Proto3 => true,
        Syntax::Editions(_) => !u.lowered.options.iter().any(|p| {
            p.target == lower::OptionTarget::File && p.options.iter().any(is_expanded_feature)
        }),
    };
    let mut explicit: HashMap<Vec<i32>, bool> = HashMap::default();
    for p in &u.lowered.options {
        if p.target != lower::OptionTarget::Field {
            continue;
        }
        for o in &p.options {
            let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
            if names == ["packed"] {
                if let ast::ValueKind::Ident { name, .. } = &o.value.kind {
                    explicit.insert(p.element_path.clone(), name == "true");
                }
            } else if is_expanded_feature(o) {
                explicit.insert(p.element_path.clone(), false);
            }
        }
    }
    collect_repeated(fd, &mut |path| {
        let v = explicit.get(&path).copied().unwrap_or(default_packed);
        map.insert(path, v);
    });
    map
}

fn is_expanded_feature(o: &ast::OptionDecl) -> bool {
    let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
    names == ["features", "repeated_field_encoding"]
        && matches!(&o.value.kind, ast::ValueKind::Ident { name, .. } if name == "EXPANDED")
}

fn collect_repeated(fd: &FileDescriptorProto, f: &mut dyn FnMut(Vec<i32>)) {
    fn msg(m: &prost_types::DescriptorProto, path: Vec<i32>, f: &mut dyn FnMut(Vec<i32>)) {
        for (i, fld) in m.field.iter().enumerate() {
            if fld.label() == prost_types::field_descriptor_proto::Label::Repeated {
                let mut p = path.clone();
                p.extend([2, i as i32]);
                f(p);
            }
        }
        for (i, fld) in m.extension.iter().enumerate() {
            if fld.label() == prost_types::field_descriptor_proto::Label::Repeated {
                let mut p = path.clone();
                p.extend([6, i as i32]);
                f(p);
            }
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            let mut p = path.clone();
            p.extend([3, i as i32]);
            msg(n, p, f);
        }
    }
    for (i, m) in fd.message_type.iter().enumerate() {
        msg(m, vec![4, i as i32], f);
    }
    for (i, x) in fd.extension.iter().enumerate() {
        if x.label() == prost_types::field_descriptor_proto::Label::Repeated {
            f(vec![7, i as i32]);
        }
    }
}

/// Decodes interpreted option bytes into the typed options of each element,
/// so later stages can read standard options without re-parsing.
fn apply_standard_options(fd: &mut FileDescriptorProto, raw: &[(Vec<i32>, Vec<u8>)]) {
    use prost::Message;
    for (path, bytes) in raw {
        let Some((&field, elem)) = path.split_last() else {
            continue;
        };
        match (elem, field) {
            ([], 8) => fd.options = prost_types::FileOptions::decode(bytes.as_slice()).ok(),
            ([4, ..], 7) => {
                if let Some(m) = message_at_mut(fd, elem) {
                    m.options = prost_types::MessageOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([4, .., 2, _] | [4, .., 6, _] | [7, _], 8) => {
                if let Some(f) = link::field_at_mut(fd, elem) {
                    f.options = prost_types::FieldOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([4, .., 8, i], 2) => {
                if let Some(m) = message_at_mut(fd, &elem[..elem.len() - 2])
                    && let Some(o) = m.oneof_decl.get_mut(*i as usize)
                {
                    o.options = prost_types::OneofOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([4, .., 5, i], 3) => {
                if let Some(m) = message_at_mut(fd, &elem[..elem.len() - 2])
                    && let Some(r) = m.extension_range.get_mut(*i as usize)
                {
                    r.options = prost_types::ExtensionRangeOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([5, ..] | [4, ..], 3) if elem.len() >= 4 && elem[elem.len() - 2] == 2 => {
                let (head, tail) = elem.split_at(elem.len() - 2);
                if let Some(e) = enum_at_mut(fd, head)
                    && let Some(v) = e.value.get_mut(tail[1] as usize)
                {
                    v.options = prost_types::EnumValueOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([5, ..] | [4, .., 4, _], 3) => {
                if let Some(e) = enum_at_mut(fd, elem) {
                    e.options = prost_types::EnumOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([6, s], 3) => {
                if let Some(sv) = fd.service.get_mut(*s as usize) {
                    sv.options = prost_types::ServiceOptions::decode(bytes.as_slice()).ok();
                }
            }
            ([6, s, 2, m], 4) => {
                if let Some(md) = fd
                    .service
                    .get_mut(*s as usize)
                    .and_then(|sv| sv.method.get_mut(*m as usize))
                {
                    md.options = prost_types::MethodOptions::decode(bytes.as_slice()).ok();
                }
            }
            _ => {}
        }
    }
}

pub fn message_at_mut<'f>(
    fd: &'f mut FileDescriptorProto,
    path: &[i32],
) -> Option<&'f mut prost_types::DescriptorProto> {
    let [4, i, rest @ ..] = path else { return None };
    let mut m = fd.message_type.get_mut(*i as usize)?;
    let mut rest = rest;
    while let [3, j, r @ ..] = rest {
        m = m.nested_type.get_mut(*j as usize)?;
        rest = r;
    }
    if rest.is_empty() { Some(m) } else { None }
}

pub fn enum_at_mut<'f>(
    fd: &'f mut FileDescriptorProto,
    path: &[i32],
) -> Option<&'f mut prost_types::EnumDescriptorProto> {
    match path {
        [5, i] => fd.enum_type.get_mut(*i as usize),
        [4, ..] if path.len() >= 4 => {
            let (head, tail) = path.split_at(path.len() - 2);
            let m = message_at_mut(fd, head)?;
            match tail {
                [4, k] => m.enum_type.get_mut(*k as usize),
                _ => None,
            }
        }
        _ => None,
    }
}

struct Phase1 {
    fd: FileDescriptorProto,
    diags: Vec<Diagnostic>,
    used: HashSet<usize>,
}

/// Extension numbers must fall in one of the extendee's extension ranges and
/// be used once per extendee across the whole build (buf reports the later
/// one, in file order).
fn check_extension_numbers(units: &[Unit], phase1: &mut [Phase1], table: &link::SymbolTable) {
    let mut taken: HashMap<(String, i32), ()> = HashMap::default();
    for (i, u) in units.iter().enumerate() {
        for r in &u.lowered.refs {
            if r.kind != lower::RefKind::Extendee {
                continue;
            }
            let Some(number_span) = r.number_span else {
                continue;
            };
            let Some(field) = link::field_at(&phase1[i].fd, &r.path) else {
                continue;
            };
            let extendee = field.extendee().trim_start_matches('.').to_string();
            let number = field.number();
            let Some(sym) = table.symbols.get(&extendee) else {
                continue;
            };
            if sym.kind != link::SymKind::Message {
                continue;
            }
            let Some(msg) = phase1
                .get(sym.file as usize)
                .and_then(|p| link::message_at(&p.fd, &sym.path))
            else {
                continue;
            };
            // Extensions of a message set must be messages.
            let message_set = units.get(sym.file as usize).is_some_and(|owner| {
                owner.lowered.options.iter().any(|p| {
                    p.target == lower::OptionTarget::Message
                        && p.element_path == sym.path
                        && p.options.iter().any(|o| {
                            o.name.parts.len() == 1
                                && o.name.parts[0].name == "message_set_wire_format"
                                && matches!(&o.value.kind, ast::ValueKind::Ident { name, .. } if name == "true")
                        })
                })
            });
            if message_set && let Some(ts) = r.scalar_type_span {
                phase1[i].diags.push(Diagnostic::new(
                    ts.start,
                    ts.end,
                    "non-message message set extension",
                ));
                continue;
            }
            let in_range = msg
                .extension_range
                .iter()
                .any(|rg| rg.start() <= number && number < rg.end());
            let diag = if !in_range {
                Some(format!("extension with unreserved number `{number}`"))
            } else if taken.insert((extendee, number), ()).is_some() {
                Some(format!("field number `{number}` used more than once"))
            } else {
                None
            };
            if let Some(msg) = diag {
                phase1[i]
                    .diags
                    .push(Diagnostic::new(number_span.start, number_span.end, msg));
            }
        }
    }
}

/// The import paths a file names (`import`, `import public`, `import weak`;
/// not edition 2024's `import option`), in declaration order. Files that do
/// not parse give what parsed.
pub fn imports(text: &str) -> Vec<String> {
    import_paths(text)
        .into_iter()
        .filter(|(option, _)| !option)
        .map(|(_, path)| path)
        .collect()
}

/// Every import path a file names, as its descriptor will list them: plain,
/// public and weak imports in declaration order, then edition 2024's
/// `import option`s (`DescriptorExtras::option_dependency`). Files that do
/// not parse give what parsed.
pub fn all_imports(text: &str) -> Vec<String> {
    let (option, plain): (Vec<_>, Vec<_>) = import_paths(text).into_iter().partition(|(o, _)| *o);
    plain
        .into_iter()
        .chain(option)
        .map(|(_, path)| path)
        .collect()
}

/// Each import statement's path, with whether it is an `import option`.
fn import_paths(text: &str) -> Vec<(bool, String)> {
    let source = SourceFile {
        import_path: String::new(),
        display_path: String::new(),
        text: std::sync::Arc::new(text.to_string()),
    };
    let (parsed, _) = parse(source);
    parsed
        .tree
        .decls
        .iter()
        .filter_map(|d| match d {
            ast::Decl::Import(i) => Some((
                i.kind == ast::ImportKind::Option,
                String::from_utf8_lossy(&i.path.value).into_owned(),
            )),
            _ => None,
        })
        .collect()
}
