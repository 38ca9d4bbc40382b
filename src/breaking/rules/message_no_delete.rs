//! MESSAGE_NO_DELETE: messages are not deleted from a file.
//!
//! Code generated for a deleted message stops compiling its callers.
//! Bad: a file drops a message it used to declare. Good: keep it, or deprecate it.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "MESSAGE_NO_DELETE",
        purpose: "Checks that messages are not deleted from a given file.",
        v1beta1: Some(&["FILE"]),
        v1: Some(&["FILE"]),
        v2: Some(&["CSR", "FILE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    shared::file_deletions(p, sink, "message", |side, file| {
        side.file_messages[file]
            .iter()
            .map(|&i| side.messages[i].nested_name.as_str())
            .collect()
    });
}
