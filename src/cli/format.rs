//! `protolith format`: buf format's flags, read the way buf's cobra/pflag
//! reads them so that `--help`, usage errors and exit codes are buf's; then
//! the format stage's run (src/format/run.rs), whose plan this file prints
//! and applies.

use std::io::{Read, Write};
use std::path::Path;

use clap::{Args, Parser};

use super::{CliError, Outcome, cobra};
use crate::config::path::quote;
use crate::format::run::{self, Mode, Output, OutputError, Plan, RunError};
use crate::input::reference::{self, Format};
use crate::report::{self, ErrorFormat};
use crate::workspace::BuildRequest;

/// `buf format --help`, word for word.
const HELP: &str = include_str!("format_help.txt");

/// Everything after `format`, read by [`Flags`]: clap's own errors would
/// not read as buf's.
#[derive(Args, Debug)]
#[command(disable_help_flag = true, override_help = HELP)]
pub struct FormatArgs {
    #[arg(num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    raw: Vec<String>,
}

/// buf format's flags. Booleans take `=value` as pflag's do (`-w=false`);
/// string flags take the next argument even when it starts with `-`; a
/// repeated flag keeps its last value; `--path` and `--exclude-path` split
/// on commas.
#[derive(Parser, Debug)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
struct Flags {
    source: Vec<String>,
    #[arg(short = 'w', long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    write: Option<String>,
    #[arg(short = 'd', long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    diff: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    exit_code: Option<String>,
    #[arg(short = 'o', long, allow_hyphen_values = true)]
    output: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    stdin_filepath: Option<String>,
    #[arg(long = "path", allow_hyphen_values = true, value_delimiter = ',')]
    paths: Vec<String>,
    #[arg(
        long = "exclude-path",
        allow_hyphen_values = true,
        value_delimiter = ','
    )]
    exclude_paths: Vec<String>,
    #[arg(long, allow_hyphen_values = true)]
    config: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    error_format: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    disable_symlinks: Option<String>,
    #[arg(short = 'h', long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    help: Option<String>,
    // buf's global flags, accepted.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    debug: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    log_format: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    timeout: Option<String>,
}

/// The boolean flags, read as Go's strconv.ParseBool reads them.
struct Switches {
    write: bool,
    diff: bool,
    exit_code: bool,
    disable_symlinks: bool,
    help: bool,
}

impl Switches {
    fn read(f: &Flags) -> Result<Self, String> {
        go_bool(&f.debug, "--debug")?;
        Ok(Switches {
            write: go_bool(&f.write, "-w, --write")?,
            diff: go_bool(&f.diff, "-d, --diff")?,
            exit_code: go_bool(&f.exit_code, "--exit-code")?,
            disable_symlinks: go_bool(&f.disable_symlinks, "--disable-symlinks")?,
            help: go_bool(&f.help, "-h, --help")?,
        })
    }
}

fn go_bool(value: &Option<String>, name: &str) -> Result<bool, String> {
    match value.as_deref() {
        None | Some("0" | "f" | "F" | "FALSE" | "false" | "False") => Ok(false),
        Some("1" | "t" | "T" | "TRUE" | "true" | "True") => Ok(true),
        Some(v) => Err(format!(
            "invalid argument {} for \"{name}\" flag: strconv.ParseBool: parsing {}: invalid syntax",
            quote(v),
            quote(v)
        )),
    }
}

pub fn run(args: FormatArgs) -> Result<Outcome, CliError> {
    let flags = match Flags::try_parse_from(&args.raw) {
        Ok(f) => f,
        Err(e) => return Ok(cobra::usage_error(HELP, &cobra::flag_error(&e, &args.raw))),
    };
    let switches = match Switches::read(&flags) {
        Ok(s) => s,
        Err(message) => return Ok(cobra::usage_error(HELP, &message)),
    };
    if switches.help {
        return Ok(cobra::help(HELP));
    }
    if let Some(l) = flags.log_format.as_deref()
        && !matches!(l, "text" | "color" | "json")
    {
        let _ = writeln!(
            std::io::stderr().lock(),
            "unknown log format [text,color,json]: {}",
            quote(l)
        );
        return Ok(Outcome::Failed);
    }
    if flags.source.len() > 1 {
        return Ok(cobra::usage_error(
            HELP,
            &format!("accepts at most 1 arg(s), received {}", flags.source.len()),
        ));
    }
    let stdin_filepath = flags.stdin_filepath.clone().unwrap_or_default();
    if stdin_filepath.is_empty() {
        run_input(&flags, &switches)
    } else {
        run_stdin(&flags, &switches, &stdin_filepath)
    }
}

fn non_empty(values: &[String]) -> Vec<String> {
    values.iter().filter(|v| !v.is_empty()).cloned().collect()
}

/// `--stdin-filepath`: one file from stdin to stdout.
fn run_stdin(flags: &Flags, switches: &Switches, path: &str) -> Result<Outcome, CliError> {
    let refuse = |flag: &str| {
        Err(cobra::usage_failure(
            HELP,
            format!("cannot use --{flag} when using --stdin-filepath"),
        ))
    };
    if !flags.source.is_empty() {
        return Err(cobra::usage_failure(
            HELP,
            "cannot specify an input when using --stdin-filepath".into(),
        ));
    }
    if switches.write {
        return refuse("write");
    }
    if flags.output.as_deref().is_some_and(|o| o != "-") {
        return refuse("output");
    }
    if !non_empty(&flags.paths).is_empty() {
        return refuse("path");
    }
    if !non_empty(&flags.exclude_paths).is_empty() {
        return refuse("exclude-path");
    }
    if flags.config.as_deref().is_some_and(|c| !c.is_empty()) {
        return refuse("config");
    }
    if !path.ends_with(".proto") {
        return Err(cobra::usage_failure(
            HELP,
            "--stdin-filepath must be a path to a .proto file".into(),
        ));
    }
    // buf does not check --error-format here; a value it would refuse
    // prints text.
    let error_format = flags
        .error_format
        .as_deref()
        .and_then(|f| ErrorFormat::parse(f).ok())
        .unwrap_or(ErrorFormat::Text);
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Failure(format!("read stdin: {e}")))?;
    let mode = Mode {
        write: false,
        diff: switches.diff,
        output: Output::Stdout,
    };
    match run::run_bytes(path, bytes, &mode) {
        Ok(plan) => finish(plan, switches, Path::new(".")),
        Err(e) => failed(e, error_format),
    }
}

/// A directory, `.proto` file, git repository, archive or module.
fn run_input(flags: &Flags, switches: &Switches) -> Result<Outcome, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let source = flags.source.first().map_or(".", String::as_str);
    let output = flags.output.as_deref().unwrap_or("-");
    let parsed = reference::parse(source, &cwd);
    if let Ok(r) = &parsed
        && r.format == Format::Protofile
        && r.include_package_files
    {
        return Err(cobra::usage_failure(
            HELP,
            "cannot specify include_package_files=true with format".into(),
        ));
    }
    if switches.write {
        if output != "-" {
            return Err(cobra::usage_failure(
                HELP,
                "cannot use --output when using --write".into(),
            ));
        }
        // Files are rewritten where they are: a git, archive or registry
        // input has no such place (buf writes an archive's files into the
        // current directory).
        match &parsed {
            Ok(r) if run::writable(r) || r.format.is_message() => {}
            Ok(_) => {
                return Err(cobra::usage_failure(
                    HELP,
                    format!(
                        "invalid input {} when using --write: must be a directory or proto file",
                        quote(source)
                    ),
                ));
            }
            Err(e) => {
                return Err(cobra::usage_failure(
                    HELP,
                    format!("invalid input {} when using --write: {e}", quote(source)),
                ));
            }
        }
    }
    let output = match run::parse_output(output, &cwd) {
        Ok(o) => o,
        Err(OutputError::Usage(m)) => return Err(cobra::usage_failure(HELP, m)),
        Err(OutputError::Other(m)) => return Err(CliError::Failure(m)),
    };
    let error_format = ErrorFormat::parse(flags.error_format.as_deref().unwrap_or("text"))
        .map_err(|m| cobra::usage_failure(HELP, m))?;
    let r = parsed.map_err(CliError::Failure)?;
    let req = BuildRequest {
        input: source.to_string(),
        paths: non_empty(&flags.paths),
        exclude_paths: non_empty(&flags.exclude_paths),
        config_override: flags.config.clone(),
        disable_symlinks: switches.disable_symlinks,
        allow_empty_modules: false,
    };
    let mode = Mode {
        write: switches.write,
        diff: switches.diff,
        output,
    };
    let planned = run::find_targets(&r, &req, &cwd)
        .and_then(|t| run::run(&t, &crate::format::format_file, &mode, &cwd));
    match planned {
        Ok(plan) => finish(plan, switches, &cwd),
        Err(e) => failed(e, error_format),
    }
}

/// Files that could not be formatted are reported as `build` reports
/// compile errors (exit 1: nothing was formatted); other failures as buf's.
fn failed(e: RunError, format: ErrorFormat) -> Result<Outcome, CliError> {
    match e {
        RunError::Format(diagnostics) => {
            report::compile_errors(&diagnostics, format, &mut std::io::stderr().lock());
            Ok(Outcome::Failed)
        }
        other => Err(CliError::Failure(other.to_string())),
    }
}

/// Prints the plan's stdout (diffs first, as buf does), then writes its
/// files; `--exit-code` turns a change into exit 100.
fn finish(mut plan: Plan, switches: &Switches, cwd: &Path) -> Result<Outcome, CliError> {
    let mut out = std::io::stdout().lock();
    let printed = plan.stdout.copy_to(&mut out).and_then(|()| out.flush());
    match printed {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(CliError::Failure(e.to_string()));
        }
        _ => {}
    }
    let changed = plan.changed;
    run::apply(plan, cwd).map_err(|e| CliError::Failure(e.to_string()))?;
    Ok(if switches.exit_code && changed {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}
