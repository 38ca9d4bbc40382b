//! FIELD_WIRE_COMPATIBLE_TYPE: fields keep a wire-compatible type.
//!
//! int32, int64, uint32, uint64 and bool share an encoding, as do sint32 and
//! sint64, fixed32 and sfixed32, fixed64 and sfixed64; string may become bytes.
//! Bad: `int32 count = 2;` becomes `sint32 count = 2;`.

use prost_types::field_descriptor_proto::Type;

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_WIRE_COMPATIBLE_TYPE",
        purpose: "Checks that fields have wire-compatible types in a given message.",
        v1beta1: None,
        v1: Some(&["WIRE"]),
        v2: Some(&["WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    let (before, after) = (shared::kind(prev, p.prev), shared::kind(cur, p.cur));
    if shared::wire_group(before) != shared::wire_group(after) {
        match (before, after) {
            (Type::String, Type::Bytes) => {}
            (Type::Bytes, Type::String) => shared::changed_type(
                p,
                sink,
                concat!(
                    " See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.",
                    " Note that while string and bytes are compatible if the data is valid UTF-8, there is no way to enforce that a bytes field is UTF-8, so these fields may be incompatible."
                ),
            ),
            _ => shared::changed_type(
                p,
                sink,
                " See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.",
            ),
        }
        return;
    }
    shared::same_group_type_name(p, sink, p.cur.desc.r#type());
}
