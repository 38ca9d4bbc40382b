//! protox (a dev-dependency) as a second oracle for proto2/proto3: our
//! descriptors, decoded as prost-types values (which keep standard options
//! and drop custom ones), must equal protox's for the same files.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;
use prost::Message;

#[test]
fn proto2_and_proto3_descriptors_agree_with_protox() {
    let cases = [
        "proto2",
        "proto3",
        "keywords",
        "generated_names",
        "custom_options",
        "no_config",
    ];
    let mut compared = 0;
    for case in cases {
        let input = root().join("testdata/build").join(case).join("input");
        let mut files = Vec::new();
        proto_files(&input, &mut files);
        let rel: Vec<String> = files
            .iter()
            .map(|f| {
                f.strip_prefix(&input)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        let mut compiler = protox::Compiler::new([&input]).expect("protox compiler");
        // protox is stricter than buf in places (e.g. large integer literals);
        // a case it rejects is reported, not compared.
        if let Err(e) = compiler.open_files(&rel) {
            eprintln!("{case}: skipped, protox rejects it: {e}");
            continue;
        }
        let theirs = compiler.file_descriptor_set();

        let out = std::env::temp_dir().join(format!(
            "protolith-protox-{case}-{}.binpb",
            std::process::id()
        ));
        let st = protolith()
            .current_dir(input.parent().unwrap())
            .args([
                "build",
                "input",
                "--as-file-descriptor-set",
                "--exclude-imports",
                "--exclude-source-info",
                "-o",
            ])
            .arg(&out)
            .status()
            .expect("run protolith");
        assert!(st.success(), "{case}: protolith build failed");
        let ours =
            prost_types::FileDescriptorSet::decode(std::fs::read(&out).expect("output").as_slice())
                .expect("decode");
        let _ = std::fs::remove_file(&out);

        for fd in &theirs.file {
            let Some(mine) = ours.file.iter().find(|f| f.name == fd.name) else {
                panic!("{case}: {} missing from our output", fd.name());
            };
            let (mine, fd) = (&normalize(mine), &normalize(fd));
            assert!(
                mine == fd,
                "{case}: {} differs from protox: {}",
                fd.name(),
                first_difference(mine, fd)
            );
            compared += 1;
        }
    }
    assert!(compared >= 4, "compared only {compared} fixture files");
}

#[test]
fn googleapis_sample_agrees_with_protox() {
    let corpus = root().join(".refs/googleapis-6.0.1");
    if !corpus.is_dir() {
        eprintln!("skipped: run scripts/refs.sh to install googleapis");
        return;
    }
    let mut files = Vec::new();
    proto_files(&corpus.join("google/cloud"), &mut files);
    let sample: Vec<String> = files
        .iter()
        .step_by(25)
        .map(|f| {
            f.strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    // protox cannot parse today's descriptor.proto, so it gets its own
    // well-known types first and the corpus after them.
    let mut resolver = protox::file::ChainFileResolver::new();
    resolver.add(protox::file::GoogleFileResolver::new());
    resolver.add(protox::file::IncludeFileResolver::new(corpus.clone()));
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler
        .open_files(&sample)
        .expect("protox compiles the sample");
    let theirs = compiler.file_descriptor_set();

    let out = std::env::temp_dir().join(format!(
        "protolith-protox-googleapis-{}.binpb",
        std::process::id()
    ));
    let mut cmd = protolith();
    cmd.current_dir(&corpus)
        .args([
            "build",
            ".",
            "--as-file-descriptor-set",
            "--exclude-imports",
            "--exclude-source-info",
            "-o",
        ])
        .arg(&out);
    for f in &sample {
        cmd.args(["--path", f]);
    }
    assert!(cmd.status().expect("run protolith").success());
    let ours =
        prost_types::FileDescriptorSet::decode(std::fs::read(&out).expect("output").as_slice())
            .expect("decode");
    let _ = std::fs::remove_file(&out);
    assert_eq!(ours.file.len(), sample.len());
    for fd in &theirs.file {
        let mine = &normalize(
            ours.file
                .iter()
                .find(|f| f.name == fd.name)
                .expect("same files"),
        );
        let fd = &normalize(fd);
        assert!(
            mine == fd,
            "{} differs from protox: {}",
            fd.name(),
            first_difference(mine, fd)
        );
    }
}

/// Where two descriptors' debug renderings first part, with some context.
fn first_difference(
    a: &prost_types::FileDescriptorProto,
    b: &prost_types::FileDescriptorProto,
) -> String {
    let (a, b) = (format!("{a:?}"), format!("{b:?}"));
    let i = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = i.saturating_sub(150);
    format!(
        "\n ours:   ...{}\n protox: ...{}",
        &a[from..(i + 80).min(a.len())],
        &b[from..(i + 80).min(b.len())]
    )
}

/// Options that hold only custom options decode, as prost-types values, to
/// an empty message from our bytes but to `None` from protox; treat both as
/// absent.
fn normalize(fd: &prost_types::FileDescriptorProto) -> prost_types::FileDescriptorProto {
    fn clear<T: Default + PartialEq>(o: &mut Option<T>) {
        if o.as_ref().is_some_and(|v| *v == T::default()) {
            *o = None;
        }
    }
    fn message(m: &mut prost_types::DescriptorProto) {
        clear(&mut m.options);
        m.field
            .iter_mut()
            .chain(m.extension.iter_mut())
            .for_each(|f| clear(&mut f.options));
        m.oneof_decl.iter_mut().for_each(|o| clear(&mut o.options));
        m.extension_range
            .iter_mut()
            .for_each(|r| clear(&mut r.options));
        m.enum_type.iter_mut().for_each(enumeration);
        m.nested_type.iter_mut().for_each(message);
    }
    fn enumeration(e: &mut prost_types::EnumDescriptorProto) {
        clear(&mut e.options);
        e.value.iter_mut().for_each(|v| clear(&mut v.options));
    }
    let mut fd = fd.clone();
    clear(&mut fd.options);
    fd.message_type.iter_mut().for_each(message);
    fd.enum_type.iter_mut().for_each(enumeration);
    fd.extension.iter_mut().for_each(|f| clear(&mut f.options));
    for s in &mut fd.service {
        clear(&mut s.options);
        s.method.iter_mut().for_each(|m| clear(&mut m.options));
    }
    fd
}
