//! What `lint`, `breaking` and `config ls-*-rules` share once a workspace
//! names check plugins or policies (buf-check-plugins.md §2–§4): each
//! target module is checked by a buf.yaml run (its lint/breaking sections,
//! buf.yaml's plugins) and then one run per policy (the policy file's
//! sections and plugins, buf.yaml's ignores for that policy). A run's rules
//! are the built-in ones (unless `disable_builtin`) and its plugins' rules.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::check::plugins::{self, Files, Lookup, Placed, Plugin, program};
use crate::check::select::{self, Universe};
use crate::check::{self, Family};
use crate::config::policy::Policy;
use crate::config::{BreakingConfig, ConfigVersion, LintConfig};
use crate::workspace::{Module, Workspace};

/// The workspace's plugins and policies, started and listed.
#[derive(Default)]
pub struct Extensions {
    /// buf.yaml's `plugins:`.
    pub plugins: Vec<Plugin>,
    /// Each policy with its own plugins, in buf.yaml's order.
    pub policies: Vec<(Policy, Vec<Plugin>)>,
}

impl Extensions {
    /// Reads the policies and starts every plugin; nothing when the
    /// workspace names neither. Errors are the text after `Failure: `.
    pub fn load(ws: &Workspace, cwd: &Path) -> Result<Extensions, String> {
        if ws.check_plugins.is_empty() && ws.policies.is_empty() {
            return Ok(Extensions::default());
        }
        let lock = crate::deps::lock::read(&ws.root, ConfigVersion::V2)
            .ok()
            .flatten();
        let locked = |name: &str| {
            let bare = name.split_once(':').map_or(name, |(n, _)| n);
            lock.as_ref()
                .is_some_and(|l| l.plugins.iter().any(|p| p.name.to_string() == bare))
        };
        for p in &ws.policies {
            if program::is_remote(&p.policy, cwd) {
                let name = &p.policy;
                let bare = name.split_once(':').map_or(name.as_str(), |(n, _)| n);
                let pinned = lock
                    .as_ref()
                    .is_some_and(|l| l.policies.iter().any(|q| q.name == bare));
                return Err(if pinned {
                    format!("remote policy \"{name}\": protolith cannot run remote policies yet")
                } else {
                    format!(
                        "remote policy \"{name}\" is not in the buf.lock file, use \"buf policy \
                         update\" to pin remote refs"
                    )
                });
            }
        }
        let policies = crate::config::policy::read_all(&ws.policies, cwd)?;
        let plugins = plugins::load(&ws.check_plugins, None, cwd, &locked)?;
        let mut out = Vec::with_capacity(policies.len());
        for policy in policies {
            let started = plugins::load(&policy.plugins, Some(&policy.name), cwd, &locked)?;
            out.push((policy, started));
        }
        Ok(Extensions {
            plugins,
            policies: out,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty() && self.policies.is_empty()
    }

    /// The runs of `module`: buf.yaml's, then each policy's.
    pub fn runs<'a>(&'a self, module: &'a Module) -> Vec<Run<'a>> {
        let mut runs = vec![Run {
            policy: None,
            lint: &module.lint,
            breaking: &module.breaking,
            plugins: &self.plugins,
        }];
        for (policy, plugins) in &self.policies {
            runs.push(Run {
                policy: Some(&policy.name),
                lint: &policy.lint,
                breaking: &policy.breaking,
                plugins,
            });
        }
        runs
    }
}

/// One run over a module.
pub struct Run<'a> {
    /// The policy's name; `None` for buf.yaml's run.
    pub policy: Option<&'a str>,
    pub lint: &'a LintConfig,
    pub breaking: &'a BreakingConfig,
    pub plugins: &'a [Plugin],
}

/// A run's selection for one family: its universe, and the chosen rule IDs
/// split into built-in ones and each plugin's.
pub struct Chosen {
    pub universe: Universe,
    pub builtin: Vec<&'static str>,
    /// Per plugin of the run, its chosen rule IDs.
    pub by_plugin: Vec<Vec<&'static str>>,
    pub warnings: Vec<String>,
}

impl Chosen {
    pub fn is_empty(&self) -> bool {
        self.builtin.is_empty() && self.by_plugin.iter().all(Vec::is_empty)
    }
}

fn registry(family: Family) -> Vec<&'static check::RuleMeta> {
    match family {
        Family::Lint => crate::lint::registry(),
        Family::Breaking => crate::breaking::registry(),
    }
}

impl Run<'_> {
    fn disable_builtin(&self, family: Family) -> bool {
        match family {
            Family::Lint => self.lint.disable_builtin,
            Family::Breaking => self.breaking.disable_builtin,
        }
    }

    fn version(&self, family: Family) -> ConfigVersion {
        match family {
            Family::Lint => self.lint.version,
            Family::Breaking => self.breaking.version,
        }
    }

    fn section(&self, family: Family) -> select::Section<'_> {
        match family {
            Family::Lint => crate::lint::section(self.lint),
            Family::Breaking => crate::breaking::section(self.breaking),
        }
    }

    /// The run's universe for `family`, after buf's duplicate-ID check.
    pub fn universe(&self, family: Family) -> Result<Universe, String> {
        let version = self.version(family);
        let builtin = !self.disable_builtin(family);
        let lint = crate::lint::registry();
        let breaking = crate::breaking::registry();
        plugins::check_duplicates(
            builtin.then(|| plugins::builtin_ids(version, [&lint, &breaking])),
            self.plugins,
        )?;
        let reg = registry(family);
        Ok(plugins::universe(
            family,
            version,
            builtin.then_some(reg.as_slice()),
            self.plugins,
        ))
    }

    /// Resolves `family`'s section over the run's rules.
    pub fn choose(&self, family: Family) -> Result<Chosen, String> {
        self.choose_in(self.universe(family)?, family)
    }

    /// [`Run::choose`] over a universe already built for `family`.
    fn choose_in(&self, universe: Universe, family: Family) -> Result<Chosen, String> {
        let sel = select::resolve(&universe, &self.section(family))?;
        let mut builtin = Vec::new();
        let mut by_plugin = vec![Vec::new(); self.plugins.len()];
        for id in sel.rules {
            match universe.plugin_of(id) {
                Some(i) => by_plugin[i].push(id),
                None => builtin.push(id),
            }
        }
        Ok(Chosen {
            universe,
            builtin,
            by_plugin,
            warnings: sel.warnings,
        })
    }

    /// The other family's section, checked as buf checks it: in buf.yaml's
    /// run its `use` and `except` must name known IDs (its `ignore_only`
    /// keys are not looked at); a policy's is not checked. Its choice only
    /// matters for the unused-plugin warning.
    pub fn choose_other(&self, family: Family) -> Result<Option<Chosen>, String> {
        let universe = match (self.universe(family), self.policy) {
            (Ok(u), _) => u,
            (Err(e), None) => return Err(e),
            // A policy's other section is not checked at all.
            (Err(_), Some(_)) => return Ok(None),
        };
        if self.policy.is_none() {
            let full = self.section(family);
            let named = select::Section {
                use_rules: full.use_rules,
                except: full.except,
                ignore_only_keys: Vec::new(),
            };
            select::validate_ids(&universe, &named)?;
        }
        // Only rules the section names in `use` count for the warning,
        // not its defaults.
        let mut chosen = self.choose_in(universe, family).ok();
        if self.section(family).use_rules.is_empty()
            && let Some(c) = &mut chosen
        {
            c.by_plugin.iter_mut().for_each(Vec::clear);
        }
        Ok(chosen)
    }
}

/// Each target module's runs resolved for `family` (and the other family
/// checked, as buf checks it), printing buf's warnings on the way: the
/// deprecations, `No <family> rules are configured in buf.yaml.` when
/// buf.yaml's run selects nothing and there are no policies, and the
/// unused-plugin warning. Runs before compiling, so configuration mistakes
/// are reported even when the sources are broken.
pub fn plan(
    ext: &Extensions,
    modules: &[&Module],
    family: Family,
) -> Result<Vec<Vec<Chosen>>, String> {
    let other_family = family.other();
    let mut plans: Vec<Vec<Chosen>> = Vec::new();
    let mut others: Vec<Vec<Option<Chosen>>> = Vec::new();
    for m in modules {
        let mut chosen = Vec::new();
        let mut other = Vec::new();
        for run in ext.runs(m) {
            other.push(run.choose_other(other_family)?);
            let c = run.choose(family)?;
            for w in &c.warnings {
                crate::report::warn(w);
            }
            chosen.push(c);
        }
        if chosen[0].is_empty() && ext.policies.is_empty() {
            crate::report::warn(&format!(
                "No {} rules are configured in buf.yaml.",
                family.word()
            ));
        }
        plans.push(chosen);
        others.push(other);
    }
    warn_unused_plugins(ext, family, &plans, &others);
    Ok(plans)
}

/// buf's warning for plugins with rules of `family` none of which any of
/// `chosen` selects (§2.9). `config` is `buf.yaml` or the policy's name.
pub fn unused_plugins_warning(
    config: &str,
    family: Family,
    plugins: &[Plugin],
    chosen: &[&Chosen],
) -> Option<String> {
    let mut listed = Vec::new();
    let mut examples = Vec::new();
    for (i, p) in plugins.iter().enumerate() {
        let mut ids: Vec<&str> = p.rules_of(family).map(|r| r.meta.id).collect();
        if ids.is_empty() {
            continue;
        }
        let used = chosen
            .iter()
            .any(|c| c.by_plugin.get(i).is_some_and(|v| !v.is_empty()));
        if used {
            continue;
        }
        ids.sort_unstable();
        listed.push(format!(
            "\t  - {} (available rules: {})",
            p.name,
            ids.join(",")
        ));
        examples.push(format!("\t    - {}", ids[0]));
    }
    if listed.is_empty() {
        return None;
    }
    let word = family.word();
    Some(format!(
        "Your {config} has plugins added which have no rules configured:\n\n{}\n\n\tThis is \
         usually a configuration error. You must specify the rules or categories you want to \
         use from this plugin.\n\tFor example (selecting one rule from each plugin):\n\n\t{word}\n\t  \
         use:\n{}\n\n\tIf you do not want to use these plugins, we recommend removing them from \
         your configuration.",
        listed.join("\n"),
        examples.join("\n")
    ))
}

/// buf's unused-plugin warning, once per module run (§2.9): buf.yaml's
/// plugins count as used when any module's lint or breaking section
/// selects one of their rules; a policy's only by its own sections.
/// `plans` holds each module's runs for `family`, `others` the other
/// family's.
fn warn_unused_plugins(
    ext: &Extensions,
    family: Family,
    plans: &[Vec<Chosen>],
    others: &[Vec<Option<Chosen>>],
) {
    let mut first: Vec<&Chosen> = plans.iter().map(|p| &p[0]).collect();
    first.extend(others.iter().filter_map(|o| o[0].as_ref()));
    for (plan, other) in plans.iter().zip(others) {
        if let Some(w) = unused_plugins_warning("buf.yaml", family, &ext.plugins, &first) {
            crate::report::warn(&w);
        }
        for (i, (policy, plugins)) in ext.policies.iter().enumerate() {
            let mut own = vec![&plan[i + 1]];
            own.extend(other[i + 1].as_ref());
            if let Some(w) = unused_plugins_warning(&policy.name, family, plugins, &own) {
                crate::report::warn(&w);
            }
        }
    }
}

/// What decides whether a plugin finding is dropped.
pub struct Filter<'a> {
    pub ignore: &'a [String],
    pub ignore_only: HashMap<&'static str, Vec<&'a str>>,
    /// `// buf:lint:ignore` comments (lint only).
    pub comment_ignores: bool,
    /// `breaking --exclude-imports`.
    pub exclude_imports: bool,
    /// breaking's `ignore_unstable_packages`.
    pub ignore_unstable: bool,
}

impl Filter<'_> {
    /// buf's checks, on the finding's file and then on its against file.
    fn drops(&self, p: &Placed, current: &mut Lookup, against: Option<&Lookup>) -> bool {
        let sides = p
            .file
            .as_ref()
            .map(|(i, _, is_import)| (current.side(), *i, *is_import))
            .into_iter()
            .chain(
                p.against
                    .zip(against)
                    .map(|((i, is_import), side)| (side.side(), i, is_import)),
            );
        for (side, i, is_import) in sides {
            let f = &side.image.files[i].file;
            let name = f.fd.name();
            if self.exclude_imports && is_import {
                return true;
            }
            if self.ignore.iter().any(|x| check::path_under(name, x)) {
                return true;
            }
            if self
                .ignore_only
                .get(p.annotation.kind.as_str())
                .is_some_and(|ps| ps.iter().any(|x| check::path_under(name, x)))
            {
                return true;
            }
            if self.ignore_unstable
                && check::naming::package_version(f.fd.package())
                    .is_some_and(|v| v != check::naming::Stability::Stable)
            {
                return true;
            }
        }
        self.comment_ignores
            && p.file.as_ref().is_some_and(|(i, path, _)| {
                current.ignored_by_comment(*i, path, &p.annotation.kind)
            })
    }
}

/// One Check of one plugin over one module.
pub struct Task<'a> {
    pub plugin: &'a Plugin,
    pub rules: Vec<&'static str>,
    pub current: Files<'a>,
    pub against: Option<Files<'a>>,
    pub filter: Filter<'a>,
}

/// Runs the tasks in parallel (as buf runs its plugins' Checks) and returns
/// each task's kept findings, in task order. The first failure, in task
/// order, wins.
pub fn run_tasks(tasks: &[Task]) -> Result<Vec<Vec<Placed>>, String> {
    tasks
        .par_iter()
        .map(|t| {
            let annotations = plugins::check(t.plugin, &t.rules, t.current, t.against)?;
            let mut kept = Vec::with_capacity(annotations.len());
            let mut current = plugins::Lookup::new(t.current);
            let against = t.against.map(plugins::Lookup::new);
            for a in annotations {
                let placed = plugins::place(t.plugin, a, &mut current, against.as_ref())?;
                if !t.filter.drops(&placed, &mut current, against.as_ref()) {
                    kept.push(placed);
                }
            }
            Ok(kept)
        })
        .collect::<Vec<Result<_, String>>>()
        .into_iter()
        .collect()
}

/// A module's image files: its targets and everything they import, as
/// (index, is import) pairs.
pub fn module_files(image: &crate::image::Image, module: &Module) -> Vec<(usize, bool)> {
    let index: HashMap<&str, usize> = image
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file.fd.name(), i))
        .collect();
    let targets: std::collections::HashSet<usize> = module
        .files
        .iter()
        .filter(|f| f.is_target)
        .filter_map(|f| index.get(f.import_path.as_str()).copied())
        .collect();
    image
        .reachable(targets.iter().copied())
        .into_iter()
        .enumerate()
        .filter(|(_, r)| *r)
        .map(|(i, _)| (i, !targets.contains(&i)))
        .collect()
}

/// Puts findings of several runs in buf's order: a stable sort by position,
/// rule and message (ties keep run order: buf.yaml's run first, then the
/// policies), then exact repeats dropped (plugin and policy count).
pub fn merge<T>(
    mut items: Vec<T>,
    annotation: impl Fn(&T) -> &crate::report::Annotation,
) -> Vec<T> {
    items.sort_by(|a, b| crate::report::finding_order(annotation(a), annotation(b)));
    let mut seen = std::collections::HashSet::new();
    items.retain(|x| seen.insert(annotation(x).clone()));
    items
}
