//! SERVICE_NO_DELETE: services are not deleted from a file.
//!
//! Clients of a deleted service fail at once. Reported on the file as a whole.
//! Bad: a file drops `service Billing`. Good: keep it until no client calls it.

use std::collections::HashSet;

use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "SERVICE_NO_DELETE",
        purpose: "Checks that services are not deleted from a given file.",
        v1beta1: Some(&["FILE"]),
        v1: Some(&["FILE"]),
        v2: Some(&["FILE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    let present: HashSet<&str> = cur.file_services[p.cur]
        .iter()
        .map(|&i| cur.services[i].desc.name())
        .collect();
    for &i in &prev.file_services[p.prev] {
        let name = prev.services[i].desc.name();
        if !present.contains(name) {
            sink.file_level(
                p.cur,
                Some(p.prev),
                format!(
                    "Previously present service {} was deleted from file.",
                    go_quote(name)
                ),
            );
        }
    }
}
