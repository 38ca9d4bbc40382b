//! `protolith registry ...`: `serve` (a registry a team runs itself), and the
//! client commands `login`, `logout`, `whoami` and `cc`.

use std::io::{Read, Write};

use clap::{Args, Subcommand};

use super::{CliError, Outcome};
use crate::registry::account::{self, Logout};

#[derive(Subcommand, Debug)]
pub enum RegistryCommand {
    /// Log in to a registry (saves the token in your netrc file)
    Login(HostArgs),
    /// Log out of a registry (removes its netrc entries)
    Logout(LogoutArgs),
    /// Print the user the registry knows your token as
    Whoami(WhoamiArgs),
    /// Clear the module cache
    Cc,
    /// Serve the registry API that buf and protolith use, from a local directory
    Serve(super::registry_serve::ServeArgs),
}

#[derive(Args, Debug)]
pub struct HostArgs {
    /// The registry host (default: buf.build)
    #[arg(default_value = "buf.build")]
    pub domain: String,
    /// Read the token from stdin
    #[arg(long)]
    pub token_stdin: bool,
    /// Prompt for the token (read it from stdin)
    #[arg(long)]
    pub prompt: bool,
    /// Deprecated: the user name is taken from the registry
    #[arg(long, hide = true)]
    pub username: Option<String>,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// The registry host (default: buf.build)
    #[arg(default_value = "buf.build")]
    pub domain: String,
}

#[derive(Args, Debug)]
pub struct WhoamiArgs {
    /// The registry host (default: buf.build)
    #[arg(default_value = "buf.build")]
    pub domain: String,
    /// The format to print: text or json
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub fn run(cmd: RegistryCommand) -> Result<Outcome, CliError> {
    match cmd {
        RegistryCommand::Login(args) => login(args),
        RegistryCommand::Logout(args) => logout(args),
        RegistryCommand::Whoami(args) => whoami(args),
        RegistryCommand::Cc => clear_cache(),
        RegistryCommand::Serve(args) => super::registry_serve::run(args),
    }
}

fn fail(e: impl ToString) -> CliError {
    CliError::Failure(e.to_string())
}

fn login(args: HostArgs) -> Result<Outcome, CliError> {
    let mut token = String::new();
    if !args.token_stdin {
        crate::report::note("Enter the BSR token: ");
    }
    std::io::stdin()
        .read_to_string(&mut token)
        .map_err(|e| fail(format!("could not read the token from stdin: {e}")))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(fail("token cannot be empty string"));
    }
    let (user, path) = account::login(&args.domain, token).map_err(fail)?;
    let text = format!(
        "Logged in as {user}. Credentials saved to {}.\n",
        path.display()
    );
    Ok(super::emit(text.as_bytes(), false))
}

fn logout(args: LogoutArgs) -> Result<Outcome, CliError> {
    let text = match account::logout(&args.domain).map_err(fail)? {
        Logout::Removed(path) => format!(
            "All existing BSR credentials removed from {}\n",
            path.display()
        ),
        Logout::NothingThere(path) => format!(
            "No BSR credentials found in {}; you are already logged out\n",
            path.display()
        ),
    };
    Ok(super::emit(text.as_bytes(), false))
}

fn whoami(args: WhoamiArgs) -> Result<Outcome, CliError> {
    // Without any token buf does not ask the registry.
    if crate::registry::client::token_for(&args.domain).is_none() {
        return Err(fail(format!(
            "Not currently logged in for {}.",
            args.domain
        )));
    }
    let name = account::whoami(&args.domain).map_err(fail)?;
    let text = match args.format.as_str() {
        "json" => format!(
            "{{\"username\":{}}}\n",
            crate::report::go_json_string(&name)
        ),
        _ => format!("Logged in as {name}.\n"),
    };
    Ok(super::emit(text.as_bytes(), false))
}

/// `registry cc`: deletes the module cache (buf's and ours: one tree), and
/// says which directories went.
pub fn clear_cache() -> Result<Outcome, CliError> {
    let root = crate::deps::cache::cache_root()
        .ok_or_else(|| fail("could not find a cache directory: set $BUF_CACHE_DIR or $HOME"))?;
    let deleted = crate::deps::cache::ModuleCache::new(root)
        .clear()
        .map_err(|e| fail(format!("could not clear the cache: {e}")))?;
    let mut out = std::io::stderr().lock();
    for path in deleted {
        let _ = writeln!(out, "deleted {}", path.display());
    }
    Ok(Outcome::Ok)
}
