//! FIELD_NO_DESCRIPTOR: no field named like `descriptor` (v1beta1 only), which
//! clashes with generated accessors in some languages. Bad: `string _Descriptor = 1;`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, Field, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "FIELD_NO_DESCRIPTOR",
        purpose: "Checks that field names are not any capitalization of \"descriptor\" with any number of prefix or suffix underscores.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "SENSIBLE"]),
        v1: None,
        v2: None,
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(field: &Field, sink: &mut Sink) {
    let name = field.desc.name();
    if name.to_lowercase().trim_matches('_') == "descriptor" {
        sink.at(
            field.file.index,
            with(&field.path, 1),
            format!(
                "Field name {} cannot be any capitalization of \"descriptor\" with any number of prefix or suffix underscores.",
                go_quote(name)
            ),
        );
    }
}
