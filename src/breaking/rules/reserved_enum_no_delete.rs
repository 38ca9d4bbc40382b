//! RESERVED_ENUM_NO_DELETE: reserved ranges and names are not deleted from an enum.
//!
//! A reservation keeps old numbers and names from being reused. Bad: `reserved 5
//! to 9;` becomes `reserved 5 to 7;`. Good: only grow reservations.

use super::shared::{self, TagRange};
use crate::breaking::{BreakingRule, Check, EnumPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RESERVED_ENUM_NO_DELETE",
        purpose: "Checks that reserved ranges and names are not deleted from a given enum.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(p: &EnumPair, sink: &mut Sink) {
    let ranges = |e: &crate::breaking::EnumView| -> Vec<TagRange> {
        e.desc
            .reserved_range
            .iter()
            .map(|r| TagRange {
                start: i64::from(r.start()),
                end: i64::from(r.end()),
            })
            .collect()
    };
    let cur = ranges(p.cur);
    for (was, gone) in shared::uncovered(&ranges(p.prev), &cur, shared::ENUM_MAX) {
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "Previously present reserved range {} on enum {} is missing values: {gone} were removed.",
                go_quote(&was),
                go_quote(p.cur.name())
            ),
        );
    }
    for name in &p.prev.desc.reserved_name {
        if !p.cur.desc.reserved_name.contains(name) {
            sink.at(
                p.cur.file,
                p.cur.path.clone(),
                Some(p.prev.file),
                format!(
                    "Previously present reserved name {} on enum {} was deleted.",
                    go_quote(name),
                    go_quote(p.cur.name())
                ),
            );
        }
    }
}
