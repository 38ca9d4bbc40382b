//! STABLE_PACKAGE_NO_IMPORT_UNSTABLE: a stable package (`v1`) does not import
//! files of alpha, beta or test packages.
//!
//! A stable API must not change when an unstable dependency does. Only imports of
//! other target files count; unversioned packages are ignored on both sides. Bad:
//! `acme.v1` importing a file of `acme.v2beta1`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::Stability;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintRule, ModuleView, Sink};
use std::collections::HashMap;

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "STABLE_PACKAGE_NO_IMPORT_UNSTABLE",
        purpose: "Checks that all files that have stable versioned packages do not import packages with unstable version packages.",
        v1beta1: None,
        v1: None,
        v2: Some(&[]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    let mut package_of: HashMap<&str, &str> = HashMap::new();
    for f in &view.files {
        package_of.insert(f.name(), f.package());
    }
    for f in &view.files {
        if naming::package_version(f.package()) != Some(Stability::Stable) {
            continue;
        }
        for (i, dep) in f.fd.dependency.iter().enumerate() {
            let Some(&their) = package_of.get(dep.as_str()) else {
                continue;
            };
            if matches!(naming::package_version(their), Some(s) if s != Stability::Stable) {
                sink.at(
                    f.index,
                    vec![3, i as i32],
                    format!(
                        "This file is in stable package {}, so it should not depend on {} from unstable package {}.",
                        go_quote(f.package()),
                        go_quote(dep),
                        go_quote(their)
                    ),
                );
            }
        }
    }
}
