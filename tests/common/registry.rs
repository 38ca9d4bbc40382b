//! A registry for tests (buf-deps.md §6): `protolith registry serve` on
//! 127.0.0.1:0 in a temp directory, plus the scrubbed environment buf (or
//! protolith) runs in against it. The server is killed when the `Registry`
//! drops; `--exit-after` bounds it even if the test process dies.
//!
//! Layout of `Registry::root()`: `data/` (the server's), `log.jsonl`,
//! `stderr.txt`, `bufcfg/config.yaml` (`tls.use: false`), `cache/`,
//! `netrc`, `home/`, and whatever a test puts there (`work/`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// How to start a registry.
#[derive(Debug, Clone)]
pub struct RegistryOpts {
    /// Contents of the tokens file (`<token> <user> <read|write>` lines).
    pub tokens: Option<String>,
    /// `--seed`: deterministic IDs.
    pub seed: Option<u64>,
    /// `--test-admin`: the `/_admin/<knob>` controls.
    pub test_admin: bool,
    /// Extra flags for `registry serve`.
    pub extra_args: Vec<String>,
}

impl Default for RegistryOpts {
    fn default() -> Self {
        Self {
            tokens: None,
            seed: Some(1),
            test_admin: true,
            extra_args: Vec::new(),
        }
    }
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header lines as (lower-case name, value).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Registry {
    root: tempfile::TempDir,
    opts: RegistryOpts,
    child: Option<Child>,
    port: u16,
}

/// The buf binary: `$BUF`, else `.refs/bin/buf`; `None` skips buf tests.
pub fn buf_path() -> Option<PathBuf> {
    let path = std::env::var_os("BUF")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::root().join(".refs/bin/buf"));
    path.is_file().then_some(path)
}

impl Registry {
    /// Starts a server in a fresh temp directory.
    pub fn start(opts: RegistryOpts) -> Registry {
        let root = tempfile::tempdir().expect("temp dir");
        let bufcfg = root.path().join("bufcfg");
        std::fs::create_dir_all(&bufcfg).expect("bufcfg");
        std::fs::write(
            bufcfg.join("config.yaml"),
            "version: v1\ntls:\n  use: false\n",
        )
        .expect("config.yaml");
        std::fs::create_dir_all(root.path().join("home")).expect("home");
        if let Some(tokens) = &opts.tokens {
            std::fs::write(root.path().join("tokens.txt"), tokens).expect("tokens");
        }
        let mut registry = Registry {
            root,
            opts,
            child: None,
            port: 0,
        };
        registry.spawn(0);
        registry
    }

    fn spawn(&mut self, port: u16) {
        let root = self.root.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_protolith"));
        cmd.args(["registry", "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(root.join("data"))
            .arg("--log")
            .arg(root.join("log.jsonl"))
            .args(["--exit-after", "600"]);
        if self.opts.tokens.is_some() {
            cmd.arg("--tokens").arg(root.join("tokens.txt"));
        }
        if let Some(seed) = self.opts.seed {
            cmd.arg("--seed").arg(seed.to_string());
        }
        if self.opts.test_admin {
            cmd.arg("--test-admin");
        }
        cmd.args(&self.opts.extra_args);
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("stderr.txt"))
            .expect("stderr.txt");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn protolith registry serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(port) = line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .or_else(|| line.trim().strip_prefix("listening on https://127.0.0.1:"))
            .and_then(|p| p.parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "registry serve did not start: stdout {line:?}, stderr {:?}",
                std::fs::read_to_string(root.join("stderr.txt")).unwrap_or_default()
            );
        };
        self.child = Some(child);
        self.port = port;
    }

    /// Kills the server and starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        self.spawn(port);
    }

    /// Kills the server (SIGKILL: nothing it acknowledged may be lost).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `127.0.0.1:PORT`, the registry part of module names.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temp directory everything lives in.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Sets a test knob; panics if the server refuses it.
    pub fn admin(&self, knob: &str, json: &str) {
        let response = self.post(&format!("/_admin/{knob}"), &[], json.as_bytes());
        assert_eq!(
            response.status,
            200,
            "admin {knob} {json}: {}",
            String::from_utf8_lossy(&response.body)
        );
    }

    /// The request log, one JSON value per request so far.
    pub fn log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.root().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }

    /// The `method` of each logged request.
    pub fn log_methods(&self) -> Vec<String> {
        self.log_lines()
            .iter()
            .map(|l| l["method"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// One HTTP/1.1 POST on its own connection (`Connection: close`).
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.host(),
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(body).expect("write");
        let mut raw = Vec::new();
        // A truncated response ends in a reset; keep what arrived.
        let _ = stream.read_to_end(&mut raw);
        parse_response(&raw)
    }

    /// A Connect unary call with a protobuf body.
    pub fn rpc(&self, method: &str, body: &[u8], token: Option<&str>) -> HttpResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/proto")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        self.post(&format!("/{method}"), &headers, body)
    }

    /// The environment buf (or protolith) runs in against this registry.
    pub fn client_env(&self) -> Vec<(String, String)> {
        let root = self.root();
        let path = |p: &str| root.join(p).display().to_string();
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("BUF_CONFIG_DIR".into(), path("bufcfg")),
            ("BUF_CACHE_DIR".into(), path("cache")),
            ("NETRC".into(), path("netrc")),
            ("HOME".into(), path("home")),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    /// Runs buf in `dir` with `client_env` plus `env` (which may override
    /// it, e.g. `BUF_CACHE_DIR` for a cold cache or `BUF_TOKEN`). Retries
    /// once on buf's sporadic protocompile panic (buf-deps.md §6).
    pub fn run_buf(&self, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
        let buf = buf_path().expect("buf binary (check buf_path() first)");
        let run = || {
            Command::new(&buf)
                .args(args)
                .current_dir(dir)
                .env_clear()
                .envs(self.client_env())
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .output()
                .expect("run buf")
        };
        let out = run();
        if String::from_utf8_lossy(&out.stderr).contains("panicked:") {
            return run();
        }
        out
    }

    /// Runs protolith as `run_buf` runs buf: same environment, same
    /// overrides, so the two tools can be compared call for call.
    pub fn run_protolith(&self, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_protolith"))
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(self.client_env())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("run protolith")
    }

    /// `run_buf_stdin` with extra environment.
    pub fn run_buf_stdin_env(
        &self,
        args: &[&str],
        dir: &Path,
        stdin: &str,
        env: &[(&str, &str)],
    ) -> Output {
        let buf = buf_path().expect("buf binary (check buf_path() first)");
        self.run_stdin(&buf, args, dir, stdin, env)
    }

    /// protolith with text on stdin and extra environment.
    pub fn run_protolith_stdin_env(
        &self,
        args: &[&str],
        dir: &Path,
        stdin: &str,
        env: &[(&str, &str)],
    ) -> Output {
        self.run_stdin(
            Path::new(env!("CARGO_BIN_EXE_protolith")),
            args,
            dir,
            stdin,
            env,
        )
    }

    fn run_stdin(
        &self,
        program: &Path,
        args: &[&str],
        dir: &Path,
        stdin: &str,
        env: &[(&str, &str)],
    ) -> Output {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(self.client_env())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("stdin");
        }
        child.wait_with_output().expect("output")
    }

    /// Like `run_buf`, with text on stdin (`registry login --token-stdin`).
    pub fn run_buf_stdin(&self, args: &[&str], dir: &Path, stdin: &str) -> Output {
        self.run_buf_stdin_env(args, dir, stdin, &[])
    }

    /// Copies a fixture tree into `root()/work/<name>`, replacing `REGISTRY`
    /// in every buf.yaml with this registry's host.
    pub fn fixture(&self, from: &Path, name: &str) -> PathBuf {
        let to = self.root().join("work").join(name);
        copy_tree(from, &to, &self.host());
        to
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn copy_tree(from: &Path, to: &Path, host: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target, host);
        } else if entry.file_name() == "buf.yaml" {
            let text = std::fs::read_to_string(entry.path()).expect("buf.yaml");
            std::fs::write(&target, text.replace("REGISTRY", host)).expect("write");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// The registry fixtures (`testdata/registry`).
pub fn fixtures() -> PathBuf {
    super::root().join("testdata/registry")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a run succeeded; returns its stdout.
pub fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Every file under `dir` (relative path) with its bytes; nothing when
/// `dir` is missing.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Skips a test (returning early) when buf is not installed.
#[macro_export]
macro_rules! require_buf {
    () => {
        if $crate::common::registry::buf_path().is_none() {
            eprintln!("skipped: no buf binary (set $BUF or add .refs/bin/buf)");
            return;
        }
    };
}
