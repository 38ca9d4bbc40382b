//! FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: fields are deleted only with their numbers reserved.
//!
//! The binary encoding carries numbers; reserving them stops reuse. Bad: dropping
//! `string note = 4;`. Good: `reserved 4;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        purpose: "Checks that fields are not deleted from a given message unless the number is reserved.",
        v1beta1: Some(&["WIRE_JSON", "WIRE"]),
        v1: Some(&["WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    shared::field_deletions(p, sink, true, false);
}
