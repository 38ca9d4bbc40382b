//! `protolith config ls-modules [--format path|name|json] [--config ...]`:
//! the modules configured in the current directory (`config::listing`),
//! printed as buf prints them.

use std::io::Write;

use clap::{Args, Parser};

use super::{CliError, Outcome, cobra};
use crate::config::listing::{ListedModule, configured_modules};
use crate::config::path::quote;
use crate::report::go_json_string;

/// `buf config ls-modules --help`, word for word.
const HELP: &str = include_str!("config_ls_modules_help.txt");

/// Everything after `config ls-modules`, read by [`Flags`].
#[derive(Args, Debug)]
#[command(disable_help_flag = true, override_help = HELP)]
pub struct LsModulesArgs {
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
    #[arg(hide = true)]
    args: Vec<String>,
    /// The buf.yaml file or data to use for configuration
    #[arg(long, allow_hyphen_values = true)]
    config: Option<String>,
    /// The format to print modules as
    #[arg(long, allow_hyphen_values = true, default_value = "path")]
    format: String,
    /// help for ls-modules
    #[arg(short = 'h', long)]
    help: bool,
    #[command(flatten)]
    global: cobra::GlobalFlags,
}

pub fn run(args: LsModulesArgs) -> Result<Outcome, CliError> {
    let flags = match Flags::try_parse_from(&args.raw) {
        Ok(f) => f,
        Err(e) => return Ok(cobra::usage_error(HELP, &cobra::flag_error(&e, &args.raw))),
    };
    if flags.help {
        return Ok(cobra::help(HELP));
    }
    if let Some(extra) = flags.args.first() {
        return Ok(cobra::usage_error(
            HELP,
            &format!(
                "unknown command {} for \"buf config ls-modules\"",
                quote(extra)
            ),
        ));
    }
    if !matches!(flags.format.as_str(), "path" | "name" | "json") {
        return Err(cobra::usage_failure(
            HELP,
            format!("unknown value for --format: {}", flags.format),
        ));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let modules = configured_modules(&cwd, flags.config.as_deref())
        .map_err(|e| CliError::Failure(e.to_string()))?;
    let text: String = modules
        .iter()
        .filter_map(|m| line(m, &flags.format))
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(Outcome::Ok)
}

/// One module's line; `name` skips modules without a name.
fn line(m: &ListedModule, format: &str) -> Option<String> {
    match format {
        "name" => m.name.as_ref().map(|n| format!("{n}\n")),
        "json" => {
            let list = |key: &str, v: &[String]| {
                if v.is_empty() {
                    String::new()
                } else {
                    let items: Vec<String> = v.iter().map(|p| go_json_string(p)).collect();
                    format!(",\"{key}\":[{}]", items.join(","))
                }
            };
            let name = m
                .name
                .as_ref()
                .map(|n| format!(",\"name\":{}", go_json_string(n)))
                .unwrap_or_default();
            Some(format!(
                "{{\"path\":{}{}{}{name}}}\n",
                go_json_string(&m.path),
                list("includes", &m.includes),
                list("excludes", &m.excludes),
            ))
        }
        _ => Some(format!("{}\n", m.path)),
    }
}

/// The flags, for the completion scripts.
pub(crate) fn command() -> clap::Command {
    <Flags as clap::CommandFactory>::command()
}
