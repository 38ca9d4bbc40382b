//! `protolith ls-files`: list the files of the input, as buf does.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;

use clap::Args;

use super::{CliError, Outcome};
use crate::compiler::{self, SourceFile, ast, wkt};

#[derive(Args, Debug)]
pub struct LsFilesArgs {
    /// The source or module to list (default: current directory)
    #[arg(default_value = ".")]
    pub input: String,
    /// The format to print: text, json or import
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Include the files the targets import, transitively (and well-known types)
    #[arg(long)]
    pub include_imports: bool,
    /// Include every file the input could import
    #[arg(long)]
    pub include_importable: bool,
    #[command(flatten)]
    pub input_flags: super::InputArgs,
}

/// One listed file.
struct Row {
    /// How the path prints in text.
    path: String,
    /// The `path` of the JSON form: the file on local disk, empty for files
    /// of images, git repositories and archives (buf has no local path).
    local_path: String,
    import_path: String,
    module: String,
    commit: String,
    is_import: bool,
}

pub fn run(args: LsFilesArgs) -> Result<Outcome, CliError> {
    if !matches!(args.format.as_str(), "text" | "json" | "import") {
        return Err(CliError::Failure(format!(
            "--format: invalid format: {:?}",
            args.format
        )));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
    let req = args.input_flags.request(&args.input);
    let r = crate::input::reference::parse(&args.input, &cwd).map_err(CliError::Failure)?;
    if r.format.is_message() {
        return list_image(&args, &req, &cwd);
    }
    let (ws, tree) = crate::input::discover_source(&r, &req, &cwd)?;
    // Every file the input can see, by import path (module files shadow WKTs).
    let mut known: HashMap<&str, Row> = HashMap::new();
    let mut disk: HashMap<&str, &std::path::Path> = HashMap::new();
    for m in &ws.modules {
        for f in &m.files {
            disk.insert(&f.import_path, &f.disk_path);
            known.entry(&f.import_path).or_insert(Row {
                path: f.external_path.clone(),
                local_path: if tree.is_some() {
                    String::new()
                } else if m.commit.is_some() {
                    // A registry module, read in place from the cache.
                    crate::config::path::clean(&f.disk_path.display().to_string())
                } else {
                    f.external_path.clone()
                },
                import_path: f.import_path.clone(),
                module: m.name.clone().unwrap_or_default(),
                commit: m.commit.clone().unwrap_or_default(),
                is_import: !f.is_target,
            });
        }
    }
    // Files of registry dependencies (buf.lock), importable like the rest.
    let deps = crate::deps::resolve::load(&ws).map_err(|e| CliError::Failure(e.to_string()))?;
    let mut dep_text: HashMap<&str, &[u8]> = HashMap::new();
    for d in &deps {
        for (path, bytes) in &d.files {
            if !path.ends_with(".proto") || known.contains_key(path.as_str()) {
                continue;
            }
            dep_text.insert(path.as_str(), bytes.as_slice());
            known.insert(
                path.as_str(),
                Row {
                    path: path.clone(),
                    local_path: d.dir.join(path).display().to_string(),
                    import_path: path.clone(),
                    module: d.key.name.to_string(),
                    commit: d.key.commit.clone(),
                    is_import: true,
                },
            );
        }
    }
    for (p, _) in wkt::FILES {
        known.entry(p).or_insert(Row {
            path: (*p).to_string(),
            local_path: (*p).to_string(),
            import_path: (*p).to_string(),
            module: String::new(),
            commit: String::new(),
            is_import: true,
        });
    }
    let mut listed: BTreeMap<String, &Row> = BTreeMap::new();
    if args.include_importable {
        for (p, row) in &known {
            listed.insert((*p).to_string(), row);
        }
    } else {
        let mut stack: Vec<String> = known
            .iter()
            .filter(|(_, r)| !r.is_import)
            .map(|(p, _)| (*p).to_string())
            .collect();
        while let Some(p) = stack.pop() {
            let Some(row) = known.get(p.as_str()) else {
                continue;
            };
            if listed.insert(p.clone(), row).is_some() || !args.include_imports {
                continue;
            }
            for dep in imports_of(
                &p,
                disk.get(p.as_str()).copied(),
                dep_text.get(p.as_str()).copied(),
            ) {
                if !listed.contains_key(&dep) {
                    stack.push(dep);
                }
            }
        }
    }
    print_rows(listed.into_values().collect(), &args.format)
}

/// An image's files: its targets, and with `--include-imports` or
/// `--include-importable` the files they import (an image holds exactly
/// those).
fn list_image(
    args: &LsFilesArgs,
    req: &crate::workspace::BuildRequest,
    cwd: &std::path::Path,
) -> Result<Outcome, CliError> {
    let opened = crate::input::open(&args.input, req, cwd, |_| {})?;
    let all = args.include_imports || args.include_importable;
    let rows: Vec<Row> = opened
        .built
        .image
        .files
        .iter()
        .filter(|f| all || !f.is_import)
        .map(|f| Row {
            path: f.file.fd.name().to_string(),
            local_path: String::new(),
            import_path: f.file.fd.name().to_string(),
            module: f.module_name.clone().unwrap_or_default(),
            commit: f.module_commit.clone().unwrap_or_default(),
            is_import: f.is_import,
        })
        .collect();
    print_rows(rows.iter().collect(), &args.format)
}

fn print_rows(mut rows: Vec<&Row>, format: &str) -> Result<Outcome, CliError> {
    // JSON rows are ordered by the path they print (a dependency's is in
    // the cache), text rows by theirs.
    if format == "json" {
        rows.sort_by(|a, b| (&a.local_path, &a.import_path).cmp(&(&b.local_path, &b.import_path)));
    } else {
        rows.sort_by(|a, b| (&a.path, &a.import_path).cmp(&(&b.path, &b.import_path)));
    }
    let mut out = String::new();
    for r in rows {
        match format {
            "json" => out.push_str(&format!(
                "{{\"path\":{},\"import_path\":{},\"module\":{},\"commit\":{},\"is_import\":{}}}\n",
                crate::report::go_json_string(&r.local_path),
                crate::report::go_json_string(&r.import_path),
                crate::report::go_json_string(&r.module),
                crate::report::go_json_string(&r.commit),
                r.is_import
            )),
            "import" => out.push_str(&format!("{}\n", r.import_path)),
            _ => out.push_str(&format!("{}\n", r.path)),
        }
    }
    if format == "import" {
        let mut lines: Vec<&str> = out.lines().collect();
        lines.sort_unstable();
        out = lines.iter().map(|l| format!("{l}\n")).collect();
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failure(e.to_string()))
        }
        _ => Ok(Outcome::Ok),
    }
}

/// The import paths a file names (parsed, not compiled).
fn imports_of(
    import_path: &str,
    disk_path: Option<&std::path::Path>,
    bytes: Option<&[u8]>,
) -> Vec<String> {
    let text: String = match (disk_path, bytes) {
        (Some(p), _) => std::fs::read_to_string(p).unwrap_or_default(),
        (None, Some(b)) => String::from_utf8_lossy(b).into_owned(),
        (None, None) => wkt::source(import_path).unwrap_or_default().to_string(),
    };
    let (parsed, _) = compiler::parse(SourceFile {
        import_path: import_path.to_string(),
        display_path: import_path.to_string(),
        text: Arc::from(text),
    });
    parsed
        .tree
        .decls
        .iter()
        .filter_map(|d| match d {
            ast::Decl::Import(i) => Some(i.path.as_str_lossy()),
            _ => None,
        })
        .collect()
}
