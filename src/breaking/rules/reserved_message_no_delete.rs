//! RESERVED_MESSAGE_NO_DELETE: reserved ranges and names are not deleted from a message.
//!
//! A reservation keeps old numbers and names from being reused. Bad: `reserved 10
//! to 20;` becomes `reserved 10 to 15;`. Good: only grow reservations.

use super::shared::{self, TagRange};
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RESERVED_MESSAGE_NO_DELETE",
        purpose: "Checks that reserved ranges and names are not deleted from a given message.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let ranges = |m: &crate::breaking::MessageView| -> Vec<TagRange> {
        m.desc
            .reserved_range
            .iter()
            .map(|r| TagRange {
                start: i64::from(r.start()),
                end: i64::from(r.end()) - 1,
            })
            .collect()
    };
    shared::report_ranges(p, sink, "reserved", &ranges(p.prev), &ranges(p.cur));
    for name in &p.prev.desc.reserved_name {
        if !p.cur.desc.reserved_name.contains(name) {
            sink.at(
                p.cur.file,
                p.cur.path.clone(),
                Some(p.prev.file),
                format!(
                    "Previously present reserved name {} on message {} was deleted.",
                    go_quote(name),
                    go_quote(p.cur.name())
                ),
            );
        }
    }
}
