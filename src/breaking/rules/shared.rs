//! What several breaking rules share: how buf describes fields, their kinds
//! and cardinalities, where deleted elements are reported, reserved and
//! extension range coverage, and file option comparisons.

use prost_types::field_descriptor_proto::{Label, Type};

use crate::breaking::model::{
    ENCODING_DELIMITED, PRESENCE_IMPLICIT, PRESENCE_LEGACY_REQUIRED, Syntax, child,
};
use crate::breaking::{Ctx, FieldPair, FieldView, FilePair, Side, Sink};
use crate::check::naming::go_quote;

/// `Field "1" with name "x" on message "M"`, or for extensions
/// `Extension "1" with name "pkg.x" on message "pkg.M"`.
pub fn field_description(side: &Side, f: &FieldView) -> String {
    let name = if f.is_extension() {
        f.full_name.clone()
    } else {
        f.desc.name().to_string()
    };
    describe(side, f, Some(&name))
}

/// The description without the name (`Field "1" on message "M"`).
pub fn field_description_no_name(side: &Side, f: &FieldView) -> String {
    describe(side, f, None)
}

fn describe(side: &Side, f: &FieldView, name: Option<&str>) -> String {
    let name = name.map_or(String::new(), |n| format!(" with name {}", go_quote(n)));
    let (kind, message) = if f.is_extension() {
        (
            "Extension",
            f.desc.extendee().trim_start_matches('.').to_string(),
        )
    } else {
        let parent = f
            .parent
            .and_then(|i| side.messages.get(i))
            .map_or("", |m| m.name());
        ("Field", parent.to_string())
    };
    format!(
        "{kind} {}{name} on message {}",
        go_quote(&f.number().to_string()),
        go_quote(&message)
    )
}

/// A field's kind as protoreflect sees it: editions fields with delimited
/// message encoding are groups.
pub fn kind(side: &Side, f: &FieldView) -> Type {
    let t = f.desc.r#type();
    if t == Type::Message
        && f.features.message_encoding == ENCODING_DELIMITED
        && !side.field_message(f).is_some_and(|m| m.is_map_entry())
    {
        return Type::Group;
    }
    t
}

/// How buf prints a field's type in "changed type" messages.
pub fn type_pretty(side: &Side, f: &FieldView) -> &'static str {
    let k = kind(side, f);
    if k == Type::Group && side.files[f.file].syntax != Syntax::Proto2 {
        return "message (delimited encoding)";
    }
    crate::compiler::defaults::type_keyword(k)
}

pub fn is_message_like(t: Type) -> bool {
    matches!(t, Type::Message | Type::Group | Type::Enum)
}

/// Whether the field is a map (a repeated map-entry message).
pub fn is_map(side: &Side, f: &FieldView) -> bool {
    f.desc.label() == Label::Repeated && side.field_message(f).is_some_and(|m| m.is_map_entry())
}

/// Whether the field is declared inside a map entry message.
pub fn in_map_entry(side: &Side, f: &FieldView) -> bool {
    !f.is_extension()
        && f.parent
            .and_then(|i| side.messages.get(i))
            .is_some_and(|m| m.is_map_entry())
}

/// The field's real (non-synthetic) oneof name, if any.
pub fn real_oneof<'a>(side: &'a Side, f: &FieldView) -> Option<&'a str> {
    if f.is_extension() || f.desc.proto3_optional() {
        return None;
    }
    let i = f.desc.oneof_index?;
    let m = side.messages.get(f.parent?)?;
    m.desc
        .oneof_decl
        .get(usize::try_from(i).ok()?)
        .map(|o| o.name())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cardinality {
    OptionalExplicit,
    OptionalImplicit,
    Required,
    Repeated,
    Map,
}

impl Cardinality {
    pub fn name(self) -> &'static str {
        match self {
            Cardinality::OptionalExplicit => "optional with explicit presence",
            Cardinality::OptionalImplicit => "optional with implicit presence",
            Cardinality::Required => "required",
            Cardinality::Repeated => "repeated",
            Cardinality::Map => "map",
        }
    }
}

pub fn cardinality(side: &Side, f: &FieldView) -> Cardinality {
    if f.desc.label() == Label::Repeated {
        return if is_map(side, f) {
            Cardinality::Map
        } else {
            Cardinality::Repeated
        };
    }
    let editions = side.files[f.file].syntax == Syntax::Editions;
    if f.desc.label() == Label::Required
        || (editions && f.features.field_presence == PRESENCE_LEGACY_REQUIRED)
    {
        return Cardinality::Required;
    }
    if has_presence(side, f) {
        Cardinality::OptionalExplicit
    } else {
        Cardinality::OptionalImplicit
    }
}

fn has_presence(side: &Side, f: &FieldView) -> bool {
    if f.is_extension() {
        return true;
    }
    if matches!(f.desc.r#type(), Type::Message | Type::Group) || f.desc.oneof_index.is_some() {
        return true;
    }
    match side.files[f.file].syntax {
        Syntax::Proto2 => true,
        Syntax::Proto3 => false,
        Syntax::Editions => f.features.field_presence != PRESENCE_IMPLICIT,
    }
}

/// The nearest enclosing message of `nested_name` (`A.B.c` -> `A.B`, then
/// `A`) that exists in `package` of `side`, and optionally in file `file`.
pub fn enclosing_message<'s, 'a>(
    side: &'s Side<'a>,
    package: &str,
    nested_name: &str,
    file: Option<usize>,
) -> Option<&'s crate::breaking::MessageView<'a>> {
    let mut name = nested_name;
    while let Some((parent, _)) = name.rsplit_once('.') {
        name = parent;
        let full = if package.is_empty() {
            name.to_string()
        } else {
            format!("{package}.{name}")
        };
        if let Some(m) = side.message(&full)
            && file.is_none_or(|f| m.file == f)
        {
            return Some(m);
        }
    }
    None
}

/// The current-file path buf reports a deleted element at: the nearest
/// enclosing message of `nested_name` that still exists in current file
/// `file`. `None` means the file itself.
pub fn deleted_location(side: &Side, file: usize, nested_name: &str) -> Option<Vec<i32>> {
    let package = side.files.get(file)?.package();
    enclosing_message(side, package, nested_name, Some(file)).map(|m| m.path.clone())
}

/// Reports a deletion at the nearest surviving parent, else file-level.
pub fn report_deleted(
    sink: &mut Sink,
    side: &Side,
    file: usize,
    nested_name: &str,
    against: usize,
    message: String,
) {
    match deleted_location(side, file, nested_name) {
        Some(path) => sink.at(file, path, Some(against), message),
        None => sink.file_level(file, Some(against), message),
    }
}

/// The per-file deletion rules: elements (by nested name) of a previous
/// file missing from the current file of the same path, reported at their
/// nearest surviving parent message.
pub fn file_deletions<'s, 'a>(
    p: &FilePair<'s, 'a>,
    sink: &mut Sink,
    what: &str,
    names: impl Fn(&'s Side<'a>, usize) -> Vec<&'s str>,
) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    let present: std::collections::HashSet<&str> = names(cur, p.cur).into_iter().collect();
    for name in names(prev, p.prev) {
        if !present.contains(name) {
            report_deleted(
                sink,
                cur,
                p.cur,
                name,
                p.prev,
                format!(
                    "Previously present {what} {} was deleted from file.",
                    go_quote(name)
                ),
            );
        }
    }
}

/// The first of `paths` the current file records, else the last one (which
/// then reads as file-level if unrecorded too).
pub fn first_located(side: &Side, file: usize, paths: Vec<Vec<i32>>) -> Vec<i32> {
    let f = &side.files[file];
    let last = paths.last().cloned().unwrap_or_default();
    paths
        .into_iter()
        .find(|p| f.has_location(p))
        .unwrap_or(last)
}

/// An inclusive range of numbers, as buf prints them.
#[derive(Clone, Copy, Debug)]
pub struct TagRange {
    pub start: i64,
    pub end: i64,
}

/// `[a]`, `[a,b]` or `[a,max]`.
pub fn range_string(r: TagRange, max: i64) -> String {
    if r.start == r.end {
        format!("[{}]", r.start)
    } else if r.end == max {
        format!("[{},max]", r.start)
    } else {
        format!("[{},{}]", r.start, r.end)
    }
}

/// Sorts and merges overlapping or adjacent ranges.
fn collapse(mut ranges: Vec<TagRange>) -> Vec<TagRange> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<TagRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end + 1 => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The parts of `[start, end]` the collapsed `ranges` do not cover.
fn missing(start: i64, end: i64, ranges: &[TagRange]) -> Vec<TagRange> {
    let mut out = Vec::new();
    let mut at = start;
    for r in ranges {
        if r.end < at {
            continue;
        }
        if r.start > end {
            break;
        }
        if r.start > at {
            out.push(TagRange {
                start: at,
                end: r.start - 1,
            });
        }
        at = r.end + 1;
        if at > end {
            return out;
        }
    }
    if at <= end {
        out.push(TagRange { start: at, end });
    }
    out
}

/// For each previous range not fully covered by the current ranges, the
/// previous range and the parts that went missing, as buf words them:
/// `"[10,20]" ... [16,20]`.
pub fn uncovered(prev: &[TagRange], cur: &[TagRange], max: i64) -> Vec<(String, String)> {
    let cur = collapse(cur.to_vec());
    prev.iter()
        .filter_map(|r| {
            let gone = missing(r.start, r.end, &cur);
            (!gone.is_empty()).then(|| {
                (
                    range_string(*r, max),
                    gone.iter()
                        .map(|g| range_string(*g, max))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
        })
        .collect()
}

/// The highest field number of a message (message-set messages go higher).
pub fn message_max(side: &Side, message: usize) -> i64 {
    let set = side.messages[message]
        .desc
        .options
        .as_ref()
        .is_some_and(|o| o.message_set_wire_format());
    if set { 2_147_483_646 } else { 536_870_911 }
}

pub const ENUM_MAX: i64 = 2_147_483_647;

/// Compares a file option's effective value on both sides and reports
/// `File option "<name>" changed from "<a>" to "<b>".` at the option (or
/// file-level when the current file does not set it).
pub fn file_option(
    p: &FilePair,
    sink: &mut Sink,
    name: &str,
    number: i32,
    value: impl Fn(&prost_types::FileOptions) -> String,
) {
    let default = prost_types::FileOptions::default();
    let get = |f: &crate::breaking::FileView| value(f.fd.options.as_ref().unwrap_or(&default));
    let (before, after) = (get(p.prev()), get(p.cur()));
    if before != after {
        file_value_changed(
            p,
            sink,
            vec![8, number],
            &format!("option {}", go_quote(name)),
            &before,
            &after,
        );
    }
}

/// `File <what> changed from "<a>" to "<b>".` at `path` in the current file.
pub fn file_value_changed(
    p: &FilePair,
    sink: &mut Sink,
    path: Vec<i32>,
    what: &str,
    before: &str,
    after: &str,
) {
    sink.at(
        p.cur,
        path,
        Some(p.prev),
        format!(
            "File {what} changed from {} to {}.",
            go_quote(before),
            go_quote(after)
        ),
    );
}

/// Go's `strconv.FormatBool`.
pub fn bool_str(b: bool) -> String {
    b.to_string()
}

/// The current-file path of a field option (`[..., 8, n]`), falling back to
/// the field declaration.
pub fn field_option_or_decl(p: &FieldPair, option_path: &[i32]) -> Vec<i32> {
    let mut opt = child(&p.cur.path, 8);
    opt.extend_from_slice(option_path);
    first_located(p.ctx.cur, p.cur.file, vec![opt, p.cur.path.clone()])
}

/// Both sides, for rules that need to look up types.
pub fn sides<'s, 'a>(ctx: &'s Ctx<'s, 'a>) -> (&'s Side<'a>, &'s Side<'a>) {
    (ctx.cur, ctx.prev)
}

/// Whether oneof `k` of `m` is the synthetic oneof of a proto3 `optional`.
pub fn is_synthetic_oneof(m: &crate::breaking::MessageView, k: usize) -> bool {
    m.desc
        .field
        .iter()
        .any(|f| f.oneof_index == Some(k as i32) && f.proto3_optional())
}

/// The package-wide deletion rules: elements (by nested name) missing from
/// a package that still has elements of that kind. `elements` lists each
/// element's file and nested name.
pub fn package_deletions<'s, 'a>(
    ctx: &Ctx<'s, 'a>,
    sink: &mut Sink,
    what: &str,
    parent_anywhere_in_package: bool,
    elements: impl Fn(&'s Side<'a>) -> Vec<(usize, &'s str)>,
) {
    use std::collections::{HashMap, HashSet};
    let cur_elements = elements(ctx.cur);
    let mut present: HashMap<&str, HashSet<&str>> = HashMap::new();
    for &(file, name) in &cur_elements {
        present
            .entry(ctx.cur.files[file].package())
            .or_default()
            .insert(name);
    }
    for (file, name) in elements(ctx.prev) {
        let pf = &ctx.prev.files[file];
        let package = pf.package();
        let Some(names) = present.get(package) else {
            continue;
        };
        if names.contains(name) {
            continue;
        }
        let message = format!(
            "Previously present {what} {} was deleted from package {}.",
            go_quote(name),
            go_quote(package)
        );
        let Some(&cf) = ctx.cur.file_by_path.get(pf.name()) else {
            sink.no_file(Some(file), message);
            continue;
        };
        if parent_anywhere_in_package {
            // buf looks the enclosing message up in the whole package.
            match enclosing_message(ctx.cur, package, name, None) {
                Some(m) => sink.at(m.file, m.path.clone(), Some(file), message),
                None => sink.file_level(cf, Some(file), message),
            }
        } else {
            report_deleted(sink, ctx.cur, cf, name, file, message);
        }
    }
}

/// ENUM_VALUE_NO_DELETE and its reserved-number / reserved-name variants.
pub fn enum_value_deletions(
    p: &crate::breaking::EnumPair,
    sink: &mut Sink,
    unless_number_reserved: bool,
    unless_name_reserved: bool,
) {
    let cur = crate::breaking::values_by_number(p.cur);
    for (number, values) in crate::breaking::values_by_number(p.prev) {
        if cur.iter().any(|(n, _)| *n == number) {
            continue;
        }
        let mut names: Vec<&str> = values
            .iter()
            .map(|&i| p.prev.desc.value[i].name())
            .collect();
        names.sort_unstable();
        names.dedup();
        if unless_number_reserved
            && p.cur
                .desc
                .reserved_range
                .iter()
                .any(|r| (r.start()..=r.end()).contains(&number))
        {
            continue;
        }
        if unless_name_reserved
            && names
                .iter()
                .all(|n| p.cur.desc.reserved_name.iter().any(|r| r == n))
        {
            continue;
        }
        let suffix = if unless_number_reserved {
            format!(" without reserving the number \"{number}\"")
        } else if unless_name_reserved {
            let s = if names.len() > 1 { "s" } else { "" };
            let list: Vec<String> = names.iter().map(|n| go_quote(n)).collect();
            format!(" without reserving the name{s} {}", list.join(", "))
        } else {
            String::new()
        };
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "Previously present enum value \"{number}\" on enum {} was deleted{suffix}.",
                go_quote(p.cur.name())
            ),
        );
    }
}

/// FIELD_NO_DELETE and its reserved-number / reserved-name variants.
pub fn field_deletions(
    p: &crate::breaking::MessagePair,
    sink: &mut Sink,
    unless_number_reserved: bool,
    unless_name_reserved: bool,
) {
    let (cur, prev) = (
        &p.ctx.cur.fields[p.cur_index],
        &p.ctx.prev.fields[p.prev_index],
    );
    for f in prev {
        let number = f.number();
        if cur.iter().any(|c| c.number() == number) {
            continue;
        }
        if unless_number_reserved
            && p.cur
                .desc
                .reserved_range
                .iter()
                .any(|r| (r.start()..r.end()).contains(&number))
        {
            continue;
        }
        if unless_name_reserved && p.cur.desc.reserved_name.iter().any(|n| n == f.desc.name()) {
            continue;
        }
        let suffix = if unless_number_reserved {
            format!(" without reserving the number \"{number}\"")
        } else if unless_name_reserved {
            format!(" without reserving the name {}", go_quote(f.desc.name()))
        } else {
            String::new()
        };
        let desc = field_description(p.ctx.prev, f);
        let desc = match desc.strip_prefix("Field") {
            Some(rest) => format!("field{rest}"),
            None => desc,
        };
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!("Previously present {desc} was deleted{suffix}."),
        );
    }
}

/// Reports previous ranges (`reserved` or `extension`) of a message that the
/// current ranges no longer cover.
pub fn report_ranges(
    p: &crate::breaking::MessagePair,
    sink: &mut Sink,
    kind: &str,
    prev: &[TagRange],
    cur: &[TagRange],
) {
    let max = message_max(p.ctx.cur, p.cur_index);
    for (was, gone) in uncovered(prev, cur, max) {
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "Previously present {kind} range {} on message {} is missing values: {gone} were removed.",
                go_quote(&was),
                go_quote(p.cur.name())
            ),
        );
    }
}

pub fn json_format_name(v: u64) -> &'static str {
    match v {
        1 => "ALLOW",
        2 => "LEGACY_BEST_EFFORT",
        _ => "JSON_FORMAT_UNKNOWN",
    }
}

pub fn utf8_name(v: u64) -> &'static str {
    match v {
        2 => "VERIFY",
        3 => "NONE",
        _ => "UTF8_VALIDATION_UNKNOWN",
    }
}

pub fn cpp_string_type_name(v: u64) -> &'static str {
    match v {
        1 => "VIEW",
        2 => "CORD",
        3 => "STRING",
        _ => "STRING_TYPE_UNKNOWN",
    }
}

pub fn wire_cardinality_group(c: Cardinality) -> u8 {
    match c {
        Cardinality::OptionalExplicit | Cardinality::OptionalImplicit => 1,
        Cardinality::Required => 2,
        Cardinality::Repeated | Cardinality::Map => 3,
    }
}

pub fn wire_json_cardinality_group(c: Cardinality) -> u8 {
    match c {
        Cardinality::OptionalExplicit | Cardinality::OptionalImplicit => 1,
        Cardinality::Required => 2,
        Cardinality::Repeated => 3,
        Cardinality::Map => 4,
    }
}

/// The cardinality rules: reports a change of cardinality (or of its
/// compatibility group), skipping fields of map entries.
pub fn cardinality_change(p: &FieldPair, sink: &mut Sink, group: Option<fn(Cardinality) -> u8>) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    if in_map_entry(prev, p.prev) && in_map_entry(cur, p.cur) {
        return;
    }
    let (before, after) = (cardinality(prev, p.prev), cardinality(cur, p.cur));
    let changed = match group {
        Some(g) => g(before) != g(after),
        None => before != after,
    };
    if changed {
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "{} changed cardinality from {} to {}.",
                field_description(cur, p.cur),
                go_quote(before.name()),
                go_quote(after.name())
            ),
        );
    }
}

/// `... changed type from "<kind>" to "<kind>".<extra>` at the current type.
pub fn changed_type(p: &FieldPair, sink: &mut Sink, extra: &str) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    let field = if is_message_like(kind(cur, p.cur)) {
        6
    } else {
        5
    };
    sink.at(
        p.cur.file,
        child(&p.cur.path, field),
        Some(p.prev.file),
        format!(
            "{} changed type from {} to {}.{extra}",
            field_description(cur, p.cur),
            go_quote(type_pretty(prev, p.prev)),
            go_quote(type_pretty(cur, p.cur))
        ),
    );
}

/// `... changed type from "<type name>" to "<type name>".` at the type name.
pub fn changed_type_name(p: &FieldPair, sink: &mut Sink) {
    sink.at(
        p.cur.file,
        child(&p.cur.path, 6),
        Some(p.prev.file),
        format!(
            "{} changed type from {} to {}.",
            field_description(p.ctx.cur, p.cur),
            go_quote(p.prev.desc.type_name().trim_start_matches('.')),
            go_quote(p.cur.desc.type_name().trim_start_matches('.'))
        ),
    );
}

/// With kinds in the same compatibility group: enum types must keep their
/// simple name and every previous value; message and group types their name.
pub fn same_group_type_name(p: &FieldPair, sink: &mut Sink, t: Type) {
    if p.prev.desc.type_name() == p.cur.desc.type_name() {
        return;
    }
    match t {
        Type::Enum => {
            let prev = p
                .ctx
                .prev
                .enum_named(p.prev.desc.type_name().trim_start_matches('.'));
            let cur = p
                .ctx
                .cur
                .enum_named(p.cur.desc.type_name().trim_start_matches('.'));
            let compatible = match (prev, cur) {
                (Some(pe), Some(ce)) => {
                    pe.name() == ce.name()
                        && pe.desc.value.iter().all(|v| {
                            ce.desc
                                .value
                                .iter()
                                .any(|c| c.name() == v.name() && c.number() == v.number())
                        })
                }
                _ => false,
            };
            if !compatible {
                changed_type_name(p, sink);
            }
        }
        Type::Message | Type::Group => changed_type_name(p, sink),
        _ => {}
    }
}

/// Wire compatibility groups of kinds.
pub fn wire_group(t: Type) -> u8 {
    match t {
        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Bool => 1,
        Type::Sint32 | Type::Sint64 => 2,
        Type::String => 3,
        Type::Bytes => 4,
        Type::Fixed32 | Type::Sfixed32 => 5,
        Type::Fixed64 | Type::Sfixed64 => 6,
        Type::Double => 7,
        Type::Float => 8,
        Type::Group => 9,
        Type::Message => 10,
        Type::Enum => 11,
    }
}

/// Wire-and-JSON compatibility groups of kinds.
pub fn wire_json_group(t: Type) -> u8 {
    match t {
        Type::Int32 | Type::Uint32 => 1,
        Type::Int64 | Type::Uint64 => 2,
        Type::Fixed32 | Type::Sfixed32 => 3,
        Type::Fixed64 | Type::Sfixed64 => 4,
        Type::Bool => 5,
        Type::Sint32 => 6,
        Type::Sint64 => 7,
        Type::String => 8,
        Type::Bytes => 9,
        Type::Double => 10,
        Type::Float => 11,
        Type::Group => 12,
        Type::Message => 13,
        Type::Enum => 14,
    }
}

pub fn is_64bit(t: Type) -> bool {
    matches!(
        t,
        Type::Int64 | Type::Sint64 | Type::Uint64 | Type::Fixed64 | Type::Sfixed64
    )
}

/// The JSON name: explicit, or derived from the field name as protoc does.
pub fn json_name(f: &FieldView) -> String {
    match &f.desc.json_name {
        Some(n) => n.clone(),
        None => crate::compiler::lower::json_name(f.desc.name()),
    }
}

/// The C++ string type (as `(pb.cpp).string_type` numbers) and whether it
/// comes from `ctype = STRING_PIECE`.
pub fn cpp_string_type(side: &Side, f: &FieldView) -> (u64, bool) {
    let file = &side.files[f.file];
    if file.edition.unwrap_or(0) < crate::breaking::model::EDITION_2024
        && let Some(ctype) = f.desc.options.as_ref().and_then(|o| o.ctype)
    {
        match ctype {
            1 => return (2, false),
            2 => return (3, true),
            0 => return (3, false),
            _ if file.syntax != Syntax::Editions => return (3, false),
            _ => {}
        }
    }
    (f.features.cpp_string_type, false)
}

/// The effective Java UTF-8 validation, as a `utf8_validation` number.
pub fn java_utf8(side: &Side, f: &FieldView) -> u64 {
    use crate::breaking::model::{JAVA_UTF8_VERIFY, UTF8_VERIFY};
    let file = &side.files[f.file];
    let default = f.features.utf8_validation;
    let check = file
        .fd
        .options
        .as_ref()
        .and_then(|o| o.java_string_check_utf8);
    if file.syntax != Syntax::Editions || check.is_some() {
        return if check == Some(true) {
            UTF8_VERIFY
        } else {
            default
        };
    }
    if f.features.java_utf8_validation == JAVA_UTF8_VERIFY {
        UTF8_VERIFY
    } else {
        default
    }
}

/// RPC_SAME_CLIENT_STREAMING and RPC_SAME_SERVER_STREAMING: `which` is
/// `client` or `server`.
pub fn streaming_change(
    p: &crate::breaking::MethodPair,
    sink: &mut Sink,
    which: &str,
    streaming: fn(&prost_types::MethodDescriptorProto) -> bool,
) {
    let (before, after) = (streaming(p.prev_desc()), streaming(p.cur_desc()));
    if before != after {
        let mode = |s: bool| if s { "streaming" } else { "unary" };
        sink.at(
            p.service.file,
            p.cur_path(),
            Some(p.prev_service.file),
            format!(
                "RPC {} on service {} changed from {which} {} to {which} {}.",
                go_quote(p.cur_desc().name()),
                go_quote(p.service.desc.name()),
                mode(before),
                mode(after)
            ),
        );
    }
}

/// RPC_SAME_REQUEST_TYPE and RPC_SAME_RESPONSE_TYPE: `which` is `request`
/// or `response`, `field` the method descriptor field holding the type.
pub fn method_type_change(
    p: &crate::breaking::MethodPair,
    sink: &mut Sink,
    which: &str,
    field: i32,
    type_name: fn(&prost_types::MethodDescriptorProto) -> &str,
) {
    let before = type_name(p.prev_desc()).trim_start_matches('.');
    let after = type_name(p.cur_desc()).trim_start_matches('.');
    if before != after {
        sink.at(
            p.service.file,
            child(&p.cur_path(), field),
            Some(p.prev_service.file),
            format!(
                "RPC {} on service {} changed {which} type from {} to {}.",
                go_quote(p.cur_desc().name()),
                go_quote(p.service.desc.name()),
                go_quote(before),
                go_quote(after)
            ),
        );
    }
}
