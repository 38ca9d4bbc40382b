//! IMPORT_NO_WEAK: deprecated in buf with no replacement; configuring it warns
//! and it never reports.

use crate::check::RuleMeta;
use crate::lint::{Check, LintRule};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "IMPORT_NO_WEAK",
        purpose: "Checks that imports are not weak.",
        v1beta1: Some(&[]),
        v1: Some(&[]),
        v2: Some(&[]),
        deprecated: true,
        replacements: &[],
    },
    check: Check::Nothing,
};
