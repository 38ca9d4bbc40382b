//! Inputs: turning what the user named (today a directory, module, workspace
//! or `.proto` file) into a workspace and its compiled image.

pub mod export;
pub mod fetch;
pub mod reference;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::compiler::diag::FileDiagnostic;
use crate::compiler::{self, SourceFile};
use crate::image::Image;
use crate::workspace::{self, BuildRequest, Workspace};

/// A compiled input.
pub struct Built {
    pub workspace: Workspace,
    pub image: Image,
    /// The registry modules the build read (digest-checked), for commands
    /// that need their files too (`export`, `dep graph`, `push`).
    pub deps: Vec<crate::deps::resolve::DepModule>,
}

#[derive(Debug)]
pub enum InputError {
    /// The tool could not do its job (exit 1).
    Failure(String),
    /// The sources do not compile (exit 100); diagnostics in buf's order.
    Compile(Vec<FileDiagnostic>),
}

/// Discovers the workspace for `req`, without compiling.
pub fn discover(req: &BuildRequest, cwd: &Path) -> Result<Workspace, InputError> {
    let ws = workspace::discover(req, cwd).map_err(|e| InputError::Failure(e.to_string()))?;
    ws.require_targets()
        .map_err(|e| InputError::Failure(e.to_string()))?;
    Ok(ws)
}

/// Reads every file of `ws` (in parallel), in module and file order.
pub fn read(ws: &Workspace) -> Result<Vec<Vec<u8>>, InputError> {
    use rayon::prelude::*;
    let files: Vec<_> = ws.modules.iter().flat_map(|m| &m.files).collect();
    files
        .par_iter()
        .map(|f| {
            std::fs::read(&f.disk_path)
                .map_err(|e| InputError::Failure(format!("{}: {e}", f.external_path)))
        })
        .collect()
}

/// Reads and compiles `ws`, ordering the result as buf's image. Files of a
/// targeted module that `--path` leaves out are read only if imported.
pub fn compile(ws: Workspace, mut mark: impl FnMut(&str)) -> Result<Built, InputError> {
    use rayon::prelude::*;
    let files: Vec<_> = ws
        .modules
        .iter()
        .flat_map(|m| {
            m.files
                .iter()
                .map(move |f| (m.is_target && !f.is_target, f))
        })
        .collect();
    let contents = files
        .par_iter()
        .map(|(lazy, f)| {
            if *lazy {
                return Ok(None);
            }
            std::fs::read(&f.disk_path)
                .map(Some)
                .map_err(|e| InputError::Failure(format!("{}: {e}", f.external_path)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    mark("read");
    compile_some(ws, contents, mark)
}

/// Compiles `ws` from `contents`, which [`read`] returned for it.
pub fn compile_contents(
    ws: Workspace,
    contents: Vec<Vec<u8>>,
    mark: impl FnMut(&str),
) -> Result<Built, InputError> {
    compile_some(ws, contents.into_iter().map(Some).collect(), mark)
}

/// `None` contents are read from disk when imported.
fn compile_some(
    ws: Workspace,
    contents: Vec<Option<Vec<u8>>>,
    mut mark: impl FnMut(&str),
) -> Result<Built, InputError> {
    let mut on_disk: HashMap<String, (std::path::PathBuf, String)> = HashMap::new();
    let mut sources = Vec::new();
    let mut bad_utf8: Vec<FileDiagnostic> = Vec::new();
    let mut targets = HashSet::new();
    let mut module_of = HashMap::new();
    let mut commit_of: HashMap<String, String> = HashMap::new();
    let mut own_lazy: HashMap<String, SourceFile> = HashMap::new();
    let mut contents = contents.into_iter();
    for m in &ws.modules {
        for f in &m.files {
            let Some(bytes) = contents.next().flatten() else {
                on_disk.insert(
                    f.import_path.clone(),
                    (f.disk_path.clone(), f.external_path.clone()),
                );
                continue;
            };
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                // A file outside --path is only read if something imports it.
                Err(_) if m.is_target && !f.is_target => continue,
                Err(e) => {
                    bad_utf8.push(FileDiagnostic::invalid_utf8(
                        &f.external_path,
                        e.as_bytes(),
                        e.utf8_error(),
                    ));
                    continue;
                }
            };
            if f.is_target {
                targets.insert(f.import_path.clone());
            }
            if let Some(n) = &m.name {
                module_of.insert(f.import_path.clone(), n.clone());
            }
            if let Some(c) = &m.commit {
                commit_of.insert(f.import_path.clone(), c.clone());
            }
            let source = SourceFile {
                import_path: f.import_path.clone(),
                display_path: f.external_path.clone(),
                text: Arc::from(text),
            };
            // Modules the input does not target, and files outside --path,
            // only serve imports: like buf, compile just the files that are
            // imported.
            if m.is_target && f.is_target {
                sources.push(source);
            } else {
                own_lazy.insert(f.import_path.clone(), source);
            }
        }
    }
    if !bad_utf8.is_empty() {
        return Err(InputError::Compile(bad_utf8));
    }
    // Cached modules are digest-checked while the sources compile: nothing
    // built from them is returned unless the check passes.
    let deps =
        crate::deps::resolve::load_deferred(&ws).map_err(|e| InputError::Failure(e.to_string()))?;
    mark("deps");
    // Remote modules' files are compiled only when imported, as buf does.
    let mut provided: HashMap<&str, (&crate::deps::resolve::DepModule, &[u8])> = HashMap::new();
    for d in &deps {
        for (path, bytes) in &d.files {
            if path.ends_with(".proto") {
                provided
                    .entry(path.as_str())
                    .or_insert((d, bytes.as_slice()));
            }
        }
    }
    let provide = |path: &str| -> Option<SourceFile> {
        if let Some(source) = own_lazy.get(path) {
            return Some(source.clone());
        }
        if let Some((disk, display)) = on_disk.get(path) {
            let text = String::from_utf8(std::fs::read(disk).ok()?).ok()?;
            return Some(SourceFile {
                import_path: path.to_string(),
                display_path: display.clone(),
                text: Arc::from(text),
            });
        }
        let (_, bytes) = provided.get(path)?;
        let text = std::str::from_utf8(bytes).ok()?;
        Some(SourceFile {
            import_path: path.to_string(),
            display_path: path.to_string(),
            text: Arc::new(text.to_string()),
        })
    };
    let own: HashSet<String> = sources
        .iter()
        .map(|s| s.import_path.clone())
        .chain(own_lazy.keys().cloned())
        .chain(on_disk.keys().cloned())
        .collect();
    let (checked, compiled) = rayon::join(
        || crate::deps::resolve::verify_all(&deps),
        || compiler::compile_with(sources, &provide),
    );
    checked.map_err(|e| InputError::Failure(e.to_string()))?;
    let compiled = compiled.map_err(InputError::Compile)?;
    mark("compile");
    let from_dep = |name: &str| {
        provided
            .get(name)
            .filter(|_| !own.contains(name))
            .map(|(d, _)| *d)
    };
    for f in &compiled {
        if let Some(d) = from_dep(f.fd.name()) {
            module_of.insert(f.fd.name().to_string(), d.key.name.to_string());
        }
    }
    if ws.pinned_deps.is_none() && !deps.is_empty() {
        warn_undeclared_imports(&ws, &compiled, &from_dep);
    }
    let mut image = Image::assemble(compiled, &targets, &module_of);
    for f in &mut image.files {
        if let Some(d) = from_dep(f.file.fd.name()) {
            f.module_commit = Some(d.key.commit.clone());
        } else if let Some(c) = commit_of.get(f.file.fd.name()) {
            f.module_commit = Some(c.clone());
        }
    }
    mark("image order");
    Ok(Built {
        workspace: ws,
        image,
        deps,
    })
}

/// buf's warning for a workspace file that imports a file of a remote
/// module the buf.yaml does not declare (it came in through buf.lock as a
/// transitive dependency).
fn warn_undeclared_imports<'d>(
    ws: &Workspace,
    compiled: &[compiler::CompiledFile],
    from_dep: &dyn Fn(&str) -> Option<&'d crate::deps::resolve::DepModule>,
) {
    let declared: HashSet<String> = ws
        .deps
        .iter()
        .chain(ws.modules.iter().flat_map(|m| &m.deps))
        .map(|d| d.full_name.to_string())
        .collect();
    let own: HashSet<&str> = ws
        .modules
        .iter()
        .flat_map(|m| &m.files)
        .map(|f| f.import_path.as_str())
        .collect();
    for f in compiled.iter().filter(|f| own.contains(f.fd.name())) {
        for import in &f.fd.dependency {
            if let Some(d) = from_dep(import) {
                let name = d.key.name.to_string();
                if !declared.contains(&name) {
                    crate::report::warn(&format!(
                        "File \"{}\" imports \"{import}\", which is not in your workspace or in the dependencies declared in your buf.yaml, but is found in transitive dependency \"{name}\".\nDeclare \"{name}\" in the deps key in your buf.yaml.",
                        f.fd.name()
                    ));
                }
            }
        }
    }
}

/// An input of any kind, compiled or read into an image. A git or archive
/// input keeps its unpacked tree alive here until the image is no longer
/// needed.
pub struct Opened {
    pub built: Built,
    /// Whether the input was an image file (no sources, no compile).
    pub is_image: bool,
    _tree: Option<fetch::Tree>,
}

impl Opened {
    /// A source input the caller read ([`read`]) and compiled
    /// ([`compile_contents`]) itself.
    pub fn compiled(built: Built) -> Opened {
        Opened {
            built,
            is_image: false,
            _tree: None,
        }
    }
}

/// Opens `raw` (any buf input reference): directories, `.proto` files, git
/// repositories and archives are built from source with `req`'s flags;
/// image files are read. `--path` filters apply to images too.
pub fn open(
    raw: &str,
    req: &BuildRequest,
    cwd: &Path,
    mark: impl FnMut(&str),
) -> Result<Opened, InputError> {
    let r = reference::parse(raw, cwd).map_err(InputError::Failure)?;
    if let Some(w) = r.deprecation_warning() {
        crate::report::warn(&w);
    }
    open_ref(&r, None, req, cwd, mark)
}

/// An input whose content was pinned before opening: a local git
/// repository's commit, a local archive's or image's bytes. What
/// [`open_pinned`] opens is exactly what [`PinnedInput::identity`] names,
/// even if the repository moves on in between.
pub struct PinnedInput {
    reference: reference::InputRef,
    pinned: fetch::Pinned,
}

impl PinnedInput {
    /// What the opened input's content depends on besides the build flags:
    /// the commit or the bytes' digest, and every reference option that
    /// changes which files are read or how (not `depth` or the ref's name).
    pub fn identity(&self) -> Vec<u8> {
        let r = &self.reference;
        let content = match &self.pinned {
            fetch::Pinned::Commit(sha) => format!("commit {sha}"),
            fetch::Pinned::Bytes(b) => {
                format!("bytes {}", crate::cache::hex(&crate::cache::digest(b)))
            }
        };
        format!(
            "{content}\0{}\0{}\0{:?}\0{:?}\0{}\0{}\0{}",
            r.path,
            r.format.as_str(),
            r.compression,
            r.subdir,
            r.strip_components,
            r.include_package_files,
            r.git.recurse_submodules,
        )
        .into_bytes()
    }
}

/// Pins `raw` if its content can be identified cheaply, before any unpack
/// or compile (see [`fetch::pin`]). A reference that prints a warning when
/// opened is not pinned.
pub fn pin(raw: &str, cwd: &Path) -> Option<PinnedInput> {
    let r = reference::parse(raw, cwd).ok()?;
    if r.deprecation_warning().is_some() {
        return None;
    }
    let pinned = fetch::pin(&r, cwd)?;
    Some(PinnedInput {
        reference: r,
        pinned,
    })
}

/// Opens a pinned input as [`open`] opens its reference.
pub fn open_pinned(
    p: PinnedInput,
    req: &BuildRequest,
    cwd: &Path,
    mark: impl FnMut(&str),
) -> Result<Opened, InputError> {
    open_ref(&p.reference, Some(p.pinned), req, cwd, mark)
}

fn open_ref(
    r: &reference::InputRef,
    pinned: Option<fetch::Pinned>,
    req: &BuildRequest,
    cwd: &Path,
    mark: impl FnMut(&str),
) -> Result<Opened, InputError> {
    match r.format {
        reference::Format::Dir
        | reference::Format::Protofile
        | reference::Format::Git
        | reference::Format::Tar
        | reference::Format::Zip => {
            let (ws, tree) = discover_source_pinned(r, pinned.as_ref(), req, cwd)?;
            let built = compile(ws, mark)?;
            Ok(Opened {
                built,
                is_image: false,
                _tree: tree,
            })
        }
        reference::Format::Mod => {
            let ws = discover_module(r, req)?;
            let built = compile(ws, mark)?;
            Ok(Opened {
                built,
                is_image: false,
                _tree: None,
            })
        }
        reference::Format::Binpb
        | reference::Format::Json
        | reference::Format::Txtpb
        | reference::Format::Yaml => {
            let bytes = match pinned {
                Some(fetch::Pinned::Bytes(b)) => b,
                _ => fetch::read_bytes(r, cwd).map_err(InputError::Failure)?,
            };
            let encoding = match r.format {
                reference::Format::Json => crate::image::read::Encoding::Json,
                reference::Format::Txtpb => crate::image::read::Encoding::Txtpb,
                reference::Format::Yaml => crate::image::read::Encoding::Yaml,
                _ => crate::image::read::Encoding::Binpb,
            };
            let image = crate::image::read::decode(&bytes, encoding)
                .map_err(|e| InputError::Failure(e.to_string()))?;
            let image = filter_image(image, &req.paths, &req.exclude_paths);
            if !image.files.iter().any(|f| !f.is_import) {
                return Err(InputError::Failure(
                    workspace::WorkspaceError::NoTargetFiles.to_string(),
                ));
            }
            let workspace = image_workspace(&image, req.config_override.as_deref(), cwd)?;
            Ok(Opened {
                built: Built {
                    workspace,
                    image,
                    deps: Vec::new(),
                },
                is_image: true,
                _tree: None,
            })
        }
    }
}

/// Finds the workspace of a source reference (a directory or `.proto` file,
/// or a git or archive tree, unpacked first), without compiling. The tree,
/// if any, must outlive the workspace's use.
pub fn discover_source(
    r: &reference::InputRef,
    req: &BuildRequest,
    cwd: &Path,
) -> Result<(Workspace, Option<fetch::Tree>), InputError> {
    discover_source_pinned(r, None, req, cwd)
}

fn discover_source_pinned(
    r: &reference::InputRef,
    pinned: Option<&fetch::Pinned>,
    req: &BuildRequest,
    cwd: &Path,
) -> Result<(Workspace, Option<fetch::Tree>), InputError> {
    match r.format {
        reference::Format::Dir | reference::Format::Protofile => {
            // buf stats a missing directory given as an absolute path or
            // one above the current directory; below it, a missing
            // directory is a module with no files.
            let outside =
                r.path.starts_with("../") || r.path == ".." || Path::new(&r.path).is_absolute();
            if r.format == reference::Format::Dir && outside && !cwd.join(&r.path).exists() {
                return Err(InputError::Failure(format!(
                    "stat {}: no such file or directory",
                    r.path
                )));
            }
            let mut req = req.clone();
            req.input = r.path.clone();
            Ok((discover(&req, cwd)?, None))
        }
        reference::Format::Git | reference::Format::Tar | reference::Format::Zip => {
            let tree = fetch::fetch_tree_pinned(r, cwd, pinned).map_err(InputError::Failure)?;
            let mut req = req.clone();
            req.input = tree.subdir.clone().unwrap_or_else(|| ".".into());
            let ws = discover(&req, tree.dir.path())?;
            Ok((ws, Some(tree)))
        }
        reference::Format::Mod => Ok((discover_module(r, req)?, None)),
        _ => Err(InputError::Failure(format!(
            "{} is not a source input",
            r.format_name()
        ))),
    }
}

/// A registry module as the input (`buf.build/acme/weather[:ref]`): its
/// commit and dependencies are resolved and fetched (or read from the
/// cache), its files laid out in a temporary tree that becomes a one-module
/// workspace, with its dependencies pinned.
pub fn discover_module(
    r: &reference::InputRef,
    req: &BuildRequest,
) -> Result<Workspace, InputError> {
    let fail = |e: String| InputError::Failure(e);
    // The ref follows the last ':' after the last '/' (a registry may
    // carry a port).
    let slash = r.path.rfind('/').unwrap_or(0);
    let (name, reference) = match r.path[slash..].find(':') {
        Some(colon) => (
            &r.path[..slash + colon],
            Some(r.path[slash + colon + 1..].to_string()),
        ),
        None => (r.path.as_str(), None),
    };
    let name = crate::config::ModuleFullName::parse(name).map_err(fail)?;
    let module = crate::deps::resolve::fetch_module_ref(&name, reference.as_deref())
        .map_err(|e| fail(e.to_string()))?;
    // A valid cache entry is never rewritten, so the module is read in place.
    let mut req = req.clone();
    req.input = ".".into();
    let mut ws = discover(&req, &module.dir)?;
    for m in &mut ws.modules {
        m.name = Some(name.to_string());
        m.commit = Some(module.key.commit.clone());
    }
    ws.pinned_deps = Some(module.deps);
    Ok(ws)
}

/// Narrows an image to the target files `--path` selects (and
/// `--exclude-path` does not), keeping what they import as imports and
/// dropping the rest, as buf does. Paths compare with file names.
fn filter_image(image: Image, paths: &[String], exclude: &[String]) -> Image {
    if paths.is_empty() && exclude.is_empty() {
        return image;
    }
    let clean = |p: &String| p.trim_start_matches("./").trim_end_matches('/').to_string();
    let paths: Vec<String> = paths.iter().map(clean).collect();
    let exclude: Vec<String> = exclude.iter().map(clean).collect();
    let chosen: Vec<bool> = image
        .files
        .iter()
        .map(|f| {
            let name = f.file.fd.name();
            !f.is_import
                && (paths.is_empty() || paths.iter().any(|p| crate::check::path_under(name, p)))
                && !exclude.iter().any(|p| crate::check::path_under(name, p))
        })
        .collect();
    let keep = image.reachable((0..chosen.len()).filter(|&i| chosen[i]));
    let files = image
        .files
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep[*i])
        .map(|(i, mut f)| {
            f.is_import = !chosen[i];
            f
        })
        .collect();
    Image { files }
}

/// A one-module workspace standing for an image: its targets are the
/// image's non-import files; its configuration is `--config` or buf's
/// defaults.
fn image_workspace(
    image: &Image,
    config_override: Option<&str>,
    cwd: &Path,
) -> Result<Workspace, InputError> {
    use crate::config::{BreakingConfig, ConfigVersion, LintConfig};
    let (lint, breaking, version) = match config_override {
        Some(c) => {
            let yaml = crate::config::parse_config_override(c, cwd)
                .map_err(|e| InputError::Failure(e.to_string()))?;
            let m = yaml.modules.into_iter().next();
            match m {
                Some(m) => (m.lint, m.breaking, yaml.version),
                None => (
                    LintConfig::new(yaml.version),
                    BreakingConfig::new(yaml.version),
                    yaml.version,
                ),
            }
        }
        None => (
            LintConfig::new(ConfigVersion::V1),
            BreakingConfig::new(ConfigVersion::V1),
            ConfigVersion::V1,
        ),
    };
    let files = image
        .files
        .iter()
        .map(|f| workspace::ModuleFile {
            import_path: f.file.fd.name().to_string(),
            disk_path: std::path::PathBuf::new(),
            external_path: f.file.display_path.clone(),
            is_target: !f.is_import,
        })
        .collect();
    Ok(Workspace {
        root: cwd.to_path_buf(),
        root_display: ".".into(),
        modules: vec![workspace::Module {
            dir: ".".into(),
            name: None,
            files,
            lint,
            breaking,
            config_version: version,
            is_target: true,
            description: "image".into(),
            roots: vec![".".into()],
            deps: Vec::new(),
            commit: None,
        }],
        deps: Vec::new(),
        kind: workspace::WorkspaceKind::V1Modules,
        is_proto_file_input: false,
        pinned_deps: None,
        check_plugins: Vec::new(),
        policies: Vec::new(),
    })
}
