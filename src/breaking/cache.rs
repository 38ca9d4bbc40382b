//! The breaking caches, kept in [`crate::cache::Store`]: a whole result
//! (what `breaking` printed and its exit code) and a compiled baseline (the
//! against side's image and module views, everything the engine reads from
//! it). CI runs `breaking --against .git#branch=main` again and again with
//! main unchanged: the baseline is then loaded instead of unpacked and
//! compiled, and an unchanged input too skips the run altogether.
//!
//! A baseline is keyed by its pinned identity (commit or bytes' digest, see
//! [`crate::input::PinnedInput`]) and the build flags that read it; a result
//! by that, the input's files and configuration, and every flag that
//! changes the output.

use std::path::Path;

use prost::Message;
use prost_types::FileDescriptorProto;
use rayon::prelude::*;

use crate::cache::{KeyHasher, Kind, Store};
use crate::compiler::CompiledFile;
use crate::compiler::lower::DescriptorExtras;
use crate::image::{Image, ImageFile};
use crate::workspace::{BuildRequest, Workspace};

/// The against side as the engine reads it: the image and, per target
/// module, its files (targets and what they import) as (index, is import).
#[derive(Debug)]
pub struct Baseline {
    pub image: Image,
    pub views: Vec<Vec<(usize, bool)>>,
}

/// The bytes a `--config`/`--against-config` value stands for: a file's
/// contents (it may change between runs), or the inline data itself.
fn config_bytes(value: Option<&str>, cwd: &Path) -> Vec<u8> {
    match value {
        None => b"none".to_vec(),
        Some(v) if crate::config::is_config_path(v) => {
            let mut out = b"file ".to_vec();
            match std::fs::read(cwd.join(v)) {
                Ok(bytes) => out.extend_from_slice(&bytes),
                Err(e) => out.extend_from_slice(format!("unreadable {e}").as_bytes()),
            }
            out
        }
        Some(v) => [&b"data "[..], v.as_bytes()].concat(),
    }
}

/// The key of a baseline with `identity`, built with `req` (its paths,
/// excludes, symlink rule and `--against-config`).
pub fn baseline_key(identity: &[u8], req: &BuildRequest, cwd: &Path) -> String {
    // The input's own path is not read for a baseline (the reference names
    // it): runs over different inputs share one.
    let req = BuildRequest {
        input: String::new(),
        ..req.clone()
    };
    let mut h = KeyHasher::new();
    h.field(b"breaking baseline")
        .field(identity)
        .field(format!("{req:?}").as_bytes())
        .field(&config_bytes(req.config_override.as_deref(), cwd));
    h.finish()
}

/// The flags that change `breaking`'s output besides its inputs.
pub struct ResultFlags<'a> {
    pub error_format: &'a str,
    pub exclude_imports: bool,
    pub limit_to_input_files: bool,
}

/// The key of the whole result for the input `ws` (read with `req`, its
/// files' digests `digests`) against the baseline keyed `baseline`.
pub fn result_key(
    ws: &Workspace,
    digests: &[[u8; 32]],
    req: &BuildRequest,
    cwd: &Path,
    flags: &ResultFlags,
    baseline: &str,
) -> String {
    let mut h = KeyHasher::new();
    h.field(b"breaking result")
        .field(flags.error_format.as_bytes())
        .field(&[
            u8::from(flags.exclude_imports),
            u8::from(flags.limit_to_input_files),
        ])
        .field(baseline.as_bytes())
        .field(format!("{req:?}").as_bytes())
        .field(&config_bytes(req.config_override.as_deref(), cwd))
        // Every module's configuration, paths and roots (the files' bytes
        // come in below).
        .field(format!("{ws:?}").as_bytes());
    // Registry dependencies are pinned by buf.lock.
    for (dir, _) in crate::deps::resolve::lock_dirs(ws) {
        h.field(&std::fs::read(dir.join("buf.lock")).unwrap_or_default());
    }
    h.field(&(digests.len() as u64).to_le_bytes());
    for d in digests {
        h.update(d);
    }
    h.finish()
}

pub fn load_baseline(store: &Store, key: &str) -> Option<Baseline> {
    decode(&store.get(Kind::Baseline, key)?)
}

pub fn store_baseline(store: &Store, key: &str, baseline: &Baseline) {
    store.put(Kind::Baseline, key, &encode(baseline));
}

// ---------------------------------------------------------------------------------------
// Encoding: per file, its descriptor (prost's own encoding, exact for every
// field a `FileDescriptorProto` holds) and a record of everything else the
// compiler and image keep; then the views. Files are encoded and decoded in
// parallel.

#[derive(Clone, PartialEq, prost::Message)]
struct PathBytes {
    #[prost(int32, repeated, tag = "1")]
    path: Vec<i32>,
    #[prost(bytes = "vec", tag = "2")]
    bytes: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PathInt {
    #[prost(int32, repeated, tag = "1")]
    path: Vec<i32>,
    #[prost(int32, tag = "2")]
    value: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PathOnly {
    #[prost(int32, repeated, tag = "1")]
    path: Vec<i32>,
}

/// An [`ImageFile`] without its descriptor.
#[derive(Clone, PartialEq, prost::Message)]
struct FileRecord {
    #[prost(message, repeated, tag = "1")]
    raw_options: Vec<PathBytes>,
    #[prost(int32, repeated, tag = "2")]
    unused_dependencies: Vec<i32>,
    #[prost(bool, tag = "3")]
    syntax_unspecified: bool,
    #[prost(bool, tag = "4")]
    from_wkt: bool,
    #[prost(string, tag = "5")]
    display_path: String,
    #[prost(int32, optional, tag = "6")]
    edition: Option<i32>,
    #[prost(string, repeated, tag = "7")]
    option_dependency: Vec<String>,
    #[prost(message, repeated, tag = "8")]
    visibility: Vec<PathInt>,
    #[prost(message, repeated, tag = "9")]
    runtime_options: Vec<PathBytes>,
    #[prost(message, repeated, tag = "10")]
    source_only_paths: Vec<PathOnly>,
    #[prost(bool, tag = "11")]
    type_filtered: bool,
    #[prost(bool, tag = "12")]
    is_import: bool,
    #[prost(string, optional, tag = "13")]
    module_name: Option<String>,
    #[prost(string, optional, tag = "14")]
    module_commit: Option<String>,
    #[prost(bytes = "vec", optional, tag = "15")]
    source_info: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct View {
    #[prost(uint64, repeated, tag = "1")]
    files: Vec<u64>,
    #[prost(bool, repeated, tag = "2")]
    imports: Vec<bool>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Views {
    #[prost(message, repeated, tag = "1")]
    views: Vec<View>,
}

/// A format tag of this encoding; the binary's identity in every key
/// already keeps other builds' entries apart.
const TAG: &[u8; 4] = b"BLN2";

fn path_bytes(list: &[(Vec<i32>, Vec<u8>)]) -> Vec<PathBytes> {
    list.iter()
        .map(|(path, bytes)| PathBytes {
            path: path.clone(),
            bytes: bytes.clone(),
        })
        .collect()
}

fn record(f: &ImageFile) -> FileRecord {
    // Whole destructurings: a field added to these types fails to compile
    // here instead of being silently left out of the cache.
    let ImageFile {
        file,
        is_import,
        module_name,
        module_commit,
    } = f;
    let CompiledFile {
        fd: _,
        source_info,
        raw_options,
        unused_dependencies,
        syntax_unspecified,
        from_wkt,
        display_path,
        extra,
        runtime_options,
        source_only_paths,
        type_filtered,
    } = file;
    let DescriptorExtras {
        edition,
        option_dependency,
        visibility,
    } = extra;
    FileRecord {
        raw_options: path_bytes(raw_options),
        unused_dependencies: unused_dependencies.clone(),
        syntax_unspecified: *syntax_unspecified,
        from_wkt: *from_wkt,
        display_path: display_path.clone(),
        edition: *edition,
        option_dependency: option_dependency.clone(),
        visibility: visibility
            .iter()
            .map(|(path, value)| PathInt {
                path: path.clone(),
                value: *value,
            })
            .collect(),
        runtime_options: path_bytes(runtime_options),
        source_only_paths: source_only_paths
            .iter()
            .map(|p| PathOnly { path: p.clone() })
            .collect(),
        type_filtered: *type_filtered,
        is_import: *is_import,
        module_name: module_name.clone(),
        module_commit: module_commit.clone(),
        source_info: source_info.as_ref().map(|s| s.encoded().to_vec()),
    }
}

fn image_file(
    fd: FileDescriptorProto,
    source_info: Option<crate::compiler::SourceInfo>,
    r: FileRecord,
) -> ImageFile {
    let pairs = |list: Vec<PathBytes>| list.into_iter().map(|p| (p.path, p.bytes)).collect();
    ImageFile {
        file: CompiledFile {
            fd,
            source_info,
            raw_options: pairs(r.raw_options),
            unused_dependencies: r.unused_dependencies,
            syntax_unspecified: r.syntax_unspecified,
            from_wkt: r.from_wkt,
            display_path: r.display_path,
            extra: DescriptorExtras {
                edition: r.edition,
                option_dependency: r.option_dependency,
                visibility: r
                    .visibility
                    .into_iter()
                    .map(|p| (p.path, p.value))
                    .collect(),
            },
            runtime_options: pairs(r.runtime_options),
            source_only_paths: r.source_only_paths.into_iter().map(|p| p.path).collect(),
            type_filtered: r.type_filtered,
        },
        is_import: r.is_import,
        module_name: r.module_name,
        module_commit: r.module_commit,
    }
}

fn put_chunk(out: &mut Vec<u8>, chunk: &[u8]) {
    out.extend_from_slice(&(chunk.len() as u64).to_le_bytes());
    out.extend_from_slice(chunk);
}

fn take_chunk<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = input.split_first_chunk::<8>()?;
    let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
    let (chunk, rest) = rest.split_at_checked(len)?;
    *input = rest;
    Some(chunk)
}

fn encode(b: &Baseline) -> Vec<u8> {
    let files: Vec<(Vec<u8>, Vec<u8>)> = b
        .image
        .files
        .par_iter()
        .map(|f| (f.file.fd.encode_to_vec(), record(f).encode_to_vec()))
        .collect();
    let views = Views {
        views: b
            .views
            .iter()
            .map(|v| View {
                files: v.iter().map(|&(i, _)| i as u64).collect(),
                imports: v.iter().map(|&(_, imp)| imp).collect(),
            })
            .collect(),
    };
    let size: usize = files.iter().map(|(a, r)| a.len() + r.len() + 16).sum();
    let mut out = Vec::with_capacity(size + 64);
    out.extend_from_slice(TAG);
    put_chunk(&mut out, &views.encode_to_vec());
    out.extend_from_slice(&(files.len() as u64).to_le_bytes());
    for (fd, rec) in &files {
        put_chunk(&mut out, fd);
        put_chunk(&mut out, rec);
    }
    out
}

fn decode(body: &[u8]) -> Option<Baseline> {
    let mut input = body.strip_prefix(TAG)?;
    let views = Views::decode(take_chunk(&mut input)?).ok()?;
    let (count, rest) = input.split_first_chunk::<8>()?;
    input = rest;
    let count = usize::try_from(u64::from_le_bytes(*count)).ok()?;
    let mut chunks = Vec::with_capacity(count.min(input.len() / 16));
    for _ in 0..count {
        chunks.push((take_chunk(&mut input)?, take_chunk(&mut input)?));
    }
    if !input.is_empty() {
        return None;
    }
    let files = chunks
        .into_par_iter()
        .map(|(fd, rec)| {
            let fd = FileDescriptorProto::decode(fd).ok()?;
            let mut rec = FileRecord::decode(rec).ok()?;
            let source_info = match rec.source_info.take() {
                Some(bytes) => Some(crate::compiler::SourceInfo::from_encoded(bytes)?),
                None => None,
            };
            Some(image_file(fd, source_info, rec))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut out_views = Vec::with_capacity(views.views.len());
    for v in views.views {
        if v.files.len() != v.imports.len() {
            return None;
        }
        let view = v
            .files
            .into_iter()
            .zip(v.imports)
            .map(|(i, imp)| Some((usize::try_from(i).ok().filter(|&i| i < files.len())?, imp)))
            .collect::<Option<Vec<_>>>()?;
        out_views.push(view);
    }
    Some(Baseline {
        image: Image { files },
        views: out_views,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(sources: &[(&str, &str)]) -> Image {
        let sources = sources
            .iter()
            .map(|(name, text)| crate::compiler::SourceFile {
                import_path: name.to_string(),
                display_path: format!("proto/{name}"),
                text: std::sync::Arc::new(text.to_string()),
            })
            .collect();
        let files = crate::compiler::compile_with(sources, &|_| None).unwrap();
        let targets = ["a.proto".to_string()].into_iter().collect();
        let mut image = Image::assemble(files, &targets, &Default::default());
        image.files[0].module_name = Some("buf.build/acme/a".into());
        image.files[0].module_commit = Some("0123".into());
        image
    }

    #[test]
    fn a_baseline_reads_back_exactly() {
        let image = compiled(&[
            (
                "a.proto",
                "edition = \"2023\";\npackage a;\nimport \"b.proto\";\nimport \"google/protobuf/descriptor.proto\";\n\
                 option java_package = \"x.y\";\n// Leading.\nmessage M {\n  b.E e = 1 [deprecated = true];\n  \
                 int32 n = 2 [features.field_presence = IMPLICIT, debug_redact = true];\n  reserved 5 to 9;\n}\n\
                 extend google.protobuf.FieldOptions { string note = 50001 [retention = RETENTION_SOURCE]; }\n\
                 service S { rpc Get(M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; } }\n",
            ),
            (
                "b.proto",
                "syntax = \"proto2\";\npackage b;\nenum E { option allow_alias = true; X = 0; Y = 0; }\n",
            ),
        ]);
        let baseline = Baseline {
            image,
            views: vec![vec![(0, true), (2, false)], Vec::new()],
        };
        let bytes = encode(&baseline);
        let back = decode(&bytes).unwrap();
        assert_eq!(format!("{baseline:?}"), format!("{back:?}"));
        assert_eq!(encode(&back), bytes);
        // Truncation anywhere is a miss, never a panic.
        for cut in [0, 3, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }
}
