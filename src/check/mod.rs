//! What lint and breaking share: rule metadata and categories per config
//! version, resolving `use`/`except` into a rule set, path-based ignores, and
//! `buf:lint:ignore` comments.

pub mod naming;
pub mod plugins;
pub mod select;
pub mod source;

use crate::config::ConfigVersion;

/// A rule's metadata, as `ls-*-rules` prints it and selection reads it.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub purpose: &'static str,
    /// Categories per config version (without the deprecated category
    /// aliases); `None` when the rule does not exist in that version.
    pub v1beta1: Option<&'static [&'static str]>,
    pub v1: Option<&'static [&'static str]>,
    pub v2: Option<&'static [&'static str]>,
    /// Deprecated rules are replaced by `replacements` when configured.
    pub deprecated: bool,
    pub replacements: &'static [&'static str],
}

impl RuleMeta {
    pub fn categories(&self, version: ConfigVersion) -> Option<&'static [&'static str]> {
        match version {
            ConfigVersion::V1Beta1 => self.v1beta1,
            ConfigVersion::V1 => self.v1,
            ConfigVersion::V2 => self.v2,
        }
    }
}

/// A category of one config version.
#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub id: &'static str,
    /// For a deprecated alias, the category it stands for.
    pub alias_of: Option<&'static str>,
}

/// v2's breaking category `CSR` (listed first, sorted last by buf).
pub const SECONDARY_CATEGORY: &str = "CSR";

/// Which family of rules: they have separate namespaces and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Lint,
    Breaking,
}

impl Family {
    /// Categories in buf's listing order, deprecated aliases included.
    pub fn categories(self, version: ConfigVersion) -> &'static [Category] {
        const fn c(id: &'static str) -> Category {
            Category { id, alias_of: None }
        }
        const fn alias(id: &'static str, of: &'static str) -> Category {
            Category {
                id,
                alias_of: Some(of),
            }
        }
        const LINT: &[Category] = &[
            c("MINIMAL"),
            c("BASIC"),
            alias("DEFAULT", "STANDARD"),
            c("STANDARD"),
            c("COMMENTS"),
            c("UNARY_RPC"),
        ];
        const LINT_V1BETA1: &[Category] = &[
            c("MINIMAL"),
            c("BASIC"),
            alias("DEFAULT", "STANDARD"),
            c("STANDARD"),
            c("FILE_LAYOUT"),
            c("PACKAGE_AFFINITY"),
            c("SENSIBLE"),
            c("STYLE_BASIC"),
            alias("STYLE_DEFAULT", "STYLE_STANDARD"),
            c("STYLE_STANDARD"),
            c("COMMENTS"),
            c("UNARY_RPC"),
            c("OTHER"),
        ];
        const BREAKING: &[Category] = &[c("FILE"), c("PACKAGE"), c("WIRE_JSON"), c("WIRE")];
        const BREAKING_V2: &[Category] = &[
            c(SECONDARY_CATEGORY),
            c("FILE"),
            c("PACKAGE"),
            c("WIRE_JSON"),
            c("WIRE"),
        ];
        match (self, version) {
            (Family::Lint, ConfigVersion::V1Beta1) => LINT_V1BETA1,
            (Family::Lint, _) => LINT,
            (Family::Breaking, ConfigVersion::V2) => BREAKING_V2,
            (Family::Breaking, _) => BREAKING,
        }
    }

    /// The other family.
    pub fn other(self) -> Family {
        match self {
            Family::Lint => Family::Breaking,
            Family::Breaking => Family::Lint,
        }
    }

    /// `lint` or `breaking`, as buf's messages name the family.
    pub fn word(self) -> &'static str {
        match self {
            Family::Lint => "lint",
            Family::Breaking => "breaking",
        }
    }

    /// The category whose rules are the default set.
    pub fn default_category(self) -> &'static str {
        match self {
            Family::Lint => "STANDARD",
            Family::Breaking => "FILE",
        }
    }
}

/// A rule's categories as `ls-*-rules` shows them: with deprecated aliases
/// inserted before the category they stand for when `include_deprecated`.
pub fn listed_categories(
    family: Family,
    version: ConfigVersion,
    cats: &[&'static str],
    include_deprecated: bool,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for cat in family.categories(version) {
        let present = match cat.alias_of {
            Some(of) => include_deprecated && cats.contains(&of),
            None => cats.contains(&cat.id),
        };
        if present {
            out.push(cat.id);
        }
    }
    out
}

/// Whether `path` (module-relative, `/`-separated) is `prefix` or lies under it.
pub fn path_under(path: &str, prefix: &str) -> bool {
    if prefix == "." || prefix.is_empty() {
        return true;
    }
    let prefix = prefix.trim_end_matches('/');
    path == prefix
        || (path.len() > prefix.len()
            && path.starts_with(prefix)
            && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Whether a leading comment carries `buf:lint:ignore <rule>`. buf tests each
/// trimmed line with a plain prefix match (so an ID that is a prefix of
/// another also ignores that one).
pub fn comment_ignores(comment: &str, rule: &str) -> bool {
    comment.lines().any(|line| {
        line.trim()
            .strip_prefix("buf:lint:ignore ")
            .is_some_and(|rest| rest.starts_with(rule))
    })
}
