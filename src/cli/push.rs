//! `protolith push`: build the workspace, then upload its named modules.

use clap::Args;

use super::{CliError, Outcome};
use crate::config::{ConfigVersion, ModuleFullName};
use crate::input::{self, InputError};
use crate::registry::push::{Create, PushModule, PushRequest};

#[derive(Args, Debug)]
pub struct PushArgs {
    /// The source to push (default: current directory)
    #[arg(default_value = ".")]
    pub source: String,
    /// Associate the label with the modules pushed. Can be used multiple times.
    #[arg(long = "label", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Create the module if it does not exist
    #[arg(long)]
    pub create: bool,
    /// The visibility of a created module: public or private
    #[arg(long, default_value = "private")]
    pub create_visibility: String,
    /// The default label of a created module
    #[arg(long)]
    pub create_default_label: Option<String>,
    /// The URL for viewing the source code of the pushed modules
    #[arg(long, default_value = "")]
    pub source_control_url: String,
    /// Only push named modules
    #[arg(long)]
    pub exclude_unnamed: bool,
    /// Use the Git state for labels and the source control URL
    #[arg(long)]
    pub git_metadata: bool,
    /// The format for build errors printed to stderr
    #[arg(long, default_value = "text")]
    pub error_format: String,
    /// Do not follow symlinks when reading sources
    #[arg(long)]
    pub disable_symlinks: bool,
}

fn fail(e: impl ToString) -> CliError {
    CliError::Failure(e.to_string())
}

pub fn run(args: PushArgs) -> Result<Outcome, CliError> {
    let error_format =
        crate::report::ErrorFormat::parse(&args.error_format).map_err(CliError::Failure)?;
    if !matches!(args.create_visibility.as_str(), "public" | "private") {
        return Err(fail(format!(
            "--create-visibility: invalid visibility: {:?}",
            args.create_visibility
        )));
    }
    if args.git_metadata {
        return Err(fail(
            "--git-metadata is not supported by protolith yet; pass --label and --source-control-url",
        ));
    }
    let cwd = std::env::current_dir().map_err(fail)?;
    let req = crate::workspace::BuildRequest {
        input: args.source.clone(),
        disable_symlinks: args.disable_symlinks,
        ..Default::default()
    };
    let ws = input::discover(&req, &cwd)?;
    let built = match input::compile(ws, |_| {}) {
        Ok(b) => b,
        Err(InputError::Failure(m)) => return Err(fail(m)),
        Err(InputError::Compile(diags)) => {
            crate::report::compile_errors(&diags, error_format, &mut std::io::stderr().lock());
            return Ok(Outcome::Findings);
        }
    };
    let ws = built.workspace;
    let graph = crate::deps::graph::build(&ws, built.deps).map_err(fail)?;
    let mut modules = Vec::new();
    let mut dep_commits = std::collections::BTreeSet::new();
    for (i, m) in ws.modules.iter().enumerate() {
        let Some(name) = &m.name else {
            if args.exclude_unnamed {
                continue;
            }
            return Err(fail(format!(
                "a name must be specified in buf.yaml to push module: {}",
                m.description
            )));
        };
        let name = ModuleFullName::parse(name).map_err(fail)?;
        let files = crate::deps::graph::local_module_files(&ws, m).map_err(fail)?;
        let files = crate::deps::digest::module_files(files);
        for j in graph.reachable_from(i) {
            if let Some(n) = graph.nodes.get(j)
                && let Some(c) = &n.commit
            {
                dep_commits.insert((n.name.clone(), c.clone()));
            }
        }
        modules.push(PushModule { name, files });
    }
    let v1 = ws
        .modules
        .iter()
        .all(|m| m.config_version != ConfigVersion::V2);
    let request = PushRequest {
        modules,
        labels: args.labels.clone(),
        create: args.create.then(|| Create {
            public: args.create_visibility == "public",
            default_label: args.create_default_label.clone(),
        }),
        source_control_url: args.source_control_url.clone(),
        dep_commit_ids: dep_commits.into_iter().map(|(_, c)| c).collect(),
    };
    let pushed = crate::registry::push::push(&request).map_err(fail)?;
    let mut text = String::new();
    for (name, commit) in pushed {
        if v1 {
            text.push_str(&format!("{commit}\n"));
        } else {
            text.push_str(&format!("{name}:{commit}\n"));
        }
    }
    Ok(super::emit(text.as_bytes(), false))
}
