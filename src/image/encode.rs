//! Writes a `FileDescriptorProto` in field-number order, as Go's generated
//! code does, taking every options message from the interpreter's bytes so
//! custom options and their order survive exactly.

use rustc_hash::FxHashMap as HashMap;

use prost::Message;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, MethodDescriptorProto,
    ServiceDescriptorProto,
};

use crate::compiler::CompiledFile;
use crate::compiler::options::{put_tag, put_varint};

struct Enc<'a> {
    raw: HashMap<&'a [i32], &'a [u8]>,
    /// With `--exclude-source-retention-options`: the runtime encodings that
    /// replace `raw` (empty: write no options message).
    runtime: HashMap<&'a [i32], &'a [u8]>,
    visibility: HashMap<&'a [i32], i32>,
    path: Vec<i32>,
}

fn put_str(out: &mut Vec<u8>, n: i32, s: &str) {
    put_tag(out, n, 2);
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}
fn put_int(out: &mut Vec<u8>, n: i32, v: i32) {
    put_tag(out, n, 0);
    put_varint(out, v as i64 as u64);
}
fn put_bool(out: &mut Vec<u8>, n: i32, v: bool) {
    put_tag(out, n, 0);
    put_varint(out, u64::from(v));
}
fn put_msg(out: &mut Vec<u8>, n: i32, body: &[u8]) {
    put_tag(out, n, 2);
    put_varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

impl Enc<'_> {
    fn child<F: FnOnce(&mut Self, &mut Vec<u8>)>(
        &mut self,
        out: &mut Vec<u8>,
        field: i32,
        idx: Option<usize>,
        f: F,
    ) {
        let depth = self.path.len();
        self.path.push(field);
        if let Some(i) = idx {
            self.path.push(i as i32);
        }
        let mut body = Vec::new();
        f(self, &mut body);
        self.path.truncate(depth);
        put_msg(out, field, &body);
    }

    /// Writes the options field `n` below the current path: raw bytes when the
    /// interpreter produced them, otherwise the typed message (e.g. map_entry).
    fn options<M: Message>(&mut self, out: &mut Vec<u8>, n: i32, typed: Option<&M>) {
        self.path.push(n);
        if let Some(runtime) = self.runtime.get(self.path.as_slice()) {
            if !runtime.is_empty() {
                put_msg(out, n, runtime);
            }
        } else if let Some(raw) = self.raw.get(self.path.as_slice()) {
            put_msg(out, n, raw);
        } else if let Some(m) = typed {
            put_msg(out, n, &m.encode_to_vec());
        }
        self.path.pop();
    }

    fn message(&mut self, m: &DescriptorProto, out: &mut Vec<u8>) {
        if let Some(v) = &m.name {
            put_str(out, 1, v);
        }
        for (i, f) in m.field.iter().enumerate() {
            self.child(out, 2, Some(i), |e, o| e.field(f, o));
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            self.child(out, 3, Some(i), |e, o| e.message(n, o));
        }
        for (i, en) in m.enum_type.iter().enumerate() {
            self.child(out, 4, Some(i), |e, o| e.enumeration(en, o));
        }
        for (i, r) in m.extension_range.iter().enumerate() {
            self.child(out, 5, Some(i), |e, o| {
                if let Some(v) = r.start {
                    put_int(o, 1, v);
                }
                if let Some(v) = r.end {
                    put_int(o, 2, v);
                }
                e.options(o, 3, r.options.as_ref());
            });
        }
        for (i, f) in m.extension.iter().enumerate() {
            self.child(out, 6, Some(i), |e, o| e.field(f, o));
        }
        self.options(out, 7, m.options.as_ref());
        for (i, od) in m.oneof_decl.iter().enumerate() {
            self.child(out, 8, Some(i), |e, o| {
                if let Some(v) = &od.name {
                    put_str(o, 1, v);
                }
                e.options(o, 2, od.options.as_ref());
            });
        }
        for r in &m.reserved_range {
            put_msg(out, 9, &r.encode_to_vec());
        }
        for n in &m.reserved_name {
            put_str(out, 10, n);
        }
        if let Some(&v) = self.visibility.get(self.path.as_slice()) {
            put_int(out, 11, v);
        }
    }

    fn field(&mut self, f: &FieldDescriptorProto, out: &mut Vec<u8>) {
        if let Some(v) = &f.name {
            put_str(out, 1, v);
        }
        if let Some(v) = &f.extendee {
            put_str(out, 2, v);
        }
        if let Some(v) = f.number {
            put_int(out, 3, v);
        }
        if let Some(v) = f.label {
            put_int(out, 4, v);
        }
        if let Some(v) = f.r#type {
            put_int(out, 5, v);
        }
        if let Some(v) = &f.type_name {
            put_str(out, 6, v);
        }
        if let Some(v) = &f.default_value {
            put_str(out, 7, v);
        }
        self.options(out, 8, f.options.as_ref());
        if let Some(v) = f.oneof_index {
            put_int(out, 9, v);
        }
        if let Some(v) = &f.json_name {
            put_str(out, 10, v);
        }
        if let Some(v) = f.proto3_optional {
            put_bool(out, 17, v);
        }
    }

    fn enumeration(&mut self, e: &EnumDescriptorProto, out: &mut Vec<u8>) {
        if let Some(v) = &e.name {
            put_str(out, 1, v);
        }
        for (i, v) in e.value.iter().enumerate() {
            self.child(out, 2, Some(i), |en, o| {
                if let Some(n) = &v.name {
                    put_str(o, 1, n);
                }
                if let Some(n) = v.number {
                    put_int(o, 2, n);
                }
                en.options(o, 3, v.options.as_ref());
            });
        }
        self.options(out, 3, e.options.as_ref());
        for r in &e.reserved_range {
            put_msg(out, 4, &r.encode_to_vec());
        }
        for n in &e.reserved_name {
            put_str(out, 5, n);
        }
        if let Some(&v) = self.visibility.get(self.path.as_slice()) {
            put_int(out, 6, v);
        }
    }

    fn service(&mut self, s: &ServiceDescriptorProto, out: &mut Vec<u8>) {
        if let Some(v) = &s.name {
            put_str(out, 1, v);
        }
        for (i, m) in s.method.iter().enumerate() {
            self.child(out, 2, Some(i), |e, o| e.method(m, o));
        }
        self.options(out, 3, s.options.as_ref());
    }

    fn method(&mut self, m: &MethodDescriptorProto, out: &mut Vec<u8>) {
        if let Some(v) = &m.name {
            put_str(out, 1, v);
        }
        if let Some(v) = &m.input_type {
            put_str(out, 2, v);
        }
        if let Some(v) = &m.output_type {
            put_str(out, 3, v);
        }
        self.options(out, 4, m.options.as_ref());
        if let Some(v) = m.client_streaming {
            put_bool(out, 5, v);
        }
        if let Some(v) = m.server_streaming {
            put_bool(out, 6, v);
        }
    }
}

/// Appends the serialized `FileDescriptorProto` of `f` to `out`; with
/// `strip_source_retention`, options of source retention (and their source
/// locations) are left out.
pub fn encode_file(
    f: &CompiledFile,
    with_source_info: bool,
    strip_source_retention: bool,
    out: &mut Vec<u8>,
) {
    encode(f, with_source_info, strip_source_retention, out);
}

fn encode(
    f: &CompiledFile,
    with_source_info: bool,
    strip_source_retention: bool,
    out: &mut Vec<u8>,
) {
    let fd = &f.fd;
    let mut e = Enc {
        raw: f
            .raw_options
            .iter()
            .map(|(p, b)| (p.as_slice(), b.as_slice()))
            .collect(),
        runtime: if strip_source_retention {
            f.runtime_options
                .iter()
                .map(|(p, b)| (p.as_slice(), b.as_slice()))
                .collect()
        } else {
            HashMap::default()
        },
        visibility: f
            .extra
            .visibility
            .iter()
            .map(|(p, v)| (p.as_slice(), *v))
            .collect(),
        path: Vec::new(),
    };
    if let Some(v) = &fd.name {
        put_str(out, 1, v);
    }
    if let Some(v) = &fd.package {
        put_str(out, 2, v);
    }
    for d in &fd.dependency {
        put_str(out, 3, d);
    }
    for (i, m) in fd.message_type.iter().enumerate() {
        e.child(out, 4, Some(i), |e, o| e.message(m, o));
    }
    for (i, en) in fd.enum_type.iter().enumerate() {
        e.child(out, 5, Some(i), |e, o| e.enumeration(en, o));
    }
    for (i, s) in fd.service.iter().enumerate() {
        e.child(out, 6, Some(i), |e, o| e.service(s, o));
    }
    for (i, x) in fd.extension.iter().enumerate() {
        e.child(out, 7, Some(i), |e, o| e.field(x, o));
    }
    e.options(out, 8, fd.options.as_ref());
    if with_source_info && let Some(info) = &f.source_info {
        let ext = if f.type_filtered {
            Vec::new()
        } else {
            source_info_extension(f)
        };
        let strip = strip_source_retention && !f.source_only_paths.is_empty();
        let stripped;
        let entries = if strip {
            stripped =
                info.filtered(|l| !f.source_only_paths.iter().any(|p| l.path_starts_with(p)));
            stripped.encoded()
        } else {
            info.encoded()
        };
        put_tag(out, 9, 2);
        put_varint(out, (ext.len() + entries.len()) as u64);
        out.extend_from_slice(&ext);
        out.extend_from_slice(entries);
    }
    for &d in &fd.public_dependency {
        put_int(out, 10, d);
    }
    for &d in &fd.weak_dependency {
        put_int(out, 11, d);
    }
    if let Some(v) = &fd.syntax {
        put_str(out, 12, v);
    }
    if let Some(v) = f.extra.edition {
        put_int(out, 14, v);
    }
    for d in &f.extra.option_dependency {
        put_str(out, 15, d);
    }
}

/// buf's `SourceCodeInfoExtension` (extension 536000000 of SourceCodeInfo,
/// written before the locations): `is_syntax_unspecified` (2) and the packed
/// `unused_dependency` indexes (3). Empty when there is nothing to say.
fn source_info_extension(f: &CompiledFile) -> Vec<u8> {
    let mut body = Vec::new();
    if f.syntax_unspecified {
        put_bool(&mut body, 2, true);
    }
    if !f.unused_dependencies.is_empty() {
        let mut packed = Vec::new();
        for &d in &f.unused_dependencies {
            put_varint(&mut packed, d as i64 as u64);
        }
        put_msg(&mut body, 3, &packed);
    }
    let mut out = Vec::new();
    if !body.is_empty() {
        put_msg(&mut out, 536_000_000, &body);
    }
    out
}
