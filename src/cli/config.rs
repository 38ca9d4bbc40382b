//! `protolith config ls-lint-rules` and `ls-breaking-rules`: list rules with
//! their categories, as buf prints them. `config init` and `config
//! ls-modules` read their flags as buf's cobra does (config_init.rs,
//! config_ls_modules.rs).

use std::io::Write;

use clap::{Args, Subcommand};

use super::{CliError, Outcome, check_runs};
use crate::check::plugins::PluginRule;
use crate::check::{self, Family, RuleMeta};
use crate::config::ConfigVersion;
use crate::lint;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// List lint rules
    LsLintRules(LsRulesArgs),
    /// List breaking rules
    LsBreakingRules(LsRulesArgs),
    /// Initialize buf configuration files for your local development
    Init(super::config_init::InitArgs),
    /// List configured modules
    LsModules(super::config_ls_modules::LsModulesArgs),
    /// Migrate all buf.yaml, buf.work.yaml, buf.gen.yaml, and buf.lock files at the specified directories or paths to v2
    Migrate(super::config_migrate::MigrateArgs),
}

#[derive(Args, Debug)]
pub struct LsRulesArgs {
    /// The buf.yaml file or data to use for configuration. --configured-only must be set
    #[arg(long)]
    pub config: Option<String>,
    /// List rules that are configured instead of listing all available rules
    #[arg(long)]
    pub configured_only: bool,
    /// The format to print rules as. Must be one of [text,json]
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Also print deprecated rules. Has no effect if --configured-only is set.
    #[arg(long)]
    pub include_deprecated: bool,
    /// The path to the specific module to list configured rules for
    #[arg(long)]
    pub module_path: Option<String>,
    /// List all the rules for the given configuration version (v1beta1, v1, v2)
    #[arg(long)]
    pub version: Option<String>,
}

pub fn run(cmd: ConfigCommand) -> Result<Outcome, CliError> {
    match cmd {
        ConfigCommand::LsLintRules(args) => ls_rules(Family::Lint, &lint::registry(), &args),
        ConfigCommand::LsBreakingRules(args) => {
            ls_rules(Family::Breaking, &crate::breaking::registry(), &args)
        }
        ConfigCommand::Init(args) => super::config_init::run(args),
        ConfigCommand::LsModules(args) => super::config_ls_modules::run(args),
        ConfigCommand::Migrate(args) => super::config_migrate::run(args),
    }
}

fn ls_rules(
    family: Family,
    registry: &[&'static RuleMeta],
    args: &LsRulesArgs,
) -> Result<Outcome, CliError> {
    if !matches!(args.format.as_str(), "text" | "json") {
        return Err(CliError::Failure(format!(
            "--format: invalid format: {:?}",
            args.format
        )));
    }
    if args.configured_only && args.version.is_some() {
        return Err(CliError::Failure(
            "--version cannot be set if --configured-only is set".into(),
        ));
    }
    if !args.configured_only && (args.config.is_some() || args.module_path.is_some()) {
        return Err(CliError::Failure(
            "--config and --module-path require --configured-only".into(),
        ));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = crate::workspace::BuildRequest {
        input: ".".into(),
        paths: Vec::new(),
        exclude_paths: Vec::new(),
        config_override: args.config.clone(),
        disable_symlinks: false,
        // Only the configuration matters here, not the sources.
        allow_empty_modules: true,
    };
    let mut sections: Vec<Section> = Vec::new();
    let version;
    if args.configured_only {
        let ws =
            crate::workspace::discover(&req, &cwd).map_err(|e| CliError::Failure(e.to_string()))?;
        let module = match &args.module_path {
            Some(p) => ws
                .modules
                .iter()
                .find(|m| m.dir == *p)
                .ok_or_else(|| CliError::Failure(format!("no module found for path {p:?}")))?,
            None if ws.modules.len() == 1 => &ws.modules[0],
            None => {
                return Err(CliError::Failure(
                    "--module-path must be set when the buf.yaml defines more than one module"
                        .into(),
                ));
            }
        };
        version = match family {
            Family::Lint => module.lint.version,
            Family::Breaking => module.breaking.version,
        };
        let ext = check_runs::Extensions::load(&ws, &cwd).map_err(CliError::Failure)?;
        for run in ext.runs(module) {
            let chosen = run.choose(family).map_err(CliError::Failure)?;
            // Here buf names no config file in its deprecation warnings.
            for w in &chosen.warnings {
                crate::report::warn(&w.replace("in your buf.yaml", "in your "));
            }
            let policy = run.policy.unwrap_or_default();
            let metas: Vec<&'static RuleMeta> = registry
                .iter()
                .copied()
                .filter(|r| chosen.builtin.contains(&r.id))
                .collect();
            // --include-deprecated still shows the deprecated category
            // aliases of the configured rules.
            let deprecated = args.include_deprecated;
            sections.push(Section::builtin(
                family, version, policy, &metas, deprecated,
            ));
            for (plugin, ids) in run.plugins.iter().zip(&chosen.by_plugin) {
                let rules = plugin
                    .rules_of(family)
                    .filter(|r| ids.contains(&r.meta.id))
                    .copied()
                    .collect();
                sections.push(Section::plugin(policy, &plugin.name, rules, deprecated));
            }
        }
        if sections.iter().all(|s| s.rows.is_empty()) {
            crate::report::warn(&format!("No {} rules are configured in .", family.word()));
        }
    } else {
        version = match args.version.as_deref() {
            Some("v1beta1") => ConfigVersion::V1Beta1,
            Some("v1") => ConfigVersion::V1,
            Some("v2") => ConfigVersion::V2,
            Some(other) => {
                return Err(CliError::Failure(format!(
                    "--version: invalid version: {other:?}"
                )));
            }
            None => crate::config::version_in_dir(std::path::Path::new("."))
                .unwrap_or(ConfigVersion::V2),
        };
        let deprecated = args.include_deprecated;
        // The workspace here only matters for its plugins and policies.
        let ext = match crate::workspace::discover(&req, &cwd) {
            Ok(ws) => check_runs::Extensions::load(&ws, &cwd).map_err(CliError::Failure)?,
            Err(_) => check_runs::Extensions::default(),
        };
        sections.push(Section::builtin(family, version, "", registry, deprecated));
        for p in &ext.plugins {
            let rules = p.rules_of(family).copied().collect();
            sections.push(Section::plugin("", &p.name, rules, deprecated));
        }
        for (policy, plugins) in &ext.policies {
            sections.push(Section::builtin(
                family,
                version,
                &policy.name,
                registry,
                deprecated,
            ));
            for p in plugins {
                let rules = p.rules_of(family).copied().collect();
                sections.push(Section::plugin(&policy.name, &p.name, rules, deprecated));
            }
        }
    }
    sections.retain(|s| !s.rows.is_empty());
    sections.sort_by(|a, b| (&a.policy, &a.plugin).cmp(&(&b.policy, &b.plugin)));
    let text = if args.format == "json" {
        sections
            .iter()
            .flat_map(|s| &s.rows)
            .map(json_row)
            .collect::<String>()
    } else {
        text_sections(&sections)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(Outcome::Ok)
}

/// One block of `ls-*-rules`: the rules of one source in one run.
struct Section {
    policy: String,
    plugin: String,
    rows: Vec<Row>,
}

struct Row {
    meta: &'static RuleMeta,
    categories: Vec<&'static str>,
    default: bool,
    policy: String,
    plugin: String,
}

impl Section {
    /// Built-in rules of `version` among `metas`, in buf's order: by their
    /// categories in the version's order (v2 breaking's CSR only breaks
    /// ties), then by ID. Deprecated ones only with `deprecated`.
    fn builtin(
        family: Family,
        version: ConfigVersion,
        policy: &str,
        metas: &[&'static RuleMeta],
        deprecated: bool,
    ) -> Section {
        let default_cat = family.default_category();
        let mut rows: Vec<Row> = metas
            .iter()
            .filter(|r| deprecated || !r.deprecated)
            .filter_map(|r| {
                let cats = r.categories(version)?;
                Some(Row {
                    meta: r,
                    categories: check::listed_categories(family, version, cats, deprecated),
                    default: cats.contains(&default_cat),
                    policy: policy.to_string(),
                    plugin: String::new(),
                })
            })
            .collect();
        let order: Vec<&str> = family
            .categories(version)
            .iter()
            .map(|c| c.id)
            .filter(|c| *c != check::SECONDARY_CATEGORY)
            .collect();
        let rank = |cats: &[&str]| -> (Vec<usize>, bool) {
            let mut v: Vec<usize> = cats
                .iter()
                .filter_map(|c| order.iter().position(|o| o == c))
                .collect();
            if v.is_empty() {
                v.push(usize::MAX);
            }
            (v, cats.contains(&check::SECONDARY_CATEGORY))
        };
        rows.sort_by(|a, b| {
            rank(&a.categories)
                .cmp(&rank(&b.categories))
                .then(a.meta.id.cmp(b.meta.id))
        });
        Section {
            policy: policy.to_string(),
            plugin: String::new(),
            rows,
        }
    }

    /// A plugin's rules: default ones first, then by first category (none
    /// last), by the categories as listed, by ID.
    fn plugin(policy: &str, plugin: &str, rules: Vec<PluginRule>, deprecated: bool) -> Section {
        let mut rows: Vec<Row> = rules
            .into_iter()
            .filter(|r| deprecated || !r.meta.deprecated)
            .map(|r| Row {
                meta: r.meta,
                categories: r.meta.v2.unwrap_or_default().to_vec(),
                default: r.default,
                policy: policy.to_string(),
                plugin: plugin.to_string(),
            })
            .collect();
        rows.sort_by(|a, b| {
            let key = |r: &Row| {
                (
                    !r.default,
                    r.categories.is_empty(),
                    r.categories.first().copied().unwrap_or_default(),
                    r.categories.join(", "),
                    r.meta.id,
                )
            };
            key(a).cmp(&key(b))
        });
        Section {
            policy: policy.to_string(),
            plugin: plugin.to_string(),
            rows,
        }
    }

    /// `policy plugin`, `policy` or `plugin`; empty for built-in rules of
    /// buf.yaml's run.
    fn title(&self) -> String {
        [self.policy.as_str(), self.plugin.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn json_row(r: &Row) -> String {
    let replacements = if r.meta.replacements.is_empty() {
        "null".to_string()
    } else {
        serde_json::to_string(r.meta.replacements).unwrap_or_default()
    };
    let policy = if r.policy.is_empty() {
        String::new()
    } else {
        format!("\"policy\":{},", crate::report::go_json_string(&r.policy))
    };
    format!(
        "{{\"id\":{},\"categories\":{},\"default\":{},\"purpose\":{},{policy}\"plugin\":{},\"deprecated\":{},\"replacements\":{replacements}}}\n",
        crate::report::go_json_string(r.meta.id),
        serde_json::to_string(&r.categories).unwrap_or_default(),
        r.default,
        crate::report::go_json_string(r.meta.purpose),
        crate::report::go_json_string(&r.plugin),
        r.meta.deprecated,
    )
}

/// The text listing: one table whose columns line up across sections, the
/// header once (after the first section's title), each later section after
/// a blank line and a title with a blank line under it.
fn text_sections(sections: &[Section]) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "CATEGORIES".to_string(),
        "DEFAULT".to_string(),
        "PURPOSE".to_string(),
    ]];
    for r in sections.iter().flat_map(|s| &s.rows) {
        rows.push([
            r.meta.id.to_string(),
            r.categories.join(", "),
            if r.default { "*" } else { "" }.to_string(),
            r.meta.purpose.to_string(),
        ]);
    }
    let table = tabulate(&rows);
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default();
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let title = s.title();
        if !title.is_empty() {
            out.push_str(&title);
            out.push_str("\n\n");
        }
        if i == 0 {
            out.push_str(header);
            out.push('\n');
        }
        for _ in &s.rows {
            out.push_str(lines.next().unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// Go's tabwriter with padding 2: every column but the last padded to its
/// widest cell plus two spaces.
fn tabulate<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push('\n');
    }
    out
}
