//! FIELD_SAME_LABEL: deprecated in buf; configuring it runs its replacements, if any.
//!
//! Kept so that configurations naming it stay valid and `ls-breaking-rules` lists
//! it.

use crate::breaking::{BreakingRule, Check};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_LABEL",
        purpose: "Checks that fields have the same labels in a given message.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: None,
        deprecated: true,
        replacements: &[
            "FIELD_SAME_CARDINALITY",
            "FIELD_WIRE_COMPATIBLE_CARDINALITY",
            "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        ],
    },
    check: Check::Nothing,
};
