//! ENUM_NO_ALLOW_ALIAS: enums do not set `allow_alias`.
//!
//! Aliases make JSON names and renames ambiguous. Bad:
//! `option allow_alias = true;`. Good: one name per number.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, Enum, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_NO_ALLOW_ALIAS",
        purpose: "Checks that enums do not have the allow_alias option set.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "SENSIBLE"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(e: &Enum, sink: &mut Sink) {
    if e.desc.options.as_ref().is_some_and(|o| o.allow_alias()) {
        let mut path = e.path.clone();
        path.extend([3, 2]);
        sink.at(
            e.file.index,
            path,
            format!(
                "Enum option \"allow_alias\" on enum {} must be false.",
                go_quote(e.desc.name())
            ),
        );
    }
}
