//! FIELD_WIRE_JSON_COMPATIBLE_TYPE: fields keep a wire- and JSON-compatible type.
//!
//! Only int32/uint32, int64/uint64, fixed32/sfixed32 and fixed64/sfixed64 may be
//! swapped. Bad: `int32 count = 2;` becomes `int64 count = 2;` (JSON quotes 64-bit).

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        purpose: "Checks that fields have wire and JSON compatible types in a given message.",
        v1beta1: None,
        v1: Some(&["WIRE_JSON"]),
        v2: Some(&["CSR", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    let (before, after) = (shared::kind(prev, p.prev), shared::kind(cur, p.cur));
    if shared::wire_json_group(before) != shared::wire_json_group(after) {
        shared::changed_type(
            p,
            sink,
            " See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules and https://developers.google.com/protocol-buffers/docs/proto3#json for JSON compatibility rules.",
        );
        return;
    }
    shared::same_group_type_name(p, sink, after);
}
