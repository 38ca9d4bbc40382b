//! The netrc file (`$NETRC`, else `~/.netrc`): registry tokens and https
//! archive credentials are read from it, `registry login` writes it and
//! `registry logout` removes entries from it.

use std::path::PathBuf;

/// One `machine` (or, with `machine: None`, the `default`) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
}

/// Where the netrc file is: `$NETRC`, else `$HOME/.netrc`.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("NETRC")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".netrc")))
}

/// Parses netrc tokens (`machine NAME login USER password PASS`, `default`);
/// other tokens (`account`, `macdef`) are skipped.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut tokens = text.split_whitespace();
    while let Some(t) = tokens.next() {
        match t {
            "machine" => entries.push(Entry {
                machine: Some(tokens.next().unwrap_or("").to_string()),
                login: None,
                password: None,
            }),
            "default" => entries.push(Entry {
                machine: None,
                login: None,
                password: None,
            }),
            "login" | "password" => {
                let value = tokens.next().map(str::to_string);
                if let Some(e) = entries.last_mut() {
                    if t == "login" {
                        e.login = value;
                    } else {
                        e.password = value;
                    }
                }
            }
            _ => {}
        }
    }
    entries
}

/// The login and password for `host` (a machine entry, else `default`); an
/// entry needs both to count.
pub fn entry(text: &str, host: &str) -> Option<(String, String)> {
    let entries = parse(text);
    let complete = |e: &Entry| Some((e.login.clone()?, e.password.clone()?));
    entries
        .iter()
        .filter(|e| e.machine.as_deref() == Some(host))
        .find_map(complete)
        .or_else(|| {
            entries
                .iter()
                .filter(|e| e.machine.is_none())
                .find_map(complete)
        })
}

/// The login for `host` in the netrc file.
pub fn login(host: &str) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path()?).ok()?;
    entry(&text, host)
}

/// Renders entries as buf writes them: `machine H\n  login U\n  password P\n`.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        match &e.machine {
            Some(m) => out.push_str(&format!("machine {m}\n")),
            None => out.push_str("default\n"),
        }
        if let Some(l) = &e.login {
            out.push_str(&format!("  login {l}\n"));
        }
        if let Some(p) = &e.password {
            out.push_str(&format!("  password {p}\n"));
        }
    }
    out
}

/// Writes `text` to the netrc file atomically, with mode 0600 (it holds
/// tokens); the directory is created if missing.
pub fn write(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    crate::atomic::write(path, text.as_bytes(), Some(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_picks_the_machine_then_the_default() {
        let text = "machine other.example login a password b\n\
                    machine files.example:8443 login u password p\n\
                    default login d password q\n";
        assert_eq!(
            entry(text, "files.example:8443"),
            Some(("u".into(), "p".into()))
        );
        assert_eq!(entry(text, "nowhere"), Some(("d".into(), "q".into())));
        assert_eq!(entry("machine x login l", "x"), None);
    }

    #[test]
    fn render_is_bufs_layout_and_parses_back() {
        let entries = vec![Entry {
            machine: Some("127.0.0.1:8765".into()),
            login: Some("alice".into()),
            password: Some("tok".into()),
        }];
        let text = render(&entries);
        assert_eq!(
            text,
            "machine 127.0.0.1:8765\n  login alice\n  password tok\n"
        );
        assert_eq!(parse(&text), entries);
    }
}
