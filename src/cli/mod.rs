//! Command-line interface: one file per command. Each parses its flags and
//! calls into a stage; no logic lives here.

pub mod breaking;
pub mod build;
pub(crate) mod check_runs;
mod cobra;
pub mod completion;
pub mod config;
mod config_init;
mod config_ls_modules;
mod config_migrate;
pub mod dep;
pub mod export;
pub mod format;
pub mod generate;
pub mod lint;
pub mod ls_files;
pub mod plugin_mode;
pub mod push;
pub mod registry;
pub mod registry_serve;
pub mod source;
pub mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "protolith",
    version,
    about = "A fast protobuf toolchain compatible with buf"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build proto files into a Buf image
    Build(build::BuildArgs),
    /// Generate code with protoc plugins
    Generate(generate::GenerateArgs),
    /// Format Protobuf files
    Format(format::FormatArgs),
    /// Run linting on Protobuf files
    Lint(lint::LintArgs),
    /// Verify no breaking changes have been made
    Breaking(breaking::BreakingArgs),
    /// Work with configuration files
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// List Protobuf files
    LsFiles(ls_files::LsFilesArgs),
    /// Export proto files from one location to another
    Export(export::ExportArgs),
    /// Push a module to a registry
    Push(push::PushArgs),
    /// Work with dependencies
    #[command(subcommand)]
    Dep(dep::DepCommand),
    /// Deprecated: use "dep" and "registry cc"
    #[command(subcommand, hide = true)]
    Mod(dep::ModCommand),
    /// Work with Protobuf source files
    #[command(subcommand)]
    Source(source::SourceCommand),
    /// Manage assets on a registry, or serve one
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Get statistics for a given source or module
    Stats(stats::StatsArgs),
    /// Generate auto-completion scripts for commonly used shells
    Completion(completion::CompletionArgs),
}

/// The input flags every file-reading command shares (buf's `--path`,
/// `--exclude-path`, `--config`, `--disable-symlinks`).
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Limit to specific files or directories
    /// (as typed: read through `path_list`, which splits on commas)
    #[arg(long = "path")]
    pub paths: Vec<String>,
    /// Exclude specific files or directories
    /// (as typed: read through `exclude_path_list`)
    #[arg(long = "exclude-path")]
    pub exclude_paths: Vec<String>,
    /// The buf.yaml file or data to use for configuration
    #[arg(long)]
    pub config: Option<String>,
    /// Do not follow symlinks when reading sources
    #[arg(long)]
    pub disable_symlinks: bool,
}

impl InputArgs {
    /// The workspace request for `input` with these flags.
    pub fn request(&self, input: &str) -> crate::workspace::BuildRequest {
        crate::workspace::BuildRequest {
            input: input.to_string(),
            paths: self.path_list(),
            exclude_paths: self.exclude_path_list(),
            config_override: self.config.clone(),
            disable_symlinks: self.disable_symlinks,
            allow_empty_modules: false,
        }
    }

    /// `--path` values split on commas, as buf's string-slice flags are
    /// (Pants passes `--path a.proto,b.proto`).
    pub fn path_list(&self) -> Vec<String> {
        split_slice_flag(&self.paths)
    }

    /// `--exclude-path` values split on commas.
    pub fn exclude_path_list(&self) -> Vec<String> {
        split_slice_flag(&self.exclude_paths)
    }
}

/// pflag's string-slice reading: each value is a comma-separated list and an
/// empty value adds nothing, but an empty item inside a list is kept
/// (`a,,b` is three paths, the middle one the input itself).
fn split_slice_flag(values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter(|v| !v.is_empty())
        .flat_map(|v| v.split(','))
        .map(str::to_string)
        .collect()
}

/// What a command asks the process to exit with.
pub enum Outcome {
    Ok,
    /// Findings or compile errors were reported (exit 100).
    Findings,
    /// The command failed and has said why itself (exit 1, no `Failure:`
    /// line): buf's usage errors, files `format` could not parse.
    Failed,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Failure(String),
}

/// For commands that do not print compile errors themselves: the input
/// could not be read or built.
impl From<crate::input::InputError> for CliError {
    fn from(e: crate::input::InputError) -> Self {
        match e {
            crate::input::InputError::Failure(m) => CliError::Failure(m),
            crate::input::InputError::Compile(d) => {
                CliError::Failure(format!("{} compile errors", d.len()))
            }
        }
    }
}

/// Prints a command's rendered findings; a closed pipe is not a failure.
fn emit(stdout: &[u8], findings: bool) -> Outcome {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(stdout).and_then(|()| out.flush());
    if findings {
        Outcome::Findings
    } else {
        Outcome::Ok
    }
}

pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::LsFiles(args) => ls_files::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Format(args) => format::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Breaking(args) => breaking::run(args),
        Command::Config(cmd) => config::run(cmd),
        Command::Registry(cmd) => registry::run(cmd),
        Command::Dep(cmd) => dep::run(cmd),
        Command::Push(args) => push::run(args),
        Command::Export(args) => export::run(args),
        Command::Mod(cmd) => dep::run_mod(cmd),
        Command::Source(cmd) => source::run(cmd),
        Command::Stats(args) => stats::run(args),
        Command::Completion(args) => completion::run(args),
    }
}
