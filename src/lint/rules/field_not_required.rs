//! FIELD_NOT_REQUIRED: no `required` fields (proto2 `required`, or editions
//! `features.field_presence = LEGACY_REQUIRED`).
//!
//! A required field can never be removed without breaking readers. Bad:
//! `required string id = 1;`. Good: `optional string id = 1;`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, Field, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "FIELD_NOT_REQUIRED",
        purpose: "Checks that fields are not configured to be required.",
        v1beta1: None,
        v1: None,
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(field: &Field, sink: &mut Sink) {
    use prost_types::field_descriptor_proto::Label;
    const LEGACY_REQUIRED: u64 = 3;
    let required = field.desc.label() == Label::Required
        || (field.file.compiled.extra.edition.is_some()
            && field
                .file
                .raw_options(&with(&field.path, 8))
                .and_then(|b| shared::option_varint(b, &[21], 1))
                == Some(LEGACY_REQUIRED));
    if required {
        sink.at(
            field.file.index,
            with(&field.path, 1),
            format!(
                "Field named {} should not be required.",
                go_quote(field.desc.name())
            ),
        );
    }
}
