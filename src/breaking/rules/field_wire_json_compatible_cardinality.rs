//! FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: fields keep a wire- and JSON-compatible cardinality.
//!
//! As for the wire, except that maps and repeated fields differ in JSON.
//! Bad: `map<string, Item>` becomes `repeated ItemEntry`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        purpose: "Checks that fields have wire and JSON compatible cardinalities in a given message.",
        v1beta1: Some(&["WIRE_JSON"]),
        v1: Some(&["WIRE_JSON"]),
        v2: Some(&["CSR", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    shared::cardinality_change(p, sink, Some(shared::wire_json_cardinality_group));
}
