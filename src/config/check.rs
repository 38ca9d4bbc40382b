//! The `lint:` and `breaking:` sections: their raw shapes per version, and the resolved
//! per-module values (ignore paths made relative to the module) that lint and breaking read.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::ConfigVersion;
use super::decode::{lenient_bool, list_map, opt_string, string_list};
use super::path::{check_no_overlap, contains, normalize_and_validate, quote, rel};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLintV1 {
    #[serde(default, rename = "use", deserialize_with = "string_list")]
    pub use_rules: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub except: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub ignore: Vec<String>,
    #[serde(default, deserialize_with = "list_map")]
    pub ignore_only: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub enum_zero_value_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_same_request_response: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_google_protobuf_empty_requests: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_google_protobuf_empty_responses: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub service_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub allow_comment_ignores: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub disable_builtin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLintV2 {
    #[serde(default, rename = "use", deserialize_with = "string_list")]
    pub use_rules: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub except: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub ignore: Vec<String>,
    #[serde(default, deserialize_with = "list_map")]
    pub ignore_only: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub enum_zero_value_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_same_request_response: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_google_protobuf_empty_requests: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub rpc_allow_google_protobuf_empty_responses: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub service_suffix: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub disallow_comment_ignores: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub disable_builtin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBreaking {
    #[serde(default, rename = "use", deserialize_with = "string_list")]
    pub use_rules: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub except: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub ignore: Vec<String>,
    #[serde(default, deserialize_with = "list_map")]
    pub ignore_only: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub ignore_unstable_packages: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub disable_builtin: bool,
}

/// A module's lint configuration. Paths in `ignore` and `ignore_only` are relative to the
/// module directory (for v1beta1, as written in buf.yaml). An `ignore_only` entry of `.`
/// means the whole module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    pub version: ConfigVersion,
    /// Rule IDs and categories as written; empty means the version's default
    /// (see [`LintConfig::default_use`]).
    pub use_rules: Vec<String>,
    pub except: Vec<String>,
    pub ignore: Vec<String>,
    pub ignore_only: BTreeMap<String, Vec<String>>,
    pub enum_zero_value_suffix: String,
    pub rpc_allow_same_request_response: bool,
    pub rpc_allow_google_protobuf_empty_requests: bool,
    pub rpc_allow_google_protobuf_empty_responses: bool,
    pub service_suffix: String,
    /// v1beta1/v1 key; off by default.
    pub allow_comment_ignores: bool,
    /// v2 key; off by default, so v2 allows comment ignores.
    pub disallow_comment_ignores: bool,
    pub disable_builtin: bool,
    /// An `ignore` entry named the module directory itself: lint does not run on it.
    pub disabled: bool,
}

impl LintConfig {
    pub fn new(version: ConfigVersion) -> Self {
        Self {
            version,
            use_rules: Vec::new(),
            except: Vec::new(),
            ignore: Vec::new(),
            ignore_only: BTreeMap::new(),
            enum_zero_value_suffix: "_UNSPECIFIED".to_string(),
            rpc_allow_same_request_response: false,
            rpc_allow_google_protobuf_empty_requests: false,
            rpc_allow_google_protobuf_empty_responses: false,
            service_suffix: "Service".to_string(),
            allow_comment_ignores: false,
            disallow_comment_ignores: false,
            disable_builtin: false,
            disabled: false,
        }
    }

    /// The category used when `use` is empty: `DEFAULT` before v2, `STANDARD` in v2.
    pub fn default_use(&self) -> &'static str {
        match self.version {
            ConfigVersion::V2 => "STANDARD",
            ConfigVersion::V1Beta1 | ConfigVersion::V1 => "DEFAULT",
        }
    }

    /// Sets the configurable suffixes; buf reads an empty value as the default.
    pub(crate) fn set_suffixes(&mut self, enum_zero: &Option<String>, service: &Option<String>) {
        if let Some(s) = enum_zero.as_ref().filter(|s| !s.is_empty()) {
            self.enum_zero_value_suffix = s.clone();
        }
        if let Some(s) = service.as_ref().filter(|s| !s.is_empty()) {
            self.service_suffix = s.clone();
        }
    }

    /// Whether `// buf:lint:ignore` comments are honoured.
    pub fn comment_ignores_allowed(&self) -> bool {
        match self.version {
            ConfigVersion::V2 => !self.disallow_comment_ignores,
            ConfigVersion::V1Beta1 | ConfigVersion::V1 => self.allow_comment_ignores,
        }
    }
}

/// A module's breaking configuration; paths as in [`LintConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakingConfig {
    pub version: ConfigVersion,
    /// Rule IDs and categories as written; empty means `FILE`.
    pub use_rules: Vec<String>,
    pub except: Vec<String>,
    pub ignore: Vec<String>,
    pub ignore_only: BTreeMap<String, Vec<String>>,
    pub ignore_unstable_packages: bool,
    pub disable_builtin: bool,
    /// An `ignore` entry named the module directory itself.
    pub disabled: bool,
}

impl BreakingConfig {
    pub fn new(version: ConfigVersion) -> Self {
        Self {
            version,
            use_rules: Vec::new(),
            except: Vec::new(),
            ignore: Vec::new(),
            ignore_only: BTreeMap::new(),
            ignore_unstable_packages: false,
            disable_builtin: false,
            disabled: false,
        }
    }

    pub fn default_use(&self) -> &'static str {
        "FILE"
    }
}

/// The path lists of a section after validation, relative to the module.
struct ResolvedPaths {
    ignore: Vec<String>,
    ignore_only: BTreeMap<String, Vec<String>>,
    disabled: bool,
}

/// How the section's paths relate to the module they apply to.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// v1beta1/v1: paths are already relative to the module (buf.yaml) directory.
    V1,
    /// v2 module-level section: every path must lie inside `module_dir`.
    V2Module { module_dir: &'a str },
    /// v2 top-level section applied to one module: paths outside it are dropped.
    V2TopLevel { module_dir: &'a str },
}

fn resolve_paths(
    section: &str,
    ignore: &[String],
    ignore_only: &BTreeMap<String, Vec<String>>,
    scope: Scope<'_>,
) -> Result<ResolvedPaths, String> {
    let mut disabled = false;
    let resolve = |key: &str, raw: &[String]| -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        for entry in raw {
            if entry.is_empty() && matches!(scope, Scope::V1) {
                continue;
            }
            let path = normalize_and_validate(entry)
                .map_err(|e| format!("{section}.{key}: invalid path: {e}"))?;
            let relative = match scope {
                Scope::V1 => Some(path),
                Scope::V2Module { module_dir } | Scope::V2TopLevel { module_dir }
                    if module_dir == path =>
                {
                    Some(".".to_string())
                }
                Scope::V2Module { module_dir } | Scope::V2TopLevel { module_dir }
                    if module_dir == "." =>
                {
                    Some(path)
                }
                Scope::V2Module { module_dir } => {
                    if !contains(module_dir, &path) {
                        return Err(format!(
                            "{section}.{key}: path {} is not contained within module directory {}",
                            quote(&path),
                            quote(module_dir)
                        ));
                    }
                    Some(rel(module_dir, &path))
                }
                Scope::V2TopLevel { module_dir } => {
                    contains(module_dir, &path).then(|| rel(module_dir, &path))
                }
            };
            if let Some(relative) = relative
                && !out.contains(&relative)
            {
                out.push(relative);
            }
        }
        Ok(out)
    };
    let mut ignore = resolve("ignore", ignore)?;
    let mut resolved_only = BTreeMap::new();
    for (rule, paths) in ignore_only {
        let paths = resolve("ignore_only", paths)?;
        check_no_overlap("ignore", &paths)?;
        if !paths.is_empty() {
            resolved_only.insert(rule.clone(), paths);
        }
    }
    if ignore.iter().any(|p| p == ".") {
        disabled = true;
        ignore.retain(|p| p != ".");
    }
    check_no_overlap("ignore", &ignore)?;
    Ok(ResolvedPaths {
        ignore,
        ignore_only: resolved_only,
        disabled,
    })
}

pub(crate) fn resolve_lint_v1(
    version: ConfigVersion,
    raw: &RawLintV1,
) -> Result<LintConfig, String> {
    let paths = resolve_paths("lint", &raw.ignore, &raw.ignore_only, Scope::V1)?;
    let mut config = LintConfig::new(version);
    config.use_rules = raw.use_rules.clone();
    config.except = raw.except.clone();
    config.ignore = paths.ignore;
    config.ignore_only = paths.ignore_only;
    config.disabled = paths.disabled;
    config.set_suffixes(&raw.enum_zero_value_suffix, &raw.service_suffix);
    config.rpc_allow_same_request_response = raw.rpc_allow_same_request_response;
    config.rpc_allow_google_protobuf_empty_requests = raw.rpc_allow_google_protobuf_empty_requests;
    config.rpc_allow_google_protobuf_empty_responses =
        raw.rpc_allow_google_protobuf_empty_responses;
    config.allow_comment_ignores = raw.allow_comment_ignores;
    config.disable_builtin = raw.disable_builtin;
    Ok(config)
}

pub(crate) fn resolve_lint_v2(raw: &RawLintV2, scope: Scope<'_>) -> Result<LintConfig, String> {
    let paths = resolve_paths("lint", &raw.ignore, &raw.ignore_only, scope)?;
    let mut config = LintConfig::new(ConfigVersion::V2);
    config.use_rules = raw.use_rules.clone();
    config.except = raw.except.clone();
    config.ignore = paths.ignore;
    config.ignore_only = paths.ignore_only;
    config.disabled = paths.disabled;
    config.set_suffixes(&raw.enum_zero_value_suffix, &raw.service_suffix);
    config.rpc_allow_same_request_response = raw.rpc_allow_same_request_response;
    config.rpc_allow_google_protobuf_empty_requests = raw.rpc_allow_google_protobuf_empty_requests;
    config.rpc_allow_google_protobuf_empty_responses =
        raw.rpc_allow_google_protobuf_empty_responses;
    config.disallow_comment_ignores = raw.disallow_comment_ignores;
    config.disable_builtin = raw.disable_builtin;
    Ok(config)
}

pub(crate) fn resolve_breaking(
    version: ConfigVersion,
    raw: &RawBreaking,
    scope: Scope<'_>,
) -> Result<BreakingConfig, String> {
    let paths = resolve_paths("breaking", &raw.ignore, &raw.ignore_only, scope)?;
    let mut config = BreakingConfig::new(version);
    config.use_rules = raw.use_rules.clone();
    config.except = raw.except.clone();
    config.ignore = paths.ignore;
    config.ignore_only = paths.ignore_only;
    config.disabled = paths.disabled;
    config.ignore_unstable_packages = raw.ignore_unstable_packages;
    config.disable_builtin = raw.disable_builtin;
    Ok(config)
}
