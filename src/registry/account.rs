//! `registry login`, `logout` and `whoami`: checking a token against a
//! registry and keeping it in the netrc file, as buf does.

use super::client::{Client, ClientError, Code, TokenSource};
use super::proto::{alpha, owner};
use crate::config::netrc;

/// Why an account command failed; the text is buf's.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("invalid token provided for {0}")]
    InvalidToken(String),
    #[error("{0}")]
    Io(String),
}

/// Checks `token` with the registry (`AuthnService/GetCurrentUser`) and
/// saves it for `host` in the netrc file. Returns the user name and the
/// netrc path.
pub fn login(host: &str, token: &str) -> Result<(String, std::path::PathBuf), AccountError> {
    let client = Client::with_token(host, Some((token.to_string(), TokenSource::Explicit)))?;
    let resp: Result<alpha::GetCurrentUserResponse, ClientError> = client.call(
        alpha::AUTHN_SERVICE,
        "GetCurrentUser",
        &alpha::GetCurrentUserRequest {},
    );
    let user = match resp {
        Ok(r) => r
            .user
            .map(|u| u.username)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| AccountError::InvalidToken(host.to_string()))?,
        Err(e @ (ClientError::UnknownHost(_) | ClientError::Refused(_))) => return Err(e.into()),
        Err(e) if e.code() == Some(Code::Unavailable) => return Err(e.into()),
        Err(_) => return Err(AccountError::InvalidToken(host.to_string())),
    };
    let path = netrc::path()
        .ok_or_else(|| AccountError::Io("could not find the netrc file: set $HOME".into()))?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut entries: Vec<netrc::Entry> = netrc::parse(&text)
        .into_iter()
        .filter(|e| e.machine.as_deref() != Some(host))
        .collect();
    entries.push(netrc::Entry {
        machine: Some(host.to_string()),
        login: Some(user.clone()),
        password: Some(token.to_string()),
    });
    netrc::write(&path, &netrc::render(&entries))
        .map_err(|e| AccountError::Io(format!("could not write {}: {e}", path.display())))?;
    Ok((user, path))
}

/// What `logout` did.
pub enum Logout {
    Removed(std::path::PathBuf),
    NothingThere(std::path::PathBuf),
}

/// Removes the netrc entries for `host`.
pub fn logout(host: &str) -> Result<Logout, AccountError> {
    let path = netrc::path()
        .ok_or_else(|| AccountError::Io("could not find the netrc file: set $HOME".into()))?;
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Logout::NothingThere(path));
    };
    let entries = netrc::parse(&text);
    let kept: Vec<netrc::Entry> = entries
        .iter()
        .filter(|e| e.machine.as_deref() != Some(host))
        .cloned()
        .collect();
    if kept.len() == entries.len() {
        return Ok(Logout::NothingThere(path));
    }
    netrc::write(&path, &netrc::render(&kept))
        .map_err(|e| AccountError::Io(format!("could not write {}: {e}", path.display())))?;
    Ok(Logout::Removed(path))
}

/// The name of the user the registry knows the current token as.
pub fn whoami(host: &str) -> Result<String, AccountError> {
    let client = Client::new(host)?;
    let resp: owner::GetCurrentUserResponse = client.call(
        owner::USER_SERVICE,
        "GetCurrentUser",
        &owner::GetCurrentUserRequest {},
    )?;
    Ok(resp.user.map(|u| u.name).unwrap_or_default())
}
