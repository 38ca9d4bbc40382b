//! `protolith generate`: buf.gen.yaml's plugins over one or more inputs.
//! Flags, template, images, managed mode, then the generate stage; the plan
//! it returns is applied, or with `--check` only reported.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, Outcome};
use crate::config::buf_gen_yaml::{self, GenTemplate, InputKind, InputSpec, TemplateSource};
use crate::generate::{self, Warning};
use crate::image::Image;
use crate::input::{self, InputError};
use crate::report;

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The input to generate for (default: the template's inputs, or ".")
    pub input: Option<String>,
    /// The generation template: a file (.yaml, .yml, .json) or inline YAML/JSON
    #[arg(long)]
    pub template: Option<String>,
    /// The base directory every plugin's out is joined to
    #[arg(short = 'o', long = "output", default_value = ".")]
    pub output: String,
    /// Also generate all imports except the well-known types
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub include_imports: Option<bool>,
    /// Also generate the well-known types (needs --include-imports)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub include_wkt: Option<bool>,
    /// The types to generate for (replaces the template's types)
    #[arg(long = "type")]
    pub types: Vec<String>,
    /// Deprecated: use --type
    #[arg(long = "include-types", hide = true)]
    pub include_types: Vec<String>,
    /// Types to leave out
    #[arg(long = "exclude-type")]
    pub exclude_types: Vec<String>,
    /// Delete the files of each output directory that this run does not write
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub clean: Option<bool>,
    /// The format for build errors printed to stderr
    #[arg(long, default_value = "text")]
    pub error_format: String,
    /// Write nothing: list what would be created, changed or deleted and exit
    /// 100 if anything would, 0 if the tree is up to date
    #[arg(long)]
    pub check: bool,
    /// With --check, print a unified diff of the changes
    #[arg(long, requires = "check")]
    pub diff: bool,
    /// Record what every plugin resolves to (version, sha256 of the binary)
    /// in protolith.gen.lock beside the template; later runs stop if a
    /// plugin differs from it
    #[arg(long)]
    pub lock_plugins: bool,
    /// The log format: text, color or json
    #[arg(long, default_value = "color")]
    pub log_format: String,
    /// Accepted for buf compatibility (buf's debug logging)
    #[arg(long, hide = true)]
    pub debug: bool,
    /// Accepted for buf compatibility (buf's time limit)
    #[arg(long, hide = true)]
    pub timeout: Option<String>,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(args: GenerateArgs) -> Result<Outcome, CliError> {
    let fail = CliError::Failure;
    let mut clock = crate::timing::PhaseClock::new();
    report::set_log_format(&args.log_format);
    let cwd = std::env::current_dir().map_err(|e| fail(e.to_string()))?;
    if !args.include_types.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "Flag --include-types has been deprecated, use --type instead"
        );
    }
    if args.include_wkt == Some(true) && args.include_imports != Some(true) {
        // buf prints its usage text first for this flag error.
        let _ = std::io::stderr().write_all(include_str!("generate_usage.txt").as_bytes());
        return Err(fail(
            "Cannot set --include-wkt to true without setting --include-imports to true".into(),
        ));
    }
    let error_format = report::ErrorFormat::parse(&args.error_format).map_err(fail)?;
    let source = match &args.template {
        Some(t) => TemplateSource::Flag(t),
        None => TemplateSource::Default,
    };
    let template = buf_gen_yaml::load(source, &cwd).map_err(fail)?;
    let plugins = effective_plugins(&template, &args);
    // The plugin lock is checked before anything is built or run.
    let lock_file = generate::lock::lock_path(args.template.as_deref(), &cwd);
    let observed = if args.lock_plugins {
        Some(generate::lock::observe(&plugins, &cwd).map_err(fail)?)
    } else if let Some(lock) = generate::lock::read(&lock_file).map_err(fail)? {
        let observed = generate::lock::observe(&plugins, &cwd).map_err(fail)?;
        generate::lock::verify(&lock, &observed, &lock_file).map_err(fail)?;
        None
    } else {
        None
    };
    let mut types: Vec<String> = args.types.clone();
    types.extend(args.include_types.iter().cloned());

    // Every image is built before any plugin runs.
    let inputs = effective_inputs(&template, &args, &types);
    let mut images: Vec<Image> = Vec::with_capacity(inputs.len());
    let mut protect: Vec<PathBuf> = vec![cwd.clone()];
    if let Some(t) = &args.template
        && crate::config::is_config_path(t)
    {
        protect.push(cwd.join(t));
    } else if args.template.is_none() {
        protect.push(cwd.join("buf.gen.yaml"));
    }
    for spec in &inputs {
        let (raw, local) = reference(spec);
        if let Some(local) = local {
            protect.push(cwd.join(local));
        }
        let mut req = args.input_flags.request(&raw);
        req.paths = spec.paths.clone();
        req.exclude_paths = spec.exclude_paths.clone();
        let opened = match input::open(&raw, &req, &cwd, |p| clock.mark(p)) {
            Ok(o) => o,
            Err(InputError::Failure(m)) => return Err(fail(m)),
            Err(InputError::Compile(diags)) => {
                report::compile_errors(&diags, error_format, &mut std::io::stderr().lock());
                return Ok(Outcome::Findings);
            }
        };
        let mut image = opened.built.image;
        if !spec.types.is_empty() || !spec.exclude_types.is_empty() {
            image = crate::image::filter::filter_types(&image, &spec.types, &spec.exclude_types)
                .map_err(fail)?;
        }
        images.push(image);
    }

    clock.mark("images");
    let managed = &template.managed;
    if !managed.enabled && (!managed.disables.is_empty() || !managed.overrides.is_empty()) {
        report::warn("managed mode configs are set but are not enabled");
    }
    if managed.enabled {
        for image in &mut images {
            generate::managed::apply(image, managed).map_err(fail)?;
        }
    }

    let stderr_is_terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        let mut err = std::io::stderr().lock();
        if done < total {
            let _ = write!(err, "\rgenerating: {done}/{total} plugins done");
        } else {
            let _ = write!(err, "\r\x1b[K");
        }
        let _ = err.flush();
    };
    let remote = crate::registry::codegen::Client::new(&cwd);
    let opts = generate::Options {
        cwd: cwd.clone(),
        output: args.output.clone(),
        clean: args.clean.unwrap_or(template.clean),
        protect,
        progress: if stderr_is_terminal {
            Some(&progress)
        } else {
            None
        },
        remote: Some(&remote),
    };
    let mut warnings = Vec::new();
    clock.mark("managed mode");
    let result = generate::generate(&plugins, &images, &opts, &mut warnings);
    if stderr_is_terminal {
        // The progress line goes, whether or not every plugin ran.
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    clock.mark("plugins");
    print_warnings(&warnings);
    let plan = result.map_err(fail)?;
    if args.check {
        let text = plan.describe(args.diff);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        return Ok(if plan.changes.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Findings
        });
    }
    plan.apply().map_err(fail)?;
    clock.mark("write");
    if let Some(observed) = observed {
        generate::lock::write(&lock_file, observed).map_err(fail)?;
    }
    Ok(Outcome::Ok)
}

fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        match w {
            Warning::Log(m) => report::warn(m),
            Warning::Raw(m) => {
                let _ = writeln!(std::io::stderr(), "{m}");
            }
        }
    }
}

/// The template's plugins with the command line's overrides.
fn effective_plugins(
    template: &GenTemplate,
    args: &GenerateArgs,
) -> Vec<crate::config::buf_gen_yaml::PluginSpec> {
    template
        .plugins
        .iter()
        .cloned()
        .map(|mut p| {
            if let Some(v) = args.include_imports {
                p.include_imports = v;
            }
            if let Some(v) = args.include_wkt {
                p.include_wkt = v;
            }
            p
        })
        .collect()
}

/// The inputs to build: the positional input (or `.`) when given or when
/// the template has none, else the template's, with the command line's
/// paths and types replacing each input's where given.
fn effective_inputs(
    template: &GenTemplate,
    args: &GenerateArgs,
    types: &[String],
) -> Vec<InputSpec> {
    let paths = args.input_flags.path_list();
    let exclude_paths = args.input_flags.exclude_path_list();
    if args.input.is_some() || template.inputs.is_empty() {
        let location = args.input.clone().unwrap_or_else(|| ".".into());
        return vec![InputSpec {
            kind: InputKind::Directory,
            location: format!("\u{0}{location}"),
            options: Vec::new(),
            types: if types.is_empty() {
                template.types.clone()
            } else {
                types.to_vec()
            },
            exclude_types: args.exclude_types.clone(),
            paths,
            exclude_paths,
        }];
    }
    template
        .inputs
        .iter()
        .cloned()
        .map(|mut i| {
            if !types.is_empty() {
                i.types = types.to_vec();
            }
            if !args.exclude_types.is_empty() {
                i.exclude_types = args.exclude_types.clone();
            }
            if !paths.is_empty() {
                i.paths = paths.clone();
            }
            if !exclude_paths.is_empty() {
                i.exclude_paths = exclude_paths.clone();
            }
            i
        })
        .collect()
}

/// The input reference string for a template input (buf's `path#k=v`
/// grammar), and its local path when it is a local directory or file.
fn reference(spec: &InputSpec) -> (String, Option<String>) {
    // A positional input is passed through as typed.
    if let Some(raw) = spec.location.strip_prefix('\u{0}') {
        let local = raw.split('#').next().unwrap_or(raw);
        return (
            raw.to_string(),
            Path::new(local).exists().then(|| local.to_string()),
        );
    }
    let format = match spec.kind {
        InputKind::Module => "mod",
        InputKind::Directory => "dir",
        InputKind::ProtoFile => "protofile",
        InputKind::Tarball => "tar",
        InputKind::ZipArchive => "zip",
        InputKind::BinaryImage => "binpb",
        InputKind::JsonImage => "json",
        InputKind::TextImage => "txtpb",
        InputKind::YamlImage => "yaml",
        InputKind::GitRepo => "git",
    };
    let mut raw = format!("{}#format={format}", spec.location);
    for (k, v) in &spec.options {
        raw.push_str(&format!(",{k}={v}"));
    }
    let local = matches!(spec.kind, InputKind::Directory | InputKind::ProtoFile)
        .then(|| spec.location.clone());
    (raw, local)
}
