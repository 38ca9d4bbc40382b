//! buf's cobra answers for the commands that print buf's own `--help` text:
//! the help itself, and usage errors (usage, a blank line, the message).

use std::io::Write;

use super::{CliError, Outcome};

/// The `Usage:` part of a command's help, which cobra prints before a usage error.
pub fn usage(help: &str) -> &str {
    help.find("Usage:\n").map_or(help, |i| &help[i..])
}

fn stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints `help` to stdout (`-h`, `--help`).
pub fn help(help: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(help.as_bytes()).and_then(|()| out.flush());
    Outcome::Ok
}

/// cobra's argument errors: usage, a blank line, the message; exit 1.
pub fn usage_error(help: &str, message: &str) -> Outcome {
    stderr(&format!("{}\n{message}\n", usage(help)));
    Outcome::Failed
}

/// buf's invalid-argument errors: usage, a blank line, `Failure: message`.
pub fn usage_failure(help: &str, message: String) -> CliError {
    stderr(&format!("{}\n", usage(help)));
    CliError::Failure(message)
}

/// pflag's wording for what clap refused in `raw` (the arguments after the
/// command's name).
pub fn flag_error(e: &clap::Error, raw: &[String]) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    match e.kind() {
        ErrorKind::UnknownArgument if arg.starts_with("---") => format!("bad flag syntax: {arg}"),
        ErrorKind::UnknownArgument if arg.starts_with("--") => {
            format!("unknown flag: {}", arg.split('=').next().unwrap_or(&arg))
        }
        ErrorKind::UnknownArgument if arg.starts_with('-') => {
            // pflag names the rest of the cluster from the unknown letter:
            // `-wx` gives `in -x`, `-xw` gives `in -xw`.
            let c = arg.chars().nth(1).unwrap_or('-');
            let rest = raw
                .iter()
                .filter(|r| r.starts_with('-') && !r.starts_with("--"))
                .find_map(|r| r.find(c).map(|i| &r[i..]))
                .unwrap_or(&arg[1..]);
            format!("unknown shorthand flag: '{c}' in -{rest}")
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals => {
            // A string flag given last without its value.
            let last = raw.last().map(String::as_str).unwrap_or_default();
            match last.strip_prefix("--") {
                Some(_) => format!("flag needs an argument: {last}"),
                None => {
                    let c = last.chars().last().unwrap_or('-');
                    format!("flag needs an argument: '{c}' in -{c}")
                }
            }
        }
        _ => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            first.trim_start_matches("error: ").to_string()
        }
    }
}

/// buf's global flags, accepted and ignored.
#[derive(clap::Args, Debug)]
pub struct GlobalFlags {
    /// Turn on debug logging
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    debug: Option<String>,
    /// The log format [text,color,json]
    #[arg(long, allow_hyphen_values = true)]
    log_format: Option<String>,
    /// The duration until timing out
    #[arg(long, allow_hyphen_values = true)]
    timeout: Option<String>,
}
