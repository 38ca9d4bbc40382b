//! PACKAGE_ENUM_NO_DELETE: enums are not deleted from a package.
//!
//! Moving a enum to another file of the same package is fine; removing it from
//! the package is not. buf only compares packages that still declare at least one
//! enum. Bad: `acme.v1` loses a enum. Good: move it within the package.

use super::shared;
use crate::breaking::{BreakingRule, Check, Ctx, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "PACKAGE_ENUM_NO_DELETE",
        purpose: "Checks that enums are not deleted from a given package.",
        v1beta1: Some(&["PACKAGE"]),
        v1: Some(&["PACKAGE"]),
        v2: Some(&["PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Sides(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    shared::package_deletions(ctx, sink, "enum", false, |s| {
        s.enums
            .iter()
            .map(|x| (x.file, x.nested_name.as_str()))
            .collect()
    });
}
