//! Running plugins: a program found as Go's `exec.LookPath` finds it, fed a
//! request on stdin; protoc's built-in generators through protoc with a
//! descriptor set on stdin and a temporary output directory read back; and
//! the texts buf prints when either fails.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use prost::Message;

use super::plugin_proto::{
    CodeGeneratorResponse, FEATURE_PROTO3_OPTIONAL, FEATURE_SUPPORTS_EDITIONS, ResponseFile,
};
use crate::config::buf_gen_yaml::PluginSource;

/// protoc's built-in generators.
const BUILTINS: [&str; 12] = [
    "cpp", "csharp", "java", "js", "objc", "php", "python", "pyi", "ruby", "rbs", "kotlin", "rust",
];

/// How a plugin runs, once found.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A plugin binary: the program found and its arguments.
    Binary {
        program: PathBuf,
        args: Vec<String>,
    },
    /// A built-in generator of protoc.
    Protoc {
        name: String,
        program: PathBuf,
        args: Vec<String>,
        /// `protoc --version`, asked once per plugin (buf asks per request;
        /// the answer is the same).
        version: std::sync::OnceLock<Result<ProtocVersion, String>>,
    },
    Remote,
}

/// Finds what runs `source`. `Err` is the text after `plugin P: `.
pub fn resolve(source: &PluginSource, cwd: &Path) -> Result<Resolved, String> {
    match source {
        PluginSource::Local(argv) => {
            let (prog, args) = argv.split_first().ok_or("empty local plugin")?;
            Ok(Resolved::Binary {
                program: look_path(prog, cwd)?,
                args: args.to_vec(),
            })
        }
        PluginSource::Protoc { name, protoc_path } => {
            if let Ok(program) = look_path(&format!("protoc-gen-{name}"), cwd) {
                return Ok(Resolved::Binary {
                    program,
                    args: Vec::new(),
                });
            }
            if !BUILTINS.contains(&name.as_str()) {
                return Err(format!(
                    "could not find protoc plugin for name {name} - please make sure protoc-gen-{name} is installed and present on your $PATH"
                ));
            }
            let (prog, args) = match protoc_path.split_first() {
                Some((p, a)) => (p.as_str(), a.to_vec()),
                None => ("protoc", Vec::new()),
            };
            Ok(Resolved::Protoc {
                name: name.clone(),
                program: look_path(prog, cwd)?,
                args,
                version: std::sync::OnceLock::new(),
            })
        }
        PluginSource::Remote { .. } => Ok(Resolved::Remote),
    }
}

/// Go's `exec.LookPath`, with its error texts (`exec: "x": ...`).
pub fn look_path(name: &str, cwd: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| -> Result<(), std::io::Error> {
        let md = std::fs::metadata(p)?;
        if md.is_dir() || md.permissions().mode() & 0o111 == 0 {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        Ok(())
    };
    if name.contains('/') {
        let p = cwd.join(name);
        return match executable(&p) {
            Ok(()) => Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "exec: \"{name}\": stat {name}: no such file or directory"
            )),
            Err(_) => Err(format!("exec: \"{name}\": permission denied")),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let p = cwd.join(dir).join(name);
        if executable(&p).is_ok() {
            return Ok(p);
        }
    }
    Err(format!(
        "exec: \"{name}\": executable file not found in $PATH"
    ))
}

/// Runs a plugin binary on one request. `Err` is the text after `plugin P: `.
pub fn run_binary(
    program: &Path,
    args: &[String],
    cwd: &Path,
    request: Vec<u8>,
) -> Result<CodeGeneratorResponse, String> {
    let stdout = run_process(program, args, cwd, request)?;
    CodeGeneratorResponse::decode(stdout.as_slice()).map_err(|_| {
        "wire unmarshal: proto:\u{a0}cannot parse invalid wire-format data".to_string()
    })
}

/// Runs a process with `input` on stdin, stderr passed through; its stdout,
/// or Go's text for how it failed.
fn run_process(
    program: &Path,
    args: &[String],
    cwd: &Path,
    input: Vec<u8>,
) -> Result<Vec<u8>, String> {
    let mut command = Command::new(program);
    // Setting a directory keeps std from using posix_spawn, and forking this
    // (large) process per plugin request costs seconds of page-table copying
    // on big inputs; plugins run in the current directory anyway.
    if std::env::current_dir().ok().as_deref() != Some(cwd) {
        command.current_dir(cwd);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("fork/exec {}: {}", program.display(), io_text(&e)))?;
    let stdin = child.stdin.take();
    // Feed stdin from another thread: a plugin may write before it has read
    // everything.
    let feeder = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // A plugin that exits without reading is judged by its status.
            let _ = stdin.write_all(&input);
        }
    });
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_end(&mut stdout);
    }
    let status = child.wait().map_err(|e| io_text(&e))?;
    let _ = feeder.join();
    if !status.success() {
        return Err(exit_text(status));
    }
    Ok(stdout)
}

/// Go's `ExitError` text: `exit status 3`, `signal: killed`.
fn exit_text(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(9) => "signal: killed".into(),
        Some(15) => "signal: terminated".into(),
        Some(6) => "signal: aborted".into(),
        Some(11) => "signal: segmentation fault".into(),
        Some(2) => "signal: interrupt".into(),
        Some(13) => "signal: broken pipe".into(),
        Some(s) => format!("signal: {s}"),
        None => "exit status -1".into(),
    }
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// protoc's version, as buf reads `libprotoc X.Y[.Z][-suffix]` (two parts
/// are major and minor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocVersion {
    pub major: i64,
    pub minor: i64,
    pub patch: i64,
    pub suffix: Option<String>,
}

impl std::fmt::Display for ProtocVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.major <= 3 || self.patch != 0 {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        } else {
            write!(f, "{}.{}", self.major, self.minor)?;
        }
        match &self.suffix {
            Some(s) => write!(f, "-{s}"),
            None => Ok(()),
        }
    }
}

impl ProtocVersion {
    pub fn parse(value: &str) -> Result<ProtocVersion, String> {
        let fail = |why: String| format!("cannot parse protoc version {value:?}: {why}");
        let v = value.strip_prefix("libprotoc ").unwrap_or(value);
        let split: Vec<&str> = v.split('.').collect();
        if split.len() != 2 && split.len() != 3 {
            return Err(fail(format!("{} components split by '.'", split.len())));
        }
        let num = |s: &str| {
            s.parse::<i32>()
                .map(i64::from)
                .map_err(|_| fail(format!("strconv.ParseInt: parsing {s:?}: invalid syntax")))
        };
        let major = num(split[0])?;
        let last = split[split.len() - 1];
        let (last, suffix) = match last.split_once('-') {
            Some((n, s)) => (n, Some(s.to_string())),
            None => (last, None),
        };
        let last = num(last)?;
        let (minor, patch) = if split.len() == 2 {
            (last, 0)
        } else {
            (num(split[1])?, last)
        };
        Ok(ProtocVersion {
            major,
            minor,
            patch,
            suffix,
        })
    }

    fn is_buf(&self) -> bool {
        self.suffix.as_deref() == Some("buf")
    }

    fn proto3_optional(&self) -> bool {
        self.is_buf() || self.major > 3 || (self.major == 3 && self.minor > 11)
    }

    fn experimental_proto3_optional_flag(&self) -> bool {
        !self.is_buf() && self.major == 3 && self.minor > 11 && self.minor < 15
    }
}

/// Runs `protoc --version` and parses it.
pub fn protoc_version(
    program: &Path,
    args: &[String],
    cwd: &Path,
) -> Result<ProtocVersion, String> {
    let mut all: Vec<String> = args.to_vec();
    all.push("--version".into());
    let out = run_process(program, &all, cwd, Vec::new())?;
    let text = String::from_utf8_lossy(&out);
    ProtocVersion::parse(text.trim())
}

/// buf's version gates for protoc's built-ins; `Err` is buf's text.
pub fn check_builtin(name: &str, v: &ProtocVersion) -> Result<(), String> {
    let supported = v.is_buf()
        || match name {
            "kotlin" => v.major > 3 || (v.major == 3 && v.minor > 16),
            "rust" => v.major > 4 || (v.major == 4 && v.minor > 22),
            "rbs" => v.major >= 34,
            "js" if !(v.major == 3 && v.minor < 21) => {
                return Err("js moved to a separate plugin hosted at https://github.com/protocolbuffers/protobuf-javascript in v21, you must install this plugin".into());
            }
            _ => true,
        };
    if supported {
        Ok(())
    } else {
        Err(format!("{name} is not supported for protoc version {v}"))
    }
}

/// Runs one protoc built-in on one request: `descriptor_set` on stdin,
/// outputs read back from a temporary directory in lexical order.
#[allow(clippy::too_many_arguments)]
pub fn run_protoc(
    name: &str,
    program: &Path,
    extra: &[String],
    cwd: &Path,
    version: &ProtocVersion,
    parameter: Option<&str>,
    files: &[String],
    descriptor_set: Vec<u8>,
) -> Result<CodeGeneratorResponse, String> {
    let tmp = tempfile::Builder::new()
        .prefix("protolith-protoc")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let mut args: Vec<String> = extra.to_vec();
    args.push("--descriptor_set_in=/dev/stdin".into());
    args.push(format!("--{name}_out={}", tmp.path().display()));
    if version.experimental_proto3_optional_flag() {
        args.push("--experimental_allow_proto3_optional".into());
    }
    if let Some(p) = parameter.filter(|p| !p.is_empty()) {
        args.push(format!("--{name}_opt={p}"));
    }
    args.extend(files.iter().cloned());
    run_process(program, &args, cwd, descriptor_set)?;
    let mut out = Vec::new();
    read_tree(tmp.path(), tmp.path(), &mut out).map_err(|e| e.to_string())?;
    let mut features = FEATURE_SUPPORTS_EDITIONS;
    if version.proto3_optional() {
        features |= FEATURE_PROTO3_OPTIONAL;
    }
    Ok(CodeGeneratorResponse {
        error: None,
        supported_features: Some(features),
        // EDITION_PROTO2 .. EDITION_MAX
        minimum_edition: Some(998),
        maximum_edition: Some(i32::MAX),
        file: out,
    })
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<ResponseFile>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            read_tree(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            out.push(ResponseFile {
                name: Some(rel.to_string_lossy().into_owned()),
                insertion_point: None,
                content: Some(std::fs::read(&p)?),
                generated_code_info: None,
            });
        }
    }
    Ok(())
}
