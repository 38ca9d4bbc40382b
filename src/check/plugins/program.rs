//! Finding a check plugin's program as buf does (buf-check-plugins.md §1.1,
//! §2.1, §3): a module-style reference that is not a path on disk is a
//! remote plugin, a `.wasm` name is a Wasm plugin, a name without `/` is
//! looked up on `$PATH`, and anything else is a path from the current
//! directory (not from buf.yaml's).

use std::path::{Path, PathBuf};

use crate::config::ModuleRef;

/// Why a plugin cannot be started.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// The text after `plugin "<name>" failed: `.
    Start(String),
    /// A whole message of its own (a remote plugin missing from buf.lock).
    Config(String),
}

/// The program to run for `name`. `locked` says whether buf.lock pins a
/// remote plugin of that name.
pub fn find(name: &str, cwd: &Path, locked: &dyn Fn(&str) -> bool) -> Result<PathBuf, Problem> {
    if is_remote(name, cwd) {
        if !locked(name) {
            return Err(Problem::Config(format!(
                "remote plugin \"{name}\" is not in the buf.lock file, use \"buf plugin update\" \
                 to pin remote refs"
            )));
        }
        return Err(Problem::Start(
            "protolith cannot run remote (Wasm) check plugins yet".into(),
        ));
    }
    if name.ends_with(".wasm") {
        let local = cwd.join(name);
        if !local.is_file() && find_on_path(name).is_none() {
            return Err(Problem::Start(format!(
                "could not read plugin \"{name}\": could not find file \"{name}\" in PATH: \
                 exec: \"{name}\": executable file not found in $PATH"
            )));
        }
        let path = if local.is_file() {
            local
        } else {
            find_on_path(name).unwrap_or(local)
        };
        let magic = std::fs::read(&path)
            .map(|b| b.starts_with(b"\0asm"))
            .unwrap_or(false);
        if !magic {
            return Err(Problem::Start("invalid magic number".into()));
        }
        return Err(Problem::Start(
            "protolith cannot run Wasm check plugins yet".into(),
        ));
    }
    if !name.contains('/') {
        return find_on_path(name).ok_or_else(|| {
            Problem::Start(format!(
                "exec: \"{name}\": executable file not found in $PATH"
            ))
        });
    }
    let path = cwd.join(name);
    match std::fs::metadata(&path) {
        Err(e) => Err(Problem::Start(format!(
            "fork/exec {name}: {}",
            go_errno_text(&e)
        ))),
        Ok(meta) if !is_executable(&meta) => Err(Problem::Start(format!(
            "fork/exec {name}: permission denied"
        ))),
        Ok(_) => Ok(path),
    }
}

/// buf's rule: a module-style reference that is not a path on disk.
pub fn is_remote(name: &str, cwd: &Path) -> bool {
    let written_as_path = ["./", "../", "/"].iter().any(|p| name.starts_with(p));
    let module = name.split_once(':').map_or(name, |(m, _)| m);
    !written_as_path && ModuleRef::parse(module).is_ok() && !cwd.join(name).exists()
}

/// Go's `exec.LookPath` for a name without `/`: the first executable
/// regular file of that name in a `$PATH` directory (an empty entry is the
/// current directory).
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let candidate = dir.join(name);
        let meta = std::fs::metadata(&candidate).ok()?;
        is_executable(&meta).then_some(candidate)
    })
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The text Go prints for a failed system call.
pub fn go_errno_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => crate::config::io_reason(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn start_problems_in_bufs_words() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(d.join("plain.txt"), "").unwrap();
        std::fs::write(d.join("fake.wasm"), "not wasm").unwrap();
        let start = |name: &str| match find(name, d, &never) {
            Err(Problem::Start(t)) => t,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(
            start("buf-plugin-nowhere-to-be-found"),
            "exec: \"buf-plugin-nowhere-to-be-found\": executable file not found in $PATH"
        );
        assert_eq!(
            start("./nope/p"),
            "fork/exec ./nope/p: no such file or directory"
        );
        #[cfg(unix)]
        assert_eq!(
            start("./plain.txt"),
            "fork/exec ./plain.txt: permission denied"
        );
        assert!(start("nope.wasm").contains("could not find file \"nope.wasm\""));
        assert_eq!(start("fake.wasm"), "invalid magic number");
        assert_eq!(
            find("buf.build/acme/checks:v1", d, &never),
            Err(Problem::Config(
                "remote plugin \"buf.build/acme/checks:v1\" is not in the buf.lock file, use \
                 \"buf plugin update\" to pin remote refs"
                    .into()
            ))
        );
        assert!(find("sh", d, &never).is_ok());
    }
}
