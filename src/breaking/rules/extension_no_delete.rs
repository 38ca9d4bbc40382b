//! EXTENSION_NO_DELETE: extensions are not deleted from a file.
//!
//! Code generated for a deleted extension stops compiling its callers.
//! Bad: a file drops an extension it used to declare. Good: keep it, or deprecate it.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "EXTENSION_NO_DELETE",
        purpose: "Checks that extensions are not deleted from a given file.",
        v1beta1: None,
        v1: None,
        v2: Some(&["FILE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    shared::file_deletions(p, sink, "extension", |side, file| {
        side.file_extensions[file]
            .iter()
            .map(|&i| side.extensions[i].nested_name.as_str())
            .collect()
    });
}
