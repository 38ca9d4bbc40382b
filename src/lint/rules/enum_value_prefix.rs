//! ENUM_VALUE_PREFIX: value names start with the enum's name in UPPER_SNAKE_CASE
//! and `_`.
//!
//! Enum values share their parent's namespace in C++ and others, so unprefixed
//! names collide. Bad: `enum WindDir { NORTH = 1; }`. Good: `WIND_DIR_NORTH = 1;`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, EnumValue, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_PREFIX",
        purpose: "Checks that enum values are prefixed with ENUM_NAME_UPPER_SNAKE_CASE.",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::EnumValue(check),
};

fn check(value: &EnumValue, sink: &mut Sink) {
    let prefix = format!("{}_", naming::to_upper_snake(value.parent.desc.name()));
    let name = value.desc.name();
    if !name.starts_with(&prefix) {
        sink.at(
            value.file.index,
            with(&value.path, 1),
            format!(
                "Enum value name {} should be prefixed with {}.",
                go_quote(name),
                go_quote(&prefix)
            ),
        );
    }
}
