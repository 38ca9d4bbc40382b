//! Turning a config section's `use`, `except` and `ignore_only` keys into the
//! set of rules to run, with buf's validation, deprecation warnings and
//! defaults.

use std::collections::BTreeSet;

use super::{Family, RuleMeta};
use crate::config::ConfigVersion;

/// The outcome of resolving a section.
#[derive(Debug)]
pub struct Selection {
    /// IDs of the rules to run, in registry order.
    pub rules: Vec<&'static str>,
    /// Deprecation warnings, in buf's order and words.
    pub warnings: Vec<String>,
}

/// What a section names: `use`, `except` and the keys of `ignore_only`.
pub struct Section<'a> {
    pub use_rules: &'a [String],
    pub except: &'a [String],
    pub ignore_only_keys: Vec<&'a str>,
}

impl<'a> Section<'a> {
    pub fn new(
        use_rules: &'a [String],
        except: &'a [String],
        ignore_only: &'a std::collections::BTreeMap<String, Vec<String>>,
    ) -> Self {
        Section {
            use_rules,
            except,
            ignore_only_keys: ignore_only.keys().map(String::as_str).collect(),
        }
    }
}

/// The rules of `registry` that exist in `version`.
pub fn rules_in(version: ConfigVersion, registry: &[&'static RuleMeta]) -> Vec<&'static RuleMeta> {
    registry
        .iter()
        .copied()
        .filter(|r| r.categories(version).is_some())
        .collect()
}

/// Checks that every ID the section names exists in `version` (as a rule or a
/// category), without resolving anything. buf validates the other family's
/// section this way too.
pub fn validate_ids(
    family: Family,
    version: ConfigVersion,
    registry: &[&'static RuleMeta],
    section: &Section,
) -> Result<(), String> {
    for id in ids_named(section) {
        if !is_known(family, version, registry, id) {
            return Err(format!("{id:?} is not a known rule or category ID"));
        }
    }
    Ok(())
}

fn ids_named<'a>(section: &'a Section) -> impl Iterator<Item = &'a str> {
    section
        .use_rules
        .iter()
        .chain(section.except)
        .map(String::as_str)
        .chain(section.ignore_only_keys.iter().copied())
}

fn is_known(
    family: Family,
    version: ConfigVersion,
    registry: &[&'static RuleMeta],
    id: &str,
) -> bool {
    family.categories(version).iter().any(|c| c.id == id)
        || registry
            .iter()
            .any(|r| r.id == id && r.categories(version).is_some())
}

/// Resolves the section for `version`.
pub fn resolve(
    family: Family,
    version: ConfigVersion,
    registry: &[&'static RuleMeta],
    section: &Section,
) -> Result<Selection, String> {
    validate_ids(family, version, registry, section)?;
    let warnings = deprecation_warnings(family, version, registry, section);
    let in_version = rules_in(version, registry);
    let mut chosen: BTreeSet<&'static str> = BTreeSet::new();
    if section.use_rules.is_empty() {
        chosen.extend(expand(
            family,
            version,
            &in_version,
            family.default_category(),
        ));
    } else {
        for id in section.use_rules {
            chosen.extend(expand(family, version, &in_version, id));
        }
    }
    for id in section.except {
        for r in expand(family, version, &in_version, id) {
            chosen.remove(r);
        }
    }
    let rules: Vec<&'static str> = in_version
        .iter()
        .map(|r| r.id)
        .filter(|id| chosen.contains(id))
        .collect();
    if rules.is_empty() {
        return Err(
            "it looks like you have found a bug in buf. Please file an issue at \
                    https://github.com/bufbuild/buf/issues and provide the command you ran, as \
                    well as the following message: resultRules was empty"
                .to_string(),
        );
    }
    Ok(Selection { rules, warnings })
}

/// The rule IDs `id` stands for: a category's rules (through a deprecated
/// alias too), a rule itself, or a deprecated rule's replacements.
pub fn expand(
    family: Family,
    version: ConfigVersion,
    rules: &[&'static RuleMeta],
    id: &str,
) -> Vec<&'static str> {
    let cats = family.categories(version);
    if let Some(cat) = cats.iter().find(|c| c.id == id) {
        let target = cat.alias_of.unwrap_or(cat.id);
        return rules
            .iter()
            .filter(|r| !r.deprecated && r.categories(version).is_some_and(|c| c.contains(&target)))
            .map(|r| r.id)
            .collect();
    }
    match rules.iter().find(|r| r.id == id) {
        Some(r) if r.deprecated => r
            .replacements
            .iter()
            .filter_map(|rep| rules.iter().find(|x| x.id == *rep).map(|x| x.id))
            .collect(),
        Some(r) => vec![r.id],
        None => Vec::new(),
    }
}

fn deprecation_warnings(
    family: Family,
    version: ConfigVersion,
    registry: &[&'static RuleMeta],
    section: &Section,
) -> Vec<String> {
    let named: BTreeSet<&str> = ids_named(section).collect();
    let mut out = Vec::new();
    for r in registry {
        if r.deprecated && r.categories(version).is_some() && named.contains(r.id) {
            let id = r.id;
            let replaced = match r.replacements {
                [] => String::new(),
                [one] => format!(" It has been replaced by rule {one}."),
                many => format!(" It has been replaced by rules {}.", many.join(", ")),
            };
            out.push(format!(
                "Rule {id} referenced in your buf.yaml is deprecated.{replaced}\n\tAs with all \
                 buf changes, this change is backwards-compatible: {id} will continue to \
                 work.\n\tWe recommend replacing {id} in your buf.yaml, but no action is \
                 immediately necessary."
            ));
        }
    }
    for c in family.categories(version) {
        let Some(of) = c.alias_of else { continue };
        if !named.contains(c.id) {
            continue;
        }
        let id = c.id;
        let extra = if id == "DEFAULT" {
            "\n\n\tThe concept of a default rule has been introduced. A default rule is a rule \
             that will be run\n\tif no rules are explicitly configured in your buf.yaml. Run \
             buf config ls-lint-rules or\n\tbuf config ls-breaking-rules to see which rules are \
             defaults. With this introduction, having a category\n\talso named DEFAULT is \
             confusing, as while it happens that all the rules in the DEFAULT category\n\tare \
             also default rules, the name has become overloaded.\n"
        } else {
            ""
        };
        out.push(format!(
            "Category {id} referenced in your buf.yaml is deprecated. It has been replaced by \
             category {of}.{extra}\n\tAs with all buf changes, this change is \
             backwards-compatible: {id} will continue to work.\n\tWe recommend replacing {id} \
             in your buf.yaml, but no action is immediately necessary."
        ));
    }
    out
}

/// `ignore_only` keyed by rule ID, with categories and deprecated IDs
/// expanded to the rules they stand for.
pub fn ignore_only_by_rule<'c>(
    family: Family,
    version: ConfigVersion,
    registry: &[&'static RuleMeta],
    ignore_only: &'c std::collections::BTreeMap<String, Vec<String>>,
) -> std::collections::HashMap<&'static str, Vec<&'c str>> {
    let in_version = rules_in(version, registry);
    let mut out: std::collections::HashMap<&'static str, Vec<&str>> = Default::default();
    for (id, paths) in ignore_only {
        for rule in expand(family, version, &in_version, id) {
            out.entry(rule)
                .or_default()
                .extend(paths.iter().map(String::as_str));
        }
    }
    out
}
