//! Discovery over real directory trees. Expected rows and messages come from running buf
//! 1.75.0 (`buf ls-files --format json`, `buf build`) on the same trees; a row is
//! `external_path import_path module target|import`. Like `ls-files`, rows list targets
//! only unless `with_imports`.

use std::path::{Path, PathBuf};

use super::*;

const PROTO: &str = "syntax = \"proto3\";\n";

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(err) => panic!("tempdir: {err}"),
        };
        let tree = Tree { dir };
        for (path, content) in files {
            tree.write(path, content);
        }
        tree
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn write(&self, path: &str, content: &str) {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent()
            && let Err(err) = std::fs::create_dir_all(parent)
        {
            panic!("mkdir {}: {err}", parent.display());
        }
        if let Err(err) = std::fs::write(&full, content) {
            panic!("write {}: {err}", full.display());
        }
    }

    fn mkdir(&self, path: &str) {
        if let Err(err) = std::fs::create_dir_all(self.dir.path().join(path)) {
            panic!("mkdir {path}: {err}");
        }
    }

    #[cfg(unix)]
    fn symlink(&self, target: &str, link: &str) {
        if let Err(err) = std::os::unix::fs::symlink(target, self.dir.path().join(link)) {
            panic!("symlink {link}: {err}");
        }
    }

    /// Runs discovery from `cwd` (relative to the tree root).
    fn run(&self, cwd: &str, req: BuildRequest) -> Result<Workspace, String> {
        discover(&req, &self.dir.path().join(cwd)).map_err(|e| e.to_string())
    }

    fn ls(&self, cwd: &str, req: BuildRequest) -> Result<Vec<String>, String> {
        self.run(cwd, req).map(|ws| rows(&ws, false))
    }
}

fn rows(ws: &Workspace, with_imports: bool) -> Vec<String> {
    let mut out: Vec<String> = ws
        .modules
        .iter()
        .flat_map(|m| {
            m.files
                .iter()
                .filter(move |f| f.is_target || with_imports)
                .map(move |f| {
                    format!(
                        "{} {} {} {}",
                        f.external_path,
                        f.import_path,
                        m.name.as_deref().unwrap_or("-"),
                        if f.is_target { "target" } else { "import" }
                    )
                })
        })
        .collect();
    out.sort();
    out
}

fn input(input: &str) -> BuildRequest {
    BuildRequest {
        input: input.to_string(),
        ..BuildRequest::default()
    }
}

fn with_paths(input_dir: &str, paths: &[&str], excludes: &[&str]) -> BuildRequest {
    BuildRequest {
        input: input_dir.to_string(),
        paths: paths.iter().map(|p| p.to_string()).collect(),
        exclude_paths: excludes.iter().map(|p| p.to_string()).collect(),
        ..BuildRequest::default()
    }
}

fn ok(rows: &[&str]) -> Result<Vec<String>, String> {
    Ok(rows.iter().map(|r| r.to_string()).collect())
}

const NO_TARGETS: &str = "no .proto files were targeted. This can occur if no .proto files are found in your input, --path points to files that do not exist, or --exclude-path excludes all files.";

fn inside_module(input: &str, module: &str) -> String {
    format!(
        "failed to build input \"{input}\" because it is contained by module at path \"{module}\" specified in your configuration, you must provide the workspace or module as the input, and filter to this path using --path"
    )
}

/// v2 workspace: modules `proto` (named) and `other`.
fn v2_two_modules() -> Tree {
    Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: proto\n    name: buf.build/acme/p\n  - path: other\n",
        ),
        ("proto/a/a.proto", PROTO),
        ("proto/b/b.proto", PROTO),
        ("other/o.proto", PROTO),
    ])
}

#[test]
fn v2_workspace_root_lists_every_module() {
    let tree = v2_two_modules();
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "other/o.proto o.proto - target",
            "proto/a/a.proto a/a.proto buf.build/acme/p target",
            "proto/b/b.proto b/b.proto buf.build/acme/p target",
        ])
    );
    let ws = tree.run(".", input("."));
    assert_eq!(ws.map(|w| w.kind).ok(), Some(WorkspaceKind::V2));
}

#[test]
fn v2_module_input_targets_it_and_keeps_others_as_imports() {
    let tree = v2_two_modules();
    let ws = tree.run(".", input("proto"));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&[
            "other/o.proto o.proto - import",
            "proto/a/a.proto a/a.proto buf.build/acme/p target",
            "proto/b/b.proto b/b.proto buf.build/acme/p target",
        ])
    );
    // From inside the module, paths are printed relative to the current directory.
    let ws = tree.run("proto", input("."));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&[
            "../other/o.proto o.proto - import",
            "a/a.proto a/a.proto buf.build/acme/p target",
            "b/b.proto b/b.proto buf.build/acme/p target",
        ])
    );
}

#[test]
fn v2_input_inside_module_is_rejected() {
    let tree = v2_two_modules();
    assert_eq!(
        tree.ls(".", input("proto/a")),
        Err(inside_module("proto/a", "proto"))
    );
    // ... unless it has no files at all.
    assert_eq!(
        tree.ls(".", input("proto/nonexist")),
        Err(NO_TARGETS.to_string())
    );
}

#[test]
fn v2_input_containing_modules_is_controlled() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: x/proto\n  - path: x/other\n",
        ),
        ("x/proto/a/a.proto", PROTO),
        ("x/other/o.proto", PROTO),
        ("docs/d.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input("x")),
        ok(&[
            "x/other/o.proto o.proto - target",
            "x/proto/a/a.proto a/a.proto - target",
        ])
    );
    assert_eq!(
        tree.ls("x", input(".")),
        ok(&[
            "other/o.proto o.proto - target",
            "proto/a/a.proto a/a.proto - target",
        ])
    );
    // A directory outside every module is not controlled: it is its own v1 module.
    assert_eq!(
        tree.ls(".", input("docs")),
        ok(&["docs/d.proto d.proto - target"])
    );
}

#[test]
fn v2_includes_and_excludes_select_files() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: proto\n    includes: [proto/a]\n    excludes: [proto/a/x]\n",
        ),
        ("proto/a/a.proto", PROTO),
        ("proto/a/x/x.proto", PROTO),
        ("proto/b/b.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&["proto/a/a.proto a/a.proto - target"])
    );
}

#[test]
fn v2_overlapping_module_paths_list_files_twice() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: proto\n  - path: proto/a\n",
        ),
        ("proto/a/a.proto", PROTO),
        ("proto/b/b.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "proto/a/a.proto a.proto - target",
            "proto/a/a.proto a/a.proto - target",
            "proto/b/b.proto b/b.proto - target",
        ])
    );
}

#[test]
fn empty_modules_are_errors_named_by_description() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: a\n  - path: e\n    includes: [e/y, e/z]\n    excludes: [e/y/q, e/z/q]\n",
        ),
        ("a/a.proto", PROTO),
    ]);
    tree.mkdir("e/y");
    tree.mkdir("e/z");
    let expected = "Module \"path: \"e\", includes: [\"e/y\", \"e/z\"], excludes: [\"e/y/q\", \"e/z/q\"]\" had no .proto files";
    assert_eq!(tree.ls(".", input(".")), Err(expected.to_string()));
    // Even when that module is not targeted.
    assert_eq!(tree.ls(".", input("a")), Err(expected.to_string()));
}

#[test]
fn v2_include_file_and_exclude_file_are_rejected() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v2\nmodules:\n  - path: proto\n    includes: [proto/a/a.proto]\n",
        ),
        ("proto/a/a.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        Err("decode buf.yaml: includes can only be directories but file \"proto/a/a.proto\" discovered".to_string())
    );
    tree.write(
        "buf.yaml",
        "version: v2\nmodules:\n  - path: proto\n    excludes: [proto/a/a.proto]\n",
    );
    assert_eq!(
        tree.ls(".", input(".")),
        Err(
            "decode buf.yaml: excludes can only be directories but file \"a/a.proto\" discovered"
                .to_string()
        )
    );
}

#[test]
fn v1_module_at_root_with_excludes() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v1\nname: buf.build/a/b\nbuild:\n  excludes: [proto/b]\n",
        ),
        ("proto/a/a.proto", PROTO),
        ("proto/b/b.proto", PROTO),
        ("other/o.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "other/o.proto other/o.proto buf.build/a/b target",
            "proto/a/a.proto proto/a/a.proto buf.build/a/b target",
        ])
    );
    let ws = tree.run(".", input("."));
    assert_eq!(
        ws.ok().map(|w| (w.modules[0].config_version, w.kind)),
        Some((ConfigVersion::V1, WorkspaceKind::V1Modules))
    );
}

#[test]
fn v1beta1_roots_give_root_relative_import_paths() {
    let tree = Tree::new(&[
        (
            "buf.yaml",
            "version: v1beta1\nbuild:\n  roots: [proto, other]\n  excludes: [proto/b]\n",
        ),
        ("proto/a/a.proto", PROTO),
        ("proto/b/b.proto", PROTO),
        ("other/o.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "other/o.proto o.proto - target",
            "proto/a/a.proto a/a.proto - target",
        ])
    );
    // --path must lie strictly inside a root.
    assert_eq!(
        tree.ls(".", with_paths(".", &["proto/a"], &[])),
        ok(&["proto/a/a.proto a/a.proto - target"])
    );
    assert_eq!(
        tree.ls(".", with_paths(".", &["proto"], &[])),
        Err("path \"proto\" is not contained within any of roots \"proto\" and \"other\" - note that specified paths cannot be roots, but must be contained within roots".to_string())
    );
}

#[test]
fn v1_input_below_module_is_rejected_and_nested_modules_fail() {
    let tree = Tree::new(&[
        ("buf.yaml", "version: v1\n"),
        ("sub/in/a.proto", PROTO),
        ("mod/buf.yaml", "version: v1\n"),
        ("mod/m.proto", PROTO),
    ]);
    // The root module does not look for buf.yaml files below it.
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "mod/m.proto mod/m.proto - target",
            "sub/in/a.proto sub/in/a.proto - target",
        ])
    );
    assert_eq!(tree.ls(".", input("sub")), Err(inside_module("sub", ".")));
    assert_eq!(
        tree.ls(".", input("mod")),
        Err("nested modules \"mod\" and \".\" are not allowed".to_string())
    );
    assert_eq!(tree.ls(".", input("nonexist")), Err(NO_TARGETS.to_string()));
}

#[test]
fn v1_search_stops_at_the_current_directory() {
    let tree = Tree::new(&[("buf.yaml", "version: v1\n"), ("sub/in/a.proto", PROTO)]);
    // From `sub`, the buf.yaml above the current directory is not seen.
    assert_eq!(
        tree.ls("sub", input(".")),
        ok(&["in/a.proto in/a.proto - target"])
    );
    assert_eq!(
        tree.ls("sub", input("in")),
        ok(&["in/a.proto a.proto - target"])
    );
    // An absolute input is its own bucket.
    let abs = tree.root().join("sub");
    assert_eq!(
        tree.ls(".", input(&abs.display().to_string())),
        ok(&[&format!("{}/in/a.proto in/a.proto - target", abs.display())])
    );
}

#[test]
fn v1beta1_parent_is_not_a_module_for_subdirectories() {
    let tree = Tree::new(&[("p/buf.yaml", "version: v1beta1\n"), ("p/q/q.proto", PROTO)]);
    assert_eq!(
        tree.ls(".", input("p/q")),
        ok(&["p/q/q.proto q.proto - target"])
    );
    assert_eq!(
        tree.ls(".", with_paths(".", &["p/q"], &[])),
        ok(&["p/q/q.proto p/q/q.proto - target"])
    );
}

#[test]
fn v1_module_found_through_path_flag() {
    let tree = Tree::new(&[
        ("p/buf.yaml", "version: v1\n"),
        ("p/q/q.proto", PROTO),
        ("r/r.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", with_paths(".", &["p/q"], &[])),
        ok(&["p/q/q.proto q/q.proto - target"])
    );
    // A second --path outside any module is simply ignored.
    assert_eq!(
        tree.ls(".", with_paths(".", &["p/q", "r"], &[])),
        ok(&["p/q/q.proto q/q.proto - target"])
    );
}

/// buf.work.yaml listing x/a, x/b and c.
fn work_tree() -> Tree {
    Tree::new(&[
        (
            "buf.work.yaml",
            "version: v1\ndirectories:\n  - x/a\n  - x/b\n  - c\n",
        ),
        ("x/a/a.proto", PROTO),
        ("x/a/sub/s.proto", PROTO),
        ("x/b/b.proto", PROTO),
        ("c/c.proto", PROTO),
        ("c2/c.proto", PROTO),
    ])
}

#[test]
fn buf_work_yaml_root_and_listed_directory() {
    let tree = work_tree();
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "c/c.proto c.proto - target",
            "x/a/a.proto a.proto - target",
            "x/a/sub/s.proto sub/s.proto - target",
            "x/b/b.proto b.proto - target",
        ])
    );
    let ws = tree.run(".", input("x/a"));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&[
            "c/c.proto c.proto - import",
            "x/a/a.proto a.proto - target",
            "x/a/sub/s.proto sub/s.proto - target",
            "x/b/b.proto b.proto - import",
        ])
    );
    assert_eq!(ws.map(|w| w.kind).ok(), Some(WorkspaceKind::BufWork));
}

#[test]
fn buf_work_yaml_does_not_control_parents_of_its_directories() {
    let tree = work_tree();
    // `x` contains listed directories but is not one: it becomes a plain v1 module.
    assert_eq!(
        tree.ls(".", input("x")),
        ok(&[
            "x/a/a.proto a/a.proto - target",
            "x/a/sub/s.proto a/sub/s.proto - target",
            "x/b/b.proto b/b.proto - target",
        ])
    );
    assert_eq!(
        tree.ls(".", input("x/a/sub")),
        Err(inside_module("x/a/sub", "x/a"))
    );
    assert_eq!(
        tree.ls(".", input("c2")),
        ok(&["c2/c.proto c.proto - target"])
    );
}

#[test]
fn buf_work_yaml_module_configs_and_errors() {
    let tree = work_tree();
    tree.write("x/a/buf.yaml", "version: v2\n");
    assert_eq!(
        tree.ls(".", input(".")),
        Err("buf.yaml at x/a did not have version v1beta1 or v1".to_string())
    );
    tree.write("x/a/buf.yaml", "version: v1\nfoo: 1\n");
    assert_eq!(
        tree.ls(".", input(".")),
        Err(
            "decode x/a/buf.yaml: yaml: unmarshal errors:\n  line 2: field foo not found"
                .to_string()
        )
    );
    // Reached directly on the walk up, the file is named relative to the current directory.
    assert_eq!(
        tree.ls(".", input("x/a")),
        Err(
            "decode x/a/buf.yaml: yaml: unmarshal errors:\n  line 2: field foo not found"
                .to_string()
        )
    );
    tree.write("x/a/buf.yaml", "version: v1\nname: buf.build/acme/a\n");
    assert_eq!(
        tree.ls(".", input("x/a")),
        ok(&[
            "x/a/a.proto a.proto buf.build/acme/a target",
            "x/a/sub/s.proto sub/s.proto buf.build/acme/a target",
        ])
    );
    tree.write("buf.yaml", "version: v1\n");
    let dir = tree.root().display().to_string();
    assert_eq!(
        tree.ls(".", input(".")),
        Err(format!(
            "cannot have a buf.work.yaml and buf.yaml in the same directory \"{}\"",
            dir.trim_start_matches('/')
        ))
    );
}

#[test]
fn legacy_file_names_are_read() {
    let tree = Tree::new(&[
        ("buf.work", "version: v1\ndirectories: [m1, m2]\n"),
        ("m1/buf.mod", "version: v1\nname: buf.build/acme/m1\n"),
        ("m1/x.proto", PROTO),
        ("m2/y.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        ok(&[
            "m1/x.proto x.proto buf.build/acme/m1 target",
            "m2/y.proto y.proto - target",
        ])
    );
}

#[test]
fn v1_workspace_deps_must_agree_on_refs() {
    let tree = Tree::new(&[
        ("buf.work.yaml", "version: v1\ndirectories: [m1, m2]\n"),
        ("m1/buf.yaml", "version: v1\ndeps: [buf.build/a/b:v1]\n"),
        ("m2/buf.yaml", "version: v1\ndeps: [buf.build/a/b:v2]\n"),
        ("m1/x.proto", PROTO),
        ("m2/y.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input(".")),
        Err("found different refs for the same module within buf.yaml deps in the workspace: buf.build/a/b:v2 buf.build/a/b:v1".to_string())
    );
}

#[test]
fn path_flags_are_relative_to_cwd_and_mapped_to_the_workspace() {
    let tree = v2_two_modules();
    assert_eq!(
        tree.ls(".", with_paths(".", &["proto/a"], &[])),
        ok(&["proto/a/a.proto a/a.proto buf.build/acme/p target"])
    );
    assert_eq!(
        tree.ls("proto", with_paths(".", &["a"], &[])),
        ok(&["a/a.proto a/a.proto buf.build/acme/p target"])
    );
    let abs = tree.root().join("proto/a").display().to_string();
    assert_eq!(
        tree.ls(".", with_paths(".", &[&abs], &[])),
        ok(&["proto/a/a.proto a/a.proto buf.build/acme/p target"])
    );
    // A path in a module the input does not select targets nothing.
    assert_eq!(
        tree.ls(".", with_paths("proto", &["other/o.proto"], &[])),
        Err(NO_TARGETS.to_string())
    );
    // A path inside a target module that matches nothing is not an error for ls-files,
    // but is for build.
    let ws = tree.run(".", with_paths(".", &["proto/nonexist"], &[]));
    assert_eq!(ws.as_ref().map(|w| rows(w, false)), Ok(Vec::new()));
    assert_eq!(
        ws.and_then(|w| w.require_targets().map_err(|e| e.to_string())),
        Err(NO_TARGETS.to_string())
    );
    // An empty path (the CLI passes one for `--path a,,b`) is the current
    // directory, as in buf: the input itself when run from it, else a
    // directory that holds no target of this input.
    assert_eq!(
        tree.ls(".", with_paths(".", &[""], &[])),
        Err(
            "given input is equal to a value of --path, this has no effect and is disallowed"
                .to_string()
        )
    );
    assert_eq!(
        tree.ls(".", with_paths("proto", &[""], &[])),
        Err(NO_TARGETS.to_string())
    );
}

#[test]
fn path_flag_validation_errors() {
    let tree = v2_two_modules();
    let depth = tree.root().components().count() - 1;
    let cases: [(&str, BuildRequest, String); 9] = [
        (".", with_paths(".", &["../x"], &[]), "../x: is outside the context directory".to_string()),
        (
            "proto",
            with_paths(".", &["/etc"], &[]),
            format!("{}etc: is outside the context directory", "../".repeat(depth)),
        ),
        (
            ".",
            with_paths("proto", &["proto"], &[]),
            "given input is equal to a value of --path, this has no effect and is disallowed"
                .to_string(),
        ),
        (
            ".",
            with_paths(".", &["proto"], &[]),
            "module \"proto\" was specified with --path, specify this module path directly as an input".to_string(),
        ),
        (
            ".",
            with_paths(".", &[], &["proto"]),
            "module \"proto\" was specified with --exclude-path, this flag cannot be used to specify module directories".to_string(),
        ),
        (
            ".",
            with_paths("proto", &[], &["proto"]),
            "given input \"proto\" is equal to a value of --exclude-path \"proto\", this would exclude everything".to_string(),
        ),
        (
            ".",
            with_paths(".", &["proto/a"], &["proto"]),
            "excluded path \"proto\" contains targeted path \"proto/a\", which means all paths in \"proto/a\" will be excluded".to_string(),
        ),
        (
            "proto",
            with_paths(".", &["a/a.proto"], &["a"]),
            "excluded path \"proto/a\" contains targeted path \"proto/a/a.proto\", which means all paths in \"proto/a/a.proto\" will be excluded".to_string(),
        ),
        (
            "proto",
            with_paths(".", &["a"], &["a"]),
            "cannot set the same path for both --path and --exclude-path: \"proto/a\"".to_string(),
        ),
    ];
    for (cwd, req, expected) in cases {
        let label = format!("cwd {cwd} {req:?}");
        assert_eq!(tree.ls(cwd, req), Err(expected), "{label}");
    }
}

#[test]
fn exclude_path_removes_files() {
    let tree = v2_two_modules();
    assert_eq!(
        tree.ls(".", with_paths(".", &[], &["proto/a/a.proto"])),
        ok(&[
            "other/o.proto o.proto - target",
            "proto/b/b.proto b/b.proto buf.build/acme/p target",
        ])
    );
}

#[test]
fn proto_file_input_targets_one_file_of_its_workspace() {
    let tree = v2_two_modules();
    let ws = tree.run(".", input("proto/a/a.proto"));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&[
            "other/o.proto o.proto - import",
            "proto/a/a.proto a/a.proto buf.build/acme/p target",
            "proto/b/b.proto b/b.proto buf.build/acme/p import",
        ])
    );
    assert_eq!(ws.map(|w| w.is_proto_file_input).ok(), Some(true));
    // A missing file in a module: nothing targeted, not an error for ls-files.
    assert_eq!(
        tree.ls(".", input("proto/a/nonexist.proto")),
        Ok(Vec::new())
    );
    // A file in the workspace directory but in no module.
    assert_eq!(
        tree.ls(".", input("nonexist.proto")),
        Err(NO_TARGETS.to_string())
    );
    assert_eq!(
        tree.ls(".", with_paths("proto/a/a.proto", &["proto/a"], &[])),
        Err("--path is not valid for use with .proto file references".to_string())
    );
    assert_eq!(
        tree.ls(".", with_paths("proto/a/a.proto", &[], &["proto/b"])),
        Err("--exclude-path is not valid for use with .proto file references".to_string())
    );
}

#[test]
fn proto_file_without_config_uses_its_own_directory() {
    let tree = Tree::new(&[("r/r.proto", PROTO), ("r/s.proto", PROTO)]);
    let ws = tree.run(".", input("r/r.proto"));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&["r/r.proto r.proto - target", "r/s.proto s.proto - import"])
    );
    assert_eq!(
        ws.map(|w| w.modules[0].dir.clone()).ok().as_deref(),
        Some("r")
    );
}

#[test]
fn proto_file_in_v1_module_and_outside_v2_modules() {
    let tree = Tree::new(&[("buf.yaml", "version: v1\n"), ("sub/in/a.proto", PROTO)]);
    // No "contained by module" error for files: the enclosing v1 module is used.
    assert_eq!(
        tree.ls(".", input("sub/in/a.proto")),
        ok(&["sub/in/a.proto sub/in/a.proto - target"])
    );
    // Given absolutely, the file's directory is its own bucket.
    let abs = tree.root().join("sub/in/a.proto").display().to_string();
    assert_eq!(
        tree.ls(".", input(&abs)),
        ok(&[&format!("{abs} a.proto - target")])
    );

    let tree = Tree::new(&[
        ("buf.yaml", "version: v2\nmodules:\n  - path: x/proto\n"),
        ("x/proto/a.proto", PROTO),
        ("docs/d.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", input("docs/d.proto")),
        ok(&["docs/d.proto d.proto - target"])
    );
}

#[test]
fn non_existent_directory_input() {
    let tree = v2_two_modules();
    assert_eq!(
        tree.ls(".", input("nonexist")),
        Err("Module \"path: \"nonexist\"\" had no .proto files".to_string())
    );
}

#[test]
fn config_override_replaces_discovered_config() {
    let tree = v2_two_modules();
    let with_config = |dir: &str, config: &str| BuildRequest {
        input: dir.to_string(),
        config_override: Some(config.to_string()),
        ..BuildRequest::default()
    };
    assert_eq!(
        tree.ls(".", with_config("proto", "{\"version\":\"v1\"}")),
        ok(&[
            "proto/a/a.proto a/a.proto - target",
            "proto/b/b.proto b/b.proto - target"
        ])
    );
    assert_eq!(
        tree.ls(
            ".",
            with_config(".", "version: v1beta1\nbuild:\n  roots: [proto]")
        ),
        ok(&[
            "proto/a/a.proto a/a.proto - target",
            "proto/b/b.proto b/b.proto - target"
        ])
    );
    assert_eq!(
        tree.ls(
            ".",
            with_config(
                ".",
                "{\"version\":\"v2\",\"modules\":[{\"path\":\"other\"}]}"
            )
        ),
        ok(&["other/o.proto o.proto - target"])
    );
    assert_eq!(
        tree.ls(
            ".",
            with_config(
                "proto",
                "{\"version\":\"v2\",\"modules\":[{\"path\":\"other\"}]}"
            )
        ),
        Err("input \"proto\" did not contain modules found in workspace [other]".to_string())
    );
}

#[test]
fn paths_in_different_workspaces_conflict() {
    let tree = Tree::new(&[
        ("w1/buf.yaml", "version: v2\nmodules:\n  - path: proto\n"),
        ("w1/proto/a/a.proto", PROTO),
        ("w4/buf.work.yaml", "version: v1\ndirectories: [x/a]\n"),
        ("w4/x/a/a.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls(".", with_paths(".", &["w1/proto/a", "w4/x/a"], &[])),
        Err("different controlling workspaces found: \"w1\", \"w4\"".to_string())
    );
    // buf keeps the bucket at the current directory, so such a workspace finds nothing.
    assert_eq!(
        tree.ls(".", with_paths(".", &["w1/proto/a"], &[])),
        Err(NO_TARGETS.to_string())
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_once_unless_disabled() {
    let tree = Tree::new(&[
        ("s1/p/p.proto", PROTO),
        ("s1/q/q.proto", PROTO),
        ("ext/e/e.proto", PROTO),
    ]);
    tree.symlink("../q", "s1/p/qlink");
    tree.symlink("../../ext/e/e.proto", "s1/p/f.proto");
    tree.symlink("/nonexistent", "s1/p/broken.proto");
    // Same target as f.proto, spelled the same way once resolved: walked only once.
    tree.symlink("../../ext/e", "s1/p/link");
    assert_eq!(
        tree.ls("s1", input(".")),
        ok(&[
            "p/f.proto p/f.proto - target",
            "p/p.proto p/p.proto - target",
            "p/qlink/q.proto p/qlink/q.proto - target",
            "q/q.proto q/q.proto - target",
        ])
    );
    let disabled = BuildRequest {
        input: ".".to_string(),
        disable_symlinks: true,
        ..BuildRequest::default()
    };
    assert_eq!(
        tree.ls("s1", disabled),
        ok(&[
            "p/p.proto p/p.proto - target",
            "q/q.proto q/q.proto - target"
        ])
    );
}

#[test]
fn files_are_sorted_and_carry_disk_paths() {
    let tree = Tree::new(&[
        ("buf.yaml", "version: v2\n"),
        ("b/z.proto", PROTO),
        ("a/y.proto", PROTO),
        ("a/x.txt", "not proto"),
        ("c.PROTO", PROTO),
    ]);
    let ws = tree.run(".", input("."));
    let files: Option<Vec<(String, PathBuf)>> = ws.ok().map(|w| {
        w.modules[0]
            .files
            .iter()
            .map(|f| (f.import_path.clone(), f.disk_path.clone()))
            .collect()
    });
    let root = tree.root();
    assert_eq!(
        files,
        Some(vec![
            ("a/y.proto".to_string(), root.join("a/y.proto")),
            ("b/z.proto".to_string(), root.join("b/z.proto")),
        ])
    );
    assert!(Path::new(&root).is_absolute());
}

#[test]
fn external_paths_start_from_each_root_relative_to_cwd() {
    // A v2 module at the workspace root, reached from a subdirectory through a file input.
    let tree = Tree::new(&[
        ("buf.yaml", "version: v2\nname: buf.build/x/y\n"),
        ("proto/a/a.proto", PROTO),
        ("docs/d.proto", PROTO),
    ]);
    assert_eq!(
        tree.ls("proto", input("a/a.proto")),
        ok(&["../proto/a/a.proto proto/a/a.proto buf.build/x/y target"])
    );
    assert_eq!(
        tree.ls("proto", with_paths("..", &["../docs"], &[])),
        ok(&["../docs/d.proto docs/d.proto buf.build/x/y target"])
    );
    // v1beta1 roots: the prefix is the root directory as seen from the current directory.
    let tree = Tree::new(&[
        ("buf.work.yaml", "version: v1\ndirectories: [m1, m2]\n"),
        (
            "m1/buf.yaml",
            "version: v1beta1\nbuild:\n  roots: [root1]\n",
        ),
        ("m1/root1/x/x.proto", PROTO),
        ("m2/y.proto", PROTO),
    ]);
    let ws = tree.run("m1/root1/x", input("../../.."));
    assert_eq!(
        ws.as_ref().map(|w| rows(w, true)).map_err(Clone::clone),
        ok(&[
            "../../../m2/y.proto y.proto - target",
            "../x/x.proto x/x.proto - target"
        ])
    );
    assert_eq!(
        tree.ls("m1/root1", with_paths("../..", &["x"], &[])),
        ok(&["x/x.proto x/x.proto - target"])
    );
}
