//! FILE_NO_DELETE: files are not deleted.
//!
//! Importers of a deleted file stop compiling. Reported with no file (`<input>`).
//! Bad: `a/v1/old.proto` disappears. Good: keep it (it may just re-export).

use crate::breaking::{BreakingRule, Check, Ctx, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_NO_DELETE",
        purpose: "Checks that files are not deleted.",
        v1beta1: Some(&["FILE"]),
        v1: Some(&["FILE"]),
        v2: Some(&["CSR", "FILE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Sides(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, f) in ctx.prev.files.iter().enumerate() {
        if !ctx.cur.file_by_path.contains_key(f.name()) {
            sink.no_file(
                Some(i),
                format!(
                    "Previously present file {} was deleted.",
                    go_quote(f.name())
                ),
            );
        }
    }
}
