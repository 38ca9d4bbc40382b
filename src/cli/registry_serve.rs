//! `protolith registry serve`: flags, then `crate::registry::server`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{CliError, Outcome};
use crate::registry::server::{Options, Server};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: String,
    /// The directory that holds the registry's data (created if missing)
    #[arg(long)]
    pub data: PathBuf,
    /// A file of API tokens, one "<token> <username> <read|write>" per line;
    /// without it anyone who can connect may read and push
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// A PEM certificate chain: serve https
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Append one JSON line per request to this file
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Derive IDs from this seed (tests)
    #[arg(long, hide = true)]
    pub seed: Option<u64>,
    /// Serve POST /_admin/<knob> test controls
    #[arg(long, hide = true)]
    pub test_admin: bool,
    /// Stop after this many seconds (tests)
    #[arg(long, hide = true, value_name = "SECS")]
    pub exit_after: Option<u64>,
    /// A remote plugin to serve for generate, OWNER/NAME:VERSION=PROGRAM
    /// (repeatable; without a version, requests get the last one given)
    #[arg(long = "plugin", value_name = "OWNER/NAME:VERSION=PROGRAM")]
    pub plugins: Vec<String>,
}

pub fn run(args: ServeArgs) -> Result<Outcome, CliError> {
    let plugins = args
        .plugins
        .iter()
        .map(|p| crate::registry::server::codegen::HostedPlugin::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Failure)?;
    let server = Server::bind(Options {
        listen: args.listen,
        data: args.data,
        tokens: args.tokens,
        tls: args.tls_cert.zip(args.tls_key),
        log: args.log,
        seed: args.seed,
        test_admin: args.test_admin,
        exit_after: args.exit_after.map(Duration::from_secs),
        plugins,
    })
    .map_err(|e| CliError::Failure(e.to_string()))?;
    if server.is_open() {
        let _ = writeln!(
            std::io::stderr(),
            "WARN\tno --tokens file: anyone who can connect may read and push; serve only on loopback like this"
        );
    }
    // Tests read the port from this line, so it is the first and is flushed.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", server.url()).and_then(|()| out.flush());
    drop(out);
    server.run().map_err(|e| CliError::Failure(e.to_string()))?;
    Ok(Outcome::Ok)
}
