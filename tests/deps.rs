//! Registry dependencies, protolith against buf 1.75.0 (buf-deps.md §6):
//! both tools run the same scenario against one `protolith registry serve`,
//! each in its own copy of the fixture with its own cold cache, and must
//! agree on buf.lock bytes, stdout, stderr, exit codes, images and the
//! requests they make. Skipped without buf.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::registry::{Registry, RegistryOpts, fixtures, ok, text, tree};

/// Pushes the §3.2 modules with buf, dependencies first.
fn push_all(reg: &Registry) -> BTreeMap<String, String> {
    let mut commits = BTreeMap::new();
    for module in ["dep", "util", "other", "pair", "top"] {
        let dir = reg.fixture(&fixtures().join("modules").join(module), module);
        if std::fs::read_to_string(dir.join("buf.yaml"))
            .unwrap()
            .contains("deps:")
        {
            ok(&reg.run_buf(&["dep", "update"], &dir, &[]), "dep update");
        }
        let stdout = ok(&reg.run_buf(&["push", "--create"], &dir, &[]), "push");
        let id = stdout.trim_end().rsplit(':').next().unwrap().to_string();
        commits.insert(module.to_string(), id);
    }
    commits
}

/// One tool's run: its output and the requests it made, each as
/// `method request` (IDs are the server's, so the tools' lines compare).
struct Run {
    out: Output,
    requests: Vec<String>,
}

/// The two tools side by side: each has its own copy of every fixture
/// (`<name>-buf`, `<name>-protolith`) and its own cache.
struct Pair<'r> {
    reg: &'r Registry,
    caches: [PathBuf; 2],
}

const TOOLS: [&str; 2] = ["buf", "protolith"];

impl<'r> Pair<'r> {
    fn new(reg: &'r Registry, name: &str) -> Pair<'r> {
        let caches = TOOLS.map(|t| reg.root().join(format!("cache-{name}-{t}")));
        Pair { reg, caches }
    }

    /// A fixture copy per tool.
    fn fixture(&self, from: &Path, name: &str) -> [PathBuf; 2] {
        TOOLS.map(|t| self.reg.fixture(from, &format!("{name}-{t}")))
    }

    fn run(&self, tool: usize, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Run {
        let before = self.reg.log_lines().len();
        let cache = self.caches[tool].display().to_string();
        let mut env: Vec<(&str, &str)> = env.to_vec();
        env.push(("BUF_CACHE_DIR", cache.as_str()));
        let out = if tool == 0 {
            self.reg.run_buf(args, dir, &env)
        } else {
            self.reg.run_protolith(args, dir, &env)
        };
        let requests = self.reg.log_lines()[before..]
            .iter()
            .map(|l| format!("{} {}", l["method"], l["request"]))
            .collect();
        Run { out, requests }
    }

    /// Runs `args` with both tools (buf first) and asserts they agree on
    /// exit code, stdout, stderr and the request sequence.
    fn same(&self, args: &[&str], dirs: &[PathBuf; 2], env: &[(&str, &str)]) -> [Run; 2] {
        let b = self.run(0, args, &dirs[0], env);
        let p = self.run(1, args, &dirs[1], env);
        let what = args.join(" ");
        let clean = |o: &Output, tool: usize| {
            // Paths into each tool's own cache and fixture copy differ by name only.
            text(&o.stdout)
                .replace(&self.caches[tool].display().to_string(), "<cache>")
                .replace(&dirs[tool].display().to_string(), "<dir>")
        };
        assert_eq!(
            text(&p.out.stderr),
            text(&b.out.stderr),
            "{what}: stderr differs"
        );
        assert_eq!(
            p.out.status.code(),
            b.out.status.code(),
            "{what}: exit code differs; stderr: {}",
            text(&b.out.stderr)
        );
        assert_eq!(clean(&p.out, 1), clean(&b.out, 0), "{what}: stdout differs");
        assert_eq!(p.requests, b.requests, "{what}: request sequences differ");
        [b, p]
    }
}

fn lock(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("buf.lock")).unwrap_or_default()
}

fn set_buf_yaml(dirs: &[PathBuf; 2], yaml: &str) {
    for d in dirs {
        std::fs::write(d.join("buf.yaml"), yaml).unwrap();
    }
}

#[test]
fn dep_update_build_lint_graph_and_ls_files_agree_with_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    let commits = push_all(&reg);
    let host = reg.host();
    let pair = Pair::new(&reg, "consumer");
    let dirs = pair.fixture(&fixtures().join("consumer"), "consumer");

    // dep update: two direct deps with shared transitive ones, cold caches.
    pair.same(&["dep", "update"], &dirs, &[]);
    let locked = lock(&dirs[0]);
    assert_eq!(lock(&dirs[1]), locked);
    assert_eq!(locked.matches("  - name: ").count(), 5, "{locked}");
    // A second update with the cache warm.
    pair.same(&["dep", "update"], &dirs, &[]);
    assert_eq!(lock(&dirs[1]), lock(&dirs[0]));

    // Everything that builds, cold (fresh caches) and then warm.
    let fresh = Pair::new(&reg, "consumer-cold");
    for p in [&fresh, &fresh] {
        let [b, _] = p.same(&["build", "-o", "-"], &dirs, &[]);
        assert!(!b.out.stdout.is_empty());
    }
    for args in [
        &["lint"][..],
        &["ls-files", "--include-imports"],
        &["ls-files", "--include-imports", "--format", "json"],
        &["dep", "graph"],
        &["dep", "graph", "--format", "json"],
        &["build", "-o", "-", "--exclude-source-info"],
    ] {
        pair.same(args, &dirs, &[]);
    }

    // Pins: a label and a commit, each resolved as written.
    let pinned = format!(
        "version: v2\ndeps:\n  - {host}/acme/top:main\n  - {host}/acme/pair:{}\n  - {host}/acme/util\n",
        commits["pair"]
    );
    set_buf_yaml(&dirs, &pinned);
    pair.same(&["dep", "update"], &dirs, &[]);
    assert_eq!(lock(&dirs[1]), lock(&dirs[0]));
}

#[test]
fn v1_modules_lock_b4_digests_like_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    push_all(&reg);
    let pair = Pair::new(&reg, "v1");
    let dirs = pair.fixture(&fixtures().join("consumer-v1"), "consumer-v1");
    pair.same(&["dep", "update"], &dirs, &[]);
    let locked = lock(&dirs[0]);
    assert!(locked.contains("version: v1\n"), "{locked}");
    assert!(locked.contains("digest: shake256:"), "{locked}");
    assert_eq!(lock(&dirs[1]), locked);
    pair.same(&["build", "-o", "-"], &dirs, &[]);
    pair.same(&["lint"], &dirs, &[]);
    // dep graph shows b5 digests: buf converts each b4 key through the
    // registry and records the commit in the cache.
    pair.same(&["dep", "graph", "--format", "json"], &dirs, &[]);
    pair.same(&["dep", "graph"], &dirs, &[]);
    let commit_json = |cache: &Path| {
        let dir = cache.join("v3/commits/b5");
        let registry = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut files: Vec<_> = std::fs::read_dir(registry)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        files.sort();
        files
    };
    assert_eq!(commit_json(&pair.caches[1]), commit_json(&pair.caches[0]));
    // A v1 lock without digests (as older buf wrote them): the b4 digest of
    // each commit is asked of the registry, from a cold cache.
    for d in &dirs {
        let l = lock(d);
        let blanked: String = l
            .lines()
            .map(|line| {
                if line.trim_start().starts_with("digest:") {
                    "    digest: \"\"".to_string()
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(d.join("buf.lock"), blanked + "\n").unwrap();
    }
    let cold = Pair::new(&reg, "v1-nodigest");
    cold.same(&["build", "-o", "-"], &dirs, &[]);
}

#[test]
fn registry_modules_as_inputs_agree_with_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    let commits = push_all(&reg);
    let host = reg.host();
    let pair = Pair::new(&reg, "modref");
    let dirs = pair.fixture(&fixtures().join("consumer"), "modref");
    let top = format!("{host}/acme/top");
    let top_main = format!("{top}:main");
    let top_commit = format!("{top}:{}", commits["top"]);
    let other = format!("{host}/acme/other");
    for args in [
        vec!["build", top.as_str(), "-o", "-"],
        vec!["build", top_main.as_str(), "-o", "-"],
        vec!["build", top_commit.as_str(), "-o", "-"],
        vec!["ls-files", top.as_str()],
        vec!["ls-files", top.as_str(), "--include-imports"],
        vec!["lint", other.as_str()],
        vec!["dep", "graph", top.as_str()],
        vec!["dep", "graph", top.as_str(), "--format", "json"],
    ] {
        pair.same(&args, &dirs, &[]);
    }
    // export writes the same tree.
    let outs = TOOLS.map(|t| reg.root().join(format!("export-{t}")));
    for (i, out) in outs.iter().enumerate() {
        let o = out.display().to_string();
        let r = pair.run(i, &["export", top.as_str(), "-o", &o], &dirs[i], &[]);
        ok(&r.out, "export");
    }
    assert_eq!(tree(&outs[1]), tree(&outs[0]));
    // Errors: unknown module and unknown label.
    let nope = format!("{host}/acme/nope");
    let bad_label = format!("{top}:nolabel");
    pair.same(&["build", nope.as_str()], &dirs, &[]);
    pair.same(&["build", bad_label.as_str()], &dirs, &[]);
}

#[test]
fn breaking_against_the_registry_agrees_with_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    push_all(&reg);
    let host = reg.host();
    let pair = Pair::new(&reg, "breaking");
    let dirs = pair.fixture(&fixtures().join("modules/top"), "breaking");
    pair.same(&["dep", "update"], &dirs, &[]);
    // buf's probe, then the module at its default label: no change.
    pair.same(&["breaking", "--against-registry"], &dirs, &[]);
    let against = format!("{host}/acme/top");
    pair.same(&["breaking", "--against", against.as_str()], &dirs, &[]);
    // A removed field is a breaking change against the registry's copy.
    for d in &dirs {
        let path = d.join("top/top.proto");
        let src = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, src.replace("other.O o = 1;", "other.O o = 2;")).unwrap();
    }
    let [b, _] = pair.same(&["breaking", "--against-registry"], &dirs, &[]);
    assert_eq!(b.out.status.code(), Some(100));
    // A module with no commit on its default label is skipped (exit 0). Its
    // buf.yaml no longer declares other, which buf.lock still brings in:
    // both tools warn about the import.
    for d in &dirs {
        std::fs::write(
            d.join("buf.yaml"),
            format!("version: v2\nname: {host}/acme/fresh\n"),
        )
        .unwrap();
    }
    let create = reg.run_buf(
        &[
            "registry",
            "module",
            "create",
            &format!("{host}/acme/fresh"),
        ],
        &dirs[0],
        &[],
    );
    ok(&create, "module create");
    pair.same(&["breaking", "--against-registry"], &dirs, &[]);
}

#[test]
fn dep_prune_agrees_with_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    push_all(&reg);
    let host = reg.host();
    let pair = Pair::new(&reg, "prune");
    let dirs = pair.fixture(&fixtures().join("consumer"), "prune");
    pair.same(&["dep", "update"], &dirs, &[]);
    // Stop importing pair: it (and util, still imported) decide what stays.
    for d in &dirs {
        std::fs::write(
            d.join("consumer/consumer.proto"),
            "syntax = \"proto3\";\npackage consumer;\nimport \"top/top.proto\";\nmessage C { top.T t = 1; }\n",
        )
        .unwrap();
    }
    pair.same(&["dep", "prune"], &dirs, &[]);
    assert_eq!(lock(&dirs[1]), lock(&dirs[0]));
    // buf 1.75's quirk: pair is still declared, so the next build fails.
    pair.same(&["build"], &dirs, &[]);
    set_buf_yaml(&dirs, &format!("version: v2\ndeps:\n  - {host}/acme/top\n"));
    pair.same(&["dep", "prune"], &dirs, &[]);
    pair.same(&["build", "-o", "-"], &dirs, &[]);
}

#[test]
fn push_sends_what_buf_sends() {
    require_buf!();
    // Two servers with the same seed: each tool pushes the same modules to
    // its own, so the IDs and every request line compare.
    let regs = [
        Registry::start(RegistryOpts::default()),
        Registry::start(RegistryOpts::default()),
    ];
    let mut stdouts: [Vec<String>; 2] = Default::default();
    let mut uploads: [Vec<String>; 2] = Default::default();
    for (i, reg) in regs.iter().enumerate() {
        let run = |args: &[&str], dir: &Path| {
            if i == 0 {
                reg.run_buf(args, dir, &[])
            } else {
                reg.run_protolith(args, dir, &[])
            }
        };
        for module in ["dep", "util", "other"] {
            let dir = reg.fixture(&fixtures().join("modules").join(module), module);
            if module == "other" {
                ok(&run(&["dep", "update"], &dir), "dep update");
            }
            // Labels go on the last module only: its dependencies' default
            // labels must keep a commit for `dep update` to resolve.
            let out = if module == "other" {
                run(
                    &[
                        "push",
                        "--create",
                        "--label",
                        "v1",
                        "--label",
                        "stable",
                        "--label",
                        "v1",
                        "--source-control-url",
                        "https://example.com/acme/commit/1",
                        "--create-visibility",
                        "public",
                    ],
                    &dir,
                )
            } else {
                run(&["push", "--create"], &dir)
            };
            stdouts[i].push(ok(&out, "push").replace(&reg.host(), "<host>"));
        }
        // A two-module workspace in one Upload.
        let ws = reg.fixture(&fixtures().join("workspace"), "workspace");
        ok(&run(&["dep", "update"], &ws), "dep update");
        let out = run(&["push", "--create"], &ws);
        stdouts[i].push(ok(&out, "push").replace(&reg.host(), "<host>"));
        // Pushing again returns the same commits.
        let out = run(&["push"], &ws);
        stdouts[i].push(ok(&out, "push again").replace(&reg.host(), "<host>"));
        uploads[i] = reg
            .log_lines()
            .iter()
            .filter(|l| {
                let m = l["method"].as_str().unwrap_or("");
                m.contains("UploadService") || m.contains("ModuleService")
            })
            .map(|l| format!("{} {} {}", l["method"], l["status"], l["request"]))
            .collect();
    }
    assert_eq!(stdouts[1], stdouts[0]);
    assert_eq!(uploads[1].len(), uploads[0].len(), "{uploads:#?}");
    for (p, b) in uploads[1].iter().zip(&uploads[0]) {
        assert_eq!(p, b);
    }
}

#[test]
fn login_whoami_logout_agree_with_buf() {
    require_buf!();
    let reg = Registry::start(RegistryOpts {
        tokens: Some("tok-alice alice write\n".into()),
        ..RegistryOpts::default()
    });
    let host = reg.host();
    let dir = reg.root().to_path_buf();
    let netrcs = TOOLS.map(|t| reg.root().join(format!("netrc-{t}")));
    let mut outs: [Vec<(String, String, Option<i32>)>; 2] = Default::default();
    for (i, netrc) in netrcs.iter().enumerate() {
        let n = netrc.display().to_string();
        let env = [("NETRC", n.as_str())];
        let login_args = ["registry", "login", host.as_str(), "--token-stdin"];
        let login = if i == 0 {
            reg.run_buf_stdin_env(&login_args, &dir, "tok-alice\n", &env)
        } else {
            reg.run_protolith_stdin_env(&login_args, &dir, "tok-alice\n", &env)
        };
        let netrc_after_login = std::fs::read_to_string(netrc).unwrap_or_default();
        let mut record = |o: &Output| {
            outs[i].push((
                text(&o.stdout).replace(&n, "<netrc>"),
                text(&o.stderr).replace(&n, "<netrc>"),
                o.status.code(),
            ))
        };
        record(&login);
        outs[i].push((netrc_after_login, String::new(), None));
        for args in [
            vec!["registry", "whoami", host.as_str()],
            vec!["registry", "logout", host.as_str()],
            vec!["registry", "logout", host.as_str()],
            vec!["registry", "whoami", host.as_str()],
        ] {
            let o = if i == 0 {
                reg.run_buf(&args, &dir, &env)
            } else {
                reg.run_protolith(&args, &dir, &env)
            };
            outs[i].push((
                text(&o.stdout).replace(&n, "<netrc>"),
                text(&o.stderr).replace(&n, "<netrc>"),
                o.status.code(),
            ));
        }
        // A bad token is refused without touching netrc.
        let bad = if i == 0 {
            reg.run_buf_stdin_env(&login_args, &dir, "nope\n", &env)
        } else {
            reg.run_protolith_stdin_env(&login_args, &dir, "nope\n", &env)
        };
        outs[i].push((text(&bad.stdout), text(&bad.stderr), bad.status.code()));
    }
    assert_eq!(outs[1], outs[0]);
}

#[test]
fn registry_cc_deletes_what_buf_deletes() {
    require_buf!();
    let reg = Registry::start(RegistryOpts::default());
    let dirs = TOOLS.map(|t| reg.root().join(format!("cc-{t}")));
    let mut outs = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        for sub in [
            "v3/modules/b5",
            "v3/commits",
            "v3/wellknowntypes",
            "mod",
            "v1/module/data",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let c = d.display().to_string();
        let env = [("BUF_CACHE_DIR", c.as_str())];
        let o = if i == 0 {
            reg.run_buf(&["registry", "cc"], reg.root(), &env)
        } else {
            reg.run_protolith(&["registry", "cc"], reg.root(), &env)
        };
        outs.push((
            text(&o.stdout),
            text(&o.stderr).replace(&c, "<cache>"),
            o.status.code(),
        ));
    }
    assert_eq!(outs[1], outs[0]);
}

/// Copies `from` into `to`, leaving out `skip` (a relative directory).
fn copy_dir(from: &Path, to: &Path, skip: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let src = e.path();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            let rel = skip.strip_prefix(e.file_name()).ok();
            match rel {
                Some(r) if r.as_os_str().is_empty() => continue,
                Some(r) => copy_dir(&src, &dst, r),
                None => copy_dir(&src, &dst, Path::new("\0")),
            }
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

const GOOGLEAPIS_CONSUMER: &str = r#"syntax = "proto3";
package acme.v1;
import "buf/validate/validate.proto";
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
import "google/cloud/aiplatform/v1/prediction_service.proto";
import "google/type/date.proto";
message Ask {
  string name = 1 [(buf.validate.field).string.min_len = 1, (google.api.field_behavior) = REQUIRED];
  google.cloud.aiplatform.v1.PredictRequest predict = 2;
  google.type.Date day = 3 [(buf.validate.field).string.min_len = 2];
  int32 size = 4 [(buf.validate.field).int32 = {gt: 10, lt: 5}];
}
service Acme {
  rpc Get(Ask) returns (Ask) { option (google.api.http) = { get: "/v1/{name=*}" }; }
}
"#;

/// buf-deps.md's acceptance case: a module that depends on googleapis (the
/// whole corpus, pushed as a registry module) and on protovalidate; build,
/// lint and breaking agree with buf from a cold cache and a warm one, with
/// the same requests.
#[test]
fn a_googleapis_and_protovalidate_consumer_agrees_with_buf() {
    require_buf!();
    let corpus = common::root().join(".refs/googleapis-6.0.1");
    if !corpus.is_dir() {
        eprintln!("skipped: no googleapis corpus (scripts/refs.sh)");
        return;
    }
    let reg = Registry::start(RegistryOpts::default());
    let host = reg.host();
    // googleapis without the well-known types, pushed by protolith;
    // protovalidate's schema pushed by buf.
    let ga = reg.root().join("work/googleapis");
    copy_dir(&corpus, &ga, Path::new("google/protobuf"));
    std::fs::write(
        ga.join("buf.yaml"),
        format!("version: v2\nname: {host}/googleapis/googleapis\n"),
    )
    .unwrap();
    ok(
        &reg.run_protolith(&["push", "--create"], &ga, &[]),
        "push googleapis",
    );
    let pv = reg.root().join("work/protovalidate");
    copy_dir(
        &common::root().join("testdata/protovalidate"),
        &pv,
        Path::new("\0"),
    );
    std::fs::remove_file(pv.join("README.md")).ok();
    std::fs::write(
        pv.join("buf.yaml"),
        format!("version: v2\nname: {host}/bufbuild/protovalidate\n"),
    )
    .unwrap();
    ok(
        &reg.run_buf(&["push", "--create"], &pv, &[]),
        "push protovalidate",
    );

    let pair = Pair::new(&reg, "googleapis");
    let dirs = TOOLS.map(|t| reg.root().join(format!("work/ga-consumer-{t}")));
    for d in &dirs {
        std::fs::create_dir_all(d.join("acme/v1")).unwrap();
        std::fs::write(d.join("acme/v1/api.proto"), GOOGLEAPIS_CONSUMER).unwrap();
        std::fs::write(
            d.join("buf.yaml"),
            format!(
                "version: v2\ndeps:\n  - {host}/googleapis/googleapis\n  - {host}/bufbuild/protovalidate\n"
            ),
        )
        .unwrap();
    }
    pair.same(&["dep", "update"], &dirs, &[]);
    assert_eq!(lock(&dirs[1]), lock(&dirs[0]));
    // The baseline for breaking: the same module before a change.
    let before = TOOLS.map(|t| reg.root().join(format!("work/ga-before-{t}")));
    for (d, b) in dirs.iter().zip(&before) {
        copy_dir(d, b, Path::new("\0"));
    }
    // Cold and warm builds, then lint and breaking on the warm cache.
    for _ in 0..2 {
        let [b, _] = pair.same(&["build", "-o", "-"], &dirs, &[]);
        assert!(b.out.stdout.len() > 100_000);
    }
    let [b, _] = pair.same(&["lint"], &dirs, &[]);
    assert_eq!(b.out.status.code(), Some(100), "{}", text(&b.out.stdout));
    for d in &dirs {
        let path = d.join("acme/v1/api.proto");
        let src = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            src.replace("google.type.Date day = 3", "string day = 3"),
        )
        .unwrap();
    }
    let against = |i: usize| before[i].display().to_string();
    let b = pair.run(0, &["breaking", "--against", &against(0)], &dirs[0], &[]);
    let p = pair.run(1, &["breaking", "--against", &against(1)], &dirs[1], &[]);
    assert_eq!(b.out.status.code(), Some(100), "{}", text(&b.out.stderr));
    assert_eq!(p.out.status.code(), b.out.status.code());
    assert_eq!(text(&p.out.stdout), text(&b.out.stdout));
    assert_eq!(text(&p.out.stderr), text(&b.out.stderr));
    assert_eq!(p.requests, b.requests);
}
