//! PROTOVALIDATE: protovalidate annotations (`buf.validate.*` options) are
//! valid and their CEL expressions compile.
//!
//! protovalidate rules live in options, where protoc accepts anything the
//! schema allows: a string rule on an int32 field, `min_len` above `max_len`,
//! a `pattern` that is not a regular expression, CEL that does not
//! type-check. Each of those fails only at run time, in every service that
//! validates the message. Bad: `int32 n = 1 [(buf.validate.field).string.min_len = 1];`.
//! Good: `string n = 1 [(buf.validate.field).string.min_len = 1];`.
//!
//! What is checked, with buf's texts (`../shared/reference/buf-check.md` §2.7):
//! - field rules ([`field`]): the rule kind against the field type (wrappers,
//!   `repeated`, `map` keys and values included), `required`/`ignore`
//!   conflicts, redundant and contradictory bounds, invalid durations and
//!   timestamps, `pattern`s that fail to parse, example values that break
//!   the field's own rules;
//! - message rules ([`message`]): `(buf.validate.message).oneof` entries;
//! - CEL ([`cel`]): field, message and predefined-rule expressions must
//!   type-check and yield a bool or a string; `cel.id` characters and
//!   uniqueness; a `message` beside a string-valued expression.
//!
//! The options are decoded against the image's own `buf/validate/validate.proto`
//! (the pool of the whole image, so predefined-rule extensions resolve), and
//! positions follow buf's search for the closest recorded option location.

mod cel;
mod examples;
mod field;
mod formats;
mod message;
mod times;

use std::collections::HashMap;

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use prost_types::DescriptorProto;

use crate::check::RuleMeta;
use crate::check::source::{option_varint, varint};
use crate::compiler::CompiledFile;
use crate::lint::{Check, LintFile, LintRule, Sink, child, with};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PROTOVALIDATE",
        purpose: "Checks that protovalidate rules are valid and all CEL expressions compile.",
        v1beta1: None,
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

/// The extension number of `(buf.validate.message)`, `(buf.validate.oneof)`
/// and `(buf.validate.field)` on their options messages.
const EXT_RULES: u32 = 1159;
/// `(buf.validate.predefined)` on FieldOptions.
const EXT_PREDEFINED: u32 = 1160;
/// The options field of a message (`DescriptorProto.options`) and of a field.
const MESSAGE_OPTIONS: i32 = 7;
const FIELD_OPTIONS: i32 = 8;

fn check(file: &LintFile, sink: &mut Sink) {
    // Most files carry no protovalidate option at all: leave before building
    // anything.
    if !uses_protovalidate(file.compiled) {
        return;
    }
    let Some(pool) = file.run.pool(uses_protovalidate) else {
        return;
    };
    let Some(schema) = Schema::new(pool) else {
        return;
    };
    // cel-core parses and checks by recursion; a deep expression must not
    // overflow a worker thread's stack, so this file's checks get their own.
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(scope, || check_with(file, sink, pool, schema));
        if let Ok(handle) = worker {
            // A panic inside is a bug; the file then reports nothing more.
            let _ = handle.join();
        }
    });
}

fn check_with(file: &LintFile, sink: &mut Sink, pool: &DescriptorPool, schema: Schema) {
    let options = file
        .compiled
        .raw_options
        .iter()
        .map(|(path, bytes)| (path.as_slice(), bytes.as_slice()))
        .collect();
    let cx = Cx {
        file,
        schema,
        options,
    };
    let fd = file.fd;
    let prefix = if fd.package().is_empty() {
        String::new()
    } else {
        format!("{}.", fd.package())
    };
    for (i, m) in fd.message_type.iter().enumerate() {
        walk_message(&cx, sink, m, vec![4, i as i32], &prefix);
    }
    for (i, x) in fd.extension.iter().enumerate() {
        let path = vec![7, i as i32];
        if let Some(ext) = extension_by_scope(pool, &prefix, x.name()) {
            field::check_field(&cx, sink, &ext, &path);
            cel::check_predefined(&cx, sink, &ext, &path);
        }
    }
}

fn walk_message(cx: &Cx, sink: &mut Sink, desc: &DescriptorProto, path: Vec<i32>, prefix: &str) {
    if desc.options.as_ref().is_some_and(|o| o.map_entry()) {
        return;
    }
    let full_name = format!("{prefix}{}", desc.name());
    if let Some(md) = cx.schema.pool.get_message_by_name(&full_name) {
        message::check_message(cx, sink, &md, &path);
        for (i, f) in desc.field.iter().enumerate() {
            if let Some(fd) = md.get_field(f.number() as u32) {
                field::check_field(cx, sink, &fd, &child(&path, 2, i));
            }
        }
    }
    let nested = format!("{full_name}.");
    for (i, x) in desc.extension.iter().enumerate() {
        let p = child(&path, 6, i);
        if let Some(ext) = extension_by_scope(cx.schema.pool, &nested, x.name()) {
            field::check_field(cx, sink, &ext, &p);
            cel::check_predefined(cx, sink, &ext, &p);
        }
    }
    for (i, m) in desc.nested_type.iter().enumerate() {
        walk_message(cx, sink, m, child(&path, 3, i), &nested);
    }
}

fn extension_by_scope(
    pool: &DescriptorPool,
    prefix: &str,
    name: &str,
) -> Option<prost_reflect::ExtensionDescriptor> {
    pool.get_extension_by_name(&format!("{prefix}{name}"))
}

/// What the checks share for one file.
pub(super) struct Cx<'a> {
    pub file: &'a LintFile<'a>,
    pub schema: Schema<'a>,
    /// The file's serialized options by descriptor path.
    options: HashMap<&'a [i32], &'a [u8]>,
}

/// The protovalidate messages of the image's `buf/validate/validate.proto`.
pub(super) struct Schema<'a> {
    pub pool: &'a DescriptorPool,
    pub field_rules: MessageDescriptor,
    pub message_rules: MessageDescriptor,
    pub predefined_rules: MessageDescriptor,
}

impl<'a> Schema<'a> {
    fn new(pool: &'a DescriptorPool) -> Option<Self> {
        Some(Schema {
            pool,
            field_rules: pool.get_message_by_name("buf.validate.FieldRules")?,
            message_rules: pool.get_message_by_name("buf.validate.MessageRules")?,
            predefined_rules: pool.get_message_by_name("buf.validate.PredefinedRules")?,
        })
    }
}

impl Cx<'_> {
    /// Decodes the protovalidate extension `number` from the options at
    /// `options_path`, or `None` when the options do not set it.
    pub fn rules(
        &self,
        options_path: &[i32],
        number: u32,
        desc: &MessageDescriptor,
    ) -> Option<DynamicMessage> {
        let bytes = self.options.get(options_path)?;
        let payload = field_payloads(bytes, number)?;
        DynamicMessage::decode(desc.clone(), payload.as_slice()).ok()
    }

    /// buf's position for an option value: the location recorded for
    /// `path` itself, else the longest recorded ancestor that is at least
    /// `ext_len` long, unless a location inside `path` comes first.
    pub fn locate(&self, path: &[i32], ext_len: usize) -> Option<Vec<i32>> {
        if self.file.location(path).is_some() {
            return Some(path.to_vec());
        }
        self.file
            .compiled
            .source_info
            .as_ref()?
            .option_location(path, ext_len)
    }

    /// Reports `message` at the option value `path` (an extension path:
    /// options path, extension number, then the path inside the rules).
    pub fn report(&self, sink: &mut Sink, path: &[i32], ext_len: usize, message: String) {
        self.emit(sink, self.locate(path, ext_len), message);
    }

    /// Reports `message` once per distinct position among `paths`.
    pub fn report_each(&self, sink: &mut Sink, paths: &[Vec<i32>], ext_len: usize, message: &str) {
        let mut spans: Vec<Option<Vec<i32>>> = Vec::new();
        for p in paths {
            let at = self.locate(p, ext_len);
            let span = at
                .as_ref()
                .and_then(|a| self.file.location(a))
                .map(|l| l.span().to_vec());
            if !spans.contains(&span) {
                spans.push(span);
                self.emit(sink, at, message.to_string());
            }
        }
    }

    /// A finding at a located path, or for the whole file.
    fn emit(&self, sink: &mut Sink, at: Option<Vec<i32>>, message: String) {
        match at {
            Some(p) => sink.at(self.file.index, p, message),
            None => sink.file_level(self.file.index, message),
        }
    }
}

impl Cx<'_> {
    /// Whether the singular field at `path` of an editions file tracks
    /// presence: its `features.field_presence`, else the nearest enclosing
    /// message's, else the file's; edition 2023 defaults to explicit.
    /// (The pool reads editions files as proto2, which always tracks it.)
    pub fn editions_presence(&self, path: &[i32]) -> Option<bool> {
        if self.file.fd.syntax() != "editions" {
            return None;
        }
        // FieldOptions, MessageOptions and FileOptions `features`, then
        // FeatureSet.field_presence.
        const FIELD_FEATURES: u32 = 21;
        const MESSAGE_FEATURES: u32 = 12;
        const FILE_FEATURES: u32 = 50;
        const FIELD_PRESENCE: u32 = 1;
        const IMPLICIT: u64 = 2;
        let read = |options: Vec<i32>, features: u32| {
            self.options
                .get(options.as_slice())
                .and_then(|b| option_varint(b, &[features], FIELD_PRESENCE))
        };
        let mut found = read(with(path, FIELD_OPTIONS), FIELD_FEATURES);
        // Enclosing messages: every even-length prefix ending in a message.
        let mut end = path.len().saturating_sub(2);
        while found.is_none() && end >= 2 {
            found = read(with(&path[..end], MESSAGE_OPTIONS), MESSAGE_FEATURES);
            end -= 2;
        }
        let found = found.or_else(|| read(vec![8], FILE_FEATURES));
        Some(found != Some(IMPLICIT))
    }
}

/// The option path of a message (`[.., 7, 1159]`) or field (`[.., 8, 1159]`).
pub(super) fn ext_path(element: &[i32], options_field: i32, ext: u32) -> Vec<i32> {
    let mut p = with(element, options_field);
    p.push(ext as i32);
    p
}

/// Whether any options of the file set a protovalidate extension.
pub fn uses_protovalidate(file: &CompiledFile) -> bool {
    file.raw_options
        .iter()
        .any(|(_, bytes)| has_field(bytes, EXT_RULES) || has_field(bytes, EXT_PREDEFINED))
}

/// True when the serialized message has a top-level field `number`.
fn has_field(bytes: &[u8], number: u32) -> bool {
    let mut found = false;
    walk_fields(bytes, |n, _| {
        if n == number {
            found = true;
        }
    });
    found
}

/// The concatenated payloads of the length-delimited field `number` (how a
/// repeated occurrence of a message field merges), `None` if absent.
fn field_payloads(bytes: &[u8], number: u32) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    walk_fields(bytes, |n, payload| {
        if n == number
            && let Some(p) = payload
        {
            out.get_or_insert_with(Vec::new).extend_from_slice(p);
        }
    });
    out
}

/// Calls `f(number, payload)` for each top-level field (payload only for
/// length-delimited ones); stops at the first malformed byte.
fn walk_fields(mut bytes: &[u8], mut f: impl FnMut(u32, Option<&[u8]>)) {
    while !bytes.is_empty() {
        let Some((tag, rest)) = varint(bytes) else {
            return;
        };
        let number = (tag >> 3) as u32;
        bytes = rest;
        match tag & 7 {
            0 => match varint(bytes) {
                Some((_, rest)) => {
                    f(number, None);
                    bytes = rest;
                }
                None => return,
            },
            1 | 5 => {
                let n = if tag & 7 == 1 { 8 } else { 4 };
                let Some(rest) = bytes.get(n..) else {
                    return;
                };
                f(number, None);
                bytes = rest;
            }
            2 => {
                let Some((len, rest)) = varint(bytes) else {
                    return;
                };
                let Some(payload) = rest.get(..len as usize) else {
                    return;
                };
                f(number, Some(payload));
                bytes = &rest[len as usize..];
            }
            _ => return,
        }
    }
}
