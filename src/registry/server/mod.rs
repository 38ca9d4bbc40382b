//! The registry server behind `protolith registry serve`: the BSR API that
//! buf 1.75.0 and protolith's client use (buf-deps.md §1.4), spoken as
//! Connect unary over HTTP/1.1 (optionally TLS), backed by a crash-safe,
//! content-addressed store in a local directory.
//!
//!   http (hyper: bytes in/out, log) -> handlers (decode, gate, RPCs;
//!   upload.rs for Upload) -> store (disk + in-memory index)

mod admin;
mod auth;
pub mod codegen;
mod connect;
mod handlers;
mod http;
mod ids;
mod store;
mod upload;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use auth::Auth;
use connect::RpcError;
use store::{OwnerKind, Store};

use crate::deps::digest::{from_hex as unhex, to_hex as hex};

/// What `registry serve` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// `HOST:PORT`; port 0 picks a free port.
    pub listen: String,
    pub data: PathBuf,
    /// Without one, anyone may read and push.
    pub tokens: Option<PathBuf>,
    /// PEM certificate chain and private key.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// JSON-lines request log.
    pub log: Option<PathBuf>,
    /// Deterministic IDs (tests).
    pub seed: Option<u64>,
    /// Serve `/_admin/<knob>` (tests).
    pub test_admin: bool,
    /// Stop after this long (tests).
    pub exit_after: Option<Duration>,
    /// Remote plugins this registry runs for GenerateCode.
    pub plugins: Vec<codegen::HostedPlugin>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("data directory: {0}")]
    Store(#[from] store::StoreError),
    #[error("tokens file {}: {why}", path.display())]
    Tokens { path: PathBuf, why: String },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("request log {}: {source}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start the server's runtime: {0}")]
    Runtime(std::io::Error),
}

/// What every request shares.
pub(crate) struct State {
    store: RwLock<Store>,
    auth: Auth,
    test_admin: bool,
    knobs: Mutex<admin::Knobs>,
    log: Option<Mutex<File>>,
    plugins: Vec<codegen::HostedPlugin>,
}

impl State {
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    fn with_knobs<T>(&self, f: impl FnOnce(&mut admin::Knobs) -> T) -> T {
        let mut knobs = self.knobs.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut knobs)
    }

    /// The test knobs' say on a call: wait, then maybe fail.
    fn gate(&self, method: &str) -> Result<(), RpcError> {
        if !self.test_admin {
            return Ok(());
        }
        if let Some(delay) = self.with_knobs(|k| k.delay(method)) {
            std::thread::sleep(delay);
        }
        self.with_knobs(|k| k.check(method))
    }

    /// Appends one request to the log and flushes it.
    fn log(&self, method: &str, status: &str, request: &str, auth: bool) {
        let Some(log) = &self.log else { return };
        // Keys in a fixed, readable order (serde_json's map would sort them).
        let quoted = |s: &str| serde_json::Value::from(s).to_string();
        let line = format!(
            "{{\"method\":{},\"status\":{},\"request\":{},\"auth\":{auth}}}",
            quoted(method),
            quoted(status),
            quoted(request)
        );
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        // A full disk must not take the registry down with it.
        let _ = writeln!(file, "{line}").and_then(|()| file.flush());
    }
}

/// A server bound to its address, ready to `run`.
pub struct Server {
    listener: std::net::TcpListener,
    state: Arc<State>,
    tls: Option<Arc<rustls::ServerConfig>>,
    exit_after: Option<Duration>,
    url: String,
}

impl Server {
    /// Opens the data directory and binds the address.
    pub fn bind(options: Options) -> Result<Server, ServerError> {
        let auth = match &options.tokens {
            Some(path) => Auth::load(path).map_err(|why| ServerError::Tokens {
                path: path.clone(),
                why,
            })?,
            None => Auth::Open,
        };
        let mut store = Store::open(&options.data, options.seed)?;
        for user in auth.users() {
            if store.owner_named(&user).is_none() {
                store.create_owner(&user, OwnerKind::User)?;
            }
        }
        let tls = match &options.tls {
            Some((cert, key)) => Some(tls_config(cert, key)?),
            None => None,
        };
        let log = match &options.log {
            Some(path) => Some(Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| ServerError::Log {
                        path: path.clone(),
                        source,
                    })?,
            )),
            None => None,
        };
        let listen_error = |source| ServerError::Listen {
            addr: options.listen.clone(),
            source,
        };
        let listener = std::net::TcpListener::bind(&options.listen).map_err(listen_error)?;
        listener.set_nonblocking(true).map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        Ok(Server {
            listener,
            state: Arc::new(State {
                store: RwLock::new(store),
                auth,
                test_admin: options.test_admin,
                knobs: Mutex::new(admin::Knobs::default()),
                log,
                plugins: options.plugins.clone(),
            }),
            tls,
            exit_after: options.exit_after,
            url: format!("{scheme}://{addr}"),
        })
    }

    /// `http://HOST:PORT` or `https://...`, with the port actually bound.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// No tokens file: anyone who can connect may read and push.
    pub fn is_open(&self) -> bool {
        matches!(self.state.auth, Auth::Open)
    }

    /// Serves until killed (or until `exit_after`).
    pub fn run(self) -> Result<(), ServerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?;
        let Server {
            listener,
            state,
            tls,
            exit_after,
            ..
        } = self;
        runtime.block_on(async move {
            let listener =
                tokio::net::TcpListener::from_std(listener).map_err(ServerError::Runtime)?;
            let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
            tokio::spawn(http::accept_loop(listener, state, acceptor));
            match exit_after {
                Some(after) => tokio::time::sleep(after).await,
                None => std::future::pending::<()>().await,
            }
            Ok::<(), ServerError>(())
        })?;
        runtime.shutdown_timeout(Duration::from_secs(2));
        Ok(())
    }
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServerError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServerError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!(
            "{}: no PEM certificate found",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServerError::Tls(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
