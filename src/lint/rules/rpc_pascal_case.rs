//! RPC_PASCAL_CASE: method names are PascalCase. Bad: `rpc get_forecast`. Good: `rpc GetForecast`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, LintRule, Method, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "RPC_PASCAL_CASE",
        purpose: "Checks that RPCs are PascalCase.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Method(check),
};

fn check(method: &Method, sink: &mut Sink) {
    let name = method.desc.name();
    shared::naming(
        sink,
        method.file,
        &method.path,
        "RPC",
        name,
        "PascalCase",
        naming::to_pascal(name),
    );
}
