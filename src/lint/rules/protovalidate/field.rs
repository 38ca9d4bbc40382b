//! Field rules: `(buf.validate.field)` against the field it sits on.

use prost_reflect::{
    DynamicMessage, ExtensionDescriptor, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage,
    Value,
};
use regex_syntax::ast::ErrorKind as RegexError;

use super::{Cx, EXT_RULES, FIELD_OPTIONS, cel, examples, ext_path};
use crate::check::naming::go_quote;
use crate::lint::{Sink, with};

// Field numbers in buf.validate.FieldRules.
const BOOL: u32 = 13;
const STRING: u32 = 14;
const BYTES: u32 = 15;
const ENUM: u32 = 16;
const REPEATED: u32 = 18;
const MAP: u32 = 19;
const ANY: u32 = 20;
const DURATION: u32 = 21;
const TIMESTAMP: u32 = 22;
const FIELD_MASK: u32 = 28;
const REQUIRED: i32 = 25;
const IGNORE: i32 = 27;
const IGNORE_IF_ZERO_VALUE: i32 = 1;
const IGNORE_ALWAYS: i32 = 3;

/// The field being checked: a message field, an extension, or the key or
/// value of a map entry.
pub(super) struct Target {
    pub name: String,
    pub kind: Kind,
    pub is_list: bool,
    pub is_map: bool,
    pub presence: bool,
    pub is_extension: bool,
    /// The real (not synthetic) oneof the field belongs to.
    pub oneof: Option<String>,
}

impl Target {
    pub fn of_field(fd: &FieldDescriptor) -> Self {
        Target {
            name: fd.name().to_string(),
            kind: fd.kind(),
            is_list: fd.is_list(),
            is_map: fd.is_map(),
            presence: fd.supports_presence(),
            is_extension: false,
            oneof: fd
                .containing_oneof()
                .filter(|o| !o.is_synthetic())
                .map(|o| o.name().to_string()),
        }
    }

    pub fn of_extension(x: &ExtensionDescriptor) -> Self {
        Target {
            name: x.name().to_string(),
            kind: x.kind(),
            is_list: x.is_list(),
            is_map: x.is_map(),
            presence: x.supports_presence(),
            is_extension: true,
            oneof: None,
        }
    }

    fn message(&self) -> Option<MessageDescriptor> {
        match &self.kind {
            Kind::Message(m) => Some(m.clone()),
            _ => None,
        }
    }

    /// Map key and value fields of a map field.
    fn map_entry(&self) -> Option<(FieldDescriptor, FieldDescriptor)> {
        let m = self.message()?;
        m.is_map_entry()
            .then(|| (m.map_entry_key_field(), m.map_entry_value_field()))
    }
}

/// Go's protoreflect name of a kind, the full name of a message, or
/// `map<K, V>`.
pub(super) fn pretty_type(kind: &Kind, is_map: bool) -> String {
    match kind {
        Kind::Message(m) if is_map && m.is_map_entry() => format!(
            "map<{}, {}>",
            pretty_type(&m.map_entry_key_field().kind(), false),
            pretty_type(&m.map_entry_value_field().kind(), false)
        ),
        Kind::Message(m) => m.full_name().to_string(),
        Kind::Enum(_) => "enum".into(),
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
    }
}

/// Reports for one field's rules. Rules for repeated items and map keys and
/// values are checked by a clone whose base path points at them.
pub(super) struct Adder<'a> {
    pub cx: &'a Cx<'a>,
    /// The field's options path plus the extension number.
    pub opt: Vec<i32>,
    /// Where these rules sit inside FieldRules (`[18, 4]` for items).
    pub base: Vec<i32>,
    pub field_name: String,
    pub pretty: String,
}

impl Adder<'_> {
    fn rebased(&self, base: Vec<i32>) -> Self {
        Adder {
            cx: self.cx,
            opt: self.opt.clone(),
            base,
            field_name: self.field_name.clone(),
            pretty: self.pretty.clone(),
        }
    }

    fn full(&self, path: &[i32]) -> Vec<i32> {
        let mut p = self.opt.clone();
        p.extend_from_slice(&self.base);
        p.extend_from_slice(path);
        p
    }

    pub fn at(&self, sink: &mut Sink, path: &[i32], message: String) {
        self.cx
            .report(sink, &self.full(path), self.opt.len(), message);
    }

    pub fn at_each(&self, sink: &mut Sink, paths: &[&[i32]], message: String) {
        let full: Vec<Vec<i32>> = paths.iter().map(|p| self.full(p)).collect();
        self.cx.report_each(sink, &full, self.opt.len(), &message);
    }

    /// `(buf.validate.field)` followed by the names along base + `path`.
    pub fn rule_name(&self, path: &[i32]) -> String {
        let mut name = String::from("(buf.validate.field)");
        let mut desc = Some(self.cx.schema.field_rules.clone());
        for &n in self.base.iter().chain(path) {
            let Some(field) = desc.as_ref().and_then(|d| d.get_field(n as u32)) else {
                return name;
            };
            name.push('.');
            name.push_str(field.name());
            desc = match field.kind() {
                Kind::Message(m) => Some(m),
                _ => return name,
            };
        }
        name
    }

    pub fn q(&self) -> String {
        go_quote(&self.field_name)
    }
}

/// Entry point: the `(buf.validate.field)` rules of a field or extension at
/// descriptor path `path`.
pub(super) fn check_field<F: AsTarget>(cx: &Cx, sink: &mut Sink, field: &F, path: &[i32]) {
    let Some(rules) = cx.rules(
        &with(path, FIELD_OPTIONS),
        EXT_RULES,
        &cx.schema.field_rules,
    ) else {
        return;
    };
    let mut target = field.target();
    let singular = !target.is_list && target.message().is_none() && target.oneof.is_none();
    if singular
        && !target.is_extension
        && let Some(presence) = cx.editions_presence(path)
    {
        target.presence = presence;
    }
    let adder = Adder {
        cx,
        opt: ext_path(path, FIELD_OPTIONS, EXT_RULES),
        base: Vec::new(),
        field_name: target.name.clone(),
        pretty: pretty_type(&target.kind, target.is_map),
    };
    let containing = field.containing();
    let repeated = target.is_list || target.is_map;
    check_rules(sink, &adder, &rules, &containing, None, &target, repeated);
}

/// Message fields and extensions alike.
pub(super) trait AsTarget {
    fn target(&self) -> Target;
    /// The message an example value is set on.
    fn containing(&self) -> MessageDescriptor;
}

impl AsTarget for FieldDescriptor {
    fn target(&self) -> Target {
        Target::of_field(self)
    }
    fn containing(&self) -> MessageDescriptor {
        self.parent_message().clone()
    }
}

impl AsTarget for ExtensionDescriptor {
    fn target(&self) -> Target {
        Target::of_extension(self)
    }
    fn containing(&self) -> MessageDescriptor {
        self.containing_message()
    }
}

pub(super) fn count_set(m: &DynamicMessage) -> usize {
    m.fields().count() + m.extensions().count()
}

/// The value of field `name` of a rules message, when it is set.
pub(super) fn set_value<'a>(
    m: &'a DynamicMessage,
    name: &str,
) -> Option<std::borrow::Cow<'a, Value>> {
    if !m.has_field_by_name(name) {
        return None;
    }
    m.get_field_by_name(name)
}

pub(super) fn get_bool(m: &DynamicMessage, name: &str) -> bool {
    set_value(m, name).and_then(|v| v.as_bool()) == Some(true)
}

fn get_enum(m: &DynamicMessage, name: &str) -> i32 {
    set_value(m, name)
        .and_then(|v| v.as_enum_number())
        .unwrap_or(0)
}

pub(super) fn get_u64(m: &DynamicMessage, name: &str) -> Option<u64> {
    set_value(m, name)?.as_u64()
}

pub(super) fn get_str(m: &DynamicMessage, name: &str) -> Option<String> {
    Some(set_value(m, name)?.as_str()?.to_string())
}

pub(super) fn get_bytes(m: &DynamicMessage, name: &str) -> Option<Vec<u8>> {
    Some(set_value(m, name)?.as_bytes()?.to_vec())
}

fn get_msg(m: &DynamicMessage, name: &str) -> Option<DynamicMessage> {
    set_value(m, name)?.as_message().cloned()
}

/// The entries of a repeated field (none when unset).
pub(super) fn get_list(m: &DynamicMessage, name: &str) -> Vec<Value> {
    set_value(m, name)
        .and_then(|v| v.as_list().map(<[Value]>::to_vec))
        .unwrap_or_default()
}

/// The entries of a repeated string field.
pub(super) fn str_list(m: &DynamicMessage, name: &str) -> Vec<String> {
    get_list(m, name)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn number_of(m: &DynamicMessage, name: &str) -> i32 {
    m.descriptor()
        .get_field_by_name(name)
        .map_or(0, |f| f.number() as i32)
}

fn check_rules(
    sink: &mut Sink,
    adder: &Adder,
    rules: &DynamicMessage,
    containing: &MessageDescriptor,
    parent_map: Option<&Target>,
    target: &Target,
    expect_repeated: bool,
) {
    let name = adder.q();
    if target.is_extension {
        if get_bool(rules, "required") {
            adder.at(
                sink,
                &[REQUIRED],
                format!(
                    "Field {name} is an extension field and cannot have {}.",
                    adder.rule_name(&[REQUIRED])
                ),
            );
        }
        if get_enum(rules, "ignore") == IGNORE_IF_ZERO_VALUE {
            adder.at(
                sink,
                &[IGNORE],
                format!(
                    "Field {name} is an extension field and cannot have {}=IGNORE_IF_ZERO_VALUE.",
                    adder.rule_name(&[IGNORE])
                ),
            );
        }
    }
    if let Some(oneof) = &target.oneof
        && get_bool(rules, "required")
    {
        let required = adder.rule_name(&[REQUIRED]);
        adder.at(
            sink,
            &[REQUIRED],
            format!(
                "Field {name} has {required} but is in a oneof ({oneof}). Oneof fields must not have {required}."
            ),
        );
    }
    check_flags(sink, adder, rules, target);
    cel::check_field_cel(sink, adder, rules, target, !expect_repeated);
    let Some((type_field, type_rules)) = rules
        .fields()
        .find(|(f, _)| f.containing_oneof().is_some_and(|o| o.name() == "type"))
        .and_then(|(f, v)| Some((f.number(), v.as_message()?.clone())))
    else {
        return;
    };
    match type_field {
        MAP => return check_map(sink, adder, &type_rules, containing, target),
        REPEATED => return check_repeated(sink, adder, &type_rules, containing, target),
        _ => {}
    }
    if !type_matches(sink, adder, target, type_field, expect_repeated) {
        return;
    }
    examples::check(
        sink,
        adder,
        rules,
        &type_rules,
        type_field,
        parent_map,
        target,
    );
    let n = type_field as i32;
    match type_field {
        1..=12 => check_numeric(sink, adder, n, &type_rules, &number_value),
        BOOL => {}
        STRING => check_string(sink, adder, &type_rules),
        BYTES => check_bytes(sink, adder, &type_rules),
        ENUM | ANY => check_const(sink, adder, n, &type_rules),
        DURATION => check_numeric(sink, adder, n, &type_rules, &duration_value),
        TIMESTAMP => check_timestamp(sink, adder, &type_rules),
        FIELD_MASK => check_field_mask(sink, adder, &type_rules),
        _ => {}
    }
}

fn check_flags(sink: &mut Sink, adder: &Adder, rules: &DynamicMessage, target: &Target) {
    let name = adder.q();
    let ignore = get_enum(rules, "ignore");
    if ignore == IGNORE_ALWAYS && count_set(rules) > 1 {
        adder.at(
            sink,
            &[IGNORE],
            format!(
                "Field {name} has {}=IGNORE_ALWAYS and therefore other rules in {} are not applied and should be removed.",
                adder.rule_name(&[IGNORE]),
                adder.rule_name(&[])
            ),
        );
    }
    if get_bool(rules, "required") && ignore == IGNORE_IF_ZERO_VALUE {
        adder.at_each(
            sink,
            &[&[REQUIRED], &[IGNORE]],
            format!(
                "Field {name} has both {} and {}=IGNORE_IF_ZERO_VALUE. A field cannot be empty if it is required.",
                adder.rule_name(&[REQUIRED]),
                adder.rule_name(&[IGNORE])
            ),
        );
    }
    if ignore == IGNORE_IF_ZERO_VALUE && target.presence && !target.is_extension {
        adder.at(
            sink,
            &[IGNORE],
            format!(
                "Field {name} has {}=IGNORE_IF_ZERO_VALUE and tracks presence. This is the same as the default and the ignore option can be removed.",
                adder.rule_name(&[IGNORE])
            ),
        );
    }
}

/// The scalar kind or message a rules member applies to.
fn type_matches(
    sink: &mut Sink,
    adder: &Adder,
    target: &Target,
    rule: u32,
    expect_repeated: bool,
) -> bool {
    let name = adder.q();
    let n = rule as i32;
    if expect_repeated {
        adder.at(
            sink,
            &[n],
            format!(
                "Field {name} is of type repeated {} but has {} rules.",
                adder.pretty,
                adder.rule_name(&[n])
            ),
        );
        return false;
    }
    let scalar = matches!(
        (rule, &target.kind),
        (1, Kind::Float)
            | (2, Kind::Double)
            | (3, Kind::Int32)
            | (4, Kind::Int64)
            | (5, Kind::Uint32)
            | (6, Kind::Uint64)
            | (7, Kind::Sint32)
            | (8, Kind::Sint64)
            | (9, Kind::Fixed32)
            | (10, Kind::Fixed64)
            | (11, Kind::Sfixed32)
            | (12, Kind::Sfixed64)
            | (BOOL, Kind::Bool)
            | (STRING, Kind::String)
            | (BYTES, Kind::Bytes)
            | (ENUM, Kind::Enum(_))
    );
    if scalar {
        return true;
    }
    let wanted = match rule {
        1 => "google.protobuf.FloatValue",
        2 => "google.protobuf.DoubleValue",
        3 => "google.protobuf.Int32Value",
        4 => "google.protobuf.Int64Value",
        5 => "google.protobuf.UInt32Value",
        6 => "google.protobuf.UInt64Value",
        BOOL => "google.protobuf.BoolValue",
        STRING => "google.protobuf.StringValue",
        BYTES => "google.protobuf.BytesValue",
        ANY => "google.protobuf.Any",
        DURATION => "google.protobuf.Duration",
        TIMESTAMP => "google.protobuf.Timestamp",
        FIELD_MASK => "google.protobuf.FieldMask",
        _ => "",
    };
    if target.message().is_some_and(|m| m.full_name() == wanted) {
        return true;
    }
    adder.at(
        sink,
        &[n],
        format!(
            "Field {name} is of type {} but has {} rules.",
            adder.pretty,
            adder.rule_name(&[n])
        ),
    );
    false
}

/// A minimum above its maximum, reported at both as buf does.
fn inverted(sink: &mut Sink, adder: &Adder, min: (u64, &[i32]), max: (u64, &[i32])) {
    let ((min, min_path), (max, max_path)) = (min, max);
    let (min_name, max_name) = (adder.rule_name(min_path), adder.rule_name(max_path));
    let name = adder.q();
    adder.at(
        sink,
        min_path,
        format!(
            "Field {name} has value {min} for {min_name}, which must be lower than value {max} for {max_name}."
        ),
    );
    adder.at(
        sink,
        max_path,
        format!(
            "Field {name} has value {max} for {max_name}, which must be higher than value {min} for {min_name}."
        ),
    );
}

const WRAPPERS: &[&str] = &[
    "google.protobuf.FloatValue",
    "google.protobuf.DoubleValue",
    "google.protobuf.Int32Value",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.BoolValue",
    "google.protobuf.StringValue",
    "google.protobuf.BytesValue",
];

fn check_repeated(
    sink: &mut Sink,
    adder: &Adder,
    rules: &DynamicMessage,
    containing: &MessageDescriptor,
    target: &Target,
) {
    let name = adder.q();
    let r = REPEATED as i32;
    if !target.is_list {
        adder.at(
            sink,
            &[r],
            format!(
                "Field {name} is not repeated but has {} rules.",
                adder.rule_name(&[r])
            ),
        );
        return;
    }
    if get_bool(rules, "unique")
        && let Some(m) = target.message()
        && !WRAPPERS.contains(&m.full_name())
    {
        adder.at(
            sink,
            &[r, 3],
            format!(
                "Field {name} is of type {} but has {} set to true, which is only allowed for scalar types and wrapper types.",
                adder.pretty,
                adder.rule_name(&[r, 3])
            ),
        );
    }
    if let (Some(min), Some(max)) = (get_u64(rules, "min_items"), get_u64(rules, "max_items"))
        && min > max
    {
        inverted(sink, adder, (min, &[r, 1]), (max, &[r, 2]));
    }
    let items_adder = adder.rebased(vec![r, 4]);
    if let Some(items) = get_msg(rules, "items") {
        if get_bool(&items, "required") {
            let required = items_adder.rule_name(&[REQUIRED]);
            items_adder.at(
                sink,
                &[REQUIRED],
                format!(
                    "Field {name} has {required} on repeated item rules, which is unenforceable. The {required} constraint cannot be applied to individual items in a repeated field."
                ),
            );
        }
        check_rules(sink, &items_adder, &items, containing, None, target, false);
    }
}

fn check_map(
    sink: &mut Sink,
    adder: &Adder,
    rules: &DynamicMessage,
    containing: &MessageDescriptor,
    target: &Target,
) {
    let name = adder.q();
    let m = MAP as i32;
    let Some((key, value)) = target.map_entry().filter(|_| target.is_map) else {
        adder.at(
            sink,
            &[m],
            format!(
                "Field {name} is not a map but has {}.",
                adder.rule_name(&[m])
            ),
        );
        return;
    };
    if let (Some(min), Some(max)) = (get_u64(rules, "min_pairs"), get_u64(rules, "max_pairs"))
        && min > max
    {
        inverted(sink, adder, (min, &[m, 1]), (max, &[m, 2]));
    }
    for (sub, entry_field, what) in [(4, &key, "key"), (5, &value, "value")] {
        let sub_adder = adder.rebased(vec![m, sub]);
        let Some(sub_rules) = get_msg(rules, if sub == 4 { "keys" } else { "values" }) else {
            continue;
        };
        if get_bool(&sub_rules, "required") {
            let required = sub_adder.rule_name(&[REQUIRED]);
            let plural = if what == "key" { "keys" } else { "values" };
            sub_adder.at(
                sink,
                &[REQUIRED],
                format!(
                    "Field {name} has {required} on map {what} rules, which is unenforceable. The {required} constraint cannot be applied to map {plural}."
                ),
            );
        }
        let sub_target = Target::of_field(entry_field);
        check_rules(
            sink,
            &sub_adder,
            &sub_rules,
            containing,
            Some(target),
            &sub_target,
            false,
        );
    }
}

fn check_const(sink: &mut Sink, adder: &Adder, n: i32, rules: &DynamicMessage) {
    if rules.has_field_by_name("const") && count_set(rules) > 1 {
        let c = number_of(rules, "const");
        adder.at(
            sink,
            &[n, c],
            format!(
                "Field {} has {}, therefore other rules in {} are not applied and should be removed.",
                adder.q(),
                adder.rule_name(&[n, c]),
                adder.rule_name(&[n])
            ),
        );
    }
}

/// `len` against `min_len`/`max_len` (or the byte-length trio).
fn check_lens(sink: &mut Sink, adder: &Adder, n: i32, rules: &DynamicMessage, names: [&str; 3]) {
    let name = adder.q();
    let [len_name, min_name, max_name] = names;
    let (len, min, max) = (
        get_u64(rules, len_name),
        get_u64(rules, min_name),
        get_u64(rules, max_name),
    );
    let (ln, mn, xn) = (
        number_of(rules, len_name),
        number_of(rules, min_name),
        number_of(rules, max_name),
    );
    if len.is_some() && min.is_some() {
        adder.at(
            sink,
            &[n, mn],
            format!(
                "Field {name} has {} and therefore, {} is redundant and should be removed.",
                adder.rule_name(&[n, ln]),
                adder.rule_name(&[n, mn])
            ),
        );
    }
    if len.is_some() && max.is_some() {
        adder.at(
            sink,
            &[n, xn],
            format!(
                "Field {name} has {} and therefore, {} is redundant and should be removed.",
                adder.rule_name(&[n, ln]),
                adder.rule_name(&[n, xn])
            ),
        );
    }
    let (Some(min), Some(max)) = (min, max) else {
        return;
    };
    if min > max {
        inverted(sink, adder, (min, &[n, mn]), (max, &[n, xn]));
    } else if min == max {
        adder.at_each(
            sink,
            &[&[n, mn], &[n, xn]],
            format!(
                "Field {name} has equal {} and {max_name}, use {}.{len_name} instead.",
                adder.rule_name(&[n, mn]),
                adder.rule_name(&[n])
            ),
        );
    }
}

fn check_string(sink: &mut Sink, adder: &Adder, rules: &DynamicMessage) {
    let name = adder.q();
    let s = STRING as i32;
    check_const(sink, adder, s, rules);
    check_lens(sink, adder, s, rules, ["len", "min_len", "max_len"]);
    check_lens(
        sink,
        adder,
        s,
        rules,
        ["len_bytes", "min_bytes", "max_bytes"],
    );
    let (min_len, max_len) = (get_u64(rules, "min_len"), get_u64(rules, "max_len"));
    let (min_bytes, max_bytes) = (get_u64(rules, "min_bytes"), get_u64(rules, "max_bytes"));
    if let (Some(min), Some(max)) = (min_len, max_bytes)
        && max < min
    {
        let (a, b) = (adder.rule_name(&[s, 2]), adder.rule_name(&[s, 5]));
        adder.at(
            sink,
            &[s, 2],
            format!(
                "Field {name} has value {min} for {a}, which must be lower than value {max} for {b}. A string with {min} UTF-8 characters has at least {min} bytes, which is higher than {max} bytes."
            ),
        );
        adder.at(
            sink,
            &[s, 5],
            format!(
                "Field {name} has value {max} for {b}, which must be higher than value {min} for {a}. A string with {min} UTF-8 characters has at least {min} bytes, which is higher than {max} bytes."
            ),
        );
    }
    if let (Some(max), Some(min)) = (max_len, min_bytes)
        && max.wrapping_mul(4) < min
    {
        let (a, b) = (adder.rule_name(&[s, 4]), adder.rule_name(&[s, 3]));
        let most = max.wrapping_mul(4);
        adder.at(
            sink,
            &[s, 4],
            format!(
                "Field {name} has value {min} for {a} but {max} for {b}. A string with {max} UTF-8 characters has at most {most} bytes."
            ),
        );
        adder.at(
            sink,
            &[s, 3],
            format!(
                "Field {name} has value {max} for {b} but {min} for {a}. A string with {max} UTF-8 characters has at most {most} bytes."
            ),
        );
    }
    let not_contains = get_str(rules, "not_contains");
    for (which, number) in [("prefix", 7), ("suffix", 8), ("contains", 9)] {
        let Some(sub) = get_str(rules, which) else {
            continue;
        };
        let rule = adder.rule_name(&[s, number]);
        let chars = sub.chars().count() as u64;
        if let Some(max) = max_len
            && chars > max
        {
            adder.at(
                sink,
                &[s, number],
                format!(
                    "Field {name} has a {rule} of length {chars}, exceeding its max_len ({max}). It is impossible for a string to contain {} while having less than or equal to {chars} UTF-8 characters.",
                    go_quote(&sub)
                ),
            );
        }
        let bytes = sub.len() as u64;
        if let Some(max) = max_bytes
            && bytes > max
        {
            adder.at(
                sink,
                &[s, number],
                format!(
                    "Field {name} has a {rule} of {bytes} bytes, exceeding its max_bytes ({max}). It is impossible for a string to contain {} while having less than or equal to {bytes} bytes.",
                    go_quote(&sub)
                ),
            );
        }
        if let Some(nc) = &not_contains
            && sub.contains(nc.as_str())
        {
            adder.at(
                sink,
                &[s, number],
                format!(
                    "Field {name} has a {rule} ({}) containing its not_contains ({}). It is impossible for a string to contain {} without containing {}.",
                    go_quote(&sub),
                    go_quote(nc),
                    go_quote(&sub),
                    go_quote(nc)
                ),
            );
        }
    }
    if let Some(pattern) = get_str(rules, "pattern")
        && let Some(err) = go_regexp_error(&pattern)
    {
        adder.at(
            sink,
            &[s, 6],
            format!(
                "Field {name} has a {} that fails to compile: {err}.",
                adder.rule_name(&[s, 6])
            ),
        );
    }
    let non_strict = rules.has_field_by_name("strict") && !get_bool(rules, "strict");
    if non_strict && get_enum(rules, "well_known_regex") == 0 {
        let (strict, regex) = (adder.rule_name(&[s, 25]), adder.rule_name(&[s, 24]));
        adder.at(
            sink,
            &[s, 25],
            format!(
                "Field {name} has {strict} without {regex}. {strict} only applies to {regex} and is invalid without it."
            ),
        );
    }
}

fn check_bytes(sink: &mut Sink, adder: &Adder, rules: &DynamicMessage) {
    let name = adder.q();
    let b = BYTES as i32;
    check_const(sink, adder, b, rules);
    check_lens(sink, adder, b, rules, ["len", "min_len", "max_len"]);
    let max_len = get_u64(rules, "max_len");
    for (which, number) in [("prefix", 5), ("suffix", 6), ("contains", 7)] {
        let sub = get_bytes(rules, which).unwrap_or_default();
        if let Some(max) = max_len
            && sub.len() as u64 > max
        {
            adder.at(
                sink,
                &[b, number],
                format!(
                    "Field {name} has a {} of {} bytes, exceeding its max_len ({max}). It is impossible to contain {} while having less than or equal to {max} bytes.",
                    adder.rule_name(&[b, number]),
                    sub.len(),
                    go_quote(&String::from_utf8_lossy(&sub))
                ),
            );
        }
    }
    if let Some(pattern) = get_str(rules, "pattern")
        && let Some(err) = go_regexp_error(&pattern)
    {
        adder.at(
            sink,
            &[b, 4],
            format!(
                "Field {name} has a {} that fails to compile: {err}.",
                adder.rule_name(&[b, 4])
            ),
        );
    }
}

/// A comparable bound: a number, or a duration/timestamp as nanoseconds.
#[derive(PartialEq, Clone, Copy)]
enum Bound {
    Int(i128),
    Float(f64),
}

/// Numbers convert as they are.
fn number_value(v: &Value) -> Result<Bound, String> {
    Ok(match v {
        Value::I32(x) => Bound::Int(i128::from(*x)),
        Value::I64(x) => Bound::Int(i128::from(*x)),
        Value::U32(x) => Bound::Int(i128::from(*x)),
        Value::U64(x) => Bound::Int(i128::from(*x)),
        Value::F32(x) => Bound::Float(f64::from(*x)),
        Value::F64(x) => Bound::Float(*x),
        _ => Bound::Int(0),
    })
}

/// The seconds and nanos of a Duration or Timestamp value.
pub(super) fn seconds_nanos(v: &Value) -> (i64, i32) {
    let Some(m) = v.as_message() else {
        return (0, 0);
    };
    let secs = m
        .get_field_by_number(1)
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    let nanos = m
        .get_field_by_number(2)
        .and_then(|v| v.as_i32())
        .unwrap_or(0);
    (secs, nanos)
}

/// Go's one-line text form of a Duration or Timestamp (`seconds:1 nanos:5`).
pub(super) fn go_text(secs: i64, nanos: i32) -> String {
    let mut parts = Vec::new();
    if secs != 0 {
        parts.push(format!("seconds:{secs}"));
    }
    if nanos != 0 {
        parts.push(format!("nanos:{nanos}"));
    }
    parts.join(" ")
}

/// protovalidate's limits on a duration, as buf words them.
pub(super) fn duration_problem(secs: i64, nanos: i32) -> Option<String> {
    let text = go_text(secs, nanos);
    if !(-999_999_999..=999_999_999).contains(&nanos) {
        return Some(format!(
            "duration ({text}) must have nanos in the range 0 to 999999999"
        ));
    }
    if (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
        return Some(format!(
            "duration ({text}) has seconds and nanos with different signs"
        ));
    }
    if !duration_in_range(secs, nanos) {
        return Some(format!(
            "duration ({text}) must be in the range seconds:-9223372036 nanos:-854775428 to seconds:9223372036 nanos:854775428"
        ));
    }
    None
}

/// The largest duration buf accepts either way, in nanoseconds: a little
/// under what an int64 of nanoseconds holds.
const DURATION_LIMIT_NANOS: i128 = 9_223_372_036_854_775_428;

/// Whether a duration is within buf's limit (nanos and signs aside).
pub(super) fn duration_in_range(secs: i64, nanos: i32) -> bool {
    let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    (-DURATION_LIMIT_NANOS..=DURATION_LIMIT_NANOS).contains(&total)
}

fn duration_value(v: &Value) -> Result<Bound, String> {
    let (secs, nanos) = seconds_nanos(v);
    match duration_problem(secs, nanos) {
        Some(p) => Err(p),
        None => Ok(Bound::Int(
            i128::from(secs) * 1_000_000_000 + i128::from(nanos),
        )),
    }
}

fn timestamp_value(v: &Value) -> Result<Bound, String> {
    let (secs, nanos) = seconds_nanos(v);
    let text = go_text(secs, nanos);
    if secs < -62_135_596_800 {
        // Go's protobuf errors put a no-break space after `proto:`.
        return Err(format!("proto:\u{a0}timestamp ({text}) before 0001-01-01"));
    }
    if secs > 253_402_300_799 {
        return Err(format!("proto:\u{a0}timestamp ({text}) after 9999-12-31"));
    }
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(format!(
            "proto:\u{a0}timestamp ({text}) has out-of-range nanos"
        ));
    }
    Ok(Bound::Int(
        i128::from(secs) * 1_000_000_000 + i128::from(nanos),
    ))
}

/// `const` beside other rules, invalid bound values, and equal lower and
/// upper bounds.
fn check_numeric(
    sink: &mut Sink,
    adder: &Adder,
    n: i32,
    rules: &DynamicMessage,
    convert: &dyn Fn(&Value) -> Result<Bound, String>,
) {
    let name = adder.q();
    let mut fields: Vec<(u32, String, Value)> = rules
        .fields()
        .map(|(f, v)| (f.number(), f.name().to_string(), v.clone()))
        .collect();
    fields.sort_by_key(|(number, _, _)| *number);
    let mut constant = None;
    let (mut lower, mut upper) = (None, None);
    for (number, field_name, value) in &fields {
        let number = *number as i32;
        let slot = match field_name.as_str() {
            "const" => &mut constant,
            "gt" | "gte" => &mut lower,
            "lt" | "lte" => &mut upper,
            _ => continue,
        };
        match convert(value) {
            Ok(b) => *slot = Some((b, number, field_name.ends_with('e'))),
            Err(problem) => {
                *slot = None;
                adder.at(
                    sink,
                    &[n, number],
                    format!(
                        "Field {name} has an invalid {}: {problem}.",
                        adder.rule_name(&[n, number])
                    ),
                );
            }
        }
    }
    check_nan(sink, adder, n, rules);
    if let Some((_, c, _)) = constant
        && count_set(rules) > 1
    {
        adder.at(
            sink,
            &[n, c],
            format!(
                "Field {name} has {}, therefore other rules in {} are not applied and should be removed.",
                adder.rule_name(&[n, c]),
                adder.rule_name(&[n])
            ),
        );
    }
    let (Some((lo, lo_n, lo_inc)), Some((hi, hi_n, hi_inc))) = (lower, upper) else {
        return;
    };
    if lo != hi {
        return;
    }
    let (lo_name, hi_name) = (adder.rule_name(&[n, lo_n]), adder.rule_name(&[n, hi_n]));
    let message = if lo_inc && hi_inc {
        format!(
            "Field {name} has equal {lo_name} and {hi_name}, use {}.const instead.",
            adder.rule_name(&[n])
        )
    } else {
        format!(
            "Field {name} has equal {lo_name} and {hi_name}. All values are rejected by these checks."
        )
    };
    adder.at_each(sink, &[&[n, lo_n], &[n, hi_n]], message);
}

/// NaN in a float or double rule: a bound or `const` that nothing satisfies,
/// an `in` entry that never matches, a `not_in` entry with no effect.
fn check_nan(sink: &mut Sink, adder: &Adder, n: i32, rules: &DynamicMessage) {
    let is_nan = |v: &Value| match v {
        Value::F32(x) => x.is_nan(),
        Value::F64(x) => x.is_nan(),
        _ => false,
    };
    let name = adder.q();
    let mut fields: Vec<_> = rules.fields().collect();
    fields.sort_by_key(|(f, _)| f.number());
    for (f, v) in fields {
        let number = f.number() as i32;
        let rule = adder.rule_name(&[n, number]);
        match (f.name(), v.as_list()) {
            ("const" | "gt" | "gte" | "lt" | "lte", _) if is_nan(v) => adder.at(
                sink,
                &[n, number],
                format!(
                    "Field {name} has {rule} set to NaN. Comparisons with NaN are always false, so this rule can never be satisfied."
                ),
            ),
            (which @ ("in" | "not_in"), Some(items)) => {
                let effect = if which == "in" {
                    "this entry can never match"
                } else {
                    "this entry has no effect"
                };
                for (i, item) in items.iter().enumerate() {
                    if is_nan(item) {
                        adder.at(
                            sink,
                            &[n, number, i as i32],
                            format!(
                                "Field {name} has NaN in {rule}. Comparisons with NaN are always false, so {effect}."
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_timestamp(sink: &mut Sink, adder: &Adder, rules: &DynamicMessage) {
    let name = adder.q();
    let t = TIMESTAMP as i32;
    check_numeric(sink, adder, t, rules, &timestamp_value);
    if get_bool(rules, "lt_now") && get_bool(rules, "gt_now") {
        adder.at_each(
            sink,
            &[&[t, 8], &[t, 7]],
            format!(
                "Field {name} has both {} and {}. A timestamp cannot be both before and after validation time.",
                adder.rule_name(&[t, 8]),
                adder.rule_name(&[t, 7])
            ),
        );
    }
    if let Some(within) = rules
        .has_field_by_name("within")
        .then(|| rules.get_field_by_name("within"))
        .flatten()
    {
        let (secs, nanos) = seconds_nanos(&within);
        let rule = adder.rule_name(&[t, 9]);
        if let Some(problem) = duration_problem(secs, nanos) {
            adder.at(
                sink,
                &[t, 9],
                format!("Field {name} has an invalid {rule}: {problem}."),
            );
        } else if secs <= 0 && nanos <= 0 {
            adder.at(
                sink,
                &[t, 9],
                format!(
                    "Field {name} must have a positive {rule} ({}).",
                    go_text(secs, nanos)
                ),
            );
        }
    }
}

fn check_field_mask(sink: &mut Sink, adder: &Adder, rules: &DynamicMessage) {
    let f = FIELD_MASK as i32;
    check_const(sink, adder, f, rules);
    let (ins, not_ins) = (str_list(rules, "in"), str_list(rules, "not_in"));
    for path in &ins {
        if not_ins.contains(path) {
            adder.at(
                sink,
                &[f, 2],
                format!(
                    "Field {} has path {} in both in and not_in rules.",
                    adder.q(),
                    go_quote(path)
                ),
            );
        }
    }
}

/// Go's `regexp.Compile` error for `pattern`, or `None` when it parses.
/// regex-syntax and RE2 agree on what is a syntax error in the cases
/// below; anything else regex-syntax rejects is left alone rather than
/// reported with a guessed text.
pub(super) fn go_regexp_error(pattern: &str) -> Option<String> {
    let err = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .err()?;
    let span = err.span();
    let piece = pattern
        .get(span.start.offset..span.end.offset)
        .unwrap_or(pattern);
    let (code, expr) = match err.kind() {
        RegexError::GroupUnclosed => ("missing closing )", pattern),
        RegexError::GroupUnopened => ("unexpected )", pattern),
        RegexError::ClassUnclosed => (
            "missing closing ]",
            pattern.get(span.start.offset..).unwrap_or(pattern),
        ),
        RegexError::ClassRangeInvalid => ("invalid character class range", piece),
        RegexError::EscapeUnrecognized | RegexError::UnsupportedBackreference => {
            ("invalid escape sequence", piece)
        }
        RegexError::EscapeUnexpectedEof => ("trailing backslash at end of expression", ""),
        RegexError::RepetitionMissing => (
            "missing argument to repetition operator",
            operator_at(pattern, span.start.offset),
        ),
        RegexError::RepetitionCountInvalid => ("invalid repeat count", piece),
        RegexError::UnsupportedLookAround => ("invalid or unsupported Perl syntax", piece),
        _ => return None,
    };
    Some(format!("error parsing regexp: {code}: `{expr}`"))
}

/// The repetition operator starting at `offset` (`*`, `+?`, `{2,3}`).
fn operator_at(pattern: &str, offset: usize) -> &str {
    let rest = pattern.get(offset..).unwrap_or("");
    let len = if rest.starts_with('{') {
        rest.find('}').map_or(rest.len(), |i| i + 1)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let len = if rest[len..].starts_with('?') {
        len + 1
    } else {
        len
    };
    &rest[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexp_errors_use_go_texts() {
        assert_eq!(
            go_regexp_error("a(b").as_deref(),
            Some("error parsing regexp: missing closing ): `a(b`")
        );
        assert_eq!(
            go_regexp_error("a)").as_deref(),
            Some("error parsing regexp: unexpected ): `a)`")
        );
        assert_eq!(go_regexp_error("^[a-z]+$"), None);
    }

    #[test]
    fn durations_outside_protovalidate_limits_are_named() {
        assert_eq!(duration_problem(5, 0), None);
        assert_eq!(
            duration_problem(1, -5).as_deref(),
            Some("duration (seconds:1 nanos:-5) has seconds and nanos with different signs")
        );
        assert!(duration_problem(9_223_372_037, 0).is_some());
    }
}
