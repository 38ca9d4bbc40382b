//! ENUM_NO_DELETE: enums are not deleted from a file.
//!
//! Code generated for a deleted enum stops compiling its callers.
//! Bad: a file drops an enum it used to declare. Good: keep it, or deprecate it.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_NO_DELETE",
        purpose: "Checks that enums are not deleted from a given file.",
        v1beta1: Some(&["FILE"]),
        v1: Some(&["FILE"]),
        v2: Some(&["CSR", "FILE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    shared::file_deletions(p, sink, "enum", |side, file| {
        side.file_enums[file]
            .iter()
            .map(|&i| side.enums[i].nested_name.as_str())
            .collect()
    });
}
