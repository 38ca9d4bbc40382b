//! Turning a config section's `use`, `except` and `ignore_only` keys into the
//! set of rules to run, with buf's validation, deprecation warnings and
//! defaults.

use std::collections::BTreeSet;

use super::{Category, Family, RuleMeta};
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

/// The rules and categories one lint or breaking run can name: the built-in
/// ones (unless `disable_builtin`) and those of the run's check plugins, in
/// one namespace.
#[derive(Debug, Clone)]
pub struct Universe {
    pub family: Family,
    pub version: ConfigVersion,
    /// Built-in rules in registry order, then each plugin's in its order.
    pub rules: Vec<UniRule>,
    /// Built-in categories (deprecated aliases included) in buf's listing
    /// order, then the plugins' categories that a rule of the family uses.
    pub categories: Vec<Category>,
}

/// A rule of a [`Universe`].
#[derive(Debug, Clone, Copy)]
pub struct UniRule {
    pub meta: &'static RuleMeta,
    /// The plugin's position in the run's plugin list; `None` for built-in.
    pub plugin: Option<usize>,
    /// Whether an empty `use` selects it.
    pub default: bool,
}

impl Universe {
    /// The built-in rules of `family` in `version`.
    pub fn builtin(family: Family, version: ConfigVersion, registry: &[&'static RuleMeta]) -> Self {
        let mut u = Universe {
            family,
            version,
            rules: Vec::new(),
            categories: Vec::new(),
        };
        u.add_builtin(registry);
        u
    }

    /// A universe with no rules yet (the built-in ones disabled).
    pub fn empty(family: Family, version: ConfigVersion) -> Self {
        Universe {
            family,
            version,
            rules: Vec::new(),
            categories: Vec::new(),
        }
    }

    pub fn add_builtin(&mut self, registry: &[&'static RuleMeta]) {
        let (family, version) = (self.family, self.version);
        let default = family.default_category();
        self.rules.extend(registry.iter().filter_map(|r| {
            let cats = r.categories(version)?;
            Some(UniRule {
                meta: r,
                plugin: None,
                default: cats.contains(&default),
            })
        }));
        self.categories
            .extend(family.categories(version).iter().copied());
    }

    /// Adds plugin `index`'s rules of this family (`rules` with their
    /// default flags); `categories` are the plugin's, in its order.
    pub fn add_plugin(
        &mut self,
        index: usize,
        rules: &[(&'static RuleMeta, bool)],
        categories: &[&'static str],
    ) {
        for &(meta, default) in rules {
            self.rules.push(UniRule {
                meta,
                plugin: Some(index),
                default,
            });
        }
        for &id in categories {
            let used = rules
                .iter()
                .any(|(r, _)| r.v2.is_some_and(|c| c.contains(&id)));
            if used {
                self.categories.push(Category { id, alias_of: None });
            }
        }
    }

    fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    fn rule(&self, id: &str) -> Option<&UniRule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// The plugin of rule `id`, `None` for built-in (or unknown) rules.
    pub fn plugin_of(&self, id: &str) -> Option<usize> {
        self.rule(id).and_then(|r| r.plugin)
    }
}

/// Checks that every ID the section names exists in the universe (as a
/// rule or a category), without resolving anything. buf validates the
/// other family's section this way too. A universe with no rules at all
/// (built-in rules disabled, no plugin rules of the family) checks nothing,
/// as buf does.
pub fn validate_ids(universe: &Universe, section: &Section) -> Result<(), String> {
    if universe.rules.is_empty() {
        return Ok(());
    }
    for id in ids_named(section) {
        if universe.category(id).is_none() && universe.rule(id).is_none() {
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

/// Resolves the section over the universe. With no rules in the universe
/// the selection is empty (the caller warns that none are configured).
pub fn resolve(universe: &Universe, section: &Section) -> Result<Selection, String> {
    if universe.rules.is_empty() {
        return Ok(Selection {
            rules: Vec::new(),
            warnings: Vec::new(),
        });
    }
    validate_ids(universe, section)?;
    let warnings = deprecation_warnings(universe, section);
    let mut chosen: BTreeSet<&'static str> = BTreeSet::new();
    if section.use_rules.is_empty() {
        chosen.extend(
            universe
                .rules
                .iter()
                .filter(|r| r.default && !r.meta.deprecated)
                .map(|r| r.meta.id),
        );
    } else {
        for id in section.use_rules {
            chosen.extend(expand(universe, id));
        }
    }
    for id in section.except {
        for r in expand(universe, id) {
            chosen.remove(r);
        }
    }
    let rules: Vec<&'static str> = universe
        .rules
        .iter()
        .map(|r| r.meta.id)
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
pub fn expand(universe: &Universe, id: &str) -> Vec<&'static str> {
    let version = universe.version;
    if let Some(cat) = universe.category(id) {
        let target = cat.alias_of.unwrap_or(cat.id);
        return universe
            .rules
            .iter()
            .filter(|r| {
                !r.meta.deprecated
                    && r.meta
                        .categories(version)
                        .is_some_and(|c| c.contains(&target))
            })
            .map(|r| r.meta.id)
            .collect();
    }
    match universe.rule(id) {
        Some(r) if r.meta.deprecated => r
            .meta
            .replacements
            .iter()
            .filter_map(|rep| universe.rule(rep).map(|x| x.meta.id))
            .collect(),
        Some(r) => vec![r.meta.id],
        None => Vec::new(),
    }
}

fn deprecation_warnings(universe: &Universe, section: &Section) -> Vec<String> {
    let named: BTreeSet<&str> = ids_named(section).collect();
    let mut out = Vec::new();
    for r in universe.rules.iter().map(|r| r.meta) {
        if r.deprecated && named.contains(r.id) {
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
    for c in &universe.categories {
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
    universe: &Universe,
    ignore_only: &'c std::collections::BTreeMap<String, Vec<String>>,
) -> std::collections::HashMap<&'static str, Vec<&'c str>> {
    let mut out: std::collections::HashMap<&'static str, Vec<&str>> = Default::default();
    for (id, paths) in ignore_only {
        for rule in expand(universe, id) {
            out.entry(rule)
                .or_default()
                .extend(paths.iter().map(String::as_str));
        }
    }
    out
}
