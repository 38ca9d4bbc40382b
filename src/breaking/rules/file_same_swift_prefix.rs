//! FILE_SAME_SWIFT_PREFIX: the `swift_prefix` file option keeps its value.
//!
//! Generated code's location, naming or shape follows this option; changing it
//! breaks code that uses the generated code. Unset and the default are the same.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_SWIFT_PREFIX",
        purpose: "Checks that files have the same value for the swift_prefix option.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    shared::file_option(p, sink, "swift_prefix", 39, |o| {
        o.swift_prefix().to_string()
    });
}
