use std::process::ExitCode;

// glibc's malloc spent close to half of a googleapis breaking run in
// allocation and consolidation; mimalloc is several times cheaper here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use protolith::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    // Run as protoc-gen-buf-lint or protoc-gen-buf-breaking (a link or copy
    // of this binary), protolith is that protoc plugin.
    if let Some(plugin) = std::env::args_os()
        .next()
        .and_then(|argv0| protolith::plugin_mode::Plugin::from_program_name(&argv0))
    {
        return cli::plugin_mode::run(plugin);
    }
    // Usage errors exit 1, as buf's do (clap's default is 2).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(100),
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("Failure: {e}");
            }
            ExitCode::from(1)
        }
    }
}
