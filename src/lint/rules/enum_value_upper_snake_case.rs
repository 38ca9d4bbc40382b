//! ENUM_VALUE_UPPER_SNAKE_CASE: enum value names are UPPER_SNAKE_CASE.
//! Bad: `WindDirNorth = 1;`. Good: `WIND_DIR_NORTH = 1;`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, EnumValue, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_UPPER_SNAKE_CASE",
        purpose: "Checks that enum values are UPPER_SNAKE_CASE.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::EnumValue(check),
};

fn check(value: &EnumValue, sink: &mut Sink) {
    let name = value.desc.name();
    shared::naming(
        sink,
        value.file,
        &value.path,
        "Enum value",
        name,
        "UPPER_SNAKE_CASE",
        naming::to_upper_snake(name),
    );
}
