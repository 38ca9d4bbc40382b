//! RPC_SAME_IDEMPOTENCY_LEVEL: RPCs keep their idempotency level.
//!
//! Clients decide on retries and HTTP GET from it. Unset is IDEMPOTENCY_UNKNOWN.
//! Bad: `option idempotency_level = NO_SIDE_EFFECTS;` removed.

use prost_types::method_options::IdempotencyLevel;

use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, MethodPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RPC_SAME_IDEMPOTENCY_LEVEL",
        purpose: "Checks that rpcs have the same value for the idempotency_level option.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(p: &MethodPair, sink: &mut Sink) {
    let level = |m: &prost_types::MethodDescriptorProto| {
        m.options
            .as_ref()
            .map_or(IdempotencyLevel::IdempotencyUnknown, |o| {
                o.idempotency_level()
            })
            .as_str_name()
    };
    let (before, after) = (level(p.prev_desc()), level(p.cur_desc()));
    if before != after {
        sink.at(
            p.service.file,
            child(&child(&p.cur_path(), 4), 34),
            Some(p.prev_service.file),
            format!(
                "RPC {} on service {} changed option \"idempotency_level\" from {} to {}.",
                go_quote(p.cur_desc().name()),
                go_quote(p.service.desc.name()),
                go_quote(before),
                go_quote(after)
            ),
        );
    }
}
