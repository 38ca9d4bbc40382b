//! `--error-format=config-ignore-yaml` (lint only): a v1 buf.yaml `ignore_only`
//! section that would silence every finding, rules and module-relative paths
//! sorted and de-duplicated.

use std::collections::{BTreeMap, BTreeSet};

/// `findings` are (rule ID, module-relative path) pairs.
pub fn render<'a>(findings: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut by_rule: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (rule, path) in findings {
        by_rule.entry(rule).or_default().insert(path);
    }
    let mut out = String::from("version: v1\nlint:\n  ignore_only:\n");
    for (rule, paths) in by_rule {
        out.push_str(&format!("    {rule}:\n"));
        for p in paths {
            out.push_str(&format!("      - {p}\n"));
        }
    }
    out
}
