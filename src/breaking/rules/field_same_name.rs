//! FIELD_SAME_NAME: fields keep their names.
//!
//! Names are part of generated code, JSON and text formats. Extensions compare
//! full names. Bad: `string name = 1;` becomes `string title = 1;`.

use super::shared;
use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_NAME",
        purpose: "Checks that fields have the same names in a given message.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let name = |f: &crate::breaking::FieldView| -> String {
        if f.is_extension() {
            f.full_name.clone()
        } else {
            f.desc.name().to_string()
        }
    };
    let (before, after) = (name(p.prev), name(p.cur));
    if before != after {
        sink.at(
            p.cur.file,
            child(&p.cur.path, 1),
            Some(p.prev.file),
            format!(
                "{} changed name from {} to {}.",
                shared::field_description_no_name(p.ctx.cur, p.cur),
                go_quote(&before),
                go_quote(&after)
            ),
        );
    }
}
