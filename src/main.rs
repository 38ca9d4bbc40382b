use std::process::ExitCode;

use clap::Parser;
use protolith::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(100),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("Failure: {e}");
            }
            ExitCode::from(1)
        }
    }
}
