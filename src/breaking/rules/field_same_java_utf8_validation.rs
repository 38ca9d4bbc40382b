//! FIELD_SAME_JAVA_UTF8_VALIDATION: string fields keep their Java UTF-8 validation.
//!
//! `java_string_check_utf8` or `(pb.java).utf8_validation` decide whether Java
//! rejects invalid UTF-8. Bad: removing `option java_string_check_utf8 = true;`.

use prost_types::field_descriptor_proto::Type;

use super::shared;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_JAVA_UTF8_VALIDATION",
        purpose: "Checks that fields have the same Java string UTF8 validation, based on java_string_check_utf8 file option or (pb.java).utf8_validation feature.",
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
        shared::java_utf8(prev, p.prev),
        shared::java_utf8(cur, p.cur),
    );
    if before == after {
        return;
    }
    let file = &cur.files[p.cur.file];
    let mut paths = vec![vec![8, 27]];
    if let Some(l) = file.option_location(
        &[&p.cur.path[..], &[8, 21, 1001, 2]].concat(),
        p.cur.path.len() + 3,
    ) {
        paths.push(l);
    }
    paths.push(p.cur.path.clone());
    sink.at(
        p.cur.file,
        shared::first_located(cur, p.cur.file, paths),
        Some(p.prev.file),
        format!(
            "{} changed Java string UTF8 validation from {} to {}.",
            shared::field_description(cur, p.cur),
            go_quote(shared::utf8_name(before)),
            go_quote(shared::utf8_name(after))
        ),
    );
}
