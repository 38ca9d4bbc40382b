//! PACKAGE_NO_DELETE: packages are not deleted.
//!
//! A package with no files left breaks every importer. Reported with no file.
//! Bad: the last file of `acme.v1` is removed. Good: keep the package.

use std::collections::{BTreeMap, HashSet};

use crate::breaking::{BreakingRule, Check, Ctx, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "PACKAGE_NO_DELETE",
        purpose: "Checks that packages are not deleted.",
        v1beta1: Some(&["PACKAGE"]),
        v1: Some(&["PACKAGE"]),
        v2: Some(&["PACKAGE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Sides(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    let packages: HashSet<&str> = ctx.cur.files.iter().map(|f| f.package()).collect();
    let mut first_file: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for (i, f) in ctx.prev.files.iter().enumerate() {
        let e = first_file.entry(f.package()).or_insert((f.name(), i));
        if f.name() < e.0 {
            *e = (f.name(), i);
        }
    }
    for (package, (_, file)) in first_file {
        if !packages.contains(package) {
            sink.no_file(
                Some(file),
                format!(
                    "Previously present package {} was deleted.",
                    go_quote(package)
                ),
            );
        }
    }
}
