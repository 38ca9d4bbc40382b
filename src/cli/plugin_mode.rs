//! `protoc-gen-buf-lint` and `protoc-gen-buf-breaking`: protolith run under
//! one of those names (a link or a copy) is that protoc plugin. Reads the
//! request on stdin, writes the response on stdout, failures on stderr.

use std::io::{Read, Write};
use std::process::ExitCode;

use crate::plugin_mode::{self, Plugin};
use crate::report;

pub fn run(plugin: Plugin) -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut stdin = Vec::new();
    let cwd = std::io::stdin()
        .read_to_end(&mut stdin)
        .and_then(|_| std::env::current_dir());
    let result = match cwd {
        Ok(cwd) => {
            let run = plugin_mode::run(plugin, &args, &stdin, &cwd);
            if !run.log_format.is_empty() {
                report::set_log_format(&run.log_format);
            }
            for w in &run.warnings {
                report::warn(w);
            }
            run.result.map_err(|e| (e.exit_code(), e.to_string()))
        }
        Err(e) => Err((1, e.to_string())),
    };
    match result {
        Ok(response) => {
            let mut stdout = std::io::stdout().lock();
            let written = stdout
                .write_all(&response.encode())
                .and_then(|()| stdout.flush());
            if written.is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            if !message.is_empty() {
                let _ = writeln!(std::io::stderr(), "{message}");
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}
