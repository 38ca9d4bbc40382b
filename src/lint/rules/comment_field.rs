//! COMMENT_FIELD: fields carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count. Group fields are skipped (their message is checked); extensions are fields.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, Field, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_FIELD",
        purpose: "Checks that fields have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(field: &Field, sink: &mut Sink) {
    if field.is_group() {
        return;
    }

    shared::documented(sink, field.file, &field.path, "Field", field.desc.name());
}
