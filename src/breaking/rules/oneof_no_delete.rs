//! ONEOF_NO_DELETE: oneofs are not deleted.
//!
//! Generated code exposes each oneof (a case enum, accessors). Synthetic oneofs
//! of proto3 `optional` fields do not count. Bad: removing `oneof choice`.

use super::shared;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ONEOF_NO_DELETE",
        purpose: "Checks that oneofs are not deleted from a given message.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let cur: Vec<&str> = p.cur.desc.oneof_decl.iter().map(|o| o.name()).collect();
    for (k, o) in p.prev.desc.oneof_decl.iter().enumerate() {
        if cur.contains(&o.name()) || shared::is_synthetic_oneof(p.prev, k) {
            continue;
        }
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "Previously present oneof {} on message {} was deleted.",
                go_quote(o.name()),
                go_quote(p.cur.name())
            ),
        );
    }
}
