//! RPC_RESPONSE_STANDARD_NAME: a method's response message is named
//! `<Method>Response` or `<Service><Method>Response`.
//!
//! One message per method lets each evolve on its own. `google.protobuf.Empty` is
//! accepted when `rpc_allow_google_protobuf_empty_responses` is set. Bad: `rpc GetForecast(Location)`. Good:
//! `rpc GetForecast(GetForecastResponse)`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, LintRule, Method, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "RPC_RESPONSE_STANDARD_NAME",
        purpose: "Checks that RPC response type names are RPCNameResponse or ServiceNameRPCNameResponse (configurable).",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(method: &Method, sink: &mut Sink) {
    let full = method.desc.output_type().trim_start_matches('.');
    if sink.options.rpc_allow_google_protobuf_empty_responses && full == "google.protobuf.Empty" {
        return;
    }
    let simple = full.rsplit('.').next().unwrap_or(full);
    let first = format!("{}Response", naming::to_pascal(method.desc.name()));
    let second = format!("{}{first}", naming::to_pascal(method.service.desc.name()));
    if simple != first && simple != second {
        sink.at(
            method.file.index,
            with(&method.path, 3),
            format!(
                "RPC response type {} should be named {} or {}.",
                go_quote(simple),
                go_quote(&first),
                go_quote(&second)
            ),
        );
    }
}
