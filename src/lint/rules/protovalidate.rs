//! PROTOVALIDATE: protovalidate annotations (`buf.validate.*` options) are valid.
//!
//! Not implemented yet: protolith accepts every protovalidate annotation, so this
//! rule reports nothing. Files without protovalidate options (the common case)
//! agree with buf.

use crate::check::RuleMeta;
use crate::lint::{Check, LintRule};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PROTOVALIDATE",
        purpose: "Checks that protovalidate rules are valid and all CEL expressions compile.",
        v1beta1: None,
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Nothing,
};
