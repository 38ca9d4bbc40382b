//! `generate`: buf.gen.yaml's plugins run over images. Managed mode rewrites
//! options first (`managed.rs`); requests are built as buf builds them
//! (`request.rs`); plugins run in parallel (`run.rs`, remote ones through the
//! registry); responses are merged and checked (`response.rs`) and turned
//! into one plan of changes (`writer.rs`) that is applied only when every
//! plugin of every image succeeded.
//!
//! Where buf's answer depends on timing (several failures, two requests
//! writing one name), ours is the first in template order, then request
//! order.

pub mod lock;
pub mod managed;
pub mod plugin_proto;
pub mod request;
pub mod response;
pub mod run;
pub mod writer;
pub mod writer_diff;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::buf_gen_yaml::{PluginSource, PluginSpec};
use crate::image::Image;
use plugin_proto::CodeGeneratorResponse;
use request::{Encoded, RequestPlan};
use run::Resolved;

/// Marks a registry error whose text buf prints on its own, without the
/// `plugin P: ` context.
pub const STANDS_ALONE: &str = "\u{0}";

/// A warning the run produced, in the order produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Printed through the logger (`WARN\t...`).
    Log(String),
    /// Printed as is (protoplugin's lenient-mode texts).
    Raw(String),
}

/// What `generate` needs besides the plugins and images.
pub struct Options<'a> {
    pub cwd: PathBuf,
    /// `-o`: joined in front of every `out`.
    pub output: String,
    pub clean: bool,
    /// Paths a cleaned output directory may not contain.
    pub protect: Vec<PathBuf>,
    /// Called as plugins finish: (done, total).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// The registry client for remote plugins.
    pub remote: Option<&'a (dyn RemoteGenerator + Sync)>,
}

/// Runs remote plugins: one call per registry host with every plugin of the
/// group, answered in the same order.
pub trait RemoteGenerator {
    fn generate(
        &self,
        host: &str,
        image: &Image,
        plugins: &[&PluginSpec],
    ) -> Result<Vec<CodeGeneratorResponse>, String>;
}

/// Runs every plugin over every image and plans the writes. `Err` is the
/// text of buf's `Failure:` line.
pub fn generate(
    plugins: &[PluginSpec],
    images: &[Image],
    opts: &Options,
    warnings: &mut Vec<Warning>,
) -> Result<writer::Plan, String> {
    let mut w = writer::Writer::new(opts.cwd.clone(), opts.clean, opts.protect.clone());
    // Resolve each plugin once; a failure is that plugin's error, reported
    // when its turn comes.
    let resolved: Vec<Result<Resolved, String>> = plugins
        .iter()
        .map(|p| run::resolve(&p.source, &opts.cwd))
        .collect();
    for image in images {
        let outputs = run_image(plugins, &resolved, image, opts, warnings)?;
        let refs: Vec<(&str, &str, &[plugin_proto::ResponseFile])> = outputs
            .iter()
            .zip(plugins)
            .map(|(v, p)| (p.display_name.as_str(), p.out.as_str(), v.files.as_slice()))
            .collect();
        response::check_duplicates(&refs)?;
        let required = response::required_features(image);
        // Warnings are logged for every plugin; the errors of all plugins of
        // the image fail the run together.
        let mut errors = Vec::new();
        for (v, p) in outputs.iter().zip(plugins) {
            let report = response::feature_report(&p.display_name, v, &required);
            warnings.extend(report.warning.map(Warning::Log));
            errors.extend(report.error);
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        for (v, p) in outputs.into_iter().zip(plugins) {
            let out = join_output(&opts.output, &p.out);
            w.add(&p.display_name, &out, v.files)
                .map_err(|e| format!("plugin {}: {e}", p.display_name))?;
        }
    }
    w.plan()
}

/// buf's `filepath.Join(output, out)`, skipped for `""` and `.`.
fn join_output(output: &str, out: &str) -> String {
    if output.is_empty() || output == "." {
        out.to_string()
    } else {
        response::go_clean(&format!("{output}/{out}"))
    }
}

/// One unit of work: a plugin's request, or one remote call.
struct Job {
    plugin: usize,
    kind: JobKind,
}

enum JobKind {
    Local {
        view: usize,
        plan: RequestPlan,
    },
    /// A remote call for these plugins (template order) over one view.
    Remote {
        view: usize,
        host: String,
        plugins: Vec<usize>,
    },
}

/// A plugin's view of the image: the image after its type filters.
struct View<'i> {
    /// Borrowed when the plugin has no type filters (no copy of the image).
    image: std::borrow::Cow<'i, Image>,
    encoded: std::sync::OnceLock<Encoded>,
}

fn run_image(
    plugins: &[PluginSpec],
    resolved: &[Result<Resolved, String>],
    image: &Image,
    opts: &Options,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<response::Validated>, String> {
    // Type filters run once per distinct (types, exclude_types).
    let mut views: Vec<View> = Vec::new();
    let mut view_of: HashMap<(Vec<String>, Vec<String>), usize> = HashMap::new();
    let mut plugin_view = Vec::with_capacity(plugins.len());
    for p in plugins {
        let mut types = p.types.clone();
        types.sort();
        let mut excludes = p.exclude_types.clone();
        excludes.sort();
        let key = (types, excludes);
        let v = match view_of.get(&key) {
            Some(&v) => v,
            None => {
                let filtered = filter_view(image, &key.0, &key.1)?;
                views.push(View {
                    image: filtered,
                    encoded: std::sync::OnceLock::new(),
                });
                view_of.insert(key, views.len() - 1);
                views.len() - 1
            }
        };
        plugin_view.push(v);
    }
    // Jobs in template order, then request order.
    let mut jobs: Vec<Job> = Vec::new();
    let mut remote_groups: HashMap<(usize, String), usize> = HashMap::new();
    for (i, p) in plugins.iter().enumerate() {
        let view = plugin_view[i];
        match (&p.source, &resolved[i]) {
            (PluginSource::Remote { reference, .. }, _) => {
                let host = reference.split('/').next().unwrap_or("").to_string();
                match remote_groups.get(&(view, host.clone())) {
                    Some(&j) => {
                        if let Some(Job {
                            kind: JobKind::Remote { plugins, .. },
                            ..
                        }) = jobs.get_mut(j)
                        {
                            plugins.push(i);
                        }
                    }
                    None => {
                        remote_groups.insert((view, host.clone()), jobs.len());
                        jobs.push(Job {
                            plugin: i,
                            kind: JobKind::Remote {
                                view,
                                host,
                                plugins: vec![i],
                            },
                        });
                    }
                }
            }
            (_, Err(_)) => {}
            (_, Ok(_)) => {
                for plan in request::plan(
                    &views[view].image,
                    p.strategy,
                    p.include_imports,
                    p.include_wkt,
                ) {
                    jobs.push(Job {
                        plugin: i,
                        kind: JobKind::Local { view, plan },
                    });
                }
            }
        }
    }
    let results = run_jobs(plugins, resolved, &views, &jobs, opts);
    // Collect each plugin's responses in request order.
    let mut per_plugin: Vec<Vec<CodeGeneratorResponse>> = vec![Vec::new(); plugins.len()];
    let mut failure: Vec<Option<String>> = vec![None; plugins.len()];
    for (job, result) in jobs.iter().zip(results) {
        match result {
            None => {}
            Some(Err(e)) => {
                let slot = match &job.kind {
                    JobKind::Remote { plugins: ps, .. } => ps.clone(),
                    JobKind::Local { .. } => vec![job.plugin],
                };
                for p in slot {
                    if failure[p].is_none() {
                        failure[p] = Some(e.clone());
                    }
                }
            }
            Some(Ok(responses)) => match &job.kind {
                JobKind::Remote { plugins: ps, .. } => {
                    for (p, r) in ps.iter().zip(responses) {
                        per_plugin[*p].push(r);
                    }
                }
                JobKind::Local { .. } => per_plugin[job.plugin].extend(responses),
            },
        }
    }
    let mut out = Vec::with_capacity(plugins.len());
    for (i, p) in plugins.iter().enumerate() {
        if let Err(e) = &resolved[i] {
            return Err(format!("plugin {}: {e}", p.display_name));
        }
        if let Some(e) = &failure[i] {
            if let Some(alone) = e.strip_prefix(STANDS_ALONE) {
                return Err(alone.to_string());
            }
            return Err(format!("plugin {}: {e}", p.display_name));
        }
        let merged = response::merge(std::mem::take(&mut per_plugin[i]));
        let v =
            response::validate(merged).map_err(|e| format!("plugin {}: {e}", p.display_name))?;
        warnings.extend(v.warnings.iter().cloned().map(Warning::Raw));
        out.push(v);
    }
    Ok(out)
}

fn filter_view<'i>(
    image: &'i Image,
    types: &[String],
    excludes: &[String],
) -> Result<std::borrow::Cow<'i, Image>, String> {
    if types.is_empty() && excludes.is_empty() {
        return Ok(std::borrow::Cow::Borrowed(image));
    }
    crate::image::filter::filter_types(image, types, excludes).map(std::borrow::Cow::Owned)
}

/// A job's responses, or the text after `plugin P: `.
type JobResult = Result<Vec<CodeGeneratorResponse>, String>;

/// Runs the jobs on a bounded pool. A job is skipped once an earlier job (in
/// template order) has failed, so the failure reported never depends on
/// which process finished first. `None`: skipped.
fn run_jobs(
    plugins: &[PluginSpec],
    resolved: &[Result<Resolved, String>],
    views: &[View],
    jobs: &[Job],
    opts: &Options,
) -> Vec<Option<JobResult>> {
    // Two processes per core keep the cores busy while plugins start up or
    // write; the bound keeps open processes and pipes far below the limits
    // that buf runs into (its pool is cores squared).
    let workers = std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .clamp(1, 64)
        .min(jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let first_failed = AtomicUsize::new(usize::MAX);
    let done = AtomicUsize::new(0);
    // Jobs left per plugin, for progress by plugin.
    let left: Vec<AtomicUsize> = (0..plugins.len()).map(|_| AtomicUsize::new(0)).collect();
    for j in jobs {
        left[j.plugin].fetch_add(1, Ordering::Relaxed);
    }
    let total_plugins = left
        .iter()
        .filter(|l| l.load(Ordering::Relaxed) > 0)
        .count();
    let results: Vec<std::sync::Mutex<Option<JobResult>>> =
        jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    if let Some(progress) = opts.progress {
        progress(0, total_plugins);
    }
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(k) else { break };
                    if k > first_failed.load(Ordering::Relaxed) {
                        continue;
                    }
                    let result = run_job(plugins, resolved, views, job, opts);
                    if result.is_err() {
                        first_failed.fetch_min(k, Ordering::Relaxed);
                    }
                    if let Ok(mut slot) = results[k].lock() {
                        *slot = Some(result);
                    }
                    if left[job.plugin].fetch_sub(1, Ordering::AcqRel) == 1 {
                        let d = done.fetch_add(1, Ordering::AcqRel) + 1;
                        if let Some(progress) = opts.progress {
                            progress(d, total_plugins);
                        }
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn run_job(
    plugins: &[PluginSpec],
    resolved: &[Result<Resolved, String>],
    views: &[View],
    job: &Job,
    opts: &Options,
) -> JobResult {
    let p = &plugins[job.plugin];
    match &job.kind {
        JobKind::Remote {
            view,
            host,
            plugins: ps,
        } => {
            let remote = opts.remote.ok_or("remote plugins need a registry client")?;
            let specs: Vec<&PluginSpec> = ps.iter().map(|&i| &plugins[i]).collect();
            let responses = remote.generate(host, &views[*view].image, &specs)?;
            if responses.len() != ps.len() {
                return Err(format!(
                    "unexpected number of responses received, got {}, wanted {}",
                    responses.len(),
                    ps.len()
                ));
            }
            Ok(responses)
        }
        JobKind::Local { view, plan } => {
            let v = &views[*view];
            let enc = v.encoded.get_or_init(|| Encoded::new(&v.image));
            let parameter = p.opt.as_deref();
            match &resolved[job.plugin] {
                Ok(Resolved::Binary { program, args }) => {
                    let bytes = request::encode_request(&v.image, enc, plan, parameter);
                    Ok(vec![run::run_binary(program, args, &opts.cwd, bytes)?])
                }
                Ok(Resolved::Protoc {
                    name,
                    program,
                    args,
                    version,
                }) => {
                    let version = version
                        .get_or_init(|| run::protoc_version(program, args, &opts.cwd))
                        .clone()?;
                    run::check_builtin(name, &version)?;
                    let files: Vec<String> = plan
                        .generate
                        .iter()
                        .map(|&i| v.image.files[i].file.fd.name().to_string())
                        .collect();
                    let set = request::encode_descriptor_set(enc, plan);
                    Ok(vec![run::run_protoc(
                        name, program, args, &opts.cwd, &version, parameter, &files, set,
                    )?])
                }
                Ok(Resolved::Remote) => Err("remote plugin in a local job".into()),
                Err(e) => Err(e.clone()),
            }
        }
    }
}
