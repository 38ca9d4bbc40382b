//! `protolith stats [input]`: buf's flags, help and usage errors; the files
//! of the input's target modules are parsed (never compiled) and counted by
//! `crate::stats`.

use std::io::Write;

use clap::{Args, Parser};
use rayon::prelude::*;

use super::{CliError, Outcome, cobra};
use crate::compiler::{SourceFile, parse};
use crate::input::reference;
use crate::workspace::BuildRequest;

/// `buf stats --help`, word for word.
const HELP: &str = include_str!("stats_help.txt");

/// Everything after `stats`, read by [`Flags`].
#[derive(Args, Debug)]
#[command(disable_help_flag = true, override_help = HELP)]
pub struct StatsArgs {
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
    /// The source or module to get statistics for (default ".")
    #[arg(value_hint = clap::ValueHint::AnyPath)]
    source: Vec<String>,
    /// Do not follow symlinks when reading sources or configuration from the local filesystem
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    disable_symlinks: Option<String>,
    /// The output format to use [text,json]
    #[arg(long, allow_hyphen_values = true, default_value = "text")]
    format: String,
    /// help for stats
    #[arg(short = 'h', long)]
    help: bool,
    #[command(flatten)]
    global: cobra::GlobalFlags,
}

pub fn run(args: StatsArgs) -> Result<Outcome, CliError> {
    let flags = match Flags::try_parse_from(&args.raw) {
        Ok(f) => f,
        Err(e) => return Ok(cobra::usage_error(HELP, &cobra::flag_error(&e, &args.raw))),
    };
    if flags.help {
        return Ok(cobra::help(HELP));
    }
    let disable_symlinks = match flags.disable_symlinks.as_deref() {
        None | Some("0" | "f" | "F" | "FALSE" | "false" | "False") => false,
        Some("1" | "t" | "T" | "TRUE" | "true" | "True") => true,
        Some(v) => {
            let q = crate::config::path::quote(v);
            return Ok(cobra::usage_error(
                HELP,
                &format!(
                    "invalid argument {q} for \"--disable-symlinks\" flag: strconv.ParseBool: parsing {q}: invalid syntax"
                ),
            ));
        }
    };
    if flags.source.len() > 1 {
        return Ok(cobra::usage_error(
            HELP,
            &format!("accepts at most 1 arg(s), received {}", flags.source.len()),
        ));
    }
    let json = match flags.format.as_str() {
        "text" => false,
        "json" => true,
        other => {
            return Err(cobra::usage_failure(
                HELP,
                format!("unknown format: {other}"),
            ));
        }
    };
    let input = flags.source.first().map_or(".", String::as_str);
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let r = reference::parse(input, &cwd).map_err(CliError::Failure)?;
    if r.format.is_message() {
        return Err(CliError::Failure(format!(
            "format was {} but must be one of [dir,git,mod,protofile,tar,targz,zip]",
            crate::config::path::quote(&r.format_name())
        )));
    }
    let req = BuildRequest {
        input: input.to_string(),
        disable_symlinks,
        ..BuildRequest::default()
    };
    let (ws, _tree) = crate::input::discover_source(&r, &req, &cwd)?;
    let files: Vec<&std::path::Path> = ws
        .modules
        .iter()
        .filter(|m| m.is_target)
        .flat_map(|m| m.files.iter().map(|f| f.disk_path.as_path()))
        .collect();
    let trees = files
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| {
                CliError::Failure(format!(
                    "read {}: {}",
                    path.display(),
                    crate::config::io_reason(&e)
                ))
            })?;
            let (parsed, _) = parse(SourceFile {
                import_path: String::new(),
                display_path: String::new(),
                text: std::sync::Arc::new(String::from_utf8_lossy(&bytes).into_owned()),
            });
            Ok(parsed.tree)
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let stats = crate::stats::count(&trees);
    let text = if json {
        stats.to_json()
    } else {
        stats.to_text()
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(Outcome::Ok)
}

/// The flags, for the completion scripts.
pub(crate) fn command() -> clap::Command {
    <Flags as clap::CommandFactory>::command()
}
