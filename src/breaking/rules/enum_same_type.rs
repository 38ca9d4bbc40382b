//! ENUM_SAME_TYPE: enums stay open or closed.
//!
//! Closed enums treat unknown values as unknown fields; open enums keep them.
//! Bad: an editions enum gains `option features.enum_type = CLOSED;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, EnumPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_SAME_TYPE",
        purpose: "Checks that enums have the same type (open vs closed).",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Enum(check),
};

fn check(p: &EnumPair, sink: &mut Sink) {
    let (before, after) = (p.prev.is_closed(), p.cur.is_closed());
    if before != after {
        let state = |closed: bool| if closed { "closed" } else { "open" };
        let path = shared::first_located(
            p.ctx.cur,
            p.cur.file,
            vec![[&p.cur.path[..], &[3, 7, 2]].concat(), p.cur.path.clone()],
        );
        sink.at(
            p.cur.file,
            path,
            Some(p.prev.file),
            format!(
                "Enum {} changed from {} to {}.",
                go_quote(p.cur.name()),
                state(before),
                state(after)
            ),
        );
    }
}
