//! Linking: a symbol table over every file of the build, protoc's scoping rules
//! for relative names, and resolution of field types, extendees and method
//! types. Records which imports each file actually used.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorProto,
    field_descriptor_proto::Type as PType,
};

use super::ast::Span;
use super::diag::Diagnostic;
use super::lower::{RefKind, TypeRef};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymKind {
    Message,
    Enum,
    EnumValue,
    Field,
    Oneof,
    Extension,
    Service,
    Method,
}

impl SymKind {
    fn is_type(self) -> bool {
        matches!(self, SymKind::Message | SymKind::Enum)
    }
    fn is_aggregate(self) -> bool {
        matches!(self, SymKind::Message | SymKind::Enum | SymKind::Service)
    }
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub kind: SymKind,
    pub file: u32,
    /// Descriptor path of the element inside its file.
    pub path: Vec<i32>,
}

/// What a name resolved to.
#[derive(Clone, Debug)]
pub enum Resolved<'a> {
    Symbol(&'a Symbol),
    Package,
}

/// A name defined twice: the two definitions as (file, descriptor path).
#[derive(Clone, Debug)]
pub struct Duplicate {
    pub name: String,
    pub sites: [(u32, Vec<i32>); 2],
}

pub struct SymbolTable {
    pub symbols: HashMap<String, Symbol>,
    /// Package name (and every prefix) to the files that declare it or a sub-package.
    pub packages: HashMap<String, Vec<u32>>,
    /// Names defined more than once (each name once).
    pub duplicates: Vec<Duplicate>,
}

impl SymbolTable {
    pub fn build(files: &[&FileDescriptorProto]) -> Self {
        use rayon::prelude::*;
        // Each file's names are made in parallel; the table is filled in
        // file order, which decides which declaration of a duplicate is
        // the first.
        let declared: Vec<Declared> = files.par_iter().map(|fd| declarations(fd)).collect();
        let mut t = SymbolTable {
            symbols: HashMap::with_capacity_and_hasher(
                declared.iter().map(Vec::len).sum(),
                Default::default(),
            ),
            packages: HashMap::default(),
            duplicates: Vec::new(),
        };
        for (fi, (fd, names)) in files.iter().zip(declared).enumerate() {
            let fi = fi as u32;
            let pkg = fd.package();
            if !pkg.is_empty() {
                let mut prefix = String::new();
                for part in pkg.split('.') {
                    if !prefix.is_empty() {
                        prefix.push('.');
                    }
                    prefix.push_str(part);
                    t.packages.entry(prefix.clone()).or_default().push(fi);
                }
            }
            for (name, kind, path) in names {
                t.add(fi, name, kind, path);
            }
        }
        t
    }

    fn add(&mut self, file: u32, name: String, kind: SymKind, path: Vec<i32>) {
        use std::collections::hash_map::Entry;
        match self.symbols.entry(name) {
            Entry::Occupied(o) => {
                // buf reports a clash at the first declaration, once.
                let first = o.get();
                let name = o.key().clone();
                if !self.duplicates.iter().any(|d| d.name == name) {
                    self.duplicates.push(Duplicate {
                        name,
                        sites: [(first.file, first.path.clone()), (file, path)],
                    });
                }
            }
            Entry::Vacant(v) => {
                v.insert(Symbol { kind, file, path });
            }
        }
    }
}

/// The names `fd` declares, with their kinds and descriptor paths, in the
/// order protoc adds them.
fn declarations(fd: &FileDescriptorProto) -> Declared {
    let mut out = Vec::with_capacity(count_symbols(fd));
    let pkg = fd.package();
    for (i, m) in fd.message_type.iter().enumerate() {
        add_message(&mut out, pkg, m, vec![4, i as i32]);
    }
    for (i, e) in fd.enum_type.iter().enumerate() {
        add_enum(&mut out, pkg, e, vec![5, i as i32]);
    }
    for (i, x) in fd.extension.iter().enumerate() {
        out.push((join(pkg, x.name()), SymKind::Extension, vec![7, i as i32]));
    }
    for (i, s) in fd.service.iter().enumerate() {
        let full = join(pkg, s.name());
        out.push((full.clone(), SymKind::Service, vec![6, i as i32]));
        for (j, m) in s.method.iter().enumerate() {
            let path = vec![6, i as i32, 2, j as i32];
            out.push((join(&full, m.name()), SymKind::Method, path));
        }
    }
    out
}

type Declared = Vec<(String, SymKind, Vec<i32>)>;

fn add_message(out: &mut Declared, scope: &str, m: &DescriptorProto, path: Vec<i32>) {
    let full = join(scope, m.name());
    out.push((full.clone(), SymKind::Message, path.clone()));
    for (i, f) in m.field.iter().enumerate() {
        let p = ext(&path, &[2, i as i32]);
        out.push((join(&full, f.name()), SymKind::Field, p));
    }
    for (i, o) in m.oneof_decl.iter().enumerate() {
        let p = ext(&path, &[8, i as i32]);
        out.push((join(&full, o.name()), SymKind::Oneof, p));
    }
    for (i, x) in m.extension.iter().enumerate() {
        let p = ext(&path, &[6, i as i32]);
        out.push((join(&full, x.name()), SymKind::Extension, p));
    }
    for (i, n) in m.nested_type.iter().enumerate() {
        add_message(out, &full, n, ext(&path, &[3, i as i32]));
    }
    for (i, e) in m.enum_type.iter().enumerate() {
        add_enum(out, &full, e, ext(&path, &[4, i as i32]));
    }
}

fn add_enum(out: &mut Declared, scope: &str, e: &EnumDescriptorProto, path: Vec<i32>) {
    out.push((join(scope, e.name()), SymKind::Enum, path.clone()));
    // Enum values are siblings of their enum (C++ scoping).
    for (i, v) in e.value.iter().enumerate() {
        let p = ext(&path, &[2, i as i32]);
        out.push((join(scope, v.name()), SymKind::EnumValue, p));
    }
}

/// How many names `fd` declares (what `SymbolTable::build` adds for it).
fn count_symbols(fd: &FileDescriptorProto) -> usize {
    fn message(m: &DescriptorProto) -> usize {
        1 + m.field.len()
            + m.oneof_decl.len()
            + m.extension.len()
            + m.nested_type.iter().map(message).sum::<usize>()
            + m.enum_type.iter().map(enumeration).sum::<usize>()
    }
    fn enumeration(e: &EnumDescriptorProto) -> usize {
        1 + e.value.len()
    }
    fd.message_type.iter().map(message).sum::<usize>()
        + fd.enum_type.iter().map(enumeration).sum::<usize>()
        + fd.extension.len()
        + fd.service.iter().map(|s| 1 + s.method.len()).sum::<usize>()
}

pub fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        let mut s = String::with_capacity(scope.len() + 1 + name.len());
        s.push_str(scope);
        s.push('.');
        s.push_str(name);
        s
    }
}

fn ext(path: &[i32], extra: &[i32]) -> Vec<i32> {
    let mut p = path.to_vec();
    p.extend_from_slice(extra);
    p
}

/// The files one file may see: itself, its imports, and what those re-export
/// through `import public`, transitively.
pub struct Visibility {
    pub files: HashSet<u32>,
    /// For each visible file, the index of the direct import that brings it in.
    pub via: HashMap<u32, usize>,
}

pub fn visibility(
    self_idx: u32,
    deps: &[Option<u32>],
    public_deps: &dyn Fn(u32) -> Vec<u32>,
) -> Visibility {
    let mut files = HashSet::default();
    let mut via = HashMap::default();
    files.insert(self_idx);
    // A file imported directly is used through that import, even when another
    // import re-exports it too (buf then reports the re-exporting one unused).
    for (i, d) in deps.iter().enumerate() {
        if let Some(d) = *d {
            via.entry(d).or_insert(i);
        }
    }
    for (i, d) in deps.iter().enumerate() {
        let Some(d) = *d else { continue };
        let mut stack = vec![d];
        while let Some(f) = stack.pop() {
            if files.insert(f) || !via.contains_key(&f) {
                via.entry(f).or_insert(i);
                stack.extend(public_deps(f));
            }
        }
    }
    Visibility { files, via }
}

pub struct Resolver<'a> {
    pub table: &'a SymbolTable,
    pub vis: &'a Visibility,
    pub file_packages: &'a [String],
    /// Direct-import indexes used by resolved names.
    pub used: std::cell::RefCell<HashSet<usize>>,
}

impl<'a> Resolver<'a> {
    fn find(&self, name: &str) -> Option<Resolved<'a>> {
        if let Some(sym) = self.table.symbols.get(name)
            && self.vis.files.contains(&sym.file)
        {
            if let Some(&i) = self.vis.via.get(&sym.file) {
                self.used.borrow_mut().insert(i);
            }
            return Some(Resolved::Symbol(sym));
        }
        // Not visible; a package of the same name could still be.
        if let Some(files) = self.table.packages.get(name)
            && files.iter().any(|f| self.vis.files.contains(f))
        {
            return Some(Resolved::Package);
        }
        None
    }

    /// protoc's `LookupSymbol`: try the name in each enclosing scope, from the
    /// innermost out. A compound name commits to the first scope where its
    /// first component exists.
    pub fn lookup(
        &self,
        scope: &str,
        name: &str,
        types_only: bool,
    ) -> Option<(String, Resolved<'a>)> {
        if let Some(abs) = name.strip_prefix('.') {
            return self.find(abs).map(|r| (abs.to_string(), r));
        }
        let first = name.split('.').next().unwrap_or(name);
        let compound = first.len() < name.len();
        let mut scope_to_try = scope.to_string();
        loop {
            let Some(dot) = scope_to_try.rfind('.') else {
                return self.find(name).map(|r| (name.to_string(), r));
            };
            scope_to_try.truncate(dot);
            let candidate = format!("{scope_to_try}.{first}");
            if let Some(r) = self.find(&candidate) {
                if compound {
                    let aggregate = match &r {
                        Resolved::Package => true,
                        Resolved::Symbol(s) => s.kind.is_aggregate(),
                    };
                    if aggregate {
                        let full = format!("{scope_to_try}.{name}");
                        return self.find(&full).map(|r| (full, r));
                    }
                } else {
                    let ok = match &r {
                        Resolved::Package => !types_only,
                        Resolved::Symbol(s) => !types_only || s.kind.is_type(),
                    };
                    if ok {
                        return Some((candidate, r));
                    }
                }
            }
        }
    }
}

/// Resolves the type references of one file, rewriting its descriptor.
/// What resolution needs to know about the file it works on.
pub struct RefContext<'a> {
    pub file: u32,
    pub proto3: bool,
    /// Types declared `local` (edition 2024), as (file, descriptor path).
    pub local_types: &'a HashSet<(u32, Vec<i32>)>,
}

fn is_builtin_options(full: &str) -> bool {
    full.strip_prefix("google.protobuf.")
        .is_some_and(|n| (n.ends_with("Options") && !n.contains('.')) || n == "FeatureSet")
}

pub fn resolve_refs(
    fd: &mut FileDescriptorProto,
    refs: &[TypeRef],
    resolver: &Resolver<'_>,
    ctx: &RefContext<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    for r in refs {
        let types_only = true;
        let found = resolver.lookup(&r.scope, &r.name, types_only);
        let err = |diags: &mut Vec<Diagnostic>, span: Span, msg: String| {
            diags.push(Diagnostic::new(span.start, span.end, msg));
        };
        let Some((full, res)) = found else {
            err(
                diags,
                r.span,
                format!("cannot find `{}` in this scope", r.name),
            );
            continue;
        };
        if let Resolved::Symbol(s) = &res
            && s.file != ctx.file
            && ctx.local_types.contains(&(s.file, s.path.clone()))
        {
            let what = if s.kind == SymKind::Enum {
                "enum"
            } else {
                "message"
            };
            err(
                diags,
                r.span,
                format!("found unexported {what} type `{full}`"),
            );
            continue;
        }
        let kind = match res {
            Resolved::Symbol(s) => s.kind,
            Resolved::Package => {
                err(
                    diags,
                    r.span,
                    format!("`{}` is a package, not a type", r.name),
                );
                continue;
            }
        };
        let qualified = format!(".{full}");
        match r.kind {
            RefKind::MapKey => {
                let what = match kind {
                    SymKind::Message => "message type",
                    SymKind::Enum => "enum type",
                    _ => "symbol",
                };
                err(
                    diags,
                    r.span,
                    format!("expected map key type, found {what} `{full}`"),
                );
            }
            RefKind::FieldType => {
                let Some(f) = field_at_mut(fd, &r.path) else {
                    continue;
                };
                if kind == SymKind::Message && r.implicit_presence {
                    err(
                        diags,
                        r.span,
                        format!("expected message type, found message type `{full}`"),
                    );
                    continue;
                }
                match kind {
                    SymKind::Message => {
                        if f.r#type != Some(PType::Group as i32) {
                            f.r#type = Some(PType::Message as i32);
                        }
                    }
                    SymKind::Enum => f.r#type = Some(PType::Enum as i32),
                    _ => {
                        err(
                            diags,
                            r.span,
                            format!("`{}` is not a message or enum type", r.name),
                        );
                        continue;
                    }
                }
                f.type_name = Some(qualified);
            }
            RefKind::Extendee => {
                let mut bad = false;
                if ctx.proto3 && !is_builtin_options(&full) {
                    let span = r.block_span.unwrap_or(r.span);
                    let found = describe_kind(kind);
                    err(
                        diags,
                        span,
                        format!("expected built-in options message, found {found} `{full}`"),
                    );
                    bad = true;
                }
                if kind != SymKind::Message {
                    err(
                        diags,
                        r.span,
                        format!(
                            "expected message type, found {} `{full}`",
                            describe_kind(kind)
                        ),
                    );
                    bad = true;
                }
                if bad {
                    continue;
                }
                if let Some(f) = field_at_mut(fd, &r.path) {
                    f.extendee = Some(qualified);
                }
            }
            RefKind::MethodInput | RefKind::MethodOutput => {
                if kind != SymKind::Message {
                    err(
                        diags,
                        r.span,
                        format!(
                            "expected message type, found {} `{full}`",
                            describe_kind(kind)
                        ),
                    );
                    continue;
                }
                let (Some(&6), Some(&si), Some(&2), Some(&mi)) =
                    (r.path.first(), r.path.get(1), r.path.get(2), r.path.get(3))
                else {
                    continue;
                };
                if let Some(m) = fd
                    .service
                    .get_mut(si as usize)
                    .and_then(|s| s.method.get_mut(mi as usize))
                {
                    if r.kind == RefKind::MethodInput {
                        m.input_type = Some(qualified);
                    } else {
                        m.output_type = Some(qualified);
                    }
                }
            }
        }
    }
}

/// The field at a descriptor path (`[4,i,(3,j)*,2,k]`, `[4,..,6,k]` or `[7,k]`).
pub fn field_at_mut<'f>(
    fd: &'f mut FileDescriptorProto,
    path: &[i32],
) -> Option<&'f mut prost_types::FieldDescriptorProto> {
    match path {
        [7, k] => fd.extension.get_mut(*k as usize),
        [4, i, rest @ ..] => {
            let m = fd.message_type.get_mut(*i as usize)?;
            field_in_message(m, rest)
        }
        _ => None,
    }
}

fn field_in_message<'m>(
    m: &'m mut DescriptorProto,
    path: &[i32],
) -> Option<&'m mut prost_types::FieldDescriptorProto> {
    match path {
        [2, k] => m.field.get_mut(*k as usize),
        [6, k] => m.extension.get_mut(*k as usize),
        [3, j, rest @ ..] => field_in_message(m.nested_type.get_mut(*j as usize)?, rest),
        _ => None,
    }
}

pub fn message_at<'f>(fd: &'f FileDescriptorProto, path: &[i32]) -> Option<&'f DescriptorProto> {
    match path {
        [4, i, rest @ ..] => {
            let mut m = fd.message_type.get(*i as usize)?;
            let mut rest = rest;
            while let [3, j, r @ ..] = rest {
                m = m.nested_type.get(*j as usize)?;
                rest = r;
            }
            if rest.is_empty() { Some(m) } else { None }
        }
        _ => None,
    }
}

pub fn enum_at<'f>(fd: &'f FileDescriptorProto, path: &[i32]) -> Option<&'f EnumDescriptorProto> {
    match path {
        [5, i] => fd.enum_type.get(*i as usize),
        [4, ..] => {
            let (head, tail) = path.split_at(path.len() - 2);
            let m = message_at(fd, head)?;
            match tail {
                [4, k] => m.enum_type.get(*k as usize),
                _ => None,
            }
        }
        _ => None,
    }
}

pub fn field_at<'f>(
    fd: &'f FileDescriptorProto,
    path: &[i32],
) -> Option<&'f prost_types::FieldDescriptorProto> {
    match path {
        [7, k] => fd.extension.get(*k as usize),
        [4, ..] => {
            let (head, tail) = path.split_at(path.len() - 2);
            let m = message_at(fd, head)?;
            match tail {
                [2, k] => m.field.get(*k as usize),
                [6, k] => m.extension.get(*k as usize),
                _ => None,
            }
        }
        _ => None,
    }
}

/// How buf names what a name resolved to, in "expected X, found Y" errors.
fn describe_kind(kind: SymKind) -> &'static str {
    match kind {
        SymKind::Message => "message type",
        SymKind::Enum => "enum type",
        SymKind::EnumValue => "enum value",
        SymKind::Field => "message field",
        SymKind::Oneof => "oneof",
        SymKind::Extension => "extension",
        SymKind::Service => "service",
        SymKind::Method => "method",
    }
}
