//! ENUM_VALUE_NO_DELETE: enum values are not deleted.
//!
//! Old readers and writers still use the number. Bad: dropping `STATUS_SENT = 2;`.
//! Good: keep it and mark it deprecated.

use super::shared;
use crate::breaking::{BreakingRule, Check, EnumPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_NO_DELETE",
        purpose: "Checks that enum values are not deleted from a given enum.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(p: &EnumPair, sink: &mut Sink) {
    shared::enum_value_deletions(p, sink, false, false);
}
