//! PACKAGE_SAME_DIRECTORY: all files of a package live in one directory.
//!
//! Bad: `package acme.v1;` in both `acme/v1/a.proto` and `acme/v1/sub/b.proto`.
//! Good: keep them side by side.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::LintFile;
use crate::lint::{Check, LintRule, ModuleView, Sink};
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_SAME_DIRECTORY",
        purpose: "Checks that all files with a given package are in the same directory.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "FILE_LAYOUT"]),
        v1: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        v2: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    let mut by_package: BTreeMap<&str, Vec<&LintFile>> = BTreeMap::new();
    for f in &view.files {
        by_package.entry(f.package()).or_default().push(f);
    }
    for (package, files) in by_package {
        let dirs: BTreeSet<&str> = files.iter().map(|f| f.dir()).collect();
        if dirs.len() < 2 {
            continue;
        }
        let list: Vec<&str> = dirs.into_iter().collect();
        let message = format!(
            "Multiple directories {} contain files with package {}.",
            go_quote(&list.join(",")),
            go_quote(package)
        );
        for f in files {
            sink.at(f.index, vec![2], message.clone());
        }
    }
}
