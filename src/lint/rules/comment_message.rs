//! COMMENT_MESSAGE: messages carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, Message, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_MESSAGE",
        purpose: "Checks that messages have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(msg: &Message, sink: &mut Sink) {
    shared::documented(sink, msg.file, &msg.path, "Message", msg.desc.name());
}
