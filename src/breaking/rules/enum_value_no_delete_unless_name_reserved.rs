//! ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED: enum values are deleted only with their names reserved.
//!
//! JSON carries enum names; reserving them stops reuse. Bad: dropping `SENT = 2;`.
//! Good: `reserved "SENT";`.

use super::shared;
use crate::breaking::{BreakingRule, Check, EnumPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        purpose: "Checks that enum values are not deleted from a given enum unless the name is reserved.",
        v1beta1: Some(&["WIRE_JSON"]),
        v1: Some(&["WIRE_JSON"]),
        v2: Some(&["CSR", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(p: &EnumPair, sink: &mut Sink) {
    shared::enum_value_deletions(p, sink, false, true);
}
