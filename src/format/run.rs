//! The multi-file run behind `protolith format`: which files an input names
//! (buf's workspace rules, nothing compiled), all of them formatted in
//! parallel, then a [`Plan`] of what goes to stdout and what is written
//! (`-o` file or directory, `-w`, `-d`). Nothing here prints.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::stage::{Rewrites, Stage};
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

/// What a run keeps of one file once it is printed: only what still has to
/// go to stdout or into one `-o` file, in path order. Files for an `-o`
/// directory or `-w` are already staged on disk by then.
#[derive(Debug)]
pub struct Kept {
    pub changed: bool,
    /// Its unified diff (`-d`, changed files only).
    pub diff: Vec<u8>,
    /// The formatted bytes, when they go to stdout or into one `-o` file.
    pub text: Option<Vec<u8>>,
}

impl Mode {
    /// The `-o` directory every formatted file goes under.
    fn to_dir(&self) -> Option<&Path> {
        match &self.output {
            Output::Dir(d) if !self.write => Some(d),
            _ => None,
        }
    }
}

/// Drops what `mode` does not need of `f`, making its diff now.
pub fn settle(f: Formatted, mode: &Mode) -> Kept {
    let changed = f.changed();
    let diff = if mode.diff && changed {
        diff::unified(&f.original, &f.formatted, &f.external)
    } else {
        Vec::new()
    };
    let keep =
        !mode.write && mode.to_dir().is_none() && !(mode.diff && mode.output == Output::Stdout);
    Kept {
        changed,
        diff,
        text: keep.then_some(f.formatted),
    }
}

/// How many input bytes are printed at once. Printing holds about 15
/// times a file's size (its tokens, tree and output), so googleapis' two
/// 4 MB compute.proto files printed side by side would double the run's
/// peak memory; a file this large is printed alone.
const IN_FLIGHT_BYTES: usize = 2 << 20;

/// Reads and formats every target on all cores. With an `-o` directory or
/// `-w`, each file is staged on disk as soon as it is printed; what goes to
/// stdout or one `-o` file is spooled in path order. All or nothing: when
/// any file fails, the diagnostics of every failing file sorted by path,
/// and everything staged is removed.
pub fn run(
    targets: &Targets,
    print: &PrintFn<'_>,
    mode: &Mode,
    cwd: &Path,
) -> Result<Plan, RunError> {
    let (stage, deferred) = match mode.to_dir() {
        Some(dir) => {
            let paths = targets.files.iter().map(|t| t.path.as_str());
            match Stage::new(cwd, dir, paths) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e)),
            }
        }
        None => (None, None),
    };
    let rewrites = mode.write.then(Rewrites::default);
    let budget = Budget::new(IN_FLIGHT_BYTES);
    let one = |t: &Target| -> Result<Kept, RunError> {
        let original = std::fs::read(&t.disk).map_err(|e| RunError::Io {
            path: t.external.clone(),
            reason: crate::config::io_reason(&e),
        })?;
        let f = {
            let _held = budget.take(original.len());
            format_bytes_with(&t.path, &t.external, t.disk.clone(), original, print)?
        };
        if let Some(stage) = &stage {
            stage.put(&f.path, &f.formatted)?;
        }
        if let Some(rewrites) = &rewrites
            && f.changed()
        {
            rewrites.put(&f.disk, &f.external, &f.formatted)?;
        }
        Ok(settle(f, mode))
    };
    // Workers send each file's result by index; this thread takes them in
    // path order, holding back only those that finished early.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut plan = std::thread::scope(|s| {
        let collector = s.spawn(|| collect(InOrder::new(rx), mode));
        targets
            .files
            .par_iter()
            .enumerate()
            .for_each_with(tx, |tx, (i, t)| {
                let _ = tx.send((i, one(t)));
            });
        collector
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    plan.stage = stage;
    plan.rewrites = rewrites;
    plan.deferred = deferred;
    Ok(plan)
}

/// Results sent by index, given back in index order.
struct InOrder<T> {
    rx: std::sync::mpsc::Receiver<(usize, T)>,
    next: usize,
    early: std::collections::BTreeMap<usize, T>,
}

impl<T> InOrder<T> {
    fn new(rx: std::sync::mpsc::Receiver<(usize, T)>) -> Self {
        InOrder {
            rx,
            next: 0,
            early: std::collections::BTreeMap::new(),
        }
    }
}

impl<T> Iterator for InOrder<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(v) = self.early.remove(&self.next) {
                self.next += 1;
                return Some(v);
            }
            // Every sender gone with this index missing: nothing more.
            let (i, v) = self.rx.recv().ok()?;
            self.early.insert(i, v);
        }
    }
}

/// A counting semaphore over input bytes. A file larger than the limit
/// takes all of it. Holders never wait on anything else, so waiting here
/// cannot deadlock the worker threads.
struct Budget {
    limit: usize,
    used: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

struct Held<'a> {
    budget: &'a Budget,
    n: usize,
}

impl Budget {
    fn new(limit: usize) -> Budget {
        Budget {
            limit,
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    fn take(&self, bytes: usize) -> Held<'_> {
        let n = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + n > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += n;
        Held { budget: self, n }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.n;
        self.budget.freed.notify_all();
    }
}

/// [`run`] over one file's bytes (stdin's, for `--stdin-filepath`).
pub fn run_bytes(path: &str, original: Vec<u8>, mode: &Mode) -> Result<Plan, RunError> {
    let f = format_bytes_with(path, path, PathBuf::new(), original, &format_file)?;
    collect(std::iter::once(Ok(settle(f, mode))), mode)
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

/// Output held in memory up to this size, then in a temporary file.
const SPOOL_IN_MEMORY: usize = 1 << 20;

/// Bytes waiting to be printed or written: in memory while small, in an
/// unnamed temporary file beyond that.
pub struct Spool(tempfile::SpooledTempFile);

impl Default for Spool {
    fn default() -> Self {
        Spool(tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY))
    }
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spool")
    }
}

impl Spool {
    fn push(&mut self, bytes: &[u8]) -> Result<(), RunError> {
        use std::io::Write;
        self.0.write_all(bytes).map_err(|e| RunError::Io {
            path: "temporary file".into(),
            reason: crate::config::io_reason(&e),
        })
    }

    /// Copies everything spooled to `out`.
    pub fn copy_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::Seek;
        self.0.rewind()?;
        std::io::copy(&mut self.0, out)?;
        Ok(())
    }

    /// Everything spooled (tests and small outputs).
    pub fn bytes(&mut self) -> Vec<u8> {
        let mut v = Vec::new();
        self.copy_to(&mut v).map(|()| v).unwrap_or_default()
    }
}

/// What a run prints and writes.
#[derive(Debug, Default)]
pub struct Plan {
    /// Printed first: the diffs (`-d`) or else the formatted files.
    pub stdout: Spool,
    /// The concatenation going to one `-o` file.
    pub file: Option<(PathBuf, Spool)>,
    /// Every file already written under the `-o` directory.
    pub stage: Option<Stage>,
    /// Every changed file already written beside itself (`-w`).
    pub rewrites: Option<Rewrites>,
    /// Why the `-o` directory cannot be written, reported by [`apply`]
    /// after the diffs are printed.
    pub deferred: Option<RunError>,
    /// Some file's formatted bytes differ from its input (`--exit-code`).
    pub changed: bool,
}

/// buf's order of effects, over `files` in path order: `-d` prints the
/// diffs of changed files (and alone, nothing else); otherwise every file
/// goes to stdout or one `-o` file (`-w` and an `-o` directory are staged
/// by [`run`]). Failures are gathered: every file's diagnostics, sorted.
fn collect(
    files: impl Iterator<Item = Result<Kept, RunError>>,
    mode: &Mode,
) -> Result<Plan, RunError> {
    let mut plan = Plan::default();
    let mut file = match &mode.output {
        Output::File(path) if !mode.write => Some((path.clone(), Spool::default())),
        _ => None,
    };
    let mut diagnostics = Vec::new();
    let mut failure = None;
    for f in files {
        let f = match f {
            Ok(f) if diagnostics.is_empty() && failure.is_none() => f,
            Ok(_) => continue,
            Err(RunError::Format(d)) => {
                diagnostics.extend(d);
                continue;
            }
            Err(e) => {
                failure = failure.or(Some(e));
                continue;
            }
        };
        plan.changed |= f.changed;
        // `settle` keeps no text when diffs go to stdout.
        let mut spooled = plan.stdout.push(&f.diff);
        if let Some(text) = &f.text {
            spooled = spooled.and_then(|()| match &mut file {
                Some((_, spool)) => spool.push(text),
                None => plan.stdout.push(text),
            });
        }
        if let Err(e) = spooled {
            failure = failure.or(Some(e));
        }
    }
    if !diagnostics.is_empty() {
        diagnostics.sort();
        diagnostics.dedup();
        return Err(RunError::Format(diagnostics));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    plan.file = file;
    Ok(plan)
}

/// Writes one `-o` file, moves the staged files into place (`-w` first,
/// then the `-o` directory). The caller prints `stdout` before. Relative
/// paths are taken from `cwd`.
pub fn apply(plan: Plan, cwd: &Path) -> Result<(), RunError> {
    if let Some(e) = plan.deferred {
        return Err(e);
    }
    if let Some((path, mut spool)) = plan.file {
        write_file(cwd, &path, &mut spool)?;
    }
    if let Some(rewrites) = plan.rewrites {
        rewrites.commit()?;
    }
    match plan.stage {
        Some(stage) => stage.commit(),
        None => Ok(()),
    }
}

/// Writes the `-o` file `path` (relative to `cwd`, and named as given in
/// errors) through a temporary file and a rename; /dev/null and other
/// special files are written, never replaced.
fn write_file(cwd: &Path, path: &Path, spool: &mut Spool) -> Result<(), RunError> {
    let target = cwd.join(path);
    let fail = |e: std::io::Error| io_error(path, &e);
    let meta = std::fs::metadata(&target).ok();
    if meta.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&target)
            .map_err(fail)?;
        return spool.copy_to(&mut f).map_err(fail);
    }
    let dir = match target.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            std::fs::create_dir_all(parent).map_err(fail)?;
            parent.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".protolith-format-")
        .tempfile_in(&dir)
        .map_err(fail)?;
    spool.copy_to(tmp.as_file_mut()).map_err(fail)?;
    super::stage::set_mode(tmp.path(), super::stage::permission_bits(meta.as_ref()))
        .map_err(fail)?;
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    Ok(())
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

    fn plan_of(files: Vec<Formatted>, m: &Mode) -> Plan {
        collect(files.into_iter().map(|f| Ok(settle(f, m))), m).unwrap()
    }

    #[test]
    fn stdout_concatenates_every_file() {
        let mut p = plan_of(files(), &mode(false, false, Output::Stdout));
        assert_eq!(p.stdout.bytes(), b"A\nC\n");
        assert!(p.file.is_none() && p.changed);
    }

    #[test]
    fn diff_alone_prints_only_diffs_of_changed_files() {
        let m = mode(false, true, Output::Stdout);
        let kept: Vec<Kept> = files().into_iter().map(|f| settle(f, &m)).collect();
        assert!(
            kept.iter().all(|k| k.text.is_none()),
            "-d alone keeps no text"
        );
        let mut p = collect(kept.into_iter().map(Ok), &m).unwrap();
        let text = String::from_utf8_lossy(&p.stdout.bytes()).into_owned();
        assert!(
            text.starts_with("diff -u in/b/c.proto.orig in/b/c.proto\n"),
            "{text}"
        );
        assert!(!text.contains("a.proto"));
    }

    #[test]
    fn diff_with_an_output_file_prints_diffs_and_writes_every_file() {
        let m = mode(false, true, Output::File("all.proto".into()));
        let mut p = plan_of(files(), &m);
        assert!(p.stdout.bytes().starts_with(b"diff -u in/b/c.proto.orig"));
        let (path, mut spool) = p.file.take().unwrap();
        assert_eq!(path, PathBuf::from("all.proto"));
        assert_eq!(spool.bytes(), b"A\nC\n");
    }

    #[test]
    fn output_dir_and_write_keep_no_text() {
        for m in [
            mode(false, false, Output::Dir("out".into())),
            mode(true, false, Output::Stdout),
        ] {
            let kept: Vec<Kept> = files().into_iter().map(|f| settle(f, &m)).collect();
            assert!(kept.iter().all(|k| k.text.is_none() && k.diff.is_empty()));
        }
    }

    #[test]
    fn unchanged_files_report_no_change() {
        let mut p = plan_of(
            vec![file("a.proto", "A\n", "A\n")],
            &mode(true, true, Output::Stdout),
        );
        assert!(!p.changed && p.stdout.bytes().is_empty());
    }

    #[test]
    fn every_failing_file_is_reported_sorted() {
        let m = mode(false, false, Output::Stdout);
        let bad = vec![0xff_u8];
        let fail = |p: &str| {
            let e = std::str::from_utf8(&bad).unwrap_err();
            Err(RunError::Format(vec![FileDiagnostic::invalid_utf8(
                p, &bad, e,
            )]))
        };
        let results = vec![
            fail("z.proto"),
            Ok(settle(files().remove(0), &m)),
            fail("b.proto"),
        ];
        let Err(RunError::Format(d)) = collect(results.into_iter(), &m) else {
            panic!("expected diagnostics");
        };
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with("b.proto") && text[1].starts_with("z.proto"),
            "{text:?}"
        );
    }

    #[test]
    fn in_order_gives_back_results_by_index() {
        let (tx, rx) = std::sync::mpsc::channel();
        for i in [2, 0, 3, 1] {
            tx.send((i, i * 10)).unwrap();
        }
        drop(tx);
        assert_eq!(InOrder::new(rx).collect::<Vec<_>>(), vec![0, 10, 20, 30]);
    }

    /// A tree with one formatted file, one that changes, and a symbolic
    /// link to the one that changes.
    fn tree() -> (tempfile::TempDir, Targets) {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir(d.join("b")).unwrap();
        std::fs::write(d.join("a.proto"), "syntax = \"proto3\";\n").unwrap();
        std::fs::write(d.join("b/c.proto"), "syntax=\"proto3\";\nmessage  M{}\n").unwrap();
        let target = |p: &str| Target {
            path: p.into(),
            external: p.into(),
            disk: d.join(p),
        };
        let targets = Targets {
            files: vec![target("a.proto"), target("b/c.proto")],
            _tree: None,
        };
        (tmp, targets)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    #[test]
    fn write_rewrites_only_changed_files_through_links_keeping_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let (tmp, mut targets) = tree();
        let d = tmp.path();
        std::fs::set_permissions(d.join("b/c.proto"), std::fs::Permissions::from_mode(0o640))
            .unwrap();
        std::os::unix::fs::symlink("c.proto", d.join("b/link.proto")).unwrap();
        targets.files[1].disk = d.join("b/link.proto");
        let before = std::fs::metadata(d.join("a.proto"))
            .unwrap()
            .modified()
            .unwrap();
        let m = mode(true, false, Output::Stdout);
        let plan = run(&targets, &format_file, &m, d).unwrap();
        assert!(plan.changed);
        assert_eq!(
            names(&d.join("b")).len(),
            3,
            "staged beside, not yet renamed"
        );
        apply(plan, d).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("b/c.proto")).unwrap(),
            "syntax = \"proto3\";\n\nmessage M {}\n"
        );
        let link = std::fs::symlink_metadata(d.join("b/link.proto")).unwrap();
        assert!(link.file_type().is_symlink());
        let mode = std::fs::metadata(d.join("b/c.proto"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(names(&d.join("b")), vec!["c.proto", "link.proto"]);
        let after = std::fs::metadata(d.join("a.proto"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after, "an unchanged file is not rewritten");
    }

    #[test]
    fn a_failing_file_leaves_nothing_written_or_staged() {
        let (tmp, mut targets) = tree();
        let d = tmp.path();
        std::fs::write(d.join("bad.proto"), "message {").unwrap();
        targets.files.push(Target {
            path: "bad.proto".into(),
            external: "bad.proto".into(),
            disk: d.join("bad.proto"),
        });
        let before = names(d);
        for m in [
            mode(true, false, Output::Stdout),
            mode(false, false, Output::Dir("out".into())),
            mode(false, true, Output::Dir("b".into())),
        ] {
            let err = run(&targets, &format_file, &m, d).unwrap_err();
            assert!(matches!(err, RunError::Format(_)), "{err}");
            assert_eq!(names(d), before);
            assert_eq!(names(&d.join("b")), vec!["c.proto"]);
        }
    }

    #[test]
    fn output_dir_gets_every_file() {
        let (tmp, targets) = tree();
        let d = tmp.path();
        let m = mode(false, false, Output::Dir("out/x".into()));
        let plan = run(&targets, &format_file, &m, d).unwrap();
        assert!(!d.join("out").exists());
        apply(plan, d).unwrap();
        assert_eq!(names(&d.join("out/x")), vec!["a.proto", "b"]);
        assert_eq!(names(&d.join("out/x/b")), vec!["c.proto"]);
        assert!(
            names(d).iter().all(|n| !n.starts_with('.')),
            "{:?}",
            names(d)
        );
    }

    #[test]
    fn the_budget_lets_one_large_file_through_alone() {
        let budget = Budget::new(10);
        let small = budget.take(3);
        let other = budget.take(3);
        drop((small, other));
        let large = budget.take(100);
        assert_eq!(*budget.used.lock().unwrap(), 10);
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _h = budget.take(1);
                waited.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waited.load(std::sync::atomic::Ordering::SeqCst));
            drop(large);
        });
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(*budget.used.lock().unwrap(), 0);
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
