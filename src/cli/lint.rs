//! `protolith lint`: compile the input and report buf's lint findings.

use std::collections::HashMap;

use clap::Args;

use super::{CliError, Outcome, emit};
use crate::check::{Family, select};
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
    crate::check::extensions::refuse(&ws.check_plugins, &ws.policies, &cwd)
        .map_err(CliError::Failure)?;
    // Resolve every target module's rules before compiling: config mistakes
    // are reported even when the sources are broken.
    let lint_registry = lint::registry();
    let breaking_registry = crate::breaking::registry();
    let mut selections = Vec::new();
    for m in ws.modules.iter().filter(|m| m.is_target) {
        let b = &m.breaking;
        // buf validates the breaking section's IDs too.
        select::validate_ids(
            Family::Breaking,
            b.version,
            &breaking_registry,
            &crate::breaking::section(b),
        )
        .map_err(CliError::Failure)?;
        let sel = select::resolve(
            Family::Lint,
            m.lint.version,
            &lint_registry,
            &lint::section(&m.lint),
        )
        .map_err(CliError::Failure)?;
        for w in &sel.warnings {
            report::warn(w);
        }
        if m.lint.disable_builtin {
            report::warn("No lint rules are configured in buf.yaml.");
        }
        selections.push(sel.rules);
    }
    let contents = input::read(&ws)?;
    clock.mark("read");
    let cache_key = lint::cache::key(&ws, &contents, &selections, &args.error_format);
    clock.mark("cache key");
    if let Some(hit) = cache_key.as_deref().and_then(lint::cache::load) {
        return Ok(emit(&hit.stdout, hit.findings));
    }
    let mut stdout: Vec<u8> = Vec::new();
    let built = input::compile_contents(ws, contents, |p| clock.mark(p));
    let built = match built {
        Ok(b) => b,
        Err(InputError::Failure(msg)) => return Err(CliError::Failure(msg)),
        Err(InputError::Compile(diags)) => {
            report::compile_errors(&diags, format, &mut stdout);
            if let Some(key) = &cache_key {
                lint::cache::store(key, true, &stdout);
            }
            return Ok(emit(&stdout, true));
        }
    };
    let index: HashMap<&str, usize> = built
        .image
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file.fd.name(), i))
        .collect();
    let jobs: Vec<ModuleJob> = built
        .workspace
        .modules
        .iter()
        .filter(|m| m.is_target)
        .zip(selections)
        .filter(|(m, _)| !m.lint.disabled && !m.lint.disable_builtin)
        .map(|(m, rules)| ModuleJob {
            files: m
                .files
                .iter()
                .filter(|f| f.is_target)
                .filter_map(|f| index.get(f.import_path.as_str()).copied())
                .collect(),
            config: &m.lint,
            rules,
        })
        .collect();
    let findings = lint::run(&built.image, &jobs);
    clock.mark("lint");
    let out = &mut stdout;
    if ignore_yaml {
        if !findings.is_empty() {
            let text = report::config_ignore_yaml::render(
                findings
                    .iter()
                    .map(|f| (f.annotation.kind.as_str(), f.module_path.as_str())),
            );
            out.extend_from_slice(text.as_bytes());
        }
    } else {
        let annotations: Vec<report::Annotation> =
            findings.iter().map(|f| f.annotation.clone()).collect();
        report::write(&annotations, format, out);
    }
    clock.mark("report");
    if let Some(key) = &cache_key {
        lint::cache::store(key, !findings.is_empty(), &stdout);
    }
    Ok(emit(&stdout, !findings.is_empty()))
}
