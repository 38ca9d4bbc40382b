//! PACKAGE_DIRECTORY_MATCH: a file of package `a.b.c` sits in directory `a/b/c`.
//!
//! Keeps paths predictable for imports and generated code. Bad:
//! `weather/x.proto` with `package acme.weather.v1;`. Good:
//! `acme/weather/v1/x.proto`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_DIRECTORY_MATCH",
        purpose: "Checks that all files are in a directory that matches their package name.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "FILE_LAYOUT"]),
        v1: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        v2: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    let package = file.package();
    if package.is_empty() {
        return;
    }
    let want = package.replace('.', "/");
    let dir = file.dir();
    if dir != want {
        sink.at(
            file.index,
            vec![2],
            format!(
                "Files with package {} must be within a directory \"{want}\" relative to root but were in directory \"{dir}\".",
                go_quote(package)
            ),
        );
    }
}
