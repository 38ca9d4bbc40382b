//! `protolith config ls-lint-rules` and `ls-breaking-rules`: list rules with
//! their categories, as buf prints them. `config init` and `config
//! ls-modules` read their flags as buf's cobra does (config_init.rs,
//! config_ls_modules.rs).

use std::io::Write;

use clap::{Args, Subcommand};

use super::{CliError, Outcome};
use crate::check::{self, Family, RuleMeta, select};
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
    let (version, chosen, include_deprecated) = if args.configured_only {
        let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
        let req = crate::workspace::BuildRequest {
            input: ".".into(),
            paths: Vec::new(),
            exclude_paths: Vec::new(),
            config_override: args.config.clone(),
            disable_symlinks: false,
            allow_empty_modules: false,
        };
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
        let sel = select::resolve(
            family,
            module.lint.version,
            registry,
            &match family {
                Family::Lint => lint::section(&module.lint),
                Family::Breaking => crate::breaking::section(&module.breaking),
            },
        )
        .map_err(CliError::Failure)?;
        let version = match family {
            Family::Lint => module.lint.version,
            Family::Breaking => module.breaking.version,
        };
        (version, Some(sel.rules), false)
    } else {
        let version = match args.version.as_deref() {
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
        (version, None, args.include_deprecated)
    };
    let mut rules: Vec<(&RuleMeta, Vec<&'static str>)> = registry
        .iter()
        .filter_map(|r| {
            let cats = r.categories(version)?;
            let listed = match &chosen {
                Some(ids) => ids.contains(&r.id),
                None => include_deprecated || !r.deprecated,
            };
            listed.then(|| {
                (
                    *r,
                    check::listed_categories(family, version, cats, include_deprecated),
                )
            })
        })
        .collect();
    // Rules sort by their categories in the version's order; buf's CSR
    // category (v2 breaking) only breaks ties.
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
    rules.sort_by(|a, b| rank(&a.1).cmp(&rank(&b.1)).then(a.0.id.cmp(b.0.id)));
    let default_cat = family.default_category();
    let is_default = |r: &RuleMeta| {
        r.categories(version)
            .is_some_and(|c| c.contains(&default_cat))
    };
    let text = if args.format == "json" {
        rules
            .iter()
            .map(|(r, cats)| {
                let replacements = if r.replacements.is_empty() {
                    "null".to_string()
                } else {
                    serde_json::to_string(r.replacements).unwrap_or_default()
                };
                format!(
                    "{{\"id\":{},\"categories\":{},\"default\":{},\"purpose\":{},\"plugin\":\"\",\"deprecated\":{},\"replacements\":{replacements}}}\n",
                    crate::report::go_json_string(r.id),
                    serde_json::to_string(cats).unwrap_or_default(),
                    is_default(r),
                    crate::report::go_json_string(r.purpose),
                    r.deprecated,
                )
            })
            .collect::<String>()
    } else {
        let mut rows = vec![[
            "ID".to_string(),
            "CATEGORIES".to_string(),
            "DEFAULT".to_string(),
            "PURPOSE".to_string(),
        ]];
        for (r, cats) in &rules {
            rows.push([
                r.id.to_string(),
                cats.join(", "),
                if is_default(r) { "*" } else { "" }.to_string(),
                r.purpose.to_string(),
            ]);
        }
        tabulate(&rows)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(Outcome::Ok)
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
