//! The writer against temporary directories. Archive bytes and insertion
//! results are what buf 1.75.0 wrote for the same responses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

use super::*;

fn file(name: &str, content: &str) -> ResponseFile {
    ResponseFile {
        name: Some(name.into()),
        insertion_point: None,
        content: Some(content.as_bytes().to_vec()),
        generated_code_info: None,
    }
}

fn ip(name: &str, point: &str, content: &str) -> ResponseFile {
    ResponseFile {
        insertion_point: Some(point.into()),
        ..file(name, content)
    }
}

fn writer(dir: &Path, clean: bool) -> Writer {
    Writer::new(dir.to_path_buf(), clean, vec![dir.to_path_buf()])
}

fn run(w: Writer) -> Plan {
    let plan = w.plan().unwrap();
    plan.apply().unwrap();
    plan
}

#[test]
fn insertion_points_indent_crlf_and_lost_newline() {
    // The response buf 1.75.0 turned into this exact ip.txt.
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path(), false);
    let target = "  // @@protoc_insertion_point(p)\r\nend\r\n\tx @@protoc_insertion_point(p) y\n";
    w.add(
        "A",
        "gen",
        vec![file("ip.txt", target), ip("ip.txt", "p", "L1\r\nL2\n\nL3")],
    )
    .unwrap();
    // A later plugin with the same out (spelled differently) sees the tree.
    w.add("B", "./gen/", vec![ip("ip.txt", "p", "M")]).unwrap();
    run(w);
    assert_eq!(
        fs::read_to_string(dir.path().join("gen/ip.txt")).unwrap(),
        "  L1\n  L2\n  \n  L3\n  M\n  // @@protoc_insertion_point(p)\nend\n\tL1\n\tL2\n\t\n\tL3\n\tM\n\tx @@protoc_insertion_point(p) y"
    );
}

#[test]
fn insertion_point_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("gen")).unwrap();
    fs::write(
        dir.path().join("gen/ondisk.txt"),
        "@@protoc_insertion_point(x)\n",
    )
    .unwrap();
    let mut w = writer(dir.path(), false);
    assert_eq!(
        w.add("P", "gen", vec![ip("ondisk.txt", "x", "y")])
            .unwrap_err(),
        "read ondisk.txt: file does not exist"
    );
    w.add("P", "gen", vec![file("f.txt", "no marker\n")])
        .unwrap();
    assert_eq!(
        w.add("Q", "gen", vec![ip("f.txt", "x", "y")]).unwrap_err(),
        "could not find insertion point \"x\" in \"f.txt\""
    );
    // Another out (even one resolving to the same place on disk through a
    // different absolute spelling is not possible here) has its own tree.
    assert_eq!(
        w.add("Q", "gen2", vec![ip("f.txt", "x", "y")]).unwrap_err(),
        "read f.txt: file does not exist"
    );
    assert_eq!(
        w.add("P", "gen", vec![file("..", "")]).unwrap_err(),
        "..: is outside the context directory"
    );
    assert_eq!(
        w.add("P", "gen", vec![file(".", "")]).unwrap_err(),
        "cannot use root"
    );
}

#[test]
fn zip_and_jar_bytes_match_buf() {
    // buf 1.75.0 wrote these for files [b.txt, a/x.txt] and [A.txt,
    // com/x.java, é.txt] (entries sorted; the jar manifest sorts with them).
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path(), false);
    w.add(
        "P",
        "gen.zip",
        vec![file("b.txt", "bbb\n"), file("a/x.txt", "hello\n")],
    )
    .unwrap();
    w.add(
        "P",
        "out/gen.jar",
        vec![
            file("A.txt", "A\n"),
            file("com/x.java", "j\n"),
            file("é.txt", "u"),
        ],
    )
    .unwrap();
    // The parent of out/gen.jar is missing: created, not an error (buf fails once).
    let plan = run(w);
    assert_eq!(plan.changes.len(), 2);
    assert_eq!(
        fs::read(dir.path().join("gen.zip")).unwrap(),
        include_bytes!("testdata/buf_two_entries.zip")
    );
    assert_eq!(
        fs::read(dir.path().join("out/gen.jar")).unwrap(),
        include_bytes!("testdata/buf_utf8_name.jar")
    );
    // An identical archive is not rewritten.
    let mut w = writer(dir.path(), false);
    w.add(
        "P",
        "gen.zip",
        vec![file("a/x.txt", "hello\n"), file("b.txt", "bbb\n")],
    )
    .unwrap();
    assert!(w.plan().unwrap().changes.is_empty());
}

#[cfg(unix)]
#[test]
fn unchanged_files_keep_mtime_and_rewritten_files_keep_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path(), false);
    w.add(
        "P",
        "gen",
        vec![file("same.txt", "s"), file("mode.txt", "old")],
    )
    .unwrap();
    run(w);
    let same = dir.path().join("gen/same.txt");
    let mode = dir.path().join("gen/mode.txt");
    assert_eq!(
        fs::metadata(&same).unwrap().permissions().mode() & 0o777,
        0o644
    );
    fs::set_permissions(&mode, fs::Permissions::from_mode(0o600)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    fs::File::options()
        .write(true)
        .open(&same)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut w = writer(dir.path(), false);
    w.add(
        "P",
        "gen",
        vec![file("same.txt", "s"), file("mode.txt", "new")],
    )
    .unwrap();
    let plan = run(w);
    assert_eq!(
        plan.changes,
        vec![Change::Update {
            path: mode.clone(),
            old: b"old".to_vec(),
            bytes: b"new".to_vec()
        }]
    );
    assert_eq!(fs::metadata(&same).unwrap().modified().unwrap(), old);
    assert_eq!(fs::read_to_string(&mode).unwrap(), "new");
    assert_eq!(
        fs::metadata(&mode).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn clean_deletes_stale_files_and_empty_dirs_but_keeps_nested_outs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (path, text) in [
        ("gen/keep.txt", "k"),
        ("gen/stale.txt", "s"),
        ("gen/old/deep/x.txt", "x"),
        ("gen/child/extra.txt", "e"),
        ("gen/child/stale.txt", "s"),
        ("gen/mixed/stale.txt", "s"),
    ] {
        fs::create_dir_all(d.join(path).parent().unwrap()).unwrap();
        fs::write(d.join(path), text).unwrap();
    }
    fs::create_dir_all(d.join("gen/emptydir")).unwrap();
    let mut w = writer(d, true);
    w.add(
        "A",
        "gen",
        vec![file("keep.txt", "k"), file("mixed/new.txt", "n")],
    )
    .unwrap();
    w.add("B", "gen/child", vec![file("extra.txt", "e")])
        .unwrap();
    let plan = run(w);
    assert_eq!(
        plan.describe(false),
        "delete gen/child/stale.txt\nrmdir gen/emptydir\ncreate gen/mixed/new.txt\n\
         delete gen/mixed/stale.txt\nrmdir gen/old\nrmdir gen/old/deep\n\
         delete gen/old/deep/x.txt\ndelete gen/stale.txt\n"
    );
    let mut left: Vec<String> = walk(&d.join("gen"));
    left.sort();
    assert_eq!(
        left,
        vec![
            "child/",
            "child/extra.txt",
            "keep.txt",
            "mixed/",
            "mixed/new.txt"
        ]
    );
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out
}

#[test]
fn clean_refuses_cwd_and_protected_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("mod/proto")).unwrap();
    let mut w = Writer::new(
        d.join("mod"),
        true,
        vec![d.join("mod"), d.join("mod/proto")],
    );
    assert_eq!(
        w.add("protoc-gen-capture", ".", vec![]).unwrap_err(),
        "cannot use --clean if your plugin will output to the current directory"
    );
    assert_eq!(
        w.add("P", "..", vec![]).unwrap_err(),
        format!("cannot clean ..: it contains {}", d.join("mod").display())
    );
    // Not cleaning: both are fine; a missing out is fine with clean.
    w.add("P", "gen", vec![]).unwrap();
    let mut w = Writer::new(d.join("mod"), false, vec![d.join("mod")]);
    w.add("P", "..", vec![]).unwrap();
}

#[test]
fn missing_empty_out_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path(), false);
    w.add("P", "gen/a", vec![]).unwrap();
    let plan = run(w);
    assert_eq!(plan.describe(false), "mkdir gen/a\n");
    assert!(dir.path().join("gen/a").is_dir());
}

#[test]
fn describe_with_diff() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("gen")).unwrap();
    let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let new = old.replace("line 5\n", "line five\n") + "tail";
    fs::write(d.join("gen/b.txt"), &old).unwrap();
    fs::write(d.join("gen/old.txt"), "gone\n").unwrap();
    fs::write(d.join("gen/bin.dat"), [0u8, 1]).unwrap();
    let mut w = writer(d, true);
    w.add(
        "P",
        "gen",
        vec![
            file("b.txt", &new),
            file("a.txt", "x\ny\n"),
            file("bin.dat", "\u{0}2"),
        ],
    )
    .unwrap();
    let plan = w.plan().unwrap();
    assert_eq!(
        plan.describe(true),
        "create gen/a.txt
update gen/b.txt
update gen/bin.dat
delete gen/old.txt
--- /dev/null
+++ b/gen/a.txt
@@ -0,0 +1,2 @@
+x
+y
--- a/gen/b.txt
+++ b/gen/b.txt
@@ -2,7 +2,7 @@
 line 2
 line 3
 line 4
-line 5
+line five
 line 6
 line 7
 line 8
@@ -18,3 +18,4 @@
 line 18
 line 19
 line 20
+tail
\\ No newline at end of file
--- a/gen/bin.dat
+++ b/gen/bin.dat
Binary files differ
--- a/gen/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
"
    );
}
