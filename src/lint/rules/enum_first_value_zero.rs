//! ENUM_FIRST_VALUE_ZERO: the first enum value is 0.
//!
//! The first value is the default; in closed enums (proto2, editions) it need not
//! be zero, but zero keeps defaults and proto3 interop unsurprising. Bad:
//! `enum E { E_ONE = 1; }`. Good: start with `E_UNSPECIFIED = 0;`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, Enum, LintRule, Sink};
use crate::lint::{child, with};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "ENUM_FIRST_VALUE_ZERO",
        purpose: "Checks that all first values of enums have a numeric value of 0.",
        v1beta1: Some(&["OTHER"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(e: &Enum, sink: &mut Sink) {
    if let Some(first) = e.desc.value.first()
        && first.number() != 0
    {
        sink.at(
            e.file.index,
            with(&child(&e.path, 2, 0), 2),
            format!(
                "First enum value {} should have a numeric value of 0",
                go_quote(first.name())
            ),
        );
    }
}
