//! PACKAGE_VERSION_SUFFIX: the last package component is a version (`v1`,
//! `v2beta1`, `v1p1alpha`, `v3test`...).
//!
//! A versioned package can evolve by adding a new version next to the old one.
//! Bad: `package acme.weather;`. Good: `package acme.weather.v1;`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_VERSION_SUFFIX",
        purpose: "Checks that the last component of all packages is a version of the form v\\d+, v\\d+test.*, v\\d+(alpha|beta)\\d+, or v\\d+p\\d+(alpha|beta)\\d+, where numbers are >=1.",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    let package = file.package();
    if package.is_empty() || naming::package_version(package).is_some() {
        return;
    }
    sink.at(
        file.index,
        vec![2],
        format!(
            "Package name {} should be suffixed with a correctly formed version, such as {}.",
            go_quote(package),
            go_quote(&format!("{package}.v1"))
        ),
    );
}
