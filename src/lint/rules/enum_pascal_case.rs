//! ENUM_PASCAL_CASE: enum names are PascalCase. Bad: `enum wind_dir`. Good: `enum WindDir`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, Enum, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_PASCAL_CASE",
        purpose: "Checks that enums are PascalCase.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(e: &Enum, sink: &mut Sink) {
    let name = e.desc.name();
    shared::naming(
        sink,
        e.file,
        &e.path,
        "Enum",
        name,
        "PascalCase",
        naming::to_pascal(name),
    );
}
