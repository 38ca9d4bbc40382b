//! PACKAGE_EXTENSION_NO_DELETE: extensions are not deleted from a package.
//!
//! Moving a extension to another file of the same package is fine; removing it from
//! the package is not. buf only compares packages that still declare at least one
//! extension. Bad: `acme.v1` loses a extension. Good: move it within the package.

use super::shared;
use crate::breaking::{BreakingRule, Check, Ctx, Sink};
use crate::check::RuleMeta;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "PACKAGE_EXTENSION_NO_DELETE",
        purpose: "Checks that extensions are not deleted from a given package.",
        v1beta1: None,
        v1: None,
        v2: Some(&["PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Sides(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    shared::package_deletions(ctx, sink, "extension", false, |s| {
        s.extensions
            .iter()
            .map(|x| (x.file, x.nested_name.as_str()))
            .collect()
    });
}
