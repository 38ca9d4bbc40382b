//! The RPCs: routing a Connect method name to its handler, decoding the
//! request, the per-call gate (test knobs, then auth), and every method but
//! Upload (see `upload.rs`). Contracts are buf-deps.md §1.4.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;

use prost::Message;

use super::State;
use super::auth::{Access, Identity};
use super::connect::{Code, RpcError};
use super::ids;
use super::store::{CommitRec, ModuleRec, OwnerKind, OwnerRec, Store, StoreError, Time};
use super::upload;
use crate::registry::proto::{alpha, owner, v1, v1beta1};

/// One decoded-to-be RPC.
pub struct Call<'a> {
    /// `<pkg>.<Service>/<Method>`.
    pub method: &'a str,
    /// The registry's name as the client spells it (the Host header).
    pub host: &'a str,
    pub identity: &'a Identity,
    pub body: &'a [u8],
}

/// What an RPC did, for the response and the request log.
pub struct Outcome {
    /// The request's prost Debug (empty if it did not decode).
    pub request: String,
    pub result: Result<Vec<u8>, RpcError>,
    /// The test knob `truncate_next_download` fired for this response.
    pub truncate: bool,
}

const DOWNLOAD_METHODS: [&str; 2] = [
    "buf.registry.module.v1.DownloadService/Download",
    "buf.registry.module.v1beta1.DownloadService/Download",
];

pub fn dispatch(state: &State, call: &Call) -> Outcome {
    let mut request = String::new();
    let r = &mut request;
    let result = match call.method {
        "buf.registry.module.v1.CommitService/GetCommits" => {
            rpc(state, call, Access::Read, r, |q| get_commits(state, q))
        }
        "buf.registry.module.v1.GraphService/GetGraph" => {
            rpc(state, call, Access::Read, r, |q| get_graph(state, q))
        }
        "buf.registry.module.v1.DownloadService/Download" => {
            rpc(state, call, Access::Read, r, |q| download(state, q))
        }
        "buf.registry.module.v1.UploadService/Upload" => rpc(state, call, Access::Write, r, |q| {
            upload_rpc(state, call, q)
        }),
        "buf.registry.module.v1.ModuleService/GetModules" => {
            rpc(state, call, Access::Read, r, |q| get_modules(state, q))
        }
        "buf.registry.module.v1.ModuleService/CreateModules" => {
            rpc(state, call, Access::Write, r, |q| create_modules(state, q))
        }
        "buf.registry.owner.v1.OwnerService/GetOwners" => {
            rpc(state, call, Access::Read, r, |q| get_owners(state, q))
        }
        "buf.registry.owner.v1.UserService/GetCurrentUser" => rpc(
            state,
            call,
            Access::Read,
            r,
            |_: owner::GetCurrentUserRequest| {
                current_user(state, call.identity).map(|user| owner::GetCurrentUserResponse {
                    user: Some(user_proto(&user)),
                })
            },
        ),
        "buf.alpha.registry.v1alpha1.AuthnService/GetCurrentUser" => rpc(
            state,
            call,
            Access::Read,
            r,
            |_: alpha::GetCurrentUserRequest| {
                current_user(state, call.identity).map(|user| alpha::GetCurrentUserResponse {
                    user: Some(alpha::User {
                        id: user.id,
                        username: user.name,
                    }),
                })
            },
        ),
        "buf.registry.module.v1beta1.CommitService/GetCommits" => {
            rpc(state, call, Access::Read, r, |q| get_commits_beta(state, q))
        }
        "buf.registry.module.v1beta1.GraphService/GetGraph" => {
            rpc(state, call, Access::Read, r, |q| {
                get_graph_beta(state, call, q)
            })
        }
        "buf.registry.module.v1beta1.DownloadService/Download" => {
            rpc(state, call, Access::Read, r, |q| download_beta(state, q))
        }
        "buf.alpha.registry.v1alpha1.CodeGenerationService/GenerateCode" => {
            rpc(state, call, Access::Read, r, |q| {
                super::codegen::generate_code(&state.plugins, q)
            })
        }
        other => Err(RpcError::new(
            Code::Unimplemented,
            format!("this registry does not implement {other}"),
        )),
    };
    let truncate = result.is_ok()
        && DOWNLOAD_METHODS.contains(&call.method)
        && state.with_knobs(|k| std::mem::take(&mut k.truncate_next_download));
    Outcome {
        request,
        result,
        truncate,
    }
}

/// Decodes, records the request for the log, passes the gate, handles.
fn rpc<Req, Resp>(
    state: &State,
    call: &Call,
    access: Access,
    request: &mut String,
    handle: impl FnOnce(Req) -> Result<Resp, RpcError>,
) -> Result<Vec<u8>, RpcError>
where
    Req: Message + Default + Debug,
    Resp: Message,
{
    let req = Req::decode(call.body).map_err(|e| {
        RpcError::invalid(format!(
            "the request body is not a valid protobuf request for {}: {e}",
            call.method
        ))
    })?;
    *request = format!("{req:?}");
    state.gate(call.method)?;
    call.identity.check(access)?;
    handle(req).map(|resp| resp.encode_to_vec())
}

pub(super) fn storage_error(e: StoreError) -> RpcError {
    RpcError::internal(format!(
        "the registry could not read or write its data: {e}"
    ))
}

// ---- resolving references ----------------------------------------------

/// Which digest a Commit message carries.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// b5 with this wire type number (1 in v1, 2 in v1beta1).
    B5(i32),
    /// b4 (v1beta1 only, wire type 1).
    B4,
}

impl Want {
    fn beta(digest_type: i32) -> Result<Want, RpcError> {
        match digest_type {
            v1beta1::DIGEST_TYPE_B4 => Ok(Want::B4),
            0 | v1beta1::DIGEST_TYPE_B5 => Ok(Want::B5(v1beta1::DIGEST_TYPE_B5)),
            other => Err(RpcError::invalid(format!(
                "unknown digest type {other}: use 1 (B4) or 2 (B5)"
            ))),
        }
    }
}

/// Read access to the store plus the tampered-digest knob.
struct View<'a> {
    store: &'a Store,
    tampered: HashSet<String>,
}

impl<'a> View<'a> {
    fn new(state: &State, store: &'a Store) -> Self {
        Self {
            store,
            tampered: state.with_knobs(|k| k.tampered.clone()),
        }
    }

    fn module_ref(&self, r: Option<&v1::ModuleRef>) -> Result<&'a ModuleRec, RpcError> {
        match r.and_then(|r| r.value.as_ref()) {
            Some(v1::module_ref::Value::Id(id)) => self
                .store
                .module(id)
                .ok_or_else(|| RpcError::not_found(format!("module with id \"{id}\" not found"))),
            Some(v1::module_ref::Value::Name(n)) => self.module_named(&n.owner, &n.module),
            None => Err(RpcError::invalid(
                "a module reference needs an id or a name",
            )),
        }
    }

    fn module_named(&self, owner: &str, module: &str) -> Result<&'a ModuleRec, RpcError> {
        self.store
            .module_named(owner, module)
            .ok_or_else(|| RpcError::not_found(format!("module \"{owner}/{module}\" not found")))
    }

    /// The commit a resource reference names (buf-deps.md §1.4, GetCommits).
    fn resolve(&self, r: Option<&v1::ResourceRef>) -> Result<&'a CommitRec, RpcError> {
        use v1::resource_ref::name::Child;
        match r.and_then(|r| r.value.as_ref()) {
            Some(v1::resource_ref::Value::Id(id)) => {
                let found = ids::normalize(id).and_then(|n| {
                    self.store.commit(&n).or_else(|| {
                        let module = self.store.module(&n)?;
                        self.store.label(&module.id, &module.default_label)
                    })
                });
                found.ok_or_else(|| RpcError::not_found(format!("commit \"{id}\" not found")))
            }
            Some(v1::resource_ref::Value::Name(n)) => {
                let module = self.module_named(&n.owner, &n.module)?;
                let name = format!("{}/{}", n.owner, n.module);
                match &n.child {
                    None => self.default_commit(module, &name),
                    Some(Child::Ref(r)) if r.is_empty() => self.default_commit(module, &name),
                    Some(Child::Ref(r)) => ids::normalize(r)
                        .and_then(|id| self.store.commit(&id))
                        .filter(|c| c.module_id == module.id)
                        .or_else(|| self.store.label(&module.id, r))
                        .ok_or_else(|| {
                            RpcError::not_found(format!(
                                "ref \"{r}\" not found for module \"{name}\""
                            ))
                        }),
                    Some(Child::LabelName(l)) => self.store.label(&module.id, l).ok_or_else(|| {
                        RpcError::not_found(format!(
                            "label \"{l}\" not found for module \"{name}\""
                        ))
                    }),
                }
            }
            None => Err(RpcError::invalid(
                "a resource reference needs an id or a name",
            )),
        }
    }

    /// A module with nothing on its default label is `failed_precondition`:
    /// buf's against-registry probe skips such a module.
    fn default_commit(&self, module: &ModuleRec, name: &str) -> Result<&'a CommitRec, RpcError> {
        self.store
            .label(&module.id, &module.default_label)
            .ok_or_else(|| {
                RpcError::new(
                    Code::FailedPrecondition,
                    format!(
                        "module \"{name}\" has no commits on its default label \"{}\"",
                        module.default_label
                    ),
                )
            })
    }

    fn commit_proto(&self, c: &CommitRec, want: Want) -> v1::Commit {
        let (r#type, hex) = match want {
            Want::B5(t) => (t, &c.b5),
            Want::B4 => (v1beta1::DIGEST_TYPE_B4, &c.b4),
        };
        let mut value = super::unhex(hex).unwrap_or_default();
        if self.tampered.contains(&c.id)
            && let Some(first) = value.first_mut()
        {
            *first ^= 0xff;
        }
        v1::Commit {
            id: c.id.clone(),
            create_time: Some(c.create_time.proto()),
            owner_id: c.owner_id.clone(),
            module_id: c.module_id.clone(),
            digest: Some(v1::Digest { r#type, value }),
            created_by_user_id: c.created_by_user_id.clone(),
            source_control_url: c.source_control_url.clone(),
        }
    }

    /// The files of a commit a Download value asks for.
    fn files(&self, c: &CommitRec, value: &v1::DownloadValue) -> Result<Vec<v1::File>, RpcError> {
        const PROTO: i32 = 1;
        const DOC: i32 = 2;
        const LICENSE: i32 = 3;
        let type_of = |path: &str| {
            if path.ends_with(".proto") {
                PROTO
            } else if path == "LICENSE" {
                LICENSE
            } else {
                DOC
            }
        };
        let wanted = |path: &str| {
            (value.file_types.is_empty() || value.file_types.contains(&type_of(path)))
                && (value.paths.is_empty()
                    || value.paths.iter().any(|p| {
                        path == p
                            || path
                                .strip_prefix(p.as_str())
                                .is_some_and(|rest| rest.starts_with('/'))
                    }))
        };
        let mut files = Vec::new();
        for f in c.files.iter().filter(|f| wanted(&f.path)) {
            files.push(v1::File {
                path: f.path.clone(),
                content: self.store.read_blob(&f.blob).map_err(storage_error)?,
            });
        }
        if !value.paths_allow_not_exist {
            for p in &value.paths {
                let matched = files.iter().any(|f| {
                    f.path == *p
                        || f.path
                            .strip_prefix(p.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                });
                if !matched {
                    return Err(RpcError::not_found(format!(
                        "path \"{p}\" not found in commit \"{}\"",
                        c.id
                    )));
                }
            }
        }
        Ok(files)
    }

    /// The dependency graph of some roots: one commit per module (a root's
    /// own commit wins, else the newest any reached commit depends on), and
    /// edges from each commit to its direct deps. Nodes not reachable from a
    /// root are left out.
    fn graph(&self, roots: &[&'a CommitRec]) -> (Vec<&'a CommitRec>, Vec<(String, String)>) {
        let mut chosen: BTreeMap<&str, &'a CommitRec> = BTreeMap::new();
        for root in roots {
            let slot = chosen.entry(root.module_id.as_str()).or_insert(root);
            if root.age() > slot.age() {
                *slot = root;
            }
        }
        let root_modules: HashSet<&str> = chosen.keys().copied().collect();
        loop {
            let mut changed = false;
            let current: Vec<&'a CommitRec> = chosen.values().copied().collect();
            for c in current {
                for dep in c.deps.iter().filter_map(|d| self.store.commit(&d.commit)) {
                    if root_modules.contains(dep.module_id.as_str()) {
                        continue;
                    }
                    match chosen.get(dep.module_id.as_str()) {
                        Some(have) if have.age() >= dep.age() => {}
                        _ => {
                            chosen.insert(dep.module_id.as_str(), dep);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let edges_of = |c: &CommitRec| -> Vec<&'a CommitRec> {
            c.deps
                .iter()
                .filter(|d| d.direct)
                .filter_map(|d| self.store.commit(&d.commit))
                .filter_map(|d| chosen.get(d.module_id.as_str()).copied())
                .collect()
        };
        // Keep what the roots reach, in the order they reach it.
        let mut nodes: Vec<&'a CommitRec> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut edges = Vec::new();
        let mut queue: std::collections::VecDeque<&'a CommitRec> = roots
            .iter()
            .filter_map(|r| chosen.get(r.module_id.as_str()).copied())
            .collect();
        while let Some(c) = queue.pop_front() {
            if !seen.insert(c.id.as_str()) {
                continue;
            }
            nodes.push(c);
            for to in edges_of(c) {
                edges.push((c.id.clone(), to.id.clone()));
                queue.push_back(to);
            }
        }
        edges.sort();
        edges.dedup();
        (nodes, edges)
    }
}

// ---- module.v1 ----------------------------------------------------------

fn get_commits(
    state: &State,
    req: v1::GetCommitsRequest,
) -> Result<v1::GetCommitsResponse, RpcError> {
    let store = state.read();
    let view = View::new(state, &store);
    let commits = req
        .resource_refs
        .iter()
        .map(|r| {
            view.resolve(Some(r))
                .map(|c| view.commit_proto(c, Want::B5(v1::DIGEST_TYPE_B5)))
        })
        .collect::<Result<_, _>>()?;
    Ok(v1::GetCommitsResponse { commits })
}

fn get_graph(state: &State, req: v1::GetGraphRequest) -> Result<v1::GetGraphResponse, RpcError> {
    let store = state.read();
    let view = View::new(state, &store);
    let roots = req
        .resource_refs
        .iter()
        .map(|r| view.resolve(Some(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let (nodes, edges) = view.graph(&roots);
    let node = |id: String| Some(v1::GraphNode { commit_id: id });
    Ok(v1::GetGraphResponse {
        graph: Some(v1::Graph {
            commits: nodes
                .iter()
                .map(|c| view.commit_proto(c, Want::B5(v1::DIGEST_TYPE_B5)))
                .collect(),
            edges: edges
                .into_iter()
                .map(|(from, to)| v1::GraphEdge {
                    from_node: node(from),
                    to_node: node(to),
                })
                .collect(),
        }),
    })
}

fn download(state: &State, req: v1::DownloadRequest) -> Result<v1::DownloadResponse, RpcError> {
    let store = state.read();
    let view = View::new(state, &store);
    let mut contents = Vec::new();
    for value in &req.values {
        let c = view.resolve(value.resource_ref.as_ref())?;
        contents.push(v1::DownloadContent {
            commit: Some(view.commit_proto(c, Want::B5(v1::DIGEST_TYPE_B5))),
            files: view.files(c, value)?,
        });
    }
    Ok(v1::DownloadResponse { contents })
}

fn upload_rpc(
    state: &State,
    call: &Call,
    req: v1::UploadRequest,
) -> Result<v1::UploadResponse, RpcError> {
    let mut store = state.write();
    let user_id = match call.identity.user() {
        Some(user) => store.owner_named(user).map(|o| o.id.clone()),
        None => None,
    };
    let mut forced = state.with_knobs(|k| k.next_commit_id.take());
    let result = upload::upload(
        &mut store,
        call.host,
        user_id.as_deref().unwrap_or(""),
        req,
        &mut forced,
    );
    if forced.is_some() {
        state.with_knobs(|k| k.next_commit_id = forced);
    }
    let commits = result?;
    let view = View::new(state, &store);
    Ok(v1::UploadResponse {
        commits: commits
            .iter()
            .map(|c| view.commit_proto(c, Want::B5(v1::DIGEST_TYPE_B5)))
            .collect(),
    })
}

fn module_proto(m: &ModuleRec) -> v1::Module {
    v1::Module {
        id: m.id.clone(),
        create_time: Some(m.create_time.proto()),
        update_time: Some(m.update_time.proto()),
        name: m.name.clone(),
        owner_id: m.owner_id.clone(),
        visibility: m.visibility,
        state: m.state,
        description: m.description.clone(),
        url: m.url.clone(),
        default_label_name: m.default_label.clone(),
    }
}

fn get_modules(
    state: &State,
    req: v1::GetModulesRequest,
) -> Result<v1::GetModulesResponse, RpcError> {
    let store = state.read();
    let view = View::new(state, &store);
    let modules = req
        .module_refs
        .iter()
        .map(|r| view.module_ref(Some(r)).map(module_proto))
        .collect::<Result<_, _>>()?;
    Ok(v1::GetModulesResponse { modules })
}

/// BSR-style names: letters, digits, `-`, `_`, `.`; at most 100 characters.
fn check_name(what: &str, name: &str) -> Result<(), RpcError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(RpcError::invalid(format!(
            "{what} name \"{name}\" is not valid: use 1 to 100 letters, digits, '-', '_' or '.'"
        )))
    }
}

fn create_modules(
    state: &State,
    req: v1::CreateModulesRequest,
) -> Result<v1::CreateModulesResponse, RpcError> {
    use owner::owner_ref::Value;
    let mut store = state.write();
    // Check every value before creating anything.
    let mut planned: Vec<(Option<String>, String, &v1::CreateModulesValue)> = Vec::new();
    for value in &req.values {
        let (owner_id, owner_name) = match value.owner_ref.as_ref().and_then(|r| r.value.as_ref()) {
            Some(Value::Id(id)) => {
                let owner = store.owner(id).ok_or_else(|| {
                    RpcError::not_found(format!("owner with id \"{id}\" not found"))
                })?;
                (Some(owner.id.clone()), owner.name.clone())
            }
            Some(Value::Name(name)) => {
                check_name("owner", name)?;
                (store.owner_named(name).map(|o| o.id.clone()), name.clone())
            }
            None => return Err(RpcError::invalid("a module needs an owner (owner_ref)")),
        };
        check_name("module", &value.name)?;
        let full = format!("{owner_name}/{}", value.name);
        let exists = store.module_named(&owner_name, &value.name).is_some()
            || planned
                .iter()
                .any(|(_, o, v)| *o == owner_name && v.name == value.name);
        if exists {
            return Err(RpcError::new(
                Code::AlreadyExists,
                format!("module \"{full}\" already exists"),
            ));
        }
        if !value.default_label_name.is_empty() {
            check_name("label", &value.default_label_name)?;
        }
        planned.push((owner_id, owner_name, value));
    }
    let mut modules = Vec::new();
    for (owner_id, owner_name, value) in planned {
        let owner_id =
            match owner_id.or_else(|| store.owner_named(&owner_name).map(|o| o.id.clone())) {
                Some(id) => id,
                None => {
                    store
                        .create_owner(&owner_name, OwnerKind::Organization)
                        .map_err(storage_error)?
                        .id
                }
            };
        let now = Time::now();
        let module = ModuleRec {
            id: store.new_id(),
            owner_id,
            name: value.name.clone(),
            create_time: now,
            update_time: now,
            visibility: if value.visibility == 0 {
                v1::MODULE_VISIBILITY_PRIVATE
            } else {
                value.visibility
            },
            state: v1::MODULE_STATE_ACTIVE,
            description: value.description.clone(),
            url: value.url.clone(),
            default_label: if value.default_label_name.is_empty() {
                "main".to_string()
            } else {
                value.default_label_name.clone()
            },
        };
        store.put_module(module.clone()).map_err(storage_error)?;
        modules.push(module_proto(&module));
    }
    Ok(v1::CreateModulesResponse { modules })
}

// ---- owner.v1 and the alpha AuthnService -----------------------------------

fn user_proto(o: &OwnerRec) -> owner::User {
    owner::User {
        id: o.id.clone(),
        create_time: Some(o.create_time.proto()),
        update_time: Some(o.create_time.proto()),
        name: o.name.clone(),
        r#type: owner::USER_TYPE_STANDARD,
        state: owner::USER_STATE_ACTIVE,
        ..Default::default()
    }
}

fn get_owners(
    state: &State,
    req: owner::GetOwnersRequest,
) -> Result<owner::GetOwnersResponse, RpcError> {
    use owner::owner_ref::Value;
    let store = state.read();
    let mut owners = Vec::new();
    for r in &req.owner_refs {
        let found = match r.value.as_ref() {
            Some(Value::Id(id)) => store
                .owner(id)
                .ok_or_else(|| RpcError::not_found(format!("owner with id \"{id}\" not found")))?,
            Some(Value::Name(name)) => store
                .owner_named(name)
                .ok_or_else(|| RpcError::not_found(format!("owner \"{name}\" not found")))?,
            None => {
                return Err(RpcError::invalid(
                    "an owner reference needs an id or a name",
                ));
            }
        };
        let value = match found.kind {
            OwnerKind::User => owner::owner::Value::User(user_proto(found)),
            OwnerKind::Organization => owner::owner::Value::Organization(owner::Organization {
                id: found.id.clone(),
                create_time: Some(found.create_time.proto()),
                update_time: Some(found.create_time.proto()),
                name: found.name.clone(),
                ..Default::default()
            }),
        };
        owners.push(owner::Owner { value: Some(value) });
    }
    Ok(owner::GetOwnersResponse { owners })
}

/// The caller as a user. Without a tokens file everyone is "anonymous".
fn current_user(state: &State, identity: &Identity) -> Result<OwnerRec, RpcError> {
    let name = identity.user().unwrap_or("anonymous");
    if let Some(found) = state.read().owner_named(name) {
        return Ok(found.clone());
    }
    let mut store = state.write();
    match store.owner_named(name) {
        Some(found) => Ok(found.clone()),
        None => store
            .create_owner(name, OwnerKind::User)
            .map_err(storage_error),
    }
}

// ---- module.v1beta1 (b4 users) ------------------------------------------

fn get_commits_beta(
    state: &State,
    req: v1beta1::GetCommitsRequest,
) -> Result<v1::GetCommitsResponse, RpcError> {
    let want = Want::beta(req.digest_type)?;
    let store = state.read();
    let view = View::new(state, &store);
    let commits = req
        .resource_refs
        .iter()
        .map(|r| view.resolve(Some(r)).map(|c| view.commit_proto(c, want)))
        .collect::<Result<_, _>>()?;
    Ok(v1::GetCommitsResponse { commits })
}

fn get_graph_beta(
    state: &State,
    call: &Call,
    req: v1beta1::GetGraphRequest,
) -> Result<v1beta1::GetGraphResponse, RpcError> {
    let want = Want::beta(req.digest_type)?;
    let store = state.read();
    let view = View::new(state, &store);
    let roots = req
        .resource_refs
        .iter()
        .map(|r| view.resolve(r.resource_ref.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let (nodes, edges) = view.graph(&roots);
    let registry = call.host.to_string();
    let node = |id: String| {
        Some(v1beta1::GraphNode {
            commit_id: id,
            registry: registry.clone(),
        })
    };
    Ok(v1beta1::GetGraphResponse {
        graph: Some(v1beta1::Graph {
            commits: nodes
                .iter()
                .map(|c| v1beta1::GraphCommit {
                    commit: Some(view.commit_proto(c, want)),
                    registry: registry.clone(),
                })
                .collect(),
            edges: edges
                .into_iter()
                .map(|(from, to)| v1beta1::GraphEdge {
                    from_node: node(from),
                    to_node: node(to),
                })
                .collect(),
        }),
    })
}

fn download_beta(
    state: &State,
    req: v1beta1::DownloadRequest,
) -> Result<v1beta1::DownloadResponse, RpcError> {
    let want = Want::beta(req.digest_type)?;
    let store = state.read();
    let view = View::new(state, &store);
    let mut contents = Vec::new();
    for value in &req.values {
        let c = view.resolve(value.resource_ref.as_ref())?;
        let v1_file = |path: &str, blob: &str| -> Result<Option<v1::File>, RpcError> {
            Ok(Some(v1::File {
                path: path.to_string(),
                content: store.read_blob(blob).map_err(storage_error)?,
            }))
        };
        contents.push(v1beta1::DownloadContent {
            commit: Some(view.commit_proto(c, want)),
            files: view.files(c, value)?,
            v1_buf_yaml_file: v1_file("buf.yaml", &c.v1_buf_yaml)?,
            v1_buf_lock_file: v1_file("buf.lock", &c.v1_buf_lock)?,
        });
    }
    Ok(v1beta1::DownloadResponse { contents })
}
