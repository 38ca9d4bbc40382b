//! `protolith config init [name] [-o dir]`: buf's flags, help and usage
//! errors; the buf.yaml itself is written by `config::init`.

use clap::{Args, Parser};

use super::{CliError, Outcome, cobra};
use crate::config::init::init_buf_yaml;

/// `buf config init --help`, word for word.
pub(crate) const HELP: &str = include_str!("config_init_help.txt");

/// Everything after `config init`, read by [`Flags`] so that errors read as
/// buf's.
#[derive(Args, Debug)]
#[command(disable_help_flag = true, override_help = HELP)]
pub struct InitArgs {
    #[arg(num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    raw: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
pub(crate) struct Flags {
    /// The module name, e.g. buf.build/owner/foobar
    name: Vec<String>,
    /// The directory to write the configuration files to
    #[arg(short = 'o', long, allow_hyphen_values = true, default_value = ".")]
    output: String,
    /// help for init
    #[arg(short = 'h', long)]
    help: bool,
    #[command(flatten)]
    global: cobra::GlobalFlags,
}

pub fn run(args: InitArgs) -> Result<Outcome, CliError> {
    let flags = match Flags::try_parse_from(&args.raw) {
        Ok(f) => f,
        Err(e) => return Ok(cobra::usage_error(HELP, &cobra::flag_error(&e, &args.raw))),
    };
    if flags.help {
        return Ok(cobra::help(HELP));
    }
    if flags.name.len() > 1 {
        return Ok(cobra::usage_error(
            HELP,
            &format!("accepts at most 1 arg(s), received {}", flags.name.len()),
        ));
    }
    if flags.output.is_empty() {
        return Err(cobra::usage_failure(HELP, "--output is required".into()));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    init_buf_yaml(&cwd, &flags.output, flags.name.first().map(String::as_str))
        .map_err(|e| CliError::Failure(e.to_string()))?;
    Ok(Outcome::Ok)
}

/// The flags, for the completion scripts.
pub(crate) fn command() -> clap::Command {
    <Flags as clap::CommandFactory>::command()
}
