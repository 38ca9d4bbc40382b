//! DIRECTORY_SAME_PACKAGE: all files of a directory share one package.
//!
//! Generated code is laid out by directory in most languages, so two packages in
//! one directory collide. Bad: `a/x.proto` in `package a;` next to `a/y.proto` in
//! `package b;`. Good: give each package its own directory.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::LintFile;
use crate::lint::{Check, LintRule, ModuleView, Sink};
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "DIRECTORY_SAME_PACKAGE",
        purpose: "Checks that all files in a given directory are in the same package.",
        v1beta1: Some(&["MINIMAL", "BASIC", "STANDARD", "FILE_LAYOUT"]),
        v1: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        v2: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    let mut by_dir: BTreeMap<&str, Vec<&LintFile>> = BTreeMap::new();
    for f in &view.files {
        by_dir.entry(f.dir()).or_default().push(f);
    }
    for (dir, files) in by_dir {
        let packages: BTreeSet<&str> = files.iter().map(|f| f.package()).collect();
        if packages.len() < 2 {
            continue;
        }
        let named: Vec<&str> = packages.iter().copied().filter(|p| !p.is_empty()).collect();
        let list = go_quote(&named.join(","));
        let dir = go_quote(dir);
        let message = if packages.contains("") {
            if named.len() == 1 {
                format!("Package {list} and file with no package detected within directory {dir}.")
            } else {
                format!(
                    "Multiple packages {list} and file with no package detected within directory {dir}."
                )
            }
        } else {
            format!("Multiple packages {list} detected within directory {dir}.")
        };
        for f in files {
            sink.at(f.index, vec![2], message.clone());
        }
    }
}
