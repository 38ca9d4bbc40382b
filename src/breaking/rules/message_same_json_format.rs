//! MESSAGE_SAME_JSON_FORMAT: messages keep JSON support.
//!
//! A message resolving `json_format` to ALLOW must not stop doing so: JSON
//! clients rely on it. Bad: `option features.json_format = LEGACY_BEST_EFFORT;`.

use super::shared;
use crate::breaking::model::JSON_ALLOW;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "MESSAGE_SAME_JSON_FORMAT",
        purpose: "Checks that messages have the same JSON format support.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let (before, after) = (p.prev.features.json_format, p.cur.features.json_format);
    if before == JSON_ALLOW && after != JSON_ALLOW {
        let path = shared::first_located(
            p.ctx.cur,
            p.cur.file,
            vec![[&p.cur.path[..], &[7, 12, 6]].concat(), p.cur.path.clone()],
        );
        sink.at(
            p.cur.file,
            path,
            Some(p.prev.file),
            format!(
                "Message {} JSON format support changed from {} to {}.",
                go_quote(p.cur.name()),
                shared::json_format_name(before),
                shared::json_format_name(after)
            ),
        );
    }
}
