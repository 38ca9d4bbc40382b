//! RPC_SAME_RESPONSE_TYPE: RPCs keep their response type.
//!
//! Old clients and servers would encode and decode the wrong message.
//! Bad: `rpc Get(GetRequest)` becomes `rpc Get(FetchRequest)`.

use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, MethodPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

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
    let before = p.prev_desc().output_type().trim_start_matches('.');
    let after = p.cur_desc().output_type().trim_start_matches('.');
    if before != after {
        sink.at(
            p.service.file,
            child(&p.cur_path(), 3),
            Some(p.prev_service.file),
            format!(
                "RPC {} on service {} changed response type from {} to {}.",
                go_quote(p.cur_desc().name()),
                go_quote(p.service.desc.name()),
                go_quote(before),
                go_quote(after)
            ),
        );
    }
}
