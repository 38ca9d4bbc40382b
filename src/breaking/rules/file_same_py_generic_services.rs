//! FILE_SAME_PY_GENERIC_SERVICES: the `py_generic_services` file option keeps its value.
//!
//! Generated code's location, naming or shape follows this option; changing it
//! breaks code that uses the generated code. Unset and the default are the same.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_PY_GENERIC_SERVICES",
        purpose: "Checks that files have the same value for the py_generic_services option.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    shared::file_option(p, sink, "py_generic_services", 18, |o| {
        shared::bool_str(o.py_generic_services())
    });
}
