//! Option interpretation: resolves option names (standard fields and custom
//! extensions, nested parts, message literals) against the options messages of
//! descriptor.proto and serializes them the way buf does: Go's deterministic
//! "legacy" field order, i.e. extensions first by number, then ordinary fields
//! by number, then members of real oneofs grouped by oneof.

use rustc_hash::FxHashMap as HashMap;

use super::source_info::LocBuf;
use prost_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

use super::ast::{FieldRef, MessageField, OptionDecl, Span, Value, ValueKind};
use super::diag::Diagnostic;
use super::link::{Resolved, Resolver, SymKind, SymbolTable};
use super::lower::PendingOptions;

/// Read-only view of every file's descriptors, for looking up message and
/// extension definitions by name.
pub struct Schema<'a> {
    pub files: &'a [&'a FileDescriptorProto],
    pub table: &'a SymbolTable,
    /// Per file: which repeated scalar fields are packed, by descriptor path.
    pub packed: &'a [HashMap<Vec<i32>, bool>],
    /// Per file: fields declared with `retention = RETENTION_SOURCE`.
    pub source_retention: &'a [rustc_hash::FxHashSet<Vec<i32>>],
}

#[derive(Clone, Copy)]
pub struct FieldRefInfo<'a> {
    pub field: &'a FieldDescriptorProto,
    pub file: u32,
    pub path: &'a [i32],
    pub is_extension: bool,
    /// Index of the (non-synthetic) oneof holding the field, if any.
    pub oneof: Option<i32>,
}

impl<'a> Schema<'a> {
    pub fn message(&self, full_name: &str) -> Option<(&'a DescriptorProto, u32, &'a [i32])> {
        let name = full_name.strip_prefix('.').unwrap_or(full_name);
        let table: &'a SymbolTable = self.table;
        let sym = table.symbols.get(name)?;
        if sym.kind != SymKind::Message {
            return None;
        }
        let files: &'a [&'a FileDescriptorProto] = self.files;
        let fd: &'a FileDescriptorProto = files.get(sym.file as usize)?;
        super::link::message_at(fd, &sym.path).map(|m| (m, sym.file, sym.path.as_slice()))
    }

    pub fn enum_value(&self, enum_full: &str, value: &str) -> Option<i32> {
        let name = enum_full.strip_prefix('.').unwrap_or(enum_full);
        let sym = self.table.symbols.get(name)?;
        let fd = self.files.get(sym.file as usize)?;
        let e = super::link::enum_at(fd, &sym.path)?;
        e.value
            .iter()
            .find(|v| v.name() == value)
            .map(|v| v.number())
    }

    pub fn extension(&self, full_name: &str) -> Option<FieldRefInfo<'a>> {
        let table: &'a SymbolTable = self.table;
        let sym = table.symbols.get(full_name)?;
        if sym.kind != SymKind::Extension {
            return None;
        }
        let files: &'a [&'a FileDescriptorProto] = self.files;
        let fd: &'a FileDescriptorProto = files.get(sym.file as usize)?;
        let field = super::link::field_at(fd, &sym.path)?;
        Some(FieldRefInfo {
            field,
            file: sym.file,
            path: &sym.path,
            is_extension: true,
            oneof: None,
        })
    }

    /// Key and value types of a map field.
    pub fn map_types(&self, info: &FieldRefInfo<'_>) -> Option<(PType, PType)> {
        if info.field.label() != PLabel::Repeated || info.field.r#type() != PType::Message {
            return None;
        }
        let (m, _, _) = self.message(info.field.type_name())?;
        if !m.options.as_ref().is_some_and(|o| o.map_entry()) {
            return None;
        }
        let key = m.field.iter().find(|f| f.number() == 1)?.r#type();
        let value = m.field.iter().find(|f| f.number() == 2)?.r#type();
        Some((key, value))
    }

    pub fn is_source_retention(&self, info: &FieldRefInfo<'_>) -> bool {
        self.source_retention
            .get(info.file as usize)
            .is_some_and(|s| s.contains(info.path))
    }

    pub fn is_packed(&self, info: &FieldRefInfo<'_>) -> bool {
        self.packed
            .get(info.file as usize)
            .and_then(|m| m.get(info.path))
            .copied()
            .unwrap_or(false)
    }

    pub fn field_by_name(&self, msg_name: &str, field_name: &str) -> Option<FieldRefInfo<'a>> {
        let table: &'a SymbolTable = self.table;
        let (m, file, mpath) = self.message(msg_name)?;
        let sym_name = format!(
            "{}.{}",
            msg_name.strip_prefix('.').unwrap_or(msg_name),
            field_name
        );
        let sym = table.symbols.get(&sym_name)?;
        if sym.kind != SymKind::Field || sym.file != file || !sym.path.starts_with(mpath) {
            return None;
        }
        let idx = *sym.path.last()? as usize;
        let field = m.field.get(idx)?;
        let oneof = field
            .oneof_index
            .filter(|_| field.proto3_optional != Some(true));
        Some(FieldRefInfo {
            field,
            file,
            path: &sym.path,
            is_extension: false,
            oneof,
        })
    }

    /// A group field is named in text format by its message name.
    /// buf names a group field in a literal by its (lowercase) field name,
    /// not by the group's message name as protoc's text format does.
    pub fn field_by_text_name(&self, msg_name: &str, name: &str) -> Option<FieldRefInfo<'a>> {
        self.field_by_name(msg_name, name)
    }
}

/// An option message under construction.
#[derive(Default, Debug)]
struct MsgVal {
    fields: Vec<FieldVal>,
}

#[derive(Debug)]
struct FieldVal {
    number: i32,
    is_extension: bool,
    oneof: Option<i32>,
    ty: PType,
    repeated: bool,
    packed: bool,
    /// Key and value types when the field is a map (its values are entries).
    map: Option<(PType, PType)>,
    /// Declared `retention = RETENTION_SOURCE`: left out of runtime options.
    source_only: bool,
    values: Vec<Val>,
}

#[derive(Debug)]
enum Val {
    Varint(u64),
    Fixed32(u32),
    Fixed64(u64),
    Bytes(Vec<u8>),
    Msg(MsgVal),
}

impl MsgVal {
    fn slot(
        &mut self,
        info: &FieldRefInfo<'_>,
        packed: bool,
        map: Option<(PType, PType)>,
        source_only: bool,
    ) -> &mut FieldVal {
        let number = info.field.number();
        let is_ext = info.is_extension;
        if let Some(i) = self
            .fields
            .iter()
            .position(|f| f.number == number && f.is_extension == is_ext)
        {
            return &mut self.fields[i];
        }
        self.fields.push(FieldVal {
            number,
            is_extension: is_ext,
            oneof: info.oneof,
            ty: info.field.r#type(),
            repeated: info.field.label() == PLabel::Repeated,
            packed,
            map,
            source_only,
            values: Vec::new(),
        });
        let last = self.fields.len() - 1;
        &mut self.fields[last]
    }

    fn encode(&mut self, out: &mut Vec<u8>) {
        self.encode_filtered(out, false);
    }

    /// buf strips source-retention fields of the options message itself,
    /// not fields nested inside its values (e.g. within `features`).
    fn has_source_only(&self) -> bool {
        self.fields.iter().any(|f| f.source_only)
    }

    /// Serializes; with `strip`, top-level fields of source retention are
    /// left out.
    fn encode_filtered(&mut self, out: &mut Vec<u8>, strip: bool) {
        // Go's LegacyFieldOrder.
        self.fields.sort_by(|a, b| {
            let ka = (
                !a.is_extension,
                a.oneof.is_some(),
                a.oneof.unwrap_or(0),
                a.number,
            );
            let kb = (
                !b.is_extension,
                b.oneof.is_some(),
                b.oneof.unwrap_or(0),
                b.number,
            );
            ka.cmp(&kb)
        });
        for f in &mut self.fields {
            if strip && f.source_only {
                continue;
            }
            if let Some((kt, vt)) = f.map {
                normalize_map_entries(&mut f.values, kt, vt);
            }
            let packable = !matches!(
                f.ty,
                PType::String | PType::Bytes | PType::Message | PType::Group
            );
            if f.repeated && f.packed && packable && !f.values.is_empty() {
                let mut body = Vec::new();
                for v in &f.values {
                    match v {
                        Val::Varint(x) => put_varint(&mut body, *x),
                        Val::Fixed32(x) => body.extend_from_slice(&x.to_le_bytes()),
                        Val::Fixed64(x) => body.extend_from_slice(&x.to_le_bytes()),
                        _ => {}
                    }
                }
                put_tag(out, f.number, 2);
                put_varint(out, body.len() as u64);
                out.extend_from_slice(&body);
                continue;
            }
            for v in &mut f.values {
                match v {
                    Val::Varint(x) => {
                        put_tag(out, f.number, 0);
                        put_varint(out, *x);
                    }
                    Val::Fixed32(x) => {
                        put_tag(out, f.number, 5);
                        out.extend_from_slice(&x.to_le_bytes());
                    }
                    Val::Fixed64(x) => {
                        put_tag(out, f.number, 1);
                        out.extend_from_slice(&x.to_le_bytes());
                    }
                    Val::Bytes(b) => {
                        put_tag(out, f.number, 2);
                        put_varint(out, b.len() as u64);
                        out.extend_from_slice(b);
                    }
                    Val::Msg(m) => {
                        let mut body = Vec::new();
                        m.encode_filtered(&mut body, false);
                        if f.ty == PType::Group {
                            put_tag(out, f.number, 3);
                            out.extend_from_slice(&body);
                            put_tag(out, f.number, 4);
                        } else {
                            put_tag(out, f.number, 2);
                            put_varint(out, body.len() as u64);
                            out.extend_from_slice(&body);
                        }
                    }
                }
            }
        }
    }
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_tag(out: &mut Vec<u8>, number: i32, wire: u32) {
    put_varint(out, ((number as u64) << 3) | wire as u64);
}

pub struct Interpreted {
    /// Path of the options field (element path + options field number) and
    /// the serialized options message.
    pub bytes: Vec<(Vec<i32>, Vec<u8>)>,
    /// The locations of option values, without comments.
    pub locations: LocBuf,
    /// Option statements (options path, statement span) whose comments buf
    /// drops: those setting a singular option to a message literal.
    pub uncommented: Vec<(Vec<i32>, Vec<i32>)>,
    /// Options as written without source-retention fields, for the paths
    /// where that differs (`--exclude-source-retention-options`).
    pub runtime: Vec<(Vec<i32>, Vec<u8>)>,
    /// Source-location path prefixes that belong to source-retention options.
    pub source_only_paths: Vec<Vec<i32>>,
}

pub struct Interpreter<'a> {
    pub schema: &'a Schema<'a>,
    pub resolver: &'a Resolver<'a>,
    pub src: &'a str,
    pub lines: &'a super::lexer::LineIndex,
    pub diags: Vec<Diagnostic>,
    /// Location paths of source-retention option values, as found.
    pub source_only_paths: Vec<Vec<i32>>,
    /// Converting the value of an option statement itself, outside any
    /// message literal (where some text-format spellings are not allowed).
    pub top_level: bool,
}

impl<'a> Interpreter<'a> {
    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(span.start, span.end, msg));
    }

    fn span_vec(&self, span: Span) -> Vec<i32> {
        let (values, len) = self.span_values(span);
        values[..len].to_vec()
    }

    fn span_values(&self, span: Span) -> ([i32; 4], usize) {
        self.lines.span_values(self.src, span.start, span.end)
    }

    /// Records a location (no comments) for an option value.
    fn locate(&self, locs: &mut LocBuf, path: &[i32], span: Span) {
        let (values, len) = self.span_values(span);
        locs.push(path, &values[..len], None, None, []);
    }

    pub fn interpret_all(&mut self, pending: &[PendingOptions]) -> Interpreted {
        let found_before = self.source_only_paths.len();
        let mut out = Interpreted {
            bytes: Vec::new(),
            locations: LocBuf::default(),
            uncommented: Vec::new(),
            runtime: Vec::new(),
            source_only_paths: Vec::new(),
        };
        for p in pending {
            let mut root = MsgVal::default();
            let opts_msg = format!(".{}", p.target.message_name());
            let mut counts: HashMap<Vec<i32>, i32> = HashMap::default();
            for o in &p.options {
                let literal =
                    self.interpret_one(o, p, &opts_msg, &mut root, &mut counts, &mut out.locations);
                if literal && !p.compact {
                    let mut stmt_path = p.element_path.clone();
                    stmt_path.push(p.options_field);
                    out.uncommented.push((stmt_path, self.span_vec(o.span)));
                }
            }
            let mut bytes = Vec::new();
            root.encode(&mut bytes);
            let mut path = p.element_path.clone();
            path.push(p.options_field);
            if root.has_source_only() {
                let mut runtime = Vec::new();
                root.encode_filtered(&mut runtime, true);
                if runtime.is_empty() {
                    out.source_only_paths.push(path.clone());
                }
                out.runtime.push((path.clone(), runtime));
            }
            out.bytes.push((path, bytes));
        }
        out.source_only_paths
            .extend(self.source_only_paths.drain(found_before..));
        out
    }

    fn resolve_part(
        &mut self,
        msg_name: &str,
        part: &super::ast::OptionNamePart,
        scope: &str,
    ) -> Option<FieldRefInfo<'a>> {
        let schema: &'a Schema<'a> = self.schema;
        if part.is_extension {
            let found = self
                .resolver
                .lookup(&format!("{scope}.x"), &part.name, false);
            let Some((full, res)) = found else {
                // buf points at the name inside the parentheses.
                let inner = Span::new(
                    part.span.start + 1,
                    part.span.end.saturating_sub(1).max(part.span.start + 1),
                );
                self.error(inner, format!("cannot find `{}` in this scope", part.name));
                return None;
            };
            if !matches!(res, Resolved::Symbol(s) if s.kind == SymKind::Extension) {
                self.error(part.span, format!("`{}` is not an extension", part.name));
                return None;
            }
            let info = schema.extension(&full)?;
            let extendee = info.field.extendee();
            if extendee.strip_prefix('.') != msg_name.strip_prefix('.') {
                self.error(
                    part.span,
                    format!(
                        "expected `{}` extension, found message extension in `{}`",
                        msg_name.trim_start_matches('.'),
                        extendee.trim_start_matches('.')
                    ),
                );
                return None;
            }
            Some(info)
        } else {
            match schema.field_by_name(msg_name, &part.name) {
                Some(f) => Some(f),
                None => {
                    // buf's span starts at the `.` before a nested name.
                    self.error(
                        part.dot.map_or(part.span, |d| d.to(part.span)),
                        format!(
                            "cannot find message field `{}` in `{}`",
                            part.name,
                            msg_name.trim_start_matches('.')
                        ),
                    );
                    None
                }
            }
        }
    }

    fn interpret_one(
        &mut self,
        o: &OptionDecl,
        p: &PendingOptions,
        opts_msg: &str,
        root: &mut MsgVal,
        counts: &mut HashMap<Vec<i32>, i32>,
        locs: &mut LocBuf,
    ) -> bool {
        let mut msg_name = opts_msg.to_string();
        let mut parent_name = msg_name.clone();
        let mut infos = Vec::new();
        for part in &o.name.parts {
            let Some(info) = self.resolve_part(&msg_name, part, &p.scope) else {
                return false;
            };
            parent_name = std::mem::replace(&mut msg_name, info.field.type_name().to_string());
            infos.push(info);
        }
        let Some(last) = infos.last().copied() else {
            return false;
        };
        // Walk/create the nested messages for all but the last part.
        let mut path = p.element_path.clone();
        path.push(p.options_field);
        let mut cur = root;
        for info in &infos[..infos.len() - 1] {
            path.push(info.field.number());
            let slot = cur.slot(info, false, None, self.schema.is_source_retention(info));
            if slot.values.is_empty() {
                slot.values.push(Val::Msg(MsgVal::default()));
            }
            let Some(Val::Msg(m)) = slot.values.last_mut() else {
                return false;
            };
            cur = m;
        }
        path.push(last.field.number());
        // Where the statement's value is (or sits in) a source-retention
        // field, its locations go when such options are excluded.
        let mut prefix = p.element_path.clone();
        prefix.push(p.options_field);
        if let Some(first) = infos.first()
            && self.schema.is_source_retention(first)
        {
            prefix.push(first.field.number());
            self.source_only_paths.push(prefix);
        }
        let repeated = last.field.label() == PLabel::Repeated;
        // buf gives message literals of singular options a name-to-value span
        // and a location per literal field; repeated ones get neither.
        let is_literal = matches!(o.value.kind, ValueKind::Message(_)) && !repeated;
        if repeated {
            // The index counts this field's values across statements, also
            // when reached through a nested name (`(a).list = ...`).
            let c = counts.entry(path.clone()).or_insert(0);
            path.push(*c);
            *c += 1;
        }
        let loc_span = if p.compact {
            o.span
        } else if is_literal {
            Span::new(o.name.span.start, o.value.span.end)
        } else {
            o.span
        };
        self.locate(locs, &path, loc_span);
        let packed = self.schema.is_packed(&last);
        let before = self.diags.len();
        let child_locs = if is_literal {
            Some((&path, &mut *locs))
        } else {
            None
        };
        let already_set = cur.fields.iter().any(|f| {
            f.number == last.field.number()
                && f.is_extension == last.is_extension
                && !f.values.is_empty()
        });
        if !repeated && already_set && !matches!(o.value.kind, ValueKind::Message(_)) {
            let full = field_full_name(&parent_name, &last);
            self.error(
                o.name.span,
                format!("message field `{full}` set multiple times"),
            );
            return false;
        }
        self.top_level = true;
        let val = self.convert(&o.value, &last, &p.scope, child_locs);
        self.top_level = false;
        if let Some(v) = val {
            let slot = cur.slot(
                &last,
                packed,
                self.schema.map_types(&last),
                self.schema.is_source_retention(&last),
            );
            match v {
                Conv::One(v) => slot.values.push(v),
                Conv::Many(vs) => slot.values.extend(vs),
            }
        } else if self.diags.len() == before {
            self.error(o.value.span, "invalid option value");
        }
        is_literal
    }

    fn convert(
        &mut self,
        v: &Value,
        info: &FieldRefInfo<'_>,
        scope: &str,
        locs: Option<(&Vec<i32>, &mut LocBuf)>,
    ) -> Option<Conv> {
        let ty = info.field.r#type();
        let fname = info.field.name();
        if let ValueKind::List(items) = &v.kind {
            if info.field.label() != PLabel::Repeated {
                self.error(
                    v.span,
                    format!("value for non-repeated field `{fname}` cannot be a list"),
                );
                return None;
            }
            let mut out = Vec::new();
            let mut failed = false;
            for it in items {
                match self.convert(it, info, scope, None) {
                    Some(Conv::One(x)) => out.push(x),
                    Some(Conv::Many(xs)) => out.extend(xs),
                    None => failed = true,
                }
            }
            return (!failed).then_some(Conv::Many(out));
        }
        let val = match ty {
            PType::Message | PType::Group => {
                let ValueKind::Message(fields) = &v.kind else {
                    self.error(
                        v.span,
                        format!("field `{fname}` is a message; expected `{{`"),
                    );
                    return None;
                };
                let mut m = MsgVal::default();
                self.top_level = false;
                self.literal(fields, info.field.type_name(), scope, &mut m, locs)?;
                Val::Msg(m)
            }
            PType::Bool => match &v.kind {
                ValueKind::Ident {
                    name,
                    negative: false,
                } if name == "true" || name == "false" => Val::Varint(u64::from(name == "true")),
                // Text format's other spellings, allowed in message literals only.
                ValueKind::Ident {
                    name,
                    negative: false,
                } if matches!(name.as_str(), "True" | "t" | "False" | "f") => {
                    if self.top_level {
                        self.error(
                            v.span,
                            "non-canonical `bool` literal outside of message expression",
                        );
                        return None;
                    }
                    Val::Varint(u64::from(matches!(name.as_str(), "True" | "t")))
                }
                _ => {
                    self.error(v.span, "mismatched types");
                    return None;
                }
            },
            PType::Enum => match &v.kind {
                ValueKind::Ident {
                    name,
                    negative: false,
                } => {
                    let Some(n) = self.schema.enum_value(info.field.type_name(), name) else {
                        self.error(
                            v.span,
                            format!(
                                "enum `{}` has no value named `{name}`",
                                info.field.type_name().trim_start_matches('.')
                            ),
                        );
                        return None;
                    };
                    Val::Varint(n as i64 as u64)
                }
                // buf accepts a number in place of an enum value name.
                ValueKind::Int { value, negative }
                    if *value <= i32::MAX as u64 + u64::from(*negative) =>
                {
                    let n = if *negative {
                        -(*value as i64)
                    } else {
                        *value as i64
                    };
                    Val::Varint(n as u64)
                }
                _ => {
                    self.error(v.span, "mismatched types");
                    return None;
                }
            },
            PType::String | PType::Bytes => match &v.kind {
                ValueKind::String(s) => {
                    if ty == PType::String && std::str::from_utf8(s).is_err() {
                        self.error(v.span, "string value is not valid UTF-8");
                        return None;
                    }
                    Val::Bytes(s.clone())
                }
                _ => {
                    self.error(v.span, "mismatched types");
                    return None;
                }
            },
            PType::Float | PType::Double => {
                let f = match &v.kind {
                    ValueKind::Int { value, negative } => {
                        let f = *value as f64;
                        if *negative { -f } else { f }
                    }
                    ValueKind::Float(f) => *f,
                    ValueKind::Ident { name, negative } => {
                        let f = match name.to_ascii_lowercase().as_str() {
                            "inf" | "infinity" => f64::INFINITY,
                            "nan" => f64::NAN,
                            _ => {
                                self.error(v.span, "mismatched types");
                                return None;
                            }
                        };
                        if *negative { -f } else { f }
                    }
                    _ => {
                        self.error(v.span, "mismatched types");
                        return None;
                    }
                };
                if ty == PType::Float {
                    Val::Fixed32((f as f32).to_bits())
                } else {
                    Val::Fixed64(f.to_bits())
                }
            }
            _ => {
                let ValueKind::Int { value, negative } = &v.kind else {
                    self.error(v.span, "mismatched types");
                    return None;
                };
                let (value, negative) = (*value, *negative);
                let signed: i128 = if negative {
                    -(value as i128)
                } else {
                    value as i128
                };
                let (lo, hi): (i128, i128) = match ty {
                    PType::Int32 | PType::Sint32 | PType::Sfixed32 => {
                        (i32::MIN as i128, i32::MAX as i128)
                    }
                    PType::Int64 | PType::Sint64 | PType::Sfixed64 => {
                        (i64::MIN as i128, i64::MAX as i128)
                    }
                    PType::Uint32 | PType::Fixed32 => (0, u32::MAX as i128),
                    _ => (0, u64::MAX as i128),
                };
                if signed < lo || signed > hi {
                    self.error(
                        v.span,
                        format!(
                            "literal out of range for `{}`",
                            super::defaults::type_keyword(ty)
                        ),
                    );
                    return None;
                }
                match ty {
                    PType::Sint32 | PType::Sint64 => {
                        let s = signed as i64;
                        Val::Varint(((s << 1) ^ (s >> 63)) as u64)
                    }
                    PType::Fixed32 | PType::Sfixed32 => Val::Fixed32(signed as i32 as u32),
                    PType::Fixed64 | PType::Sfixed64 => Val::Fixed64(signed as i64 as u64),
                    _ => Val::Varint(signed as i64 as u64),
                }
            }
        };
        Some(Conv::One(val))
    }

    fn literal(
        &mut self,
        fields: &[MessageField],
        msg_name: &str,
        scope: &str,
        out: &mut MsgVal,
        mut locs: Option<(&Vec<i32>, &mut LocBuf)>,
    ) -> Option<()> {
        let schema: &'a Schema<'a> = self.schema;
        let mut counts: HashMap<(i32, bool), i32> = HashMap::default();
        let mut seen: Vec<(i32, bool)> = Vec::new();
        // Like buf, report every bad field of the literal, not just the first.
        let mut failed = false;
        for f in fields {
            let info = match &f.name {
                FieldRef::Dangling(_) | FieldRef::Name(_) => {
                    let found = match &f.name {
                        FieldRef::Name(n) => schema.field_by_text_name(msg_name, n),
                        _ => None,
                    };
                    let Some(i) = found else {
                        self.error(
                            f.span,
                            format!(
                                "cannot resolve message field name for `{}`",
                                msg_name.trim_start_matches('.')
                            ),
                        );
                        failed = true;
                        continue;
                    };
                    i
                }
                FieldRef::Extension(n) => {
                    let found = self.resolver.lookup(&format!("{scope}.x"), n, false);
                    match found.and_then(|(full, _)| schema.extension(&full)) {
                        Some(i) => i,
                        None => {
                            self.error(f.name_span, format!("cannot find extension `{n}`"));
                            failed = true;
                            continue;
                        }
                    }
                }
                FieldRef::Any {
                    url_prefix,
                    type_name,
                } => {
                    // google.protobuf.Any: type_url = 1, value = 2.
                    let Some(found) = self.resolver.lookup(&format!("{scope}.x"), type_name, true)
                    else {
                        self.error(f.name_span, format!("cannot find message `{type_name}`"));
                        return None;
                    };
                    let ValueKind::Message(inner) = &f.value.kind else {
                        self.error(f.value.span, "expected message value for Any");
                        return None;
                    };
                    let mut m = MsgVal::default();
                    self.literal(inner, &format!(".{}", found.0), scope, &mut m, None)?;
                    let mut body = Vec::new();
                    m.encode(&mut body);
                    let url = format!("{url_prefix}/{}", found.0);
                    out.fields.push(FieldVal {
                        number: 1,
                        is_extension: false,
                        oneof: None,
                        ty: PType::String,
                        repeated: false,
                        packed: false,
                        map: None,
                        source_only: false,
                        values: vec![Val::Bytes(url.into_bytes())],
                    });
                    out.fields.push(FieldVal {
                        number: 2,
                        is_extension: false,
                        oneof: None,
                        ty: PType::Bytes,
                        repeated: false,
                        packed: false,
                        map: None,
                        source_only: false,
                        values: vec![Val::Bytes(body)],
                    });
                    continue;
                }
            };
            if info.field.label() != PLabel::Repeated {
                let key = (info.field.number(), info.is_extension);
                if seen.contains(&key) {
                    let full = field_full_name(msg_name, &info);
                    self.error(
                        f.name_span,
                        format!("message field `{full}` set multiple times"),
                    );
                    failed = true;
                    continue;
                }
            }
            // buf's locations inside a literal: a repeated field gets one per
            // value (`[field, index]`, no deeper); a singular message field
            // gets none itself but its fields do; any other field gets one.
            let repeated = info.field.label() == PLabel::Repeated;
            let singular_msg = !repeated && matches!(f.value.kind, ValueKind::Message(_));
            let mut child_path = None;
            if let Some((base, l)) = locs.as_mut() {
                let mut p = (*base).clone();
                p.push(info.field.number());
                if singular_msg {
                    child_path = Some(p);
                } else if repeated {
                    // A list gets one location spanning `name: [...]`;
                    // an empty list gets none.
                    let items: Vec<Span> = match &f.value.kind {
                        ValueKind::List(items) if items.is_empty() => vec![],
                        _ => vec![f.span],
                    };
                    for span in items {
                        let c = counts
                            .entry((info.field.number(), info.is_extension))
                            .or_insert(0);
                        let mut ip = p.clone();
                        ip.push(*c);
                        *c += 1;
                        self.locate(l, &ip, span);
                    }
                } else {
                    self.locate(l, &p, f.span);
                }
            }
            let packed = schema.is_packed(&info);
            let conv = match (&child_path, locs.as_mut()) {
                (Some(cp), Some((_, l))) => {
                    self.convert(&f.value, &info, scope, Some((cp, &mut **l)))
                }
                _ => self.convert(&f.value, &info, scope, None),
            };
            let Some(conv) = conv else {
                failed = true;
                continue;
            };
            // A field whose value failed is not set (buf does not then
            // report a later occurrence as set twice).
            if !repeated {
                seen.push((info.field.number(), info.is_extension));
            }
            let slot = out.slot(
                &info,
                packed,
                schema.map_types(&info),
                schema.is_source_retention(&info),
            );
            match conv {
                Conv::One(v) => slot.values.push(v),
                Conv::Many(vs) => slot.values.extend(vs),
            }
        }
        (!failed).then_some(())
    }
}

enum Conv {
    One(Val),
    Many(Vec<Val>),
}

fn zero_value(ty: PType) -> Val {
    match ty {
        PType::String | PType::Bytes => Val::Bytes(Vec::new()),
        PType::Message | PType::Group => Val::Msg(MsgVal::default()),
        PType::Float | PType::Fixed32 | PType::Sfixed32 => Val::Fixed32(0),
        PType::Double | PType::Fixed64 | PType::Sfixed64 => Val::Fixed64(0),
        _ => Val::Varint(0),
    }
}

/// Go writes map entries sorted by key, each with both key and value, even
/// when they hold zero values.
fn normalize_map_entries(values: &mut [Val], kt: PType, vt: PType) {
    for v in values.iter_mut() {
        let Val::Msg(entry) = v else { continue };
        for (number, ty) in [(1, kt), (2, vt)] {
            if !entry
                .fields
                .iter()
                .any(|f| f.number == number && !f.is_extension)
            {
                entry.fields.push(FieldVal {
                    number,
                    is_extension: false,
                    oneof: None,
                    ty,
                    repeated: false,
                    packed: false,
                    map: None,
                    source_only: false,
                    values: vec![zero_value(ty)],
                });
            }
        }
    }
    values.sort_by_cached_key(|v| map_sort_key(v, kt));
}

/// Orders keys as Go's deterministic marshaling does: strings bytewise,
/// integers numerically (signed types as signed), false before true.
fn map_sort_key(v: &Val, kt: PType) -> (i128, Vec<u8>) {
    let Val::Msg(entry) = v else {
        return (0, Vec::new());
    };
    let Some(key) = entry
        .fields
        .iter()
        .find(|f| f.number == 1)
        .and_then(|f| f.values.last())
    else {
        return (0, Vec::new());
    };
    match key {
        Val::Bytes(b) => (0, b.clone()),
        Val::Varint(x) => {
            let n: i128 = match kt {
                PType::Int32 | PType::Int64 => i128::from(*x as i64),
                PType::Sint32 | PType::Sint64 => i128::from(((x >> 1) as i64) ^ -((x & 1) as i64)),
                _ => i128::from(*x),
            };
            (n, Vec::new())
        }
        Val::Fixed32(x) => (
            if kt == PType::Sfixed32 {
                i128::from(*x as i32)
            } else {
                i128::from(*x)
            },
            Vec::new(),
        ),
        Val::Fixed64(x) => (
            if kt == PType::Sfixed64 {
                i128::from(*x as i64)
            } else {
                i128::from(*x)
            },
            Vec::new(),
        ),
        Val::Msg(_) => (0, Vec::new()),
    }
}

/// A field's full name for messages: `pkg.Msg.field`, or the extension's
/// own full name.
fn field_full_name(msg_name: &str, info: &FieldRefInfo<'_>) -> String {
    let msg = msg_name.trim_start_matches('.');
    format!("{msg}.{}", info.field.name())
}

/// `features` in FieldOptions.
const FIELD_OPTIONS_FEATURES: u64 = 21;

/// protoc and buf give the key and value fields of a map entry the map
/// field's `features` (and nothing else of its options), so features resolve
/// on them as on the map field: `map<string, string> m = 1
/// [features.utf8_validation = NONE]` validates neither keys nor values.
/// Adds those options to `raw` (and to `runtime` where the map field's differ
/// there), keyed by the entry fields' options paths.
pub fn copy_map_entry_features(
    fd: &FileDescriptorProto,
    raw: &mut Vec<(Vec<i32>, Vec<u8>)>,
    runtime: &mut Vec<(Vec<i32>, Vec<u8>)>,
) {
    let mut copies = Vec::new();
    let scope = fd
        .package
        .as_deref()
        .map(|p| format!(".{p}"))
        .unwrap_or_default();
    for (i, m) in fd.message_type.iter().enumerate() {
        map_entry_fields(m, &scope, &mut vec![4, i as i32], &mut copies);
    }
    for (field, entry_fields) in copies {
        for options in [&mut *raw, &mut *runtime] {
            let Some(record) = options
                .iter()
                .find(|(p, _)| *p == field)
                .and_then(|(_, b)| features_record(b))
                .map(<[u8]>::to_vec)
            else {
                continue;
            };
            options.extend(entry_fields.iter().map(|p| (p.clone(), record.clone())));
        }
    }
}

/// For every map field under `m` (at `path`), its options path and the
/// options paths of its entry's fields.
fn map_entry_fields(
    m: &DescriptorProto,
    scope: &str,
    path: &mut Vec<i32>,
    out: &mut Vec<(Vec<i32>, Vec<Vec<i32>>)>,
) {
    let full = format!("{scope}.{}", m.name());
    for (i, f) in m.field.iter().enumerate() {
        let Some(j) = m.nested_type.iter().position(|n| {
            n.options.as_ref().and_then(|o| o.map_entry) == Some(true)
                && f.type_name()
                    .strip_prefix(full.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    == Some(n.name())
        }) else {
            continue;
        };
        let entry = &m.nested_type[j];
        let field_options = [path.as_slice(), &[2, i as i32, 8]].concat();
        let entry_options = (0..entry.field.len())
            .map(|k| [path.as_slice(), &[3, j as i32, 2, k as i32, 8]].concat())
            .collect();
        out.push((field_options, entry_options));
    }
    for (j, n) in m.nested_type.iter().enumerate() {
        path.extend([3, j as i32]);
        map_entry_fields(n, &full, path, out);
        path.truncate(path.len() - 2);
    }
}

/// The `features` record (tag included) of serialized FieldOptions; Go's
/// deterministic marshalling writes a message field as one record.
fn features_record(options: &[u8]) -> Option<&[u8]> {
    let mut rest = options;
    while !rest.is_empty() {
        let (key, after) = get_varint(rest)?;
        let after = match key & 7 {
            0 => get_varint(after)?.1,
            1 => after.get(8..)?,
            5 => after.get(4..)?,
            2 => {
                let (len, after) = get_varint(after)?;
                after.get(usize::try_from(len).ok()?..)?
            }
            _ => return None,
        };
        if key == (FIELD_OPTIONS_FEATURES << 3 | 2) {
            return options.get(options.len() - rest.len()..options.len() - after.len());
        }
        rest = after;
    }
    None
}

/// A varint at the start of `b` and the bytes after it.
fn get_varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Some((v, b.get(i + 1..)?));
        }
    }
    None
}
