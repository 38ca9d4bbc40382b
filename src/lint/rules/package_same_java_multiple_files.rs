//! PACKAGE_SAME_JAVA_MULTIPLE_FILES: all files of a package agree on `option java_multiple_files`.
//!
//! Generators place a package's files by this option; files that disagree split
//! one package across several outputs. Unset counts as a value of its own. Bad:
//! one file of `acme.v1` sets `java_multiple_files` and another does not. Good: every file sets
//! the same value.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, ModuleView, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_SAME_JAVA_MULTIPLE_FILES",
        purpose: "Checks that all files with a given package have the same value for the java_multiple_files option.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "PACKAGE_AFFINITY"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    shared::package_same_option(view, sink, "java_multiple_files", 10, |f| {
        f.fd.options
            .as_ref()
            .and_then(|o| o.java_multiple_files.map(|b| b.to_string()))
    });
}
