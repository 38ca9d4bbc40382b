//! The requests a plugin receives, as buf builds them: which files each
//! request generates (by strategy, with imports and well-known types when
//! asked), the sub-image each carries, and the bytes of a
//! `CodeGeneratorRequest` (or, for protoc's built-ins, a
//! `FileDescriptorSet`).

use std::collections::{BTreeMap, HashMap};

use crate::compiler::options::{put_tag, put_varint};
use crate::config::buf_gen_yaml::Strategy;
use crate::image::{Image, encode_file};

/// One request: image indexes of the files it carries (dependencies first)
/// and of those it generates, in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPlan {
    pub files: Vec<usize>,
    pub generate: Vec<usize>,
}

/// The requests for one plugin over `image`.
pub fn plan(
    image: &Image,
    strategy: Strategy,
    include_imports: bool,
    include_wkt: bool,
) -> Vec<RequestPlan> {
    let generated: Vec<usize> = image
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.is_import
                || (include_imports
                    && (include_wkt || !crate::compiler::wkt::is_wkt(f.file.fd.name())))
        })
        .map(|(i, _)| i)
        .collect();
    if generated.is_empty() {
        return Vec::new();
    }
    match strategy {
        // The whole image, in image order.
        Strategy::All => vec![RequestPlan {
            files: (0..image.files.len()).collect(),
            generate: generated,
        }],
        Strategy::Directory => {
            let mut by_dir: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &i in &generated {
                let name = image.files[i].file.fd.name();
                let dir = name.rsplit_once('/').map_or(".", |(d, _)| d);
                by_dir.entry(dir).or_default().push(i);
            }
            let index: HashMap<&str, usize> = image
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.file.fd.name(), i))
                .collect();
            by_dir
                .into_values()
                .map(|mut members| {
                    members.sort_by(|a, b| {
                        image.files[*a]
                            .file
                            .fd
                            .name()
                            .cmp(image.files[*b].file.fd.name())
                    });
                    sub_image(image, &index, &members)
                })
                .collect()
        }
    }
}

/// The files `members` reach, each after its imports (depth first, in
/// declaration order), and `members` in that order.
fn sub_image(image: &Image, index: &HashMap<&str, usize>, members: &[usize]) -> RequestPlan {
    let mut seen = vec![false; image.files.len()];
    let mut files = Vec::new();
    for &m in members {
        visit(image, index, m, &mut seen, &mut files);
    }
    let wanted: std::collections::HashSet<usize> = members.iter().copied().collect();
    let generate = files
        .iter()
        .copied()
        .filter(|i| wanted.contains(i))
        .collect();
    RequestPlan { files, generate }
}

fn visit(
    image: &Image,
    index: &HashMap<&str, usize>,
    i: usize,
    seen: &mut [bool],
    out: &mut Vec<usize>,
) {
    // Iterative post-order: long import chains must not exhaust the stack.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    if std::mem::replace(&mut seen[i], true) {
        return;
    }
    stack.push((i, 0));
    while let Some((node, next)) = stack.pop() {
        let f = &image.files[node].file;
        let deps: Vec<&String> =
            f.fd.dependency
                .iter()
                .chain(&f.extra.option_dependency)
                .collect();
        let mut pushed = false;
        for (k, dep) in deps.iter().enumerate().skip(next) {
            if let Some(&j) = index.get(dep.as_str())
                && !std::mem::replace(&mut seen[j], true)
            {
                stack.push((node, k + 1));
                stack.push((j, 0));
                pushed = true;
                break;
            }
        }
        if !pushed {
            out.push(node);
        }
    }
}

/// Each file's encoding (without the image's own extension 8042, but with
/// buf's SourceCodeInfo extension, as buf sends it), computed once for all
/// requests: `full` keeps
/// source-retention options (imports, `source_file_descriptors`, protoc's
/// descriptor set); `stripped` drops them (generated files' `proto_file`),
/// and is `None` where it would equal `full`.
pub struct Encoded {
    full: Vec<Vec<u8>>,
    stripped: Vec<Option<Vec<u8>>>,
}

impl Encoded {
    pub fn new(image: &Image) -> Encoded {
        use rayon::prelude::*;
        let pairs: Vec<(Vec<u8>, Option<Vec<u8>>)> = image
            .files
            .par_iter()
            .map(|f| {
                let mut full = Vec::with_capacity(4096);
                encode_file(&f.file, true, false, &mut full);
                let stripped =
                    if f.file.runtime_options.is_empty() && f.file.source_only_paths.is_empty() {
                        None
                    } else {
                        let mut s = Vec::with_capacity(full.len());
                        encode_file(&f.file, true, true, &mut s);
                        (s != full).then_some(s)
                    };
                (full, stripped)
            })
            .collect();
        let (full, stripped) = pairs.into_iter().unzip();
        Encoded { full, stripped }
    }

    fn stripped(&self, i: usize) -> &[u8] {
        self.stripped[i].as_deref().unwrap_or(&self.full[i])
    }
}

/// A `CodeGeneratorRequest` in buf's bytes: `file_to_generate` (1),
/// `parameter` (2, absent when there is none), `proto_file` (15) with
/// generated files stripped of source-retention options, and
/// `source_file_descriptors` (17). `compiler_version` is never set.
pub fn encode_request(
    image: &Image,
    enc: &Encoded,
    plan: &RequestPlan,
    parameter: Option<&str>,
) -> Vec<u8> {
    let generated: std::collections::HashSet<usize> = plan.generate.iter().copied().collect();
    let mut out = Vec::new();
    for &i in &plan.generate {
        put_bytes(&mut out, 1, image.files[i].file.fd.name().as_bytes());
    }
    if let Some(p) = parameter {
        put_bytes(&mut out, 2, p.as_bytes());
    }
    for &i in &plan.files {
        if generated.contains(&i) {
            put_bytes(&mut out, 15, enc.stripped(i));
        } else {
            put_bytes(&mut out, 15, &enc.full[i]);
        }
    }
    for &i in &plan.generate {
        put_bytes(&mut out, 17, &enc.full[i]);
    }
    out
}

/// The `FileDescriptorSet` protoc reads on stdin: every file of the request
/// with its source-retention options.
pub fn encode_descriptor_set(enc: &Encoded, plan: &RequestPlan) -> Vec<u8> {
    let mut out = Vec::new();
    for &i in &plan.files {
        put_bytes(&mut out, 1, &enc.full[i]);
    }
    out
}

fn put_bytes(out: &mut Vec<u8>, field: i32, bytes: &[u8]) {
    put_tag(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}
