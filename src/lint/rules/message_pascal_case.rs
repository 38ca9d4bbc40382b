//! MESSAGE_PASCAL_CASE: message names are PascalCase (map entries are skipped,
//! group messages are checked). Bad: `message weather_report`. Good: `message WeatherReport`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, LintRule, Message, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "MESSAGE_PASCAL_CASE",
        purpose: "Checks that messages are PascalCase.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(msg: &Message, sink: &mut Sink) {
    let name = msg.desc.name();
    shared::naming(
        sink,
        msg.file,
        &msg.path,
        "Message",
        name,
        "PascalCase",
        naming::to_pascal(name),
    );
}
