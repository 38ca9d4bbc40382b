//! Input references as buf reads them: `path[#key=value,...]`, the format inferred from the
//! path when no `format=` is given, and which options fit which format. Error texts are buf
//! 1.75's, word for word (they follow `Failure: `); the tests record what buf printed.

use std::path::Path;

use crate::config::path::{normalize_and_validate, quote};

/// What an input is, after inference and `format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Binpb,
    Json,
    Txtpb,
    Yaml,
    Dir,
    Git,
    Mod,
    Tar,
    Zip,
    Protofile,
}

impl Format {
    /// buf's name for the format (the deprecated aliases map onto these).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Binpb => "binpb",
            Format::Json => "json",
            Format::Txtpb => "txtpb",
            Format::Yaml => "yaml",
            Format::Dir => "dir",
            Format::Git => "git",
            Format::Mod => "mod",
            Format::Tar => "tar",
            Format::Zip => "zip",
            Format::Protofile => "protofile",
        }
    }

    /// An image (or other message) in one file: binpb, json, txtpb, yaml.
    pub fn is_message(self) -> bool {
        matches!(
            self,
            Format::Binpb | Format::Json | Format::Txtpb | Format::Yaml
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

/// The git options of a reference. `tag` and `commit` share one slot, as in buf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitRef {
    pub branch: Option<String>,
    pub tag_or_commit: Option<String>,
    /// Whether `tag_or_commit` came from `tag=` (else `commit=`); only wording depends on it.
    pub is_tag: bool,
    pub ref_: Option<String>,
    /// Set for git inputs: as given, else 1, or 50 when `ref` is set.
    pub depth: Option<u32>,
    pub recurse_submodules: bool,
    pub filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRef {
    /// As the user wrote it.
    pub raw: String,
    /// The part before `#`, trimmed.
    pub path: String,
    pub format: Format,
    pub compression: Compression,
    pub git: GitRef,
    /// Normalized and relative; `None` for `.`.
    pub subdir: Option<String>,
    pub strip_components: u32,
    pub include_package_files: bool,
    pub use_proto_names: bool,
    pub use_enum_numbers: bool,
}

impl InputRef {
    /// The format as buf names it in messages: the `format=` value when one was given
    /// (`bingz`, `targz`, ... included), else the inferred format.
    pub fn format_name(&self) -> String {
        explicit_format(&self.raw).unwrap_or_else(|| self.format.as_str().to_string())
    }

    /// buf's warning for the deprecated formats `bingz`, `jsongz` and `targz`.
    pub fn deprecation_warning(&self) -> Option<String> {
        let name = explicit_format(&self.raw)?;
        let replacement = match name.as_str() {
            "bingz" => "binpb",
            "jsongz" => "json",
            "targz" => "tar",
            _ => return None,
        };
        Some(format!(
            "Format {} is deprecated. Use \"format={replacement},compression=gzip\" instead. \
             This will continue to work forever, but updating is recommended.",
            quote(&name)
        ))
    }
}

/// The formats `buf export` accepts (buf's list, deprecated `targz` included).
pub const SOURCE_OR_MODULE_FORMATS: &[&str] =
    &["dir", "git", "mod", "protofile", "tar", "targz", "zip"];

/// Parses an input as build, lint, breaking (`--against`), generate and export read it.
pub fn parse(raw: &str, cwd: &Path) -> Result<InputRef, String> {
    parse_as(raw, cwd, Parser::General)
}

/// Parses a message destination or source (`buf build -o`, `buf convert`): only the
/// single-file formats exist, and an unknown extension means binpb.
pub fn parse_message(raw: &str, cwd: &Path) -> Result<InputRef, String> {
    parse_as(raw, cwd, Parser::Message)
}

/// buf's check that a command accepts the format, e.g. `export` with
/// [`SOURCE_OR_MODULE_FORMATS`].
pub fn require_format(r: &InputRef, allowed: &[&str]) -> Result<(), String> {
    let name = r.format_name();
    if allowed.contains(&name.as_str()) {
        return Ok(());
    }
    let mut sorted = allowed.to_vec();
    sorted.sort_unstable();
    Err(format!(
        "format was {} but must be one of [{}]",
        quote(&name),
        sorted.join(",")
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parser {
    General,
    Message,
}

/// How buf registers a format name: what it is and which options it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One file; `custom` when `use_proto_names`/`use_enum_numbers` are accepted.
    Single {
        default: Option<Compression>,
        custom: bool,
    },
    Archive {
        zip: bool,
        default: Option<Compression>,
    },
    Dir,
    Git,
    Mod,
    Protofile,
}

fn kind_of(name: &str, parser: Parser) -> Option<(Format, Kind)> {
    let single = |format, default, custom| Some((format, Kind::Single { default, custom }));
    let gzip = Some(Compression::Gzip);
    match name {
        "bin" | "binpb" => return single(Format::Binpb, None, false),
        "json" => return single(Format::Json, None, true),
        "txtpb" => return single(Format::Txtpb, None, false),
        "yaml" => return single(Format::Yaml, None, true),
        "bingz" => return single(Format::Binpb, gzip, false),
        "jsongz" => return single(Format::Json, gzip, false),
        _ => {}
    }
    if parser == Parser::Message {
        return None;
    }
    let archive = |format, zip, default| Some((format, Kind::Archive { zip, default }));
    match name {
        "tar" => archive(Format::Tar, false, None),
        "targz" => archive(Format::Tar, false, gzip),
        "zip" => archive(Format::Zip, true, None),
        "dir" => Some((Format::Dir, Kind::Dir)),
        "git" => Some((Format::Git, Kind::Git)),
        "mod" => Some((Format::Mod, Kind::Mod)),
        "protofile" => Some((Format::Protofile, Kind::Protofile)),
        _ => None,
    }
}

/// The options as read, before they are checked against the format.
#[derive(Default)]
struct RawOptions {
    format: String,
    compression: Option<Compression>,
    git: GitRef,
    subdir: Option<String>,
    strip_components: u32,
    include_package_files: bool,
    unrecognized: Vec<(String, String)>,
}

fn parse_as(raw: &str, cwd: &Path, parser: Parser) -> Result<InputRef, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("required".to_string());
    }
    let (path, options) = split_options(value)?;
    let (inferred, compression) = infer(path, cwd, parser)?;
    let mut o = RawOptions {
        format: inferred.to_string(),
        compression,
        ..RawOptions::default()
    };
    for (key, value) in options {
        read_option(&mut o, path, key, value)?;
    }
    if o.format == "git" && o.git.depth.is_none() {
        o.git.depth = Some(if o.git.ref_.is_some() { 50 } else { 1 });
    }
    let kind = kind_of(&o.format, parser);
    check_options_fit(&o, kind, raw)?;
    let Some((format, kind)) = kind else {
        return Err(format!("unknown format: {}", quote(&o.format)));
    };
    let (mut use_proto_names, mut use_enum_numbers) = (false, false);
    match kind {
        Kind::Single { default, custom } => {
            let mut invalid: Vec<String> = o
                .unrecognized
                .iter()
                .filter(|(k, _)| !(custom && (k == "use_proto_names" || k == "use_enum_numbers")))
                .map(|(k, _)| k.clone())
                .collect();
            if !invalid.is_empty() {
                invalid.sort();
                return Err(invalid_keys(&invalid));
            }
            o.compression = o.compression.or(default);
            check_file_path(&o.format, path)?;
            use_proto_names = true_or_false(&o.unrecognized, "use_proto_names")?;
            use_enum_numbers = true_or_false(&o.unrecognized, "use_enum_numbers")?;
        }
        _ if !o.unrecognized.is_empty() => {
            let mut keys: Vec<String> = o.unrecognized.iter().map(|(k, _)| k.clone()).collect();
            keys.sort();
            return Err(invalid_keys(&keys));
        }
        Kind::Archive { default, .. } => {
            o.compression = o.compression.or(default);
            check_file_path(&o.format, path)?;
        }
        Kind::Protofile => {
            if path == "/dev/stderr" {
                return Err(invalid_path(&o.format, path));
            }
        }
        Kind::Dir => {
            if path == "-" || is_dev_path(path) || path.contains("://") {
                return Err(invalid_path(&o.format, path));
            }
        }
        Kind::Git => {
            if path == "-" || is_dev_path(path) {
                return Err(invalid_path(&o.format, path));
            }
            let known = GIT_SCHEMES.iter().any(|s| path.starts_with(s));
            if !known && path.contains("://") {
                return Err(invalid_path(&o.format, path));
            }
        }
        Kind::Mod => {
            if path == "-" || is_dev_path(path) || path.contains("://") || !is_module_ref(path) {
                return Err(invalid_path(&o.format, path));
            }
        }
    }
    Ok(InputRef {
        raw: raw.to_string(),
        path: path.to_string(),
        format,
        compression: o.compression.unwrap_or_default(),
        git: o.git,
        subdir: o.subdir,
        strip_components: o.strip_components,
        include_package_files: o.include_package_files,
        use_proto_names,
        use_enum_numbers,
    })
}

/// Schemes a git input may carry; anything else with `://` is not a git path.
const GIT_SCHEMES: &[&str] = &["http://", "https://", "file://", "ssh://", "git://"];

/// `key=value` pairs in the order written.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// Splits `path#k=v,...` (already trimmed and non-empty). Keys and values are trimmed.
fn split_options(value: &str) -> Result<(&str, Pairs<'_>), String> {
    let parts: Vec<&str> = value.split('#').collect();
    let (path, options) = match parts.as_slice() {
        [_] => return Ok((value, Vec::new())),
        [path, options] => (path.trim(), options.trim()),
        _ => {
            return Err(format!("{} has multiple #s which is invalid", quote(value)));
        }
    };
    if path.is_empty() {
        return Err(format!("{} starts with # which is invalid", quote(value)));
    }
    if options.is_empty() {
        return Err(format!("{} ends with # which is invalid", quote(value)));
    }
    let mut pairs: Pairs<'_> = Vec::new();
    for pair in options.split(',') {
        let kv: Vec<&str> = pair.split('=').collect();
        let [key, value] = kv.as_slice() else {
            return Err(format!("invalid options: {}", quote(options)));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return Err(format!("invalid options: {}", quote(options)));
        }
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(format!("duplicate options key: {}", quote(key)));
        }
        pairs.push((key, value));
    }
    Ok((path, pairs))
}

/// The `format=` value of a raw reference, if it has a well-formed one.
fn explicit_format(raw: &str) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() {
        return None;
    }
    let (_, options) = split_options(value).ok()?;
    options
        .iter()
        .find(|(k, _)| *k == "format")
        .map(|(_, v)| v.to_string())
}

fn read_option(o: &mut RawOptions, path: &str, key: &str, value: &str) -> Result<(), String> {
    match key {
        "format" => {
            if path == "/dev/null" {
                return Err("not allowed if path is /dev/null".to_string());
            }
            o.format = value.to_string();
        }
        "compression" => {
            o.compression = Some(match value {
                "none" => Compression::None,
                "gzip" => Compression::Gzip,
                "zstd" => Compression::Zstd,
                _ => {
                    return Err(format!(
                        "unknown compression: {} (valid values are \"none,gzip,zstd\")",
                        quote(value)
                    ));
                }
            });
        }
        "branch" => o.git.branch = Some(value.to_string()),
        "tag" | "commit" => {
            o.git.tag_or_commit = Some(value.to_string());
            o.git.is_tag = key == "tag";
        }
        "ref" => o.git.ref_ = Some(value.to_string()),
        "depth" => {
            let depth = parse_u32(value)
                .ok_or_else(|| format!("could not parse \"depth\" value {}", quote(value)))?;
            if depth == 0 {
                return Err("\"depth\" must be >0 if specified".to_string());
            }
            o.git.depth = Some(depth);
        }
        "recurse_submodules" => match value {
            "true" => o.git.recurse_submodules = true,
            "false" => {}
            _ => {
                return Err(format!(
                    "could not parse recurse_submodules value {}",
                    quote(value)
                ));
            }
        },
        // Undocumented in buf and not checked against the format.
        "filter" => o.git.filter = Some(value.to_string()),
        "strip_components" => {
            o.strip_components = parse_u32(value).ok_or_else(|| {
                format!("could not parse strip_components value {}", quote(value))
            })?;
        }
        "subdir" => {
            let normalized = normalize_and_validate(value).map_err(|e| e.to_string())?;
            o.subdir = (normalized != ".").then_some(normalized);
        }
        "include_package_files" => match value {
            "true" => o.include_package_files = true,
            "false" => o.include_package_files = false,
            _ => return Err(invalid_value(key, value)),
        },
        _ => o.unrecognized.push((key.to_string(), value.to_string())),
    }
    Ok(())
}

/// buf's check of options against the format (it runs before unknown formats are reported).
fn check_options_fit(
    o: &RawOptions,
    kind: Option<(Format, Kind)>,
    display: &str,
) -> Result<(), String> {
    let kind = kind.map(|(_, k)| k);
    let is_git = kind == Some(Kind::Git);
    let archive = match kind {
        Some(Kind::Archive { zip, .. }) => Some(zip),
        _ => None,
    };
    let is_single = matches!(kind, Some(Kind::Single { .. }));
    let unfit = |issue: &str| {
        Err(format!(
            "invalid options for input {} for format {}: {issue}",
            quote(display),
            quote(&o.format)
        ))
    };
    let git = &o.git;
    if is_git {
        if git.branch.is_some() && git.tag_or_commit.is_some() {
            return Err(r#"must specify only one of "branch", "commit", or "tag""#.to_string());
        }
        if git.ref_.is_some() && git.tag_or_commit.is_some() {
            return Err(r#"cannot specify "commit" or "tag" with "ref""#.to_string());
        }
    } else if git.branch.is_some()
        || git.tag_or_commit.is_some()
        || git.ref_.is_some()
        || git.recurse_submodules
        || git.depth.is_some()
    {
        return unfit("git options set");
    }
    match archive {
        None if o.strip_components > 0 => return unfit("archive options set"),
        Some(true) if o.compression.is_some() => {
            return Err("cannot specify compression type for zip files".to_string());
        }
        _ => {}
    }
    if !is_single && archive.is_none() && o.compression.is_some() {
        return unfit("compression set");
    }
    if archive.is_none() && !is_git && o.subdir.is_some() {
        return unfit("subdir set");
    }
    Ok(())
}

/// The format and compression buf infers from the path alone.
fn infer(
    path: &str,
    cwd: &Path,
    parser: Parser,
) -> Result<(&'static str, Option<Compression>), String> {
    let message_only = parser == Parser::Message;
    let stdio = if message_only {
        matches!(path, "-" | "/dev/null" | "/dev/stdin" | "/dev/stdout")
    } else {
        path == "-" || is_dev_path(path)
    };
    if stdio {
        return Ok(("binpb", None));
    }
    let extension = ext(path);
    let compression = match extension {
        ".gz" => Some(Compression::Gzip),
        ".zst" => Some(Compression::Zstd),
        _ => None,
    };
    if compression.is_some() {
        let inner = ext(&path[..path.len() - extension.len()]);
        let format = match inner {
            ".bin" | ".binpb" => "binpb",
            ".json" => "json",
            ".txtpb" => "txtpb",
            ".yaml" => "yaml",
            ".tar" if !message_only => "tar",
            _ => {
                return Err(format!(
                    "path {} had {extension} extension with unknown format",
                    quote(path)
                ));
            }
        };
        return Ok((format, compression));
    }
    let format = match extension {
        ".bin" | ".binpb" => "binpb",
        ".json" => "json",
        ".txtpb" => "txtpb",
        ".yaml" => "yaml",
        _ if message_only => "binpb",
        ".tar" => "tar",
        ".zip" => "zip",
        ".tgz" => return Ok(("tar", Some(Compression::Gzip))),
        ".git" => "git",
        ".proto" if cwd.join(path).is_dir() => "dir",
        ".proto" => "protofile",
        _ if is_module_ref(path) && !cwd.join(path).is_dir() => "mod",
        _ => "dir",
    };
    Ok((format, None))
}

/// Go's `filepath.Ext`: from the last `.` of the last element, or empty.
fn ext(path: &str) -> &str {
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return &path[i..],
            _ => {}
        }
    }
    ""
}

fn is_dev_path(path: &str) -> bool {
    matches!(
        path,
        "/dev/null" | "/dev/stdin" | "/dev/stdout" | "/dev/stderr"
    )
}

/// Path checks for one-file formats (messages and archives).
fn check_file_path(format: &str, path: &str) -> Result<(), String> {
    if path == "/dev/stderr" {
        return Err(invalid_path(format, path));
    }
    let known = ["http://", "https://", "file://"]
        .iter()
        .any(|s| path.starts_with(s));
    if !known && path.contains("://") {
        return Err(invalid_path(format, path));
    }
    Ok(())
}

fn invalid_path(format: &str, path: &str) -> String {
    format!("invalid {format} path: {}", quote(path))
}

fn invalid_value(key: &str, value: &str) -> String {
    format!("invalid value {} for key: {}", quote(value), quote(key))
}

fn invalid_keys(keys: &[String]) -> String {
    match keys {
        [one] => format!("invalid key: {}", quote(one)),
        _ => format!("invalid keys: \"{}\"", keys.join(", ")),
    }
}

fn true_or_false(options: &[(String, String)], key: &str) -> Result<bool, String> {
    match options.iter().find(|(k, _)| k == key) {
        None => Ok(false),
        Some((_, v)) if v == "true" => Ok(true),
        Some((_, v)) if v == "false" => Ok(false),
        Some((_, v)) => Err(invalid_value(key, v)),
    }
}

/// Go's `strconv.ParseUint(s, 10, 32)`: ASCII digits only, no sign.
fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whether `path` reads as `registry/owner/name[:ref]`, with the registry a valid host.
fn is_module_ref(path: &str) -> bool {
    let Some((registry, rest)) = path.split_once('/') else {
        return false;
    };
    let colon: Vec<&str> = rest.split(':').collect();
    let owner_name = match colon.as_slice() {
        [owner_name] => *owner_name,
        [owner_name, reference] if !reference.trim().is_empty() => *owner_name,
        _ => return false,
    };
    let parts: Vec<&str> = owner_name.split('/').collect();
    let [owner, name] = parts.as_slice() else {
        return false;
    };
    let registry = registry.trim();
    !registry.is_empty()
        && !owner.trim().is_empty()
        && !name.trim().is_empty()
        && is_valid_hostname(registry)
}

/// buf's registry hostname check: an IP address or a domain name, with an optional port.
fn is_valid_hostname(hostname: &str) -> bool {
    if hostname.len() < 2 || hostname.len() > 254 {
        return false;
    }
    let host = match split_host_port(hostname) {
        Some((host, port)) => {
            if parse_port(port).is_none() {
                return false;
            }
            host
        }
        None => hostname,
    };
    host.parse::<std::net::IpAddr>().is_ok() || is_valid_domain_name(host)
}

fn parse_port(port: &str) -> Option<u16> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse().ok()
}

/// Go's `net.SplitHostPort`, returning `None` where Go returns an error.
fn split_host_port(hostport: &str) -> Option<(&str, &str)> {
    let colon = hostport.rfind(':')?;
    let (host, after_host) = if let Some(inner) = hostport.strip_prefix('[') {
        let end = inner.find(']')? + 1;
        if end + 1 != colon {
            return None;
        }
        (&hostport[1..end], end + 1)
    } else {
        let host = &hostport[..colon];
        if host.contains(':') {
            return None;
        }
        (host, 0)
    };
    let opened_at = if after_host == 0 { 0 } else { 1 };
    if hostport[opened_at..].contains('[') || hostport[after_host..].contains(']') {
        return None;
    }
    Some((host, &hostport[colon + 1..]))
}

/// Go's domain-name rules as buf applies them to registry hosts.
fn is_valid_domain_name(host: &str) -> bool {
    let mut previous = '.';
    let mut non_numeric = false;
    let mut segment = 0usize;
    for c in host.chars() {
        match c {
            '0'..='9' => segment += 1,
            'a'..='z' | 'A'..='Z' | '_' => {
                non_numeric = true;
                segment += 1;
            }
            '-' => {
                if previous == '.' {
                    return false;
                }
                non_numeric = true;
                segment += 1;
            }
            '.' => {
                if previous == '.' || previous == '-' || segment > 63 {
                    return false;
                }
                segment = 0;
            }
            _ => return false,
        }
        previous = c;
    }
    previous != '-' && segment <= 63 && non_numeric
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cwd() -> &'static Path {
        Path::new("/nonexistent-protolith-cwd")
    }

    fn err(raw: &str) -> String {
        parse(raw, cwd()).unwrap_err()
    }

    fn ok(raw: &str) -> InputRef {
        parse(raw, cwd()).unwrap()
    }

    fn format_of(raw: &str) -> (Format, Compression) {
        let r = ok(raw);
        (r.format, r.compression)
    }

    // Every message below is what `buf build '<raw>' -o /dev/null` (1.75.0) printed after
    // `Failure: `.
    #[test]
    fn grammar_errors_match_buf() {
        assert_eq!(err("  "), "required");
        assert_eq!(err("a#b#c"), r#""a#b#c" has multiple #s which is invalid"#);
        assert_eq!(
            err(" a#b#c "),
            r#""a#b#c" has multiple #s which is invalid"#
        );
        assert_eq!(
            err("#format=dir"),
            r##""#format=dir" starts with # which is invalid"##
        );
        assert_eq!(err(" #x=y"), r##""#x=y" starts with # which is invalid"##);
        assert_eq!(err("proto#"), r##""proto#" ends with # which is invalid"##);
        assert_eq!(err("proto#format"), r#"invalid options: "format""#);
        assert_eq!(err("proto#format="), r#"invalid options: "format=""#);
        assert_eq!(err("proto#=dir"), r#"invalid options: "=dir""#);
        assert_eq!(err("proto#a=b=c"), r#"invalid options: "a=b=c""#);
        assert_eq!(
            err("x.proto#include_package_files="),
            r#"invalid options: "include_package_files=""#
        );
        assert_eq!(
            err("proto#format=dir,format=dir"),
            r#"duplicate options key: "format""#
        );
    }

    #[test]
    fn option_value_errors_match_buf() {
        assert_eq!(err("x#format=wat"), r#"unknown format: "wat""#);
        assert_eq!(err("x#format=DIR"), r#"unknown format: "DIR""#);
        assert_eq!(err("x#format=wat,foo=1"), r#"unknown format: "wat""#);
        assert_eq!(
            err("x.tar#compression=foo"),
            r#"unknown compression: "foo" (valid values are "none,gzip,zstd")"#
        );
        assert_eq!(err("x.git#depth=0"), r#""depth" must be >0 if specified"#);
        assert_eq!(err("x.git#depth=x"), r#"could not parse "depth" value "x""#);
        assert_eq!(
            err("x.git#depth=-1"),
            r#"could not parse "depth" value "-1""#
        );
        assert_eq!(
            err("x.git#depth=+1"),
            r#"could not parse "depth" value "+1""#
        );
        assert_eq!(
            err("x.git#depth=99999999999"),
            r#"could not parse "depth" value "99999999999""#
        );
        assert_eq!(
            err("x.git#recurse_submodules=yes"),
            r#"could not parse recurse_submodules value "yes""#
        );
        assert_eq!(
            err("x.tar#strip_components=x"),
            r#"could not parse strip_components value "x""#
        );
        assert_eq!(
            err("x.tar#strip_components=+1"),
            r#"could not parse strip_components value "+1""#
        );
        assert_eq!(
            err("x.tar#strip_components=4294967296"),
            r#"could not parse strip_components value "4294967296""#
        );
        assert_eq!(
            err("x.proto#include_package_files=maybe"),
            r#"invalid value "maybe" for key: "include_package_files""#
        );
        assert_eq!(
            err("x.json#use_proto_names=maybe"),
            r#"invalid value "maybe" for key: "use_proto_names""#
        );
        assert_eq!(
            err("x.yaml#use_enum_numbers=1"),
            r#"invalid value "1" for key: "use_enum_numbers""#
        );
        assert_eq!(
            err("x.json#use_enum_numbers=no,use_proto_names=no"),
            r#"invalid value "no" for key: "use_proto_names""#
        );
        assert_eq!(
            err("/dev/null#format=json"),
            "not allowed if path is /dev/null"
        );
        assert_eq!(
            err("x.git#subdir=../a"),
            "../a: is outside the context directory"
        );
        assert_eq!(
            err("x.git#subdir=a/../.."),
            "a/../..: is outside the context directory"
        );
        assert_eq!(err("x.git#subdir=/a"), "/a: expected to be relative");
        // subdir is checked while reading options, before it is found not to fit.
        assert_eq!(err("proto#subdir=/a"), "/a: expected to be relative");
    }

    #[test]
    fn unknown_keys_match_buf() {
        assert_eq!(err("proto#foo=bar"), r#"invalid key: "foo""#);
        assert_eq!(err("proto#foo=bar,baz=1"), r#"invalid keys: "baz, foo""#);
        assert_eq!(err("x.proto#foo=1"), r#"invalid key: "foo""#);
        assert_eq!(err("x#format=mod,foo=1"), r#"invalid key: "foo""#);
        assert_eq!(
            err("proto#use_proto_names=true"),
            r#"invalid key: "use_proto_names""#
        );
        assert_eq!(
            err("x.bin#use_proto_names=true"),
            r#"invalid key: "use_proto_names""#
        );
        assert_eq!(
            err("x#format=jsongz,use_proto_names=true"),
            r#"invalid key: "use_proto_names""#
        );
        assert_eq!(
            err("x.json#use_proto_names=true,foo=bar"),
            r#"invalid key: "foo""#
        );
    }

    #[test]
    fn options_that_do_not_fit_the_format_match_buf() {
        assert_eq!(
            err("proto#branch=main"),
            r#"invalid options for input "proto#branch=main" for format "dir": git options set"#
        );
        assert_eq!(
            err(" proto # branch = x "),
            r#"invalid options for input " proto # branch = x " for format "dir": git options set"#
        );
        assert_eq!(
            err("proto#depth=5"),
            r#"invalid options for input "proto#depth=5" for format "dir": git options set"#
        );
        assert_eq!(
            err("proto#recurse_submodules=true"),
            r#"invalid options for input "proto#recurse_submodules=true" for format "dir": git options set"#
        );
        assert_eq!(
            err("x#format=wat,branch=x"),
            r#"invalid options for input "x#format=wat,branch=x" for format "wat": git options set"#
        );
        assert_eq!(
            err("proto#strip_components=1"),
            r#"invalid options for input "proto#strip_components=1" for format "dir": archive options set"#
        );
        assert_eq!(
            err("x.git#strip_components=1"),
            r#"invalid options for input "x.git#strip_components=1" for format "git": archive options set"#
        );
        assert_eq!(
            err("proto#compression=gzip"),
            r#"invalid options for input "proto#compression=gzip" for format "dir": compression set"#
        );
        assert_eq!(
            err("proto#compression=none"),
            r#"invalid options for input "proto#compression=none" for format "dir": compression set"#
        );
        assert_eq!(
            err("x.tar.gz#format=dir"),
            r#"invalid options for input "x.tar.gz#format=dir" for format "dir": compression set"#
        );
        assert_eq!(
            err("x.tgz#format=git"),
            r#"invalid options for input "x.tgz#format=git" for format "git": compression set"#
        );
        assert_eq!(
            err("buf.build/a/b#format=dir,compression=none"),
            r#"invalid options for input "buf.build/a/b#format=dir,compression=none" for format "dir": compression set"#
        );
        assert_eq!(
            err("proto#subdir=a"),
            r#"invalid options for input "proto#subdir=a" for format "dir": subdir set"#
        );
        assert_eq!(
            err("x.zip#compression=gzip"),
            "cannot specify compression type for zip files"
        );
        assert_eq!(
            err("x.zip#compression=none"),
            "cannot specify compression type for zip files"
        );
        assert_eq!(
            err("x.tar.gz#format=zip"),
            "cannot specify compression type for zip files"
        );
        assert_eq!(
            err("x.tgz#format=zip"),
            "cannot specify compression type for zip files"
        );
        assert_eq!(
            err("x.git#branch=a,tag=b"),
            r#"must specify only one of "branch", "commit", or "tag""#
        );
        assert_eq!(
            err("x.git#ref=a,tag=b"),
            r#"cannot specify "commit" or "tag" with "ref""#
        );
        // Options buf does not check against the format.
        assert_eq!(ok("proto#recurse_submodules=false").format, Format::Dir);
        assert_eq!(ok("proto#strip_components=0").format, Format::Dir);
        assert!(ok("proto#include_package_files=true").include_package_files);
        assert_eq!(ok("proto#filter=x").git.filter.as_deref(), Some("x"));
        assert_eq!(ok("x.json#subdir=.").subdir, None);
    }

    #[test]
    fn path_checks_match_buf() {
        assert_eq!(err("/dev/stderr"), r#"invalid binpb path: "/dev/stderr""#);
        assert_eq!(err("-#format=git"), r#"invalid git path: "-""#);
        assert_eq!(
            err("/dev/stdin#format=dir"),
            r#"invalid dir path: "/dev/stdin""#
        );
        assert_eq!(err("foo://x#format=git"), r#"invalid git path: "foo://x""#);
        assert_eq!(err("foo://x"), r#"invalid dir path: "foo://x""#);
        assert_eq!(err("file://"), r#"invalid dir path: "file://""#);
        // A URL without .git is inferred as a directory, which cannot be a URL.
        assert_eq!(
            err("https://github.com/o/r"),
            r#"invalid dir path: "https://github.com/o/r""#
        );
        assert_eq!(err("foo://x.bin"), r#"invalid binpb path: "foo://x.bin""#);
        assert_eq!(err("foo://x#format=tar"), r#"invalid tar path: "foo://x""#);
        assert_eq!(err("x#format=mod"), r#"invalid mod path: "x""#);
        assert_eq!(err("-#format=mod"), r#"invalid mod path: "-""#);
        assert_eq!(err("x.proto#format=mod"), r#"invalid mod path: "x.proto""#);
        assert_eq!(
            err("/dev/stderr#format=protofile"),
            r#"invalid protofile path: "/dev/stderr""#
        );
        assert_eq!(ok("foo://x.proto").format, Format::Protofile);
        assert_eq!(ok("-#format=protofile").format, Format::Protofile);
        assert_eq!(ok("file://#format=git").format, Format::Git);
        assert_eq!(ok("https://x/y.bin").format, Format::Binpb);
    }

    #[test]
    fn inference_rows_match_buf() {
        use Compression as C;
        use Format as F;
        for (raw, want) in [
            ("-", (F::Binpb, C::None)),
            ("/dev/stdin", (F::Binpb, C::None)),
            ("/dev/null", (F::Binpb, C::None)),
            ("/dev/stdout", (F::Binpb, C::None)),
            ("x.bin", (F::Binpb, C::None)),
            ("x.binpb", (F::Binpb, C::None)),
            ("x.json", (F::Json, C::None)),
            ("x.txtpb", (F::Txtpb, C::None)),
            ("x.yaml", (F::Yaml, C::None)),
            ("x.yml", (F::Dir, C::None)),
            ("x.tar", (F::Tar, C::None)),
            ("x.zip", (F::Zip, C::None)),
            ("x.tgz", (F::Tar, C::Gzip)),
            ("x.tar.gz", (F::Tar, C::Gzip)),
            ("x.tar.zst", (F::Tar, C::Zstd)),
            ("x.bin.gz", (F::Binpb, C::Gzip)),
            ("x.binpb.zst", (F::Binpb, C::Zstd)),
            ("x.json.gz", (F::Json, C::Gzip)),
            ("x.txtpb.gz", (F::Txtpb, C::Gzip)),
            ("x.yaml.zst", (F::Yaml, C::Zstd)),
            ("x.git", (F::Git, C::None)),
            (".git", (F::Git, C::None)),
            ("../repo/.git", (F::Git, C::None)),
            ("x.proto", (F::Protofile, C::None)),
            ("buf.build/a/b.proto", (F::Protofile, C::None)),
            ("buf.build/a/b.json", (F::Json, C::None)),
            ("proto", (F::Dir, C::None)),
            (".", (F::Dir, C::None)),
            ("x.tar#compression=none", (F::Tar, C::None)),
            ("x.tgz#compression=zstd", (F::Tar, C::Zstd)),
            ("x#format=bin", (F::Binpb, C::None)),
            ("x#format=bingz", (F::Binpb, C::Gzip)),
            ("x#format=jsongz", (F::Json, C::Gzip)),
            ("x#format=targz", (F::Tar, C::Gzip)),
            ("x#format=targz,compression=zstd", (F::Tar, C::Zstd)),
            ("x.json#compression=zstd", (F::Json, C::Zstd)),
            ("x.bin.gz#format=json", (F::Json, C::Gzip)),
        ] {
            assert_eq!(format_of(raw), want, "{raw}");
        }
        assert_eq!(
            err("x.gz"),
            r#"path "x.gz" had .gz extension with unknown format"#
        );
        assert_eq!(
            err("x.zst"),
            r#"path "x.zst" had .zst extension with unknown format"#
        );
        assert_eq!(
            err("x.zip.gz"),
            r#"path "x.zip.gz" had .gz extension with unknown format"#
        );
        // Inference runs before the options are read.
        assert_eq!(
            err("x.gz#format=binpb"),
            r#"path "x.gz" had .gz extension with unknown format"#
        );
    }

    /// `buf build '<raw>#branch=x'` names the inferred format in its error; these rows
    /// are the formats it named.
    #[test]
    fn module_or_dir_inference_matches_buf() {
        let module = [
            "buf.build/a/b",
            "buf.build/a/b:main",
            "buf.build/a/b@x",
            "buf.build/a/b.c",
            "localhost/a/b",
            "LOCALHOST/a/b",
            "abc/b/c",
            "a:8080/b/c",
            "localhost:1/b/c",
            "a.b:0/c/d",
            "a.b:65535/c/d",
            "1.2.3.4/b/c",
            "1.2.3.4:80/a/b",
            "[::1]:80/a/b",
            "::1/a/b",
            "a./b/c",
            "a_b.c/d/e",
            "a_/c/d",
            "_a/c/d",
            "a.b./c/d",
            "A.B/c/d",
            "a.1/b/c",
            "x.y/A/b",
            "x.y/a_b/c",
            "a.b/ c /d",
            "a.b/c/d: e ",
            "ab/c/d : x",
            "a.b/c/d:e/f",
        ];
        for raw in module {
            assert_eq!(ok(raw).format, Format::Mod, "{raw}");
        }
        let dir = [
            "a/b/c",
            "x.y/a/b/c",
            "buf.build/a/b:",
            "buf.build/a/b:c:d",
            "bu f.build/a/b",
            "a.b-/c/d",
            "a..b/c/d",
            "[::1]/a/b",
            "a.b:x/c/d",
            "a.b:/c/d",
            "a.b:99999/c/d",
            "a.b:65536/c/d",
            "a.b:1:2/c/d",
            "a.b:+1/c/d",
            "a.b:0x10/c/d",
            "ab:-1/c/d",
            ":80/a/b",
            "ab:80:/c/d",
            "12/a/b",
            "1.2/a/b",
            ".ab/c/d",
            "é.b/c/d",
            "ab/c/d:x:y",
            "ab/c/d:",
            "a.b//c",
        ];
        for raw in dir {
            assert_eq!(ok(raw).format, Format::Dir, "{raw}");
        }
    }

    #[test]
    fn existing_directories_win_over_protofile_and_module() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("x.proto")).unwrap();
        std::fs::create_dir_all(tmp.path().join("buf.build/a/b")).unwrap();
        let parse_here = |raw: &str| parse(raw, tmp.path()).unwrap().format;
        assert_eq!(parse_here("x.proto"), Format::Dir);
        assert_eq!(parse_here("y.proto"), Format::Protofile);
        assert_eq!(parse_here("buf.build/a/b"), Format::Dir);
        assert_eq!(parse_here("buf.build/a/c"), Format::Mod);
        let abs = tmp.path().join("x.proto");
        assert_eq!(parse_here(abs.to_str().unwrap()), Format::Dir);
    }

    #[test]
    fn git_options_are_read() {
        let r = ok(" .git#branch=main , subdir=proto/./acme/ ");
        assert_eq!(r.raw, " .git#branch=main , subdir=proto/./acme/ ");
        assert_eq!(r.path, ".git");
        assert_eq!(r.git.branch.as_deref(), Some("main"));
        assert_eq!(r.git.depth, Some(1));
        assert_eq!(r.subdir.as_deref(), Some("proto/acme"));
        let r = ok(".git#ref=HEAD~1");
        assert_eq!(r.git.ref_.as_deref(), Some("HEAD~1"));
        assert_eq!(r.git.depth, Some(50));
        let r = ok(".git#ref=abc,branch=b,depth=7,recurse_submodules=true,filter=blob:none");
        assert_eq!(r.git.depth, Some(7));
        assert!(r.git.recurse_submodules);
        assert_eq!(r.git.filter.as_deref(), Some("blob:none"));
        let r = ok(".git#tag=v1");
        assert_eq!(
            (r.git.tag_or_commit.as_deref(), r.git.is_tag),
            (Some("v1"), true)
        );
        let r = ok(".git#commit=abc");
        assert_eq!(
            (r.git.tag_or_commit.as_deref(), r.git.is_tag),
            (Some("abc"), false)
        );
        // tag and commit share a slot; buf does not object to both.
        assert_eq!(
            ok(".git#tag=a,commit=b").git.tag_or_commit.as_deref(),
            Some("b")
        );
        assert_eq!(ok("/abs/repo#format=git,branch=x").format, Format::Git);
        assert_eq!(
            ok("ssh://git@github.com/o/r.git#tag=v1").format,
            Format::Git
        );
        assert_eq!(ok("x.tar#strip_components=2").strip_components, 2);
        assert_eq!(ok("x.zip#subdir=.").subdir, None);
        assert_eq!(ok("x.dir#format=dir").git.depth, None);
    }

    #[test]
    fn message_options_are_read() {
        let r = ok("x.json#use_proto_names=true");
        assert!(r.use_proto_names && !r.use_enum_numbers);
        let r = ok("x.yaml#use_enum_numbers=true,use_proto_names=false");
        assert!(!r.use_proto_names && r.use_enum_numbers);
    }

    #[test]
    fn deprecated_formats_warn_like_buf() {
        assert_eq!(
            ok("x#format=bingz").deprecation_warning().unwrap(),
            r#"Format "bingz" is deprecated. Use "format=binpb,compression=gzip" instead. This will continue to work forever, but updating is recommended."#
        );
        assert!(
            ok("x#format=jsongz")
                .deprecation_warning()
                .unwrap()
                .contains(r#"Use "format=json,compression=gzip""#)
        );
        assert!(
            ok("x#format=targz")
                .deprecation_warning()
                .unwrap()
                .contains(r#"Use "format=tar,compression=gzip""#)
        );
        assert_eq!(ok("x#format=bin").deprecation_warning(), None);
        assert_eq!(ok("x.tgz").deprecation_warning(), None);
    }

    // `buf export '<raw>'` printed these.
    #[test]
    fn require_format_matches_buf_export() {
        let want = "but must be one of [dir,git,mod,protofile,tar,targz,zip]";
        for (raw, name) in [("x.bin", "binpb"), ("x.json", "json"), ("-", "binpb")] {
            let e = require_format(&ok(raw), SOURCE_OR_MODULE_FORMATS).unwrap_err();
            assert_eq!(e, format!("format was \"{name}\" {want}"), "{raw}");
        }
        assert!(require_format(&ok("x.tar.gz"), SOURCE_OR_MODULE_FORMATS).is_ok());
        assert!(require_format(&ok("x#format=targz"), SOURCE_OR_MODULE_FORMATS).is_ok());
        assert!(require_format(&ok("proto"), SOURCE_OR_MODULE_FORMATS).is_ok());
    }

    // `buf build <dir> -o '<raw>'` printed these (or succeeded).
    #[test]
    fn message_parser_matches_buf_outputs() {
        let msg = |raw: &str| parse_message(raw, cwd());
        assert_eq!(msg("x.foo").unwrap().format, Format::Binpb);
        assert_eq!(msg("x.tar").unwrap().format, Format::Binpb);
        assert_eq!(msg("proto").unwrap().format, Format::Binpb);
        assert_eq!(msg("x.json").unwrap().format, Format::Json);
        assert_eq!(msg("x.yaml.gz").unwrap().compression, Compression::Gzip);
        assert_eq!(msg("/dev/stdout").unwrap().format, Format::Binpb);
        assert_eq!(msg("x#format=dir").unwrap_err(), r#"unknown format: "dir""#);
        assert_eq!(
            msg("x.gz").unwrap_err(),
            r#"path "x.gz" had .gz extension with unknown format"#
        );
        assert_eq!(
            msg("x.tar.gz").unwrap_err(),
            r#"path "x.tar.gz" had .gz extension with unknown format"#
        );
        assert_eq!(
            msg("x.foo#branch=x").unwrap_err(),
            r#"invalid options for input "x.foo#branch=x" for format "binpb": git options set"#
        );
        assert_eq!(msg("x.zip#compression=gzip").unwrap().format, Format::Binpb);
        assert_eq!(
            msg("/dev/stderr").unwrap_err(),
            r#"invalid binpb path: "/dev/stderr""#
        );
    }

    #[test]
    fn hostnames_follow_go() {
        assert_eq!(split_host_port("a:80"), Some(("a", "80")));
        assert_eq!(split_host_port("[::1]:80"), Some(("::1", "80")));
        assert_eq!(split_host_port("[::1]"), None);
        assert_eq!(split_host_port("a"), None);
        assert_eq!(split_host_port("a:b:c"), None);
        assert_eq!(split_host_port("a]:80"), None);
        assert!(!is_valid_domain_name(&"a".repeat(64)));
        assert!(is_valid_domain_name(&"a".repeat(63)));
        assert!(!is_valid_hostname(&format!("{}.b", "a".repeat(253))));
    }
}
