//! `protoc-gen-capture`: a test plugin for the `generate` harness
//! (tests/generate.rs, testdata/generate/).
//!
//! It saves the raw CodeGeneratorRequest from stdin to
//! `$CAPTURE_DIR/<label>__<first file_to_generate, / -> %>.binpb` and answers
//! as its parameter (the template's `opt`, joined with `,`) says:
//!
//! ```text
//! parameter := item ("," item)*          items apply left to right
//! item      := label=NAME                capture-file prefix (default `req`)
//!            | list                      one `<f>.txt` per file_to_generate, `param=<parameter>\n`
//!            | none                      no files
//!            | error[=MSG]               response.error = MSG (default `boom`)
//!            | exit[=N] | exit3          `plugin stderr line` on stderr, exit N (default 3)
//!            | garbage                   invalid wire bytes on stdout
//!            | empty                     nothing on stdout
//!            | features=N                supported_features (default 3; 0 leaves it unset)
//!            | min=N | max=N             minimum/maximum_edition (defaults 998/1001 when
//!                                        features has bit 2; `-` leaves it unset)
//!            | sleep_ms=N                sleep before answering
//!            | sleep_if=S                ... only when the first file_to_generate contains S
//!            | stderr=TEXT               write TEXT and a newline to stderr
//!            | files=JSON                exactly these files; JSON is the rest of the parameter:
//!                                        [[name, insertion_point, content], ...],
//!                                        null for a field leaves it unset
//!            | anything else             ignored (so `opt: [list, foo=bar]` works)
//! ```
//!
//! With no mode item, the mode comes from `$CAPTURE_MODE`, else `list`. The
//! env vars CAPTURE_FEATURES, CAPTURE_MIN and CAPTURE_MAX give defaults that
//! parameter items override.

#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use prost::Message;

#[derive(Clone, PartialEq, Message)]
struct Request {
    #[prost(string, repeated, tag = "1")]
    file_to_generate: Vec<String>,
    #[prost(string, optional, tag = "2")]
    parameter: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct Response {
    #[prost(string, optional, tag = "1")]
    error: Option<String>,
    #[prost(uint64, optional, tag = "2")]
    supported_features: Option<u64>,
    #[prost(int32, optional, tag = "3")]
    minimum_edition: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    maximum_edition: Option<i32>,
    #[prost(message, repeated, tag = "15")]
    file: Vec<File>,
}

#[derive(Clone, PartialEq, Message)]
struct File {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    insertion_point: Option<String>,
    #[prost(string, optional, tag = "15")]
    content: Option<String>,
}

enum Mode {
    List,
    None,
    Error(String),
    Exit(i32),
    Garbage,
    Empty,
    Files(String),
}

fn fail(msg: &str) -> ! {
    eprintln!("protoc-gen-capture: {msg}");
    std::process::exit(70)
}

fn num<T: std::str::FromStr>(key: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| fail(&format!("bad number in {key}={v}")))
}

fn edition(env: &str, default: Option<i32>) -> Option<i32> {
    match std::env::var(env) {
        Ok(v) if v == "-" => None,
        Ok(v) => Some(num(env, &v)),
        Err(_) => default,
    }
}

fn mode_word(w: &str) -> Option<Mode> {
    Some(match w {
        "list" => Mode::List,
        "none" => Mode::None,
        "error" => Mode::Error("boom".into()),
        "exit3" | "exit" => Mode::Exit(3),
        "garbage" => Mode::Garbage,
        "empty" => Mode::Empty,
        _ => return None,
    })
}

fn main() {
    let mut data = Vec::new();
    std::io::stdin()
        .read_to_end(&mut data)
        .unwrap_or_else(|e| fail(&format!("read stdin: {e}")));
    let req =
        Request::decode(data.as_slice()).unwrap_or_else(|e| fail(&format!("decode request: {e}")));
    let param = req.parameter.clone().unwrap_or_default();

    let mut label = "req".to_string();
    let mut mode = None;
    let mut features: u64 = std::env::var("CAPTURE_FEATURES")
        .map(|v| num("CAPTURE_FEATURES", &v))
        .unwrap_or(3);
    let mut min = edition("CAPTURE_MIN", Some(998));
    let mut max = edition("CAPTURE_MAX", Some(1001));
    let mut sleep_ms = 0u64;
    let mut sleep_if: Option<String> = None;
    let mut rest = param.as_str();
    while !rest.is_empty() {
        if let Some(json) = rest.strip_prefix("files=") {
            mode = Some(Mode::Files(json.to_string()));
            break;
        }
        let (item, next) = rest.split_once(',').unwrap_or((rest, ""));
        rest = next;
        let (key, value) = item.split_once('=').unwrap_or((item, ""));
        match key {
            "label" => label = value.to_string(),
            "error" if !value.is_empty() => mode = Some(Mode::Error(value.to_string())),
            "exit" if !value.is_empty() => mode = Some(Mode::Exit(num(key, value))),
            "features" => features = num(key, value),
            "min" => min = (value != "-").then(|| num(key, value)),
            "max" => max = (value != "-").then(|| num(key, value)),
            "sleep_ms" => sleep_ms = num(key, value),
            "sleep_if" => sleep_if = Some(value.to_string()),
            "stderr" => eprintln!("{value}"),
            _ => {
                if let Some(m) = mode_word(item) {
                    mode = Some(m);
                }
            }
        }
    }
    let mode = mode.unwrap_or_else(|| {
        let env = std::env::var("CAPTURE_MODE").unwrap_or_default();
        if let Some(json) = env.strip_prefix("files=") {
            Mode::Files(json.to_string())
        } else {
            mode_word(&env).unwrap_or(Mode::List)
        }
    });

    if let Ok(dir) = std::env::var("CAPTURE_DIR") {
        let first = req
            .file_to_generate
            .first()
            .map_or("none".to_string(), |f| f.replace('/', "%"));
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap_or_else(|e| fail(&format!("mkdir: {e}")));
        let path = dir.join(format!("{label}__{first}.binpb"));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap_or_else(|e| {
                fail(&format!(
                    "{}: {e} (use label=... when a template runs the plugin twice)",
                    path.display()
                ))
            });
        f.write_all(&data)
            .unwrap_or_else(|e| fail(&format!("write capture: {e}")));
    }

    if sleep_ms > 0
        && sleep_if
            .as_deref()
            .is_none_or(|s| req.file_to_generate.first().is_some_and(|f| f.contains(s)))
    {
        std::thread::sleep(std::time::Duration::from_millis(sleep_ms));
    }

    let mut resp = Response::default();
    if features != 0 {
        resp.supported_features = Some(features);
    }
    if features & 2 != 0 {
        resp.minimum_edition = min;
        resp.maximum_edition = max;
    }
    let mut stdout = std::io::stdout().lock();
    match mode {
        Mode::List => {
            for f in &req.file_to_generate {
                resp.file.push(File {
                    name: Some(format!("{f}.txt")),
                    insertion_point: None,
                    content: Some(format!("param={param}\n")),
                });
            }
        }
        Mode::None => {}
        Mode::Error(msg) => resp.error = Some(msg),
        Mode::Exit(code) => {
            eprintln!("plugin stderr line");
            std::process::exit(code);
        }
        Mode::Garbage => {
            let _ = stdout.write_all(b"\xff\xff\xff\xffnot a protobuf");
            return;
        }
        Mode::Empty => return,
        Mode::Files(json) => {
            // null leaves a field unset.
            type Triple = (Option<String>, Option<String>, Option<String>);
            let triples: Vec<Triple> = serde_json::from_str(&json)
                .unwrap_or_else(|e| fail(&format!("files=: {e} in {json}")));
            for (name, insertion_point, content) in triples {
                resp.file.push(File {
                    name,
                    insertion_point,
                    content,
                });
            }
        }
    }
    stdout
        .write_all(&resp.encode_to_vec())
        .unwrap_or_else(|e| fail(&format!("write stdout: {e}")));
}
