//! ENUM_ZERO_VALUE_SUFFIX: every value numbered 0 ends with the configured suffix
//! (`enum_zero_value_suffix`, default `_UNSPECIFIED`).
//!
//! Zero is what an unset field reads as, so it should say so. Bad:
//! `WIND_DIR_NORTH = 0;`. Good: `WIND_DIR_UNSPECIFIED = 0;`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, EnumValue, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_ZERO_VALUE_SUFFIX",
        purpose: "Checks that enum zero values have a consistent suffix (configurable, default suffix is \"_UNSPECIFIED\").",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::EnumValue(check),
};

fn check(value: &EnumValue, sink: &mut Sink) {
    let name = value.desc.name();
    let suffix = &sink.options.enum_zero_value_suffix;
    if value.desc.number() == 0 && !name.ends_with(suffix.as_str()) {
        let message = format!(
            "Enum zero value name {} should be suffixed with {}.",
            go_quote(name),
            go_quote(suffix)
        );
        sink.at(value.file.index, with(&value.path, 1), message);
    }
}
