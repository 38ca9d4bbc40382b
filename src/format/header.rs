//! The file header order buf format imposes: syntax or edition, package,
//! imports (regular, then `import option`), file options (plain, then
//! extensions), then everything else in source order; and the blank lines
//! between those groups.

use super::out::Spacing;
use super::printer::{DeclRange, HeaderView, SYNTHETIC_FILE_OPTION};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Syntax,
    Package,
    Import,
    Option,
    Body,
}

pub fn rank(p: &impl HeaderView, d: DeclRange) -> Rank {
    if d.first == SYNTHETIC_FILE_OPTION {
        return Rank::Option;
    }
    match p.text_at(d.first) {
        "syntax" | "edition" => Rank::Syntax,
        "package" => Rank::Package,
        "import" => Rank::Import,
        "option" => Rank::Option,
        _ => Rank::Body,
    }
}

/// The order to print `decls` in: indexes into `decls`.
pub fn sort(p: &impl HeaderView, decls: &[DeclRange]) -> Vec<usize> {
    let mut keyed: Vec<(Rank, bool, String, usize)> = decls
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let r = rank(p, *d);
            let (group, key) = match r {
                Rank::Import => import_key(p, *d),
                Rank::Option => (false, option_key(p, *d)),
                _ => (false, String::new()),
            };
            (r, group, key, i)
        })
        .collect();
    keyed.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    keyed.into_iter().map(|k| k.3).collect()
}

/// Imports sort by the raw text of their path, quotes included; `import
/// option` comes after the others.
fn import_key(p: &impl HeaderView, d: DeclRange) -> (bool, String) {
    let mut is_option = false;
    for k in d.first + 1..d.last {
        let t = p.text_at(k);
        if t.starts_with('"') || t.starts_with('\'') {
            return (is_option, t.to_string());
        }
        if t == "option" {
            is_option = true;
        }
    }
    (is_option, String::new())
}

/// Options sort by "0" + path for plain options and "1" + path for
/// extensions. buf builds the path from its canonical form, which skips the
/// extension parts of a path written with spaces or comments inside. A
/// comment stays in the printed path, so that order is stable and kept; mere
/// spaces are printed away, and buf's next run sorts the option elsewhere, so
/// for those we sort by the printed path at once (buf's stable answer).
fn option_key(p: &impl HeaderView, d: DeclRange) -> String {
    if d.first == SYNTHETIC_FILE_OPTION {
        return "0deprecated".to_string();
    }
    let start = d.first + 1;
    let mut end = start;
    while end < d.last && p.text_at(end) != "=" {
        end += 1;
    }
    if end <= start {
        return String::new();
    }
    let canonical = !(start..end - 1).any(|k| p.comment_between(k, k + 1));
    let mut key = String::from(if p.text_at(start) == "(" { "1" } else { "0" });
    let mut depth = 0usize;
    for k in start..end {
        let t = p.text_at(k);
        if t == "(" {
            depth += 1;
        }
        if canonical || depth == 0 {
            key.push_str(t);
        }
        if t == ")" {
            depth = depth.saturating_sub(1);
        }
    }
    key
}

/// The space between two top-level declarations printed one after the other.
pub fn gap(prev: Rank, cur: Rank, source_blank: bool) -> Spacing {
    let from_source = if source_blank {
        Spacing::Blank
    } else {
        Spacing::Newline
    };
    match (prev, cur) {
        (Rank::Import, Rank::Import) | (Rank::Option, Rank::Option) => Spacing::Newline,
        (_, Rank::Import) | (_, Rank::Option) => Spacing::Blank,
        (Rank::Syntax, Rank::Package) => from_source,
        (Rank::Syntax, _) => Spacing::Blank,
        _ => from_source,
    }
}
