//! FIELD_NO_DELETE: fields are not deleted.
//!
//! Code that reads or writes the field stops compiling. Bad: dropping
//! `string note = 4;`. Good: keep it and mark it deprecated.

use super::shared;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_NO_DELETE",
        purpose: "Checks that fields are not deleted from a given message.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    shared::field_deletions(p, sink, false, false);
}
