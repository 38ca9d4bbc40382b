//! ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED: enum values are deleted only with their numbers reserved.
//!
//! The binary encoding carries numbers; reserving them stops reuse. Bad: dropping
//! `SENT = 2;`. Good: `reserved 2;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, EnumPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        purpose: "Checks that enum values are not deleted from a given enum unless the number is reserved.",
        v1beta1: Some(&["WIRE_JSON", "WIRE"]),
        v1: Some(&["WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(p: &EnumPair, sink: &mut Sink) {
    shared::enum_value_deletions(p, sink, true, false);
}
