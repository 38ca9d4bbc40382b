//! RPC_SAME_RESPONSE_TYPE: RPCs keep their response type.
//!
//! Old clients and servers would encode and decode the wrong message.
//! Bad: `rpc Get(GetRequest)` becomes `rpc Get(FetchRequest)`.

use super::shared;
use crate::breaking::{BreakingRule, Check, MethodPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RPC_SAME_RESPONSE_TYPE",
        purpose: "Checks that rpcs are have the same response type.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(p: &MethodPair, sink: &mut Sink) {
    shared::method_type_change(p, sink, "response", 3, |m| m.output_type());
}
