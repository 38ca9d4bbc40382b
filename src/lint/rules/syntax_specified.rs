//! SYNTAX_SPECIFIED: every file states `syntax` or `edition`.
//!
//! A file without one silently compiles as proto2. Bad: a file starting with
//! `package`. Good: `syntax = "proto3";` first.

use crate::check::RuleMeta;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "SYNTAX_SPECIFIED",
        purpose: "Checks that all files have a syntax specified.",
        v1beta1: None,
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    if file.compiled.syntax_unspecified {
        sink.file_level(
            file.index,
            "Files must have a syntax explicitly specified. If no syntax is specified, the file defaults to \"proto2\".".to_string(),
        );
    }
}
