//! ONEOF_LOWER_SNAKE_CASE: oneof names are lower_snake_case (synthetic oneofs of
//! proto3 `optional` fields are skipped). Bad: `oneof Reading`. Good: `oneof reading`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, LintRule, Oneof, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ONEOF_LOWER_SNAKE_CASE",
        purpose: "Checks that oneof names are lower_snake_case.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Oneof(check),
};

fn check(oneof: &Oneof, sink: &mut Sink) {
    let name = oneof.desc.name();
    shared::naming(
        sink,
        oneof.file,
        &oneof.path,
        "Oneof",
        name,
        "lower_snake_case",
        naming::to_lower_snake(name),
    );
}
