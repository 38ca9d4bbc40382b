//! FILE_SAME_PACKAGE: files keep their package.
//!
//! Every type of the file changes its full name with the package. Bad: `package
//! acme.v1;` becomes `package acme.billing.v1;`.

use super::shared;
use crate::breaking::{BreakingRule, Check, FilePair, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FILE_SAME_PACKAGE",
        purpose: "Checks that files have the same package.",
        v1beta1: Some(&["FILE"]),
        v1: Some(&["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(p: &FilePair, sink: &mut Sink) {
    let (before, after) = (p.prev().package(), p.cur().package());
    if before != after {
        shared::file_value_changed(p, sink, vec![2], "package", before, after);
    }
}
