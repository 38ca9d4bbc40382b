//! FILE_SAME_PHP_GENERIC_SERVICES: deprecated in buf; configuring it runs its replacements, if any.
//!
//! Kept so that configurations naming it stay valid and `ls-breaking-rules` lists
//! it.

use crate::breaking::{BreakingRule, Check};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_PHP_GENERIC_SERVICES",
        purpose: "Checks that files have the same value for the php_generic_services option.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: None,
        deprecated: true,
        replacements: &[],
    },
    check: Check::Nothing,
};
