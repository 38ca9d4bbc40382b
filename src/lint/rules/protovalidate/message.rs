//! Message rules: `(buf.validate.message)` CEL and `oneof` entries.

use std::collections::BTreeMap;

use prost_reflect::MessageDescriptor;

use super::field::{get_list, str_list};
use super::{Cx, EXT_RULES, MESSAGE_OPTIONS, cel, ext_path};
use crate::check::naming::go_quote;
use crate::lint::{Sink, with};

/// `MessageRules.oneof` and `MessageOneofRule.fields`.
const ONEOF: i32 = 4;
const ONEOF_FIELDS: i32 = 1;

pub(super) fn check_message(cx: &Cx, sink: &mut Sink, md: &MessageDescriptor, path: &[i32]) {
    let Some(rules) = cx.rules(
        &with(path, MESSAGE_OPTIONS),
        EXT_RULES,
        &cx.schema.message_rules,
    ) else {
        return;
    };
    let opt = ext_path(path, MESSAGE_OPTIONS, EXT_RULES);
    cel::check_message_cel(cx, sink, &rules, md, &opt);
    let name = go_quote(md.name());
    let entries: Vec<Vec<String>> = get_list(&rules, "oneof")
        .iter()
        .filter_map(|e| e.as_message().map(|e| str_list(e, "fields")))
        .collect();
    let at = |extra: &[i32]| {
        let mut p = opt.clone();
        p.extend_from_slice(extra);
        p
    };
    let mut entries_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, fields) in entries.iter().enumerate() {
        let i32i = i as i32;
        if fields.is_empty() {
            cx.report(
                sink,
                &at(&[ONEOF, i32i]),
                opt.len(),
                format!(
                    "Message {name} has a (buf.validate.message).oneof entry with no fields. Each oneof entry must specify at least one field."
                ),
            );
            continue;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (j, field) in fields.iter().enumerate() {
            let here = at(&[ONEOF, i32i, ONEOF_FIELDS, j as i32]);
            if seen.contains(&field.as_str()) {
                cx.report(
                    sink,
                    &here,
                    opt.len(),
                    format!(
                        "Message {name} has a (buf.validate.message).oneof entry that references field {} more than once. Duplicate field names are not permitted.",
                        go_quote(field)
                    ),
                );
                continue;
            }
            seen.push(field);
            if md.get_field_by_name(field).is_none() {
                cx.report(
                    sink,
                    &here,
                    opt.len(),
                    format!(
                        "Message {name} has a (buf.validate.message).oneof entry that references field {}, which is not defined in the message.",
                        go_quote(field)
                    ),
                );
                continue;
            }
            entries_of.entry(field).or_default().push(i);
        }
    }
    for (field, indices) in entries_of {
        if indices.len() < 2 {
            continue;
        }
        let paths: Vec<Vec<i32>> = indices.iter().map(|&i| at(&[ONEOF, i as i32])).collect();
        cx.report_each(
            sink,
            &paths,
            opt.len(),
            &format!(
                "Message {name} references field {} in more than one (buf.validate.message).oneof entry. A field may only appear in one oneof entry.",
                go_quote(field)
            ),
        );
    }
}
