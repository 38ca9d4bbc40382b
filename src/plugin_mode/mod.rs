//! protoc plugin mode: `protoc-gen-buf-lint` and `protoc-gen-buf-breaking`,
//! the two programs Bazel's rules_buf (and rules_lint, rules_proto_grpc)
//! run under protoc. Owns the request and response, the JSON/YAML
//! parameter, the image built from the request's descriptors (with unused
//! imports worked out, as no compiler ran), and the configuration lookup;
//! the checks themselves are the lint and breaking engines.

mod param;
mod request;
mod unused;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::check::select;
use crate::config::{BreakingConfig, BufYaml, ConfigVersion, LintConfig};
use crate::image::Image;
use crate::image::read::{self, Encoding};
use crate::input::{self, InputError};
use crate::report::{self, ErrorFormat};
use crate::workspace::BuildRequest;

/// Which plugin this process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plugin {
    Lint,
    Breaking,
}

impl Plugin {
    /// The plugin a program name stands for: protolith answers as a plugin
    /// when it is run through a link or copy named like buf's binaries.
    pub fn from_program_name(argv0: &std::ffi::OsStr) -> Option<Plugin> {
        let name = Path::new(argv0).file_name()?.to_str()?;
        let name = name.strip_suffix(".exe").unwrap_or(name);
        match name {
            "protoc-gen-buf-lint" => Some(Plugin::Lint),
            "protoc-gen-buf-breaking" => Some(Plugin::Breaking),
            _ => None,
        }
    }
}

/// Why a plugin could not do its job: the message goes to stderr and the
/// plugin exits 1, which protoc reports as a plugin failure. The texts are
/// buf 1.75.0's.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("unknown argument: {0}")]
    UnknownArgument(String),
    #[error("unknown arguments: {0}")]
    UnknownArguments(String),
    #[error("proto:\u{a0}cannot parse invalid wire-format data")]
    Wire,
    #[error("proto:\u{a0}string field contains invalid UTF-8")]
    InvalidUtf8,
    #[error("CodeGeneratorRequest: {0}")]
    Request(String),
    /// The parameter did not decode, or names a bad log level or format.
    #[error("{0}")]
    Parameter(String),
    #[error("\"against_input\" is required")]
    AgainstInputRequired,
    /// The request's descriptors do not make an image.
    #[error("{0}")]
    Image(#[from] read::ReadError),
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("no module found for {}", crate::check::naming::go_quote(.0))]
    NoModule(String),
    #[error(
        "multiple modules found at {}, specify its full name as <remote/owner/module> instead",
        crate::check::naming::go_quote(.0)
    )]
    MultipleModules(String),
    #[error("remote plugin {0} cannot be run with protoc plugin")]
    RemotePlugin(String),
    #[error("check plugins are not supported by protolith's protoc plugins: {0}")]
    CheckPlugin(String),
    /// A rule or category the configuration names does not exist.
    #[error("{0}")]
    Rules(String),
    #[error("unknown format: {}", crate::check::naming::go_quote(.0))]
    UnknownFormat(String),
    /// The `against_input` could not be read or built.
    #[error("{0}")]
    Against(String),
    #[error("Failed with code deadline_exceeded: context deadline exceeded")]
    DeadlineExceeded,
}

/// The plugin's answer: findings (trimmed, as buf trims them) for the
/// response's `error` field, or none.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub error: Option<String>,
}

impl Response {
    /// The CodeGeneratorResponse bytes for stdout.
    pub fn encode(&self) -> Vec<u8> {
        request::encode_response(self.error.as_deref())
    }
}

/// A run's outcome, and the warnings buf would log on the way (deprecated
/// rules and categories), to print in `log_format` before it.
#[derive(Debug)]
pub struct Run {
    pub warnings: Vec<String>,
    /// The parameter's `log_format` (`""`: buf's default).
    pub log_format: String,
    pub result: Result<Response, PluginError>,
}

/// Runs `plugin` over a serialized CodeGeneratorRequest. `args` are the
/// program's arguments after its name (buf's plugins take none); `cwd` is
/// where `input_config`, `against_input` and buf.yaml are resolved.
pub fn run(plugin: Plugin, args: &[String], stdin: &[u8], cwd: &Path) -> Run {
    let mut run = Run {
        warnings: Vec::new(),
        log_format: String::new(),
        result: Ok(Response { error: None }),
    };
    run.result = run_inner(plugin, args, stdin, cwd, &mut run);
    run
}

fn run_inner(
    plugin: Plugin,
    args: &[String],
    stdin: &[u8],
    cwd: &Path,
    run: &mut Run,
) -> Result<Response, PluginError> {
    match args {
        [] => {}
        [one] => return Err(PluginError::UnknownArgument(one.clone())),
        many => return Err(PluginError::UnknownArguments(many.join(" "))),
    }
    let started = Instant::now();
    let request = request::decode(stdin)?;
    let param = param::parse(plugin, &request.parameter)?;
    run.log_format = param.log_format.clone();
    let deadline = Deadline {
        started,
        timeout: param.timeout,
    };
    let found = match plugin {
        Plugin::Lint => lint(&request, &param, cwd, &deadline, &mut run.warnings)?,
        Plugin::Breaking => breaking(&request, &param, cwd, &deadline, &mut run.warnings)?,
    };
    if param.log_level == "error" {
        run.warnings.clear();
    }
    deadline.check()?;
    Ok(Response {
        error: found.map(|text| text.trim().to_string()),
    })
}

/// buf runs under a context with the parameter's timeout; the work here is
/// not interruptible, so the deadline is checked between steps.
struct Deadline {
    started: Instant,
    timeout: Duration,
}

impl Deadline {
    fn check(&self) -> Result<(), PluginError> {
        if self.started.elapsed() >= self.timeout {
            return Err(PluginError::DeadlineExceeded);
        }
        Ok(())
    }
}

fn lint(
    request: &request::Request,
    param: &param::Param,
    cwd: &Path,
    deadline: &Deadline,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, PluginError> {
    let mut image = request_image(request)?;
    unused::compute(&mut image);
    let (lint_config, _) = module_config(param, cwd)?;
    deadline.check()?;
    if lint_config.disabled || lint_config.disable_builtin {
        return Ok(None);
    }
    let selection = select::resolve(
        &crate::lint::universe(lint_config.version),
        &crate::lint::section(&lint_config),
    )
    .map_err(PluginError::Rules)?;
    warnings.extend(selection.warnings);
    let job = crate::lint::ModuleJob {
        files: targets(&image),
        config: &lint_config,
        rules: selection.rules,
    };
    let findings = crate::lint::run(&image, std::slice::from_ref(&job));
    deadline.check()?;
    if findings.is_empty() {
        return Ok(None);
    }
    if param.error_format == "config-ignore-yaml" {
        return Ok(Some(report::config_ignore_yaml::render(
            findings
                .iter()
                .map(|f| (f.annotation.kind.as_str(), f.module_path.as_str())),
        )));
    }
    let annotations: Vec<report::Annotation> = findings.into_iter().map(|f| f.annotation).collect();
    render(&annotations, &param.error_format).map(Some)
}

fn breaking(
    request: &request::Request,
    param: &param::Param,
    cwd: &Path,
    deadline: &Deadline,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, PluginError> {
    // buf reads the baseline first, limited to the files to generate when
    // asked; its own buf.yaml (if a directory) governs how it is built.
    let against_request = BuildRequest {
        paths: if param.limit_to_input_files {
            request.file_to_generate.clone()
        } else {
            Vec::new()
        },
        ..BuildRequest::default()
    };
    let against = match input::open(&param.against_input, &against_request, cwd, |_| {}) {
        Ok(opened) => opened,
        Err(InputError::Failure(message)) => return Err(PluginError::Against(message)),
        Err(InputError::Compile(diags)) => {
            let annotations: Vec<report::Annotation> = diags
                .iter()
                .map(report::Annotation::from_compile_error)
                .collect();
            return render(&annotations, &param.error_format).map(Some);
        }
    };
    deadline.check()?;
    let current = request_image(request)?;
    let (_, breaking_config) = module_config(param, cwd)?;
    if breaking_config.disabled || breaking_config.disable_builtin {
        return Ok(None);
    }
    let selection = select::resolve(
        &crate::breaking::universe(breaking_config.version),
        &crate::breaking::section(&breaking_config),
    )
    .map_err(PluginError::Rules)?;
    warnings.extend(selection.warnings);
    let previous = &against.built.image;
    let view = |image: &Image| -> Vec<(usize, bool)> {
        image
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f.is_import))
            .collect()
    };
    let job = crate::breaking::Job {
        current: view(&current),
        against: view(previous),
        config: &breaking_config,
        rules: selection.rules,
        exclude_imports: param.exclude_imports,
    };
    let annotations = crate::breaking::run(&current, previous, std::slice::from_ref(&job));
    deadline.check()?;
    if annotations.is_empty() {
        return Ok(None);
    }
    render(&annotations, &param.error_format).map(Some)
}

/// The request's files as an image: the files to generate are its targets,
/// everything else an import.
fn request_image(request: &request::Request) -> Result<Image, PluginError> {
    let mut image = read::decode(&request::descriptor_set(request), Encoding::Binpb)?;
    for f in &mut image.files {
        f.is_import = !request
            .file_to_generate
            .iter()
            .any(|t| t == f.file.fd.name());
    }
    Ok(image)
}

fn targets(image: &Image) -> Vec<usize> {
    image
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_import)
        .map(|(i, _)| i)
        .collect()
}

/// Findings in `error_format` (`""` is text). An unknown format is only
/// noticed when there is something to print, as in buf.
fn render(annotations: &[report::Annotation], error_format: &str) -> Result<String, PluginError> {
    let format = match error_format {
        "" => ErrorFormat::Text,
        other => {
            ErrorFormat::parse(other).map_err(|_| PluginError::UnknownFormat(other.to_string()))?
        }
    };
    let mut out = Vec::new();
    report::write(annotations, format, &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// buf's `GetModuleConfigAndPluginConfigsForProtocPlugin`: `input_config`
/// (a path or inline data), else buf.yaml in `cwd`, else the v2 defaults;
/// then the module named by `module` (its path or full name, `.` by
/// default).
fn module_config(
    param: &param::Param,
    cwd: &Path,
) -> Result<(LintConfig, BreakingConfig), PluginError> {
    let buf_yaml: BufYaml = if param.input_config.is_empty() {
        let found = crate::config::BUF_YAML_NAMES
            .iter()
            .map(|name| (name, cwd.join(name)))
            .find(|(_, path)| path.is_file());
        let Some((name, path)) = found else {
            return Ok((
                LintConfig::new(ConfigVersion::V2),
                BreakingConfig::new(ConfigVersion::V2),
            ));
        };
        let data = std::fs::read_to_string(&path).map_err(|e| {
            PluginError::Config(crate::config::ConfigError::Read {
                path: (*name).to_string(),
                reason: e.to_string(),
            })
        })?;
        crate::config::parse_buf_yaml(&data, name, crate::config::Syntax::Yaml)?
    } else {
        crate::config::parse_config_override(&param.input_config, cwd)?
    };
    // Check plugins are not run here: a remote one is refused as buf
    // refuses it, a local one (or an override) as not supported yet.
    if let Some(plugin) = buf_yaml.plugins.first() {
        let name = plugin.plugin.clone();
        if !param.plugin_overrides.contains_key(&name) && is_remote_plugin(&name) {
            return Err(PluginError::RemotePlugin(name));
        }
        return Err(PluginError::CheckPlugin(name));
    }
    let module = if param.module.is_empty() {
        "."
    } else {
        param.module.as_str()
    };
    let mut found = buf_yaml
        .modules
        .into_iter()
        .filter(|m| m.name.as_ref().is_some_and(|n| n.to_string() == module) || m.dir == module);
    match (found.next(), found.next()) {
        (Some(m), None) => Ok((m.lint, m.breaking)),
        (None, _) => Err(PluginError::NoModule(module.to_string())),
        (Some(_), Some(_)) => Err(PluginError::MultipleModules(module.to_string())),
    }
}

/// A check plugin named as a registry reference (`buf.build/owner/name`)
/// rather than a local program.
fn is_remote_plugin(name: &str) -> bool {
    let first = name.split('/').next().unwrap_or_default();
    name.matches('/').count() == 2 && first.contains('.') && !Path::new(name).exists()
}
