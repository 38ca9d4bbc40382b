//! `build -o` with compression (`.gz`, `.zst`) and images as build inputs:
//! what one build writes, another reads back to the same bytes.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::Read;

use common::{protolith, root};

fn build(args: &[&str]) -> std::process::Output {
    protolith()
        .current_dir(root().join("examples/weather"))
        .arg("build")
        .args(args)
        .output()
        .expect("run protolith")
}

#[test]
fn compressed_outputs_hold_the_image_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |name: &str| tmp.path().join(name).display().to_string();
    for name in ["plain.binpb", "image.binpb.gz", "image.json.zst"] {
        let o = build(&["-o", &out(name)]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let plain = std::fs::read(out("plain.binpb")).unwrap();
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(out("image.binpb.gz")).unwrap())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "gzip output holds the binary image");
    // A compressed JSON image is an input like any other.
    let again = build(&[&out("image.json.zst"), "-o", &out("again.binpb")]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read(out("again.binpb")).unwrap(), plain);
}

#[test]
fn output_references_are_checked_before_building() {
    let o = build(&["-o", "x.gz"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "Failure: path \"x.gz\" had .gz extension with unknown format\n"
    );
    let o = build(&["-o", "x#format=wat"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "Failure: unknown format: \"wat\"\n"
    );
}

/// `ls-files` takes images as buf does: their target files (all files with
/// `--include-imports`), with an empty local path in JSON.
#[test]
fn ls_files_lists_an_image() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("w.binpb").display().to_string();
    assert!(build(&["-o", &image]).status.success());
    let ls = |args: &[&str]| {
        let o = protolith()
            .arg("ls-files")
            .arg(&image)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(
        ls(&[]),
        "acme/weather/v1/weather.proto\nacme/weather/v1/weather_service.proto\n"
    );
    assert!(ls(&["--include-imports"]).contains("google/protobuf/timestamp.proto\n"));
    assert!(ls(&["--format", "json"]).starts_with(
        "{\"path\":\"\",\"import_path\":\"acme/weather/v1/weather.proto\",\"module\":\"\",\"commit\":\"\",\"is_import\":false}\n"
    ));
}
