//! PACKAGE_SAME_CSHARP_NAMESPACE: all files of a package agree on `option csharp_namespace`.
//!
//! Generators place a package's files by this option; files that disagree split
//! one package across several outputs. Unset counts as a value of its own. Bad:
//! one file of `acme.v1` sets `csharp_namespace` and another does not. Good: every file sets
//! the same value.

use super::shared;
use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, ModuleView, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_SAME_CSHARP_NAMESPACE",
        purpose: "Checks that all files with a given package have the same value for the csharp_namespace option.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "PACKAGE_AFFINITY"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    shared::package_same_option(view, sink, "csharp_namespace", 37, |f| {
        f.fd.options
            .as_ref()
            .and_then(|o| o.csharp_namespace.clone())
    });
}
