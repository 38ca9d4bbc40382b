//! RPC_REQUEST_RESPONSE_UNIQUE: each message is the request or response of one
//! method only, across all target files of the module.
//!
//! Shared request types cannot evolve per method. `rpc_allow_same_request_response`
//! allows a method to use one type both ways; the
//! `rpc_allow_google_protobuf_empty_*` options allow sharing `google.protobuf.Empty`.
//! Bad: `rpc A(Req) returns (Res); rpc B(Req) returns (Res);`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintRule, ModuleView, Sink};
use std::collections::BTreeMap;

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "RPC_REQUEST_RESPONSE_UNIQUE",
        purpose: "Checks that RPC request and response types are only used in one RPC (configurable).",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    let options = sink.options.clone();
    let mut methods: Vec<(usize, Vec<i32>, &str, &str, &str)> = Vec::new();
    for f in &view.files {
        for (i, svc) in f.fd.service.iter().enumerate() {
            for (j, m) in svc.method.iter().enumerate() {
                methods.push((
                    f.index,
                    vec![6, i as i32, 2, j as i32],
                    m.name(),
                    m.input_type().trim_start_matches('.'),
                    m.output_type().trim_start_matches('.'),
                ));
            }
        }
    }
    const EMPTY: &str = "google.protobuf.Empty";
    let allow_req = options.rpc_allow_google_protobuf_empty_requests;
    let allow_res = options.rpc_allow_google_protobuf_empty_responses;
    if !options.rpc_allow_same_request_response {
        for (file, path, name, input, output) in &methods {
            if input == output && !(*input == EMPTY && allow_req && allow_res) {
                sink.at(
                    *file,
                    path.clone(),
                    format!(
                        "RPC {} has the same type {} for the request and response.",
                        go_quote(name),
                        go_quote(input)
                    ),
                );
            }
        }
    }
    // Methods using each type, each method once.
    let mut users: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, (_, _, _, input, output)) in methods.iter().enumerate() {
        users.entry(input).or_default().push(k);
        if output != input {
            users.entry(output).or_default().push(k);
        }
    }
    for (ty, using) in users {
        if using.len() < 2 {
            continue;
        }
        if ty == EMPTY && (allow_req || allow_res) {
            if allow_req && allow_res {
                continue;
            }
            // Exactly one side is allowed; the other side must not share Empty.
            let side = if allow_res { "request" } else { "response" };
            let on_side: Vec<usize> = using
                .iter()
                .copied()
                .filter(|&k| {
                    let m = &methods[k];
                    (if allow_res { m.3 } else { m.4 }) == EMPTY
                })
                .collect();
            if on_side.len() > 1 {
                for k in on_side {
                    let (file, path, ..) = &methods[k];
                    sink.at(
                        *file,
                        path.clone(),
                        format!("{} is used as the {side} for multiple RPCs.", go_quote(ty)),
                    );
                }
            }
            continue;
        }
        for k in using {
            let (file, path, ..) = &methods[k];
            sink.at(
                *file,
                path.clone(),
                format!(
                    "{} is used as the request or response type for multiple RPCs.",
                    go_quote(ty)
                ),
            );
        }
    }
}
