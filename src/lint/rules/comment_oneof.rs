//! COMMENT_ONEOF: oneofs carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, Oneof, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_ONEOF",
        purpose: "Checks that oneofs have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Oneof(check),
};

fn check(oneof: &Oneof, sink: &mut Sink) {
    shared::documented(sink, oneof.file, &oneof.path, "Oneof", oneof.desc.name());
}
