//! Images in the readable formats buf writes: JSON (protojson), text format
//! and YAML. The binary image is decoded as a dynamic message against a pool
//! made of the image's own files, so custom options print by name.

use std::sync::Arc;

use prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, ReflectMessage, SerializeOptions, Value,
};

use super::{Image, WriteOptions};
use crate::compiler::{self, SourceFile};

/// The formats `-o` understands, chosen by file extension as buf does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Binpb,
    Json,
    Txtpb,
    Yaml,
}

impl Format {
    /// `.json`, `.txtpb` and `.yaml` select those formats; anything else
    /// (including `.binpb`, `.bin` and `-`) is binary.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".txtpb") {
            Format::Txtpb
        } else if lower.ends_with(".yaml") {
            Format::Yaml
        } else {
            Format::Binpb
        }
    }
}

/// JSON rendering choices (`#use_proto_names=true`, `#use_enum_numbers=true`).
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonOptions {
    pub use_proto_names: bool,
    pub use_enum_numbers: bool,
}

const IMAGE_SCHEMA: &str = include_str!("schema/image.proto");

/// Renders `image` (written with `opts`) in `format`.
pub fn render(
    image: &Image,
    opts: WriteOptions,
    format: Format,
    json: JsonOptions,
) -> Result<Vec<u8>, String> {
    render_with_schema(image, image, opts, format, json)
}

/// [`render`] for an image whose descriptors may be trimmed (`build --type`
/// keeps only parts of descriptor.proto): the custom options are resolved
/// against `schema`, the whole image it was cut from.
pub fn render_with_schema(
    image: &Image,
    schema: &Image,
    opts: WriteOptions,
    format: Format,
    json: JsonOptions,
) -> Result<Vec<u8>, String> {
    let binary = image.to_binary(opts);
    if format == Format::Binpb {
        return Ok(binary);
    }
    // All files at once when prost-reflect takes them (linear); file by file
    // otherwise (quadratic, but it skips the files it rejects).
    let pool = match super::read::image_pool(schema) {
        Some(pool) => pool,
        None => pool_for(schema)?,
    };
    let type_name = if opts.as_file_descriptor_set {
        "google.protobuf.FileDescriptorSet"
    } else {
        "buf.alpha.image.v1.Image"
    };
    let desc = pool
        .get_message_by_name(type_name)
        .ok_or_else(|| format!("internal: no {type_name} in the descriptor pool"))?;
    let message = DynamicMessage::decode(desc, binary.as_slice())
        .map_err(|e| format!("decode image: {e}"))?;
    match format {
        // Compact, without a trailing newline, as buf writes it.
        Format::Json => to_json(&message, json),
        Format::Yaml => {
            let value: serde_json::Value =
                serde_json::from_slice(&to_json(&message, json)?).map_err(|e| e.to_string())?;
            serde_norway::to_string(&value)
                .map(String::into_bytes)
                .map_err(|e| e.to_string())
        }
        Format::Txtpb => {
            let mut s = String::new();
            write_text(&message, 0, &mut s);
            Ok(s.into_bytes())
        }
        Format::Binpb => Ok(binary),
    }
}

/// JSON as Go's protojson writes it: fields in declaration order, then
/// extensions by full name, map entries by key. The well-known types, which
/// have JSON forms of their own, are written by prost-reflect.
fn to_json(message: &DynamicMessage, json: JsonOptions) -> Result<Vec<u8>, String> {
    let options = SerializeOptions::new()
        .use_proto_field_name(json.use_proto_names)
        .use_enum_numbers(json.use_enum_numbers);
    let mut out = Vec::new();
    json_message(message, json, &options, &mut out)?;
    Ok(out)
}

fn json_message(
    message: &DynamicMessage,
    json: JsonOptions,
    options: &SerializeOptions,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let desc = message.descriptor();
    if has_special_json(desc.full_name()) {
        let mut ser = serde_json::Serializer::with_formatter(&mut *out, GoFloats);
        return message
            .serialize_with_options(&mut ser, options)
            .map_err(|e| format!("encode JSON: {e}"));
    }
    let (fields, extensions) = ordered_fields(message);
    out.push(b'{');
    let mut first = true;
    let entries = fields
        .into_iter()
        .map(|(f, v)| {
            let key = if json.use_proto_names {
                f.name().to_string()
            } else {
                f.json_name().to_string()
            };
            (key, f.kind(), v)
        })
        .chain(
            extensions
                .into_iter()
                .map(|(x, v)| (format!("[{}]", x.full_name()), x.kind(), v)),
        );
    for (key, kind, value) in entries {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        json_string(&key, out);
        out.push(b':');
        json_value(&kind, value, json, options, out)?;
    }
    out.push(b'}');
    Ok(())
}

fn json_value(
    kind: &Kind,
    value: &Value,
    json: JsonOptions,
    options: &SerializeOptions,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    match value {
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_value(kind, item, json, options, out)?;
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let value_kind = kind
                .as_message()
                .map(|entry| entry.map_entry_value_field().kind());
            let mut sorted: Vec<_> = entries.iter().collect();
            sorted.sort_by_key(|(k, _)| *k);
            out.push(b'{');
            for (i, (key, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let key = match key {
                    prost_reflect::MapKey::Bool(b) => b.to_string(),
                    prost_reflect::MapKey::I32(n) => n.to_string(),
                    prost_reflect::MapKey::I64(n) => n.to_string(),
                    prost_reflect::MapKey::U32(n) => n.to_string(),
                    prost_reflect::MapKey::U64(n) => n.to_string(),
                    prost_reflect::MapKey::String(s) => s.clone(),
                };
                json_string(&key, out);
                out.push(b':');
                if let Some(k) = &value_kind {
                    json_value(k, v, json, options, out)?;
                }
            }
            out.push(b'}');
        }
        Value::Message(m) => json_message(m, json, options, out)?,
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::I32(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::U32(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::I64(n) => json_string(&n.to_string(), out),
        Value::U64(n) => json_string(&n.to_string(), out),
        Value::F32(x) => json_float(
            f64::from(*x),
            f64::from(x.abs()),
            &x.to_string(),
            &format!("{x:e}"),
            out,
        ),
        Value::F64(x) => json_float(*x, x.abs(), &x.to_string(), &format!("{x:e}"), out),
        Value::String(s) => json_string(s, out),
        Value::Bytes(b) => {
            use base64::Engine as _;
            json_string(&base64::engine::general_purpose::STANDARD.encode(b), out);
        }
        Value::EnumNumber(n) => {
            let name = kind
                .as_enum()
                .and_then(|e| e.get_value(*n))
                .map(|v| v.name().to_string());
            match name {
                Some(name) if !json.use_enum_numbers => json_string(&name, out),
                _ => out.extend_from_slice(n.to_string().as_bytes()),
            }
        }
    }
    Ok(())
}

fn json_float(value: f64, abs: f64, plain: &str, exp: &str, out: &mut Vec<u8>) {
    if value.is_nan() {
        json_string("NaN", out);
    } else if value.is_infinite() {
        json_string(if value > 0.0 { "Infinity" } else { "-Infinity" }, out);
    } else {
        out.extend_from_slice(go_float(value, abs, plain, exp).as_bytes());
    }
}

fn json_string(s: &str, out: &mut Vec<u8>) {
    // serde_json escapes as protojson does for the text an image holds.
    if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// The set fields of `message` as Go's marshallers order them: fields in
/// declaration order, then extensions by full name.
#[allow(clippy::type_complexity)]
fn ordered_fields(
    message: &DynamicMessage,
) -> (
    Vec<(prost_reflect::FieldDescriptor, &Value)>,
    Vec<(prost_reflect::ExtensionDescriptor, &Value)>,
) {
    let desc = message.descriptor();
    let declared: std::collections::HashMap<u32, usize> = desc
        .descriptor_proto()
        .field
        .iter()
        .enumerate()
        .map(|(i, f)| (f.number.unwrap_or(0) as u32, i))
        .collect();
    let mut fields: Vec<_> = message.fields().collect();
    fields.sort_by_key(|(f, _)| declared.get(&f.number()).copied());
    let mut extensions: Vec<_> = message.extensions().collect();
    extensions.sort_by(|(a, _), (b, _)| a.full_name().cmp(b.full_name()));
    (fields, extensions)
}

/// Well-known types whose JSON is not an object of their fields.
fn has_special_json(full_name: &str) -> bool {
    matches!(
        full_name,
        "google.protobuf.Any"
            | "google.protobuf.Timestamp"
            | "google.protobuf.Duration"
            | "google.protobuf.FieldMask"
            | "google.protobuf.Struct"
            | "google.protobuf.Value"
            | "google.protobuf.ListValue"
            | "google.protobuf.BoolValue"
            | "google.protobuf.Int32Value"
            | "google.protobuf.Int64Value"
            | "google.protobuf.UInt32Value"
            | "google.protobuf.UInt64Value"
            | "google.protobuf.FloatValue"
            | "google.protobuf.DoubleValue"
            | "google.protobuf.StringValue"
            | "google.protobuf.BytesValue"
    )
}

/// A pool with every file of the image (so custom options resolve), the
/// descriptor.proto it uses, and the image schema.
pub(crate) fn pool_for(image: &Image) -> Result<DescriptorPool, String> {
    // prost-reflect knows no `import option`, so for the pool's sake those
    // files are listed as ordinary dependencies (appended field-3 entries).
    // Files go in one at a time, in image order (dependencies first); one
    // prost-reflect rejects (or panics over) is skipped, and custom options
    // it would have named print as unknown fields instead.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut pool = DescriptorPool::new();
    for f in &image.files {
        let mut body = Vec::new();
        super::encode_file(&f.file, false, false, &mut body);
        for dep in &f.file.extra.option_dependency {
            crate::compiler::options::put_tag(&mut body, 3, 2);
            crate::compiler::options::put_varint(&mut body, dep.len() as u64);
            body.extend_from_slice(dep.as_bytes());
        }
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut next = pool.clone();
            next.decode_file_descriptor_proto(body.as_slice())
                .map(|()| next)
        }));
        if let Ok(Ok(next)) = attempt {
            pool = next;
        }
    }
    std::panic::set_hook(previous_hook);
    let schema = compiler::compile(vec![SourceFile {
        import_path: "buf/alpha/image/v1/image.proto".into(),
        display_path: "buf/alpha/image/v1/image.proto".into(),
        text: Arc::new(IMAGE_SCHEMA.to_string()),
    }])
    .map_err(|d| format!("internal: image schema: {:?}", d.first()))?;
    // descriptor.proto first (unless the image brings its own), then the schema.
    let have_descriptor = pool
        .get_file_by_name("google/protobuf/descriptor.proto")
        .is_some();
    let mut wanted: Vec<&compiler::CompiledFile> = Vec::new();
    if !have_descriptor {
        wanted.extend(
            schema
                .iter()
                .filter(|f| f.fd.name() == "google/protobuf/descriptor.proto"),
        );
    }
    wanted.extend(
        schema
            .iter()
            .filter(|f| f.fd.name() == "buf/alpha/image/v1/image.proto"),
    );
    for f in wanted {
        let mut bytes = Vec::new();
        super::encode_file(f, false, false, &mut bytes);
        let mut set = Vec::new();
        crate::compiler::options::put_tag(&mut set, 1, 2);
        crate::compiler::options::put_varint(&mut set, bytes.len() as u64);
        set.extend_from_slice(&bytes);
        pool.decode_file_descriptor_set(set.as_slice())
            .map_err(|e| format!("build descriptor pool: {e}"))?;
    }
    Ok(pool)
}

/// serde_json's compact output with floats written the way Go's protojson
/// writes them: shortest digits, plain notation unless the magnitude is below
/// 1e-6 or at least 1e21, exponents like `1e-07` shortened to `1e-7`.
struct GoFloats;

impl serde_json::ser::Formatter for GoFloats {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        writer.write_all(
            go_float(
                value,
                value.abs(),
                &value.to_string(),
                &format!("{value:e}"),
            )
            .as_bytes(),
        )
    }
    fn write_f32<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f32,
    ) -> std::io::Result<()> {
        let abs = f64::from(value.abs());
        writer.write_all(
            go_float(
                f64::from(value),
                abs,
                &value.to_string(),
                &format!("{value:e}"),
            )
            .as_bytes(),
        )
    }
}

fn go_float(value: f64, abs: f64, plain: &str, exp: &str) -> String {
    if value != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust writes `1e-7` / `1e21`; Go writes `1e-7` / `1e+21`.
        match exp.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => exp.to_string(),
        }
    } else {
        plain.to_string()
    }
}

/// Text format as Go's prototext writes it: one `name: value` per line, two
/// spaces per level, each element of a repeated field on its own, fields in
/// declaration order, then extensions by full name.
fn write_text(message: &DynamicMessage, depth: usize, out: &mut String) {
    if let Some((url, inner)) = expand_any(message) {
        write_field(
            &format!("[{url}]"),
            &Kind::Message(inner.descriptor()),
            &Value::Message(inner),
            depth,
            out,
        );
        return;
    }
    let (fields, extensions) = ordered_fields(message);
    for (field, value) in fields {
        let name = if field.is_group() {
            field
                .kind()
                .as_message()
                .map_or_else(|| field.name().to_string(), |m| m.name().to_string())
        } else {
            field.name().to_string()
        };
        write_field(&name, &field.kind(), value, depth, out);
    }
    for (ext, value) in extensions {
        write_field(
            &format!("[{}]", ext.full_name()),
            &ext.kind(),
            value,
            depth,
            out,
        );
    }
    // buf's text output names its SourceCodeInfoExtension but shows no
    // contents (its JSON leaves it out altogether).
    if message.descriptor().full_name() == "google.protobuf.SourceCodeInfo"
        && message.unknown_fields().any(|f| f.number() == 536_000_000)
    {
        indent(depth, out);
        out.push_str("[buf.descriptor.v1.buf_source_code_info_extension]: {}\n");
    }
}

fn write_field(name: &str, kind: &Kind, value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::List(items) => {
            for item in items {
                write_field(name, kind, item, depth, out);
            }
        }
        Value::Map(entries) => {
            let Some(entry) = kind.as_message() else {
                return;
            };
            let (Some(kf), Some(vf)) = (entry.get_field(1), entry.get_field(2)) else {
                return;
            };
            let mut sorted: Vec<_> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in sorted {
                indent(depth, out);
                out.push_str(name);
                out.push_str(": {\n");
                write_field("key", &kf.kind(), &Value::from(k.clone()), depth + 1, out);
                write_field("value", &vf.kind(), v, depth + 1, out);
                indent(depth, out);
                out.push_str("}\n");
            }
        }
        Value::Message(m) => {
            indent(depth, out);
            out.push_str(name);
            let mut body = String::new();
            write_text(m, depth + 1, &mut body);
            if body.is_empty() {
                out.push_str(": {}\n");
            } else {
                out.push_str(": {\n");
                out.push_str(&body);
                indent(depth, out);
                out.push_str("}\n");
            }
        }
        // Go keeps an unknown value of a closed enum as an unknown field,
        // which the text format does not print.
        Value::EnumNumber(n)
            if kind.as_enum().is_some_and(|e| {
                e.parent_file().syntax() == prost_reflect::Syntax::Proto2
                    && e.get_value(*n).is_none()
            }) => {}
        scalar => {
            indent(depth, out);
            out.push_str(name);
            out.push_str(": ");
            write_scalar(kind, scalar, out);
            out.push('\n');
        }
    }
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_scalar(kind: &Kind, value: &Value, out: &mut String) {
    use std::fmt::Write;
    let _ = match value {
        Value::Bool(b) => write!(out, "{b}"),
        Value::I32(v) => write!(out, "{v}"),
        Value::I64(v) => write!(out, "{v}"),
        Value::U32(v) => write!(out, "{v}"),
        Value::U64(v) => write!(out, "{v}"),
        Value::F32(v) => write!(out, "{}", text_float(f64::from(*v))),
        Value::F64(v) => write!(out, "{}", text_float(*v)),
        Value::String(s) => write!(out, "{}", quote(s.as_bytes())),
        Value::Bytes(b) => write!(out, "{}", quote(b)),
        Value::EnumNumber(n) => match kind.as_enum().and_then(|e| e.get_value(*n)) {
            Some(v) => write!(out, "{}", v.name()),
            None => write!(out, "{n}"),
        },
        _ => Ok(()),
    };
}

fn text_float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        crate::compiler::defaults::go_format_g(v)
    }
}

/// Go's text-format quoting: printable UTF-8 kept, the usual escapes, other
/// bytes as `\xHH`.
fn quote(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    let text = String::from_utf8_lossy(b);
    let valid = std::str::from_utf8(b).is_ok();
    if valid {
        for c in text.chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    s.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => s.push(c),
            }
        }
    } else {
        for &c in b {
            match c {
                b'"' => s.push_str("\\\""),
                b'\\' => s.push_str("\\\\"),
                b'\n' => s.push_str("\\n"),
                b'\r' => s.push_str("\\r"),
                b'\t' => s.push_str("\\t"),
                0x20..=0x7e => s.push(c as char),
                _ => s.push_str(&format!("\\x{c:02x}")),
            }
        }
    }
    s.push('"');
    s
}

/// A `google.protobuf.Any` whose type the pool knows, decoded, as prototext
/// prints it: `[type.googleapis.com/pkg.Msg]: { ... }`.
fn expand_any(message: &DynamicMessage) -> Option<(String, DynamicMessage)> {
    let desc = message.descriptor();
    if desc.full_name() != "google.protobuf.Any" {
        return None;
    }
    let url = message.get_field_by_number(1)?;
    let url = url.as_str()?.to_string();
    let value = message.get_field_by_number(2)?;
    let bytes = value.as_bytes()?;
    let type_name = url.rsplit('/').next()?;
    let inner_desc = desc.parent_pool().get_message_by_name(type_name)?;
    let inner = DynamicMessage::decode(inner_desc, bytes.as_ref()).ok()?;
    Some((url, inner))
}
