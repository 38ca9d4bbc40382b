//! What dependency resolution asks of a registry, in the calls and order
//! buf 1.75.0 makes them: refs to commits (GetCommits), commits to their
//! dependency graph (GetGraph, with GetModules/GetOwners to name the nodes),
//! and module contents (Download, then GetModules for the deprecation
//! warning). b5 keys travel through `module.v1`, b4 keys through `v1beta1`.

use std::collections::{HashMap, HashSet};

use super::cache::{ModuleData, ModuleKey};
use super::digest::{self, Digest, DigestKind};
use crate::config::{ModuleFullName, ModuleRef};
use crate::registry::client::{self, Client, ClientError};
use crate::registry::proto::{owner, v1, v1beta1};

/// A registry call or its answer went wrong; the text is buf's.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{0}")]
    Invalid(String),
}

/// A commit as a registry reports it, with the name of its module.
#[derive(Debug, Clone)]
pub struct RemoteCommit {
    pub key: ModuleKey,
    pub module_id: String,
    pub owner_id: String,
    pub create_time: Option<prost_types::Timestamp>,
}

/// The clients of one command (one per registry) and the name lookups of
/// the graph being read.
#[derive(Default)]
pub struct Remote {
    clients: HashMap<String, Client>,
    module_names: HashMap<(String, String), (String, String)>,
    owner_names: HashMap<(String, String), String>,
}

fn to_digest(d: Option<&v1::Digest>, kind: DigestKind, what: &str) -> Result<Digest, RemoteError> {
    match d {
        Some(d) if d.value.len() == 64 => Ok(Digest {
            kind,
            value: d.value.clone(),
        }),
        _ => Err(RemoteError::Invalid(format!(
            "the registry returned no valid digest for {what}"
        ))),
    }
}

fn name_ref(owner: &str, module: &str, reference: Option<&str>) -> v1::ResourceRef {
    use v1::resource_ref::{Name, Value, name::Child};
    v1::ResourceRef {
        value: Some(Value::Name(Name {
            owner: owner.to_string(),
            module: module.to_string(),
            child: reference.map(|r| Child::Ref(r.to_string())),
        })),
    }
}

fn id_ref(id: &str) -> v1::ResourceRef {
    v1::ResourceRef {
        value: Some(v1::resource_ref::Value::Id(id.to_string())),
    }
}

impl Remote {
    pub fn new() -> Remote {
        Remote::default()
    }

    pub fn client(&mut self, registry: &str) -> Result<&Client, RemoteError> {
        if !self.clients.contains_key(registry) {
            let c = Client::new(registry)?;
            self.clients.insert(registry.to_string(), c);
        }
        self.clients
            .get(registry)
            .ok_or_else(|| RemoteError::Invalid(format!("no client for {registry}")))
    }

    /// GetCommits for `refs` (one registry): one commit per ref, in order.
    /// `set_ref` sends the ref field even when empty, as `dep update` does;
    /// without it an empty ref leaves the field unset (the against-registry
    /// probe).
    pub fn commits(
        &mut self,
        registry: &str,
        refs: &[ModuleRef],
        kind: DigestKind,
        set_ref: bool,
    ) -> Result<Vec<RemoteCommit>, RemoteError> {
        let resource_refs: Vec<v1::ResourceRef> = refs
            .iter()
            .map(|r| {
                let reference = r.reference.as_deref().unwrap_or("");
                name_ref(
                    &r.full_name.owner,
                    &r.full_name.name,
                    (set_ref || !reference.is_empty()).then_some(reference),
                )
            })
            .collect();
        let client = self.client(registry)?;
        let commits = match kind {
            DigestKind::B5 => {
                let resp: v1::GetCommitsResponse = client
                    .call(
                        v1::COMMIT_SERVICE,
                        "GetCommits",
                        &v1::GetCommitsRequest { resource_refs },
                    )
                    .map_err(client::plain_not_found)?;
                resp.commits
            }
            DigestKind::B4 => {
                let resp: v1beta1::GetCommitsResponse = client
                    .call(
                        v1beta1::COMMIT_SERVICE,
                        "GetCommits",
                        &v1beta1::GetCommitsRequest {
                            resource_refs,
                            digest_type: v1beta1::DIGEST_TYPE_B4,
                        },
                    )
                    .map_err(client::plain_not_found)?;
                resp.commits
            }
        };
        if commits.len() != refs.len() {
            return Err(RemoteError::Invalid(format!(
                "expected {} Commits, got {}",
                refs.len(),
                commits.len()
            )));
        }
        refs.iter()
            .zip(commits)
            .map(|(r, c)| {
                Ok(RemoteCommit {
                    key: ModuleKey {
                        name: r.full_name.clone(),
                        commit: c.id.clone(),
                        digest: to_digest(c.digest.as_ref(), kind, &r.full_name.to_string())?,
                    },
                    module_id: c.module_id,
                    owner_id: c.owner_id,
                    create_time: c.create_time,
                })
            })
            .collect()
    }

    /// The b4 digest of a commit by its ID (v1beta1 GetCommits), for v1
    /// buf.lock entries with no digest or a retired one (`b1-`, `b3-`).
    pub fn commit_b4(&mut self, registry: &str, commit_id: &str) -> Result<Digest, RemoteError> {
        let client = self.client(registry)?;
        let resp: v1beta1::GetCommitsResponse = client
            .call(
                v1beta1::COMMIT_SERVICE,
                "GetCommits",
                &v1beta1::GetCommitsRequest {
                    resource_refs: vec![id_ref(commit_id)],
                    digest_type: v1beta1::DIGEST_TYPE_B4,
                },
            )
            .map_err(client::plain_not_found)?;
        let c = resp.commits.into_iter().next().ok_or_else(|| {
            RemoteError::Invalid(format!("expected 1 Commit, got 0 for {commit_id}"))
        })?;
        // buf names the commit's module too (and forgets the names after).
        self.module_names.clear();
        self.owner_names.clear();
        self.module_name(registry, &c.module_id, &c.owner_id)?;
        to_digest(c.digest.as_ref(), DigestKind::B4, commit_id)
    }

    /// A commit by its ID with its b5 digest and its module's name (v1
    /// GetCommits, then GetModules and GetOwners): how buf turns a b4 key
    /// into a b5 one.
    pub fn commit_b5(
        &mut self,
        registry: &str,
        commit_id: &str,
    ) -> Result<(Digest, ModuleFullName, Option<prost_types::Timestamp>), RemoteError> {
        let client = self.client(registry)?;
        let resp: v1::GetCommitsResponse = client
            .call(
                v1::COMMIT_SERVICE,
                "GetCommits",
                &v1::GetCommitsRequest {
                    resource_refs: vec![id_ref(commit_id)],
                },
            )
            .map_err(client::plain_not_found)?;
        let c = resp.commits.into_iter().next().ok_or_else(|| {
            RemoteError::Invalid(format!("expected 1 Commit, got 0 for {commit_id}"))
        })?;
        let digest = to_digest(c.digest.as_ref(), DigestKind::B5, commit_id)?;
        let name = self.module_name(registry, &c.module_id, &c.owner_id)?;
        Ok((digest, name, c.create_time))
    }

    /// GetModules for one module ID.
    fn module_by_id(
        &mut self,
        registry: &str,
        module_id: &str,
    ) -> Result<Option<v1::Module>, RemoteError> {
        let resp: v1::GetModulesResponse = self.client(registry)?.call(
            v1::MODULE_SERVICE,
            "GetModules",
            &v1::GetModulesRequest {
                module_refs: vec![v1::ModuleRef {
                    value: Some(v1::module_ref::Value::Id(module_id.to_string())),
                }],
            },
        )?;
        Ok(resp.modules.into_iter().next())
    }

    /// The name of a module by its ID (GetModules, then GetOwners), as buf
    /// looks up the graph's nodes it did not ask for.
    fn module_name(
        &mut self,
        registry: &str,
        module_id: &str,
        owner_id: &str,
    ) -> Result<ModuleFullName, RemoteError> {
        let mkey = (registry.to_string(), module_id.to_string());
        let (module_owner_id, module_name) = match self.module_names.get(&mkey) {
            Some(found) => found.clone(),
            None => {
                let m = self.module_by_id(registry, module_id)?.ok_or_else(|| {
                    RemoteError::Invalid(format!("expected 1 Module, got 0 for {module_id}"))
                })?;
                let found = (
                    if m.owner_id.is_empty() {
                        owner_id.to_string()
                    } else {
                        m.owner_id
                    },
                    m.name,
                );
                self.module_names.insert(mkey, found.clone());
                found
            }
        };
        let okey = (registry.to_string(), module_owner_id.clone());
        let owner_name = match self.owner_names.get(&okey) {
            Some(found) => found.clone(),
            None => {
                let client = self.client(registry)?;
                let resp: owner::GetOwnersResponse = client.call(
                    owner::OWNER_SERVICE,
                    "GetOwners",
                    &owner::GetOwnersRequest {
                        owner_refs: vec![owner::OwnerRef {
                            value: Some(owner::owner_ref::Value::Id(module_owner_id.clone())),
                        }],
                    },
                )?;
                let name = match resp.owners.into_iter().next().and_then(|o| o.value) {
                    Some(owner::owner::Value::User(u)) => u.name,
                    Some(owner::owner::Value::Organization(o)) => o.name,
                    None => {
                        return Err(RemoteError::Invalid(format!(
                            "expected 1 Owner, got 0 for {module_owner_id}"
                        )));
                    }
                };
                self.owner_names.insert(okey, name.clone());
                name
            }
        };
        Ok(ModuleFullName {
            registry: registry.to_string(),
            owner: owner_name,
            name: module_name,
        })
    }

    /// GetGraph for `roots` (commits of one registry): every node as a key,
    /// and for each root the keys it reaches, in the graph's commit order.
    pub fn graph(&mut self, registry: &str, roots: &[ModuleKey]) -> Result<Graph, RemoteError> {
        let kind = roots.first().map_or(DigestKind::B5, |r| r.digest.kind);
        // buf looks names up afresh for every graph (remembering them only
        // within one), so the request sequence matches only if we do too.
        self.module_names.clear();
        self.owner_names.clear();
        let client = self.client(registry)?;
        let (commits, edges): (Vec<v1::Commit>, Vec<(String, String)>) = match kind {
            DigestKind::B5 => {
                let resp: v1::GetGraphResponse = client
                    .call(
                        v1::GRAPH_SERVICE,
                        "GetGraph",
                        &v1::GetGraphRequest {
                            resource_refs: roots
                                .iter()
                                .map(|r| name_ref(&r.name.owner, &r.name.name, Some(&r.commit)))
                                .collect(),
                        },
                    )
                    .map_err(client::plain_not_found)?;
                let g = resp.graph.unwrap_or_default();
                let edges = g
                    .edges
                    .into_iter()
                    .filter_map(|e| Some((e.from_node?.commit_id, e.to_node?.commit_id)))
                    .collect();
                (g.commits, edges)
            }
            DigestKind::B4 => {
                let resp: v1beta1::GetGraphResponse = client
                    .call(
                        v1beta1::GRAPH_SERVICE,
                        "GetGraph",
                        &v1beta1::GetGraphRequest {
                            resource_refs: roots
                                .iter()
                                .map(|r| v1beta1::GraphResourceRef {
                                    resource_ref: Some(name_ref(
                                        &r.name.owner,
                                        &r.name.name,
                                        Some(&r.commit),
                                    )),
                                    registry: registry.to_string(),
                                })
                                .collect(),
                            digest_type: v1beta1::DIGEST_TYPE_B4,
                        },
                    )
                    .map_err(client::plain_not_found)?;
                let g = resp.graph.unwrap_or_default();
                let edges = g
                    .edges
                    .into_iter()
                    .filter_map(|e| Some((e.from_node?.commit_id, e.to_node?.commit_id)))
                    .collect();
                (
                    g.commits.into_iter().filter_map(|c| c.commit).collect(),
                    edges,
                )
            }
        };
        let root_names: HashMap<&str, &ModuleFullName> =
            roots.iter().map(|r| (r.commit.as_str(), &r.name)).collect();
        let mut nodes = Vec::with_capacity(commits.len());
        for c in &commits {
            let name = match root_names.get(c.id.as_str()) {
                Some(n) => (*n).clone(),
                None => self.module_name(registry, &c.module_id, &c.owner_id)?,
            };
            let digest = to_digest(c.digest.as_ref(), kind, &format!("{name}:{}", c.id))?;
            nodes.push(RemoteCommit {
                key: ModuleKey {
                    name,
                    commit: c.id.clone(),
                    digest,
                },
                module_id: c.module_id.clone(),
                owner_id: c.owner_id.clone(),
                create_time: c.create_time,
            });
        }
        Ok(Graph { nodes, edges })
    }

    /// Downloads one commit's contents and checks them against `key` and
    /// its dependency keys `deps` (b5: their digests enter the module's).
    pub fn download(
        &mut self,
        key: &ModuleKey,
        module_id: &str,
        deps: Vec<ModuleKey>,
    ) -> Result<ModuleData, RemoteError> {
        let registry = key.name.registry.clone();
        let client = self.client(&registry)?;
        let value = v1::DownloadValue {
            resource_ref: Some(id_ref(&key.commit)),
            ..Default::default()
        };
        // Both answers as v1beta1's shape, which adds the v1 files.
        let contents: Vec<v1beta1::DownloadContent> = match key.digest.kind {
            DigestKind::B5 => {
                let resp: v1::DownloadResponse = client
                    .call(
                        v1::DOWNLOAD_SERVICE,
                        "Download",
                        &v1::DownloadRequest {
                            values: vec![value],
                        },
                    )
                    .map_err(client::plain_not_found)?;
                resp.contents
                    .into_iter()
                    .map(|c| v1beta1::DownloadContent {
                        commit: c.commit,
                        files: c.files,
                        v1_buf_yaml_file: None,
                        v1_buf_lock_file: None,
                    })
                    .collect()
            }
            DigestKind::B4 => {
                let resp: v1beta1::DownloadResponse = client
                    .call(
                        v1beta1::DOWNLOAD_SERVICE,
                        "Download",
                        &v1beta1::DownloadRequest {
                            values: vec![value],
                            digest_type: v1beta1::DIGEST_TYPE_B4,
                        },
                    )
                    .map_err(client::plain_not_found)?;
                resp.contents
            }
        };
        let content = contents
            .into_iter()
            .find(|c| c.commit.as_ref().is_some_and(|c| c.id == key.commit))
            .ok_or_else(|| {
                RemoteError::Invalid(format!(
                    "the registry's Download answer has no content for commit {}",
                    key.commit
                ))
            })?;
        let downloaded_module_id = content
            .commit
            .as_ref()
            .map(|c| c.module_id.clone())
            .unwrap_or_default();
        let (files, yaml, lock) = (
            content.files,
            content.v1_buf_yaml_file,
            content.v1_buf_lock_file,
        );
        let mut files =
            digest::module_files(files.into_iter().map(|f| (f.path, f.content)).collect());
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let data = ModuleData {
            files,
            deps,
            v1_buf_yaml: yaml.map(|f| f.content),
            v1_buf_lock: lock.map(|f| f.content),
        };
        let module_id = if downloaded_module_id.is_empty() {
            module_id.to_string()
        } else {
            downloaded_module_id
        };
        self.warn_if_deprecated(&registry, &module_id, &key.name)?;
        Ok(data)
    }

    /// GetModules by ID, which buf makes after each download only to warn
    /// about deprecated modules.
    fn warn_if_deprecated(
        &mut self,
        registry: &str,
        module_id: &str,
        name: &ModuleFullName,
    ) -> Result<(), RemoteError> {
        if module_id.is_empty() {
            return Ok(());
        }
        let module = self.module_by_id(registry, module_id)?;
        if module.is_some_and(|m| m.state == v1::MODULE_STATE_DEPRECATED) {
            crate::report::warn(&format!("{name} is deprecated"));
        }
        Ok(())
    }
}

/// A dependency graph as GetGraph returns it.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<RemoteCommit>,
    /// (from commit, to commit).
    pub edges: Vec<(String, String)>,
}

impl Graph {
    /// The keys `commit` reaches (itself excluded), in the graph's node order.
    pub fn reachable(&self, commit: &str) -> Vec<ModuleKey> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = vec![commit];
        while let Some(c) = stack.pop() {
            for (from, to) in &self.edges {
                if from == c && seen.insert(to.as_str()) {
                    stack.push(to.as_str());
                }
            }
        }
        self.nodes
            .iter()
            .filter(|n| n.key.commit != commit && seen.contains(n.key.commit.as_str()))
            .map(|n| n.key.clone())
            .collect()
    }

    pub fn node(&self, commit: &str) -> Option<&RemoteCommit> {
        self.nodes.iter().find(|n| n.key.commit == commit)
    }
}
