//! COMMENT_SERVICE: services carry a leading documentation comment.
//!
//! Detached comments (separated by a blank line), trailing comments and
//! `buf:lint:ignore` lines do not count.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, Service, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "COMMENT_SERVICE",
        purpose: "Checks that services have non-empty comments.",
        v1beta1: Some(&["COMMENTS"]),
        v1: Some(&["COMMENTS"]),
        v2: Some(&["COMMENTS"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Service(check),
};

fn check(service: &Service, sink: &mut Sink) {
    shared::documented(
        sink,
        service.file,
        &service.path,
        "Service",
        service.desc.name(),
    );
}
