//! The plugin lock (`protolith.gen.lock`, beside the template; buf ignores
//! it): what each plugin of the template resolved to when it was locked. A
//! local plugin is recorded by its `--version` line and the sha256 of its
//! binary, a protoc built-in by protoc's, a remote plugin by the version and
//! revision it names. With a lock present, a run whose plugins differ stops
//! before anything runs and names the plugin, the locked and the found.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::run::{self, Resolved};
use crate::config::buf_gen_yaml::{PluginSource, PluginSpec};

pub const LOCK_FILE: &str = "protolith.gen.lock";

const HEADER: &str = "# Written by `protolith generate --lock-plugins`; buf ignores this file.\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginLock {
    pub version: String,
    #[serde(default)]
    pub plugins: Vec<LockedPlugin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedPlugin {
    /// The plugin's name as buf shows it.
    pub name: String,
    /// `local`, `protoc_builtin` or `remote`.
    pub kind: String,
    /// The program that runs (the plugin, or protoc); none for remote.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// First line of `--version` (local, protoc), or the remote version.
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where the lock of a template lives: beside the template file, or in the
/// current directory for `./buf.gen.yaml` and inline templates.
pub fn lock_path(template_flag: Option<&str>, cwd: &Path) -> PathBuf {
    match template_flag {
        Some(t) if crate::config::is_config_path(t) => {
            let dir = Path::new(t).parent().unwrap_or(Path::new(""));
            cwd.join(dir).join(LOCK_FILE)
        }
        _ => cwd.join(LOCK_FILE),
    }
}

/// What `plugins` resolve to now, in template order.
pub fn observe(plugins: &[PluginSpec], cwd: &Path) -> Result<Vec<LockedPlugin>, String> {
    plugins
        .iter()
        .map(|p| {
            let fail = |e: String| format!("plugin {}: {e}", p.display_name);
            match (&p.source, run::resolve(&p.source, cwd).map_err(fail)?) {
                (
                    PluginSource::Remote {
                        reference,
                        revision,
                    },
                    _,
                ) => {
                    let version = reference
                        .rsplit_once(':')
                        .filter(|(_, v)| !v.contains('/'))
                        .map_or("latest", |(_, v)| v);
                    Ok(LockedPlugin {
                        name: p.display_name.clone(),
                        kind: "remote".into(),
                        path: String::new(),
                        version: version.to_string(),
                        sha256: String::new(),
                        revision: *revision,
                    })
                }
                (_, Resolved::Binary { program, .. }) => Ok(LockedPlugin {
                    name: p.display_name.clone(),
                    kind: "local".into(),
                    path: program.display().to_string(),
                    version: version_line(&program, &[], cwd),
                    sha256: sha256_file(&program).map_err(fail)?,
                    revision: 0,
                }),
                (_, Resolved::Protoc { program, args, .. }) => Ok(LockedPlugin {
                    name: p.display_name.clone(),
                    kind: "protoc_builtin".into(),
                    path: program.display().to_string(),
                    version: version_line(&program, &args, cwd),
                    sha256: sha256_file(&program).map_err(fail)?,
                    revision: 0,
                }),
                (_, Resolved::Remote) => Err(fail("not a remote plugin".into())),
            }
        })
        .collect()
}

/// Writes the lock for `observed` (temporary file, then rename).
pub fn write(path: &Path, observed: Vec<LockedPlugin>) -> Result<(), String> {
    let lock = PluginLock {
        version: "v1".into(),
        plugins: observed,
    };
    let body = serde_norway::to_string(&lock).map_err(|e| e.to_string())?;
    crate::atomic::write(path, format!("{HEADER}{body}").as_bytes(), Some(0o644))
        .map_err(|e| format!("write {}: {e}", path.display()))
}

/// Reads the lock, if there is one.
pub fn read(path: &Path) -> Result<Option<PluginLock>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("read {}: {e}", path.display())),
    };
    let lock: PluginLock =
        serde_norway::from_slice(&bytes).map_err(|e| format!("decode {}: {e}", path.display()))?;
    if lock.version != "v1" {
        return Err(format!(
            "decode {}: unknown lock version {:?} (want \"v1\")",
            path.display(),
            lock.version
        ));
    }
    Ok(Some(lock))
}

/// Compares what runs now with the lock; the error names the first plugin
/// (in template order) that differs, with the locked and the found.
pub fn verify(
    lock: &PluginLock,
    observed: &[LockedPlugin],
    lock_file: &Path,
) -> Result<(), String> {
    let shown = lock_file.file_name().map_or_else(
        || LOCK_FILE.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for found in observed {
        let Some(locked) = lock.plugins.iter().find(|l| l.name == found.name) else {
            return Err(format!(
                "plugin {} is not in {shown}; run \"protolith generate --lock-plugins\" to add it",
                found.name
            ));
        };
        if locked != found {
            return Err(format!(
                "plugin {} differs from {shown}:\n  locked: {}\n  found:  {}\nRun \"protolith generate --lock-plugins\" if the new plugin is intended.",
                found.name,
                describe(locked),
                describe(found)
            ));
        }
    }
    Ok(())
}

fn describe(p: &LockedPlugin) -> String {
    let mut s = format!("{} {}", p.kind, p.version);
    if !p.path.is_empty() {
        s.push_str(&format!(" at {}", p.path));
    }
    if !p.sha256.is_empty() {
        s.push_str(&format!(" (sha256 {})", p.sha256));
    }
    if p.revision != 0 {
        s.push_str(&format!(" revision {}", p.revision));
    }
    s
}

fn sha256_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(crate::deps::digest::to_hex(ctx.finish().as_ref()))
}

/// The first line a program prints for `--version` (stdout, else stderr),
/// or `unknown` when it prints nothing within five seconds.
fn version_line(program: &Path, args: &[String], cwd: &Path) -> String {
    let child = Command::new(program)
        .args(args)
        .arg("--version")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return "unknown".into();
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return "unknown".into();
            }
        }
    }
    let Ok(out) = child.wait_with_output() else {
        return "unknown".into();
    };
    [out.stdout, out.stderr]
        .iter()
        .filter_map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_string)
        })
        .next()
        .unwrap_or_else(|| "unknown".into())
}
