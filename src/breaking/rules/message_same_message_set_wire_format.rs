//! MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT: deprecated in buf; configuring it runs its replacements, if any.
//!
//! Kept so that configurations naming it stay valid and `ls-breaking-rules` lists
//! it.

use crate::breaking::{BreakingRule, Check};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
        purpose: "Checks that messages have the same value for the message_set_wire_format option.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: Some(&[]),
        deprecated: true,
        replacements: &[],
    },
    check: Check::Nothing,
};
