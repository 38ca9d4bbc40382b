//! EXTENSION_MESSAGE_NO_DELETE: extension ranges are not deleted from a message.
//!
//! Extensions already declared elsewhere would no longer fit. Ranges are merged
//! before comparing. Bad: `extensions 100 to 200;` becomes `extensions 100 to 150;`.

use super::shared::{self, TagRange};
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "EXTENSION_MESSAGE_NO_DELETE",
        purpose: "Checks that extension ranges are not deleted from a given message.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let ranges = |m: &crate::breaking::MessageView| -> Vec<TagRange> {
        m.desc
            .extension_range
            .iter()
            .map(|r| TagRange {
                start: i64::from(r.start()),
                end: i64::from(r.end()) - 1,
            })
            .collect()
    };
    shared::report_ranges(p, sink, "extension", &ranges(p.prev), &ranges(p.cur));
}
