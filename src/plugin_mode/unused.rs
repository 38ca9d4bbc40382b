//! Unused imports, worked out from descriptors. A plugin gets no compiler
//! warnings, so buf's lint plugin computes them (bufimage's importTracker)
//! and so do we: an import is used when a field or extendee type, an RPC
//! input or output, or an extension set in any options message (at any
//! depth, `Any` payloads included) is defined in it or in a file it
//! re-exports through `import public`.

use std::collections::{HashMap, HashSet};

use prost_reflect::{DescriptorPool, DynamicMessage, ReflectMessage, Value};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, field_descriptor_proto::Type,
};

use crate::image::Image;

/// Sets every file's `unused_dependencies`: the indexes of imports nothing
/// uses, `import public` ones excepted.
pub fn compute(image: &mut Image) {
    let defined_in = symbols(image);
    let pool = option_pool(image);
    let deps: HashMap<&str, (&[String], &[i32])> = image
        .files
        .iter()
        .map(|f| {
            let fd = &f.file.fd;
            (
                fd.name(),
                (fd.dependency.as_slice(), fd.public_dependency.as_slice()),
            )
        })
        .collect();
    let unused: Vec<Vec<i32>> = image
        .files
        .iter()
        .map(|f| {
            let fd = &f.file.fd;
            if fd.dependency.is_empty() {
                return Vec::new();
            }
            let mut names = Vec::new();
            referenced_types(fd, &mut names);
            if let Some(pool) = &pool {
                for (path, bytes) in &f.file.raw_options {
                    if let Some(kind) = options_message(path) {
                        option_extensions(pool, kind, bytes, &mut names);
                    }
                }
            }
            let mut used: HashSet<usize> = HashSet::new();
            for name in names {
                let Some(file) = defined_in.get(name.trim_start_matches('.')) else {
                    continue;
                };
                let direct = fd.dependency.iter().position(|d| d == file);
                let via_public = || {
                    fd.dependency
                        .iter()
                        .position(|d| publicly_imports(&deps, d, file, &mut HashSet::new()))
                };
                if let Some(i) = direct.or_else(via_public) {
                    used.insert(i);
                }
            }
            (0..fd.dependency.len())
                .filter(|i| !used.contains(i))
                .filter_map(|i| i32::try_from(i).ok())
                .filter(|i| !fd.public_dependency.contains(i))
                .collect()
        })
        .collect();
    for (f, unused) in image.files.iter_mut().zip(unused) {
        f.file.unused_dependencies = unused;
    }
}

/// The image's files in one pool, to read their options with: editions
/// files go in as proto2 (prost-reflect takes no editions; presence is what
/// matters here), and descriptor.proto is added when the image lacks it.
/// An image prost-reflect rejects (or panics over) gives none, and then
/// only type references count as uses.
fn option_pool(image: &Image) -> Option<DescriptorPool> {
    use crate::compiler::options::{put_tag, put_varint};
    use prost::Message;
    const DESCRIPTOR: &str = "google/protobuf/descriptor.proto";
    let mut set = Vec::new();
    let mut has_descriptor = false;
    for f in &image.files {
        has_descriptor |= f.file.fd.name() == DESCRIPTOR;
        let mut body = Vec::new();
        crate::image::encode_file(&f.file, false, false, &mut body);
        if f.file.fd.syntax() == "editions" {
            // A later `syntax` wins over the one already written.
            put_tag(&mut body, 12, 2);
            put_varint(&mut body, 6);
            body.extend_from_slice(b"proto2");
        }
        put_tag(&mut set, 1, 2);
        put_varint(&mut set, body.len() as u64);
        set.extend_from_slice(&body);
    }
    let mut prefix = Vec::new();
    if !has_descriptor {
        let body = DescriptorPool::global()
            .get_file_by_name(DESCRIPTOR)?
            .file_descriptor_proto()
            .encode_to_vec();
        put_tag(&mut prefix, 1, 2);
        put_varint(&mut prefix, body.len() as u64);
        prefix.extend_from_slice(&body);
    }
    prefix.extend_from_slice(&set);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(|| {
        let mut pool = DescriptorPool::new();
        pool.decode_file_descriptor_set(prefix.as_slice())
            .map(|()| pool)
    });
    std::panic::set_hook(previous_hook);
    built.ok()?.ok()
}

/// Full name (no leading dot) -> the file defining it, for every message,
/// enum, extension and service of the image.
fn symbols(image: &Image) -> HashMap<String, String> {
    fn message(prefix: &str, m: &DescriptorProto, file: &str, out: &mut HashMap<String, String>) {
        let name = format!("{prefix}{}", m.name());
        let inner = format!("{name}.");
        for n in &m.nested_type {
            message(&inner, n, file, out);
        }
        for e in &m.enum_type {
            out.insert(format!("{inner}{}", e.name()), file.to_string());
        }
        for x in &m.extension {
            out.insert(format!("{inner}{}", x.name()), file.to_string());
        }
        out.insert(name, file.to_string());
    }
    let mut out = HashMap::new();
    for f in &image.files {
        let fd = &f.file.fd;
        let prefix = if fd.package().is_empty() {
            String::new()
        } else {
            format!("{}.", fd.package())
        };
        let file = fd.name();
        for m in &fd.message_type {
            message(&prefix, m, file, &mut out);
        }
        let named = fd
            .enum_type
            .iter()
            .map(EnumDescriptorProto::name)
            .chain(fd.extension.iter().map(FieldDescriptorProto::name))
            .chain(fd.service.iter().map(|s| s.name()));
        for name in named {
            out.insert(format!("{prefix}{name}"), file.to_string());
        }
    }
    out
}

/// Whether `file` re-exports `target` through a chain of `import public`.
fn publicly_imports(
    deps: &HashMap<&str, (&[String], &[i32])>,
    file: &str,
    target: &str,
    seen: &mut HashSet<String>,
) -> bool {
    if !seen.insert(file.to_string()) {
        return false;
    }
    let Some((dependency, public)) = deps.get(file) else {
        return false;
    };
    public.iter().any(|&i| {
        usize::try_from(i)
            .ok()
            .and_then(|i| dependency.get(i))
            .is_some_and(|d| d == target || publicly_imports(deps, d, target, seen))
    })
}

/// Type names a file refers to: field types (messages, groups, enums),
/// extendees, RPC inputs and outputs.
fn referenced_types(fd: &prost_types::FileDescriptorProto, out: &mut Vec<String>) {
    fn field(f: &FieldDescriptorProto, out: &mut Vec<String>) {
        if matches!(f.r#type(), Type::Message | Type::Group | Type::Enum) {
            out.push(f.type_name().to_string());
        }
        if !f.extendee().is_empty() {
            out.push(f.extendee().to_string());
        }
    }
    fn message(m: &DescriptorProto, out: &mut Vec<String>) {
        m.field.iter().for_each(|f| field(f, out));
        m.extension.iter().for_each(|f| field(f, out));
        m.nested_type.iter().for_each(|n| message(n, out));
    }
    fd.message_type.iter().for_each(|m| message(m, out));
    fd.extension.iter().for_each(|f| field(f, out));
    for s in &fd.service {
        for m in &s.method {
            out.push(m.input_type().to_string());
            out.push(m.output_type().to_string());
        }
    }
}

/// The options message an options source path ends in (`[4, 0, 2, 1, 8]`
/// is a field's FieldOptions), walking descriptor.proto's field numbers.
fn options_message(path: &[i32]) -> Option<&'static str> {
    #[derive(Clone, Copy)]
    enum At {
        File,
        Message,
        Field,
        Oneof,
        Range,
        Enum,
        Value,
        Service,
        Method,
    }
    let mut at = At::File;
    let mut rest = path;
    loop {
        match (at, rest) {
            (At::File, [8]) => return Some("google.protobuf.FileOptions"),
            (At::Message, [7]) => return Some("google.protobuf.MessageOptions"),
            (At::Field, [8]) => return Some("google.protobuf.FieldOptions"),
            (At::Oneof, [2]) => return Some("google.protobuf.OneofOptions"),
            (At::Range, [3]) => return Some("google.protobuf.ExtensionRangeOptions"),
            (At::Enum, [3]) => return Some("google.protobuf.EnumOptions"),
            (At::Value, [3]) => return Some("google.protobuf.EnumValueOptions"),
            (At::Service, [3]) => return Some("google.protobuf.ServiceOptions"),
            (At::Method, [4]) => return Some("google.protobuf.MethodOptions"),
            (_, [number, _, tail @ ..]) => {
                at = match (at, number) {
                    (At::File, 4) | (At::Message, 3) => At::Message,
                    (At::File, 5) | (At::Message, 4) => At::Enum,
                    (At::File, 6) => At::Service,
                    (At::File, 7) | (At::Message, 2 | 6) => At::Field,
                    (At::Message, 8) => At::Oneof,
                    (At::Message, 5) => At::Range,
                    (At::Enum, 2) => At::Value,
                    (At::Service, 2) => At::Method,
                    _ => return None,
                };
                rest = tail;
            }
            _ => return None,
        }
    }
}

/// The full names of the extensions set in an options message, and of the
/// message types named by `Any` values inside it, at any depth.
fn option_extensions(pool: &DescriptorPool, kind: &str, bytes: &[u8], out: &mut Vec<String>) {
    let Some(desc) = pool.get_message_by_name(kind) else {
        return;
    };
    if let Ok(message) = DynamicMessage::decode(desc, bytes) {
        walk_message(pool, &message, out, 0);
    }
}

/// Deep enough for any real option value; a bound against hostile input.
const MAX_DEPTH: usize = 64;

fn walk_message(
    pool: &DescriptorPool,
    message: &DynamicMessage,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if message.descriptor().full_name() == "google.protobuf.Any" {
        let url = message
            .get_field_by_number(1)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let name = url.rsplit('/').next().unwrap_or_default();
        let Some(desc) = pool.get_message_by_name(name) else {
            return;
        };
        out.push(desc.full_name().to_string());
        let payload = message
            .get_field_by_number(2)
            .and_then(|v| v.as_bytes().cloned())
            .unwrap_or_default();
        if let Ok(inner) = DynamicMessage::decode(desc, payload.as_ref()) {
            walk_message(pool, &inner, out, depth + 1);
        }
        return;
    }
    for (_, value) in message.fields() {
        walk_value(pool, value, out, depth);
    }
    for (ext, value) in message.extensions() {
        out.push(ext.full_name().to_string());
        walk_value(pool, value, out, depth);
    }
}

fn walk_value(pool: &DescriptorPool, value: &Value, out: &mut Vec<String>, depth: usize) {
    match value {
        Value::Message(m) => walk_message(pool, m, out, depth + 1),
        Value::List(items) => items.iter().for_each(|v| walk_value(pool, v, out, depth)),
        Value::Map(entries) => entries
            .values()
            .for_each(|v| walk_value(pool, v, out, depth)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::options_message;

    #[test]
    fn options_paths_name_their_options_message() {
        assert_eq!(options_message(&[8]), Some("google.protobuf.FileOptions"));
        assert_eq!(
            options_message(&[4, 0, 3, 1, 2, 0, 8]),
            Some("google.protobuf.FieldOptions")
        );
        assert_eq!(
            options_message(&[6, 0, 2, 3, 4]),
            Some("google.protobuf.MethodOptions")
        );
        assert_eq!(
            options_message(&[5, 1, 2, 0, 3]),
            Some("google.protobuf.EnumValueOptions")
        );
        assert_eq!(options_message(&[4, 0]), None);
    }
}
