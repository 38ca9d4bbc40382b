//! RPC_REQUEST_STANDARD_NAME: a method's request message is named
//! `<Method>Request` or `<Service><Method>Request`.
//!
//! One message per method lets each evolve on its own. `google.protobuf.Empty` is
//! accepted when `rpc_allow_google_protobuf_empty_requests` is set. Bad: `rpc GetForecast(Location)`. Good:
//! `rpc GetForecast(GetForecastRequest)`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, LintRule, Method, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "RPC_REQUEST_STANDARD_NAME",
        purpose: "Checks that RPC request type names are RPCNameRequest or ServiceNameRPCNameRequest (configurable).",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(method: &Method, sink: &mut Sink) {
    let full = method.desc.input_type().trim_start_matches('.');
    if sink.options.rpc_allow_google_protobuf_empty_requests && full == "google.protobuf.Empty" {
        return;
    }
    let simple = full.rsplit('.').next().unwrap_or(full);
    let first = format!("{}Request", naming::to_pascal(method.desc.name()));
    let second = format!("{}{first}", naming::to_pascal(method.service.desc.name()));
    if simple != first && simple != second {
        sink.at(
            method.file.index,
            with(&method.path, 2),
            format!(
                "RPC request type {} should be named {} or {}.",
                go_quote(simple),
                go_quote(&first),
                go_quote(&second)
            ),
        );
    }
}
