//! Helpers several rules share: the naming-rule pattern, documentation
//! comments, "all files of a package agree on an option", and reading
//! features from serialized options.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::naming::go_quote;
use crate::lint::{LintFile, ModuleView, Sink, with};

/// Reports `what` named `name` at `path + [1]` when it differs from its
/// conventional spelling `want`.
pub fn naming(
    sink: &mut Sink,
    file: &LintFile,
    path: &[i32],
    what: &str,
    name: &str,
    style: &str,
    want: String,
) {
    if name != want {
        sink.at(
            file.index,
            with(path, 1),
            format!(
                "{what} name {} should be {style}, such as {}.",
                go_quote(name),
                go_quote(&want)
            ),
        );
    }
}

/// The COMMENT_* rules: the declaration at `path` needs a leading comment with
/// at least one line of text that is not a `buf:lint:ignore` directive.
pub fn documented(sink: &mut Sink, file: &LintFile, path: &[i32], what: &str, name: &str) {
    let ok = file.leading_comment(path).is_some_and(|c| {
        c.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with("buf:lint:ignore")
        })
    });
    if !ok {
        sink.at(
            file.index,
            path.to_vec(),
            format!(
                "{what} {} should have a non-empty comment for documentation.",
                go_quote(name)
            ),
        );
    }
}

/// The PACKAGE_SAME_* rules: within each package, every file must give file
/// option `option` (field number `number`) the same value, unset included.
pub fn package_same_option(
    view: &ModuleView,
    sink: &mut Sink,
    option: &str,
    number: i32,
    value: fn(&LintFile) -> Option<String>,
) {
    let mut by_package: BTreeMap<&str, Vec<&LintFile>> = BTreeMap::new();
    for f in &view.files {
        by_package.entry(f.package()).or_default().push(f);
    }
    for (package, files) in by_package {
        // An empty string reads the same as no value, as in buf.
        let values: BTreeSet<Option<String>> = files
            .iter()
            .map(|f| value(f).filter(|v| !v.is_empty()))
            .collect();
        if values.len() < 2 {
            continue;
        }
        let set: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
        let joined = go_quote(&set.join(","));
        let message = if values.contains(&None) {
            format!(
                "Files in package {} have both values {joined} and no value for option {} and \
                 all values must be equal.",
                go_quote(package),
                go_quote(option)
            )
        } else {
            format!(
                "Files in package {} have multiple values {joined} for option {} and all values \
                 must be equal.",
                go_quote(package),
                go_quote(option)
            )
        };
        for f in files {
            sink.at(f.index, vec![8, number], message.clone());
        }
    }
}

pub use crate::check::source::option_varint;
