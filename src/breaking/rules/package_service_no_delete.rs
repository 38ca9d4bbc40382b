//! PACKAGE_SERVICE_NO_DELETE: services are not deleted from a package.
//!
//! Moving a service between files of one package is fine; dropping it is not.
//! Bad: `acme.v1` loses `service Billing`. Good: move it within the package.

use std::collections::HashSet;

use crate::breaking::{BreakingRule, Check, Ctx, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "PACKAGE_SERVICE_NO_DELETE",
        purpose: "Checks that services are not deleted from a given package.",
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
    let present: HashSet<(&str, &str)> = ctx
        .cur
        .services
        .iter()
        .map(|s| (ctx.cur.files[s.file].package(), s.desc.name()))
        .collect();
    for s in &ctx.prev.services {
        let file = &ctx.prev.files[s.file];
        let package = file.package();
        if !packages.contains(package) || present.contains(&(package, s.desc.name())) {
            continue;
        }
        let message = format!(
            "Previously present service {} was deleted from package {}.",
            go_quote(s.desc.name()),
            go_quote(package)
        );
        match ctx.cur.file_by_path.get(file.name()) {
            Some(&i) => sink.file_level(i, Some(s.file), message),
            None => sink.no_file(Some(s.file), message),
        }
    }
}
