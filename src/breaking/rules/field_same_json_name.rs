//! FIELD_SAME_JSON_NAME: fields keep their JSON names.
//!
//! JSON clients address fields by this name, explicit or derived from the field
//! name. Bad: adding `[json_name = "displayName"]` to `name`.

use super::shared;
use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_JSON_NAME",
        purpose: "Checks that fields have the same value for the json_name option.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    if p.prev.is_extension() {
        return;
    }
    let (before, after) = (shared::json_name(p.prev), shared::json_name(p.cur));
    if before != after {
        sink.at(
            p.cur.file,
            shared::first_located(
                p.ctx.cur,
                p.cur.file,
                vec![child(&p.cur.path, 10), p.cur.path.clone()],
            ),
            Some(p.prev.file),
            format!(
                "{} changed option \"json_name\" from {} to {}.",
                shared::field_description(p.ctx.cur, p.cur),
                go_quote(&before),
                go_quote(&after)
            ),
        );
    }
}
