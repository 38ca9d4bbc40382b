//! The image every later stage reads: compiled files in buf's order, each
//! marked as target or import, with buf's `ImageFileExtension`. Also the
//! binary writer (descriptors with options written byte-for-byte).

mod encode;
pub mod filter;
pub mod formats;
pub mod read;

use std::collections::{HashMap, HashSet};

pub use encode::encode_file;

use crate::compiler::CompiledFile;

#[derive(Clone, Debug)]
pub struct ImageFile {
    pub file: CompiledFile,
    pub is_import: bool,
    /// Module full name (`registry/owner/name`) for files of named modules.
    pub module_name: Option<String>,
    /// The registry commit of a dependency's file (ModuleInfo.commit).
    pub module_commit: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Image {
    pub files: Vec<ImageFile>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    pub as_file_descriptor_set: bool,
    pub exclude_imports: bool,
    pub exclude_source_info: bool,
    pub exclude_source_retention_options: bool,
}

impl Image {
    /// Orders `files` as buf does: targets sorted by path, each preceded by its
    /// dependencies (depth-first in import order, then `import option`
    /// files), every file once.
    /// Files that no target reaches are dropped.
    pub fn assemble(
        files: Vec<CompiledFile>,
        targets: &HashSet<String>,
        module_of: &HashMap<String, String>,
    ) -> Image {
        let index: HashMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.fd.name().to_string(), i))
            .collect();
        let mut target_idx: Vec<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| targets.contains(f.fd.name()))
            .map(|(i, _)| i)
            .collect();
        target_idx.sort_by(|a, b| files[*a].fd.name().cmp(files[*b].fd.name()));
        let mut order = Vec::with_capacity(files.len());
        let mut seen = vec![false; files.len()];
        for t in target_idx {
            visit(t, &files, &index, &mut seen, &mut order);
        }
        let mut slots: Vec<Option<CompiledFile>> = files.into_iter().map(Some).collect();
        let files = order
            .into_iter()
            .filter_map(|i| slots[i].take())
            .map(|f| {
                let name = f.fd.name().to_string();
                ImageFile {
                    is_import: !targets.contains(&name),
                    module_name: module_of.get(&name).cloned(),
                    module_commit: None,
                    file: f,
                }
            })
            .collect();
        Image { files }
    }

    /// Each file's position in `files`, by name.
    pub fn by_name(&self) -> HashMap<&str, usize> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.file.fd.name(), i))
            .collect()
    }

    /// Which files `roots` reach through their imports (themselves included),
    /// indexed like `files`.
    pub fn reachable(&self, roots: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let index = self.by_name();
        let mut seen = vec![false; self.files.len()];
        let mut stack: Vec<usize> = roots.into_iter().collect();
        while let Some(i) = stack.pop() {
            if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
                continue;
            }
            for d in &self.files[i].file.fd.dependency {
                if let Some(&j) = index.get(d.as_str()) {
                    stack.push(j);
                }
            }
        }
        seen
    }

    /// Serializes the image (or a FileDescriptorSet) as protobuf binary.
    pub fn to_binary(&self, opts: WriteOptions) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_binary(opts, &mut out);
        out
    }

    /// [`to_binary`](Self::to_binary), written to `out` as it is encoded:
    /// files are encoded in parallel a batch at a time, so the whole
    /// encoding never sits in memory at once.
    pub fn write_binary(
        &self,
        opts: WriteOptions,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        use rayon::prelude::*;
        const BATCH: usize = 256;
        let files: Vec<&ImageFile> = self
            .files
            .iter()
            .filter(|f| !(opts.exclude_imports && f.is_import))
            .collect();
        let mut header = Vec::with_capacity(8);
        for batch in files.chunks(BATCH) {
            let bodies: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|f| {
                    let mut body = Vec::with_capacity(4096);
                    encode_file(
                        &f.file,
                        !opts.exclude_source_info,
                        opts.exclude_source_retention_options,
                        &mut body,
                    );
                    if !opts.as_file_descriptor_set {
                        encode_extension(f, &mut body);
                    }
                    body
                })
                .collect();
            for body in bodies {
                header.clear();
                crate::compiler::options::put_tag(&mut header, 1, 2);
                crate::compiler::options::put_varint(&mut header, body.len() as u64);
                out.write_all(&header)?;
                out.write_all(&body)?;
            }
        }
        Ok(())
    }
}

fn visit(
    i: usize,
    files: &[CompiledFile],
    index: &HashMap<String, usize>,
    seen: &mut [bool],
    order: &mut Vec<usize>,
) {
    if seen[i] {
        return;
    }
    seen[i] = true;
    // Imports first, then `import option` files: buf's image carries both.
    let deps = files[i]
        .fd
        .dependency
        .iter()
        .chain(&files[i].extra.option_dependency);
    for dep in deps {
        if let Some(&j) = index.get(dep) {
            visit(j, files, index, seen, order);
        }
    }
    order.push(i);
}

/// buf's `ImageFileExtension` (field 8042 of the image file).
fn encode_extension(f: &ImageFile, out: &mut Vec<u8>) {
    use crate::compiler::options::{put_tag, put_varint};
    let mut ext = Vec::new();
    put_tag(&mut ext, 1, 0);
    put_varint(&mut ext, u64::from(f.is_import));
    if let Some(name) = &f.module_name {
        let mut parts = name.splitn(3, '/');
        let (remote, owner, repo) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let mut mn = Vec::new();
        for (n, v) in [(1, remote), (2, owner), (3, repo)] {
            put_tag(&mut mn, n, 2);
            put_varint(&mut mn, v.len() as u64);
            mn.extend_from_slice(v.as_bytes());
        }
        let mut mi = Vec::new();
        put_tag(&mut mi, 1, 2);
        put_varint(&mut mi, mn.len() as u64);
        mi.extend_from_slice(&mn);
        if let Some(commit) = f.module_commit.as_deref().filter(|c| !c.is_empty()) {
            put_tag(&mut mi, 2, 2);
            put_varint(&mut mi, commit.len() as u64);
            mi.extend_from_slice(commit.as_bytes());
        }
        put_tag(&mut ext, 2, 2);
        put_varint(&mut ext, mi.len() as u64);
        ext.extend_from_slice(&mi);
    }
    put_tag(&mut ext, 3, 0);
    put_varint(&mut ext, u64::from(f.file.syntax_unspecified));
    for &u in &f.file.unused_dependencies {
        put_tag(&mut ext, 4, 0);
        put_varint(&mut ext, u as i64 as u64);
    }
    put_tag(out, 8042, 2);
    put_varint(out, ext.len() as u64);
    out.extend_from_slice(&ext);
}
