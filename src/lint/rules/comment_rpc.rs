//! COMMENT_RPC: RPCs carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, Method, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_RPC",
        purpose: "Checks that RPCs have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(method: &Method, sink: &mut Sink) {
    shared::documented(sink, method.file, &method.path, "RPC", method.desc.name());
}
