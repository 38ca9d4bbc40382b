//! `protolith lint`: compile the input and report buf's lint findings.

use clap::Args;

use super::{CliError, Outcome, check_runs, emit};
use crate::check::Family;
use crate::check::plugins::Files;
use crate::input::{self, InputError};
use crate::lint::{self, ModuleJob};
use crate::report::{self, ErrorFormat};

#[derive(Args, Debug)]
pub struct LintArgs {
    /// The source or module to lint (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The format for findings: text, json, msvs, junit, github-actions,
    /// gitlab-code-quality or config-ignore-yaml
    #[arg(long, default_value = "text")]
    pub error_format: String,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

pub fn run(args: LintArgs) -> Result<Outcome, CliError> {
    let mut clock = crate::timing::PhaseClock::new();
    let ignore_yaml = args.error_format == "config-ignore-yaml";
    let format = if ignore_yaml {
        ErrorFormat::Text
    } else {
        ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?
    };
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    // A registry module is fetched into a temporary tree that must outlive
    // the build; every other input is a directory or file here.
    let module_input = input::reference::parse(&args.input, &cwd)
        .ok()
        .filter(|r| r.format == input::reference::Format::Mod);
    let (ws, _tree) = match &module_input {
        Some(r) => {
            let (ws, tree) = input::discover_source(r, &req, &cwd)?;
            (ws, tree)
        }
        None => (input::discover(&req, &cwd)?, None),
    };
    clock.mark("discover");
    let ext = check_runs::Extensions::load(&ws, &cwd).map_err(CliError::Failure)?;
    // Resolve every target module's rules before compiling: config mistakes
    // are reported even when the sources are broken.
    let targets: Vec<&crate::workspace::Module> =
        ws.modules.iter().filter(|m| m.is_target).collect();
    // buf validates the breaking section's IDs too.
    let plans = check_runs::plan(&ext, &targets, Family::Lint).map_err(CliError::Failure)?;
    let selections: Vec<Vec<&'static str>> = plans.iter().map(|p| p[0].builtin.clone()).collect();
    // Plugins are programs of their own: their answers are never cached.
    let store = crate::cache::Store::open().filter(|_| ext.is_empty());
    // With a cache, only the files changed since the last run are read now.
    let scan = match &store {
        Some(store) => Some(
            crate::cache::files::scan(store, &ws, lint::cache::mentions_now_rules)
                .map_err(CliError::Failure)?,
        ),
        None => None,
    };
    clock.mark("read");
    // A finding that can depend on the current time is never cached.
    let store = store.filter(|_| scan.as_ref().is_some_and(|s| !s.flagged));
    let digests = scan
        .as_ref()
        .filter(|_| store.is_some())
        .map(|s| &s.digests[..]);
    let result_key = digests.map(|d| lint::cache::key(&ws, d, &selections, &args.error_format));
    clock.mark("cache key");
    if let (Some(store), Some(key)) = (&store, &result_key)
        && let Some(hit) = crate::cache::load_answer(store, crate::cache::Kind::Lint, key)
    {
        return Ok(emit(&hit.stdout, hit.findings));
    }
    let warned = report::warnings_issued();
    let state_key = store
        .as_ref()
        .map(|_| lint::incremental::state_key(&ws, &selections, &args.error_format));
    // A cached answer holds stdout alone: a run that warned is not kept.
    let keep = |stdout: &[u8], findings: bool, state: Option<&lint::incremental::Stored>| {
        if let (Some(store), Some(key), Some(state_key)) = (&store, &result_key, &state_key)
            && report::warnings_issued() == warned
        {
            // The answer last: under a tight bound it is what stays.
            let answer = store.answer_parts(findings, stdout);
            let mut entries = Vec::new();
            for (key, piece) in &answer.pieces {
                entries.push((crate::cache::Kind::Piece, key.as_str(), *piece));
            }
            // The shards before the heads that name them.
            if let Some(state) = state {
                for (key, shard) in &state.shards {
                    entries.push((crate::cache::Kind::LintShard, key.as_str(), &shard[..]));
                }
                entries.push((
                    crate::cache::Kind::LintState,
                    state_key.as_str(),
                    &state.heads,
                ));
            }
            entries.push((crate::cache::Kind::Lint, key.as_str(), &answer.body[..]));
            store.put_all(&entries);
        }
    };
    // Each file's findings print on lines of their own in these formats: a
    // re-lint copies what did not change from the last answer.
    let per_line = !ignore_yaml
        && matches!(
            format,
            ErrorFormat::Text | ErrorFormat::Json | ErrorFormat::Msvs | ErrorFormat::GithubActions
        );
    let render_all = |findings: Vec<lint::LintAnnotation>| render(findings, format, ignore_yaml);
    let output = lint::incremental::Output {
        render: &render_all,
        per_line,
        answer_key: result_key.as_deref().unwrap_or_default(),
    };
    // What a whole run can take over from the last state.
    let mut reuse = None;
    let last_answer = |key: &str| {
        let store = store.as_ref()?;
        crate::cache::load_answer(store, crate::cache::Kind::Lint, key).map(|a| a.stdout)
    };
    if let (Some(store), Some(scan), Some(state_key)) = (&store, &scan, &state_key) {
        let prev = store
            .get_bytes(crate::cache::Kind::LintState, state_key)
            .and_then(lint::incremental::State::heads);
        clock.mark("state");
        if let Some(prev) = prev {
            // The blobs are read while the plan is made or the whole module
            // compiled.
            let mut shards = {
                let (store, keys) = (store.clone(), prev.shard_keys());
                let reading = std::thread::spawn(move || {
                    store
                        .get_all(crate::cache::Kind::LintShard, &keys)
                        .and_then(lint::incremental::Shards::decode)
                });
                let mut reading = Some(reading);
                move || reading.take().and_then(|r| r.join().ok().flatten())
            };
            let compile = |sub, bytes| {
                input::compile_contents(sub, bytes, |_| {})
                    .ok()
                    .map(|b| b.image)
            };
            report::hold_warnings();
            let relinted = lint::incremental::relint(
                &ws,
                scan,
                prev,
                &mut shards,
                &selections,
                &compile,
                &output,
                &last_answer,
            );
            report::release_warnings(relinted.is_ok());
            clock.mark("relint");
            match relinted {
                Ok(r) => {
                    keep(&r.stdout, r.found, Some(&r.state));
                    clock.mark("store");
                    return Ok(emit(&r.stdout, r.found));
                }
                Err(prev) => reuse = prev.map(|p| (p, shards)),
            }
        }
    }
    let digests = digests.map(<[[u8; 32]]>::to_vec);
    let contents = match scan {
        Some(scan) => scan.into_contents().map_err(CliError::Failure)?,
        None => input::read(&ws)?,
    };
    let mut stdout: Vec<u8> = Vec::new();
    let built = input::compile_contents(ws, contents, |p| clock.mark(p));
    let built = match built {
        Ok(b) => b,
        Err(InputError::Failure(msg)) => return Err(CliError::Failure(msg)),
        Err(InputError::Compile(diags)) => {
            report::compile_errors(&diags, format, &mut stdout);
            keep(&stdout, true, None);
            return Ok(emit(&stdout, true));
        }
    };
    let index = built.image.by_name();
    let targets: Vec<&crate::workspace::Module> = built
        .workspace
        .modules
        .iter()
        .filter(|m| m.is_target)
        .collect();
    let module_job = |m: &crate::workspace::Module, config, rules| ModuleJob {
        files: m
            .files
            .iter()
            .filter(|f| f.is_target)
            .filter_map(|f| index.get(f.import_path.as_str()).copied())
            .collect(),
        config,
        rules,
    };
    if let Some(digests) = &digests {
        let r = lint::incremental::full(
            &built.workspace,
            digests,
            &built.image,
            &selections,
            &output,
            reuse.and_then(|(prev, mut shards)| prev.fill(shards()?)),
            &last_answer,
        );
        clock.mark("lint");
        keep(&r.stdout, r.found, Some(&r.state));
        clock.mark("store");
        std::mem::forget(built);
        return Ok(emit(&r.stdout, r.found));
    }
    let jobs = lint::module_jobs(&built.workspace, &selections, &index, |_| true);
    // The plugins run while the built-in rules do.
    let (mut findings, more) = rayon::join(
        || lint::run(&built.image, &jobs),
        || {
            if ext.is_empty() {
                Ok(Vec::new())
            } else {
                extension_findings(&built.image, &ext, &targets, &plans, module_job)
            }
        },
    );
    if !ext.is_empty() {
        findings.extend(more?);
        findings = check_runs::merge(findings, |f| &f.annotation);
    }
    clock.mark("lint");
    let found = !findings.is_empty();
    let stdout = render(findings, format, ignore_yaml);
    clock.mark("report");
    // The image goes with the process; freeing it first only costs time.
    drop(jobs);
    std::mem::forget(built);
    Ok(emit(&stdout, found))
}

/// What lint prints for `findings`.
fn render(findings: Vec<lint::LintAnnotation>, format: ErrorFormat, ignore_yaml: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if ignore_yaml {
        if !findings.is_empty() {
            // Findings with no file (a plugin's) have nothing to ignore.
            let text = report::config_ignore_yaml::render(
                findings
                    .iter()
                    .filter(|f| !f.module_path.is_empty())
                    .map(|f| (f.annotation.kind.as_str(), f.module_path.as_str())),
            );
            out.extend_from_slice(text.as_bytes());
        }
    } else {
        let annotations: Vec<report::Annotation> =
            findings.into_iter().map(|f| f.annotation).collect();
        report::write(&annotations, format, &mut out);
    }
    out
}

/// The findings of the policies' built-in rules and of every plugin, in run
/// order per module (buf.yaml's run, then each policy's).
fn extension_findings<'a>(
    image: &crate::image::Image,
    ext: &'a check_runs::Extensions,
    targets: &[&'a crate::workspace::Module],
    plans: &[Vec<check_runs::Chosen>],
    module_job: impl Fn(
        &'a crate::workspace::Module,
        &'a crate::config::LintConfig,
        Vec<&'static str>,
    ) -> ModuleJob<'a>,
) -> Result<Vec<lint::LintAnnotation>, CliError> {
    let views: Vec<Vec<(usize, bool)>> = targets
        .iter()
        .map(|m| check_runs::module_files(image, m))
        .collect();
    let mut tasks = Vec::new();
    let mut out = Vec::new();
    for ((m, chosen), view) in targets.iter().zip(plans).zip(&views) {
        if m.lint.disabled {
            continue;
        }
        for (run, c) in ext.runs(m).into_iter().zip(chosen) {
            if let Some(policy) = run.policy
                && !c.builtin.is_empty()
            {
                let job = module_job(m, run.lint, c.builtin.clone());
                let mut found = lint::run(image, std::slice::from_ref(&job));
                for f in &mut found {
                    f.annotation.policy = policy.to_string();
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
                    current: Files { image, files: view },
                    against: None,
                    filter: check_runs::Filter {
                        ignore: &run.lint.ignore,
                        ignore_only: crate::check::select::ignore_only_by_rule(
                            &c.universe,
                            &run.lint.ignore_only,
                        ),
                        comment_ignores: run.policy.is_none() && run.lint.comment_ignores_allowed(),
                        exclude_imports: false,
                        ignore_unstable: false,
                    },
                });
            }
        }
    }
    let placed = check_runs::run_tasks(&tasks).map_err(CliError::Failure)?;
    for p in placed.into_iter().flatten() {
        let module_path = p
            .file
            .as_ref()
            .map(|(i, _, _)| image.files[*i].file.fd.name().to_string())
            .unwrap_or_default();
        out.push(lint::LintAnnotation {
            annotation: p.annotation,
            module_path,
        });
    }
    Ok(out)
}
