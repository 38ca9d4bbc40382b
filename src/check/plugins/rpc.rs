//! The pluginrpc protocol as buf 1.75.0 speaks it to a local check plugin
//! (../shared/reference/buf-check-plugins.md §1): every call is a new
//! process, `<program> <config args...> <call args...>`, binary protobuf on
//! stdin and stdout, the plugin's stderr passed through to ours.
//!
//! The messages are declared here with their field numbers; their package
//! names never reach the wire except in `Any.type_url`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use prost::Message;

pub const LIST_RULES: &str = "/buf.plugin.check.v1.CheckService/ListRules";
pub const LIST_CATEGORIES: &str = "/buf.plugin.check.v1.CheckService/ListCategories";
pub const CHECK: &str = "/buf.plugin.check.v1.CheckService/Check";

/// buf asks for this many rules or categories per page.
pub const PAGE_SIZE: u32 = 250;

// ---- pluginrpc envelopes ----

#[derive(Clone, PartialEq, Message)]
pub struct Spec {
    #[prost(message, repeated, tag = "1")]
    pub procedures: Vec<Procedure>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Procedure {
    #[prost(string, tag = "1")]
    pub path: String,
    #[prost(string, repeated, tag = "2")]
    pub args: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Request {
    #[prost(message, optional, tag = "1")]
    pub body: Option<prost_types::Any>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Response {
    #[prost(message, optional, tag = "1")]
    pub body: Option<prost_types::Any>,
    #[prost(message, optional, tag = "2")]
    pub error: Option<RpcError>,
}

#[derive(Clone, PartialEq, Message)]
pub struct RpcError {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

// ---- buf.plugin.check.v1 ----

#[derive(Clone, PartialEq, Message)]
pub struct ListRulesRequest {
    #[prost(uint32, tag = "1")]
    pub page_size: u32,
    #[prost(string, tag = "2")]
    pub page_token: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ListRulesResponse {
    #[prost(string, tag = "1")]
    pub next_page_token: String,
    #[prost(message, repeated, tag = "2")]
    pub rules: Vec<Rule>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ListCategoriesRequest {
    #[prost(uint32, tag = "1")]
    pub page_size: u32,
    #[prost(string, tag = "2")]
    pub page_token: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ListCategoriesResponse {
    #[prost(string, tag = "1")]
    pub next_page_token: String,
    #[prost(message, repeated, tag = "2")]
    pub categories: Vec<Category>,
}

/// `RuleType`: 0 unspecified, 1 lint, 2 breaking.
pub const RULE_TYPE_LINT: i32 = 1;
pub const RULE_TYPE_BREAKING: i32 = 2;

#[derive(Clone, PartialEq, Message)]
pub struct Rule {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, repeated, tag = "2")]
    pub category_ids: Vec<String>,
    #[prost(bool, tag = "3")]
    pub default: bool,
    #[prost(string, tag = "4")]
    pub purpose: String,
    #[prost(int32, tag = "5")]
    pub r#type: i32,
    #[prost(bool, tag = "6")]
    pub deprecated: bool,
    #[prost(string, repeated, tag = "7")]
    pub replacement_ids: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Category {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub purpose: String,
    #[prost(bool, tag = "3")]
    pub deprecated: bool,
    #[prost(string, repeated, tag = "4")]
    pub replacement_ids: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CheckRequest {
    #[prost(message, repeated, tag = "1")]
    pub file_descriptors: Vec<FileDescriptor>,
    #[prost(message, repeated, tag = "2")]
    pub against_file_descriptors: Vec<FileDescriptor>,
    #[prost(message, repeated, tag = "3")]
    pub options: Vec<PluginOption>,
    #[prost(string, repeated, tag = "4")]
    pub rule_ids: Vec<String>,
}

/// `CheckRequest` as protolith sends it: each file's `FileDescriptorProto`
/// already encoded (the image's own bytes), which is the same wire form as
/// the embedded message.
#[derive(Clone, PartialEq, Message)]
pub struct EncodedCheckRequest {
    #[prost(message, repeated, tag = "1")]
    pub file_descriptors: Vec<EncodedFileDescriptor>,
    #[prost(message, repeated, tag = "2")]
    pub against_file_descriptors: Vec<EncodedFileDescriptor>,
    #[prost(message, repeated, tag = "3")]
    pub options: Vec<PluginOption>,
    #[prost(string, repeated, tag = "4")]
    pub rule_ids: Vec<String>,
}

/// `descriptor.v1.FileDescriptor` with its proto already encoded.
#[derive(Clone, PartialEq, Message)]
pub struct EncodedFileDescriptor {
    #[prost(bytes = "vec", tag = "1")]
    pub file_descriptor_proto: Vec<u8>,
    #[prost(bool, tag = "2")]
    pub is_import: bool,
    #[prost(bool, tag = "3")]
    pub is_syntax_unspecified: bool,
    #[prost(int32, repeated, tag = "4")]
    pub unused_dependency: Vec<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CheckResponse {
    #[prost(message, repeated, tag = "1")]
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Annotation {
    #[prost(string, tag = "1")]
    pub rule_id: String,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, optional, tag = "3")]
    pub file_location: Option<FileLocation>,
    #[prost(message, optional, tag = "4")]
    pub against_file_location: Option<FileLocation>,
}

// ---- buf.plugin.descriptor.v1 ----

#[derive(Clone, PartialEq, Message)]
pub struct FileDescriptor {
    #[prost(message, optional, tag = "1")]
    pub file_descriptor_proto: Option<prost_types::FileDescriptorProto>,
    #[prost(bool, tag = "2")]
    pub is_import: bool,
    #[prost(bool, tag = "3")]
    pub is_syntax_unspecified: bool,
    #[prost(int32, repeated, tag = "4")]
    pub unused_dependency: Vec<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FileLocation {
    #[prost(string, tag = "1")]
    pub file_name: String,
    #[prost(int32, repeated, tag = "2")]
    pub source_path: Vec<i32>,
}

// ---- buf.plugin.option.v1 ----

#[derive(Clone, PartialEq, Message)]
pub struct PluginOption {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<OptionValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OptionValue {
    #[prost(oneof = "option_value::Kind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<option_value::Kind>,
}

pub mod option_value {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(bool, tag = "1")]
        BoolValue(bool),
        #[prost(int64, tag = "2")]
        Int64Value(i64),
        #[prost(double, tag = "3")]
        DoubleValue(f64),
        #[prost(string, tag = "4")]
        StringValue(String),
        #[prost(bytes, tag = "5")]
        BytesValue(Vec<u8>),
        #[prost(message, tag = "6")]
        ListValue(super::ListValue),
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct ListValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<OptionValue>,
}

// ---- the client ----

/// gRPC code names as pluginrpc prints them; anything else is `unknown`.
fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 16] = [
        "canceled",
        "unknown",
        "invalid_argument",
        "deadline_exceeded",
        "not_found",
        "already_exists",
        "permission_denied",
        "resource_exhausted",
        "failed_precondition",
        "aborted",
        "out_of_range",
        "unimplemented",
        "internal",
        "unavailable",
        "data_loss",
        "unauthenticated",
    ];
    usize::try_from(code - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("unknown")
}

/// One local plugin program: how to start it, and the procedures its Spec
/// lists (read once, on the first call that needs them).
#[derive(Debug)]
pub struct Client {
    /// As written in buf.yaml (`plugin:`'s first element).
    pub name: String,
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    spec: std::sync::OnceLock<Result<Spec, String>>,
}

impl Client {
    /// `program` is already resolved (PATH lookup or cwd-relative path).
    pub fn new(name: &str, program: PathBuf, args: Vec<String>, cwd: &Path) -> Client {
        Client {
            name: name.to_string(),
            program,
            args,
            cwd: cwd.to_path_buf(),
            spec: std::sync::OnceLock::new(),
        }
    }

    /// Runs the program once with `call_args` and `stdin`; stdout when it
    /// exits 0, else buf's `Exited with code N: exit status N`. The
    /// plugin's stderr goes straight to ours.
    fn exec(&self, call_args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .args(call_args)
            .current_dir(&self.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| start_error(&self.program, &e))?;
        let mut input = child.stdin.take();
        let out = std::thread::scope(|s| {
            s.spawn(move || {
                if let Some(pipe) = input.as_mut() {
                    // A plugin that exits without reading is not an error here.
                    let _ = pipe.write_all(stdin);
                }
                drop(input);
            });
            child.wait_with_output()
        })
        .map_err(|e| e.to_string())?;
        match out.status.code() {
            Some(0) => Ok(out.stdout),
            Some(n) => Err(exited(n)),
            None => Err("Exited with code -1: signal: killed".into()),
        }
    }

    /// `--protocol`: must print `1` (whitespace trimmed).
    pub fn check_protocol(&self) -> Result<(), String> {
        let out = self.exec(&["--protocol"], &[])?;
        let text = String::from_utf8_lossy(&out);
        let text = text.trim();
        if text.is_empty() {
            return Err("--protocol did not return a protocol version".into());
        }
        match text.parse::<u64>() {
            Ok(1) => Ok(()),
            Ok(n) => Err(format!("--protocol returned unknown protocol version {n}")),
            Err(_) => Err(format!(
                "--protocol did not return a properly-formed protocol version: invalid protocol: {text:?}"
            )),
        }
    }

    fn spec(&self) -> Result<&Spec, String> {
        self.spec
            .get_or_init(|| {
                self.check_protocol()?;
                let out = self.exec(&["--spec", "--format", "binary"], &[])?;
                Spec::decode(out.as_slice()).map_err(|_| {
                    "--spec did not return a properly-formed spec: proto:\u{a0}cannot parse invalid wire-format data"
                        .to_string()
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// One unary call: `body` in, the response body of type `R` out.
    pub fn call<Q: Message + prost::Name, R: Message + Default + prost::Name>(
        &self,
        path: &str,
        body: &Q,
    ) -> Result<R, String> {
        let spec = self.spec()?;
        let Some(procedure) = spec.procedures.iter().find(|p| p.path == path) else {
            return Err(format!(
                "Failed with code unimplemented: procedure unimplemented: {path:?}"
            ));
        };
        let request = Request {
            body: Some(prost_types::Any {
                type_url: format!("type.googleapis.com/{}", Q::full_name()),
                value: body.encode_to_vec(),
            }),
        };
        let mut call_args: Vec<&str> = if procedure.args.is_empty() {
            vec![path]
        } else {
            procedure.args.iter().map(String::as_str).collect()
        };
        call_args.extend(["--format", "binary"]);
        let out = self.exec(&call_args, &request.encode_to_vec())?;
        let response = Response::decode(out.as_slice())
            .map_err(|_| "proto:\u{a0}cannot parse invalid wire-format data".to_string())?;
        if let Some(e) = response.error {
            return Err(format!(
                "Failed with code {}: {}",
                code_name(e.code),
                e.message
            ));
        }
        let Some(any) = response.body else {
            return Ok(R::default());
        };
        let got = any.type_url.rsplit('/').next().unwrap_or("");
        if got != R::full_name() {
            return Err(format!(
                "proto:\u{a0}mismatched message type: got {:?}, want {got:?}",
                R::full_name()
            ));
        }
        R::decode(any.value.as_slice())
            .map_err(|_| "proto:\u{a0}cannot parse invalid wire-format data".to_string())
    }

    /// Every rule, page by page.
    pub fn list_rules(&self) -> Result<Vec<Rule>, String> {
        let mut rules = Vec::new();
        let mut token = String::new();
        loop {
            let page: ListRulesResponse = self.call(
                LIST_RULES,
                &ListRulesRequest {
                    page_size: PAGE_SIZE,
                    page_token: token,
                },
            )?;
            rules.extend(page.rules);
            if page.next_page_token.is_empty() {
                return Ok(rules);
            }
            token = page.next_page_token;
        }
    }

    /// Every category, page by page.
    pub fn list_categories(&self) -> Result<Vec<Category>, String> {
        let mut categories = Vec::new();
        let mut token = String::new();
        loop {
            let page: ListCategoriesResponse = self.call(
                LIST_CATEGORIES,
                &ListCategoriesRequest {
                    page_size: PAGE_SIZE,
                    page_token: token,
                },
            )?;
            categories.extend(page.categories);
            if page.next_page_token.is_empty() {
                return Ok(categories);
            }
            token = page.next_page_token;
        }
    }

    /// Check, in chunks of at most 250 rule IDs, as buf splits it.
    pub fn check(&self, request: &EncodedCheckRequest) -> Result<Vec<Annotation>, String> {
        let mut annotations = Vec::new();
        for chunk in request.rule_ids.chunks(PAGE_SIZE as usize) {
            let mut part = request.clone();
            part.rule_ids = chunk.to_vec();
            let response: CheckResponse = self.call(CHECK, &part)?;
            annotations.extend(response.annotations);
        }
        Ok(annotations)
    }
}

/// pluginrpc's text for a plugin that exited with `n`.
fn exited(n: i32) -> String {
    format!("Exited with code {n}: exit status {n}")
}

/// The exit code in a failure that ends with [`exited`]'s text: buf's
/// protoc plugins exit with a check plugin's own code.
pub fn exit_code(failure: &str) -> Option<i32> {
    let (_, tail) = failure.rsplit_once("Exited with code ")?;
    let (n, rest) = tail.split_once(':')?;
    let n: i32 = n.parse().ok()?;
    (rest == format!(" exit status {n}")).then_some(n)
}

/// Go's texts for a program that cannot be started.
fn start_error(program: &Path, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("fork/exec {}: {reason}", program.display())
}

macro_rules! named {
    ($($t:ident = $full:literal),* $(,)?) => {
        $(impl prost::Name for $t {
            const NAME: &'static str = $full;
            const PACKAGE: &'static str = "buf.plugin.check.v1";
            fn full_name() -> String {
                format!("buf.plugin.check.v1.{}", $full)
            }
        })*
    };
}

named!(
    ListRulesRequest = "ListRulesRequest",
    ListRulesResponse = "ListRulesResponse",
    ListCategoriesRequest = "ListCategoriesRequest",
    ListCategoriesResponse = "ListCategoriesResponse",
    CheckRequest = "CheckRequest",
    EncodedCheckRequest = "CheckRequest",
    CheckResponse = "CheckResponse",
);

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Name;

    #[test]
    fn exit_codes_are_read_back_from_failures() {
        assert_eq!(
            exit_code(&format!("plugin \"p\" failed: {}", exited(3))),
            Some(3)
        );
        assert_eq!(
            exit_code("plugin \"p\" failed: Exited with code 3: oops"),
            None
        );
        assert_eq!(exit_code("Failed with code unknown: x"), None);
    }

    #[test]
    fn code_names_follow_grpc_numbering() {
        assert_eq!(code_name(3), "invalid_argument");
        assert_eq!(code_name(12), "unimplemented");
        assert_eq!(code_name(16), "unauthenticated");
        assert_eq!(code_name(0), "unknown");
        assert_eq!(code_name(99), "unknown");
    }

    #[test]
    fn any_type_urls_name_the_check_package() {
        assert_eq!(
            CheckRequest::full_name(),
            "buf.plugin.check.v1.CheckRequest"
        );
    }
}
