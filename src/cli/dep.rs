//! `protolith dep update|prune|graph`, and the deprecated `mod` aliases buf
//! still accepts.

use std::collections::HashSet;

use clap::{Args, Subcommand};

use super::{CliError, Outcome};
use crate::deps::remote::Remote;
use crate::deps::update::{self, LockPlan};
use crate::input::{self, InputError};
use crate::workspace::{self, BuildRequest, Workspace};

#[derive(Subcommand, Debug)]
pub enum DepCommand {
    /// Update pinned module dependencies in buf.lock files
    Update(UpdateArgs),
    /// Prune unused dependencies from buf.lock files
    Prune(DirArgs),
    /// Print the dependency graph
    Graph(GraphArgs),
}

/// `buf mod`: deprecated, hidden, still working.
#[derive(Subcommand, Debug)]
pub enum ModCommand {
    Update(UpdateArgs),
    Prune(DirArgs),
    ClearCache,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The directory of the workspace or module (default: current directory)
    #[arg(default_value = ".")]
    pub dir: String,
    /// Update only these dependencies (not implemented by buf either)
    #[arg(long, hide = true)]
    pub only: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The directory of the workspace or module (default: current directory)
    #[arg(default_value = ".")]
    pub dir: String,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The source or module (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The format to print: dot or json
    #[arg(long, default_value = "dot")]
    pub format: String,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(cmd: DepCommand) -> Result<Outcome, CliError> {
    match cmd {
        DepCommand::Update(args) => run_update(&args.dir, &args.only, false),
        DepCommand::Prune(args) => run_update(&args.dir, &[], true),
        DepCommand::Graph(args) => run_graph(args),
    }
}

pub fn run_mod(cmd: ModCommand) -> Result<Outcome, CliError> {
    let deprecated = |old: &str, new: &str, keep: &str| {
        crate::report::note(&format!(
            "Command \"{old}\" is deprecated, use \"{new}\" instead. However, \"{keep}\" will continue to work.\n"
        ));
    };
    match cmd {
        ModCommand::Update(args) => {
            deprecated("update", "buf dep update", "buf mod update");
            run_update(&args.dir, &args.only, false)
        }
        ModCommand::Prune(args) => {
            // buf's text names "mod update" here too.
            deprecated("prune", "buf dep prune", "buf mod update");
            run_update(&args.dir, &[], true)
        }
        ModCommand::ClearCache => {
            deprecated("clear-cache", "buf registry cc", "buf mod clear-cache");
            super::registry::clear_cache()
        }
    }
}

fn discover(dir: &str) -> Result<Workspace, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = BuildRequest {
        input: dir.to_string(),
        allow_empty_modules: true,
        ..BuildRequest::default()
    };
    workspace::discover(&req, &cwd).map_err(|e| CliError::Failure(e.to_string()))
}

/// Module names the image's files belong to (what the workspace imports,
/// transitively).
fn used_modules(built: &input::Built) -> HashSet<String> {
    built
        .image
        .files
        .iter()
        .filter_map(|f| f.module_name.clone())
        .collect()
}

fn run_update(dir: &str, only: &[String], prune: bool) -> Result<Outcome, CliError> {
    if !only.is_empty() {
        return Err(CliError::Failure(
            "it looks like you have found a bug in buf. Please file an issue at https://github.com/bufbuild/buf/issues and provide the command you ran, as well as the following message: --only is not implemented".into(),
        ));
    }
    let ws = discover(dir)?;
    let plans = update::plans(&ws).map_err(|e| CliError::Failure(e.to_string()))?;
    if plans
        .iter()
        .all(|p| p.declared.is_empty() && p.old.is_none())
    {
        crate::report::warn(&format!(
            "No configured dependencies were found to update in \"{dir}\"."
        ));
        return Ok(Outcome::Ok);
    }
    let mut clock = crate::timing::PhaseClock::new();
    let mut remote = Remote::new();
    let mut locks = Vec::with_capacity(plans.len());
    for plan in &plans {
        if plan.declared.is_empty() && plan.old.is_none() {
            locks.push(None);
            continue;
        }
        let lock =
            update::resolve(&mut remote, plan).map_err(|e| CliError::Failure(e.to_string()))?;
        locks.push(Some(lock));
    }
    let written: Vec<(&LockPlan, crate::deps::lock::BufLock)> = plans
        .iter()
        .zip(locks)
        .filter_map(|(p, l)| l.map(|l| (p, l)))
        .collect();
    let fail = |msg: String| {
        for (plan, _) in &written {
            update::restore(plan);
        }
        CliError::Failure(msg)
    };
    for (plan, lock) in &written {
        crate::deps::lock::write(&plan.dir, lock).map_err(|e| {
            fail(format!(
                "could not write {}: {e}",
                plan.dir.join("buf.lock").display()
            ))
        })?;
    }
    clock.mark("resolve and write buf.lock");
    // buf resolves first and only then finds a module without files; it
    // fails there (and keeps an empty lock, which we do not).
    if let Some(m) = ws.modules.iter().find(|m| m.files.is_empty()) {
        return Err(fail(
            crate::workspace::WorkspaceError::EmptyModule(m.description.clone()).to_string(),
        ));
    }
    // Build as buf does, fetching what is missing; a failure undoes the update.
    let built = match input::compile(ws.clone(), |p| clock.mark(p)) {
        Ok(b) => b,
        Err(InputError::Failure(m)) => return Err(fail(m)),
        Err(InputError::Compile(diags)) => {
            for (plan, _) in &written {
                update::restore(plan);
            }
            crate::report::compile_errors(
                &diags,
                crate::report::ErrorFormat::Text,
                &mut std::io::stderr().lock(),
            );
            return Ok(Outcome::Findings);
        }
    };
    let used = used_modules(&built);
    for (plan, lock) in &written {
        let unused = update::unused_declared(&plan.declared, &used);
        for name in &unused {
            crate::report::warn(&format!(
                "Module {name} is declared in your buf.yaml deps but is unused. This command only modifies buf.lock files, not buf.yaml files. Please remove {name} from your buf.yaml deps if it is not needed."
            ));
        }
        if prune {
            let mut pruned = lock.clone();
            pruned.deps.retain(|d| used.contains(&d.name.to_string()));
            crate::deps::lock::write(&plan.dir, &pruned).map_err(|e| {
                CliError::Failure(format!(
                    "could not write {}: {e}",
                    plan.dir.join("buf.lock").display()
                ))
            })?;
        }
    }
    Ok(Outcome::Ok)
}

fn run_graph(args: GraphArgs) -> Result<Outcome, CliError> {
    if !matches!(args.format.as_str(), "dot" | "json") {
        return Err(CliError::Failure(format!(
            "--format: invalid format: {:?}",
            args.format
        )));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    let opened = input::open(&args.input, &req, &cwd, |_| {})?;
    let built = opened.built;
    let graph = crate::deps::graph::build(&built.workspace, built.deps)
        .map_err(|e| CliError::Failure(e.to_string()))?;
    let text = match args.format.as_str() {
        "json" => crate::deps::graph::render_json(&graph),
        _ => crate::deps::graph::render_dot(&graph),
    };
    Ok(super::emit(text.as_bytes(), false))
}
