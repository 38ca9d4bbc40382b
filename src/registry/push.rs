//! `push`: uploading a workspace's named modules as buf 1.75.0 does:
//! GetModules (creating missing modules with `--create`), then one Upload
//! of every module with the remote commits it depends on.

use super::client::{Client, ClientError, Code};
use super::proto::{owner, v1};
use crate::config::ModuleFullName;

/// One module to upload.
#[derive(Debug, Clone)]
pub struct PushModule {
    pub name: ModuleFullName,
    /// Module files (`.proto`, LICENSE, one doc file), by path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// What `--create` asks for a module that does not exist yet.
#[derive(Debug, Clone)]
pub struct Create {
    /// `public` or `private`.
    pub public: bool,
    pub default_label: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PushRequest {
    pub modules: Vec<PushModule>,
    /// `--label` values (sorted and de-duplicated here).
    pub labels: Vec<String>,
    pub create: Option<Create>,
    pub source_control_url: String,
    /// Commits of the remote modules the pushed ones depend on, transitively.
    pub dep_commit_ids: Vec<String>,
}

fn module_ref(name: &ModuleFullName) -> v1::ModuleRef {
    v1::ModuleRef {
        value: Some(v1::module_ref::Value::Name(v1::module_ref::Name {
            owner: name.owner.clone(),
            module: name.name.clone(),
        })),
    }
}

/// Pushes `req` and returns each module's commit ID, in module order.
pub fn push(req: &PushRequest) -> Result<Vec<(ModuleFullName, String)>, ClientError> {
    let Some(first) = req.modules.first() else {
        return Ok(Vec::new());
    };
    let client = Client::new(&first.name.registry)?;
    match &req.create {
        None => {
            let _: v1::GetModulesResponse = client.call(
                v1::MODULE_SERVICE,
                "GetModules",
                &v1::GetModulesRequest {
                    module_refs: req.modules.iter().map(|m| module_ref(&m.name)).collect(),
                },
            )?;
        }
        Some(create) => {
            for m in &req.modules {
                let found: Result<v1::GetModulesResponse, ClientError> = client.call(
                    v1::MODULE_SERVICE,
                    "GetModules",
                    &v1::GetModulesRequest {
                        module_refs: vec![module_ref(&m.name)],
                    },
                );
                match found {
                    Ok(_) => {}
                    Err(e) if e.code() == Some(Code::NotFound) => {
                        let _: v1::CreateModulesResponse = client.call(
                            v1::MODULE_SERVICE,
                            "CreateModules",
                            &v1::CreateModulesRequest {
                                values: vec![v1::CreateModulesValue {
                                    owner_ref: Some(owner::OwnerRef {
                                        value: Some(owner::owner_ref::Value::Name(
                                            m.name.owner.clone(),
                                        )),
                                    }),
                                    name: m.name.name.clone(),
                                    visibility: if create.public {
                                        v1::MODULE_VISIBILITY_PUBLIC
                                    } else {
                                        v1::MODULE_VISIBILITY_PRIVATE
                                    },
                                    default_label_name: create
                                        .default_label
                                        .clone()
                                        .unwrap_or_default(),
                                    ..Default::default()
                                }],
                            },
                        )?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    let mut labels = req.labels.clone();
    labels.sort();
    labels.dedup();
    let contents = req
        .modules
        .iter()
        .map(|m| v1::UploadContent {
            module_ref: Some(module_ref(&m.name)),
            files: m
                .files
                .iter()
                .map(|(path, content)| v1::File {
                    path: path.clone(),
                    content: content.clone(),
                })
                .collect(),
            scoped_label_refs: labels
                .iter()
                .map(|l| v1::ScopedLabelRef {
                    value: Some(v1::scoped_label_ref::Value::Name(l.clone())),
                })
                .collect(),
            source_control_url: req.source_control_url.clone(),
        })
        .collect();
    let resp: v1::UploadResponse = client.call(
        v1::UPLOAD_SERVICE,
        "Upload",
        &v1::UploadRequest {
            contents,
            dep_commit_ids: req.dep_commit_ids.clone(),
        },
    )?;
    if resp.commits.len() != req.modules.len() {
        return Err(ClientError::Transport(format!(
            "expected {} Commits, got {}",
            req.modules.len(),
            resp.commits.len()
        )));
    }
    Ok(req
        .modules
        .iter()
        .zip(resp.commits)
        .map(|(m, c)| (m.name.clone(), c.id))
        .collect())
}
