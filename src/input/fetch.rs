//! Materializing git and archive inputs as a directory on disk, and reading one-file inputs
//! (images) as bytes. A local repository is read in place with `git archive` (no clone); a
//! remote one is fetched into a temporary directory with the git commands buf runs.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use ruzstd::decoding::FrameDecoder;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};

use super::reference::{Compression, Format, GitRef, InputRef};
use crate::config::path::{clean, quote};

/// A source tree materialized on disk.
pub struct Tree {
    /// Root of the unpacked tree (after `strip_components`); removed on drop.
    pub dir: tempfile::TempDir,
    /// The `subdir` option: where the input starts inside `dir` (relative, normalized).
    pub subdir: Option<String>,
}

impl Tree {
    /// The directory the input names: the root, or `subdir` inside it.
    pub fn input_dir(&self) -> PathBuf {
        match &self.subdir {
            Some(subdir) => self.dir.path().join(subdir),
            None => self.dir.path().to_path_buf(),
        }
    }
}

/// The content an input was pinned to before opening it (see [`pin`]): the
/// commit a local git reference resolved to, or the bytes of a local archive
/// or image file, so that what is opened is exactly what was identified.
#[derive(Debug, Clone)]
pub enum Pinned {
    Commit(String),
    Bytes(Vec<u8>),
}

/// Pins `r` cheaply, before anything is unpacked or compiled: a local git
/// repository's reference resolves to its commit (git's own resolution, as
/// [`fetch_tree`] does it); a local archive or image file is read whole.
/// `None` when the content cannot be pinned that way (remote repositories,
/// submodules, stdin, URLs, directories) or resolving fails (opening the
/// input reports why).
pub fn pin(r: &InputRef, cwd: &Path) -> Option<Pinned> {
    match r.format {
        Format::Git => {
            if REMOTE_SCHEMES.iter().any(|s| r.path.starts_with(s)) || r.git.recurse_submodules {
                return None;
            }
            let repo = cwd.join(clean(r.path.strip_prefix("file://").unwrap_or(&r.path)));
            let local = LocalRepo::open(&repo).ok()?;
            local.resolve(&r.git).ok().map(Pinned::Commit)
        }
        Format::Tar | Format::Zip => match locate(&r.path, cwd) {
            Location::Local(_, on_disk) => fs::read(on_disk).ok().map(Pinned::Bytes),
            _ => None,
        },
        f if f.is_message() => match locate(&r.path, cwd) {
            Location::Local(..) => read_bytes(r, cwd).ok().map(Pinned::Bytes),
            _ => None,
        },
        _ => None,
    }
}

/// Materializes a git, tar or zip input in a temporary directory.
pub fn fetch_tree(r: &InputRef, cwd: &Path) -> Result<Tree, String> {
    fetch_tree_pinned(r, cwd, None)
}

/// [`fetch_tree`] at the content [`pin`] chose, when given.
pub fn fetch_tree_pinned(r: &InputRef, cwd: &Path, pin: Option<&Pinned>) -> Result<Tree, String> {
    let dir = match (r.format, pin) {
        (Format::Git, Some(Pinned::Commit(sha))) => fetch_git_at(r, cwd, sha)?,
        (Format::Tar | Format::Zip, Some(Pinned::Bytes(bytes))) => unpack_pinned(r, bytes)?,
        (Format::Git, _) => fetch_git(r, cwd)?,
        (Format::Tar | Format::Zip, _) => fetch_archive(r, cwd)?,
        other => {
            return Err(format!(
                "a {} input is not fetched as a source tree",
                other.0.as_str()
            ));
        }
    };
    Ok(Tree {
        dir,
        subdir: r.subdir.clone(),
    })
}

/// Reads a one-file input (binpb, json, txtpb, yaml) from a file, `file://`, `-` or
/// `/dev/stdin`, decompressed as the reference says.
pub fn read_bytes(r: &InputRef, cwd: &Path) -> Result<Vec<u8>, String> {
    if !r.format.is_message() {
        return Err(format!(
            "a {} input is not read as a single file",
            r.format.as_str()
        ));
    }
    let source = open_file(&r.path, cwd)?;
    let mut out = Vec::new();
    decompressed(source, r.compression)?
        .read_to_end(&mut out)
        .map_err(|e| format!("could not read {}: {}", quote(&r.path), e))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// One-file sources and decompression

/// Where a file input comes from, following buf's file schemes.
enum Location {
    Stdin,
    Null,
    Stdout,
    Http(String),
    /// The path as shown in messages (normalized) and where it is on disk.
    Local(String, PathBuf),
}

fn locate(path: &str, cwd: &Path) -> Location {
    match path {
        "-" | "/dev/stdin" => Location::Stdin,
        "/dev/null" => Location::Null,
        "/dev/stdout" => Location::Stdout,
        _ if path.starts_with("http://") || path.starts_with("https://") => {
            Location::Http(path.to_string())
        }
        _ => {
            let shown = clean(path.strip_prefix("file://").unwrap_or(path));
            let on_disk = cwd.join(&shown);
            Location::Local(shown, on_disk)
        }
    }
}

/// Opens a file input: stdin, a local file or an HTTP(S) download.
fn open_file(path: &str, cwd: &Path) -> Result<Box<dyn BufRead>, String> {
    Ok(match locate(path, cwd) {
        Location::Stdin => Box::new(BufReader::new(io::stdin())),
        Location::Null => Box::new(io::empty()),
        Location::Stdout => return Err("cannot read from stdout".to_string()),
        Location::Http(url) => Box::new(Cursor::new(http_get(&url)?)),
        Location::Local(shown, on_disk) => {
            let file = File::open(&on_disk).map_err(|e| go_io_error("open", &shown, &e))?;
            Box::new(BufReader::new(file))
        }
    })
}

/// Downloads `url` (an archive or image) as buf does: a GET that must answer
/// 200. Over https only, credentials come from the netrc file (machine =
/// host with any port), else from `BUF_INPUT_HTTPS_USERNAME` and
/// `BUF_INPUT_HTTPS_PASSWORD`, sent as HTTP Basic.
fn http_get(url: &str) -> Result<Vec<u8>, String> {
    // reqwest is built without a default TLS provider; ring is the light one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .build()
        .map_err(|e| format!("could not create an HTTP client: {e}"))?;
    let mut request = client.get(url);
    if let Some(rest) = url.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or(host);
        if let Some((user, password)) = crate::config::netrc::login(host) {
            request = request.basic_auth(user, Some(password));
        } else if let Some((user, password)) = https_credentials()? {
            request = request.basic_auth(user, password);
        }
    }
    let response = request.send().map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("expected HTTP status code {status} to be 200"));
    }
    response
        .bytes()
        .map(|b| b.to_vec())
        .map_err(|e| format!("GET {url}: {e}"))
}

/// An I/O error worded as Go words it (`open x: no such file or directory`), as buf prints.
fn go_io_error(op: &str, path: &str, e: &io::Error) -> String {
    let reason = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => e.to_string(),
    };
    format!("{op} {path}: {reason}")
}

fn decompressed<'a>(
    source: Box<dyn BufRead + 'a>,
    compression: Compression,
) -> Result<Box<dyn Read + 'a>, String> {
    Ok(match compression {
        Compression::None => source,
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(source)),
        Compression::Zstd => Box::new(ZstdFrames::new(source)),
    })
}

/// A zstd stream of any number of frames (ruzstd's streaming decoder reads one), skippable
/// frames included, as Go's zstd reader accepts.
struct ZstdFrames<R: BufRead> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> Self {
        ZstdFrames {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                match self.decoder.init(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let mut skipped = (&mut self.source).take(u64::from(length));
                        io::copy(&mut skipped, &mut io::sink())?;
                        continue;
                    }
                    Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                }
            }
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                self.decoder
                    .decode_blocks(
                        &mut self.source,
                        ruzstd::decoding::BlockDecodingStrategy::UptoBlocks(1),
                    )
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() && self.decoder.can_collect() == 0 {
                self.in_frame = false;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Archives

fn fetch_archive(r: &InputRef, cwd: &Path) -> Result<tempfile::TempDir, String> {
    let source = open_file(&r.path, cwd)?;
    let dir = temp_dir()?;
    let result = match (r.format, locate(&r.path, cwd)) {
        (Format::Zip, Location::Local(shown, on_disk)) => {
            let file = File::open(&on_disk).map_err(|e| go_io_error("open", &shown, &e))?;
            unpack_zip(file, dir.path(), r.strip_components)
        }
        (Format::Zip, _) => {
            // Zip needs to seek; stdin is read whole first.
            let mut bytes = Vec::new();
            let mut source = source;
            source
                .read_to_end(&mut bytes)
                .map_err(|e| format!("could not read {}: {e}", quote(&r.path)))?;
            unpack_zip(Cursor::new(bytes), dir.path(), r.strip_components)
        }
        _ => {
            let mut reader = decompressed(source, r.compression)?;
            unpack_tar(&mut reader, dir.path(), r.strip_components)
        }
    };
    result.map_err(|e| format!("{}: {e}", r.path))?;
    Ok(dir)
}

/// An archive unpacked from the bytes [`pin`] read.
fn unpack_pinned(r: &InputRef, bytes: &[u8]) -> Result<tempfile::TempDir, String> {
    let dir = temp_dir()?;
    let result = match r.format {
        Format::Zip => unpack_zip(Cursor::new(bytes), dir.path(), r.strip_components),
        _ => {
            let mut reader = decompressed(Box::new(bytes), r.compression)?;
            unpack_tar(&mut reader, dir.path(), r.strip_components)
        }
    };
    result.map_err(|e| format!("{}: {e}", r.path))?;
    Ok(dir)
}

/// Where an archive entry lands after stripping, or `None` when stripping leaves nothing.
/// Entries that climb out of the archive or are absolute are refused.
fn entry_destination(name: &str, strip: u32) -> Result<Option<String>, String> {
    let cleaned = clean(name);
    if cleaned.starts_with('/') {
        return Err(format!("archive entry {} is an absolute path", quote(name)));
    }
    if cleaned == ".." || cleaned.starts_with("../") {
        return Err(format!(
            "archive entry {} is outside the archive root",
            quote(name)
        ));
    }
    if cleaned == "." {
        return Ok(None);
    }
    let components: Vec<&str> = cleaned.split('/').collect();
    let strip = usize::try_from(strip).unwrap_or(usize::MAX);
    Ok(components
        .get(strip..)
        .filter(|rest| !rest.is_empty())
        .map(|rest| rest.join("/")))
}

fn write_entry(
    root: &Path,
    relative: &str,
    is_dir: bool,
    data: &mut dyn Read,
) -> Result<(), String> {
    let dest = root.join(relative);
    if is_dir {
        return fs::create_dir_all(&dest).map_err(|e| format!("{relative}: {e}"));
    }
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{relative}: {e}"))?;
    }
    let mut file = File::create(&dest).map_err(|e| format!("{relative}: {e}"))?;
    io::copy(data, &mut file).map_err(|e| format!("{relative}: {e}"))?;
    Ok(())
}

/// Unpacks regular files and directories; links and special files are skipped.
fn unpack_tar(reader: &mut dyn Read, root: &Path, strip: u32) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for entry in entries {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.header().entry_type();
        let is_dir = kind.is_dir();
        if !(is_dir || kind.is_file() || kind == tar::EntryType::Continuous) {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if let Some(relative) = entry_destination(&name, strip)? {
            write_entry(root, &relative, is_dir, &mut entry)?;
        }
    }
    Ok(())
}

fn unpack_zip<R: Read + Seek>(reader: R, root: &Path, strip: u32) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| e.to_string())?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        if file.is_symlink() {
            continue;
        }
        let is_dir = file.is_dir();
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if let Some(relative) = entry_destination(&name, strip)? {
            write_entry(root, &relative, is_dir, &mut file)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Git

const REMOTE_SCHEMES: &[&str] = &["http://", "https://", "ssh://", "git://"];

fn fetch_git(r: &InputRef, cwd: &Path) -> Result<tempfile::TempDir, String> {
    if REMOTE_SCHEMES.iter().any(|s| r.path.starts_with(s)) {
        return clone(&r.path, r);
    }
    let repo = cwd.join(clean(r.path.strip_prefix("file://").unwrap_or(&r.path)));
    if r.git.recurse_submodules {
        // `git archive` does not reach into submodules: fetch the way buf does instead.
        return clone(&format!("file://{}", repo.display()), r);
    }
    let local = LocalRepo::open(&repo)?;
    let sha = local.resolve(&r.git)?;
    archive_local(&local, r, &sha)
}

/// A local repository's tree at `sha`, which [`pin`] resolved.
fn fetch_git_at(r: &InputRef, cwd: &Path, sha: &str) -> Result<tempfile::TempDir, String> {
    let repo = cwd.join(clean(r.path.strip_prefix("file://").unwrap_or(&r.path)));
    let local = LocalRepo::open(&repo)?;
    archive_local(&local, r, sha)
}

fn archive_local(local: &LocalRepo, r: &InputRef, sha: &str) -> Result<tempfile::TempDir, String> {
    let sha = sha.to_string();
    let dir = temp_dir()?;
    let paths = local.archive_paths(&sha, r.subdir.as_deref())?;
    local.archive(&sha, paths.as_deref(), dir.path())?;
    Ok(dir)
}

/// A `git` command that ignores the repository the caller may be running in (hooks set
/// these variables).
fn git_command() -> Command {
    let mut cmd = Command::new("git");
    cmd.env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null());
    cmd
}

fn spawn_error(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        // buf's (Go's) wording.
        "exec: \"git\": executable file not found in $PATH".to_string()
    } else {
        format!("could not run git: {e}")
    }
}

/// Go's `exit status N` for a failed command.
fn exit_text(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "terminated by a signal".to_string(),
    }
}

/// A repository on this machine, read in place.
struct LocalRepo {
    /// `-C <work tree>` or `--git-dir <dir>`.
    locator: [OsString; 2],
    /// The repository path as messages show it.
    shown: String,
}

impl LocalRepo {
    fn open(path: &Path) -> Result<LocalRepo, String> {
        let shown = path.display().to_string();
        let not_a_repo = || format!("{} does not appear to be a git repository", quote(&shown));
        let locator: [OsString; 2] = if path.join(".git").exists() {
            ["-C".into(), path.into()]
        } else if path.is_file() && path.file_name().is_some_and(|n| n == ".git") {
            // A `.git` file (worktree or submodule): git follows it from the work tree.
            let parent = path.parent().unwrap_or(Path::new("/"));
            ["-C".into(), parent.into()]
        } else if path.is_dir() {
            ["--git-dir".into(), path.into()]
        } else {
            return Err(not_a_repo());
        };
        let not_a_repo = not_a_repo();
        let repo = LocalRepo { locator, shown };
        let output = repo
            .command(&["rev-parse", "--git-dir"])
            .output()
            .map_err(|e| spawn_error(&e))?;
        if !output.status.success() {
            return Err(not_a_repo);
        }
        Ok(repo)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = git_command();
        cmd.args(&self.locator)
            .arg("--literal-pathspecs")
            .args(args);
        cmd
    }

    /// Runs git and returns stdout, or `None` when git exits non-zero.
    fn output(&self, args: &[&str]) -> Result<Option<String>, String> {
        let output = self
            .command(args)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| spawn_error(&e))?;
        Ok(output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
    }

    /// The commit `expr` names, by `git rev-parse` (names, partial SHAs, `HEAD~1`, ...).
    fn rev_parse(&self, expr: &str) -> Result<Option<String>, String> {
        // No revision starts with '-'; refusing those keeps them from reading as options.
        if expr.starts_with('-') {
            return Ok(None);
        }
        let spec = format!("{expr}^{{commit}}");
        let out = self.output(&["rev-parse", "--verify", "--quiet", &spec])?;
        Ok(out.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
    }

    /// The commit `git fetch origin <name>` would take from this repository: a ref by
    /// git's abbreviation rules (so a tag wins over a branch of the same name, as buf
    /// 1.75 resolves `branch=`), or a full object id.
    fn resolve_fetchable(&self, name: &str) -> Result<Option<String>, String> {
        let candidates = [
            name.to_string(),
            format!("refs/{name}"),
            format!("refs/tags/{name}"),
            format!("refs/heads/{name}"),
            format!("refs/remotes/{name}"),
            format!("refs/remotes/{name}/HEAD"),
        ];
        let mut args = vec!["for-each-ref", "--format=%(refname)"];
        args.extend(
            candidates
                .iter()
                .map(String::as_str)
                .filter(|c| c.starts_with("refs/")),
        );
        let listed = self.output(&args)?.unwrap_or_default();
        let refs: HashSet<&str> = listed.lines().collect();
        let first = candidates.iter().find(|c| {
            let c = c.as_str();
            (c == "HEAD" && name == "HEAD") || (c.starts_with("refs/") && refs.contains(c))
        });
        if let Some(found) = first {
            return self.rev_parse(found);
        }
        let full_id = matches!(name.len(), 40 | 64) && name.bytes().all(|b| b.is_ascii_hexdigit());
        if full_id {
            return self.rev_parse(name);
        }
        Ok(None)
    }

    fn resolve(&self, git: &GitRef) -> Result<String, String> {
        let missing = |what: &str, name: &str| {
            format!(
                "could not find {what} {} in repository {} (is this a shallow clone? try fetching it first)",
                quote(name),
                quote(&self.shown)
            )
        };
        if let Some(branch) = &git.branch {
            let tip = self
                .resolve_fetchable(branch)?
                .ok_or_else(|| missing("branch", branch))?;
            let Some(reference) = &git.ref_ else {
                return Ok(tip);
            };
            // buf checks the branch out, then `ref`: HEAD means the branch's tip.
            let expr = relative_to_head(reference, &tip);
            return self
                .rev_parse(&expr)?
                .ok_or_else(|| missing("ref", reference));
        }
        if let Some(name) = &git.tag_or_commit {
            let what = if git.is_tag { "tag" } else { "commit" };
            return self
                .resolve_fetchable(name)?
                .ok_or_else(|| missing(what, name));
        }
        if let Some(reference) = &git.ref_ {
            return self
                .rev_parse(reference)?
                .ok_or_else(|| missing("ref", reference));
        }
        self.rev_parse("HEAD")?.ok_or_else(|| {
            format!(
                "could not find HEAD in repository {} (does it have any commits?)",
                quote(&self.shown)
            )
        })
    }

    /// What to extract for `subdir`: `None` for the whole tree. The caller runs workspace
    /// discovery from `subdir` up to the root, so the configuration files above it come
    /// along; a buf.yaml or buf.work.yaml above it may name sibling directories, so the
    /// topmost directory holding one is extracted whole.
    fn archive_paths(
        &self,
        sha: &str,
        subdir: Option<&str>,
    ) -> Result<Option<Vec<String>>, String> {
        let Some(subdir) = subdir else {
            return Ok(None);
        };
        let components: Vec<&str> = subdir.split('/').collect();
        let ancestors: Vec<String> = (0..components.len())
            .map(|i| components.get(..i).unwrap_or_default().join("/"))
            .collect();
        let in_dir = |dir: &str, file: &str| {
            if dir.is_empty() {
                file.to_string()
            } else {
                format!("{dir}/{file}")
            }
        };
        let mut wanted = vec![subdir.to_string()];
        for dir in &ancestors {
            for file in ["buf.work.yaml", "buf.yaml", "buf.lock"] {
                wanted.push(in_dir(dir, file));
            }
        }
        let mut args = vec!["ls-tree", "-z", "--name-only", "--full-tree", sha, "--"];
        args.extend(wanted.iter().map(String::as_str));
        let listed = self.output(&args)?.ok_or_else(|| {
            format!(
                "could not list commit {sha} in repository {}",
                quote(&self.shown)
            )
        })?;
        let present: HashSet<&str> = listed.split('\0').filter(|s| !s.is_empty()).collect();
        let workspace_root = ancestors.iter().find(|dir| {
            ["buf.work.yaml", "buf.yaml"]
                .iter()
                .any(|file| present.contains(in_dir(dir, file).as_str()))
        });
        if let Some(root) = workspace_root {
            return Ok((!root.is_empty()).then(|| vec![root.clone()]));
        }
        Ok(Some(
            wanted
                .into_iter()
                .filter(|p| present.contains(p.as_str()))
                .collect(),
        ))
    }

    /// Streams `git archive` of `sha` (limited to `paths`) into `dest`.
    fn archive(&self, sha: &str, paths: Option<&[String]>, dest: &Path) -> Result<(), String> {
        let mut args = vec!["archive", "--format=tar", sha];
        if let Some(paths) = paths {
            if paths.is_empty() {
                return Ok(());
            }
            args.push("--");
            args.extend(paths.iter().map(String::as_str));
        }
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(&e))?;
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        });
        let unpacked = match child.stdout.take() {
            Some(mut stdout) => {
                let result = unpack_tar(&mut stdout, dest, 0);
                // Read to the end so git never sees a closed pipe.
                let _ = io::copy(&mut stdout, &mut io::sink());
                result
            }
            None => Err("git archive gave no output".to_string()),
        };
        let status = child.wait().map_err(|e| format!("git archive: {e}"))?;
        let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if !status.success() {
            return Err(format!(
                "could not read {sha} from {}: git archive: {}\n{}",
                quote(&self.shown),
                exit_text(status),
                stderr.trim()
            ));
        }
        unpacked
    }
}

/// `ref` evaluated after checking out a branch: `HEAD` (or `@`) stands for its tip.
fn relative_to_head(reference: &str, tip: &str) -> String {
    for head in ["HEAD", "@"] {
        if let Some(rest) = reference.strip_prefix(head)
            && (rest.is_empty() || rest.starts_with('~') || rest.starts_with('^'))
        {
            return format!("{tip}{rest}");
        }
    }
    reference.to_string()
}

/// The `-c` flags buf passes so a throwaway clone does no background maintenance.
const NO_MAINTENANCE: &[&str] = &[
    "-c",
    "maintenance.auto=false",
    "-c",
    "maintenance.autoDetach=false",
    "-c",
    "gc.auto=0",
    "-c",
    "gc.autoDetach=false",
    "-c",
    "fetch.writeCommitGraph=false",
];

const HTTPS_USERNAME: &str = "BUF_INPUT_HTTPS_USERNAME";
const HTTPS_PASSWORD: &str = "BUF_INPUT_HTTPS_PASSWORD";
const SSH_KEY_FILE: &str = "BUF_INPUT_SSH_KEY_FILE";
const SSH_KNOWN_HOSTS_FILES: &str = "BUF_INPUT_SSH_KNOWN_HOSTS_FILES";

fn env_set(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// buf's https credentials from `BUF_INPUT_HTTPS_USERNAME` and
/// `BUF_INPUT_HTTPS_PASSWORD`; a password without a username is an error.
fn https_credentials() -> Result<Option<(String, Option<String>)>, String> {
    match (env_set(HTTPS_USERNAME), env_set(HTTPS_PASSWORD)) {
        (None, Some(_)) => Err(format!("{HTTPS_PASSWORD} set but {HTTPS_USERNAME} not set")),
        (None, None) => Ok(None),
        (Some(user), password) => Ok(Some((user, password))),
    }
}

/// For https: a credential helper that reads buf's variables when git asks (the values
/// never reach the command line).
fn https_auth_args(url: &str) -> Result<Vec<String>, String> {
    if !url.starts_with("https://") {
        return Ok(Vec::new());
    }
    match https_credentials()? {
        None => Ok(Vec::new()),
        Some(_) => Ok(vec![
            "-c".to_string(),
            format!(
                "credential.helper=!f(){{ echo username=${{{HTTPS_USERNAME}}}; echo password=${{{HTTPS_PASSWORD}}}; }};f"
            ),
        ]),
    }
}

/// For ssh: `GIT_SSH_COMMAND` from buf's key and known-hosts variables.
fn ssh_command(url: &str) -> Result<Option<String>, String> {
    if !url.starts_with("ssh://") {
        return Ok(None);
    }
    let known_hosts = env_set(SSH_KNOWN_HOSTS_FILES);
    let Some(key) = env_set(SSH_KEY_FILE) else {
        if known_hosts.is_some() {
            return Err(format!(
                "{SSH_KNOWN_HOSTS_FILES} set but {SSH_KEY_FILE} not set"
            ));
        }
        return Ok(None);
    };
    let files: Vec<&str> = known_hosts
        .as_deref()
        .unwrap_or_default()
        .split(':')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    Ok(Some(if files.is_empty() {
        format!(
            r#"ssh -q -i "{key}" -o "IdentitiesOnly=yes" -o "UserKnownHostsFile=/dev/null" -o "StrictHostKeyChecking=no""#
        )
    } else {
        format!(
            r#"ssh -q -i "{key}" -o "IdentitiesOnly=yes" -o "UserKnownHostsFile={}""#,
            files.join(" ")
        )
    }))
}

/// Fetches `url` the way buf 1.75 does (buf-io.md §5.3) into a fresh directory, which
/// becomes the tree once `.git` and symlinks are gone.
fn clone(url: &str, r: &InputRef) -> Result<tempfile::TempDir, String> {
    let dir = temp_dir()?;
    let auth = https_auth_args(url)?;
    let ssh = ssh_command(url)?;
    let run = |prefix: &[String], args: &[&str]| -> Result<(), String> {
        let mut cmd = git_command();
        cmd.current_dir(dir.path()).args(prefix).args(args);
        if let Some(ssh) = &ssh {
            cmd.env("GIT_SSH_COMMAND", ssh);
        }
        let output = cmd.output().map_err(|e| spawn_error(&e))?;
        if output.status.success() {
            return Ok(());
        }
        let tmp = dir.path().display().to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&tmp, "");
        Err(format!(
            "could not clone {url}: {}\n{}",
            exit_text(output.status),
            stderr.trim()
        ))
    };
    let mut quiet: Vec<String> = auth.clone();
    quiet.extend(NO_MAINTENANCE.iter().map(|s| s.to_string()));
    run(&[], &["init"])?;
    run(&[], &["remote", "add", "origin", url])?;

    let git = &r.git;
    let depth = git.depth.unwrap_or(1).to_string();
    let fetch = |refspec: &str| {
        let mut args = vec!["fetch", "--depth", depth.as_str(), "--update-head-ok"];
        if let Some(filter) = &git.filter {
            args.extend(["--filter", filter.as_str()]);
        }
        args.extend(["origin", refspec]);
        run(&quiet, &args)
    };
    let checkout_after = match (&git.branch, &git.tag_or_commit, &git.ref_) {
        (Some(branch), _, Some(reference)) => {
            fetch(&format!("+{branch}:{branch}"))?;
            Some(reference)
        }
        (Some(name), _, None) | (None, Some(name), _) => {
            fetch(name)?;
            None
        }
        (None, None, Some(reference)) => {
            // Partial SHAs and expressions like HEAD~1 cannot be fetched: fetch HEAD and
            // check the ref out from there.
            if fetch(reference).is_err() {
                fetch("HEAD")?;
            }
            Some(reference)
        }
        (None, None, None) => {
            fetch("HEAD")?;
            None
        }
    };
    if let (Some(_), Some(subdir)) = (&git.filter, &r.subdir) {
        run(&quiet, &["sparse-checkout", "set", subdir])?;
    }
    run(&quiet, &["checkout", "--force", "FETCH_HEAD"])?;
    if let Some(reference) = checkout_after {
        run(&quiet, &["checkout", "--force", reference])?;
    }
    if git.recurse_submodules {
        run(
            &quiet,
            &[
                "submodule",
                "update",
                "--init",
                "--recursive",
                "--force",
                "--depth",
                depth.as_str(),
            ],
        )?;
    }
    fs::remove_dir_all(dir.path().join(".git"))
        .map_err(|e| format!("could not clean up the clone of {url}: {e}"))?;
    remove_symlinks(dir.path())
        .map_err(|e| format!("could not clean up the clone of {url}: {e}"))?;
    Ok(dir)
}

/// buf reads a clone without following symlinks; removing them keeps later walks honest.
fn remove_symlinks(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            fs::remove_file(entry.path())?;
        } else if kind.is_dir() {
            remove_symlinks(&entry.path())?;
        }
    }
    Ok(())
}

/// A scratch directory for an unpacked tree. Thousands of small files are
/// written and read once, so a memory-backed directory is preferred: on a
/// disk-backed /tmp, unpacking googleapis costs ~4 s of system time, on
/// tmpfs ~0.2 s. `PROTOLITH_SCRATCH_DIR` chooses the place; otherwise
/// /dev/shm when it is usable, else the system temporary directory.
fn temp_dir() -> Result<tempfile::TempDir, String> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("protolith-input-");
    let preferred = std::env::var_os("PROTOLITH_SCRATCH_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()));
    if let Some(dir) = preferred
        && let Ok(t) = builder.tempdir_in(&dir)
    {
        return Ok(t);
    }
    builder
        .tempdir()
        .map_err(|e| format!("could not create a temporary directory: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::input::reference::parse;

    // ---- helpers ----------------------------------------------------------------------

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = git_command()
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Every file under `root`, relative, sorted.
    fn files(root: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap();
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out.sort();
        out
    }

    /// A repository `repo/` under a temporary cwd:
    ///
    /// ```text
    /// c1 (tag v1 annotated, tag dup)  proto/buf.yaml, proto/acme/a.proto, other/x.proto, README
    /// c2 (branch feature, branch dup) + proto/acme/b.proto
    /// c3 (main, HEAD)                 + proto/acme/c.proto
    /// ```
    struct Fixture {
        cwd: tempfile::TempDir,
        c1: String,
        c2: String,
    }

    fn fixture() -> Fixture {
        let cwd = tempfile::tempdir().unwrap();
        let repo = cwd.path().join("repo");
        fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        write(&repo, "proto/buf.yaml", "version: v2\n");
        write(&repo, "proto/acme/a.proto", "A");
        write(&repo, "other/x.proto", "X");
        write(&repo, "README", "r");
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "c1"]);
        let c1 = git(&repo, &["rev-parse", "HEAD"]);
        git(&repo, &["tag", "-a", "v1", "-m", "v1"]);
        git(&repo, &["tag", "dup"]);
        git(&repo, &["checkout", "-q", "-b", "feature"]);
        write(&repo, "proto/acme/b.proto", "B");
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "c2"]);
        let c2 = git(&repo, &["rev-parse", "HEAD"]);
        git(&repo, &["branch", "dup"]);
        git(&repo, &["checkout", "-q", "main"]);
        write(&repo, "proto/acme/c.proto", "C");
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "c3"]);
        Fixture { cwd, c1, c2 }
    }

    impl Fixture {
        fn fetch(&self, raw: &str) -> Result<Tree, String> {
            let r = parse(raw, self.cwd.path())?;
            fetch_tree(&r, self.cwd.path())
        }

        fn protos(&self, raw: &str) -> Vec<String> {
            let tree = self.fetch(raw).unwrap();
            files(tree.dir.path())
                .into_iter()
                .filter(|f| f.starts_with("proto/acme/"))
                .map(|f| f.trim_start_matches("proto/acme/").to_string())
                .collect()
        }

        fn repo(&self) -> String {
            self.cwd.path().join("repo").display().to_string()
        }
    }

    // ---- git ----------------------------------------------------------------------------

    #[test]
    fn local_git_references_resolve_like_buf() {
        let f = fixture();
        let (c1, c2) = (&f.c1, &f.c2);
        let all = |names: &[&str]| {
            names
                .iter()
                .map(|s| format!("{s}.proto"))
                .collect::<Vec<_>>()
        };
        assert_eq!(f.protos("repo/.git"), all(&["a", "c"]));
        assert_eq!(f.protos("repo#format=git"), all(&["a", "c"]));
        assert_eq!(f.protos("repo/.git#branch=feature"), all(&["a", "b"]));
        assert_eq!(f.protos("repo/.git#tag=v1"), all(&["a"]));
        assert_eq!(f.protos(&format!("repo/.git#commit={c1}")), all(&["a"]));
        assert_eq!(f.protos("repo/.git#ref=HEAD~1"), all(&["a"]));
        assert_eq!(
            f.protos(&format!("repo/.git#ref={}", &c2[..7])),
            all(&["a", "b"])
        );
        assert_eq!(f.protos("repo/.git#ref=feature"), all(&["a", "b"]));
        assert_eq!(f.protos("repo/.git#ref=HEAD~1,branch=feature"), all(&["a"]));
        assert_eq!(
            f.protos("repo/.git#ref=HEAD,branch=feature"),
            all(&["a", "b"])
        );
        // A tag wins over a branch of the same name, as `git fetch` (and so buf) picks.
        assert_eq!(f.protos("repo/.git#branch=dup"), all(&["a"]));
        let url = format!("file://{}#format=git,branch=feature", f.repo());
        assert_eq!(f.protos(&url), all(&["a", "b"]));
        let abs = format!("{}/.git#tag=v1", f.repo());
        assert_eq!(f.protos(&abs), all(&["a"]));
    }

    #[test]
    fn local_git_subdir_brings_the_configuration_above_it() {
        let f = fixture();
        let tree = f.fetch("repo/.git#subdir=proto/acme").unwrap();
        assert_eq!(tree.subdir.as_deref(), Some("proto/acme"));
        assert_eq!(tree.input_dir(), tree.dir.path().join("proto/acme"));
        assert_eq!(
            files(tree.dir.path()),
            ["proto/acme/a.proto", "proto/acme/c.proto", "proto/buf.yaml"]
        );
        // No configuration above: only the sub-directory.
        let tree = f.fetch("repo/.git#subdir=other").unwrap();
        assert_eq!(files(tree.dir.path()), ["other/x.proto"]);
        // A sub-directory missing at that commit gives an empty tree (buf then finds
        // no .proto files).
        let tree = f.fetch("repo/.git#subdir=nope").unwrap();
        assert!(files(tree.dir.path()).is_empty());
    }

    #[test]
    fn local_git_missing_revisions_are_named() {
        let f = fixture();
        let repo = format!("{}/.git", f.repo());
        let hint = "(is this a shallow clone? try fetching it first)";
        let e = f.fetch("repo/.git#branch=main2").err().unwrap();
        assert_eq!(
            e,
            format!("could not find branch \"main2\" in repository \"{repo}\" {hint}")
        );
        let e = f.fetch("repo/.git#tag=v9").err().unwrap();
        assert_eq!(
            e,
            format!("could not find tag \"v9\" in repository \"{repo}\" {hint}")
        );
        // buf fetches commits by full id only.
        let e = f
            .fetch(&format!("repo/.git#commit={}", &f.c1[..7]))
            .err()
            .unwrap();
        assert!(e.starts_with("could not find commit"), "{e}");
        let e = f.fetch("repo/.git#ref=nope").err().unwrap();
        assert_eq!(
            e,
            format!("could not find ref \"nope\" in repository \"{repo}\" {hint}")
        );
        let e = f.fetch("nothere/.git").err().unwrap();
        let missing = f.cwd.path().join("nothere/.git").display().to_string();
        assert_eq!(
            e,
            format!("\"{missing}\" does not appear to be a git repository")
        );
        let e = f.fetch("repo/proto#format=git").err().unwrap();
        assert!(e.ends_with("does not appear to be a git repository"), "{e}");
    }

    /// The remote path, driven over file:// (what buf does for every git input).
    #[test]
    fn clone_fetches_like_buf() {
        let f = fixture();
        let url = format!("file://{}", f.repo());
        let clone_of = |options: &str| {
            let r = parse(&format!("x.git#{options}"), f.cwd.path()).unwrap();
            files(clone(&url, &r).unwrap().path())
        };
        assert_eq!(
            clone_of("branch=feature"),
            [
                "README",
                "other/x.proto",
                "proto/acme/a.proto",
                "proto/acme/b.proto",
                "proto/buf.yaml"
            ]
        );
        // ref=HEAD~1 cannot be fetched: buf falls back to HEAD, then checks it out.
        assert_eq!(
            clone_of("ref=HEAD~1"),
            [
                "README",
                "other/x.proto",
                "proto/acme/a.proto",
                "proto/buf.yaml"
            ]
        );
        let r = parse("x.git#branch=nope", f.cwd.path()).unwrap();
        let e = clone(&url, &r).err().unwrap();
        assert!(
            e.starts_with(&format!("could not clone {url}: exit status 128\n")),
            "{e}"
        );
        assert!(e.contains("couldn't find remote ref nope"), "{e}");
    }

    // ---- archives ---------------------------------------------------------------------------

    fn tar_bytes() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut add = |path: &str, data: &[u8]| {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, path, data).unwrap();
        };
        add("top.txt", b"dropped by strip_components=1");
        add("root/proto/buf.yaml", b"version: v2\n");
        add("./root/proto/acme/a.proto", b"A");
        add("root/README", b"r");
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        builder
            .append_link(&mut link, "root/proto/link.proto", "/etc/passwd")
            .unwrap();
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_size(0);
        dir.set_mode(0o755);
        builder
            .append_data(&mut dir, "root/empty/", io::empty())
            .unwrap();
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn zstd(bytes: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
    }

    fn zip_bytes() -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.add_directory("root/proto/", options).unwrap();
        for (name, data) in [
            ("top.txt", "x"),
            ("root/proto/buf.yaml", "version: v2\n"),
            ("root/proto/acme/a.proto", "A"),
            ("root/README", "r"),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(data.as_bytes()).unwrap();
        }
        zip.add_symlink("root/proto/link.proto", "/etc/passwd", options)
            .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn fetch_archive_at(name: &str, bytes: &[u8], options: &str) -> Result<Tree, String> {
        let cwd = tempfile::tempdir().unwrap();
        fs::write(cwd.path().join(name), bytes).unwrap();
        let r = parse(&format!("{name}{options}"), cwd.path())?;
        fetch_tree(&r, cwd.path())
    }

    const STRIPPED: [&str; 3] = ["README", "proto/acme/a.proto", "proto/buf.yaml"];

    #[test]
    fn archives_unpack_with_strip_components_and_subdir() {
        let tar = tar_bytes();
        for (name, bytes) in [
            ("a.tar", tar.clone()),
            ("a.tgz", gzip(&tar)),
            ("a.tar.gz", gzip(&tar)),
            ("a.tar.zst", zstd(&tar)),
            ("a.zip", zip_bytes()),
        ] {
            let tree = fetch_archive_at(name, &bytes, "#strip_components=1,subdir=proto").unwrap();
            assert_eq!(files(tree.dir.path()), STRIPPED, "{name}");
            assert_eq!(tree.subdir.as_deref(), Some("proto"), "{name}");
            assert_eq!(
                fs::read_to_string(tree.input_dir().join("acme/a.proto")).unwrap(),
                "A"
            );
        }
        let tree = fetch_archive_at("a.tar", &tar, "").unwrap();
        assert_eq!(
            files(tree.dir.path()),
            [
                "root/README",
                "root/proto/acme/a.proto",
                "root/proto/buf.yaml",
                "top.txt"
            ]
        );
        assert!(tree.dir.path().join("root/empty").is_dir());
        let tree = fetch_archive_at("a.tar", &tar, "#strip_components=3").unwrap();
        assert_eq!(files(tree.dir.path()), ["a.proto"]);
        let tree = fetch_archive_at("a.bin", &tar, "#format=tar").unwrap();
        assert_eq!(files(tree.dir.path()).len(), 4);
    }

    #[test]
    fn archive_entries_outside_the_root_are_refused() {
        for name in ["../evil", "a/../../evil", "/etc/evil"] {
            let mut header = tar::Header::new_old();
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_size(1);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_cksum();
            let mut builder = tar::Builder::new(Vec::new());
            builder.append(&header, &b"x"[..]).unwrap();
            let tar = builder.into_inner().unwrap();
            let e = fetch_archive_at("a.tar", &tar, "").err().unwrap();
            assert!(e.starts_with("a.tar: archive entry"), "{e}");
        }
        assert_eq!(
            entry_destination("a/../b", 0).unwrap().as_deref(),
            Some("b")
        );
        assert_eq!(entry_destination("./", 0).unwrap(), None);
        assert_eq!(entry_destination("a/b", 2).unwrap(), None);
    }

    #[test]
    fn archive_sources_and_errors() {
        let cwd = tempfile::tempdir().unwrap();
        fs::write(cwd.path().join("a.tar"), tar_bytes()).unwrap();
        let url = format!("file://{}/a.tar#strip_components=1", cwd.path().display());
        let r = parse(&url, Path::new("/")).unwrap();
        assert_eq!(
            files(fetch_tree(&r, Path::new("/")).unwrap().dir.path()),
            STRIPPED
        );
        let r = parse("missing.zip", cwd.path()).unwrap();
        assert_eq!(
            fetch_tree(&r, cwd.path()).err().unwrap(),
            "open missing.zip: no such file or directory"
        );
        let r = parse("proto", cwd.path()).unwrap();
        assert!(fetch_tree(&r, cwd.path()).is_err());
    }

    /// Serves each request with `body` and `status` from a thread; returns
    /// the base URL.
    fn serve(body: Vec<u8>, status: &'static str, requests: usize) -> String {
        use std::io::{BufRead as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(requests) {
                let mut stream = stream.unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    line.clear();
                }
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn archives_and_images_over_http() {
        let base = serve(gzip(&tar_bytes()), "200 OK", 1);
        let r = parse(
            &format!("{base}/a.tar.gz#strip_components=1"),
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            files(fetch_tree(&r, Path::new("/")).unwrap().dir.path()),
            STRIPPED
        );
        let base = serve(b"image".to_vec(), "200 OK", 1);
        let r = parse(&format!("{base}/a.binpb"), Path::new("/")).unwrap();
        assert_eq!(read_bytes(&r, Path::new("/")).unwrap(), b"image");
        let base = serve(Vec::new(), "404 Not Found", 1);
        let r = parse(&format!("{base}/gone.tar"), Path::new("/")).unwrap();
        assert_eq!(
            fetch_tree(&r, Path::new("/")).err().unwrap(),
            "expected HTTP status code 404 to be 200"
        );
    }

    // ---- single files ---------------------------------------------------------------------

    #[test]
    fn read_bytes_decompresses() {
        let cwd = tempfile::tempdir().unwrap();
        let data = b"image bytes".repeat(100);
        fs::write(cwd.path().join("a.binpb"), &data).unwrap();
        fs::write(cwd.path().join("a.binpb.gz"), gzip(&data)).unwrap();
        fs::write(cwd.path().join("a.json.zst"), zstd(&data)).unwrap();
        // Two zstd frames, with a skippable frame between them.
        let mut frames = zstd(&data[..500]);
        frames.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
        frames.extend_from_slice(&3u32.to_le_bytes());
        frames.extend_from_slice(b"abc");
        frames.extend(zstd(&data[500..]));
        fs::write(cwd.path().join("b.binpb.zst"), frames).unwrap();
        let read = |raw: &str| {
            let r = parse(raw, cwd.path()).unwrap();
            read_bytes(&r, cwd.path())
        };
        for raw in [
            "a.binpb",
            "a.binpb.gz",
            "a.json.zst",
            "b.binpb.zst",
            "a.binpb.gz#format=binpb",
        ] {
            assert_eq!(read(raw).unwrap(), data, "{raw}");
        }
        let url = format!("file://{}/a.binpb.gz", cwd.path().display());
        assert_eq!(read(&url).unwrap(), data);
        assert_eq!(read("/dev/null").unwrap(), Vec::<u8>::new());
        assert_eq!(
            read("x.bin").unwrap_err(),
            "open x.bin: no such file or directory"
        );
        assert!(read("a.binpb#compression=gzip").is_err());
        assert!(read("proto").is_err());
    }
}
