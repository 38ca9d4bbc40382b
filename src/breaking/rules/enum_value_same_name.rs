//! ENUM_VALUE_SAME_NAME: enum values keep their names.
//!
//! JSON and text formats carry names. Adding an alias is fine; losing a name
//! is not. Bad: `SENT = 2;` becomes `DISPATCHED = 2;`.

use crate::breaking::model::{child, child2};
use crate::breaking::{BreakingRule, Check, EnumValuePair, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "ENUM_VALUE_SAME_NAME",
        purpose: "Checks that enum values have the same name.",
        v1beta1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::EnumValue(check),
};

fn check(p: &EnumValuePair, sink: &mut Sink) {
    let names = |e: &crate::breaking::EnumView, idx: &[usize]| -> Vec<String> {
        let mut v: Vec<String> = idx
            .iter()
            .map(|&i| e.desc.value[i].name().to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let before = names(p.prev_enum, &p.prev);
    let after = names(p.cur_enum, &p.cur);
    if before.iter().all(|n| after.contains(n)) {
        return;
    }
    let quoted = |v: &[String]| v.iter().map(|n| go_quote(n)).collect::<Vec<_>>().join(", ");
    let s = if before.len() > 1 && after.len() > 1 {
        "s"
    } else {
        ""
    };
    for &i in &p.cur {
        sink.at(
            p.cur_enum.file,
            child(&child2(&p.cur_enum.path, 2, i), 2),
            Some(p.prev_enum.file),
            format!(
                "Enum value \"{}\" on enum {} changed name{s} from {} to {}.",
                p.number,
                go_quote(p.cur_enum.name()),
                quoted(&before),
                quoted(&after)
            ),
        );
    }
}
