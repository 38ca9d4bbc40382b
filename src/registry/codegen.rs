//! Remote plugins: `buf.alpha.registry.v1alpha1.CodeGenerationService`'s
//! GenerateCode, its messages (field numbers as buf sends them) and the
//! client `generate` calls, one call per registry host and plugin group.

use std::sync::Mutex;

use crate::config::buf_gen_yaml::{PluginSource, PluginSpec};
use crate::generate::plugin_proto::CodeGeneratorResponse;
use crate::image::{Image, WriteOptions};

use super::client::Client as RpcClient;

pub const CODE_GENERATION_SERVICE: &str = "buf.alpha.registry.v1alpha1.CodeGenerationService";

#[derive(Clone, PartialEq, prost::Message)]
pub struct GenerateCodeRequest {
    /// A `buf.alpha.image.v1.Image`, as bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub image: Vec<u8>,
    #[prost(message, repeated, tag = "2")]
    pub requests: Vec<PluginGenerationRequest>,
    #[prost(bool, optional, tag = "3")]
    pub include_imports: Option<bool>,
    #[prost(bool, optional, tag = "4")]
    pub include_well_known_types: Option<bool>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginGenerationRequest {
    #[prost(message, optional, tag = "1")]
    pub plugin_reference: Option<CuratedPluginReference>,
    #[prost(string, repeated, tag = "2")]
    pub options: Vec<String>,
    #[prost(bool, optional, tag = "3")]
    pub include_imports: Option<bool>,
    #[prost(bool, optional, tag = "4")]
    pub include_well_known_types: Option<bool>,
}

#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct CuratedPluginReference {
    #[prost(string, tag = "1")]
    pub owner: String,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub version: String,
    #[prost(uint32, tag = "4")]
    pub revision: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GenerateCodeResponse {
    #[prost(message, repeated, tag = "1")]
    pub responses: Vec<PluginGenerationResponse>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginGenerationResponse {
    #[prost(message, optional, tag = "1")]
    pub response: Option<CodeGeneratorResponse>,
}

/// `registry/owner/name[:version]` and a revision, as buf sends them.
pub fn plugin_reference(reference: &str, revision: u32) -> (String, CuratedPluginReference) {
    let (name_part, version) = match reference.rsplit_once(':') {
        Some((n, v)) if !v.contains('/') => (n, v),
        _ => (reference, ""),
    };
    let mut parts = name_part.splitn(3, '/');
    let host = parts.next().unwrap_or("").to_string();
    let owner = parts.next().unwrap_or("").to_string();
    let name = parts.next().unwrap_or("").to_string();
    (
        host,
        CuratedPluginReference {
            owner,
            name,
            version: version.to_string(),
            revision: if version.is_empty() { 0 } else { revision },
        },
    )
}

/// The client `generate` uses: one registry client per host, made on first
/// use.
pub struct Client {
    clients: Mutex<Vec<(String, std::sync::Arc<RpcClient>)>>,
}

impl Client {
    pub fn new(_cwd: &std::path::Path) -> Client {
        Client {
            clients: Mutex::new(Vec::new()),
        }
    }

    fn for_host(&self, host: &str) -> Result<std::sync::Arc<RpcClient>, String> {
        let mut clients = self.clients.lock().map_err(|e| e.to_string())?;
        if let Some((_, c)) = clients.iter().find(|(h, _)| h == host) {
            return Ok(c.clone());
        }
        let c = std::sync::Arc::new(RpcClient::new(host).map_err(|e| e.to_string())?);
        clients.push((host.to_string(), c.clone()));
        Ok(c)
    }
}

impl crate::generate::RemoteGenerator for Client {
    fn generate(
        &self,
        host: &str,
        image: &Image,
        plugins: &[&PluginSpec],
    ) -> Result<Vec<CodeGeneratorResponse>, String> {
        let client = self.for_host(host)?;
        let requests = plugins
            .iter()
            .map(|p| {
                let (reference, revision) = match &p.source {
                    PluginSource::Remote {
                        reference,
                        revision,
                    } => (reference.as_str(), *revision),
                    _ => ("", 0),
                };
                PluginGenerationRequest {
                    plugin_reference: Some(plugin_reference(reference, revision).1),
                    options: p.opt.iter().cloned().collect(),
                    include_imports: Some(p.include_imports),
                    include_well_known_types: Some(p.include_wkt),
                }
            })
            .collect();
        let request = GenerateCodeRequest {
            image: image.to_binary(WriteOptions::default()),
            requests,
            include_imports: None,
            include_well_known_types: None,
        };
        let response: GenerateCodeResponse = client
            .call(CODE_GENERATION_SERVICE, "GenerateCode", &request)
            // buf prints the registry's error without naming the plugin.
            .map_err(|e| format!("{}{e}", crate::generate::STANDS_ALONE))?;
        response
            .responses
            .into_iter()
            .map(|r| {
                r.response
                    .ok_or_else(|| "expected code generator response".to_string())
            })
            .collect()
    }
}
