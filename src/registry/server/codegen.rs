//! GenerateCode: the registry runs plugin binaries it was started with
//! (`registry serve --plugin owner/name:version=PROGRAM`), so a team can host
//! its own remote plugins. Each plugin of a call sees the whole image in one
//! request (the registry has no strategy), with imports and well-known types
//! generated as the call asks.

use std::path::PathBuf;

use super::connect::RpcError;
use crate::registry::client::Code;
use crate::registry::codegen::{
    GenerateCodeRequest, GenerateCodeResponse, PluginGenerationRequest, PluginGenerationResponse,
};

/// A plugin the registry serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedPlugin {
    pub owner: String,
    pub name: String,
    pub version: String,
    /// Program, then arguments.
    pub argv: Vec<String>,
}

impl HostedPlugin {
    /// Parses `owner/name:version=PROGRAM [ARGS...]`.
    pub fn parse(spec: &str) -> Result<HostedPlugin, String> {
        let bad = || format!("--plugin {spec:?}: want owner/name:version=PROGRAM");
        let (reference, program) = spec.split_once('=').ok_or_else(bad)?;
        let (name_part, version) = reference.split_once(':').ok_or_else(bad)?;
        let (owner, name) = name_part.split_once('/').ok_or_else(bad)?;
        let argv: Vec<String> = program.split_whitespace().map(str::to_string).collect();
        if owner.is_empty() || name.is_empty() || version.is_empty() || argv.is_empty() {
            return Err(bad());
        }
        Ok(HostedPlugin {
            owner: owner.into(),
            name: name.into(),
            version: version.into(),
            argv,
        })
    }
}

pub(super) fn generate_code(
    plugins: &[HostedPlugin],
    req: GenerateCodeRequest,
) -> Result<GenerateCodeResponse, RpcError> {
    let image = crate::image::read::decode(&req.image, crate::image::read::Encoding::Binpb)
        .map_err(|e| RpcError::invalid(format!("the image is not valid: {e}")))?;
    let encoded = crate::generate::request::Encoded::new(&image);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut responses = Vec::with_capacity(req.requests.len());
    for p in &req.requests {
        let plugin = find(plugins, p)?;
        let plan = crate::generate::request::plan(
            &image,
            crate::config::buf_gen_yaml::Strategy::All,
            p.include_imports.unwrap_or(false),
            p.include_well_known_types.unwrap_or(false),
        );
        let parameter = (!p.options.is_empty()).then(|| p.options.join(","));
        let mut merged = crate::generate::plugin_proto::CodeGeneratorResponse::default();
        for plan in &plan {
            let bytes = crate::generate::request::encode_request(
                &image,
                &encoded,
                plan,
                parameter.as_deref(),
            );
            let (program, args) = match plugin.argv.split_first() {
                Some((p, a)) => (p, a),
                None => return Err(RpcError::internal("the plugin has no program")),
            };
            let program = crate::generate::run::look_path(program, &cwd)
                .map_err(|e| RpcError::internal(format!("plugin {}: {e}", display(plugin))))?;
            let resp = crate::generate::run::run_binary(&program, args, &cwd, bytes)
                .map_err(|e| RpcError::internal(format!("plugin {}: {e}", display(plugin))))?;
            // buf ignores the error field of a remote plugin's response, so
            // the registry reports it as the call's failure.
            if let Some(e) = resp.error.as_deref().filter(|e| !e.is_empty()) {
                return Err(RpcError::invalid(format!(
                    "plugin {}: {e}",
                    display(plugin)
                )));
            }
            merged = resp;
        }
        responses.push(PluginGenerationResponse {
            response: Some(merged),
        });
    }
    Ok(GenerateCodeResponse { responses })
}

fn display(p: &HostedPlugin) -> String {
    format!("{}/{}:{}", p.owner, p.name, p.version)
}

/// The plugin a request names; without a version, the one registered last.
fn find<'a>(
    plugins: &'a [HostedPlugin],
    p: &PluginGenerationRequest,
) -> Result<&'a HostedPlugin, RpcError> {
    let r = p
        .plugin_reference
        .as_ref()
        .ok_or_else(|| RpcError::invalid("plugin_reference is required"))?;
    plugins
        .iter()
        .rev()
        .find(|h| {
            h.owner == r.owner
                && h.name == r.name
                && (r.version.is_empty() || h.version == r.version)
        })
        .ok_or_else(|| {
            let v = if r.version.is_empty() {
                String::new()
            } else {
                format!(":{}", r.version)
            };
            RpcError::new(
                Code::NotFound,
                format!("plugin {}/{}{v} not found", r.owner, r.name),
            )
        })
}
