//! Who is calling: the tokens file (`<token> <username> <read|write>` per
//! line) and the bearer token of each request.

use std::collections::HashMap;
use std::path::Path;

use super::connect::{Code, RpcError};

/// What a method needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// One line of the tokens file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub user: String,
    pub write: bool,
}

/// How the server decides who may call.
#[derive(Debug)]
pub enum Auth {
    /// No tokens file: everyone may do everything (meant for loopback).
    Open,
    Tokens(HashMap<String, Grant>),
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The server has no tokens file.
    Anyone,
    User(Grant),
    /// No token, or one the tokens file does not list.
    Unknown,
}

impl Auth {
    /// Reads a tokens file; `#` starts a comment, blank lines are skipped.
    pub fn load(path: &Path) -> Result<Auth, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Self::parse(&text).map(Auth::Tokens)
    }

    fn parse(text: &str) -> Result<HashMap<String, Grant>, String> {
        let mut tokens = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split_once('#').map_or(line, |(before, _)| before);
            let words: Vec<&str> = line.split_whitespace().collect();
            let grant = match words.as_slice() {
                [] => continue,
                [token, user, access @ ("read" | "write")] => (
                    (*token).to_string(),
                    (*user).to_string(),
                    *access == "write",
                ),
                _ => {
                    return Err(format!(
                        "line {}: expected \"<token> <username> <read|write>\"",
                        i + 1
                    ));
                }
            };
            let (token, user, write) = grant;
            if tokens.insert(token, Grant { user, write }).is_some() {
                return Err(format!("line {}: this token is listed twice", i + 1));
            }
        }
        Ok(tokens)
    }

    /// The users the tokens file names, sorted (so seeded IDs repeat).
    pub fn users(&self) -> Vec<String> {
        let Auth::Tokens(tokens) = self else {
            return Vec::new();
        };
        let mut users: Vec<String> = tokens.values().map(|g| g.user.clone()).collect();
        users.sort();
        users.dedup();
        users
    }

    /// Who sent a request with this `Authorization` header value.
    pub fn identify(&self, authorization: Option<&str>) -> Identity {
        let Auth::Tokens(tokens) = self else {
            return Identity::Anyone;
        };
        authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .and_then(|token| tokens.get(token))
            .map_or(Identity::Unknown, |grant| Identity::User(grant.clone()))
    }
}

impl Identity {
    /// Whether this caller may call a method that needs `access`.
    pub fn check(&self, access: Access) -> Result<(), RpcError> {
        match self {
            Identity::Anyone => Ok(()),
            Identity::User(grant) if access == Access::Write && !grant.write => Err(RpcError::new(
                Code::PermissionDenied,
                format!(
                    "user \"{}\" has a read-only token and cannot push or create modules",
                    grant.user
                ),
            )),
            Identity::User(_) => Ok(()),
            Identity::Unknown => Err(RpcError::new(
                Code::Unauthenticated,
                "a valid API token is required: pass one as \"Authorization: Bearer <token>\"",
            )),
        }
    }

    /// The user's name, if the caller is a known user.
    pub fn user(&self) -> Option<&str> {
        match self {
            Identity::User(grant) => Some(&grant.user),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_file_lines() {
        let auth = Auth::Tokens(
            Auth::parse("# team\nt1 alice write\n\nt2 bob read  # ci\n").unwrap_or_default(),
        );
        assert_eq!(auth.users(), ["alice", "bob"]);
        assert_eq!(
            auth.identify(Some("Bearer t1")),
            Identity::User(Grant {
                user: "alice".into(),
                write: true
            })
        );
        assert_eq!(auth.identify(Some("Bearer nope")), Identity::Unknown);
        assert_eq!(auth.identify(None), Identity::Unknown);
        let bob = auth.identify(Some("Bearer t2"));
        assert!(bob.check(Access::Read).is_ok());
        assert_eq!(
            bob.check(Access::Write).map_err(|e| e.code),
            Err(Code::PermissionDenied)
        );
    }

    #[test]
    fn bad_tokens_file_lines_say_where() {
        assert_eq!(
            Auth::parse("t1 alice admin\n"),
            Err("line 1: expected \"<token> <username> <read|write>\"".to_string())
        );
        assert!(Auth::parse("t1 a read\nt1 b write\n").is_err());
    }
}
