//! FIELD_NO_DELETE_UNLESS_NAME_RESERVED: fields are deleted only with their names reserved.
//!
//! JSON carries field names; reserving them stops reuse. Bad: dropping
//! `string note = 4;`. Good: `reserved "note";`.

use super::shared;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        purpose: "Checks that fields are not deleted from a given message unless the name is reserved.",
        v1beta1: Some(&["WIRE_JSON"]),
        v1: Some(&["WIRE_JSON"]),
        v2: Some(&["CSR", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    shared::field_deletions(p, sink, false, true);
}
