//! `protolith source edit deprecate`: buf's command that marks types
//! deprecated and prints every file of the input through the formatter
//! (src/format/deprecate.rs decides the edits, src/format/run.rs the run).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Subcommand};

use super::{CliError, Outcome};
use crate::format::run::{self, Mode, Output, RunError};
use crate::input::reference;
use crate::report::{self, ErrorFormat};

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Edit Protobuf source files
    #[command(subcommand)]
    Edit(EditCommand),
}

#[derive(Subcommand, Debug)]
pub enum EditCommand {
    /// Deprecate Protobuf types
    Deprecate(DeprecateArgs),
}

#[derive(Args, Debug)]
pub struct DeprecateArgs {
    /// The source to edit: a directory or .proto file
    #[arg(default_value = ".")]
    pub input: String,
    /// Required. The fully-qualified name prefix of types to deprecate. May be specified multiple times.
    #[arg(long = "prefix", required = true, value_delimiter = ',')]
    pub prefixes: Vec<String>,
    /// Display diffs instead of rewriting files
    #[arg(short = 'd', long)]
    pub diff: bool,
    /// The format for build errors printed to stderr
    #[arg(long, default_value = "text")]
    pub error_format: String,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(cmd: SourceCommand) -> Result<Outcome, CliError> {
    let SourceCommand::Edit(EditCommand::Deprecate(args)) = cmd;
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let error_format = ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?;
    let r = reference::parse(&args.input, &cwd).map_err(CliError::Failure)?;
    if !run::writable(&r) && !args.diff {
        return Err(CliError::Failure(format!(
            "invalid input \"{}\": must be a directory or proto file",
            args.input
        )));
    }
    let req = args.input_flags.request(&args.input);
    let matched = AtomicBool::new(false);
    let prefixes = &args.prefixes;
    let print = |path: &str, bytes: &[u8]| {
        crate::format::deprecate_file(path, bytes, prefixes).map(|(text, m)| {
            if m {
                matched.store(true, Ordering::Relaxed);
            }
            text
        })
    };
    let mode = Mode {
        write: !args.diff,
        diff: args.diff,
        output: Output::Stdout,
    };
    let mut plan =
        match run::find_targets(&r, &req, &cwd).and_then(|t| run::run(&t, &print, &mode, &cwd)) {
            Ok(plan) => plan,
            Err(RunError::Format(diagnostics)) => {
                report::compile_errors(&diagnostics, error_format, &mut std::io::stderr().lock());
                return Ok(Outcome::Failed);
            }
            Err(e) => return Err(CliError::Failure(e.to_string())),
        };
    if !matched.load(Ordering::Relaxed) {
        return Err(CliError::Failure(
            "no types matched the specified deprecation prefixes".into(),
        ));
    }
    let mut out = std::io::stdout().lock();
    let _ = plan.stdout.copy_to(&mut out).and_then(|()| out.flush());
    run::apply(plan, &cwd).map_err(|e| CliError::Failure(e.to_string()))?;
    Ok(Outcome::Ok)
}
