//! Source locations by descriptor path, and reading option values from
//! serialized options: what lint and breaking both need from an image file.

use std::collections::HashMap;

use prost_types::FileDescriptorProto;
use prost_types::source_code_info::Location;

/// The first source location of each path in a file. Keyed by a hash of the
/// path (no per-location allocation); the rare hash collision between two
/// different paths goes to a short overflow list.
pub struct SourceIndex {
    first: HashIndex,
    overflow: Vec<(Vec<i32>, usize)>,
}

/// A fast multiplicative hash of a path (FxHash's mixing step); collisions
/// are resolved by comparing paths, so quality only matters for speed.
fn path_hash(path: &[i32]) -> u64 {
    let mut h: u64 = path.len() as u64;
    for &x in path {
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

type HashIndex = HashMap<u64, usize, std::hash::BuildHasherDefault<IdentityHasher>>;

impl SourceIndex {
    pub fn new(fd: &FileDescriptorProto) -> Self {
        let mut index = SourceIndex {
            first: HashIndex::default(),
            overflow: Vec::new(),
        };
        let Some(sci) = &fd.source_code_info else {
            return index;
        };
        index.first.reserve(sci.location.len());
        for (i, l) in sci.location.iter().enumerate() {
            match index.first.entry(path_hash(&l.path)) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let same = sci.location.get(*o.get()).is_some_and(|f| f.path == l.path);
                    if !same && !index.overflow.iter().any(|(p, _)| *p == l.path) {
                        index.overflow.push((l.path.clone(), i));
                    }
                }
            }
        }
        index
    }

    /// The index of the first location with `path`; `locations` must be the
    /// file's the index was built from.
    pub fn get_in(&self, locations: &[Location], path: &[i32]) -> Option<usize> {
        let &i = self.first.get(&path_hash(path))?;
        if locations.get(i).is_some_and(|l| l.path == path) {
            return Some(i);
        }
        self.overflow
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, i)| *i)
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

pub fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, &bytes[i + 1..]));
        }
    }
    None
}
