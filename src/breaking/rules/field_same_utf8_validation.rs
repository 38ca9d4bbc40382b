//! FIELD_SAME_UTF8_VALIDATION: string fields keep their UTF-8 validation.
//!
//! Parsers reject or accept invalid UTF-8 by this feature.
//! Bad: `[features.utf8_validation = NONE]` on a proto3-style string field.

use prost_types::field_descriptor_proto::Type;

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_UTF8_VALIDATION",
        purpose: "Checks that string fields have the same UTF8 validation mode.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    if shared::kind(prev, p.prev) != Type::String || shared::kind(cur, p.cur) != Type::String {
        return;
    }
    let (before, after) = (
        p.prev.features.utf8_validation,
        p.cur.features.utf8_validation,
    );
    if before != after {
        sink.at(
            p.cur.file,
            shared::field_option_or_decl(p, &[21, 4]),
            Some(p.prev.file),
            format!(
                "{} changed UTF8 validation from {} to {}.",
                shared::field_description(cur, p.cur),
                shared::utf8_name(before),
                shared::utf8_name(after)
            ),
        );
    }
}
