//! `protolith export`: write the input's `.proto` files (and what they
//! import) to a directory, as buf does.

use clap::Args;

use super::{CliError, Outcome};
use crate::input;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The source or module to export (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The output directory for exported files
    #[arg(short = 'o', long = "output", required = true)]
    pub output: String,
    /// Exclude imports
    #[arg(long)]
    pub exclude_imports: bool,
    /// Include documentation and license files of the exported modules
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

fn fail(e: impl ToString) -> CliError {
    CliError::Failure(e.to_string())
}

pub fn run(args: ExportArgs) -> Result<Outcome, CliError> {
    let cwd = std::env::current_dir().map_err(fail)?;
    let req = args.input_flags.request(&args.input);
    let opened = input::open(&args.input, &req, &cwd, |_| {})?;
    let files = input::export::files(&opened.built, args.exclude_imports, args.all)?;
    let out = cwd.join(&args.output);
    for (path, bytes) in files {
        let dest = out.join(&path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        crate::atomic::write(&dest, &bytes, None)
            .map_err(|e| fail(format!("could not write {}: {e}", dest.display())))?;
    }
    Ok(Outcome::Ok)
}
