//! FIELD_LOWER_SNAKE_CASE: field names (extensions included) are lower_snake_case.
//!
//! JSON names and accessors are derived from the name; snake case keeps them
//! predictable. Bad: `string stationId = 1;`. Good: `string station_id = 1;`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, Field, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "FIELD_LOWER_SNAKE_CASE",
        purpose: "Checks that field names are lower_snake_case.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(field: &Field, sink: &mut Sink) {
    let name = field.desc.name();
    shared::naming(
        sink,
        field.file,
        &field.path,
        "Field",
        name,
        "lower_snake_case",
        naming::to_lower_snake(name),
    );
}
