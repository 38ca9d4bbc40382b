//! FILE_SAME_JAVA_STRING_CHECK_UTF8: deprecated in buf; configuring it runs its replacements, if any.
//!
//! Kept so that configurations naming it stay valid and `ls-breaking-rules` lists
//! it.

use crate::breaking::{BreakingRule, Check};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_JAVA_STRING_CHECK_UTF8",
        purpose: "Checks that files have the same value for the java_string_check_utf8 option.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: None,
        deprecated: true,
        replacements: &["FIELD_SAME_JAVA_UTF8_VALIDATION"],
    },
    check: Check::Nothing,
};
