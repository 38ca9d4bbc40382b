//! FIELD_SAME_TYPE: fields keep their type.
//!
//! Any type change alters generated code. Editions fields with delimited
//! encoding count as groups. Bad: `int32 count = 2;` becomes `int64 count = 2;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_TYPE",
        purpose: "Checks that fields have the same types in a given message.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    if shared::kind(prev, p.prev) != shared::kind(cur, p.cur) {
        shared::changed_type(p, sink, "");
        return;
    }
    if shared::is_message_like(p.cur.desc.r#type())
        && p.prev.desc.type_name() != p.cur.desc.type_name()
    {
        shared::changed_type_name(p, sink);
    }
}
