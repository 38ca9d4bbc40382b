//! FIELD_WIRE_COMPATIBLE_CARDINALITY: fields keep a wire-compatible cardinality.
//!
//! Optional fields of either presence share the wire; repeated and map too.
//! Bad: `repeated string tag = 5;` becomes `string tag = 5;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        purpose: "Checks that fields have wire-compatible cardinalities in a given message.",
        v1beta1: Some(&["WIRE"]),
        v1: Some(&["WIRE"]),
        v2: Some(&["WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    shared::cardinality_change(p, sink, Some(shared::wire_cardinality_group));
}
