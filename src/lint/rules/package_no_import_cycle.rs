//! PACKAGE_NO_IMPORT_CYCLE: packages do not import each other in a cycle.
//!
//! Languages that compile a package as a unit (Go, for one) cannot build cyclic
//! package imports even when the files themselves do not cycle. Bad: `a` imports a
//! file of `b` and `b` imports a file of `a`. Good: move the shared types into a
//! third package both import.
//!
//! The graph has an edge from each package to every package it imports a file of,
//! counting every file of the image. For each target package P and each package
//! Q it imports, a depth-first search (neighbours sorted) looks for a way from Q
//! back to P; the cycle found is reported on every import of a target file of P
//! that names a file of Q.

use crate::check::RuleMeta;
use crate::lint::{Check, LintRule, ModuleView, Sink};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_NO_IMPORT_CYCLE",
        purpose: "Checks that packages do not have import cycles.",
        v1beta1: None,
        v1: Some(&[]),
        v2: Some(&["MINIMAL", "BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Module(check),
};

fn check(view: &ModuleView, sink: &mut Sink) {
    let image = view.image;
    let mut package_of: HashMap<&str, &str> = HashMap::new();
    for f in &image.files {
        package_of.insert(f.file.fd.name(), f.file.fd.package());
    }
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &image.files {
        let from = f.file.fd.package();
        if from.is_empty() {
            continue;
        }
        for dep in &f.file.fd.dependency {
            if let Some(&to) = package_of.get(dep.as_str())
                && !to.is_empty()
                && to != from
            {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    let packages: BTreeSet<&str> = view
        .files
        .iter()
        .map(|f| f.package())
        .filter(|p| !p.is_empty())
        .collect();
    for package in packages {
        for &next in edges.get(package).into_iter().flatten() {
            let Some(cycle) = path_back(next, package, &edges) else {
                continue;
            };
            let message = format!("Package import cycle: {package} -> {}", cycle.join(" -> "));
            for f in view.files.iter().filter(|f| f.package() == package) {
                for (i, dep) in f.fd.dependency.iter().enumerate() {
                    if package_of.get(dep.as_str()) == Some(&next) {
                        sink.at(f.index, vec![3, i as i32], message.clone());
                    }
                }
            }
        }
    }
}

/// A path `from -> ... -> to`, found depth first with sorted neighbours.
fn path_back<'a>(
    from: &'a str,
    to: &'a str,
    edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Option<Vec<&'a str>> {
    fn dfs<'a>(
        at: &'a str,
        to: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        stack: &mut Vec<&'a str>,
        seen: &mut HashSet<&'a str>,
    ) -> bool {
        if at == to {
            return true;
        }
        for &next in edges.get(at).into_iter().flatten() {
            if seen.insert(next) {
                stack.push(next);
                if dfs(next, to, edges, stack, seen) {
                    return true;
                }
                stack.pop();
            }
        }
        false
    }
    let mut stack = vec![from];
    let mut seen = HashSet::from([from]);
    dfs(from, to, edges, &mut stack, &mut seen).then_some(stack)
}
