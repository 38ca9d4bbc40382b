//! Source locations by descriptor path, and reading option values from
//! serialized options: what lint and breaking both need from an image file.

use std::collections::HashMap;

use crate::compiler::source_info::{Loc, SourceInfo};
pub use crate::compiler::wire::varint;

/// The first source location of each path in a file. Keyed by a hash of the
/// path (no per-location allocation); the rare hash collision between two
/// different paths goes to a short overflow list. Locations are named by
/// their byte offsets in the file's [`SourceInfo`].
pub struct SourceIndex {
    first: HashIndex,
    overflow: Vec<(Vec<i32>, u32)>,
}

/// A fast multiplicative hash of a path (FxHash's mixing step); collisions
/// are resolved by comparing paths, so quality only matters for speed.
fn path_hash(path: impl Iterator<Item = i32>) -> u64 {
    let mut h: u64 = 0x2545_f491_4f6c_dd1d;
    for x in path {
        h = (h.rotate_left(5) ^ u64::from(x as u32)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    h
}

/// The keys are already hashes: use them as they are.
#[derive(Default)]
struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashIndex = HashMap<u64, u32, std::hash::BuildHasherDefault<IdentityHasher>>;

impl SourceIndex {
    pub fn new(info: Option<&SourceInfo>) -> Self {
        let mut index = SourceIndex {
            first: HashIndex::default(),
            overflow: Vec::new(),
        };
        let Some(info) = info else {
            return index;
        };
        index.first.reserve(info.encoded().len() / 24);
        for (at, l) in info.iter_at() {
            match index.first.entry(path_hash(l.path())) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(at);
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let same = info
                        .at(*o.get())
                        .is_some_and(|f| f.path_bytes() == l.path_bytes());
                    if !same && !index.overflow.iter().any(|(p, _)| l.path_is(p)) {
                        index.overflow.push((l.path_vec(), at));
                    }
                }
            }
        }
        index
    }

    /// The first location with `path`; `info` must be the one the index was
    /// built from.
    pub fn get_in<'a>(&self, info: &'a SourceInfo, path: &[i32]) -> Option<Loc<'a>> {
        let &at = self.first.get(&path_hash(path.iter().copied()))?;
        if let Some(l) = info.at(at).filter(|l| l.path_is(path)) {
            return Some(l);
        }
        self.overflow
            .iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, at)| info.at(*at))
    }
}

/// Reads a varint field `number` from a serialized message, descending into
/// length-delimited fields along `path` first. The last occurrence wins, as
/// protobuf parsers do.
pub fn option_varint(bytes: &[u8], path: &[u32], number: u32) -> Option<u64> {
    let mut found = None;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (key, r) = varint(rest)?;
        rest = r;
        let field = (key >> 3) as u32;
        match key & 7 {
            0 => {
                let (v, r) = varint(rest)?;
                rest = r;
                if path.is_empty() && field == number {
                    found = Some(v);
                }
            }
            1 => rest = rest.get(8..)?,
            5 => rest = rest.get(4..)?,
            2 => {
                let (len, r) = varint(rest)?;
                let len = usize::try_from(len).ok()?;
                let body = r.get(..len)?;
                rest = r.get(len..)?;
                if let Some((first, tail)) = path.split_first()
                    && *first == field
                    && let Some(v) = option_varint(body, tail, number)
                {
                    found = Some(v);
                }
            }
            _ => return found,
        }
    }
    found
}
