//! buf.yaml v2 `plugins:` (check plugins) and `policies:` as lint, breaking
//! and the `ls-*-rules` commands meet them. protolith does not run check
//! plugins or policies yet, and a rule set that silently loses a team's own
//! rules is worse than a failure: a workspace naming either fails before
//! anything is checked. Where buf itself fails (a plugin that cannot be
//! started, a policy file that cannot be read), the failure is buf's, in
//! buf's words; where buf would run it, the message says protolith cannot.

use std::path::Path;

use crate::config::{CheckPluginConfig, ModuleRef, PolicyConfig};

/// `Err` with the text after `Failure: ` when the workspace names a check
/// plugin or a policy. `cwd` is where buf resolves their paths from.
pub fn refuse(
    plugins: &[CheckPluginConfig],
    policies: &[PolicyConfig],
    cwd: &Path,
) -> Result<(), String> {
    if let Some(plugin) = plugins.first() {
        let name = plugin.plugin.as_str();
        return Err(format!(
            "plugin \"{name}\" failed: {}",
            plugin_problem(name, cwd)
        ));
    }
    if let Some(policy) = policies.first() {
        let name = policy.policy.as_str();
        if is_remote(name, cwd) {
            return Err(format!(
                "remote policy \"{name}\": protolith cannot run policies yet"
            ));
        }
        if let Err(e) = std::fs::metadata(cwd.join(name)) {
            return Err(format!(
                "could not read local policy config \"{name}\": open {name}: {}",
                go_errno_text(&e)
            ));
        }
        return Err(format!(
            "policy \"{name}\": protolith cannot run policies yet"
        ));
    }
    Ok(())
}

/// Why the plugin does not run: buf's start-up error where buf has one.
fn plugin_problem(name: &str, cwd: &Path) -> String {
    if is_remote(name, cwd) {
        return "protolith cannot run remote check plugins yet".into();
    }
    if name.ends_with(".wasm") {
        if !cwd.join(name).is_file() && find_on_path(name).is_none() {
            return format!(
                "could not read plugin \"{name}\": could not find file \"{name}\" in PATH: \
                 exec: \"{name}\": executable file not found in $PATH"
            );
        }
        return "protolith cannot run Wasm check plugins yet".into();
    }
    if !name.contains('/') {
        if find_on_path(name).is_none() {
            return format!("exec: \"{name}\": executable file not found in $PATH");
        }
    } else {
        match std::fs::metadata(cwd.join(name)) {
            Err(e) => return format!("fork/exec {name}: {}", go_errno_text(&e)),
            Ok(meta) if !is_executable(&meta) => {
                return format!("fork/exec {name}: permission denied");
            }
            Ok(_) => {}
        }
    }
    "protolith cannot run check plugins yet".into()
}

/// buf's rule: a module-style reference that is not a path on disk.
fn is_remote(name: &str, cwd: &Path) -> bool {
    let written_as_path = ["./", "../", "/"].iter().any(|p| name.starts_with(p));
    let module = name.split_once(':').map_or(name, |(m, _)| m);
    !written_as_path && ModuleRef::parse(module).is_ok() && !cwd.join(name).exists()
}

/// Go's `exec.LookPath` for a name without `/`: the first executable
/// regular file of that name in a `$PATH` directory (an empty entry is the
/// current directory).
fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let dir = if dir.as_os_str().is_empty() {
            std::path::PathBuf::from(".")
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
fn go_errno_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => crate::config::io_reason(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(name: &str) -> CheckPluginConfig {
        CheckPluginConfig {
            plugin: name.into(),
            args: Vec::new(),
            options: Default::default(),
        }
    }

    fn policy(name: &str) -> PolicyConfig {
        PolicyConfig {
            policy: name.into(),
            ignore: Vec::new(),
            ignore_only: Default::default(),
        }
    }

    #[test]
    fn nothing_configured_passes() {
        assert_eq!(refuse(&[], &[], Path::new(".")), Ok(()));
    }

    #[test]
    fn every_plugin_or_policy_fails_with_bufs_start_up_errors_where_buf_has_them() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(d.join("plain.txt"), "").unwrap();
        std::fs::write(d.join("pol.yaml"), "version: v2\n").unwrap();
        let run = |p: &[CheckPluginConfig], q: &[PolicyConfig]| refuse(p, q, d).unwrap_err();
        assert_eq!(
            run(&[plugin("buf-plugin-nowhere-to-be-found")], &[]),
            "plugin \"buf-plugin-nowhere-to-be-found\" failed: exec: \
             \"buf-plugin-nowhere-to-be-found\": executable file not found in $PATH"
        );
        assert_eq!(
            run(&[plugin("./nope/p")], &[]),
            "plugin \"./nope/p\" failed: fork/exec ./nope/p: no such file or directory"
        );
        #[cfg(unix)]
        assert_eq!(
            run(&[plugin("./plain.txt")], &[]),
            "plugin \"./plain.txt\" failed: fork/exec ./plain.txt: permission denied"
        );
        assert!(run(&[plugin("nope.wasm")], &[]).contains("could not find file \"nope.wasm\""));
        assert_eq!(
            run(&[plugin("sh")], &[]),
            "plugin \"sh\" failed: protolith cannot run check plugins yet"
        );
        assert_eq!(
            run(&[plugin("buf.build/acme/checks:v1")], &[]),
            "plugin \"buf.build/acme/checks:v1\" failed: protolith cannot run remote check plugins yet"
        );
        assert_eq!(
            run(&[], &[policy("missing.yaml")]),
            "could not read local policy config \"missing.yaml\": open missing.yaml: \
             no such file or directory"
        );
        assert_eq!(
            run(&[], &[policy("pol.yaml")]),
            "policy \"pol.yaml\": protolith cannot run policies yet"
        );
    }
}
