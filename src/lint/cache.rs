//! The re-lint cache: a pre-commit hook lints the same unchanged module again
//! and again, so the printed result is kept (in [`crate::cache::Store`])
//! under a key made of everything that can change it (this binary, the
//! format, each module's configuration and rules, every file's path and
//! bytes). A hit skips compiling entirely; a miss goes on to the incremental
//! re-lint ([`super::incremental`]).
//!
//! A module whose findings can depend on the current time ([`mentions_now_rules`]) (protovalidate's
//! `lt_now`, `gt_now`, `within`) is never cached.

use crate::cache::KeyHasher;
use crate::workspace::Workspace;

/// Feeds what every lint answer for `ws` depends on besides its files: the
/// format, each target module's directory, configuration and rules (one
/// list per target module), and the pinned registry dependencies (buf.lock's
/// bytes stand for them).
pub fn config_key(h: &mut KeyHasher, ws: &Workspace, rules: &[Vec<&str>], format: &str) {
    h.field(format.as_bytes());
    let targets = ws.modules.iter().filter(|m| m.is_target);
    for (m, r) in targets.zip(rules) {
        h.field(format!("{}\0{:?}\0{:?}", m.dir, m.lint, r).as_bytes());
    }
    for (dir, _) in crate::deps::resolve::lock_dirs(ws) {
        h.field(&std::fs::read(dir.join("buf.lock")).unwrap_or_default());
    }
}

/// The key of the whole answer for linting `ws`, whose files have
/// `digests`, with `rules` into `format`.
pub fn key(ws: &Workspace, digests: &[[u8; 32]], rules: &[Vec<&str>], format: &str) -> String {
    let mut h = KeyHasher::new();
    h.field(b"lint result");
    config_key(&mut h, ws, rules, format);
    h.field(&(digests.len() as u64).to_le_bytes());
    for d in digests {
        h.update(d);
    }
    h.finish()
}

/// Whether a file may set a protovalidate rule judged against the current
/// time: `lt_now`, `gt_now`, or `within` used as a field (followed by `:`,
/// `=` or `{`, and not after `//` on its line: not the English word in a
/// comment).
pub fn mentions_now_rules(bytes: &[u8]) -> bool {
    use memchr::memmem;
    if memmem::find(bytes, b"lt_now").is_some() || memmem::find(bytes, b"gt_now").is_some() {
        return true;
    }
    memmem::find_iter(bytes, b"within").any(|at| {
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let in_comment = memmem::find(&bytes[line_start..at], b"//").is_some();
        !in_comment
            && bytes[at + b"within".len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| matches!(b, b':' | b'=' | b'{'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_judged_against_now_are_noticed_and_prose_is_not() {
        for yes in [
            &b"(buf.validate.field).timestamp.lt_now = true"[..],
            b"timestamp: {gt_now: true}",
            b"timestamp: {within: {seconds: 60}}",
            b"(buf.validate.field).timestamp.within = {seconds: 1}",
            b"timestamp { within { seconds: 1 } }",
        ] {
            assert!(mentions_now_rules(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"// Must arrive within the hour."[..],
            b"  // Unique within {container, profile}.",
            b"message Within { int32 within_range = 1; }",
            b"within",
        ] {
            assert!(!mentions_now_rules(no), "{}", String::from_utf8_lossy(no));
        }
    }
}
