//! `dep update` and `dep prune`: resolving buf.yaml deps to commits and
//! their dependency graphs (GetCommits, then GetGraph), into the buf.lock
//! entries buf would write.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use super::cache::ModuleKey;
use super::digest::DigestKind;
use super::lock::{BufLock, LockDep, LockVersion};
use super::remote::Remote;
use super::resolve::{ResolveError, check_one_registry, lock_dirs};
use crate::config::{ConfigVersion, ModuleRef};
use crate::workspace::{Workspace, WorkspaceKind};

/// One buf.lock that `dep update` rewrites, and the deps that decide it.
#[derive(Debug, Clone)]
pub struct LockPlan {
    pub dir: PathBuf,
    pub version: ConfigVersion,
    /// The buf.yaml deps behind this lock.
    pub declared: Vec<ModuleRef>,
    /// The lock as it is now, if any.
    pub old: Option<BufLock>,
    /// Its bytes, to restore when the update fails.
    pub old_bytes: Option<Vec<u8>>,
}

/// The locks of a workspace: the root's for v2, each module's for v1.
pub fn plans(ws: &Workspace) -> Result<Vec<LockPlan>, ResolveError> {
    let mut out = Vec::new();
    for (dir, version) in lock_dirs(ws) {
        let declared = match ws.kind {
            WorkspaceKind::V2 => ws.deps.clone(),
            _ => ws
                .modules
                .iter()
                .find(|m| ws.root.join(&m.dir) == dir)
                .map(|m| m.deps.clone())
                .unwrap_or_default(),
        };
        let old = super::lock::read(&dir, version)?;
        let old_bytes = std::fs::read(dir.join("buf.lock")).ok();
        out.push(LockPlan {
            dir,
            version,
            declared,
            old,
            old_bytes,
        });
    }
    Ok(out)
}

fn lock_version(version: ConfigVersion) -> LockVersion {
    match version {
        ConfigVersion::V1Beta1 => LockVersion::V1Beta1,
        ConfigVersion::V1 => LockVersion::V1,
        ConfigVersion::V2 => LockVersion::V2,
    }
}

fn digest_kind(version: ConfigVersion) -> DigestKind {
    if version == ConfigVersion::V2 {
        DigestKind::B5
    } else {
        DigestKind::B4
    }
}

/// What buf.lock `plan` should hold now: every declared ref resolved to a
/// commit (an empty ref means the default label), and everything their
/// graph reaches. Check plugins and policies are carried over.
pub fn resolve(remote: &mut Remote, plan: &LockPlan) -> Result<BufLock, ResolveError> {
    let (plugins, policies) = match &plan.old {
        Some(old) => (old.plugins.clone(), old.policies.clone()),
        None => (Vec::new(), Vec::new()),
    };
    let mut lock = BufLock {
        version: lock_version(plan.version),
        deps: Vec::new(),
        plugins,
        policies,
    };
    if plan.declared.is_empty() {
        return Ok(lock);
    }
    let keys = resolve_refs(remote, &plan.declared, digest_kind(plan.version))?;
    lock.deps = keys
        .into_iter()
        .map(|k| LockDep {
            name: k.name,
            commit: k.commit,
            digest: Some(k.digest),
        })
        .collect();
    Ok(lock)
}

/// Refs to the keys of their whole graph, sorted by name; a module that
/// appears with two commits is an error, as in buf.
pub fn resolve_refs(
    remote: &mut Remote,
    refs: &[ModuleRef],
    kind: DigestKind,
) -> Result<Vec<ModuleKey>, ResolveError> {
    let mut refs = refs.to_vec();
    refs.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    check_one_registry(refs.iter().map(|r| r.full_name.registry.as_str()))?;
    let Some(registry) = refs.first().map(|r| r.full_name.registry.clone()) else {
        return Ok(Vec::new());
    };
    let commits = remote.commits(&registry, &refs, kind, true)?;
    let roots: Vec<ModuleKey> = commits.into_iter().map(|c| c.key).collect();
    let graph = remote.graph(&registry, &roots)?;
    let mut seen = HashSet::new();
    let mut keys = Vec::with_capacity(graph.nodes.len());
    for node in graph.nodes {
        if !seen.insert(node.key.name.clone()) {
            return Err(ResolveError::Failure(format!(
                "duplicate module \"{}\" attempted to be added to lock file",
                node.key.name
            )));
        }
        keys.push(node.key);
    }
    keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(keys)
}

/// Declared deps whose modules no file of the workspace imports,
/// transitively (`used` holds the module names the image reached).
pub fn unused_declared(declared: &[ModuleRef], used: &HashSet<String>) -> Vec<String> {
    let names: BTreeSet<String> = declared
        .iter()
        .map(|d| d.full_name.to_string())
        .filter(|n| !used.contains(n))
        .collect();
    names.into_iter().collect()
}

/// Puts back what a lock held before a failed update; no lock before means
/// none after (buf leaves an empty lock that breaks the next build).
pub fn restore(plan: &LockPlan) {
    let path = plan.dir.join("buf.lock");
    match &plan.old_bytes {
        Some(bytes) => {
            let _ = crate::atomic::write(&path, bytes, Some(0o600));
        }
        None => {
            let _ = std::fs::remove_file(path);
        }
    }
}
