//! The multi-file run behind `protolith format`: which files an input names
//! (buf's workspace rules, nothing compiled), all of them formatted in
//! parallel, then a [`Plan`] of what goes to stdout and what is written
//! (`-o` file or directory, `-w`, `-d`). Nothing here prints.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{FormatError, diff, format_file};
use crate::compiler::diag::FileDiagnostic;
use crate::config::path::quote;
use crate::input::reference::{self, Format, InputRef};
use crate::input::{self, fetch};
use crate::workspace::{self, BuildRequest};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The input could not be read as a workspace (buf's texts).
    #[error("{0}")]
    Input(String),
    /// Files that could not be formatted: nothing was printed or written.
    #[error("{} files could not be formatted", .0.len())]
    Format(Vec<FileDiagnostic>),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
}

fn io_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        path: path.display().to_string(),
        reason: crate::config::io_reason(e),
    }
}

/// How one file is printed: its name for diagnostics and its bytes in.
pub type PrintFn<'a> = dyn Fn(&str, &[u8]) -> Result<String, FormatError> + Sync + 'a;

/// One file to format.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path inside its module (the import path): the order of the
    /// output and the path under `-o <dir>`.
    pub path: String,
    /// As buf prints it: relative to the current directory or as given.
    pub external: String,
    pub disk: PathBuf,
}

/// The files of an input. A git or archive input keeps its unpacked tree
/// here while the files are read.
pub struct Targets {
    /// Sorted by `path`, bytewise.
    pub files: Vec<Target>,
    _tree: Option<fetch::Tree>,
}

/// Whether `-w` can rewrite an input's files where they are: only a
/// directory or a `.proto` file on local disk.
pub fn writable(r: &InputRef) -> bool {
    matches!(r.format, Format::Dir | Format::Protofile)
}

/// The target files of `r` with `req`'s flags, found as `build` finds them
/// (buf.yaml modules, excludes, `--path`, `--exclude-path`, `--config`,
/// symlinks), without reading or compiling them. No target files is not
/// an error: there is nothing to format.
pub fn find_targets(r: &InputRef, req: &BuildRequest, cwd: &Path) -> Result<Targets, RunError> {
    let fail = |e: String| RunError::Input(e);
    reference::require_format(r, reference::SOURCE_OR_MODULE_FORMATS).map_err(fail)?;
    if let Some(w) = r.deprecation_warning() {
        crate::report::warn(&w);
    }
    let (ws, tree) = match r.format {
        Format::Git | Format::Tar | Format::Zip => {
            let tree = fetch::fetch_tree(r, cwd).map_err(fail)?;
            let mut req = req.clone();
            req.input = tree.subdir.clone().unwrap_or_else(|| ".".into());
            let ws = workspace::discover(&req, tree.dir.path()).map_err(|e| fail(e.to_string()))?;
            (ws, Some(tree))
        }
        Format::Mod => {
            let ws = input::discover_module(r, req).map_err(|e| match e {
                input::InputError::Failure(m) => fail(m),
                input::InputError::Compile(d) => RunError::Format(d),
            })?;
            (ws, None)
        }
        _ => {
            let mut req = req.clone();
            req.input = r.path.clone();
            let ws = workspace::discover(&req, cwd).map_err(|e| fail(e.to_string()))?;
            (ws, None)
        }
    };
    let mut files: Vec<Target> = ws
        .modules
        .iter()
        .filter(|m| m.is_target)
        .flat_map(|m| m.files.iter().filter(|f| f.is_target))
        .map(|f| Target {
            path: f.import_path.clone(),
            external: f.external_path.clone(),
            disk: f.disk_path.clone(),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Targets { files, _tree: tree })
}

/// One file, before and after.
#[derive(Debug, Clone)]
pub struct Formatted {
    pub path: String,
    pub external: String,
    /// Where `-w` writes it (empty for stdin).
    pub disk: PathBuf,
    pub original: Vec<u8>,
    pub formatted: Vec<u8>,
}

impl Formatted {
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}

/// Reads and formats every target on all cores. All or nothing: when any
/// file fails, the diagnostics of every failing file, sorted by path.
pub fn format_all(targets: &Targets) -> Result<Vec<Formatted>, RunError> {
    format_all_with(targets, &format_file)
}

/// [`format_all`] with another printing of each file (`external`, bytes),
/// such as `source edit deprecate`'s.
pub fn format_all_with(targets: &Targets, print: &PrintFn<'_>) -> Result<Vec<Formatted>, RunError> {
    let results: Vec<Result<Formatted, RunError>> = targets
        .files
        .par_iter()
        .map(|t| {
            let original = std::fs::read(&t.disk).map_err(|e| RunError::Io {
                path: t.external.clone(),
                reason: crate::config::io_reason(&e),
            })?;
            format_bytes_with(&t.path, &t.external, t.disk.clone(), original, print)
        })
        .collect();
    let mut done = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    for r in results {
        match r {
            Ok(f) => done.push(f),
            Err(RunError::Format(d)) => diagnostics.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !diagnostics.is_empty() {
        diagnostics.sort();
        diagnostics.dedup();
        return Err(RunError::Format(diagnostics));
    }
    Ok(done)
}

/// Formats one file's bytes (stdin's, for `--stdin-filepath`).
pub fn format_bytes(
    path: &str,
    external: &str,
    disk: PathBuf,
    original: Vec<u8>,
) -> Result<Formatted, RunError> {
    format_bytes_with(path, external, disk, original, &format_file)
}

fn format_bytes_with(
    path: &str,
    external: &str,
    disk: PathBuf,
    original: Vec<u8>,
    print: &PrintFn<'_>,
) -> Result<Formatted, RunError> {
    match print(external, &original) {
        Ok(text) => Ok(Formatted {
            path: path.to_string(),
            external: external.to_string(),
            disk,
            original,
            formatted: text.into_bytes(),
        }),
        Err(FormatError::NotUtf8(d) | FormatError::Parse(d)) => Err(RunError::Format(d)),
    }
}

/// Where formatted files go without `-w`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Stdout,
    /// Everything concatenated into one file.
    File(PathBuf),
    /// The tree mirrored under a directory, every file written.
    Dir(PathBuf),
}

/// Why `-o` was refused; `Usage` errors print buf's usage text first.
#[derive(Debug, PartialEq, Eq)]
pub enum OutputError {
    Usage(String),
    Other(String),
}

/// Reads `-o` as buf's dir-or-proto-file reference: `-` and /dev/stdout
/// are stdout, a `.proto` path that is not a directory is one file, any
/// other path a directory; `#format=dir|protofile` decides explicitly. A
/// registry module is refused.
pub fn parse_output(raw: &str, cwd: &Path) -> Result<Output, OutputError> {
    let other = OutputError::Other;
    let value = raw.trim();
    if value.is_empty() {
        return Err(other("required".into()));
    }
    if value == "-" || value == "/dev/stdout" {
        return Ok(Output::Stdout);
    }
    let (path, options) = match value.split_once('#') {
        None => (value, ""),
        Some(("", _)) => {
            return Err(other(format!(
                "{} starts with # which is invalid",
                quote(value)
            )));
        }
        Some((_, "")) => {
            return Err(other(format!(
                "{} ends with # which is invalid",
                quote(value)
            )));
        }
        Some((p, o)) => (p.trim(), o.trim()),
    };
    let mut format = None;
    let mut include_package_files = false;
    let pairs: Vec<&str> = if options.is_empty() {
        Vec::new()
    } else {
        options.split(',').collect()
    };
    for pair in pairs {
        let Some((key, v)) = pair.split_once('=') else {
            return Err(other(format!("invalid options: {}", quote(options))));
        };
        match (key.trim(), v.trim()) {
            ("format", f @ ("dir" | "protofile")) => format = Some(f),
            ("format", f) => {
                return Err(other(format!("unknown format: {}", quote(f))));
            }
            ("include_package_files", "true") => include_package_files = true,
            ("include_package_files", "false") => {}
            (k, _) => {
                return Err(other(format!("invalid key: {}", quote(k))));
            }
        }
    }
    let is_dir = cwd.join(path).is_dir();
    let format = match format {
        Some(f) => f,
        None if go_ext(path) == ".proto" && !is_dir => "protofile",
        None if !is_dir && reference::parse(path, cwd).is_ok_and(|r| r.format == Format::Mod) => {
            return Err(OutputError::Usage(
                "--output must be a directory or proto file".into(),
            ));
        }
        None => "dir",
    };
    if format == "protofile" {
        if include_package_files {
            return Err(OutputError::Usage(
                "cannot specify include_package_files=true with format".into(),
            ));
        }
        return Ok(Output::File(PathBuf::from(path)));
    }
    Ok(Output::Dir(PathBuf::from(path)))
}

/// Go's `filepath.Ext`: from the last `.` of the last element, or empty.
fn go_ext(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.rfind('.').map_or("", |i| &last[i..])
}

/// What the run was asked to do.
#[derive(Debug, Clone)]
pub struct Mode {
    pub write: bool,
    pub diff: bool,
    pub output: Output,
}

/// What a run prints and writes.
#[derive(Debug, Default)]
pub struct Plan {
    pub stdout: Vec<u8>,
    /// Directories to create even when nothing is written into them.
    pub dirs: Vec<PathBuf>,
    pub writes: Vec<FileWrite>,
    /// Some file's formatted bytes differ from its input (`--exit-code`).
    pub changed: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct FileWrite {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Rewriting an input file where it is (`-w`): through symbolic links,
    /// keeping its permissions.
    pub in_place: bool,
}

/// buf's order of effects: `-d` prints the diffs of changed files (and
/// alone, nothing else); `-w` rewrites only changed files; otherwise every
/// file goes to stdout, one `-o` file, or its path under an `-o` directory.
/// `files` are in path order.
pub fn plan(files: Vec<Formatted>, mode: &Mode) -> Plan {
    let mut plan = Plan {
        changed: files.iter().any(Formatted::changed),
        ..Plan::default()
    };
    if mode.diff {
        let diffs: Vec<Vec<u8>> = files
            .par_iter()
            .filter(|f| f.changed())
            .map(|f| diff::unified(&f.original, &f.formatted, &f.external))
            .collect();
        plan.stdout = diffs.concat();
        if mode.output == Output::Stdout && !mode.write {
            return plan;
        }
    }
    if mode.write {
        plan.writes = files
            .into_iter()
            .filter(Formatted::changed)
            .map(|f| FileWrite {
                path: f.disk,
                bytes: f.formatted,
                in_place: true,
            })
            .collect();
        return plan;
    }
    match &mode.output {
        Output::Stdout => {
            for f in files {
                plan.stdout.extend_from_slice(&f.formatted);
            }
        }
        Output::File(path) => {
            let bytes = files.into_iter().flat_map(|f| f.formatted).collect();
            plan.writes.push(FileWrite {
                path: path.clone(),
                bytes,
                in_place: false,
            });
        }
        Output::Dir(dir) => {
            plan.dirs.push(dir.clone());
            plan.writes = files
                .into_iter()
                .map(|f| FileWrite {
                    path: dir.join(&f.path),
                    bytes: f.formatted,
                    in_place: false,
                })
                .collect();
        }
    }
    plan
}

/// Makes the plan's directories and writes its files, each to a temporary
/// file renamed into place (a reader sees the old file or the new one).
/// Relative paths are taken from `cwd`.
pub fn apply(plan: &Plan, cwd: &Path) -> Result<(), RunError> {
    for dir in &plan.dirs {
        let full = cwd.join(dir);
        if full.exists() && !full.is_dir() {
            return Err(RunError::Io {
                path: dir.display().to_string(),
                reason: "not a directory".into(),
            });
        }
        std::fs::create_dir_all(&full).map_err(|e| io_error(dir, &e))?;
    }
    plan.writes
        .par_iter()
        .try_for_each(|w| write_file(cwd, &w.path, &w.bytes, w.in_place))
}

/// Writes `path` (relative to `cwd`, and named as given in errors).
fn write_file(cwd: &Path, path: &Path, bytes: &[u8], in_place: bool) -> Result<(), RunError> {
    let full = cwd.join(path);
    // Rewriting in place goes through a symbolic link to the file it names.
    let target = if in_place {
        std::fs::canonicalize(&full).map_err(|e| io_error(path, &e))?
    } else {
        full
    };
    let meta = std::fs::metadata(&target).ok();
    // /dev/null and other special files are written, never replaced.
    if meta.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::write(&target, bytes).map_err(|e| io_error(path, &e));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(path, &e))?;
    }
    let mode = permissions(meta.as_ref());
    crate::atomic::write(&target, bytes, Some(mode)).map_err(|e| io_error(path, &e))
}

/// A rewritten file keeps its permission bits; a new one gets 0644.
fn permissions(meta: Option<&std::fs::Metadata>) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.filter(|m| m.is_file())
            .map_or(0o644, |m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, original: &str, formatted: &str) -> Formatted {
        Formatted {
            path: path.into(),
            external: format!("in/{path}"),
            disk: PathBuf::from(format!("/src/in/{path}")),
            original: original.as_bytes().to_vec(),
            formatted: formatted.as_bytes().to_vec(),
        }
    }

    fn files() -> Vec<Formatted> {
        vec![
            file("a.proto", "A\n", "A\n"),
            file("b/c.proto", "c\n", "C\n"),
        ]
    }

    fn mode(write: bool, diff: bool, output: Output) -> Mode {
        Mode {
            write,
            diff,
            output,
        }
    }

    #[test]
    fn stdout_concatenates_every_file() {
        let p = plan(files(), &mode(false, false, Output::Stdout));
        assert_eq!(p.stdout, b"A\nC\n");
        assert!(p.writes.is_empty() && p.changed);
    }

    #[test]
    fn write_rewrites_only_changed_files() {
        let p = plan(files(), &mode(true, false, Output::Stdout));
        assert!(p.stdout.is_empty());
        assert_eq!(
            p.writes,
            vec![FileWrite {
                path: "/src/in/b/c.proto".into(),
                bytes: b"C\n".to_vec(),
                in_place: true
            }]
        );
    }

    #[test]
    fn diff_alone_prints_only_diffs_of_changed_files() {
        let p = plan(files(), &mode(false, true, Output::Stdout));
        let text = String::from_utf8_lossy(&p.stdout);
        assert!(
            text.starts_with("diff -u in/b/c.proto.orig in/b/c.proto\n"),
            "{text}"
        );
        assert!(!text.contains("a.proto"));
        assert!(p.writes.is_empty());
    }

    #[test]
    fn diff_with_output_dir_writes_every_file() {
        let p = plan(files(), &mode(false, true, Output::Dir("out".into())));
        assert!(!p.stdout.is_empty());
        assert_eq!(p.dirs, vec![PathBuf::from("out")]);
        let paths: Vec<_> = p.writes.iter().map(|w| w.path.clone()).collect();
        assert_eq!(
            paths,
            vec![PathBuf::from("out/a.proto"), "out/b/c.proto".into()]
        );
    }

    #[test]
    fn output_file_gets_the_concatenation() {
        let p = plan(
            files(),
            &mode(false, false, Output::File("all.proto".into())),
        );
        assert_eq!(p.writes.len(), 1);
        assert_eq!(p.writes[0].bytes, b"A\nC\n");
    }

    #[test]
    fn unchanged_files_report_no_change() {
        let p = plan(
            vec![file("a.proto", "A\n", "A\n")],
            &mode(true, true, Output::Stdout),
        );
        assert!(!p.changed && p.stdout.is_empty() && p.writes.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn rewrite_in_place_keeps_links_and_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real.proto");
        std::fs::write(&real, "old\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("real.proto", tmp.path().join("link.proto")).unwrap();
        let plan = Plan {
            writes: vec![FileWrite {
                path: "link.proto".into(),
                bytes: b"new\n".to_vec(),
                in_place: true,
            }],
            ..Plan::default()
        };
        apply(&plan, tmp.path()).unwrap();
        let link = std::fs::symlink_metadata(tmp.path().join("link.proto")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new\n");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn output_dir_that_is_a_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("plain"), "x").unwrap();
        let plan = Plan {
            dirs: vec!["plain".into()],
            ..Plan::default()
        };
        let err = apply(&plan, tmp.path()).unwrap_err().to_string();
        assert_eq!(err, "plain: not a directory");
    }

    #[test]
    fn output_references() {
        let cwd = std::env::temp_dir();
        let ok = |s: &str| parse_output(s, &cwd);
        assert_eq!(ok("-"), Ok(Output::Stdout));
        assert_eq!(ok("x.proto"), Ok(Output::File("x.proto".into())));
        assert_eq!(ok("out.txt"), Ok(Output::Dir("out.txt".into())));
        assert_eq!(ok("y.proto/"), Ok(Output::Dir("y.proto/".into())));
        assert_eq!(ok("x.proto#format=dir"), Ok(Output::Dir("x.proto".into())));
        assert_eq!(ok("o#format=protofile"), Ok(Output::File("o".into())));
        assert_eq!(ok("x.tar"), Ok(Output::Dir("x.tar".into())));
        assert_eq!(
            ok("buf.build/a/b"),
            Err(OutputError::Usage(
                "--output must be a directory or proto file".into()
            ))
        );
        assert_eq!(
            ok("x#format=tar"),
            Err(OutputError::Other("unknown format: \"tar\"".into()))
        );
        assert_eq!(
            ok("x#bad=1"),
            Err(OutputError::Other("invalid key: \"bad\"".into()))
        );
        assert_eq!(
            ok("x.proto#"),
            Err(OutputError::Other(
                "\"x.proto#\" ends with # which is invalid".into()
            ))
        );
        assert_eq!(ok(" "), Err(OutputError::Other("required".into())));
    }
}
