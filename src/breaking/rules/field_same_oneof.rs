//! FIELD_SAME_ONEOF: fields stay in (or out of) the same oneof.
//!
//! Oneof membership changes generated code and what setting a field clears.
//! Bad: moving `string email = 3;` into `oneof contact`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_ONEOF",
        purpose: "Checks that fields have the same oneofs in a given message.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    if p.prev.is_extension() {
        return;
    }
    let before = shared::real_oneof(p.ctx.prev, p.prev);
    let after = shared::real_oneof(p.ctx.cur, p.cur);
    let desc = shared::field_description(p.ctx.cur, p.cur);
    let message = match (before, after) {
        (None, None) => return,
        (Some(b), Some(a)) if a == b => return,
        // buf's message has a stray "q" here; reproduced.
        (Some(b), Some(a)) => format!(
            "{desc}q moved from oneof {} to oneof {}.",
            go_quote(b),
            go_quote(a)
        ),
        (Some(_), None) => format!("{desc} moved from inside to outside a oneof."),
        (None, Some(_)) => format!("{desc} moved from outside to inside a oneof."),
    };
    sink.at(p.cur.file, p.cur.path.clone(), Some(p.prev.file), message);
}
