//! FILE_SAME_SYNTAX: files keep their syntax.
//!
//! proto2, proto3 and editions differ in presence, defaults and enum behaviour.
//! A missing syntax statement counts as proto2. Bad: `proto2` becomes `proto3`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_SYNTAX",
        purpose: "Checks that files have the same syntax.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    let syntax = |f: &crate::breaking::FileView| match f.fd.syntax() {
        "" => "proto2".to_string(),
        s => s.to_string(),
    };
    let (before, after) = (syntax(p.prev()), syntax(p.cur()));
    if before != after {
        shared::file_value_changed(p, sink, vec![12], "syntax", &before, &after);
    }
}
