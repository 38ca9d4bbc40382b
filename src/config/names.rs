//! Module names (`registry/owner/name`) and dependency references (`...[:ref]`).

use std::fmt;

use super::path::quote;

/// A module full name, e.g. `buf.build/acme/weather`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleFullName {
    pub registry: String,
    pub owner: String,
    pub name: String,
}

impl fmt::Display for ModuleFullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.registry, self.owner, self.name)
    }
}

impl ModuleFullName {
    /// Parses a full name with buf's messages (`could not parse full name "x": ...`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let fail = |why: &str| format!("could not parse full name {}: {why}", quote(text));
        let parts: Vec<&str> = text.split('/').collect();
        let [registry, owner, name] = parts.as_slice() else {
            return Err(fail("must be in the form registry/owner/name"));
        };
        if registry.is_empty() || owner.is_empty() || name.is_empty() {
            return Err(fail("must be in the form registry/owner/name"));
        }
        validate_registry(registry).map_err(|why| fail(&why))?;
        Ok(Self {
            registry: (*registry).to_string(),
            owner: (*owner).to_string(),
            name: (*name).to_string(),
        })
    }
}

fn validate_registry(registry: &str) -> Result<(), String> {
    let host = match registry.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => registry,
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "registry {} is not a valid hostname: must either be a valid IP address or domain name: invalid domain name {}, included invalid character '{bad}', must only contain letters, digits, periods (.), hyphens (-), or underscores (_)",
            quote(registry),
            quote(host)
        ));
    }
    if host.is_empty() {
        return Err(format!(
            "registry {} is not a valid hostname",
            quote(registry)
        ));
    }
    Ok(())
}

/// A dependency reference: a full name and an optional label, commit or tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleRef {
    pub full_name: ModuleFullName,
    pub reference: Option<String>,
}

impl fmt::Display for ModuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reference {
            Some(reference) => write!(f, "{}:{reference}", self.full_name),
            None => write!(f, "{}", self.full_name),
        }
    }
}

impl ModuleRef {
    /// Parses `registry/owner/name[:ref]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let fail = || {
            format!(
                "could not parse reference {}: must be in the form registry/owner/name[:ref]",
                quote(text)
            )
        };
        let (name_part, reference) = match text.split_once(':') {
            // A registry port (`host:8080/owner/name`) is not a ref separator.
            Some((head, tail)) if !head.contains('/') => match tail.split_once(':') {
                Some((port_rest, reference)) => (
                    &text[..head.len() + 1 + port_rest.len()],
                    Some(reference.to_string()),
                ),
                None => (text, None),
            },
            Some((head, tail)) => {
                if tail.contains(':') {
                    return Err(fail());
                }
                (head, Some(tail.to_string()))
            }
            None => (text, None),
        };
        if reference.as_deref() == Some("") {
            return Err(fail());
        }
        let full_name = ModuleFullName::parse(name_part).map_err(|_| fail())?;
        Ok(Self {
            full_name,
            reference,
        })
    }
}

/// buf's `duplicate full names in input: "a", "a"` check.
pub(crate) fn check_duplicate_names<'a>(
    names: impl Iterator<Item = &'a ModuleFullName>,
) -> Result<(), String> {
    let mut all: Vec<String> = names.map(ToString::to_string).collect();
    all.sort();
    let duplicates: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, name)| {
            (*i > 0 && all.get(i - 1) == Some(name)) || all.get(i + 1) == Some(name)
        })
        .map(|(_, name)| quote(name))
        .collect();
    if duplicates.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "duplicate full names in input: {}",
            duplicates.join(", ")
        ))
    }
}
