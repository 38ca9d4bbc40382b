//! MESSAGE_SAME_REQUIRED_FIELDS: messages neither gain nor lose required fields.
//!
//! A side that does not know a required field fails to parse or to send the
//! message. Bad: adding `required string id = 9;`.

use prost_types::field_descriptor_proto::Label;

use crate::breaking::model::child2;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "MESSAGE_SAME_REQUIRED_FIELDS",
        purpose: "Checks that messages have no added or deleted required fields.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let required = |m: &crate::breaking::MessageView| -> Vec<(i32, usize)> {
        m.desc
            .field
            .iter()
            .enumerate()
            .filter(|(_, f)| f.label() == Label::Required)
            .map(|(j, f)| (f.number(), j))
            .collect()
    };
    let (before, after) = (required(p.prev), required(p.cur));
    const WHY: &str = "Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.";
    for (n, _) in &before {
        if !after.iter().any(|(m, _)| m == n) {
            sink.at(
                p.cur.file,
                p.cur.path.clone(),
                Some(p.prev.file),
                format!(
                    "Message {} had required field \"{n}\" deleted. {WHY}",
                    go_quote(p.prev.name())
                ),
            );
        }
    }
    for (n, j) in &after {
        if !before.iter().any(|(m, _)| m == n) {
            sink.at(
                p.cur.file,
                child2(&p.cur.path, 2, *j),
                None,
                format!(
                    "Message {} had required field \"{n}\" added. {WHY}",
                    go_quote(p.cur.name())
                ),
            );
        }
    }
}
