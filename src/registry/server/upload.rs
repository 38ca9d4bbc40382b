//! `UploadService/Upload`: one commit per content, in request order.
//!
//! A content's deps are what buf's local `ModuleDeps` finds: the modules that
//! provide its imports, then the modules that provide the imports of *all*
//! `.proto` files of each module reached, transitively, over the uploaded
//! contents plus `dep_commit_ids` and their stored deps. The commit stores
//! that full set and its b5 is computed from it. A b4 digest is computed too,
//! over a synthesized v1 `buf.yaml` (name, and direct deps as `deps:`) and
//! v1 `buf.lock` (every dep with its commit and b4 digest), which are stored
//! for v1beta1 Download. Content whose b5 equals an existing commit of the
//! module returns that commit; labels move either way.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::connect::RpcError;
use super::handlers::storage_error;
use super::ids;
use super::store::{CommitRec, DepRef, FileRef, ModuleRec, Store, Time};
use crate::deps::digest::{self, Digest, DigestKind};
use crate::registry::proto::v1;

/// One content, checked.
struct Pending {
    module: ModuleRec,
    /// `owner/name`.
    name: String,
    /// Module files only, sorted by path.
    files: Vec<(String, Vec<u8>)>,
    labels: Vec<String>,
    source_control_url: String,
}

/// Where a module's files come from during one upload.
#[derive(Debug, Clone)]
enum Source {
    Upload(usize),
    Stored(String),
}

/// Uploads; returns the commits in content order.
pub fn upload(
    store: &mut Store,
    host: &str,
    user_id: &str,
    req: v1::UploadRequest,
    forced_id: &mut Option<String>,
) -> Result<Vec<CommitRec>, RpcError> {
    let pending = check_contents(store, req.contents)?;
    let mut dep_commits = Vec::new();
    for id in &req.dep_commit_ids {
        let commit = ids::normalize(id)
            .and_then(|n| store.commit(&n))
            .ok_or_else(|| RpcError::not_found(format!("commit \"{id}\" not found")))?;
        dep_commits.push(commit.clone());
    }

    let sources = module_sources(store, &pending, &dep_commits);
    let mut walker = Walker::new(store, &pending, &sources)?;
    let mut deps: Vec<(BTreeSet<String>, BTreeSet<String>)> = Vec::new();
    for i in 0..pending.len() {
        deps.push(walker.deps_of(i)?);
    }

    // Dependency order: a content after the contents it depends on. Deps are
    // transitively closed, so a content has more uploaded deps than any of
    // its uploaded deps, unless two depend on each other.
    let uploaded_deps = |i: usize| {
        pending
            .iter()
            .filter(|p| deps[i].1.contains(&p.module.id))
            .count()
    };
    for (i, a) in pending.iter().enumerate() {
        for (j, b) in pending.iter().enumerate().skip(i + 1) {
            if deps[i].1.contains(&b.module.id) && deps[j].1.contains(&a.module.id) {
                return Err(RpcError::invalid(format!(
                    "modules \"{}\" and \"{}\" import each other's files; a dependency cycle between modules cannot be uploaded",
                    a.name, b.name
                )));
            }
        }
    }
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by_key(|&i| uploaded_deps(i));

    let mut results: Vec<Option<CommitRec>> = vec![None; pending.len()];
    for i in order {
        let p = &pending[i];
        let (direct, all) = &deps[i];
        let dep_commit = |module_id: &String| -> Result<CommitRec, RpcError> {
            let found = match sources.get(module_id) {
                Some(Source::Upload(j)) => results.get(*j).cloned().flatten(),
                Some(Source::Stored(id)) => store.commit(id).cloned(),
                None => None,
            };
            found.ok_or_else(|| RpcError::internal("a dependency was resolved out of order"))
        };
        let dep_list: Vec<(CommitRec, bool)> = all
            .iter()
            .map(|m| dep_commit(m).map(|c| (c, direct.contains(m))))
            .collect::<Result<_, _>>()?;
        let dep_digests: Vec<Digest> = dep_list
            .iter()
            .map(|(c, _)| Digest {
                kind: DigestKind::B5,
                value: super::unhex(&c.b5).unwrap_or_default(),
            })
            .collect();
        let b5 = super::hex(&digest::b5(&p.files, &dep_digests).value);
        if let Some(existing) = store
            .commits_of(&p.module.id)
            .filter(|c| c.b5 == b5)
            .max_by_key(|c| c.age())
        {
            results[i] = Some(existing.clone());
            continue;
        }
        let named: Vec<(String, &CommitRec, bool)> = dep_list
            .iter()
            .map(|(c, is_direct)| (commit_module_name(store, c), c, *is_direct))
            .collect();
        let yaml = v1_buf_yaml(host, &p.name, &named);
        let lock = v1_buf_lock(host, &named);
        let b4 = digest::b4(
            &p.files,
            Some(("buf.yaml", yaml.as_bytes())),
            Some(lock.as_bytes()),
        );
        let mut contents: Vec<&[u8]> = p.files.iter().map(|(_, c)| c.as_slice()).collect();
        contents.push(yaml.as_bytes());
        contents.push(lock.as_bytes());
        let mut blobs = store.put_blobs(&contents).map_err(storage_error)?;
        let v1_buf_lock = blobs.pop().unwrap_or_default();
        let v1_buf_yaml = blobs.pop().unwrap_or_default();
        let files: Vec<FileRef> = p
            .files
            .iter()
            .zip(blobs)
            .map(|((path, _), blob)| FileRef {
                path: path.clone(),
                blob,
            })
            .collect();
        let id = match forced_id.take() {
            Some(id) if !store.id_taken(&id) => id,
            _ => store.new_id(),
        };
        let commit = CommitRec {
            id,
            module_id: p.module.id.clone(),
            owner_id: p.module.owner_id.clone(),
            create_time: Time::now(),
            seq: 0,
            b5,
            b4: super::hex(&b4.value),
            created_by_user_id: user_id.to_string(),
            source_control_url: p.source_control_url.clone(),
            files,
            deps: dep_list
                .iter()
                .map(|(c, direct)| DepRef {
                    commit: c.id.clone(),
                    direct: *direct,
                })
                .collect(),
            v1_buf_yaml,
            v1_buf_lock,
        };
        results[i] = Some(store.add_commit(commit).map_err(storage_error)?);
    }

    // Labels move only once every commit record is durable.
    let mut out = Vec::new();
    for (p, commit) in pending.iter().zip(results) {
        let commit = commit.ok_or_else(|| RpcError::internal("a content produced no commit"))?;
        store
            .set_labels(&p.module.id, &p.labels, &commit.id)
            .map_err(storage_error)?;
        out.push(commit);
    }
    Ok(out)
}

fn commit_module_name(store: &Store, c: &CommitRec) -> String {
    store
        .module(&c.module_id)
        .map(|m| store.module_name(m))
        .unwrap_or_default()
}

/// Resolves module refs, filters files to module files, checks paths and
/// collects labels (the module's default label when none is given).
fn check_contents(
    store: &Store,
    contents: Vec<v1::UploadContent>,
) -> Result<Vec<Pending>, RpcError> {
    if contents.is_empty() {
        return Err(RpcError::invalid("an upload needs at least one content"));
    }
    let mut pending: Vec<Pending> = Vec::new();
    for content in contents {
        let module = match content.module_ref.and_then(|r| r.value) {
            Some(v1::module_ref::Value::Id(id)) => store
                .module(&id)
                .ok_or_else(|| RpcError::not_found(format!("module with id \"{id}\" not found")))?,
            Some(v1::module_ref::Value::Name(n)) => {
                store.module_named(&n.owner, &n.module).ok_or_else(|| {
                    RpcError::not_found(format!("module \"{}/{}\" not found", n.owner, n.module))
                })?
            }
            None => return Err(RpcError::invalid("each content needs a module_ref")),
        };
        let name = store.module_name(module);
        if pending.iter().any(|p| p.module.id == module.id) {
            return Err(RpcError::invalid(format!(
                "module \"{name}\" appears more than once in one upload"
            )));
        }
        let mut seen = HashSet::new();
        let mut files = Vec::new();
        for f in content.files {
            check_path(&f.path).map_err(|why| {
                RpcError::invalid(format!("module \"{name}\": file path \"{}\" {why}", f.path))
            })?;
            if !seen.insert(f.path.clone()) {
                return Err(RpcError::invalid(format!(
                    "module \"{name}\": file \"{}\" appears twice",
                    f.path
                )));
            }
            files.push((f.path, f.content));
        }
        let mut files = digest::module_files(files);
        files.sort();
        let mut labels = Vec::new();
        for r in content.scoped_label_refs {
            match r.value {
                Some(v1::scoped_label_ref::Value::Name(l)) if !l.is_empty() => labels.push(l),
                Some(v1::scoped_label_ref::Value::Id(_)) => {
                    return Err(RpcError::invalid(
                        "this registry references labels by name, not by id",
                    ));
                }
                _ => return Err(RpcError::invalid("a label reference needs a name")),
            }
        }
        labels.sort();
        labels.dedup();
        if labels.is_empty() {
            labels.push(module.default_label.clone());
        }
        pending.push(Pending {
            module: module.clone(),
            name,
            files,
            labels,
            source_control_url: content.source_control_url,
        });
    }
    Ok(pending)
}

/// A relative `/`-separated path without `.`/`..` or empty components.
fn check_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() || path.starts_with('/') || path.contains('\\') {
        return Err("must be a relative path with '/' separators");
    }
    if path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err("must be normalized (no empty, '.' or '..' components)");
    }
    Ok(())
}

/// Which commit (or uploaded content) provides each module the upload can
/// see: the contents first, then `dep_commit_ids`, then the newest commit
/// of each other module those commits depend on.
fn module_sources(
    store: &Store,
    pending: &[Pending],
    dep_commits: &[CommitRec],
) -> HashMap<String, Source> {
    let mut sources: HashMap<String, Source> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        sources.insert(p.module.id.clone(), Source::Upload(i));
    }
    for c in dep_commits {
        sources
            .entry(c.module_id.clone())
            .or_insert_with(|| Source::Stored(c.id.clone()));
    }
    let mut newest: HashMap<String, &CommitRec> = HashMap::new();
    for c in dep_commits {
        for d in c.deps.iter().filter_map(|d| store.commit(&d.commit)) {
            if sources.contains_key(&d.module_id) {
                continue;
            }
            let slot = newest.entry(d.module_id.clone()).or_insert(d);
            if d.age() > slot.age() {
                *slot = d;
            }
        }
    }
    for (module, c) in newest {
        sources.insert(module, Source::Stored(c.id.clone()));
    }
    sources
}

/// Walks imports over the modules an upload can see.
struct Walker<'a> {
    store: &'a Store,
    pending: &'a [Pending],
    /// `.proto` path to the module that provides it.
    providers: HashMap<String, String>,
    sources: &'a HashMap<String, Source>,
    /// Module id to the imports of all its `.proto` files: (file, import).
    imports: HashMap<String, Vec<(String, String)>>,
}

impl<'a> Walker<'a> {
    fn new(
        store: &'a Store,
        pending: &'a [Pending],
        sources: &'a HashMap<String, Source>,
    ) -> Result<Self, RpcError> {
        let mut providers: HashMap<String, String> = HashMap::new();
        // Uploaded contents win a path over stored modules; among stored
        // modules, the order is fixed by module id so results repeat.
        for p in pending {
            for (path, _) in p.files.iter().filter(|(path, _)| is_proto(path)) {
                providers
                    .entry(path.clone())
                    .or_insert_with(|| p.module.id.clone());
            }
        }
        let mut stored: Vec<(&String, &String)> = sources
            .iter()
            .filter_map(|(m, s)| match s {
                Source::Stored(c) => Some((m, c)),
                Source::Upload(_) => None,
            })
            .collect();
        stored.sort();
        for (module, commit) in stored {
            let Some(c) = store.commit(commit) else {
                continue;
            };
            for f in c.files.iter().filter(|f| is_proto(&f.path)) {
                providers
                    .entry(f.path.clone())
                    .or_insert_with(|| module.clone());
            }
        }
        Ok(Self {
            store,
            pending,
            providers,
            sources,
            imports: HashMap::new(),
        })
    }

    fn module_imports(&mut self, module_id: &str) -> Result<&[(String, String)], RpcError> {
        if !self.imports.contains_key(module_id) {
            let mut out = Vec::new();
            match self.sources.get(module_id) {
                Some(Source::Upload(i)) => {
                    if let Some(p) = self.pending.get(*i) {
                        for (path, content) in p.files.iter().filter(|(path, _)| is_proto(path)) {
                            for import in
                                crate::compiler::imports(&String::from_utf8_lossy(content))
                            {
                                out.push((path.clone(), import));
                            }
                        }
                    }
                }
                Some(Source::Stored(commit)) => {
                    if let Some(c) = self.store.commit(commit) {
                        for f in c.files.iter().filter(|f| is_proto(&f.path)) {
                            let content = self.store.read_blob(&f.blob).map_err(storage_error)?;
                            for import in
                                crate::compiler::imports(&String::from_utf8_lossy(&content))
                            {
                                out.push((f.path.clone(), import));
                            }
                        }
                    }
                }
                None => {}
            }
            self.imports.insert(module_id.to_string(), out);
        }
        Ok(self.imports.get(module_id).map_or(&[], Vec::as_slice))
    }

    /// The module providing `import` as seen from `from` (its own files first).
    fn provider(&self, from: &str, import: &str) -> Option<String> {
        let own = match self.sources.get(from) {
            Some(Source::Upload(i)) => self
                .pending
                .get(*i)
                .is_some_and(|p| p.files.iter().any(|(path, _)| path == import)),
            Some(Source::Stored(c)) => self
                .store
                .commit(c)
                .is_some_and(|c| c.files.iter().any(|f| f.path == import)),
            None => false,
        };
        if own {
            return Some(from.to_string());
        }
        self.providers.get(import).cloned()
    }

    /// (direct deps, all deps) of content `i`, as module ids.
    fn deps_of(&mut self, i: usize) -> Result<(BTreeSet<String>, BTreeSet<String>), RpcError> {
        let Some(p) = self.pending.get(i) else {
            return Ok(Default::default());
        };
        let root = p.module.id.clone();
        let mut direct = BTreeSet::new();
        let mut all = BTreeSet::new();
        let mut queue = VecDeque::from([root.clone()]);
        let mut visited = HashSet::from([root.clone()]);
        while let Some(module) = queue.pop_front() {
            let uploaded = matches!(self.sources.get(&module), Some(Source::Upload(_)));
            let imports = self.module_imports(&module)?.to_vec();
            for (file, import) in imports {
                let Some(provider) = self.provider(&module, &import) else {
                    // Well-known types come with every compiler; stored
                    // modules were accepted before, so only new content is
                    // held to its imports.
                    if uploaded && !import.starts_with("google/protobuf/") {
                        let name = self.module_name(&module);
                        return Err(RpcError::invalid(format!(
                            "module \"{name}\": {file} imports \"{import}\", which no module of this upload or of its dependencies (dep_commit_ids) provides"
                        )));
                    }
                    continue;
                };
                if provider == root {
                    continue;
                }
                if module == root {
                    direct.insert(provider.clone());
                }
                if visited.insert(provider.clone()) {
                    all.insert(provider.clone());
                    queue.push_back(provider);
                }
            }
        }
        Ok((direct, all))
    }

    fn module_name(&self, module_id: &str) -> String {
        self.store
            .module(module_id)
            .map(|m| self.store.module_name(m))
            .unwrap_or_else(|| module_id.to_string())
    }
}

fn is_proto(path: &str) -> bool {
    path.ends_with(".proto")
}

/// The v1 `buf.yaml` a v1 user of this commit would have had.
fn v1_buf_yaml(host: &str, name: &str, deps: &[(String, &CommitRec, bool)]) -> String {
    let mut out = format!("version: v1\nname: {host}/{name}\n");
    let mut direct: Vec<&String> = deps
        .iter()
        .filter(|(_, _, direct)| *direct)
        .map(|(n, _, _)| n)
        .collect();
    direct.sort();
    if !direct.is_empty() {
        out.push_str("deps:\n");
        for dep in direct {
            out.push_str(&format!("  - {host}/{dep}\n"));
        }
    }
    out
}

/// The v1 `buf.lock` listing every dep, as buf writes it (buf-deps.md §2.2).
fn v1_buf_lock(host: &str, deps: &[(String, &CommitRec, bool)]) -> String {
    let mut out = String::from("# Generated by buf. DO NOT EDIT.\nversion: v1\n");
    let mut sorted: Vec<&(String, &CommitRec, bool)> = deps.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    if !sorted.is_empty() {
        out.push_str("deps:\n");
        for (name, commit, _) in sorted {
            let (owner, module) = name.split_once('/').unwrap_or(("", name));
            out.push_str(&format!(
                "  - remote: {host}\n    owner: {owner}\n    repository: {module}\n    commit: {}\n    digest: shake256:{}\n",
                yaml_commit(&commit.id),
                commit.b4
            ));
        }
    }
    out
}

/// yaml.v3 quotes a commit ID iff it would read back as a number.
fn yaml_commit(id: &str) -> String {
    let (mantissa, exponent) = id.split_once('e').unwrap_or((id, "0"));
    let numeric = !mantissa.is_empty()
        && !exponent.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit())
        && exponent.bytes().all(|b| b.is_ascii_digit())
        && id.parse::<f64>().is_ok_and(f64::is_finite);
    if numeric {
        format!("\"{id}\"")
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_ids_that_read_as_numbers_are_quoted() {
        assert_eq!(
            yaml_commit("12345678901234567890123456789012"),
            "\"12345678901234567890123456789012\""
        );
        assert_eq!(
            yaml_commit("0e000000000000000000000000000000"),
            "\"0e000000000000000000000000000000\""
        );
        assert_eq!(
            yaml_commit("1234567890123456e123456789012345"),
            "1234567890123456e123456789012345"
        );
        assert_eq!(
            yaml_commit("b5d9a28877874bf89af35605f428e457"),
            "b5d9a28877874bf89af35605f428e457"
        );
    }

    #[test]
    fn synthesized_v1_files_give_the_v10_b4_digest() {
        let yaml = v1_buf_yaml("127.0.0.1:8765", "acme/dep", &[]);
        let lock = v1_buf_lock("127.0.0.1:8765", &[]);
        assert_eq!(yaml, "version: v1\nname: 127.0.0.1:8765/acme/dep\n");
        assert_eq!(lock, "# Generated by buf. DO NOT EDIT.\nversion: v1\n");
        let files = vec![
            ("LICENSE".to_string(), b"lic\n".to_vec()),
            ("README.md".to_string(), b"# readme\n".to_vec()),
            (
                "dep/v1/dep.proto".to_string(),
                b"syntax = \"proto3\";\npackage dep.v1;\nmessage Dep { string x = 1; }\n".to_vec(),
            ),
        ];
        let b4 = digest::b4(
            &files,
            Some(("buf.yaml", yaml.as_bytes())),
            Some(lock.as_bytes()),
        );
        assert_eq!(
            b4.to_string(),
            "shake256:2b61fa0e2927b44d6c4d44b6528fb73c238906cbce8fc88fec24fe39d52aa40a7696d901ba483d93e4843c837456ee03da1b2109fc4b483e3bace38cb9208c9d"
        );
    }

    #[test]
    fn paths_must_be_relative_and_normalized() {
        assert!(check_path("a/b.proto").is_ok());
        for bad in [
            "",
            "/a.proto",
            "a//b.proto",
            "./a.proto",
            "a/../b.proto",
            "a\\b.proto",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
