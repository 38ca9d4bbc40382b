//! FIELD_SAME_CARDINALITY: fields keep their cardinality.
//!
//! Presence, required, repeated and map change generated code and encoding.
//! Bad: `string tag = 5;` becomes `repeated string tag = 5;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_CARDINALITY",
        purpose: "Checks that fields have the same cardinalities in a given message.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    shared::cardinality_change(p, sink, None);
}
