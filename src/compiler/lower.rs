//! Lowering: one syntax tree to a `FileDescriptorProto` with `SourceCodeInfo`.
//! Names stay unresolved here; lowering records every type reference and every
//! option for the linker, which resolves them once all files are known.

use super::source_info::LocBuf;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, MethodDescriptorProto, OneofDescriptorProto, ServiceDescriptorProto,
    descriptor_proto::{ExtensionRange, ReservedRange},
    enum_descriptor_proto::EnumReservedRange,
    field_descriptor_proto::{Label as PLabel, Type as PType},
};

use super::ast::*;
use super::comments::Comments;
use super::diag::Diagnostic;
use super::lexer::LineIndex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Proto2,
    Proto3,
    Editions(i32),
}

/// Editions' numeric values from descriptor.proto's `Edition` enum.
pub const EDITION_PROTO2: i32 = 998;
pub const EDITION_PROTO3: i32 = 999;
pub const EDITION_2023: i32 = 1000;
pub const EDITION_2024: i32 = 1001;

/// What a type reference is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    /// A field's type (message or enum); path is the field's.
    FieldType,
    /// A map's key type named by a type name (always an error once resolved).
    MapKey,
    /// An extension's extendee; path is the field's.
    Extendee,
    /// A method's input or output; path is the method's.
    MethodInput,
    MethodOutput,
}

#[derive(Clone, Debug)]
pub struct TypeRef {
    pub kind: RefKind,
    /// Descriptor path of the element holding the reference.
    pub path: Vec<i32>,
    /// Fully-qualified scope (without leading dot) the name is resolved in.
    pub scope: String,
    pub name: String,
    pub span: Span,
    /// For extendee references: the span of the extension's field number.
    pub number_span: Option<Span>,
    /// For extendee references: the span of the `extend` keyword.
    pub block_span: Option<Span>,
    /// For field types: the field says `features.field_presence = IMPLICIT`.
    /// For extendees: the span of the extension's type, if it is a scalar.
    pub implicit_presence: bool,
    pub scalar_type_span: Option<Span>,
}

/// What kind of element an option list belongs to; selects the options message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionTarget {
    File,
    Message,
    Field,
    Oneof,
    Enum,
    EnumValue,
    Service,
    Method,
    ExtensionRange,
}

impl OptionTarget {
    pub fn message_name(self) -> &'static str {
        match self {
            OptionTarget::File => "google.protobuf.FileOptions",
            OptionTarget::Message => "google.protobuf.MessageOptions",
            OptionTarget::Field => "google.protobuf.FieldOptions",
            OptionTarget::Oneof => "google.protobuf.OneofOptions",
            OptionTarget::Enum => "google.protobuf.EnumOptions",
            OptionTarget::EnumValue => "google.protobuf.EnumValueOptions",
            OptionTarget::Service => "google.protobuf.ServiceOptions",
            OptionTarget::Method => "google.protobuf.MethodOptions",
            OptionTarget::ExtensionRange => "google.protobuf.ExtensionRangeOptions",
        }
    }
}

/// The options written on one element, waiting for interpretation.
#[derive(Clone, Debug)]
pub struct PendingOptions {
    pub target: OptionTarget,
    /// Path of the element (e.g. `[4, 0, 2, 1]`); the options field is
    /// `options_field` below it.
    pub element_path: Vec<i32>,
    pub options_field: i32,
    pub scope: String,
    pub options: Vec<OptionDecl>,
    /// True for `[...]` compact options (their locations span name=value).
    pub compact: bool,
}

pub struct Lowered {
    pub fd: FileDescriptorProto,
    pub locations: LocBuf,
    pub refs: Vec<TypeRef>,
    pub options: Vec<PendingOptions>,
    pub syntax: Syntax,
    pub diags: Vec<Diagnostic>,
    /// Index into `locations` of each option statement's own location (filled
    /// by the option interpreter with the interpreted path).
    pub import_spans: Vec<Span>,
    /// `default = ...` values by field path, converted once types are known.
    pub defaults: Vec<(Vec<i32>, Value)>,
    /// Fields prost-types does not model: `edition` (14), `option_dependency`
    /// (15), and message/enum `visibility` by element path.
    pub extra: DescriptorExtras,
}

#[derive(Clone, Debug, Default)]
pub struct DescriptorExtras {
    pub edition: Option<i32>,
    pub option_dependency: Vec<String>,
    pub visibility: Vec<(Vec<i32>, i32)>,
}

struct Ctx<'a> {
    src: &'a str,
    lines: &'a LineIndex,
    comments: &'a Comments,
    locs: LocBuf,
    refs: Vec<TypeRef>,
    options: Vec<PendingOptions>,
    diags: Vec<Diagnostic>,
    package: String,
    syntax: Syntax,
    edition: Option<i32>,
    option_deps: Vec<String>,
    visibility: Vec<(Vec<i32>, i32)>,
    defaults: Vec<(Vec<i32>, Value)>,
}

pub fn lower(
    name: &str,
    src: &str,
    file: &File,
    lines: &LineIndex,
    comments: &Comments,
) -> Lowered {
    let mut cx = Ctx {
        src,
        lines,
        comments,
        locs: LocBuf::default(),
        refs: Vec::new(),
        options: Vec::new(),
        diags: Vec::new(),
        package: String::new(),
        syntax: Syntax::Proto2,
        edition: None,
        option_deps: Vec::new(),
        visibility: Vec::new(),
        defaults: Vec::new(),
    };
    let mut fd = FileDescriptorProto {
        name: Some(name.to_string()),
        ..Default::default()
    };
    // Even an empty file (or one of only comments) has its file location.
    let file_span = if file.decls.is_empty() {
        Span::new(0, 0)
    } else {
        file.span
    };
    cx.loc(&[], file_span, None);
    let mut import_spans = Vec::new();
    let mut file_opts = Vec::new();
    for decl in &file.decls {
        match decl {
            Decl::Syntax(s) => {
                let v = s.value.as_str_lossy();
                if s.is_edition {
                    let ed = match v.as_str() {
                        "2023" => EDITION_2023,
                        "2024" => EDITION_2024,
                        _ => {
                            cx.diags.push(Diagnostic::new(
                                s.value.span.start,
                                s.value.span.end,
                                format!("unknown edition {v:?}"),
                            ));
                            EDITION_2023
                        }
                    };
                    cx.syntax = Syntax::Editions(ed);
                    fd.syntax = Some("editions".into());
                    cx.edition = Some(ed);
                    // buf records `edition = ...` under the syntax path.
                    cx.loc(&[12], s.span, Some(s.toks));
                } else {
                    match v.as_str() {
                        "proto2" => cx.syntax = Syntax::Proto2,
                        "proto3" => cx.syntax = Syntax::Proto3,
                        _ => cx.diags.push(Diagnostic::new(
                            s.value.span.start,
                            s.value.span.end,
                            "unrecognized `syntax` declaration value".to_string(),
                        )),
                    }
                    fd.syntax = Some(v);
                    cx.loc(&[12], s.span, Some(s.toks));
                }
            }
            Decl::Package(p) => {
                cx.package = p.name.name.clone();
                fd.package = Some(p.name.name.clone());
                cx.loc(&[2], p.span, Some(p.toks));
            }
            Decl::Import(imp) => {
                let path = imp.path.as_str_lossy();
                if imp.kind == ImportKind::Option {
                    cx.option_deps.push(path);
                    let idx = cx.option_deps.len() as i32 - 1;
                    cx.loc(&[15, idx], imp.span, Some(imp.toks));
                    continue;
                }
                let idx = fd.dependency.len() as i32;
                fd.dependency.push(path);
                import_spans.push(imp.span);
                cx.loc(&[3, idx], imp.span, Some(imp.toks));
                match imp.kind {
                    ImportKind::Public => {
                        let j = fd.public_dependency.len() as i32;
                        fd.public_dependency.push(idx);
                        if let Some(ks) = imp.kind_span {
                            cx.loc(&[10, j], ks, None);
                        }
                    }
                    ImportKind::Weak => {
                        let j = fd.weak_dependency.len() as i32;
                        fd.weak_dependency.push(idx);
                        if let Some(ks) = imp.kind_span {
                            cx.loc(&[11, j], ks, None);
                        }
                    }
                    _ => {}
                }
            }
            Decl::Option(o) => {
                cx.loc(&[8], o.span, Some(o.toks));
                file_opts.push(o.clone());
            }
            Decl::Message(m) => {
                let idx = fd.message_type.len() as i32;
                let scope = cx.package.clone();
                let msg = cx.message(m, &[4, idx], &scope);
                fd.message_type.push(msg);
            }
            Decl::Enum(e) => {
                let idx = fd.enum_type.len() as i32;
                let scope = cx.package.clone();
                let en = cx.enumeration(e, &[5, idx], &scope);
                fd.enum_type.push(en);
            }
            Decl::Service(s) => {
                let idx = fd.service.len() as i32;
                let sv = cx.service(s, &[6, idx]);
                fd.service.push(sv);
            }
            Decl::Extend(x) => {
                let scope = cx.package.clone();
                cx.extend_block(
                    x,
                    &[7],
                    &scope,
                    &mut fd.extension,
                    &mut fd.message_type,
                    &[4],
                );
            }
            Decl::Empty(_) => {}
        }
    }
    if !file_opts.is_empty() {
        let scope = cx.package.clone();
        cx.options.push(PendingOptions {
            target: OptionTarget::File,
            element_path: vec![],
            options_field: 8,
            scope,
            options: file_opts,
            compact: false,
        });
    }
    if cx.syntax == Syntax::Proto2 && fd.syntax.as_deref() == Some("proto2") {
        // protoc leaves `syntax` empty for proto2 only when it was not written.
    }
    Lowered {
        fd,
        locations: cx.locs,
        refs: cx.refs,
        options: cx.options,
        syntax: cx.syntax,
        diags: cx.diags,
        import_spans,
        defaults: cx.defaults,
        extra: DescriptorExtras {
            edition: cx.edition,
            option_dependency: cx.option_deps,
            visibility: cx.visibility,
        },
    }
}

pub fn json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut cap = false;
    for c in name.chars() {
        if c == '_' {
            cap = true;
        } else if cap {
            out.push(c.to_ascii_uppercase());
            cap = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut cap = true;
    for c in field.chars() {
        if c == '_' {
            cap = true;
        } else if cap {
            out.push(c.to_ascii_uppercase());
            cap = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

pub fn scalar_type(name: &str) -> Option<PType> {
    Some(match name {
        "double" => PType::Double,
        "float" => PType::Float,
        "int64" => PType::Int64,
        "uint64" => PType::Uint64,
        "int32" => PType::Int32,
        "fixed64" => PType::Fixed64,
        "fixed32" => PType::Fixed32,
        "bool" => PType::Bool,
        "string" => PType::String,
        "bytes" => PType::Bytes,
        "uint32" => PType::Uint32,
        "sfixed32" => PType::Sfixed32,
        "sfixed64" => PType::Sfixed64,
        "sint32" => PType::Sint32,
        "sint64" => PType::Sint64,
        _ => return None,
    })
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn path_with(path: &[i32], extra: &[i32]) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + extra.len());
    p.extend_from_slice(path);
    p.extend_from_slice(extra);
    p
}

impl Ctx<'_> {
    fn span_values(&self, span: Span) -> ([i32; 4], usize) {
        self.lines.span_values(self.src, span.start, span.end)
    }

    fn loc(&mut self, path: &[i32], span: Span, toks: Option<DeclToks>) {
        let (values, len) = self.span_values(span);
        let (mut leading, mut detached, mut trailing) = (None, &[][..], None);
        if let Some(t) = toks {
            if let Some(c) = self.comments.get(t.first as usize) {
                leading = c.leading.as_deref();
                detached = c.detached.as_slice();
            }
            if let Some(c) = self.comments.get(t.end_of_decl as usize) {
                trailing = c.trailing.as_deref();
            }
        }
        self.locs.push(
            path,
            &values[..len],
            leading,
            trailing,
            detached.iter().map(String::as_str),
        );
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(span.start, span.end, msg));
    }

    fn compact_options(
        &mut self,
        opts: &Option<CompactOptions>,
        element_path: &[i32],
        options_field: i32,
        target: OptionTarget,
        scope: &str,
        skip_pseudo: bool,
    ) {
        let Some(co) = opts else { return };
        let real: Vec<OptionDecl> = co
            .options
            .iter()
            .filter(|o| {
                !(skip_pseudo
                    && o.name.parts.len() == 1
                    && !o.name.parts[0].is_extension
                    && matches!(o.name.parts[0].name.as_str(), "default" | "json_name"))
            })
            .cloned()
            .collect();
        if real.is_empty() && skip_pseudo {
            // Only pseudo-options: no options location.
            let only_pseudo = !co.options.is_empty();
            if only_pseudo {
                return;
            }
        }
        self.loc(&path_with(element_path, &[options_field]), co.span, None);
        if !real.is_empty() {
            self.options.push(PendingOptions {
                target,
                element_path: element_path.to_vec(),
                options_field,
                scope: scope.to_string(),
                options: real,
                compact: true,
            });
        }
    }

    /// `export`/`local` become the descriptor's `visibility` (2 / 1).
    fn record_visibility(&mut self, visibility: Option<(Visibility, Span)>, path: &[i32]) {
        if let Some((vis, _)) = visibility {
            let v = match vis {
                Visibility::Local => 1,
                Visibility::Export => 2,
            };
            self.visibility.push((path.to_vec(), v));
        }
    }

    fn message(&mut self, m: &MessageDecl, path: &[i32], scope: &str) -> DescriptorProto {
        self.loc(path, m.span, Some(m.toks));
        self.loc(&path_with(path, &[1]), m.name.span, None);
        let full = join(scope, &m.name.name);
        let mut msg = DescriptorProto {
            name: Some(m.name.name.clone()),
            ..Default::default()
        };
        self.record_visibility(m.visibility, path);
        self.message_body(&m.body, &mut msg, path, &full);
        msg
    }

    fn message_body(
        &mut self,
        body: &[MessageItem],
        msg: &mut DescriptorProto,
        path: &[i32],
        full: &str,
    ) {
        let mut msg_opts = Vec::new();
        // In a message set, `max` for extension ranges is the largest int32.
        let message_set = body.iter().any(|i| {
            matches!(i, MessageItem::Option(o)
                if o.name.parts.len() == 1
                    && o.name.parts[0].name == "message_set_wire_format"
                    && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == "true"))
        });
        let ext_max: i64 = if message_set {
            i32::MAX as i64 - 1
        } else {
            536_870_911
        };
        let mut synthetic: Vec<(usize, String)> = Vec::new();
        for item in body {
            match item {
                MessageItem::Field(f) => {
                    let idx = msg.field.len() as i32;
                    let fpath = path_with(path, &[2, idx]);
                    let nb = path_with(path, &[3]);
                    let field = self.field(f, &fpath, full, None, &mut msg.nested_type, &nb);
                    if field.proto3_optional == Some(true) {
                        synthetic.push((msg.field.len(), field.name().to_string()));
                    }
                    msg.field.push(field);
                }
                MessageItem::Oneof(o) => {
                    let oidx = msg.oneof_decl.len() as i32;
                    let opath = path_with(path, &[8, oidx]);
                    self.loc(&opath, o.span, Some(o.toks));
                    self.loc(&path_with(&opath, &[1]), o.name.span, None);
                    msg.oneof_decl.push(OneofDescriptorProto {
                        name: Some(o.name.name.clone()),
                        options: None,
                    });
                    let mut oopts = Vec::new();
                    for it in &o.items {
                        match it {
                            MessageItem::Field(f) => {
                                let idx = msg.field.len() as i32;
                                let fpath = path_with(path, &[2, idx]);
                                let nb = path_with(path, &[3]);
                                let field = self.field(
                                    f,
                                    &fpath,
                                    full,
                                    Some(oidx),
                                    &mut msg.nested_type,
                                    &nb,
                                );
                                msg.field.push(field);
                            }
                            MessageItem::Option(od) => {
                                self.loc(&path_with(&opath, &[2]), od.span, Some(od.toks));
                                oopts.push(od.clone());
                            }
                            _ => {}
                        }
                    }
                    if !oopts.is_empty() {
                        self.options.push(PendingOptions {
                            target: OptionTarget::Oneof,
                            element_path: opath,
                            options_field: 2,
                            scope: full.to_string(),
                            options: oopts,
                            compact: false,
                        });
                    }
                }
                MessageItem::Message(nm) => {
                    let idx = msg.nested_type.len() as i32;
                    let n = self.message(nm, &path_with(path, &[3, idx]), full);
                    msg.nested_type.push(n);
                }
                MessageItem::Enum(e) => {
                    let idx = msg.enum_type.len() as i32;
                    let en = self.enumeration(e, &path_with(path, &[4, idx]), full);
                    msg.enum_type.push(en);
                }
                MessageItem::Extend(x) => {
                    let base = path_with(path, &[6]);
                    let nb = path_with(path, &[3]);
                    self.extend_block(
                        x,
                        &base,
                        full,
                        &mut msg.extension,
                        &mut msg.nested_type,
                        &nb,
                    );
                }
                MessageItem::ExtensionRange(r) => {
                    let base = path_with(path, &[5]);
                    for range in &r.ranges {
                        // buf repeats the statement's location once per range.
                        self.loc(&base, r.span, Some(r.toks));
                        let idx = msg.extension_range.len() as i32;
                        let rpath = path_with(&base, &[idx]);
                        let (start, end) = self.range_bounds(range, ext_max, true);
                        self.range_locs(&rpath, range);
                        msg.extension_range.push(ExtensionRange {
                            start: Some(start),
                            end: Some(end),
                            options: None,
                        });
                        self.compact_options(
                            &r.options,
                            &rpath,
                            3,
                            OptionTarget::ExtensionRange,
                            full,
                            false,
                        );
                    }
                }
                MessageItem::Reserved(r) => {
                    let new = self.reserved(
                        r,
                        path,
                        (9, 10),
                        536_870_911,
                        true,
                        msg.reserved_range.len(),
                        &mut msg.reserved_name,
                    );
                    msg.reserved_range
                        .extend(new.into_iter().map(|(start, end)| ReservedRange {
                            start: Some(start),
                            end: Some(end),
                        }));
                }
                MessageItem::Option(o) => {
                    self.loc(&path_with(path, &[7]), o.span, Some(o.toks));
                    msg_opts.push(o.clone());
                }
                MessageItem::Empty(_) => {}
            }
        }
        // proto3 optional fields each get a synthetic oneof, after the real ones.
        for (field_idx, name) in synthetic {
            // protoc: prefix `_` unless the name already starts with one,
            // then `X` until it no longer clashes.
            let mut oname = if name.starts_with('_') {
                name.clone()
            } else {
                format!("_{name}")
            };
            let taken = |n: &str, m: &DescriptorProto| {
                m.oneof_decl.iter().any(|o| o.name() == n)
                    || m.field.iter().any(|f| f.name() == n)
                    || m.nested_type.iter().any(|t| t.name() == n)
                    || m.enum_type.iter().any(|t| t.name() == n)
            };
            while taken(&oname, msg) {
                oname.insert(0, 'X');
            }
            let oidx = msg.oneof_decl.len() as i32;
            msg.oneof_decl.push(OneofDescriptorProto {
                name: Some(oname),
                options: None,
            });
            if let Some(f) = msg.field.get_mut(field_idx) {
                f.oneof_index = Some(oidx);
            }
        }
        if !msg_opts.is_empty() {
            self.options.push(PendingOptions {
                target: OptionTarget::Message,
                element_path: path.to_vec(),
                options_field: 7,
                scope: full.to_string(),
                options: msg_opts,
                compact: false,
            });
        }
    }

    /// Lowers one `reserved` statement of a message or enum: its ranges
    /// (returned, for descriptor field `fields.0`) or its names (appended to
    /// `names`, field `fields.1`). buf records the statement's own location
    /// only for the first statement of each kind.
    #[allow(clippy::too_many_arguments)]
    fn reserved(
        &mut self,
        r: &ReservedDecl,
        path: &[i32],
        fields: (i32, i32),
        max: i64,
        exclusive_end: bool,
        ranges_before: usize,
        names: &mut Vec<String>,
    ) -> Vec<(i32, i32)> {
        let mut ranges = Vec::new();
        if !r.ranges.is_empty() {
            let base = path_with(path, &[fields.0]);
            if ranges_before == 0 {
                self.loc(&base, r.span, Some(r.toks));
            }
            for range in &r.ranges {
                let rpath = path_with(&base, &[(ranges_before + ranges.len()) as i32]);
                ranges.push(self.range_bounds(range, max, exclusive_end));
                self.range_locs(&rpath, range);
            }
        } else {
            let base = path_with(path, &[fields.1]);
            if names.is_empty() {
                self.loc(&base, r.span, Some(r.toks));
            }
            for n in &r.names {
                self.loc(&path_with(&base, &[names.len() as i32]), n.span, None);
                names.push(n.name.clone());
            }
        }
        ranges
    }

    fn range_bounds(&mut self, r: &Range, max: i64, exclusive_end: bool) -> (i32, i32) {
        let start = int_value(&r.start);
        let end = match &r.end {
            None => start,
            Some(RangeEnd::Int(i)) => int_value(i),
            Some(RangeEnd::Max(_)) => max,
        };
        let clamp = |v: i64| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        if exclusive_end {
            (clamp(start), clamp(end.saturating_add(1)))
        } else {
            (clamp(start), clamp(end))
        }
    }

    fn range_locs(&mut self, rpath: &[i32], r: &Range) {
        self.loc(rpath, r.span, None);
        self.loc(&path_with(rpath, &[1]), r.start.span, None);
        let end_span = match &r.end {
            None => r.start.span,
            Some(RangeEnd::Int(i)) => i.span,
            Some(RangeEnd::Max(s)) => *s,
        };
        self.loc(&path_with(rpath, &[2]), end_span, None);
    }

    fn field(
        &mut self,
        f: &FieldDecl,
        fpath: &[i32],
        scope: &str,
        oneof: Option<i32>,
        nested: &mut Vec<DescriptorProto>,
        nested_base: &[i32],
    ) -> FieldDescriptorProto {
        // A group's comments belong to its message, not to its field.
        let field_toks = if f.group_body.is_some() {
            None
        } else {
            Some(f.toks)
        };
        self.loc(fpath, f.span, field_toks);
        let mut field = FieldDescriptorProto {
            name: Some(f.name.name.clone()),
            json_name: Some(json_name(&f.name.name)),
            oneof_index: oneof,
            ..Default::default()
        };
        let is_proto3 = self.syntax == Syntax::Proto3;
        // Label.
        let label = match f.label {
            Some((Label::Optional, _)) => PLabel::Optional,
            Some((Label::Required, _)) => PLabel::Required,
            Some((Label::Repeated, _)) => PLabel::Repeated,
            None => PLabel::Optional,
        };
        field.label = Some(label as i32);
        if let Some((l, span)) = f.label {
            self.loc(&path_with(fpath, &[4]), span, None);
            if l == Label::Optional && is_proto3 && oneof.is_none() {
                field.proto3_optional = Some(true);
            }
        }
        match &f.ty {
            FieldType::Named(name) => {
                if let Some(t) = scalar_type(name) {
                    field.r#type = Some(t as i32);
                    self.loc(&path_with(fpath, &[5]), f.ty_span, None);
                } else {
                    field.type_name = Some(name.clone());
                    self.loc(&path_with(fpath, &[6]), f.ty_span, None);
                    self.refs.push(TypeRef {
                        kind: RefKind::FieldType,
                        path: fpath.to_vec(),
                        scope: join(scope, &f.name.name),
                        name: name.clone(),
                        span: f.ty_span,
                        number_span: None,
                        block_span: None,
                        implicit_presence: f.options.as_ref().is_some_and(|co| {
                            co.options.iter().any(|o| {
                                let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
                                names == ["features", "field_presence"]
                                    && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == "IMPLICIT")
                            })
                        }),
                        scalar_type_span: None,
                    });
                }
            }
            FieldType::Map { key, value } => {
                field.label = Some(PLabel::Repeated as i32);
                field.r#type = Some(PType::Message as i32);
                let entry_name = map_entry_name(&f.name.name);
                field.type_name = Some(join(scope, &entry_name));
                self.loc(&path_with(fpath, &[6]), f.ty_span, None);
                let entry_full = join(scope, &entry_name);
                let entry_idx = nested.len() as i32;
                let entry_path = path_with(nested_base, &[entry_idx]);
                let mut entry = DescriptorProto {
                    name: Some(entry_name),
                    options: Some(prost_types::MessageOptions {
                        map_entry: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                for (num, (fname, id)) in [("key", key), ("value", value)].into_iter().enumerate() {
                    let mut ef = FieldDescriptorProto {
                        name: Some(fname.to_string()),
                        number: Some(num as i32 + 1),
                        label: Some(PLabel::Optional as i32),
                        json_name: Some(fname.to_string()),
                        ..Default::default()
                    };
                    if let Some(t) = scalar_type(&id.name) {
                        ef.r#type = Some(t as i32);
                    } else {
                        ef.type_name = Some(id.name.clone());
                        self.refs.push(TypeRef {
                            kind: if num == 0 {
                                RefKind::MapKey
                            } else {
                                RefKind::FieldType
                            },
                            path: path_with(&entry_path, &[2, num as i32]),
                            scope: join(&entry_full, fname),
                            name: id.name.clone(),
                            span: id.span,
                            number_span: None,
                            block_span: None,
                            implicit_presence: false,
                            scalar_type_span: None,
                        });
                    }
                    entry.field.push(ef);
                }
                // The entry's options are written raw (map_entry = true).
                nested.push(entry);
                // Mark the type as an absolute name so linking leaves it alone.
                field.type_name = Some(format!(".{}", join(scope, &map_entry_name(&f.name.name))));
            }
            FieldType::Group => {
                field.r#type = Some(PType::Group as i32);
                // buf records the `group` keyword as the type name's span.
                self.loc(&path_with(fpath, &[6]), f.ty_span, None);
            }
        }
        self.loc(&path_with(fpath, &[1]), f.name.span, None);
        if let Some(n) = &f.number {
            field.number = Some(int_value(n).clamp(i32::MIN as i64, i32::MAX as i64) as i32);
            self.loc(&path_with(fpath, &[3]), n.span, None);
        }
        // Pseudo-options: default and json_name.
        if let Some(co) = &f.options {
            for o in &co.options {
                if o.name.parts.len() == 1 && !o.name.parts[0].is_extension {
                    match o.name.parts[0].name.as_str() {
                        "json_name" => {
                            if let ValueKind::String(s) = &o.value.kind {
                                field.json_name = Some(String::from_utf8_lossy(s).into_owned());
                            }
                            self.loc(&path_with(fpath, &[10]), o.span, None);
                        }
                        "default" => {
                            self.defaults.push((fpath.to_vec(), o.value.clone()));
                            self.loc(&path_with(fpath, &[7]), o.span, None);
                        }
                        _ => {}
                    }
                }
            }
        }
        self.compact_options(&f.options, fpath, 8, OptionTarget::Field, scope, true);
        if let Some(body) = &f.group_body {
            let mut gname = f.name.name.clone();
            if !gname.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.error(
                    f.name.span,
                    "group names must start with an uppercase letter",
                );
                // Name the message apart from its field so that the mistake is
                // reported once, not again as a duplicate or unresolved name.
                let mut chars = gname.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                gname = first.into_iter().chain(chars).collect();
            }
            field.name = Some(gname.to_ascii_lowercase());
            field.json_name = Some(json_name(&gname.to_ascii_lowercase()));
            field.type_name = Some(gname.clone());
            self.refs.push(TypeRef {
                kind: RefKind::FieldType,
                path: fpath.to_vec(),
                scope: join(scope, &gname.to_ascii_lowercase()),
                name: gname.clone(),
                span: f.name.span,
                number_span: None,
                block_span: None,
                implicit_presence: false,
                scalar_type_span: None,
            });
            let idx = nested.len() as i32;
            let gpath = path_with(nested_base, &[idx]);
            self.loc(&gpath, f.span, Some(f.toks));
            self.loc(&path_with(&gpath, &[1]), f.name.span, None);
            let mut gmsg = DescriptorProto {
                name: Some(gname.clone()),
                ..Default::default()
            };
            let gfull = join(scope, &gname);
            self.message_body(body, &mut gmsg, &gpath, &gfull);
            nested.push(gmsg);
        }
        field
    }

    fn enumeration(&mut self, e: &EnumDecl, path: &[i32], scope: &str) -> EnumDescriptorProto {
        self.loc(path, e.span, Some(e.toks));
        self.loc(&path_with(path, &[1]), e.name.span, None);
        let mut en = EnumDescriptorProto {
            name: Some(e.name.name.clone()),
            ..Default::default()
        };
        self.record_visibility(e.visibility, path);
        let full = join(scope, &e.name.name);
        let mut opts = Vec::new();
        for item in &e.items {
            match item {
                EnumItem::Value(v) => {
                    let idx = en.value.len() as i32;
                    let vpath = path_with(path, &[2, idx]);
                    self.loc(&vpath, v.span, Some(v.toks));
                    self.loc(&path_with(&vpath, &[1]), v.name.span, None);
                    let number = v.number.as_ref().map(|n| {
                        self.loc(&path_with(&vpath, &[2]), n.span, None);
                        let val = int_value(n);
                        if val < i32::MIN as i64 || val > i32::MAX as i64 {
                            self.error(n.span, format!("value {val} is out of range for int32"));
                        }
                        val.clamp(i32::MIN as i64, i32::MAX as i64) as i32
                    });
                    // Enum values live in the enum's parent scope.
                    self.compact_options(
                        &v.options,
                        &vpath,
                        3,
                        OptionTarget::EnumValue,
                        &full,
                        false,
                    );
                    en.value.push(EnumValueDescriptorProto {
                        name: Some(v.name.name.clone()),
                        number,
                        options: None,
                    });
                }
                EnumItem::Option(o) => {
                    self.loc(&path_with(path, &[3]), o.span, Some(o.toks));
                    opts.push(o.clone());
                }
                EnumItem::Reserved(r) => {
                    let new = self.reserved(
                        r,
                        path,
                        (4, 5),
                        i32::MAX as i64,
                        false,
                        en.reserved_range.len(),
                        &mut en.reserved_name,
                    );
                    en.reserved_range
                        .extend(new.into_iter().map(|(start, end)| EnumReservedRange {
                            start: Some(start),
                            end: Some(end),
                        }));
                }
                EnumItem::Empty(_) => {}
            }
        }
        if !opts.is_empty() {
            self.options.push(PendingOptions {
                target: OptionTarget::Enum,
                element_path: path.to_vec(),
                options_field: 3,
                scope: full,
                options: opts,
                compact: false,
            });
        }
        en
    }

    fn service(&mut self, s: &ServiceDecl, path: &[i32]) -> ServiceDescriptorProto {
        self.loc(path, s.span, Some(s.toks));
        self.loc(&path_with(path, &[1]), s.name.span, None);
        let full = join(&self.package.clone(), &s.name.name);
        let mut sv = ServiceDescriptorProto {
            name: Some(s.name.name.clone()),
            ..Default::default()
        };
        let mut opts = Vec::new();
        for item in &s.items {
            match item {
                ServiceItem::Method(m) => {
                    let idx = sv.method.len() as i32;
                    let mpath = path_with(path, &[2, idx]);
                    self.loc(&mpath, m.span, Some(m.toks));
                    self.loc(&path_with(&mpath, &[1]), m.name.span, None);
                    let mut md = MethodDescriptorProto {
                        name: Some(m.name.name.clone()),
                        input_type: Some(m.input.name.name.clone()),
                        output_type: Some(m.output.name.name.clone()),
                        ..Default::default()
                    };
                    let mscope = join(&full, &m.name.name);
                    if let Some(st) = m.input.stream {
                        md.client_streaming = Some(true);
                        self.loc(&path_with(&mpath, &[5]), st, None);
                    }
                    self.loc(&path_with(&mpath, &[2]), m.input.name.span, None);
                    if let Some(st) = m.output.stream {
                        md.server_streaming = Some(true);
                        self.loc(&path_with(&mpath, &[6]), st, None);
                    }
                    self.loc(&path_with(&mpath, &[3]), m.output.name.span, None);
                    self.refs.push(TypeRef {
                        kind: RefKind::MethodInput,
                        path: mpath.clone(),
                        scope: mscope.clone(),
                        name: m.input.name.name.clone(),
                        span: m.input.name.span,
                        number_span: None,
                        block_span: None,
                        implicit_presence: false,
                        scalar_type_span: None,
                    });
                    self.refs.push(TypeRef {
                        kind: RefKind::MethodOutput,
                        path: mpath.clone(),
                        scope: mscope,
                        name: m.output.name.name.clone(),
                        span: m.output.name.span,
                        number_span: None,
                        block_span: None,
                        implicit_presence: false,
                        scalar_type_span: None,
                    });
                    if m.has_body && m.options.is_empty() {
                        // buf writes an empty options message for `{}` bodies.
                        md.options = Some(Default::default());
                    }
                    if !m.options.is_empty() {
                        for o in &m.options {
                            self.loc(&path_with(&mpath, &[4]), o.span, Some(o.toks));
                        }
                        self.options.push(PendingOptions {
                            target: OptionTarget::Method,
                            element_path: mpath,
                            options_field: 4,
                            scope: full.clone(),
                            options: m.options.clone(),
                            compact: false,
                        });
                    }
                    sv.method.push(md);
                }
                ServiceItem::Option(o) => {
                    self.loc(&path_with(path, &[3]), o.span, Some(o.toks));
                    opts.push(o.clone());
                }
                ServiceItem::Empty(_) => {}
            }
        }
        if !opts.is_empty() {
            self.options.push(PendingOptions {
                target: OptionTarget::Service,
                element_path: path.to_vec(),
                options_field: 3,
                scope: full,
                options: opts,
                compact: false,
            });
        }
        sv
    }

    /// An `extend` block: its fields are appended to `exts`, and the
    /// messages of any groups among them to `nested` (at `nested_base`).
    fn extend_block(
        &mut self,
        x: &ExtendDecl,
        base: &[i32],
        scope: &str,
        exts: &mut Vec<FieldDescriptorProto>,
        nested: &mut Vec<DescriptorProto>,
        nested_base: &[i32],
    ) {
        self.loc(base, x.span, Some(x.toks));
        for f in &x.fields {
            let idx = exts.len() as i32;
            let fpath = path_with(base, &[idx]);
            self.loc(&path_with(&fpath, &[2]), x.extendee.span, None);
            let mut field = self.field(f, &fpath, scope, None, nested, nested_base);
            field.extendee = Some(x.extendee.name.clone());
            self.refs.push(TypeRef {
                kind: RefKind::Extendee,
                path: fpath.clone(),
                scope: join(scope, &f.name.name),
                name: x.extendee.name.clone(),
                span: x.extendee.span,
                number_span: f.number.as_ref().map(|n| n.span),
                block_span: Some(Span::new(
                    x.span.start,
                    x.span.start + "extend".len() as u32,
                )),
                implicit_presence: false,
                scalar_type_span: match &f.ty {
                    FieldType::Named(n) if scalar_type(n).is_some() => Some(f.ty_span),
                    _ => None,
                },
            });
            exts.push(field);
        }
    }
}

pub fn int_value(i: &IntLit) -> i64 {
    let v = i.value.min(i64::MAX as u64) as i64;
    if i.negative { -v } else { v }
}
