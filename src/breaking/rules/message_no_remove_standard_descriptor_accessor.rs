//! MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR: `no_standard_descriptor_accessor` is not turned on.
//!
//! Turning it on removes the generated `descriptor()` accessor that callers use.
//! Bad: adding `option no_standard_descriptor_accessor = true;`.

use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, MessagePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        purpose: "Checks that messages do not change the no_standard_descriptor_accessor option from false or unset to true.",
        v1beta1: Some(&["FILE", "PACKAGE"]),
        v1: Some(&["FILE", "PACKAGE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Message(check),
};

fn check(p: &MessagePair, sink: &mut Sink) {
    let on = |m: &crate::breaking::MessageView| {
        m.desc
            .options
            .as_ref()
            .is_some_and(|o| o.no_standard_descriptor_accessor())
    };
    if !on(p.prev) && on(p.cur) {
        sink.at(
            p.cur.file,
            child(&child(&p.cur.path, 7), 2),
            Some(p.prev.file),
            "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\".".to_string(),
        );
    }
}
