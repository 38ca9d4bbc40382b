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
    ListCategoriesResponse, ListRulesResponse, OptionValue, Procedure, Response, RpcError, Rule,
    Spec, option_value::Kind,
};

struct Modes {
    exit_on: Option<(String, i32)>,
    error_on: Option<(String, i32, String)>,
    garbage_on: Option<String>,
    empty_on: Option<String>,
    protocol: String,
    drop: Option<String>,
}

fn main() {
    let mut modes = Modes {
        exit_on: None,
        error_on: None,
        garbage_on: None,
        empty_on: None,
        protocol: "1".into(),
        drop: None,
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
                eprintln!("buf-plugin-fixture: exiting on {procedure}");
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
                "ListRules" => pack(&ListRulesResponse {
                    next_page_token: String::new(),
                    rules: rules(),
                }),
                "ListCategories" => pack(&ListCategoriesResponse {
                    next_page_token: String::new(),
                    categories: categories(),
                }),
                "Check" => {
                    let request = CheckRequest::decode(body.as_slice()).unwrap_or_default();
                    pack(&CheckResponse {
                        annotations: check(request),
                    })
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

fn check(request: CheckRequest) -> Vec<Annotation> {
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
    let files = sorted(request.file_descriptors);
    let against = sorted(request.against_file_descriptors);
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
