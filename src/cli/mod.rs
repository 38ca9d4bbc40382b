//! Command-line interface: one file per command. Each parses its flags and
//! calls into a stage; no logic lives here.

pub mod build;
pub mod ls_files;

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
    /// List Protobuf files
    LsFiles(ls_files::LsFilesArgs),
}

/// What a command asks the process to exit with.
pub enum Outcome {
    Ok,
    /// Findings or compile errors were reported (exit 100).
    Findings,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Failure(String),
}

pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::LsFiles(args) => ls_files::run(args),
    }
}
