//! FIELD_SAME_CTYPE: deprecated in buf; configuring it runs its replacements, if any.
//!
//! Kept so that configurations naming it stay valid and `ls-breaking-rules` lists
//! it.

use crate::breaking::{BreakingRule, Check};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_CTYPE",
        purpose: "Checks that fields have the same value for the ctype option.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: None,
        deprecated: true,
        replacements: &["FIELD_SAME_CPP_STRING_TYPE"],
    },
    check: Check::Nothing,
};
