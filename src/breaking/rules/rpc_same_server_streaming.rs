//! RPC_SAME_SERVER_STREAMING: RPCs keep server streaming on or off.
//!
//! Unary and streaming calls are different protocols on the wire and in code.
//! Bad: `rpc Watch(Req) returns (Resp);` becomes `returns (stream Resp);`.

use crate::breaking::{BreakingRule, Check, MethodPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

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
    let (before, after) = (
        p.prev_desc().server_streaming(),
        p.cur_desc().server_streaming(),
    );
    if before != after {
        let mode = |s: bool| if s { "streaming" } else { "unary" };
        sink.at(
            p.service.file,
            p.cur_path(),
            Some(p.prev_service.file),
            format!(
                "RPC {} on service {} changed from server {} to server {}.",
                go_quote(p.cur_desc().name()),
                go_quote(p.service.desc.name()),
                mode(before),
                mode(after)
            ),
        );
    }
}
