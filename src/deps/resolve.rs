//! From a workspace's buf.yaml deps and buf.lock to the contents of every
//! remote module it may import: buf's checks on the lock, then each module
//! from the shared cache (digest-verified) or, on a miss, from its registry
//! (verified before it is cached).

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use super::cache::{CacheError, ModuleCache, ModuleData, ModuleKey};
use super::lock::{self, LockDep};
use super::remote::{Remote, RemoteError};
use crate::config::ConfigVersion;
use crate::workspace::{Workspace, WorkspaceKind};

/// A remote module's contents, ready for the compiler.
#[derive(Debug, Clone)]
pub struct DepModule {
    pub key: ModuleKey,
    /// Where its files are in the cache.
    pub dir: PathBuf,
    /// Module files (`.proto`, LICENSE, doc), sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// Its full transitive dependency keys, as stored with it.
    pub deps: Vec<ModuleKey>,
    /// Read from the cache and not yet checked: what the check needs
    /// besides the files (see [`DepModule::verify`]).
    check: Option<Check>,
}

/// What a deferred digest check of cached content needs beyond its files.
#[derive(Debug, Clone)]
struct Check {
    v1_buf_yaml: Option<(String, Vec<u8>)>,
    v1_buf_lock: Option<Vec<u8>>,
}

impl DepModule {
    /// The digest check of content read with verification deferred; a
    /// no-op for content already checked.
    pub fn verify(&self) -> Result<(), ResolveError> {
        let Some(check) = &self.check else {
            return Ok(());
        };
        let actual = match self.key.digest.kind {
            super::digest::DigestKind::B5 => {
                let deps: Vec<_> = self.deps.iter().map(|d| d.digest.clone()).collect();
                super::digest::b5(&self.files, &deps)
            }
            super::digest::DigestKind::B4 => super::digest::b4(
                &self.files,
                check
                    .v1_buf_yaml
                    .as_ref()
                    .map(|(n, d)| (n.as_str(), d.as_slice())),
                check.v1_buf_lock.as_deref(),
            ),
        };
        if actual != self.key.digest {
            return Err(CacheError::DigestMismatch {
                module: self.key.to_string(),
                expected: self.key.digest.clone(),
                actual,
            }
            .into());
        }
        Ok(())
    }
}

/// Checks every module read with verification deferred, in parallel.
pub fn verify_all(modules: &[DepModule]) -> Result<(), ResolveError> {
    modules.par_iter().try_for_each(DepModule::verify)
}

/// Why dependencies could not be resolved. The text is buf's.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}")]
    Lock(#[from] lock::LockError),
    #[error("{0}")]
    Failure(String),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{0}")]
    Cache(#[from] CacheError),
}

/// Where the buf.lock of each part of the workspace lives, with the buf.yaml
/// version it must agree with: the root for v2, each module's directory for
/// v1 modules.
pub fn lock_dirs(ws: &Workspace) -> Vec<(PathBuf, ConfigVersion)> {
    match ws.kind {
        WorkspaceKind::V2 => vec![(ws.root.clone(), ConfigVersion::V2)],
        WorkspaceKind::BufWork | WorkspaceKind::V1Modules => {
            let mut seen = HashSet::new();
            ws.modules
                .iter()
                .filter(|m| seen.insert(m.dir.clone()))
                .map(|m| (ws.root.join(&m.dir), m.config_version))
                .collect()
        }
    }
}

/// The workspace's buf.lock entries (all locks merged, first entry of a name
/// wins), or `None` when there is no buf.lock at all.
pub fn workspace_lock(ws: &Workspace) -> Result<Option<Vec<LockDep>>, ResolveError> {
    let mut found = false;
    let mut deps: Vec<LockDep> = Vec::new();
    let mut names = HashSet::new();
    for (dir, version) in lock_dirs(ws) {
        if let Some(l) = lock::read(&dir, version)? {
            found = true;
            for d in l.deps {
                if names.insert(d.name.clone()) {
                    deps.push(d);
                }
            }
        }
    }
    Ok(found.then_some(deps))
}

/// Names of the workspace's own modules: they satisfy deps by name.
pub fn local_names(ws: &Workspace) -> HashSet<String> {
    ws.modules.iter().filter_map(|m| m.name.clone()).collect()
}

/// buf 1.70's check: every buf.yaml dep is in buf.lock or is a local module.
pub fn check_declared(ws: &Workspace, locked: &[LockDep]) -> Result<(), ResolveError> {
    let local = local_names(ws);
    let present: HashSet<String> = locked.iter().map(|d| d.name.to_string()).collect();
    let missing: BTreeSet<String> = ws
        .deps
        .iter()
        .map(|d| d.full_name.to_string())
        .filter(|n| !present.contains(n) && !local.contains(n))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let missing: Vec<String> = missing.into_iter().collect();
    Err(ResolveError::Failure(format!(
        "{} declared in buf.yaml deps but not present in buf.lock; run \"buf dep update\" to update the lock file",
        crate::config::path::human_list(&missing)
    )))
}

/// buf refuses deps on more than one registry.
pub fn check_one_registry<'a>(
    registries: impl IntoIterator<Item = &'a str>,
) -> Result<(), ResolveError> {
    let set: BTreeSet<&str> = registries.into_iter().collect();
    if set.len() > 1 {
        return Err(ResolveError::Failure(format!(
            "dependencies across multiple registries are not allowed: {}",
            set.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// The cache every command shares with buf.
pub fn open_cache() -> Result<ModuleCache, ResolveError> {
    let root = super::cache::cache_root().ok_or_else(|| {
        ResolveError::Failure(
            "could not find a cache directory: set $BUF_CACHE_DIR, $XDG_CACHE_HOME or $HOME".into(),
        )
    })?;
    Ok(ModuleCache::new(root))
}

/// Every remote module the workspace's buf.lock names (local modules
/// excepted), from the cache or its registry. No buf.lock: no deps, as buf.
pub fn load(ws: &Workspace) -> Result<Vec<DepModule>, ResolveError> {
    let modules = load_deferred(ws)?;
    verify_all(&modules)?;
    Ok(modules)
}

/// [`load`], leaving the digest check of cached content to the caller
/// ([`verify_all`]), who must make it before trusting what it builds.
pub fn load_deferred(ws: &Workspace) -> Result<Vec<DepModule>, ResolveError> {
    if let Some(keys) = &ws.pinned_deps {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        return load_keys_deferred(&open_cache()?, &mut Remote::new(), keys.clone());
    }
    let Some(locked) = workspace_lock(ws)? else {
        return Ok(Vec::new());
    };
    check_declared(ws, &locked)?;
    let local = local_names(ws);
    let locked: Vec<LockDep> = locked
        .into_iter()
        .filter(|d| !local.contains(&d.name.to_string()))
        .collect();
    check_one_registry(locked.iter().map(|d| d.name.registry.as_str()))?;
    // v1 locks may lack a digest (or hold a retired b1-/b3- one): buf asks
    // the registry for the commit's b4 digest.
    let mut remote = Remote::new();
    let mut keys = Vec::with_capacity(locked.len());
    for d in locked {
        let digest = match d.digest {
            Some(digest) => digest,
            None => remote.commit_b4(&d.name.registry, &d.commit)?,
        };
        keys.push(ModuleKey {
            name: d.name,
            commit: d.commit,
            digest,
        });
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let cache = open_cache()?;
    load_keys_deferred(&cache, &mut remote, keys)
}

/// `keys` from the cache, fetching misses in full-name order. Cached
/// content is not checked here (the caller runs [`verify_all`]); fetched
/// content is always checked before it is stored.
fn load_keys_deferred(
    cache: &ModuleCache,
    remote: &mut Remote,
    mut keys: Vec<ModuleKey>,
) -> Result<Vec<DepModule>, ResolveError> {
    keys.sort_by(|a, b| a.name.cmp(&b.name));
    let cached: Vec<Result<Option<super::cache::Unverified>, CacheError>> =
        keys.par_iter().map(|k| cache.get_unverified(k)).collect();
    let mut out = Vec::with_capacity(keys.len());
    for (key, hit) in keys.into_iter().zip(cached) {
        let (data, check) = match hit {
            Ok(Some(entry)) => {
                let (data, yaml_name) = entry.into_parts();
                let check = Check {
                    v1_buf_yaml: data.v1_buf_yaml.clone().map(|d| (yaml_name, d)),
                    v1_buf_lock: data.v1_buf_lock.clone(),
                };
                (data, Some(check))
            }
            Ok(None) | Err(CacheError::LockTimeout { .. }) => (fetch(cache, remote, &key)?, None),
            Err(e) => return Err(e.into()),
        };
        out.push(DepModule {
            dir: cache.files_dir(&key)?,
            key,
            files: data.files,
            deps: data.deps,
            check,
        });
    }
    Ok(out)
}

/// Downloads one module (GetGraph for its dependency keys, Download,
/// GetModules), verifies it and stores it in the cache.
pub fn fetch(
    cache: &ModuleCache,
    remote: &mut Remote,
    key: &ModuleKey,
) -> Result<ModuleData, ResolveError> {
    // buf names the module in front of every failure here, except the
    // errors whose wording stands alone (auth, unavailable, unimplemented).
    let wrap = |e: String| {
        ResolveError::Failure(format!(
            "could not get module data for remote module \"{}\": {e}",
            key.name
        ))
    };
    let wrap_remote = |e: RemoteError| match e {
        RemoteError::Client(c) if c.stands_alone() => ResolveError::Remote(RemoteError::Client(c)),
        other => wrap(other.to_string()),
    };
    let mut clock = crate::timing::PhaseClock::new();
    let graph = remote
        .graph(&key.name.registry, std::slice::from_ref(key))
        .map_err(wrap_remote)?;
    let deps = graph.reachable(&key.commit);
    let module_id = graph
        .node(&key.commit)
        .map(|n| n.module_id.clone())
        .unwrap_or_default();
    let data = remote
        .download(key, &module_id, deps)
        .map_err(wrap_remote)?;
    clock.mark("fetch: graph and download");
    cache.put(key, &data).map_err(|e| wrap(e.to_string()))?;
    clock.mark("fetch: verify and store");
    Ok(data)
}

/// A registry module named on the command line, resolved as buf resolves
/// it: GetCommits for the ref, GetGraph for its dependencies, then each
/// module not cached (dependencies first) fetched.
pub struct ModuleInput {
    pub key: ModuleKey,
    /// The module's files in the cache, which a valid entry never changes.
    pub dir: PathBuf,
    pub files: Vec<(String, Vec<u8>)>,
    pub deps: Vec<ModuleKey>,
}

pub fn fetch_module_ref(
    name: &crate::config::ModuleFullName,
    reference: Option<&str>,
) -> Result<ModuleInput, ResolveError> {
    let mut remote = Remote::new();
    let module_ref = crate::config::ModuleRef {
        full_name: name.clone(),
        reference: reference.map(str::to_string),
    };
    let commits = remote.commits(
        &name.registry,
        std::slice::from_ref(&module_ref),
        super::digest::DigestKind::B5,
        true,
    )?;
    let Some(root) = commits.into_iter().next().map(|c| c.key) else {
        return Err(ResolveError::Failure(format!("no commit found for {name}")));
    };
    let graph = remote.graph(&name.registry, std::slice::from_ref(&root))?;
    let deps = graph.reachable(&root.commit);
    let cache = open_cache()?;
    // Fetch what is missing, dependencies first, as buf does; their digests
    // are checked when the module is built (`load_deferred` + `verify_all`).
    load_keys_deferred(&cache, &mut remote, deps.clone())?;
    let data = match cache.get(&root) {
        Ok(Some(data)) => data,
        Ok(None) | Err(CacheError::LockTimeout { .. }) => fetch(&cache, &mut remote, &root)?,
        Err(e) => return Err(e.into()),
    };
    Ok(ModuleInput {
        dir: cache.files_dir(&root)?,
        key: root,
        files: data.files,
        deps,
    })
}

/// buf's `--against-registry` probe: GetCommits for the module with no ref
/// at all. `Ok(false)` when the module has no commit on its default label
/// (`failed_precondition`).
pub fn probe_default_label(name: &crate::config::ModuleFullName) -> Result<bool, ResolveError> {
    let mut remote = Remote::new();
    let module_ref = crate::config::ModuleRef {
        full_name: name.clone(),
        reference: None,
    };
    match remote.commits(
        &name.registry,
        std::slice::from_ref(&module_ref),
        super::digest::DigestKind::B5,
        false,
    ) {
        Ok(_) => Ok(true),
        Err(RemoteError::Client(e))
            if e.code() == Some(crate::registry::client::Code::FailedPrecondition) =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The b5 digest of a module pinned by a b4 key (v1 buf.lock): from the
/// commit record buf keeps in the cache, else asked of the registry and
/// recorded there, as buf does for `dep graph` in v1 workspaces.
pub fn b5_digest(
    cache: &ModuleCache,
    remote: &mut Remote,
    key: &ModuleKey,
) -> Result<super::digest::Digest, ResolveError> {
    if key.digest.kind == super::digest::DigestKind::B5 {
        return Ok(key.digest.clone());
    }
    let registry = &key.name.registry;
    if let Ok(Some(record)) = cache.get_commit(registry, &key.commit) {
        return Ok(record.digest);
    }
    let (digest, name, create_time) = remote.commit_b5(registry, &key.commit)?;
    let time = create_time.map_or(std::time::UNIX_EPOCH, |t| {
        let secs = u64::try_from(t.seconds).unwrap_or(0);
        let nanos = u32::try_from(t.nanos).unwrap_or(0);
        std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos)
    });
    let record = super::cache::CommitRecord {
        owner: name.owner,
        module: name.name,
        create_time: crate::report::rfc3339_nano(time),
        digest: digest.clone(),
    };
    // The record only saves a later call; failing to store it is harmless.
    let _ = cache.put_commit(registry, &key.commit, &record);
    Ok(digest)
}
