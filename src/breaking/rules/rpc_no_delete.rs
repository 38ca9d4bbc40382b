//! RPC_NO_DELETE: RPCs are not deleted from a service.
//!
//! Clients calling a deleted RPC fail. Bad: removing `rpc Refund`. Good: keep it
//! and mark it deprecated.

use crate::breaking::{BreakingRule, Check, ServicePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "RPC_NO_DELETE",
        purpose: "Checks that rpcs are not deleted from a given service.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Service(check),
};

fn check(p: &ServicePair, sink: &mut Sink) {
    for m in &p.prev.desc.method {
        if p.cur.desc.method.iter().any(|c| c.name() == m.name()) {
            continue;
        }
        sink.at(
            p.cur.file,
            p.cur.path.clone(),
            Some(p.prev.file),
            format!(
                "Previously present RPC {} on service {} was deleted.",
                go_quote(m.name()),
                go_quote(p.cur.desc.name())
            ),
        );
    }
}
