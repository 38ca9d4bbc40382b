//! PACKAGE_DEFINED: every file declares a package.
//!
//! Without a package every type lands in one global namespace. Bad: a file with no
//! `package` statement. Good: `package acme.weather.v1;`.

use crate::check::RuleMeta;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_DEFINED",
        purpose: "Checks that all files have a package defined.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "SENSIBLE"]),
        v1: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        v2: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    if file.package().is_empty() {
        sink.file_level(file.index, "Files must have a package defined.".to_string());
    }
}
