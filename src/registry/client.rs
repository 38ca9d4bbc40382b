//! The registry client: Connect unary calls over HTTP/1.1 with
//! `application/proto` bodies, as buf 1.75.0 makes them (headers, token
//! choice, TLS settings from `$BUF_CONFIG_DIR/config.yaml`), and buf's
//! wording of every failure.

use std::path::PathBuf;
use std::time::Duration;

use prost::Message;

/// buf's `Buf-Version` header: a registry may gate features on it, so we
/// present ourselves as the buf release whose API we speak.
const BUF_VERSION: &str = "1.75.0";
const USER_AGENT: &str = concat!("protolith/", env!("CARGO_PKG_VERSION"));

/// Where a token came from; buf words an unauthenticated answer by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    Netrc,
    /// Given on the command line (`registry login`).
    Explicit,
}

/// Connect error codes, as they travel in JSON bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Canceled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

impl Code {
    pub const ALL: [Code; 16] = [
        Code::Canceled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Canceled => "canceled",
            Code::Unknown => "unknown",
            Code::InvalidArgument => "invalid_argument",
            Code::DeadlineExceeded => "deadline_exceeded",
            Code::NotFound => "not_found",
            Code::AlreadyExists => "already_exists",
            Code::PermissionDenied => "permission_denied",
            Code::ResourceExhausted => "resource_exhausted",
            Code::FailedPrecondition => "failed_precondition",
            Code::Aborted => "aborted",
            Code::OutOfRange => "out_of_range",
            Code::Unimplemented => "unimplemented",
            Code::Internal => "internal",
            Code::Unavailable => "unavailable",
            Code::DataLoss => "data_loss",
            Code::Unauthenticated => "unauthenticated",
        }
    }

    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The HTTP status of the Connect protocol's table.
    pub fn http_status(self) -> u16 {
        match self {
            Code::Canceled => 499,
            Code::Unknown | Code::Internal | Code::DataLoss => 500,
            Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
            Code::DeadlineExceeded => 504,
            Code::NotFound => 404,
            Code::AlreadyExists | Code::Aborted => 409,
            Code::PermissionDenied => 403,
            Code::ResourceExhausted => 429,
            Code::Unimplemented => 501,
            Code::Unavailable => 503,
            Code::Unauthenticated => 401,
        }
    }

    /// Connect's mapping of an HTTP status without an error body.
    fn from_http_status(status: u16) -> Code {
        match status {
            400 => Code::Internal,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::Unimplemented,
            429 | 502..=504 => Code::Unavailable,
            _ => Code::Unknown,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registry call failed. `Display` is buf's text (what follows `Failure: `).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a Connect error.
    #[error("{}", rpc_text(.code, .message, .url, .registry, .token_source, .plain_not_found))]
    Rpc {
        code: Code,
        message: String,
        /// `https://<registry>/<service>/<method>` as buf prints it.
        url: String,
        registry: String,
        token_source: Option<TokenSource>,
        /// buf prints `not_found` from GetCommits, GetGraph and Download as
        /// the bare server message.
        plain_not_found: bool,
    },
    /// The host name does not resolve.
    #[error(
        "the server hosted at that remote is unavailable. Are you sure \"{0}\" is a valid remote address?"
    )]
    UnknownHost(String),
    /// Nothing listens there, or the connection broke before an answer
    /// came (connect-go calls both `unavailable`, and buf words them alike).
    #[error("the server hosted at that remote is unavailable.")]
    Refused(String),
    /// The connection broke or the answer could not be read (cut short,
    /// not protobuf).
    #[error("{0}")]
    Transport(String),
    /// The TLS settings of `config.yaml` are wrong.
    #[error("{0}")]
    Config(String),
}

impl ClientError {
    pub fn code(&self) -> Option<Code> {
        match self {
            ClientError::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// buf's top-level wording of this error replaces whatever context a
    /// command put around it (`wrapError` in buf's `cmd/buf`): the
    /// authentication, unavailable and unimplemented texts stand alone.
    pub fn stands_alone(&self) -> bool {
        match self {
            ClientError::UnknownHost(_) | ClientError::Refused(_) => true,
            ClientError::Rpc { code, .. } => matches!(
                code,
                Code::Unauthenticated | Code::Unavailable | Code::Unimplemented
            ),
            ClientError::Transport(_) | ClientError::Config(_) => false,
        }
    }
}

fn rpc_text(
    code: &Code,
    message: &str,
    url: &str,
    registry: &str,
    token_source: &Option<TokenSource>,
    plain_not_found: &bool,
) -> String {
    let login_target = if registry == "buf.build" {
        String::new()
    } else {
        format!(" {registry}")
    };
    match code {
        Code::Unauthenticated => match token_source {
            Some(TokenSource::Env) => format!(
                "the BUF_TOKEN environment variable is not valid for {registry}. Set BUF_TOKEN to a valid Buf API token, or unset it. For details, visit https://buf.build/docs/bsr/authentication"
            ),
            Some(TokenSource::Netrc) => format!(
                "your Buf API token for {registry} is invalid. Run \"buf registry login{login_target}\" using a valid Buf API token. For details, visit https://buf.build/docs/bsr/authentication"
            ),
            _ => format!(
                "you are not authenticated for {registry}. Set the BUF_TOKEN environment variable or run \"buf registry login{login_target}\", using a Buf API token as the password. For details, visit https://buf.build/docs/bsr/authentication"
            ),
        },
        Code::Unimplemented => {
            let base = format!("https://{registry}");
            format!(
                "unimplemented: {message} for {url}\nThis version of the buf CLI may require APIs that have not yet been deployed to {base}\nTo resolve this failure, you can either:\n- Try using an older version of the buf CLI\n- Contact the site admin for {base} to upgrade the instance"
            )
        }
        Code::Unavailable => "the server hosted at that remote is unavailable.".to_string(),
        // buf 1.75.0 prints an empty not_found from these calls as "not found".
        Code::NotFound if *plain_not_found && message.is_empty() => "not found".to_string(),
        Code::NotFound if *plain_not_found => message.to_string(),
        // connect-go's text of an error without a message is its code alone.
        _ if message.is_empty() => code.as_str().to_string(),
        _ => format!("{}: {message}", code.as_str()),
    }
}

/// TLS settings from `$BUF_CONFIG_DIR/config.yaml`.
#[derive(Debug, Clone, Default)]
struct TlsConfig {
    /// `tls.use: false`: plain http for every registry.
    plaintext: bool,
    /// PEM files to trust (`local`, `systemandlocal`).
    root_certs: Vec<PathBuf>,
    /// Whether the system roots are trusted too.
    system_roots: bool,
}

/// `$BUF_CONFIG_DIR`, else `$XDG_CONFIG_HOME/buf`, else `~/.config/buf`.
pub fn config_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    var("BUF_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("buf")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config").join("buf")))
}

fn read_tls_config() -> Result<TlsConfig, ClientError> {
    let mut tls = TlsConfig {
        system_roots: true,
        ..TlsConfig::default()
    };
    let Some(path) = config_dir().map(|d| d.join("config.yaml")) else {
        return Ok(tls);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(tls);
    };
    let value: serde_norway::Value = serde_norway::from_str(&text)
        .map_err(|e| ClientError::Config(format!("could not parse {}: {e}", path.display())))?;
    let Some(section) = value.get("tls") else {
        return Ok(tls);
    };
    let use_value = match section.get("use") {
        None | Some(serde_norway::Value::Null) => String::new(),
        Some(serde_norway::Value::Bool(b)) => b.to_string(),
        Some(serde_norway::Value::String(s)) => s.clone(),
        Some(other) => format!("{other:?}"),
    };
    let roots: Vec<PathBuf> = section
        .get("root_cert_file_paths")
        .and_then(|v| v.as_sequence())
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default();
    match use_value.as_str() {
        "" | "system" => {}
        "false" => tls.plaintext = true,
        "local" => {
            tls.system_roots = false;
            tls.root_certs = roots;
        }
        "systemandlocal" => tls.root_certs = roots,
        other => {
            return Err(ClientError::Config(format!("unknown tls.use: \"{other}\"")));
        }
    }
    Ok(tls)
}

/// The token for `registry`: `BUF_TOKEN` (one token, or `token@host` list),
/// else the netrc entry for the host (with any port).
pub fn token_for(registry: &str) -> Option<(String, TokenSource)> {
    if let Some(env) = std::env::var("BUF_TOKEN").ok().filter(|t| !t.is_empty()) {
        if !env.contains('@') && !env.contains(',') {
            return Some((env, TokenSource::Env));
        }
        for part in env.split(',') {
            if let Some((token, host)) = part.trim().rsplit_once('@')
                && host == registry
                && !token.is_empty()
            {
                return Some((token.to_string(), TokenSource::Env));
            }
        }
    }
    crate::config::netrc::login(registry).map(|(_, password)| (password, TokenSource::Netrc))
}

/// A client for one registry host (`buf.build`, `127.0.0.1:8765`).
pub struct Client {
    http: reqwest::blocking::Client,
    registry: String,
    scheme: &'static str,
    token: Option<(String, TokenSource)>,
}

impl Client {
    /// A client for `registry` with the token buf would pick.
    pub fn new(registry: &str) -> Result<Client, ClientError> {
        Client::with_token(registry, token_for(registry))
    }

    pub fn with_token(
        registry: &str,
        token: Option<(String, TokenSource)>,
    ) -> Result<Client, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = read_tls_config()?;
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .http1_only();
        let mut certs = Vec::new();
        for path in &tls.root_certs {
            let pem = std::fs::read(path).map_err(|e| {
                ClientError::Config(format!("could not read {}: {e}", path.display()))
            })?;
            certs.extend(reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::Config(format!("could not parse {}: {e}", path.display()))
            })?);
        }
        builder = if tls.system_roots {
            builder.tls_certs_merge(certs)
        } else {
            builder.tls_certs_only(certs)
        };
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(format!("could not create an HTTP client: {e}")))?;
        Ok(Client {
            http,
            registry: registry.to_string(),
            scheme: if tls.plaintext { "http" } else { "https" },
            token,
        })
    }

    pub fn registry(&self) -> &str {
        &self.registry
    }

    pub fn token_source(&self) -> Option<TokenSource> {
        self.token.as_ref().map(|(_, s)| *s)
    }

    /// One unary call: `service` is `pkg.Service`, `method` the method name.
    pub fn call<Req: Message, Resp: Message + Default>(
        &self,
        service: &str,
        method: &str,
        request: &Req,
    ) -> Result<Resp, ClientError> {
        let path = format!("{service}/{method}");
        let url = format!("{}://{}/{path}", self.scheme, self.registry);
        let mut builder = self
            .http
            .post(&url)
            .header("Content-Type", "application/proto")
            .header("Connect-Protocol-Version", "1")
            .header("Accept-Encoding", "gzip")
            .header("Buf-Version", BUF_VERSION)
            .body(request.encode_to_vec());
        if let Some((token, _)) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let response = builder.send().map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let gzip = response
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let body = response
            .bytes()
            .map_err(|e| {
                ClientError::Transport(format!(
                    "{path}: the registry's answer was cut short: {}",
                    root_cause(&e)
                ))
            })?
            .to_vec();
        let body = if gzip {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
                .map_err(|e| {
                    ClientError::Transport(format!("{path}: could not decompress the answer: {e}"))
                })?;
            out
        } else {
            body
        };
        if status != 200 {
            let (code, message) = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => (
                    v.get("code")
                        .and_then(|c| c.as_str())
                        .and_then(Code::parse)
                        .unwrap_or_else(|| Code::from_http_status(status)),
                    v.get("message")
                        .and_then(|m| m.as_str())
                        .unwrap_or_default()
                        .to_string(),
                ),
                Err(_) => (
                    Code::from_http_status(status),
                    format!("HTTP status {status}"),
                ),
            };
            return Err(ClientError::Rpc {
                code,
                message,
                url: format!("https://{}/{path}", self.registry),
                registry: self.registry.clone(),
                token_source: self.token_source(),
                plain_not_found: false,
            });
        }
        Resp::decode(&body[..]).map_err(|e| {
            ClientError::Transport(format!(
                "{path}: the registry's answer is not a valid response: {e}"
            ))
        })
    }

    fn transport_error(&self, e: &reqwest::Error) -> ClientError {
        let cause = root_cause(e);
        let host = self
            .registry
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(self.registry.as_str(), |(h, _)| h);
        let lower = cause.to_ascii_lowercase();
        if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
        {
            ClientError::UnknownHost(host.to_string())
        } else {
            // Refused, or closed before an answer (a server killed mid-call).
            ClientError::Refused(self.registry.clone())
        }
    }
}

/// The innermost message of an error chain (`connection refused`).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut messages = vec![e.to_string()];
    let mut current = e.source();
    while let Some(c) = current {
        messages.push(c.to_string());
        current = c.source();
    }
    messages.join(": ")
}

/// Marks a `not_found` from GetCommits, GetGraph or Download, which buf
/// prints as the server's bare message.
pub fn plain_not_found(e: ClientError) -> ClientError {
    match e {
        ClientError::Rpc {
            code: Code::NotFound,
            message,
            url,
            registry,
            token_source,
            ..
        } => ClientError::Rpc {
            code: Code::NotFound,
            message,
            url,
            registry,
            token_source,
            plain_not_found: true,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(code: Code, message: &str, source: Option<TokenSource>) -> String {
        ClientError::Rpc {
            code,
            message: message.into(),
            url: "https://127.0.0.1:8765/buf.registry.module.v1.GraphService/GetGraph".into(),
            registry: "127.0.0.1:8765".into(),
            token_source: source,
            plain_not_found: false,
        }
        .to_string()
    }

    #[test]
    fn rpc_errors_are_worded_as_buf_words_them() {
        assert_eq!(
            rpc(Code::Unauthenticated, "x", None),
            "you are not authenticated for 127.0.0.1:8765. Set the BUF_TOKEN environment variable or run \"buf registry login 127.0.0.1:8765\", using a Buf API token as the password. For details, visit https://buf.build/docs/bsr/authentication"
        );
        assert_eq!(
            rpc(Code::Unauthenticated, "", Some(TokenSource::Env)),
            "the BUF_TOKEN environment variable is not valid for 127.0.0.1:8765. Set BUF_TOKEN to a valid Buf API token, or unset it. For details, visit https://buf.build/docs/bsr/authentication"
        );
        // An empty `unknown` is not an authentication failure (buf 1.75.0).
        assert_eq!(rpc(Code::Unknown, "", Some(TokenSource::Env)), "unknown");
        assert_eq!(rpc(Code::Internal, "", None), "internal");
        assert_eq!(
            rpc(Code::Unavailable, "down for maintenance", None),
            "the server hosted at that remote is unavailable."
        );
        assert_eq!(
            rpc(Code::Unauthenticated, "x", Some(TokenSource::Netrc)),
            "your Buf API token for 127.0.0.1:8765 is invalid. Run \"buf registry login 127.0.0.1:8765\" using a valid Buf API token. For details, visit https://buf.build/docs/bsr/authentication"
        );
        assert_eq!(
            rpc(Code::PermissionDenied, "no access to acme/dep", None),
            "permission_denied: no access to acme/dep"
        );
        assert!(rpc(Code::Unimplemented, "nope", None).starts_with(
            "unimplemented: nope for https://127.0.0.1:8765/buf.registry.module.v1.GraphService/GetGraph\nThis version of the buf CLI"
        ));
        let e = plain_not_found(ClientError::Rpc {
            code: Code::NotFound,
            message: "module \"acme/nope\" not found".into(),
            url: String::new(),
            registry: "r".into(),
            token_source: None,
            plain_not_found: false,
        });
        assert_eq!(e.to_string(), "module \"acme/nope\" not found");
    }

    #[test]
    fn connect_codes_round_trip() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
    }
}
