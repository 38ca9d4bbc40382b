//! `protolith build`: compile the input into an image and write it.

use std::io::Write;

use clap::Args;

use super::{CliError, Outcome};
use crate::image::WriteOptions;
use crate::image::formats::{self, Format, JsonOptions};
use crate::input::reference::{self, Compression};
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
    /// The types (package, message, enum, extension, service, method) that
    /// should be included in this image; a name ending in ".**" also takes
    /// everything nested beneath it, sub-packages included
    #[arg(long = "type")]
    pub types: Vec<String>,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(args: BuildArgs) -> Result<Outcome, CliError> {
    let mut clock = crate::timing::PhaseClock::new();
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    let error_format = report::ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?;
    // Check the output reference before doing any work.
    let (format, json, compression) = output_format(&args.output, &cwd)?;
    let built = input::open(&args.input, &req, &cwd, |p| clock.mark(p));
    let full = match built {
        Ok(o) => o.built.image,
        Err(InputError::Failure(msg)) => return Err(CliError::Failure(msg)),
        Err(InputError::Compile(diags)) => {
            report::compile_errors(&diags, error_format, &mut std::io::stderr().lock());
            return Ok(Outcome::Findings);
        }
    };
    let filtered = if args.types.is_empty() {
        None
    } else {
        // buf filters what it would write: with --exclude-imports, a type
        // that needs an import is an error.
        let without_imports;
        let source = if args.exclude_imports {
            without_imports = crate::image::Image {
                files: full
                    .files
                    .iter()
                    .filter(|f| !f.is_import)
                    .cloned()
                    .collect(),
            };
            &without_imports
        } else {
            &full
        };
        Some(
            crate::image::filter::filter_by_types(source, &args.types)
                .map_err(CliError::Failure)?,
        )
    };
    let opts = WriteOptions {
        as_file_descriptor_set: args.as_file_descriptor_set,
        exclude_imports: args.exclude_imports,
        exclude_source_info: args.exclude_source_info,
        exclude_source_retention_options: args.exclude_source_retention_options,
    };
    let image = filtered.as_ref().unwrap_or(&full);
    if format == Format::Binpb && matches!(compression, Compression::None) {
        // Binary output goes out as it is encoded.
        write_output(&args.output, |w| image.write_binary(opts, w))?;
        clock.mark("encode+write");
    } else {
        let bytes = formats::render_with_schema(image, &full, opts, format, json)
            .map_err(CliError::Failure)?;
        let bytes = compress(bytes, compression)?;
        clock.mark("encode");
        write_output(&args.output, |w| w.write_all(&bytes))?;
        clock.mark("write");
    }
    // The image is about to be freed by the exit; freeing it piece by piece
    // first only costs time.
    std::mem::forget(filtered);
    std::mem::forget(full);
    Ok(Outcome::Ok)
}

/// Writes what `write` produces to stdout for `-`, discards it for
/// /dev/null, and otherwise writes a temporary file next to the target and
/// renames it into place.
fn write_output(
    output: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let path = output.split('#').next().unwrap_or(output);
    match path {
        "/dev/null" => write(&mut std::io::sink()).map_err(|e| CliError::Failure(e.to_string())),
        "-" | "/dev/stdout" => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            match write(&mut out).and_then(|()| out.flush()) {
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
            let written = std::fs::File::create(&tmp).and_then(|file| {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                write(&mut w)?;
                w.into_inner().map_err(|e| e.into_error())?;
                Ok(())
            });
            let renamed = written.and_then(|()| std::fs::rename(&tmp, target));
            renamed.map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                CliError::Failure(format!("{path}: {e}"))
            })
        }
    }
}

/// The format of `-o` (buf's message reference: `#format=` if given, else
/// the extension; `.gz`/`.zst` compress), plus the JSON options
/// `use_proto_names` and `use_enum_numbers`.
fn output_format(
    output: &str,
    cwd: &std::path::Path,
) -> Result<(Format, JsonOptions, Compression), CliError> {
    let r = reference::parse_message(output, cwd).map_err(CliError::Failure)?;
    let format = match r.format {
        reference::Format::Json => Format::Json,
        reference::Format::Txtpb => Format::Txtpb,
        reference::Format::Yaml => Format::Yaml,
        _ => Format::Binpb,
    };
    let json = JsonOptions {
        use_proto_names: r.use_proto_names,
        use_enum_numbers: r.use_enum_numbers,
    };
    Ok((format, json, r.compression))
}

/// Compresses the output as its reference asks.
fn compress(bytes: Vec<u8>, compression: Compression) -> Result<Vec<u8>, CliError> {
    match compression {
        Compression::None => Ok(bytes),
        Compression::Gzip => {
            use std::io::Write as _;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&bytes)
                .and_then(|()| enc.finish())
                .map_err(|e| CliError::Failure(format!("gzip: {e}")))
        }
        Compression::Zstd => Ok(ruzstd::encoding::compress_to_vec(
            bytes.as_slice(),
            ruzstd::encoding::CompressionLevel::Fastest,
        )),
    }
}
