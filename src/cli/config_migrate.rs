//! `protolith config migrate [--workspace d] [--module d] [--buf-gen-yaml f] [-d]`:
//! buf's flags, help and usage errors; the conversion is `config::migrate`.

use std::io::Write;

use clap::{Args, Parser};

use super::{CliError, Outcome, cobra};
use crate::config::migrate::{self, Request, Rules};
use std::collections::BTreeMap;

use crate::config::ModuleRef;
use crate::deps::digest::DigestKind;
use crate::deps::lock::LockDep;

/// `buf config migrate --help`, word for word.
pub(crate) const HELP: &str = include_str!("config_migrate_help.txt");

/// Everything after `config migrate`, read by [`Flags`] so that errors read
/// as buf's.
#[derive(Args, Debug)]
#[command(disable_help_flag = true, override_help = HELP)]
pub struct MigrateArgs {
    #[arg(num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    raw: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub(crate) struct Flags {
    args: Vec<String>,
    /// The paths to the buf.gen.yaml generation templates to migrate
    #[arg(long, allow_hyphen_values = true)]
    buf_gen_yaml: Vec<String>,
    /// Write a diff to stdout instead of migrating files on disk. Useful for performing a dry run.
    #[arg(short = 'd', long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    diff: Option<String>,
    /// help for migrate
    #[arg(short = 'h', long)]
    help: bool,
    /// The module directories to migrate. buf.yaml and buf.lock will be migrated
    #[arg(long, allow_hyphen_values = true)]
    module: Vec<String>,
    /// The workspace directories to migrate. buf.work.yaml, buf.yamls and buf.locks will be migrated
    #[arg(long, allow_hyphen_values = true)]
    workspace: Vec<String>,
    #[command(flatten)]
    global: cobra::GlobalFlags,
}

/// pflag's string slices: every value is a comma-separated list.
fn split(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(',').map(str::to_string))
        .filter(|v| !v.is_empty())
        .collect()
}

pub fn run(args: MigrateArgs) -> Result<Outcome, CliError> {
    let flags = match Flags::try_parse_from(&args.raw) {
        Ok(f) => f,
        Err(e) => return Ok(cobra::usage_error(HELP, &cobra::flag_error(&e, &args.raw))),
    };
    if flags.help {
        return Ok(cobra::help(HELP));
    }
    if !flags.args.is_empty() {
        return Ok(cobra::usage_error(
            HELP,
            &format!("accepts at most 0 arg(s), received {}", flags.args.len()),
        ));
    }
    let diff = match flags.diff.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Ok(cobra::usage_error(
                HELP,
                &format!(
                    "invalid argument {other:?} for \"-d, --diff\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax"
                ),
            ));
        }
    };
    let root = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let mut request = Request {
        workspaces: split(&flags.workspace),
        modules: split(&flags.module),
        buf_gen_yamls: split(&flags.buf_gen_yaml),
    };
    if request.workspaces.is_empty()
        && request.modules.is_empty()
        && request.buf_gen_yamls.is_empty()
    {
        request = migrate::discover(&root).map_err(CliError::Failure)?;
    }
    let (lint, breaking) = (crate::lint::registry(), crate::breaking::registry());
    let rules = Rules {
        lint: &lint,
        breaking: &breaking,
    };
    let mut remote = crate::deps::remote::Remote::new();
    let mut upgrade = |deps: &[LockDep]| -> Result<Vec<LockDep>, String> {
        deps.iter()
            .map(|dep| {
                let (digest, _, _) = remote
                    .commit_b5(&dep.name.registry, &dep.commit)
                    .map_err(|e| e.to_string())?;
                Ok(LockDep {
                    digest: Some(digest),
                    ..dep.clone()
                })
            })
            .collect()
    };
    let mut remote_refs = crate::deps::remote::Remote::new();
    let mut resolve_refs = |refs: &[ModuleRef]| -> Result<(), String> {
        let mut by_registry: BTreeMap<&str, Vec<ModuleRef>> = BTreeMap::new();
        for r in refs {
            by_registry
                .entry(r.full_name.registry.as_str())
                .or_default()
                .push(r.clone());
        }
        for (registry, refs) in by_registry {
            remote_refs
                .commits(registry, &refs, DigestKind::B5, false)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let mut warnings = Vec::new();
    let planned = migrate::plan(
        &root,
        &request,
        &rules,
        &mut upgrade,
        &mut resolve_refs,
        &mut warnings,
    );
    for w in &warnings {
        crate::report::warn(w);
    }
    let migration = planned.map_err(CliError::Failure)?;
    if diff {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&migration.diff()).and_then(|()| out.flush());
    } else {
        migration.apply(&root).map_err(CliError::Failure)?;
    }
    Ok(Outcome::Ok)
}

/// The flags, for the completion scripts.
#[allow(dead_code)]
pub(crate) fn command() -> clap::Command {
    <Flags as clap::CommandFactory>::command()
}
