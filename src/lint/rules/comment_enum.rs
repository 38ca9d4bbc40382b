//! COMMENT_ENUM: enums carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, Enum, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_ENUM",
        purpose: "Checks that enums have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(e: &Enum, sink: &mut Sink) {
    shared::documented(sink, e.file, &e.path, "Enum", e.desc.name());
}
