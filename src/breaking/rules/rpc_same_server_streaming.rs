//! RPC_SAME_SERVER_STREAMING: RPCs keep server streaming on or off.
//!
//! Unary and streaming calls are different protocols on the wire and in code.
//! Bad: `rpc Watch(Req) returns (Resp);` becomes `returns (stream Resp);`.

use super::shared;
use crate::breaking::{BreakingRule, Check, MethodPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RPC_SAME_SERVER_STREAMING",
        purpose: "Checks that rpcs have the same server streaming value.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(p: &MethodPair, sink: &mut Sink) {
    shared::streaming_change(p, sink, "server", |m| m.server_streaming());
}
