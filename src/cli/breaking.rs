//! `protolith breaking`: compare the input with a baseline (`--against`) and
//! report buf's breaking changes.

use std::collections::HashSet;

use clap::Args;

use super::{CliError, Outcome, check_runs, emit};
use crate::breaking::cache::{self, Baseline};
use crate::breaking::{self, Job};
use crate::check::Family;
use crate::check::plugins::Files;
use crate::image::Image;
use crate::input::{self, InputError, Opened};
use crate::report::{self, ErrorFormat};
use crate::workspace::{Module, Workspace};

#[derive(Args, Debug)]
pub struct BreakingArgs {
    /// The source or module to check (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The source, module or image to check against
    #[arg(long)]
    pub against: Option<String>,
    /// Run breaking checks against the latest commit on the default label
    /// of the input's module in its registry
    #[arg(long)]
    pub against_registry: bool,
    /// The buf.yaml file or data to use for the against input
    #[arg(long)]
    pub against_config: Option<String>,
    /// Exclude imports from breaking change detection
    #[arg(long)]
    pub exclude_imports: bool,
    /// Only run breaking checks against the files in the input
    #[arg(long)]
    pub limit_to_input_files: bool,
    /// The format for findings: text, json, msvs, junit, github-actions,
    /// gitlab-code-quality or sarif
    #[arg(long, default_value = "text")]
    pub error_format: String,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(args: BreakingArgs) -> Result<Outcome, CliError> {
    let mut clock = crate::timing::PhaseClock::new();
    // A cached answer holds stdout alone: a run that warned is not kept.
    let warned = report::warnings_issued();
    let format = ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?;
    let against = match (&args.against, args.against_registry) {
        (None, false) => {
            return Err(CliError::Failure(
                "Must set --against or --against-registry".into(),
            ));
        }
        (Some(_), true) => {
            return Err(CliError::Failure(
                "Cannot set both --against and --against-registry".into(),
            ));
        }
        (None, true) => String::new(),
        (Some(a), false) => a.clone(),
    };
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    let mut stdout: Vec<u8> = Vec::new();
    // Without --limit-to-input-files both sides build at once.
    let mut against_req = req.clone();
    against_req.config_override = args.against_config.clone();
    let mut caching: Option<Caching> = None;
    let (current, previous) = if args.against_registry {
        // buf builds the input first, then asks the registry for its
        // module's default label.
        let current = match input::open(&args.input, &req, &cwd, |p| clock.mark(p)) {
            Ok(o) => o,
            Err(e) => return compile_failure(e, format, &mut stdout),
        };
        let against = match against_registry(&current.built.workspace)? {
            Some(reference) => reference,
            // The module has no commit on its default label yet: buf skips.
            None => return Ok(Outcome::Ok),
        };
        let previous = input::open(&against, &against_req, &cwd, |_| {});
        (Ok(current), previous.map(baseline))
    } else if let Some(store) = crate::cache::Store::open()
        && let Some((ws, contents)) = read_current(&args.input, &req, &cwd)
    {
        clock.mark("read");
        if args.limit_to_input_files {
            against_req.paths = target_paths(&ws);
        }
        // The baseline is pinned (its commit resolved, its bytes read)
        // before anything is unpacked or compiled.
        let pinned = input::pin(&against, &cwd);
        let baseline_key = pinned
            .as_ref()
            .map(|p| cache::baseline_key(&p.identity(), &against_req, &cwd));
        let flags = cache::ResultFlags {
            error_format: &args.error_format,
            exclude_imports: args.exclude_imports,
            limit_to_input_files: args.limit_to_input_files,
        };
        let result_key = baseline_key.as_ref().map(|b| {
            let digests = crate::cache::file_digests(&ws, &contents);
            cache::result_key(&ws, &digests, &req, &cwd, &flags, b)
        });
        clock.mark("cache key");
        if let Some(key) = &result_key
            && let Some(hit) = crate::cache::load_answer(&store, crate::cache::Kind::Breaking, key)
        {
            clock.mark("cache: result hit");
            return Ok(emit(&hit.stdout, hit.findings));
        }
        // A cached baseline decodes while the input compiles.
        let store_ref = &store;
        let open_previous = || {
            let key = baseline_key.as_deref();
            let mut clock = crate::timing::PhaseClock::new();
            if let Some(b) = key.and_then(|k| cache::load_baseline(store_ref, k)) {
                clock.mark("cache: baseline load");
                return (Ok(b), true);
            }
            let opened = match pinned {
                Some(p) => input::open_pinned(p, &against_req, &cwd, |_| {}),
                None => input::open(&against, &against_req, &cwd, |_| {}),
            };
            (opened.map(baseline), false)
        };
        let (current, (previous, baseline_hit)) = if args.limit_to_input_files {
            let current = input::compile_contents(ws, contents, |p| clock.mark(p));
            let current = match current {
                Ok(b) => Opened::compiled(b),
                Err(e) => return compile_failure(e, format, &mut stdout),
            };
            (Ok(current), open_previous())
        } else {
            let (current, previous) = rayon::join(
                || input::compile_contents(ws, contents, |p| clock.mark(p)),
                open_previous,
            );
            (current.map(Opened::compiled), previous)
        };
        clock.mark(if baseline_hit {
            "cache: baseline hit"
        } else {
            "cache: baseline miss"
        });
        caching = Some(Caching {
            store,
            result_key,
            baseline_key: baseline_key.filter(|_| !baseline_hit),
        });
        (current, previous)
    } else if args.limit_to_input_files {
        let current = input::open(&args.input, &req, &cwd, |p| clock.mark(p));
        let current = match current {
            Ok(o) => o,
            Err(e) => return compile_failure(e, format, &mut stdout),
        };
        against_req.paths = target_paths(&current.built.workspace);
        let previous = input::open(&against, &against_req, &cwd, |_| {});
        (Ok(current), previous.map(baseline))
    } else {
        let (current, previous) = rayon::join(
            || input::open(&args.input, &req, &cwd, |p| clock.mark(p)),
            || input::open(&against, &against_req, &cwd, |_| {}),
        );
        (current, previous.map(baseline))
    };
    let current = match current {
        Ok(o) => o,
        Err(e) => return compile_failure(e, format, &mut stdout),
    };
    let previous = match previous {
        Ok(o) => o,
        Err(e) => return compile_failure(e, format, &mut stdout),
    };

    let ws = &current.built.workspace;
    let ext = check_runs::Extensions::load(ws, &cwd).map_err(CliError::Failure)?;
    let modules: Vec<&Module> = current
        .built
        .workspace
        .modules
        .iter()
        .filter(|m| m.is_target)
        .collect();
    // buf validates the lint section's IDs too.
    let plans = check_runs::plan(&ext, &modules, Family::Breaking).map_err(CliError::Failure)?;

    for (side, image) in [
        ("input", &current.built.image),
        ("against", &previous.image),
    ] {
        if let Some(name) = breaking::first_message_set(image) {
            return Err(CliError::Failure(format!(
                "{side} image: proto:\u{a0}message {} is a MessageSet, which is a legacy proto1 feature that is no longer supported",
                crate::check::naming::go_quote(&name)
            )));
        }
    }
    let cur_views = module_views(&current);
    let images = (&current.built.image, &previous.image);
    let pairs = pair_modules(&modules, cur_views, previous.views.clone(), images)?;
    let jobs: Vec<Job> = pairs
        .iter()
        .filter(|(i, _, _)| !plans[*i][0].builtin.is_empty())
        .map(|(i, cur, prev)| Job {
            current: cur.clone(),
            against: prev.clone(),
            config: &modules[*i].breaking,
            rules: plans[*i][0].builtin.clone(),
            exclude_imports: args.exclude_imports,
        })
        .collect();
    let quiet = report::warnings_issued() == warned;
    // The plugins run while the built-in rules do, and a new baseline is
    // stored meanwhile.
    let ((mut annotations, more), ()) = rayon::join(
        || {
            rayon::join(
                || breaking::run(images.0, images.1, &jobs),
                || {
                    if ext.is_empty() {
                        Ok(Vec::new())
                    } else {
                        extension_findings(
                            images,
                            &ext,
                            &modules,
                            &plans,
                            &pairs,
                            args.exclude_imports,
                        )
                    }
                },
            )
        },
        || {
            if let Some(c) = &caching
                && let Some(key) = &c.baseline_key
                && quiet
            {
                cache::store_baseline(&c.store, key, &previous);
            }
        },
    );
    if !ext.is_empty() {
        annotations.extend(more?);
        annotations = check_runs::merge(annotations, |a| a);
    }
    clock.mark("breaking");
    report::write(&annotations, format, &mut stdout);
    if let Some(c) = &caching
        && let Some(key) = &c.result_key
        && ext.is_empty()
        && report::warnings_issued() == warned
    {
        crate::cache::store_answer(
            &c.store,
            crate::cache::Kind::Breaking,
            key,
            !annotations.is_empty(),
            &stdout,
        );
    }
    let found = !annotations.is_empty();
    // Both images go with the process; freeing them first only costs time.
    drop((jobs, pairs, annotations));
    std::mem::forget(current);
    std::mem::forget(previous);
    Ok(emit(&stdout, found))
}

/// Where a cached run keeps its answers.
struct Caching {
    store: crate::cache::Store,
    /// The whole result's key, when the baseline could be pinned.
    result_key: Option<String>,
    /// The baseline's key, when it was pinned and not found in the cache.
    baseline_key: Option<String>,
}

/// The input, discovered and read up front when it is a directory or a
/// `.proto` file without check plugins or policies (whose answers are never
/// cached). `None` sends the run down the uncached path, which reports
/// whatever went wrong here; nothing here prints.
fn read_current(
    raw: &str,
    req: &crate::workspace::BuildRequest,
    cwd: &std::path::Path,
) -> Option<(Workspace, Vec<Vec<u8>>)> {
    use input::reference::Format;
    let r = input::reference::parse(raw, cwd).ok()?;
    if !matches!(r.format, Format::Dir | Format::Protofile) || r.deprecation_warning().is_some() {
        return None;
    }
    let (ws, _) = input::discover_source(&r, req, cwd).ok()?;
    if !ws.check_plugins.is_empty() || !ws.policies.is_empty() {
        return None;
    }
    let contents = input::read(&ws).ok()?;
    Some((ws, contents))
}

/// `--limit-to-input-files`: the baseline is read at the input's targets.
fn target_paths(ws: &Workspace) -> Vec<String> {
    ws.target_files()
        .map(|(_, f)| f.external_path.clone())
        .collect()
}

/// The against side as the engine reads it; its unpacked tree, if any, is
/// no longer needed.
fn baseline(opened: Opened) -> Baseline {
    Baseline {
        views: module_views(&opened),
        image: opened.built.image,
    }
}

/// Compile errors of either side print like findings (exit 100); anything
/// else is a failure.
fn compile_failure(
    e: InputError,
    format: ErrorFormat,
    stdout: &mut Vec<u8>,
) -> Result<Outcome, CliError> {
    match e {
        InputError::Failure(m) => Err(CliError::Failure(m)),
        InputError::Compile(diags) => {
            report::compile_errors(&diags, format, stdout);
            Ok(emit(stdout, true))
        }
    }
}

/// Per target module: its image files (targets and everything they import)
/// as (index, is import) pairs.
fn module_views(opened: &Opened) -> Vec<Vec<(usize, bool)>> {
    let image = &opened.built.image;
    if opened.is_image {
        return vec![
            image
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (i, f.is_import))
                .collect(),
        ];
    }
    opened
        .built
        .workspace
        .modules
        .iter()
        .filter(|m| m.is_target)
        .map(|m| check_runs::module_files(image, m))
        .collect()
}

type Pair = (usize, Vec<(usize, bool)>, Vec<(usize, bool)>);

/// Pairs the input's modules with the baseline's, in order. With more input
/// modules than baseline ones and one breaking config for all, input
/// modules the baseline does not have are skipped, as buf does.
fn pair_modules(
    modules: &[&Module],
    cur: Vec<Vec<(usize, bool)>>,
    prev: Vec<Vec<(usize, bool)>>,
    images: (&Image, &Image),
) -> Result<Vec<Pair>, CliError> {
    if cur.len() == prev.len() {
        return Ok(cur
            .into_iter()
            .zip(prev)
            .enumerate()
            .map(|(i, (c, p))| (i, c, p))
            .collect());
    }
    let mismatch = || {
        CliError::Failure(format!(
            "input contained {} images, whereas against contained {} images",
            cur.len(),
            prev.len()
        ))
    };
    let same_config = modules.windows(2).all(|w| w[0].breaking == w[1].breaking);
    if cur.len() < prev.len() || !same_config {
        return Err(mismatch());
    }
    // Each input module takes the first unclaimed baseline image holding
    // one of its files; every baseline image must be claimed.
    let names = |image: &Image, view: &[(usize, bool)]| -> HashSet<String> {
        view.iter()
            .filter_map(|&(i, _)| image.files.get(i))
            .map(|f| f.file.fd.name().to_string())
            .collect()
    };
    let cur_names: Vec<HashSet<String>> = cur.iter().map(|v| names(images.0, v)).collect();
    let prev_names: Vec<HashSet<String>> = prev.iter().map(|v| names(images.1, v)).collect();
    let mut claimed = vec![false; prev.len()];
    let mut pairs = Vec::new();
    for (i, names) in cur_names.iter().enumerate() {
        let found = (0..prev.len())
            .find(|&j| !claimed[j] && names.iter().any(|n| prev_names[j].contains(n)));
        if let Some(j) = found {
            claimed[j] = true;
            pairs.push((i, j));
        }
    }
    if pairs.len() != prev.len() {
        return Err(mismatch());
    }
    let mut cur: Vec<Option<Vec<(usize, bool)>>> = cur.into_iter().map(Some).collect();
    let mut prev: Vec<Option<Vec<(usize, bool)>>> = prev.into_iter().map(Some).collect();
    Ok(pairs
        .into_iter()
        .map(|(i, j)| {
            (
                i,
                cur[i].take().unwrap_or_default(),
                prev[j].take().unwrap_or_default(),
            )
        })
        .collect())
}

/// `--against-registry`: the input's named module at its default label. A
/// module with no commit there yet (`failed_precondition`) is skipped, as
/// buf skips it.
fn against_registry(ws: &crate::workspace::Workspace) -> Result<Option<String>, CliError> {
    let names: Vec<String> = ws
        .modules
        .iter()
        .filter(|m| m.is_target)
        .filter_map(|m| m.name.clone())
        .collect();
    let [name] = names.as_slice() else {
        return Err(CliError::Failure(
            "--against-registry requires exactly one named module in the input".into(),
        ));
    };
    let full = crate::config::ModuleFullName::parse(name).map_err(CliError::Failure)?;
    match crate::deps::resolve::probe_default_label(&full) {
        Ok(true) => Ok(Some(name.clone())),
        Ok(false) => Ok(None),
        Err(e) => Err(CliError::Failure(e.to_string())),
    }
}

/// The findings of the policies' built-in rules and of every plugin, in run
/// order per module pair (buf.yaml's run, then each policy's).
fn extension_findings(
    images: (&Image, &Image),
    ext: &check_runs::Extensions,
    modules: &[&Module],
    plans: &[Vec<check_runs::Chosen>],
    pairs: &[Pair],
    exclude_imports: bool,
) -> Result<Vec<report::Annotation>, CliError> {
    let mut out = Vec::new();
    let mut tasks = Vec::new();
    for (i, cur, prev) in pairs {
        let m = modules[*i];
        for (run, c) in ext.runs(m).into_iter().zip(&plans[*i]) {
            if let Some(policy) = run.policy
                && !c.builtin.is_empty()
            {
                let job = Job {
                    current: cur.clone(),
                    against: prev.clone(),
                    config: run.breaking,
                    rules: c.builtin.clone(),
                    exclude_imports,
                };
                let mut found = breaking::run(images.0, images.1, std::slice::from_ref(&job));
                for f in &mut found {
                    f.policy = policy.to_string();
                }
                out.extend(found);
            }
            for (plugin, rules) in run.plugins.iter().zip(&c.by_plugin) {
                if rules.is_empty() {
                    continue;
                }
                tasks.push(check_runs::Task {
                    plugin,
                    rules: rules.clone(),
                    current: Files {
                        image: images.0,
                        files: cur,
                    },
                    against: Some(Files {
                        image: images.1,
                        files: prev,
                    }),
                    filter: check_runs::Filter {
                        ignore: &run.breaking.ignore,
                        ignore_only: crate::check::select::ignore_only_by_rule(
                            &c.universe,
                            &run.breaking.ignore_only,
                        ),
                        comment_ignores: false,
                        exclude_imports,
                        ignore_unstable: run.breaking.ignore_unstable_packages,
                    },
                });
            }
        }
    }
    let placed = check_runs::run_tasks(&tasks).map_err(CliError::Failure)?;
    out.extend(placed.into_iter().flatten().map(|p| p.annotation));
    Ok(out)
}
