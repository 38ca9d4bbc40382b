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

use crate::check::Family;
use crate::check::plugins::{Files, Plugin as CheckPlugin};
use crate::check::select;
use crate::cli::check_runs;
use crate::config::{BreakingConfig, BufYaml, CheckPluginConfig, ConfigVersion, LintConfig};
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
    /// A check plugin exited with this code: buf's plugin exits with it too,
    /// printing nothing of its own.
    #[error("")]
    CheckPluginExit(i32),
}

impl PluginError {
    /// The exit code buf's plugin ends with for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            PluginError::CheckPluginExit(n) => *n,
            _ => 1,
        }
    }
}

/// A check plugin's failure (the text after `Failure: `).
fn plugin_failure(message: String) -> PluginError {
    match crate::check::plugins::rpc::exit_code(&message) {
        Some(n) => PluginError::CheckPluginExit(n),
        None => PluginError::Rules(message),
    }
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
    let (lint_config, breaking_config, plugin_configs) = module_config(param, cwd)?;
    deadline.check()?;
    if lint_config.disabled {
        return Ok(None);
    }
    let plugins = start_plugins(&plugin_configs, param, cwd)?;
    let run = check_runs::Run {
        policy: None,
        lint: &lint_config,
        breaking: &breaking_config,
        plugins: &plugins,
    };
    let chosen = choose(&run, Family::Lint, warnings)?;
    let mut findings = Vec::new();
    if !chosen.builtin.is_empty() {
        let job = crate::lint::ModuleJob {
            files: targets(&image),
            config: &lint_config,
            rules: chosen.builtin.clone(),
        };
        findings = crate::lint::run(&image, std::slice::from_ref(&job));
    }
    let files = all_files(&image);
    let tasks = plugin_tasks(
        &plugins,
        &chosen,
        Files {
            image: &image,
            files: &files,
        },
        None,
        check_runs::Filter {
            ignore: &lint_config.ignore,
            ignore_only: select::ignore_only_by_rule(&chosen.universe, &lint_config.ignore_only),
            comment_ignores: lint_config.comment_ignores_allowed(),
            exclude_imports: false,
            ignore_unstable: false,
        },
    );
    if !tasks.is_empty() {
        let placed = check_runs::run_tasks(&tasks).map_err(plugin_failure)?;
        findings.extend(placed.into_iter().flatten().map(|p| {
            crate::lint::LintAnnotation {
                module_path: p
                    .file
                    .as_ref()
                    .map(|(i, _, _)| image.files[*i].file.fd.name().to_string())
                    .unwrap_or_default(),
                annotation: p.annotation,
            }
        }));
        findings = check_runs::merge(findings, |f| &f.annotation);
    }
    deadline.check()?;
    if findings.is_empty() {
        return Ok(None);
    }
    if param.error_format == "config-ignore-yaml" {
        return Ok(Some(report::config_ignore_yaml::render(
            findings
                .iter()
                .filter(|f| !f.module_path.is_empty())
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
    let (lint_config, breaking_config, plugin_configs) = module_config(param, cwd)?;
    if breaking_config.disabled {
        return Ok(None);
    }
    let plugins = start_plugins(&plugin_configs, param, cwd)?;
    let run = check_runs::Run {
        policy: None,
        lint: &lint_config,
        breaking: &breaking_config,
        plugins: &plugins,
    };
    let chosen = choose(&run, Family::Breaking, warnings)?;
    let previous = &against.built.image;
    let view = |image: &Image| -> Vec<(usize, bool)> {
        image
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f.is_import))
            .collect()
    };
    let (cur_view, prev_view) = (view(&current), view(previous));
    let mut annotations = Vec::new();
    if !chosen.builtin.is_empty() {
        let job = crate::breaking::Job {
            current: cur_view.clone(),
            against: prev_view.clone(),
            config: &breaking_config,
            rules: chosen.builtin.clone(),
            exclude_imports: param.exclude_imports,
        };
        annotations = crate::breaking::run(&current, previous, std::slice::from_ref(&job));
    }
    let tasks = plugin_tasks(
        &plugins,
        &chosen,
        Files {
            image: &current,
            files: &cur_view,
        },
        Some(Files {
            image: previous,
            files: &prev_view,
        }),
        check_runs::Filter {
            ignore: &breaking_config.ignore,
            ignore_only: select::ignore_only_by_rule(
                &chosen.universe,
                &breaking_config.ignore_only,
            ),
            comment_ignores: false,
            exclude_imports: param.exclude_imports,
            ignore_unstable: breaking_config.ignore_unstable_packages,
        },
    );
    if !tasks.is_empty() {
        let placed = check_runs::run_tasks(&tasks).map_err(plugin_failure)?;
        annotations.extend(placed.into_iter().flatten().map(|p| p.annotation));
        annotations = check_runs::merge(annotations, |a| a);
    }
    deadline.check()?;
    if annotations.is_empty() {
        return Ok(None);
    }
    render(&annotations, &param.error_format).map(Some)
}

/// The run's rules of `family`, with buf's deprecation and unused-plugin
/// warnings (the other family's section counts for the latter).
fn choose(
    run: &check_runs::Run,
    family: Family,
    warnings: &mut Vec<String>,
) -> Result<check_runs::Chosen, PluginError> {
    let chosen = run.choose(family).map_err(PluginError::Rules)?;
    warnings.extend(chosen.warnings.iter().cloned());
    let other = run
        .choose_other(family.other())
        .map_err(PluginError::Rules)?;
    let mut all = vec![&chosen];
    all.extend(other.as_ref());
    warnings.extend(check_runs::unused_plugins_warning(
        "buf.yaml",
        family,
        run.plugins,
        &all,
    ));
    Ok(chosen)
}

/// Starts the buf.yaml's check plugins, through `plugin_overrides` where
/// they name a program.
fn start_plugins(
    configs: &[CheckPluginConfig],
    param: &param::Param,
    cwd: &Path,
) -> Result<Vec<CheckPlugin>, PluginError> {
    crate::check::plugins::load_with(configs, None, cwd, &|_| false, &param.plugin_overrides)
        .map_err(plugin_failure)
}

/// One Check per plugin with chosen rules.
fn plugin_tasks<'a>(
    plugins: &'a [CheckPlugin],
    chosen: &check_runs::Chosen,
    current: Files<'a>,
    against: Option<Files<'a>>,
    filter: check_runs::Filter<'a>,
) -> Vec<check_runs::Task<'a>> {
    let mut tasks = Vec::new();
    for (plugin, rules) in plugins.iter().zip(&chosen.by_plugin) {
        if rules.is_empty() {
            continue;
        }
        tasks.push(check_runs::Task {
            plugin,
            rules: rules.clone(),
            current,
            against,
            filter: check_runs::Filter {
                ignore: filter.ignore,
                ignore_only: filter.ignore_only.clone(),
                comment_ignores: filter.comment_ignores,
                exclude_imports: filter.exclude_imports,
                ignore_unstable: filter.ignore_unstable,
            },
        });
    }
    tasks
}

/// Every file of `image` as (index, is import).
fn all_files(image: &Image) -> Vec<(usize, bool)> {
    image
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (i, f.is_import))
        .collect()
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
        // protolith's SARIF is a CLI addition; buf's plugins do not know it.
        "sarif" => return Err(PluginError::UnknownFormat(error_format.to_string())),
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
) -> Result<(LintConfig, BreakingConfig, Vec<CheckPluginConfig>), PluginError> {
    let buf_yaml: BufYaml = if param.input_config.is_empty() {
        let found = crate::config::BUF_YAML_NAMES
            .iter()
            .map(|name| (name, cwd.join(name)))
            .find(|(_, path)| path.is_file());
        let Some((name, path)) = found else {
            return Ok((
                LintConfig::new(ConfigVersion::V2),
                BreakingConfig::new(ConfigVersion::V2),
                Vec::new(),
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
    // A remote check plugin runs only through an override naming a local
    // program.
    if let Some(plugin) = buf_yaml
        .plugins
        .iter()
        .find(|p| !param.plugin_overrides.contains_key(&p.plugin) && is_remote_plugin(&p.plugin))
    {
        return Err(PluginError::RemotePlugin(plugin.plugin.clone()));
    }
    let plugins = buf_yaml.plugins;
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
        (Some(m), None) => Ok((m.lint, m.breaking, plugins)),
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
