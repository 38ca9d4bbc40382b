//! RPC_NO_CLIENT_STREAMING: methods are not client streaming.
//!
//! Streaming does not pass through every proxy and HTTP/JSON bridge. Bad:
//! `rpc Watch(stream WatchRequest) returns (WatchResponse);`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintRule, Method, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "RPC_NO_CLIENT_STREAMING",
        purpose: "Checks that RPCs are not client streaming.",
        v1beta1: Some(&["UNARY_RPC"]),
        v1: Some(&["UNARY_RPC"]),
        v2: Some(&["UNARY_RPC"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(method: &Method, sink: &mut Sink) {
    if method.desc.client_streaming() {
        sink.at(
            method.file.index,
            method.path.clone(),
            format!("RPC {} is client streaming.", go_quote(method.desc.name())),
        );
    }
}
