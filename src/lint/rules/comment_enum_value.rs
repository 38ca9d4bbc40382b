//! COMMENT_ENUM_VALUE: enum values carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, EnumValue, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_ENUM_VALUE",
        purpose: "Checks that enum values have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::EnumValue(check),
};

fn check(value: &EnumValue, sink: &mut Sink) {
    shared::documented(
        sink,
        value.file,
        &value.path,
        "Enum value",
        value.desc.name(),
    );
}
