//! Check plugins (buf.yaml v2 `plugins:`, and a policy file's): custom lint
//! and breaking rules run as separate programs (../shared/reference/
//! buf-check-plugins.md). The pieces, in the order a run uses them:
//!
//! - `load`: start each local plugin (`program.rs` finds it as buf does),
//!   read its options (`options.rs`), list its rules and categories over
//!   pluginrpc (`rpc.rs`) and check them as buf's client does.
//! - `check_duplicates` and `universe`: built-in rules plus each plugin's
//!   rules and categories in one namespace, for `check::select`.
//! - `check`: one Check call with the module's files (targets and imports,
//!   source info, `is_import`, unused imports), the plugin's own options and
//!   its share of the selected rule IDs.
//! - `place`: each annotation positioned by its source path, as buf does,
//!   with its plugin (and policy) name for every output format.
//!
//! Policy files are read by `config::policy`; each is a separate run.

pub mod options;
pub mod program;
pub mod rpc;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::compiler::source_info::{Loc, SourceInfo, Span};

use super::select::Universe;
use super::source::SourceIndex;
use super::{Family, RuleMeta};
use crate::config::{CheckPluginConfig, ConfigVersion};
use crate::image::Image;

/// A started plugin: its name as written, its options, and the rules and
/// categories it listed.
#[derive(Debug)]
pub struct Plugin {
    /// `plugin:`'s first element exactly as written.
    pub name: String,
    /// The policy whose file named it, for error messages.
    pub policy: Option<String>,
    client: rpc::Client,
    pub options: Vec<rpc::PluginOption>,
    /// An option buf accepts when reading the config but cannot send.
    check_error: Option<String>,
    /// Lint and breaking rules in the plugin's order (rules of unspecified
    /// type are dropped, as buf drops them).
    pub rules: Vec<PluginRule>,
    /// Category IDs in the plugin's order.
    pub categories: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct PluginRule {
    pub meta: &'static RuleMeta,
    pub family: Family,
    pub default: bool,
}

impl Plugin {
    /// Its rules of `family`.
    pub fn rules_of(&self, family: Family) -> impl Iterator<Item = &PluginRule> {
        self.rules.iter().filter(move |r| r.family == family)
    }

    /// `plugin "<name>" failed: <text>`, naming the policy when it has one.
    pub fn failure(&self, text: &str) -> String {
        failure(&self.name, self.policy.as_deref(), text)
    }
}

fn failure(name: &str, policy: Option<&str>, text: &str) -> String {
    match policy {
        Some(p) => format!("plugin \"{name}\" from policy \"{p}\" failed: {text}"),
        None => format!("plugin \"{name}\" failed: {text}"),
    }
}

/// Starts each plugin of `configs` and reads its rules and categories.
/// Options are checked first, for all of them, before any program runs.
pub fn load(
    configs: &[CheckPluginConfig],
    policy: Option<&str>,
    cwd: &Path,
    locked: &dyn Fn(&str) -> bool,
) -> Result<Vec<Plugin>, String> {
    load_with(configs, policy, cwd, locked, &BTreeMap::new())
}

/// [`load`], with `overrides` (protoc plugin mode's `plugin_overrides`)
/// naming a local program for a plugin name.
pub fn load_with(
    configs: &[CheckPluginConfig],
    policy: Option<&str>,
    cwd: &Path,
    locked: &dyn Fn(&str) -> bool,
    overrides: &BTreeMap<String, String>,
) -> Result<Vec<Plugin>, String> {
    let mut options = Vec::with_capacity(configs.len());
    for c in configs {
        options
            .push(options::to_options(c).map_err(|e| {
                format!("could not parse options for plugin \"{}\": {e}", c.plugin)
            })?);
    }
    let mut plugins = Vec::with_capacity(configs.len());
    for (c, options) in configs.iter().zip(options) {
        // An overridden plugin goes by its program's path, as in buf.
        let name = overrides.get(&c.plugin).unwrap_or(&c.plugin).as_str();
        let program = program::find(name, cwd, locked).map_err(|e| match e {
            program::Problem::Start(text) => failure(name, policy, &text),
            program::Problem::Config(text) => text,
        })?;
        let client = rpc::Client::new(name, program, c.args.clone(), cwd);
        let listed = client
            .list_rules()
            .and_then(|rules| Ok((rules, client.list_categories()?)))
            .and_then(|(rules, categories)| validate(rules, categories))
            .map_err(|e| failure(name, policy, &e))?;
        plugins.push(Plugin {
            name: name.to_string(),
            policy: policy.map(str::to_string),
            client,
            options,
            check_error: options::check_time_error(&c.options),
            rules: listed.0,
            categories: listed.1,
        });
    }
    Ok(plugins)
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// buf's client checks on a plugin's listing (§1.6), then the rules as
/// `RuleMeta`s that selection and `ls-*-rules` read. A run lists a handful
/// of plugins once, so their metadata is kept for the process's life.
fn validate(
    rules: Vec<rpc::Rule>,
    categories: Vec<rpc::Category>,
) -> Result<(Vec<PluginRule>, Vec<&'static str>), String> {
    for r in &rules {
        if r.purpose.is_empty() {
            return Err("check.Rule: ID is empty".into());
        }
        if r.default && r.deprecated {
            return Err("check.Rule: Default and Deprecated are true".into());
        }
        if !r.deprecated && !r.replacement_ids.is_empty() {
            return Err("check.Rule: ReplacementIDs set but Deprecated is false".into());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let dups: std::collections::BTreeSet<&str> = rules
        .iter()
        .filter(|r| !seen.insert(r.id.as_str()))
        .map(|r| r.id.as_str())
        .collect();
    if !dups.is_empty() {
        let list: Vec<&str> = dups.into_iter().collect();
        return Err(format!("duplicate rule IDs: {}", list.join(", ")));
    }
    for r in &rules {
        if let Some(c) = r
            .category_ids
            .iter()
            .find(|c| !categories.iter().any(|k| k.id == **c))
        {
            return Err(format!("no category for ID {c:?}"));
        }
    }
    for r in &rules {
        if let Some(rep) = r.replacement_ids.iter().find(|rep| {
            !rules.iter().any(|x| x.id == **rep) && !categories.iter().any(|k| k.id == **rep)
        }) {
            return Err(format!(
                "it looks like you have found a bug in buf. Please file an issue at \
                 https://github.com/bufbuild/buf/issues and provide the command you ran, as \
                 well as the following message: unknown rule or category ID given as a \
                 replacement ID: {rep:?}"
            ));
        }
    }
    let out = rules
        .into_iter()
        .filter_map(|r| {
            let family = match r.r#type {
                1 => Family::Lint,
                2 => Family::Breaking,
                _ => return None,
            };
            let cats: &'static [&'static str] = Box::leak(
                r.category_ids
                    .into_iter()
                    .map(leak)
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            );
            let replacements: &'static [&'static str] = Box::leak(
                r.replacement_ids
                    .into_iter()
                    .map(leak)
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            );
            let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
                id: leak(r.id),
                purpose: leak(r.purpose),
                v1beta1: Some(cats),
                v1: Some(cats),
                v2: Some(cats),
                deprecated: r.deprecated,
                replacements,
            }));
            Some(PluginRule {
                meta,
                family,
                default: r.default,
            })
        })
        .collect();
    let categories = categories.into_iter().map(|c| leak(c.id)).collect();
    Ok((out, categories))
}

/// Rule and category IDs share one namespace across the built-in rules
/// (`builtin`, both families' rules and categories, when they are part of
/// the run) and every plugin. buf lists each clash with its sources.
pub fn check_duplicates(
    builtin: Option<(Vec<&str>, Vec<&str>)>,
    plugins: &[Plugin],
) -> Result<(), String> {
    // buf gathers every source's rules (built-in first), then every
    // source's categories (built-in last), and lists each ID's sources in
    // that order.
    let mut sources: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let (rules, categories) = builtin.unwrap_or_default();
    let builtin_on = !rules.is_empty() || !categories.is_empty();
    for id in rules {
        sources.entry(id).or_default().push("builtin");
    }
    for p in plugins {
        for r in &p.rules {
            sources.entry(r.meta.id).or_default().push(&p.name);
        }
    }
    for p in plugins {
        for id in &p.categories {
            sources.entry(id).or_default().push(&p.name);
        }
    }
    if builtin_on {
        for id in categories {
            sources.entry(id).or_default().push("builtin");
        }
    }
    let clashes: Vec<String> = sources
        .iter()
        .filter(|(_, s)| s.len() > 1)
        .map(|(id, s)| format!("{id}: {}", s.join(", ")))
        .collect();
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "duplicate rule IDs detected from plugins:\n{}",
            clashes.join("\n")
        ))
    }
}

/// The IDs the built-in rules of `version` claim: both families' rules,
/// then both families' categories.
pub fn builtin_ids(
    version: ConfigVersion,
    registries: [&[&'static RuleMeta]; 2],
) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut rules: Vec<&'static str> = Vec::new();
    for registry in registries {
        rules.extend(
            registry
                .iter()
                .filter(|r| r.categories(version).is_some())
                .map(|r| r.id),
        );
    }
    let mut categories = Vec::new();
    for family in [Family::Lint, Family::Breaking] {
        categories.extend(family.categories(version).iter().map(|c| c.id));
    }
    (rules, categories)
}

/// The rules one run of `family` can name: the built-in ones (when
/// `builtin` is given) and each plugin's.
pub fn universe(
    family: Family,
    version: ConfigVersion,
    builtin: Option<&[&'static RuleMeta]>,
    plugins: &[Plugin],
) -> Universe {
    let mut u = match builtin {
        Some(registry) => Universe::builtin(family, version, registry),
        None => Universe::empty(family, version),
    };
    for (i, p) in plugins.iter().enumerate() {
        let rules: Vec<(&'static RuleMeta, bool)> =
            p.rules_of(family).map(|r| (r.meta, r.default)).collect();
        u.add_plugin(i, &rules, &p.categories);
    }
    u
}

/// One side of a check: image files as (index, is import) pairs.
#[derive(Clone, Copy)]
pub struct Files<'a> {
    pub image: &'a Image,
    pub files: &'a [(usize, bool)],
}

impl Files<'_> {
    fn encoded(&self) -> Vec<rpc::EncodedFileDescriptor> {
        use rayon::prelude::*;
        self.files
            .par_iter()
            .filter_map(|&(i, is_import)| {
                let f = &self.image.files.get(i)?.file;
                let mut bytes = Vec::with_capacity(4096);
                crate::image::encode_file(f, true, false, &mut bytes);
                Some(rpc::EncodedFileDescriptor {
                    file_descriptor_proto: bytes,
                    is_import,
                    is_syntax_unspecified: f.syntax_unspecified,
                    unused_dependency: f.unused_dependencies.clone(),
                })
            })
            .collect()
    }
}

/// A side's files by name, and their source indexes as annotations need
/// them: what positions a plugin's answer.
pub struct Lookup<'a> {
    side: Files<'a>,
    by_name: HashMap<&'a str, (usize, bool)>,
    sources: HashMap<usize, SourceIndex>,
}

impl<'a> Lookup<'a> {
    pub fn new(side: Files<'a>) -> Self {
        let by_name = side
            .files
            .iter()
            .filter_map(|&(i, is_import)| {
                Some((side.image.files.get(i)?.file.fd.name(), (i, is_import)))
            })
            .collect();
        Lookup {
            side,
            by_name,
            sources: HashMap::new(),
        }
    }

    /// The image index of the file named `name` (module-relative) and
    /// whether it is an import.
    fn find(&self, name: &str) -> Option<(usize, bool)> {
        self.by_name.get(name).copied()
    }

    /// File `i`'s source locations and its index by path (built on first
    /// use).
    fn located(&mut self, i: usize) -> Option<(&'a SourceInfo, &SourceIndex)> {
        let info = self.side.image.files.get(i)?.file.source_info.as_ref()?;
        let index = self
            .sources
            .entry(i)
            .or_insert_with(|| SourceIndex::new(Some(info)));
        Some((info, index))
    }

    /// The side these files belong to.
    pub fn side(&self) -> Files<'a> {
        self.side
    }

    /// Whether a leading comment on `path` in file `i`, or on a declaration
    /// enclosing it, says `buf:lint:ignore <rule>` (the first location of
    /// each path counts, as for built-in rules).
    pub fn ignored_by_comment(&mut self, i: usize, path: &[i32], rule: &str) -> bool {
        let Some((info, index)) = self.located(i) else {
            return false;
        };
        (1..=path.len()).rev().any(|n| {
            index
                .get_in(info, &path[..n])
                .and_then(|l| l.leading_comments())
                .is_some_and(|c| super::comment_ignores(c, rule))
        })
    }

    /// The span buf prints for `path` in file `i`: the first location with
    /// exactly that path; for a path with no location, the last of the
    /// locations sharing the longest prefix with it (what buf's lookup ends
    /// on).
    fn span(&mut self, i: usize, path: &[i32]) -> Option<Span> {
        let (info, index) = self.located(i)?;
        if let Some(l) = index.get_in(info, path) {
            return Some(l.span());
        }
        let common = |l: &Loc| l.path().zip(path).take_while(|(a, b)| a == *b).count();
        let best = info.iter().map(|l| common(&l)).max()?;
        info.iter()
            .filter(|l| common(l) == best)
            .last()
            .map(|l| l.span())
    }
}

/// Runs Check with `rule_ids` (sorted, never empty) over `current` (and
/// `against` for breaking).
pub fn check(
    plugin: &Plugin,
    rule_ids: &[&str],
    current: Files,
    against: Option<Files>,
) -> Result<Vec<rpc::Annotation>, String> {
    if let Some(e) = &plugin.check_error {
        return Err(plugin.failure(e));
    }
    let mut ids: Vec<String> = rule_ids.iter().map(|s| s.to_string()).collect();
    ids.sort();
    let request = rpc::EncodedCheckRequest {
        file_descriptors: current.encoded(),
        against_file_descriptors: against.map(|a| a.encoded()).unwrap_or_default(),
        options: plugin.options.clone(),
        rule_ids: ids,
    };
    plugin
        .client
        .check(&request)
        .map_err(|e| plugin.failure(&e))
}

/// A plugin finding, positioned.
#[derive(Debug, Clone)]
pub struct Placed {
    pub annotation: crate::report::Annotation,
    /// Image index, source path and import flag of `file_location`'s file,
    /// when it has one.
    pub file: Option<(usize, Vec<i32>, bool)>,
    /// Image index and import flag of `against_file_location`'s file, when
    /// it has one.
    pub against: Option<(usize, bool)>,
}

/// Positions `a` as buf does: only `file_location` decides the printed path
/// and span (an empty source path is 1:1); a finding with no file location
/// has no path.
pub fn place(
    plugin: &Plugin,
    a: rpc::Annotation,
    current: &mut Lookup,
    against: Option<&Lookup>,
) -> Result<Placed, String> {
    let unknown =
        |name: &str| plugin.failure(&format!("cannot add annotation for unknown file: {name:?}"));
    let file = match &a.file_location {
        Some(loc) if !loc.file_name.is_empty() => {
            let (i, is_import) = current
                .find(&loc.file_name)
                .ok_or_else(|| unknown(&loc.file_name))?;
            Some((i, loc.source_path.clone(), is_import))
        }
        _ => None,
    };
    let against_file = match (&a.against_file_location, against) {
        (Some(loc), Some(side)) if !loc.file_name.is_empty() => Some(
            side.find(&loc.file_name)
                .ok_or_else(|| unknown(&loc.file_name))?,
        ),
        _ => None,
    };
    let mut annotation = crate::report::Annotation {
        path: String::new(),
        start_line: 0,
        start_column: 0,
        end_line: 0,
        end_column: 0,
        kind: a.rule_id,
        message: a.message,
        plugin: plugin.name.clone(),
        policy: plugin.policy.clone().unwrap_or_default(),
    };
    if let Some((i, path, _)) = &file {
        annotation.path = current.side.image.files[*i].file.display_path.clone();
        let span = if path.is_empty() {
            None
        } else {
            current.span(*i, path)
        };
        let (sl, sc, el, ec) = match span.as_deref() {
            Some([l, c, ec]) => (*l + 1, *c + 1, *l + 1, *ec + 1),
            Some([l, c, el, ec]) => (*l + 1, *c + 1, *el + 1, *ec + 1),
            _ => (1, 1, 1, 1),
        };
        annotation.start_line = sl as usize;
        annotation.start_column = sc as usize;
        annotation.end_line = el as usize;
        annotation.end_column = ec as usize;
    }
    Ok(Placed {
        annotation,
        file,
        against: against_file,
    })
}
