//! FIELD_SAME_CPP_STRING_TYPE: string and bytes fields keep their C++ string type.
//!
//! `ctype` or `(pb.cpp).string_type` decides the generated C++ accessor types.
//! Moving from STRING_PIECE to STRING is allowed. Bad: adding `[ctype = CORD]`.

use prost_types::field_descriptor_proto::Type;

use super::shared;
use crate::breaking::model::CPP_STRING;
use crate::breaking::{BreakingRule, Check, FieldPair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_CPP_STRING_TYPE",
        purpose: "Checks that fields have the same C++ string type, based on ctype field option or (pb.cpp).string_type feature.",
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
    if shared::in_map_entry(prev, p.prev) && shared::in_map_entry(cur, p.cur) {
        return;
    }
    let stringy = |t: Type| matches!(t, Type::String | Type::Bytes);
    if !stringy(shared::kind(prev, p.prev)) || !stringy(shared::kind(cur, p.cur)) {
        return;
    }
    let (before, before_piece) = shared::cpp_string_type(prev, p.prev);
    let (after, after_piece) = shared::cpp_string_type(cur, p.cur);
    if (before == after && before_piece == after_piece)
        || (before_piece && after == CPP_STRING && !after_piece)
    {
        return;
    }
    let name = |t: u64, piece: bool| {
        if piece {
            "STRING_PIECE"
        } else {
            shared::cpp_string_type_name(t)
        }
    };
    let file = &cur.files[p.cur.file];
    let mut paths = vec![[&p.cur.path[..], &[8, 1]].concat()];
    if let Some(l) = file.option_location(
        &[&p.cur.path[..], &[8, 21, 1000, 2]].concat(),
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
            "{} changed C++ string type from {} to {}.",
            shared::field_description(cur, p.cur),
            go_quote(name(before, before_piece)),
            go_quote(name(after, after_piece))
        ),
    );
}
