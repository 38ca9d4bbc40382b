//! IMPORT_USED: every import is used by the file.
//!
//! Unused imports slow builds and hide real dependencies. A custom option used only
//! in an option name counts as a use; `import public` is never reported. Bad:
//! importing `google/protobuf/timestamp.proto` without a Timestamp field.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "IMPORT_USED",
        purpose: "Checks that imports are used.",
        v1beta1: None,
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    for &i in &file.compiled.unused_dependencies {
        if file.fd.public_dependency.contains(&i) {
            continue;
        }
        if let Some(dep) = file.fd.dependency.get(i as usize) {
            sink.at(
                file.index,
                vec![3, i],
                format!("Import {} is unused.", go_quote(dep)),
            );
        }
    }
}
