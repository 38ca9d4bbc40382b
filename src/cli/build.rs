//! `protolith build`: compile the input into an image and write it.

use std::io::Write;

use clap::Args;

use super::{CliError, Outcome};
use crate::image::WriteOptions;
use crate::image::formats::{self, Format, JsonOptions};
use crate::input::{self, InputError};
use crate::report;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The source or module to build (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The output location for the built image (default: /dev/null)
    #[arg(short = 'o', long = "output", default_value = "/dev/null")]
    pub output: String,
    /// Output a FileDescriptorSet instead of an image
    #[arg(long)]
    pub as_file_descriptor_set: bool,
    /// Exclude imports
    #[arg(long)]
    pub exclude_imports: bool,
    /// Exclude source info
    #[arg(long)]
    pub exclude_source_info: bool,
    /// Exclude options whose retention is source
    #[arg(long)]
    pub exclude_source_retention_options: bool,
    /// The format for build errors printed to stderr
    #[arg(long, default_value = "text")]
    pub error_format: String,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(args: BuildArgs) -> Result<Outcome, CliError> {
    let mut clock = crate::timing::PhaseClock::new();
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    let error_format = report::ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?;
    let built = input::discover(&req, &cwd).and_then(|ws| {
        clock.mark("discover");
        input::compile(ws, |p| clock.mark(p))
    });
    let image = match built {
        Ok(b) => b.image,
        Err(InputError::Failure(msg)) => return Err(CliError::Failure(msg)),
        Err(InputError::Compile(diags)) => {
            report::compile_errors(&diags, error_format, &mut std::io::stderr().lock());
            return Ok(Outcome::Findings);
        }
    };
    let (format, json) = output_format(&args.output)?;
    let bytes = formats::render(
        &image,
        WriteOptions {
            as_file_descriptor_set: args.as_file_descriptor_set,
            exclude_imports: args.exclude_imports,
            exclude_source_info: args.exclude_source_info,
            exclude_source_retention_options: args.exclude_source_retention_options,
        },
        format,
        json,
    )
    .map_err(CliError::Failure)?;
    clock.mark("encode");
    write_output(&args.output, &bytes)?;
    clock.mark("write");
    Ok(Outcome::Ok)
}

/// Writes to stdout for `-`, discards for /dev/null, and otherwise writes a
/// temporary file next to the target and renames it into place.
fn write_output(output: &str, bytes: &[u8]) -> Result<(), CliError> {
    let path = output.split('#').next().unwrap_or(output);
    match path {
        "/dev/null" => Ok(()),
        "-" | "/dev/stdout" => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(CliError::Failure(e.to_string()))
                }
                _ => Ok(()),
            }
        }
        _ => {
            let target = std::path::Path::new(path);
            let dir = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.tmp{}",
                target
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                std::process::id()
            ));
            std::fs::write(&tmp, bytes).map_err(|e| CliError::Failure(format!("{path}: {e}")))?;
            std::fs::rename(&tmp, target).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                CliError::Failure(format!("{path}: {e}"))
            })
        }
    }
}

/// The format of `-o`: from `#format=` if given, else from the extension;
/// plus the JSON options `use_proto_names` and `use_enum_numbers`.
fn output_format(output: &str) -> Result<(Format, JsonOptions), CliError> {
    let (path, options) = match output.split_once('#') {
        Some((p, o)) => (p, o),
        None => (output, ""),
    };
    let mut format = Format::from_path(path);
    let mut json = JsonOptions::default();
    for pair in options.split(',').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::Failure(format!("invalid options: {pair:?}")));
        };
        let flag = || match value.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(CliError::Failure(format!(
                "invalid value for {key}: {other:?}"
            ))),
        };
        match key.trim() {
            "format" => {
                format = match value.trim() {
                    "binpb" | "bin" => Format::Binpb,
                    "json" => Format::Json,
                    "txtpb" => Format::Txtpb,
                    "yaml" => Format::Yaml,
                    other => return Err(CliError::Failure(format!("unknown format: {other:?}"))),
                }
            }
            "use_proto_names" => json.use_proto_names = flag()?,
            "use_enum_numbers" => json.use_enum_numbers = flag()?,
            other => return Err(CliError::Failure(format!("invalid key: {other:?}"))),
        }
    }
    Ok((format, json))
}
