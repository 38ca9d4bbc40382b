//! `fake-protoc`: stands in for protoc in the `generate` harness
//! (`protoc_builtin` plugins), so those cases need no real protoc.
//!
//! * `--version` prints `libprotoc $FAKE_PROTOC_VERSION` (default 3.21.12).
//!   When invoked through a link named `protoc-X.Y.Z`, X.Y.Z is the default.
//! * Otherwise it records, in `$CAPTURE_DIR`, for the first file argument F
//!   (`/` -> `%`) and the builtin X of the `--X_out=` flag:
//!   `protoc_X__F.argv` (the arguments one per line, `--X_out=<OUT>` for the
//!   temporary directory buf passes) and `protoc_X__F.binpb` (the
//!   FileDescriptorSet read from `--descriptor_set_in`), and writes
//!   `F.X.txt` into the out directory, listing the arguments.
//! * `FAKE_PROTOC_FAIL=MSG` prints MSG to stderr and exits 1 instead.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::io::Read;

fn fail(msg: &str) -> ! {
    eprintln!("fake-protoc: {msg}");
    std::process::exit(70)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let version = std::env::var("FAKE_PROTOC_VERSION").unwrap_or_else(|_| {
        std::env::args()
            .next()
            .and_then(|a0| {
                let base = std::path::Path::new(&a0).file_name()?.to_str()?.to_string();
                base.strip_prefix("protoc-").map(str::to_string)
            })
            .unwrap_or_else(|| "3.21.12".to_string())
    });
    if args.iter().any(|a| a == "--version") {
        println!("libprotoc {version}");
        return;
    }
    if let Ok(msg) = std::env::var("FAKE_PROTOC_FAIL") {
        eprintln!("{msg}");
        std::process::exit(1);
    }
    let mut out_dir = None;
    let mut builtin = String::from("none");
    let mut set_in = None;
    let mut files = Vec::new();
    let mut normalized = Vec::new();
    for a in &args {
        if let Some(rest) = a.strip_prefix("--") {
            if let Some((flag, value)) = rest.split_once('=') {
                if let Some(x) = flag.strip_suffix("_out") {
                    builtin = x.to_string();
                    out_dir = Some(value.to_string());
                    normalized.push(format!("--{flag}=<OUT>"));
                    continue;
                }
                if flag == "descriptor_set_in" {
                    set_in = Some(value.to_string());
                }
            }
        } else {
            files.push(a.clone());
        }
        normalized.push(a.clone());
    }
    let first = files.first().cloned().unwrap_or_else(|| "none".to_string());
    let mut set = Vec::new();
    match set_in.as_deref() {
        Some("/dev/stdin") | Some("-") => {
            let _ = std::io::stdin().read_to_end(&mut set);
        }
        Some(p) => set = std::fs::read(p).unwrap_or_else(|e| fail(&format!("read {p}: {e}"))),
        None => {}
    }
    let listing: String = normalized.iter().map(|a| format!("{a}\n")).collect();
    if let Ok(dir) = std::env::var("CAPTURE_DIR") {
        let dir = std::path::Path::new(&dir);
        let _ = std::fs::create_dir_all(dir);
        let stem = format!("protoc_{builtin}__{}", first.replace('/', "%"));
        if let Err(e) = std::fs::write(dir.join(format!("{stem}.argv")), &listing) {
            fail(&format!("write argv: {e}"));
        }
        if let Err(e) = std::fs::write(dir.join(format!("{stem}.binpb")), &set) {
            fail(&format!("write set: {e}"));
        }
    }
    let Some(out) = out_dir else {
        fail("no --X_out= argument")
    };
    let target = std::path::Path::new(&out).join(format!("{first}.{builtin}.txt"));
    if let Some(parent) = target.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(&target, &listing) {
        fail(&format!("write {}: {e}", target.display()));
    }
}
