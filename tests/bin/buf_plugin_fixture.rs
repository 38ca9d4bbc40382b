//! `buf-plugin-fixture`: a check plugin for the tests, run by buf 1.75.0
//! (to record answers) and by protolith (to compare with them). It speaks
//! pluginrpc (`--protocol`, `--spec`, and one binary Request/Response per
//! call) with a handful of lint and breaking rules, and fails on demand:
//!
//!   --exit-on=<Procedure>:<n>           one stderr line, then exit n
//!   --error-on=<Procedure>:<code>:<msg> a Response carrying an error
//!   --garbage-on=<Procedure>            bytes that are not a Response
//!   --empty-on=<Procedure>              nothing on stdout
//!   --protocol=<n>                      answer --protocol with n
//!   --drop=<Procedure>                  leave the procedure out of the Spec
//!   --paginate                          ListRules/ListCategories answer in
//!                                       pages of 2 (next_page_token)
//!   --unknown-rule                      Check adds a finding of an
//!                                       unregistered rule (FIX_UNREGISTERED)
//!   --dup-rule                          ListRules lists FIX_FILE_NOTE twice
//!   --clash=<ID>                        one more lint rule with that ID
//!                                       (to clash with a built-in one)
//!   --empty-message                     Check adds a FIX_FILE_NOTE finding
//!                                       with an empty message at the package
//!                                       of the first non-import file
//!   --id-prefix=<P>                     rule and category IDs start with
//!                                       `<P>_` instead of `FIX_` (a second
//!                                       plugin whose IDs do not clash)
//!
//! With FIXTURE_RECORD_DIR set, each Check writes a canonical dump of its
//! request (rule IDs, options, and per file its flags and the sha256 of the
//! FileDescriptorProto bytes as received) to `<dir>/<sha256 of dump>.txt`,
//! so a test can compare the set of distinct requests two tools sent.
//!
//! <Procedure> is the last element of the path (ListRules, ListCategories,
//! Check). Options and files are sorted before use: buf sends both in a
//! random order. Nothing is written to stderr except by --exit-on, since
//! buf runs the plugin several times per command.

use std::io::{Read, Write};

use prost::{Message, Name};
use prost_types::FileDescriptorProto;
use protolith::check::plugins::rpc::{
    self, Annotation, Category, CheckRequest, CheckResponse, FileDescriptor, FileLocation,
    ListCategoriesRequest, ListCategoriesResponse, ListRulesRequest, ListRulesResponse,
    OptionValue, Procedure, Response, RpcError, Rule, Spec, option_value::Kind,
};

struct Modes {
    exit_on: Option<(String, i32)>,
    error_on: Option<(String, i32, String)>,
    garbage_on: Option<String>,
    empty_on: Option<String>,
    protocol: String,
    drop: Option<String>,
    paginate: bool,
    unknown_rule: bool,
    dup_rule: bool,
    clash: Option<String>,
    empty_message: bool,
    id_prefix: Option<String>,
}

fn main() {
    let mut modes = Modes {
        exit_on: None,
        error_on: None,
        garbage_on: None,
        empty_on: None,
        protocol: "1".into(),
        drop: None,
        paginate: false,
        unknown_rule: false,
        dup_rule: false,
        clash: None,
        empty_message: false,
        id_prefix: None,
    };
    let mut call = Vec::new();
    for arg in std::env::args().skip(1) {
        if let Some(v) = arg.strip_prefix("--exit-on=") {
            let (p, n) = v.split_once(':').unwrap_or((v, "1"));
            modes.exit_on = Some((p.into(), n.parse().unwrap_or(1)));
        } else if let Some(v) = arg.strip_prefix("--error-on=") {
            let mut parts = v.splitn(3, ':');
            let p = parts.next().unwrap_or_default().to_string();
            let code = parts.next().and_then(|c| c.parse().ok()).unwrap_or(2);
            let msg = parts.next().unwrap_or_default().to_string();
            modes.error_on = Some((p, code, msg));
        } else if let Some(v) = arg.strip_prefix("--garbage-on=") {
            modes.garbage_on = Some(v.into());
        } else if let Some(v) = arg.strip_prefix("--empty-on=") {
            modes.empty_on = Some(v.into());
        } else if let Some(v) = arg.strip_prefix("--protocol=") {
            modes.protocol = v.into();
        } else if let Some(v) = arg.strip_prefix("--drop=") {
            modes.drop = Some(v.into());
        } else if let Some(v) = arg.strip_prefix("--clash=") {
            modes.clash = Some(v.into());
        } else if arg == "--paginate" {
            modes.paginate = true;
        } else if arg == "--unknown-rule" {
            modes.unknown_rule = true;
        } else if arg == "--dup-rule" {
            modes.dup_rule = true;
        } else if let Some(v) = arg.strip_prefix("--id-prefix=") {
            modes.id_prefix = Some(v.into());
        } else if arg == "--empty-message" {
            modes.empty_message = true;
        } else {
            call.push(arg);
        }
    }
    let out = answer(&modes, &call);
    let _ = std::io::stdout().write_all(&out);
}

fn answer(modes: &Modes, call: &[String]) -> Vec<u8> {
    match call.first().map(String::as_str) {
        Some("--protocol") => format!("{}\n", modes.protocol).into_bytes(),
        Some("--spec") => spec(modes).encode_to_vec(),
        Some(path) => {
            let procedure = path.rsplit('/').next().unwrap_or(path).to_string();
            if let Some((p, n)) = &modes.exit_on
                && *p == procedure
            {
                let _ = writeln!(
                    std::io::stderr(),
                    "buf-plugin-fixture: exiting on {procedure}"
                );
                std::process::exit(*n);
            }
            if modes.garbage_on.as_deref() == Some(procedure.as_str()) {
                return vec![0xff, 0xff, 0xff];
            }
            if modes.empty_on.as_deref() == Some(procedure.as_str()) {
                return Vec::new();
            }
            if let Some((p, code, message)) = &modes.error_on
                && *p == procedure
            {
                let r = Response {
                    body: None,
                    error: Some(RpcError {
                        code: *code,
                        message: message.clone(),
                    }),
                };
                return r.encode_to_vec();
            }
            let mut input = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut input);
            let body = rpc::Request::decode(input.as_slice())
                .ok()
                .and_then(|r| r.body)
                .map(|a| a.value)
                .unwrap_or_default();
            let any = match procedure.as_str() {
                "ListRules" => {
                    let token = ListRulesRequest::decode(body.as_slice())
                        .unwrap_or_default()
                        .page_token;
                    let (rules, next_page_token) = page(modes, renamed_rules(modes), &token);
                    pack(&ListRulesResponse {
                        next_page_token,
                        rules,
                    })
                }
                "ListCategories" => {
                    let token = ListCategoriesRequest::decode(body.as_slice())
                        .unwrap_or_default()
                        .page_token;
                    let (categories, next_page_token) =
                        page(modes, renamed_categories(modes), &token);
                    pack(&ListCategoriesResponse {
                        next_page_token,
                        categories,
                    })
                }
                "Check" => {
                    record(&body);
                    let mut request = CheckRequest::decode(body.as_slice()).unwrap_or_default();
                    for id in &mut request.rule_ids {
                        *id = rename(modes, id, true);
                    }
                    let mut annotations = check(&request);
                    extra_findings(modes, &request, &mut annotations);
                    for a in &mut annotations {
                        a.rule_id = rename(modes, &a.rule_id, false);
                    }
                    pack(&CheckResponse { annotations })
                }
                _ => None,
            };
            Response {
                body: any,
                error: None,
            }
            .encode_to_vec()
        }
        None => Vec::new(),
    }
}

fn pack<M: Message + Name>(m: &M) -> Option<prost_types::Any> {
    Some(prost_types::Any {
        type_url: format!("type.googleapis.com/{}", M::full_name()),
        value: m.encode_to_vec(),
    })
}

fn spec(modes: &Modes) -> Spec {
    let procedures = [rpc::LIST_RULES, rpc::LIST_CATEGORIES, rpc::CHECK]
        .into_iter()
        .filter(|p| modes.drop.as_deref() != p.rsplit('/').next())
        .map(|p| Procedure {
            path: p.into(),
            args: Vec::new(),
        })
        .collect();
    Spec { procedures }
}

fn rule(id: &str, ty: i32, cats: &[&str], default: bool, purpose: &str) -> Rule {
    Rule {
        id: id.into(),
        category_ids: cats.iter().map(|c| c.to_string()).collect(),
        default,
        purpose: purpose.into(),
        r#type: ty,
        deprecated: false,
        replacement_ids: Vec::new(),
    }
}

/// One page of `items` after `token` (an index); all of them unless
/// --paginate, else two with the next index as the token.
fn page<T>(modes: &Modes, items: Vec<T>, token: &str) -> (Vec<T>, String) {
    if !modes.paginate {
        return (items, String::new());
    }
    let start: usize = token.parse().unwrap_or(0);
    let end = (start + 2).min(items.len());
    let next = if end < items.len() {
        end.to_string()
    } else {
        String::new()
    };
    let page = items.into_iter().skip(start).take(end - start).collect();
    (page, next)
}

/// With --id-prefix, `FIX_X` as the plugin shows it (`back`: the other way).
fn rename(modes: &Modes, id: &str, back: bool) -> String {
    let Some(prefix) = &modes.id_prefix else {
        return id.to_string();
    };
    let ours = format!("{prefix}_");
    let (from, to) = if back {
        (ours.as_str(), "FIX_")
    } else {
        ("FIX_", ours.as_str())
    };
    match id.strip_prefix(from) {
        Some(rest) => format!("{to}{rest}"),
        None => id.to_string(),
    }
}

fn renamed_rules(modes: &Modes) -> Vec<Rule> {
    let mut rules = all_rules(modes);
    for r in &mut rules {
        r.id = rename(modes, &r.id, false);
        for c in r
            .category_ids
            .iter_mut()
            .chain(r.replacement_ids.iter_mut())
        {
            *c = rename(modes, c, false);
        }
    }
    rules
}

fn renamed_categories(modes: &Modes) -> Vec<Category> {
    let mut categories = categories();
    for c in &mut categories {
        c.id = rename(modes, &c.id, false);
    }
    categories
}

fn all_rules(modes: &Modes) -> Vec<Rule> {
    let mut all = rules();
    if modes.dup_rule {
        all.push(rule(
            "FIX_FILE_NOTE",
            rpc::RULE_TYPE_LINT,
            &["FIX_MISC"],
            false,
            "Notes every file.",
        ));
    }
    if let Some(id) = &modes.clash {
        all.push(rule(
            id,
            rpc::RULE_TYPE_LINT,
            &["FIX_MISC"],
            false,
            "Clashes with another rule.",
        ));
    }
    all
}

/// Findings the failure modes add, whatever rules were asked for.
fn extra_findings(modes: &Modes, request: &CheckRequest, out: &mut Vec<Annotation>) {
    if modes.unknown_rule {
        out.push(note(
            "FIX_UNREGISTERED",
            "From an unregistered rule.".into(),
            None,
        ));
    }
    if modes.empty_message {
        let files = sorted(request.file_descriptors.clone());
        if let Some((fd, _)) = files.iter().find(|(_, is_import)| !is_import) {
            let path = if fd.package.is_some() {
                vec![2]
            } else {
                Vec::new()
            };
            out.push(note(
                "FIX_FILE_NOTE",
                String::new(),
                Some((fd.name(), path)),
            ));
        }
    }
}

/// A CheckRequest whose files stay as the bytes buf sent, to hash them.
#[derive(Clone, PartialEq, Message)]
struct RawCheckRequest {
    #[prost(message, repeated, tag = "1")]
    file_descriptors: Vec<RawFileDescriptor>,
    #[prost(message, repeated, tag = "2")]
    against_file_descriptors: Vec<RawFileDescriptor>,
    #[prost(message, repeated, tag = "3")]
    options: Vec<rpc::PluginOption>,
    #[prost(string, repeated, tag = "4")]
    rule_ids: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
struct RawFileDescriptor {
    #[prost(bytes = "vec", tag = "1")]
    file_descriptor_proto: Vec<u8>,
    #[prost(bool, tag = "2")]
    is_import: bool,
    #[prost(bool, tag = "3")]
    is_syntax_unspecified: bool,
    #[prost(int32, repeated, tag = "4")]
    unused_dependency: Vec<i32>,
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The canonical text of a Check request: everything buf may send in a
/// random order is sorted.
fn dump(request: &RawCheckRequest) -> String {
    let mut out = format!("rule_ids: {}\n", request.rule_ids.join(" "));
    let mut options = request.options.clone();
    options.sort_by(|a, b| a.key.cmp(&b.key));
    for o in &options {
        out.push_str(&format!(
            "option {}={}\n",
            o.key,
            describe(o.value.as_ref())
        ));
    }
    for (label, files) in [
        ("file", &request.file_descriptors),
        ("against", &request.against_file_descriptors),
    ] {
        let mut lines: Vec<String> = files
            .iter()
            .map(|f| {
                let name = FileDescriptorProto::decode(f.file_descriptor_proto.as_slice())
                    .map(|p| p.name().to_string())
                    .unwrap_or_default();
                format!(
                    "{label} {name} is_import={} is_syntax_unspecified={} unused_dependency={:?} sha256={}\n",
                    f.is_import,
                    f.is_syntax_unspecified,
                    f.unused_dependency,
                    sha256_hex(&f.file_descriptor_proto)
                )
            })
            .collect();
        lines.sort();
        out.extend(lines);
    }
    out
}

/// Writes the request's dump under FIXTURE_RECORD_DIR, when set. Failures
/// are silent: stderr is reserved for --exit-on.
fn record(body: &[u8]) {
    let Some(dir) = std::env::var_os("FIXTURE_RECORD_DIR") else {
        return;
    };
    let Ok(request) = RawCheckRequest::decode(body) else {
        return;
    };
    let text = dump(&request);
    let path = std::path::Path::new(&dir).join(format!("{}.txt", sha256_hex(text.as_bytes())));
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

fn rules() -> Vec<Rule> {
    use rpc::{RULE_TYPE_BREAKING as B, RULE_TYPE_LINT as L};
    let mut old = rule(
        "FIX_OLD_PREFIX",
        L,
        &[],
        false,
        "Replaced by FIX_MESSAGE_PREFIX.",
    );
    old.deprecated = true;
    old.replacement_ids = vec!["FIX_MESSAGE_PREFIX".into()];
    vec![
        rule(
            "FIX_MESSAGE_PREFIX",
            L,
            &["FIX_STYLE"],
            true,
            "Checks that message names start with the configured prefix.",
        ),
        rule(
            "FIX_FIELD_COUNT",
            L,
            &["FIX_STYLE", "FIX_SIZE"],
            false,
            "Checks that messages do not have too many fields.",
        ),
        rule(
            "FIX_FILE_NOTE",
            L,
            &["FIX_MISC"],
            false,
            "Notes every file.",
        ),
        rule("FIX_GLOBAL_NOTE", L, &["FIX_MISC"], false, "Notes the run."),
        rule("FIX_IMPORT_SEEN", L, &[], false, "Notes every import file."),
        rule(
            "FIX_ECHO_OPTIONS",
            L,
            &[],
            false,
            "Prints the options it was given.",
        ),
        old,
        rule(
            "FIX_MESSAGE_NO_DELETE",
            B,
            &["FIX_WIRE"],
            true,
            "Checks that messages are not deleted.",
        ),
        rule(
            "FIX_FILE_GONE",
            B,
            &["FIX_WIRE"],
            false,
            "Checks that files are not deleted.",
        ),
    ]
}

fn categories() -> Vec<Category> {
    [
        ("FIX_STYLE", "Style rules."),
        ("FIX_SIZE", "Size rules."),
        ("FIX_MISC", "Other rules."),
        ("FIX_WIRE", "Wire rules."),
    ]
    .into_iter()
    .map(|(id, purpose)| Category {
        id: id.into(),
        purpose: purpose.into(),
        deprecated: false,
        replacement_ids: Vec::new(),
    })
    .collect()
}

fn note(rule: &str, message: String, file: Option<(&str, Vec<i32>)>) -> Annotation {
    Annotation {
        rule_id: rule.into(),
        message,
        file_location: file.map(|(name, path)| FileLocation {
            file_name: name.into(),
            source_path: path,
        }),
        against_file_location: None,
    }
}

fn sorted(files: Vec<FileDescriptor>) -> Vec<(FileDescriptorProto, bool)> {
    let mut v: Vec<(FileDescriptorProto, bool)> = files
        .into_iter()
        .filter_map(|f| f.file_descriptor_proto.map(|p| (p, f.is_import)))
        .collect();
    v.sort_by(|a, b| a.0.name().cmp(b.0.name()));
    v
}

fn check(request: &CheckRequest) -> Vec<Annotation> {
    let mut options = request.options.clone();
    options.sort_by(|a, b| a.key.cmp(&b.key));
    let string_option = |key: &str| {
        options
            .iter()
            .find(|o| o.key == key)
            .and_then(|o| match &o.value {
                Some(OptionValue {
                    kind: Some(Kind::StringValue(s)),
                }) => Some(s.clone()),
                _ => None,
            })
    };
    let int_option = |key: &str| {
        options
            .iter()
            .find(|o| o.key == key)
            .and_then(|o| match &o.value {
                Some(OptionValue {
                    kind: Some(Kind::Int64Value(n)),
                }) => Some(*n),
                _ => None,
            })
    };
    let files = sorted(request.file_descriptors.clone());
    let against = sorted(request.against_file_descriptors.clone());
    let mut out = Vec::new();
    for rule in &request.rule_ids {
        match rule.as_str() {
            "FIX_MESSAGE_PREFIX" => {
                let Some(prefix) = string_option("message_prefix") else {
                    continue;
                };
                for (fd, is_import) in &files {
                    for (i, m) in fd.message_type.iter().enumerate() {
                        if !is_import && !m.name().starts_with(&prefix) {
                            out.push(note(
                                rule,
                                format!("Message {:?} should start with {prefix:?}.", m.name()),
                                Some((fd.name(), vec![4, i as i32, 1])),
                            ));
                        }
                    }
                }
            }
            "FIX_FIELD_COUNT" => {
                let max = int_option("max_fields").unwrap_or(3);
                for (fd, is_import) in &files {
                    for (i, m) in fd.message_type.iter().enumerate() {
                        if !is_import && m.field.len() as i64 > max {
                            out.push(note(
                                rule,
                                format!("Message {:?} has more than {max} fields.", m.name()),
                                Some((fd.name(), vec![4, i as i32])),
                            ));
                        }
                    }
                }
            }
            "FIX_FILE_NOTE" => {
                for (fd, is_import) in &files {
                    if !is_import {
                        out.push(note(
                            rule,
                            format!("File-level finding for {}.", fd.name()),
                            Some((fd.name(), Vec::new())),
                        ));
                    }
                }
            }
            "FIX_GLOBAL_NOTE" => out.push(note(rule, "Finding with no location.".into(), None)),
            "FIX_IMPORT_SEEN" => {
                for (fd, is_import) in &files {
                    if *is_import && fd.package.is_some() {
                        out.push(note(
                            rule,
                            format!("Import {} seen.", fd.name()),
                            Some((fd.name(), vec![2])),
                        ));
                    }
                }
            }
            "FIX_ECHO_OPTIONS" => {
                let text: Vec<String> = options
                    .iter()
                    .map(|o| format!("{}={}", o.key, describe(o.value.as_ref())))
                    .collect();
                out.push(note(rule, text.join(", "), None));
            }
            "FIX_MESSAGE_NO_DELETE" => {
                for (old, _) in against.iter().filter(|(_, imp)| !imp) {
                    let current = files.iter().find(|(f, _)| f.name() == old.name());
                    for (i, m) in old.message_type.iter().enumerate() {
                        let kept = current.is_some_and(|(f, _)| {
                            f.message_type.iter().any(|n| n.name() == m.name())
                        });
                        if !kept {
                            out.push(Annotation {
                                rule_id: rule.clone(),
                                message: format!("Message {:?} was deleted.", m.name()),
                                file_location: current.map(|(f, _)| FileLocation {
                                    file_name: f.name().into(),
                                    source_path: Vec::new(),
                                }),
                                against_file_location: Some(FileLocation {
                                    file_name: old.name().into(),
                                    source_path: vec![4, i as i32, 1],
                                }),
                            });
                        }
                    }
                }
            }
            "FIX_FILE_GONE" => {
                for (old, _) in against.iter().filter(|(_, imp)| !imp) {
                    if !files.iter().any(|(f, _)| f.name() == old.name()) {
                        out.push(Annotation {
                            rule_id: rule.clone(),
                            message: format!("File {:?} was deleted.", old.name()),
                            file_location: None,
                            against_file_location: Some(FileLocation {
                                file_name: old.name().into(),
                                source_path: Vec::new(),
                            }),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn describe(v: Option<&OptionValue>) -> String {
    match v.and_then(|v| v.kind.as_ref()) {
        Some(Kind::BoolValue(b)) => format!("bool:{b}"),
        Some(Kind::Int64Value(n)) => format!("int64:{n}"),
        Some(Kind::DoubleValue(d)) => format!("double:{d}"),
        Some(Kind::StringValue(s)) => format!("string:{s}"),
        Some(Kind::BytesValue(b)) => format!("bytes:{}", b.len()),
        Some(Kind::ListValue(l)) => {
            let items: Vec<String> = l.values.iter().map(|v| describe(Some(v))).collect();
            format!("list[{}]", items.join(","))
        }
        None => "none".into(),
    }
}
