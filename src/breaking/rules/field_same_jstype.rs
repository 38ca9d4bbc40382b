//! FIELD_SAME_JSTYPE: 64-bit integer fields keep their `jstype`.
//!
//! JavaScript code sees a string or a number depending on it.
//! Bad: adding `[jstype = JS_STRING]` to `int64 id = 1;`.

use prost_types::field_options::JsType;

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_JSTYPE",
        purpose: "Checks that fields have the same value for the jstype option.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    if !shared::is_64bit(p.prev.desc.r#type()) || !shared::is_64bit(p.cur.desc.r#type()) {
        return;
    }
    let jstype = |f: &crate::breaking::FieldView| {
        f.desc
            .options
            .as_ref()
            .map_or(JsType::JsNormal, |o| o.jstype())
            .as_str_name()
    };
    let (before, after) = (jstype(p.prev), jstype(p.cur));
    if before != after {
        sink.at(
            p.cur.file,
            shared::field_option_or_decl(p, &[6]),
            Some(p.prev.file),
            format!(
                "{} changed option \"jstype\" from {} to {}.",
                shared::field_description(p.ctx.cur, p.cur),
                go_quote(before),
                go_quote(after)
            ),
        );
    }
}
