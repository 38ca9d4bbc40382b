//! Slash-separated relative paths as buf's config files and targeting use them: cleaning,
//! the relative/inside-context check, containment, and the pairwise overlap rule.

/// Cleans a `/`-separated path lexically, like Go's `path.Clean`: repeated slashes and `.`
/// components go, `..` eats the component before it, the empty path becomes `.`.
pub fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Why a path from a config file or a flag is not usable as a path inside the context
/// directory. Displays as buf does: `<path as given>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{0}: expected to be relative")]
    NotRelative(String),
    #[error("{0}: is outside the context directory")]
    OutsideContext(String),
}

/// Cleans `path` and checks that it is relative and does not climb out of its context.
pub fn normalize_and_validate(path: &str) -> Result<String, PathError> {
    let normalized = clean(path);
    if normalized.starts_with('/') {
        return Err(PathError::NotRelative(path.to_string()));
    }
    if normalized == ".." || normalized.starts_with("../") {
        return Err(PathError::OutsideContext(path.to_string()));
    }
    Ok(normalized)
}

/// True when `child` lies strictly inside `parent`; both are normalized relative paths.
/// `.` contains every path but itself.
pub fn contains(parent: &str, child: &str) -> bool {
    if parent == child {
        return false;
    }
    if parent == "." {
        return child != ".." && !child.starts_with("../");
    }
    child
        .strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// True when `child` equals `parent` or lies inside it.
pub fn equals_or_contains(parent: &str, child: &str) -> bool {
    parent == child || contains(parent, child)
}

/// `child` relative to `base`, both normalized relative paths; may start with `..`.
pub fn rel(base: &str, child: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        if p == "." {
            Vec::new()
        } else {
            p.split('/').map(str::to_string).collect()
        }
    };
    let base_parts = split(base);
    let child_parts = split(child);
    let common = base_parts
        .iter()
        .zip(child_parts.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<String> = Vec::new();
    for _ in common..base_parts.len() {
        out.push("..".to_string());
    }
    out.extend(child_parts.iter().skip(common).cloned());
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

/// Joins two slash paths and cleans the result.
pub fn join(a: &str, b: &str) -> String {
    if a.is_empty() || a == "." {
        return clean(b);
    }
    clean(&format!("{a}/{b}"))
}

/// The first overlap in a list of normalized paths, checked the way buf does: sorted, then
/// every pair, reporting `duplicate <kind> "x"` or `<kind> "x/y" is within <kind> "x" ...`.
pub fn check_no_overlap(kind: &str, paths: &[String]) -> Result<(), String> {
    let mut sorted: Vec<&String> = paths.iter().collect();
    sorted.sort();
    for (i, first) in sorted.iter().enumerate() {
        for second in sorted.iter().skip(i + 1) {
            if first == second {
                return Err(format!("duplicate {kind} {}", quote(first)));
            }
            if contains(first, second) {
                return Err(format!(
                    "{kind} {} is within {kind} {} which is not allowed",
                    quote(second),
                    quote(first)
                ));
            }
        }
    }
    Ok(())
}

/// Quotes a string the way Go's `%q` does for the strings that occur in paths and names.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quotes a list for messages: one element as `"a"`, several as `["a", "b"]`.
pub fn quote_list(items: &[String]) -> String {
    match items {
        [single] => quote(single),
        _ => {
            let inner: Vec<String> = items.iter().map(|s| quote(s)).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

/// Go's `stringutil.SliceToHumanStringQuoted`: `"a"`, `"a" and "b"`, `"a", "b", and "c"`.
pub fn human_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}
