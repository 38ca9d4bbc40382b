//! IMPORT_NO_PUBLIC: no `import public`.
//!
//! Public imports re-export another file's types, which several languages do not
//! support. Bad: `import public "acme/v1/a.proto";`. Good: import it where used.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "IMPORT_NO_PUBLIC",
        purpose: "Checks that imports are not public.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "SENSIBLE"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    for &i in &file.fd.public_dependency {
        if let Some(dep) = file.fd.dependency.get(i as usize) {
            sink.at(
                file.index,
                vec![3, i],
                format!("Import {} must not be public.", go_quote(dep)),
            );
        }
    }
}
