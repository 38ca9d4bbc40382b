//! A file's source info kept in its wire form. googleapis has about 1.5
//! million source locations; as prost `Location`s (five fields, three heap
//! allocations each) they were most of a build's memory. Here a file's
//! locations are one byte buffer: `SourceCodeInfo.location` entries exactly
//! as an image carries them, so writing an image copies bytes, and readers
//! look at a location through a [`Loc`] view without decoding the rest.

use prost::Message as _;
use prost_types::SourceCodeInfo;
use prost_types::source_code_info::Location;

use super::options::{put_tag, put_varint};
use super::wire::{next, varint};

/// `SourceCodeInfo.location` (field 1) entries, each `tag, length, body`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SourceInfo {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for SourceInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|l| l.to_location()))
            .finish()
    }
}

impl SourceInfo {
    pub fn from_locations<'a>(locations: impl IntoIterator<Item = &'a Location>) -> Self {
        let mut bytes = Vec::new();
        let mut body = Vec::new();
        for l in locations {
            body.clear();
            encode_location(&mut body, l);
            put_entry(&mut bytes, &body);
        }
        SourceInfo { bytes }
    }

    /// From a decoded `SourceCodeInfo` (an image read from bytes).
    pub fn from_prost(sci: &SourceCodeInfo) -> Self {
        Self::from_locations(&sci.location)
    }

    /// Entries as [`encoded`](Self::encoded) gave them, checked: None unless
    /// every entry is a well-formed location.
    pub fn from_encoded(bytes: Vec<u8>) -> Option<Self> {
        Self::is_well_formed(&bytes).then_some(SourceInfo { bytes })
    }

    /// Whether `bytes` are entries [`from_encoded`](Self::from_encoded)
    /// takes.
    pub fn is_well_formed(bytes: &[u8]) -> bool {
        each_field(bytes, |number, body| number == 1 && well_formed(body))
    }

    /// Appends a location with at most a leading comment.
    pub fn push(&mut self, path: &[i32], span: &[i32], leading: Option<&str>) {
        let mut body = Vec::with_capacity(16 + path.len() + leading.map_or(0, str::len));
        put_body(&mut body, path, span, leading, None, []);
        put_entry(&mut self.bytes, &body);
    }

    /// Keeps the locations `keep` accepts, bytes unchanged.
    pub fn filtered(&self, mut keep: impl FnMut(&Loc) -> bool) -> Self {
        let mut bytes = Vec::with_capacity(self.bytes.len());
        for l in self.iter() {
            if keep(&l) {
                put_entry(&mut bytes, l.body);
            }
        }
        SourceInfo { bytes }
    }

    pub fn iter(&self) -> Entries<'_> {
        Entries { rest: &self.bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The entries as written inside `SourceCodeInfo` (without extensions).
    pub fn encoded(&self) -> &[u8] {
        &self.bytes
    }

    /// Each location with the byte offset [`at`](Self::at) finds it by.
    pub fn iter_at(&self) -> impl Iterator<Item = (u32, Loc<'_>)> {
        let total = self.bytes.len();
        let mut entries = self.iter();
        std::iter::from_fn(move || {
            let at = (total - entries.rest.len()) as u32;
            entries.next().map(|l| (at, l))
        })
    }

    /// The location at byte offset `at`, as [`iter_at`](Self::iter_at)
    /// gave it.
    pub fn at(&self, at: u32) -> Option<Loc<'_>> {
        Entries {
            rest: self.bytes.get(at as usize..)?,
        }
        .next()
    }

    /// buf's search for where an option value at `path` is: the longest
    /// recorded path that is `path` or an ancestor of it no shorter than
    /// `min_len`, unless a location inside `path` comes first.
    pub fn option_location(&self, path: &[i32], min_len: usize) -> Option<Vec<i32>> {
        let mut best: Option<Vec<i32>> = None;
        for l in self.iter() {
            let len = l.path_len();
            if len >= min_len && l.path_is_prefix_of(path) {
                if best.as_ref().is_none_or(|b| len > b.len()) {
                    best = Some(l.path_vec());
                }
            } else if l.path_starts_with(path) {
                return Some(l.path_vec());
            }
        }
        best
    }

    pub fn to_prost(&self) -> SourceCodeInfo {
        SourceCodeInfo {
            location: self.iter().map(|l| l.to_location()).collect(),
        }
    }
}

/// The locations of a [`SourceInfo`], in order.
pub struct Entries<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Entries<'a> {
    type Item = Loc<'a>;

    fn next(&mut self) -> Option<Loc<'a>> {
        // Every buffer is built here (or checked by `from_encoded`), so
        // entries are well formed; a malformed tail ends the walk.
        let Some(field) = next(self.rest) else {
            self.rest = &[];
            return None;
        };
        self.rest = &self.rest[field.record.len()..];
        Some(Loc {
            body: field.payload,
        })
    }
}

/// One location, read in place.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Loc<'a> {
    body: &'a [u8],
}

/// A span of three or four values (`[line, column, end_column]` or
/// `[line, column, end_line, end_column]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    values: [i32; 4],
    len: u8,
}

impl std::ops::Deref for Span {
    type Target = [i32];
    fn deref(&self) -> &[i32] {
        &self.values[..self.len as usize]
    }
}

impl<'a> Loc<'a> {
    fn fields(&self) -> Fields<'a> {
        Fields { rest: self.body }
    }

    /// The packed path's bytes (empty for the file's own location).
    pub fn path_bytes(&self) -> &'a [u8] {
        self.fields()
            .find(|(n, _)| *n == 1)
            .map_or(&[][..], |(_, b)| b)
    }

    pub fn path(&self) -> Packed<'a> {
        Packed {
            rest: self.path_bytes(),
        }
    }

    pub fn path_vec(&self) -> Vec<i32> {
        self.path().collect()
    }

    pub fn path_is(&self, path: &[i32]) -> bool {
        self.path().eq(path.iter().copied())
    }

    pub fn path_starts_with(&self, prefix: &[i32]) -> bool {
        let mut own = self.path();
        prefix.iter().all(|&p| own.next() == Some(p))
    }

    /// Whether this location's path is `path` or an ancestor of it.
    pub fn path_is_prefix_of(&self, path: &[i32]) -> bool {
        let mut other = path.iter();
        self.path().all(|v| other.next() == Some(&v))
    }

    pub fn path_len(&self) -> usize {
        self.path_bytes().iter().filter(|b| *b & 0x80 == 0).count()
    }

    pub fn span_bytes(&self) -> &'a [u8] {
        self.fields()
            .find(|(n, _)| *n == 2)
            .map_or(&[][..], |(_, b)| b)
    }

    pub fn span(&self) -> Span {
        let mut span = Span::default();
        for v in (Packed {
            rest: self.span_bytes(),
        })
        .take(4)
        {
            span.values[span.len as usize] = v;
            span.len += 1;
        }
        span
    }

    fn text(&self, number: u32) -> Option<&'a str> {
        self.fields()
            .find(|(n, _)| *n == number)
            .and_then(|(_, b)| std::str::from_utf8(b).ok())
    }

    pub fn leading_comments(&self) -> Option<&'a str> {
        self.text(3)
    }

    pub fn trailing_comments(&self) -> Option<&'a str> {
        self.text(4)
    }

    pub fn leading_detached_comments(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.fields()
            .filter(|(n, _)| *n == 6)
            .filter_map(|(_, b)| std::str::from_utf8(b).ok())
    }

    /// The encoded body (a `Location` message).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    pub fn to_location(&self) -> Location {
        Location::decode(self.body).unwrap_or_default()
    }
}

/// The length-delimited fields of a location body (all of its fields are).
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = (u32, &'a [u8]);

    fn next(&mut self) -> Option<(u32, &'a [u8])> {
        // A field that is not length-delimited was not written by us or
        // prost: stop rather than misread.
        let Some(field) = next(self.rest).filter(|f| f.wire_type == 2) else {
            self.rest = &[];
            return None;
        };
        self.rest = &self.rest[field.record.len()..];
        Some((field.number as u32, field.payload))
    }
}

/// Whether `body` is a location as prost would write it: only fields 1, 2,
/// 3, 4 and 6, all length-delimited, packed values whole, texts UTF-8.
fn well_formed(body: &[u8]) -> bool {
    each_field(body, |number, value| match number {
        1 | 2 => {
            let mut packed = value;
            while !packed.is_empty() {
                match varint(packed) {
                    Some((_, r)) => packed = r,
                    None => return false,
                }
            }
            true
        }
        3 | 4 | 6 => std::str::from_utf8(value).is_ok(),
        _ => false,
    })
}

/// Walks `bytes` as length-delimited fields: false unless every field is
/// whole, length-delimited, and `check` accepts its number and value.
fn each_field(bytes: &[u8], mut check: impl FnMut(i32, &[u8]) -> bool) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        match next(rest) {
            Some(f) if f.wire_type == 2 && check(f.number, f.payload) => {
                rest = &rest[f.record.len()..];
            }
            _ => return false,
        }
    }
    true
}

/// The values of a packed `repeated int32`.
#[derive(Clone)]
pub struct Packed<'a> {
    rest: &'a [u8],
}

impl Iterator for Packed<'_> {
    type Item = i32;

    fn next(&mut self) -> Option<i32> {
        let (v, rest) = varint(self.rest)?;
        self.rest = rest;
        Some(v as i32)
    }
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn put_entry(out: &mut Vec<u8>, body: &[u8]) {
    put_tag(out, 1, 2);
    put_varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

fn put_packed(out: &mut Vec<u8>, number: i32, values: impl Iterator<Item = i32> + Clone) {
    let len: usize = values.clone().map(|v| varint_len(v as i64 as u64)).sum();
    if len == 0 {
        return;
    }
    put_tag(out, number, 2);
    put_varint(out, len as u64);
    for v in values {
        put_varint(out, v as i64 as u64);
    }
}

fn put_text(out: &mut Vec<u8>, number: i32, text: &str) {
    put_tag(out, number, 2);
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// One location's body in prost's field order: path (1), span (2), leading
/// (3) and trailing (4) comments, detached comments (6).
fn put_body<'s>(
    out: &mut Vec<u8>,
    path: &[i32],
    span: &[i32],
    leading: Option<&str>,
    trailing: Option<&str>,
    detached: impl IntoIterator<Item = &'s str>,
) {
    put_packed(out, 1, path.iter().copied());
    put_packed(out, 2, span.iter().copied());
    if let Some(c) = leading {
        put_text(out, 3, c);
    }
    if let Some(c) = trailing {
        put_text(out, 4, c);
    }
    for c in detached {
        put_text(out, 6, c);
    }
}

fn encode_location(out: &mut Vec<u8>, l: &Location) {
    put_body(
        out,
        &l.path,
        &l.span,
        l.leading_comments.as_deref(),
        l.trailing_comments.as_deref(),
        l.leading_detached_comments.iter().map(String::as_str),
    );
}

/// The locations a file's lowering records, in the order it records them,
/// and what [`finish`](LocBuf::finish) makes of them: buf's order, with the
/// option interpreter's locations merged in.
#[derive(Default)]
pub struct LocBuf {
    data: Vec<u8>,
    /// Where each location's body ends in `data` (each starts where the
    /// one before ended).
    ends: Vec<u32>,
}

/// Where a location's body is: in the lowered buffer, the interpreted
/// one, or the one `finish` writes changed locations to.
#[derive(Clone, Copy)]
struct Slot {
    buf: Buf,
    /// The file's own location (empty path).
    root: bool,
    start: u32,
    end: u32,
    span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Buf {
    Lowered,
    Interpreted,
    Changed,
}

impl LocBuf {
    pub fn push<'s>(
        &mut self,
        path: &[i32],
        span: &[i32],
        leading: Option<&str>,
        trailing: Option<&str>,
        detached: impl IntoIterator<Item = &'s str>,
    ) {
        put_body(&mut self.data, path, span, leading, trailing, detached);
        self.ends.push(self.data.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn body(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.data[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = Loc<'_>> {
        (0..self.ends.len()).map(|i| Loc { body: self.body(i) })
    }

    /// The first location recorded for `path`.
    pub fn find(&self, path: &[i32]) -> Option<Loc<'_>> {
        self.iter().find(|l| l.path_is(path))
    }

    fn slots(&self, buf: Buf, into: &mut Vec<Slot>) {
        let mut start = 0u32;
        for &end in &self.ends {
            let l = Loc {
                body: &self.data[start as usize..end as usize],
            };
            into.push(Slot {
                buf,
                root: l.path_bytes().is_empty(),
                start,
                end,
                span: l.span(),
            });
            start = end;
        }
    }

    /// The file's source info: the lowered locations and the interpreted
    /// option locations, where an interpreted location with exactly the
    /// span of its option statement takes the statement's comments, and
    /// statements in `uncommented` (setting an option to a message literal)
    /// lose theirs; sorted as buf sorts them.
    pub fn finish(self, interpreted: LocBuf, uncommented: &[(Vec<i32>, Vec<i32>)]) -> SourceInfo {
        let mut slots: Vec<Slot> = Vec::with_capacity(self.len() + interpreted.len());
        self.slots(Buf::Lowered, &mut slots);
        interpreted.slots(Buf::Interpreted, &mut slots);
        let mut changed: Vec<u8> = Vec::new();
        if !interpreted.is_empty() || !uncommented.is_empty() {
            self.move_option_comments(&mut slots, &interpreted, &mut changed, uncommented);
        }
        let get = |s: &Slot| -> Loc<'_> {
            let buf = match s.buf {
                Buf::Lowered => &self.data,
                Buf::Interpreted => &interpreted.data,
                Buf::Changed => &changed,
            };
            Loc {
                body: &buf[s.start as usize..s.end as usize],
            }
        };
        // buf's order: the file's own location first, then by span element by
        // element (a two-line field `[51, 2, 52, 50]` precedes its type
        // `[51, 2, 59]`), then by path in descriptor.proto's declaration
        // order (a statement before its interpreted option, a range before
        // its endpoints, a group's message before its field at file level
        // but after it inside a message). The sort is stable.
        slots.sort_by(|a, b| {
            (!a.root)
                .cmp(&!b.root)
                .then_with(|| a.span[..].cmp(&b.span[..]))
                .then_with(|| {
                    declaration_order(get(a).path()).cmp(declaration_order(get(b).path()))
                })
        });
        let total: usize = slots
            .iter()
            .map(|s| {
                let n = (s.end - s.start) as usize;
                1 + varint_len(n as u64) + n
            })
            .sum();
        let mut bytes = Vec::with_capacity(total);
        for s in &slots {
            put_entry(&mut bytes, get(s).body);
        }
        SourceInfo { bytes }
    }

    fn move_option_comments(
        &self,
        slots: &mut [Slot],
        interpreted: &LocBuf,
        changed: &mut Vec<u8>,
        uncommented: &[(Vec<i32>, Vec<i32>)],
    ) {
        let lowered = self.len();
        let pack = |values: &[i32]| -> Vec<u8> {
            let mut out = Vec::new();
            for &v in values {
                put_varint(&mut out, v as i64 as u64);
            }
            out
        };
        let uncommented: Vec<(Vec<u8>, Vec<u8>)> = uncommented
            .iter()
            .map(|(path, span)| (pack(path), pack(span)))
            .collect();
        // Which statements could matter, by (path, span) in their encoded
        // forms: the uncommented ones and every proper prefix of an
        // interpreted location's path with its span. (The encoding of a
        // path's prefix is a prefix of its encoding.)
        let mut by_span: rustc_hash::FxHashMap<(&[u8], &[u8]), Option<usize>> =
            rustc_hash::FxHashMap::default();
        for (path, span) in &uncommented {
            by_span.insert((path, span), None);
        }
        let prefix_ends = |path: &[u8]| -> Vec<usize> {
            path.iter()
                .enumerate()
                .filter(|(_, b)| **b & 0x80 == 0)
                .map(|(k, _)| k + 1)
                .collect()
        };
        for l in interpreted.iter() {
            let path = l.path_bytes();
            let ends = prefix_ends(path);
            for &end in ends.iter().take(ends.len().saturating_sub(1)) {
                by_span.insert((&path[..end], l.span_bytes()), None);
            }
        }
        // The last statement with each pair, as a map of all of them keeps.
        for (i, l) in self.iter().enumerate() {
            if let Some(slot) = by_span.get_mut(&(l.path_bytes(), l.span_bytes())) {
                *slot = Some(i);
            }
        }
        let mut clears = Vec::new();
        for (path, span) in &uncommented {
            if let Some(&Some(i)) = by_span.get(&(path.as_slice(), span.as_slice())) {
                clears.push(i);
            }
        }
        let mut moves = Vec::new();
        for (j, l) in interpreted.iter().enumerate() {
            let path = l.path_bytes();
            let ends = prefix_ends(path);
            for cut in (1..ends.len()).rev() {
                if let Some(&Some(i)) = by_span.get(&(&path[..ends[cut - 1]], l.span_bytes())) {
                    moves.push((i, j));
                    break;
                }
            }
        }
        drop(by_span);
        if clears.is_empty() && moves.is_empty() {
            return;
        }
        let mut statements: std::collections::BTreeMap<usize, Location> = Default::default();
        for i in clears {
            let l = statements
                .entry(i)
                .or_insert_with(|| Loc { body: self.body(i) }.to_location());
            l.leading_comments = None;
            l.trailing_comments = None;
            l.leading_detached_comments.clear();
        }
        let mut targets: std::collections::BTreeMap<usize, Location> = Default::default();
        for (i, j) in moves {
            let from = statements
                .entry(i)
                .or_insert_with(|| Loc { body: self.body(i) }.to_location());
            let (leading, trailing, detached) = (
                from.leading_comments.take(),
                from.trailing_comments.take(),
                std::mem::take(&mut from.leading_detached_comments),
            );
            let to = targets.entry(lowered + j).or_insert_with(|| {
                Loc {
                    body: interpreted.body(j),
                }
                .to_location()
            });
            to.leading_comments = leading;
            to.trailing_comments = trailing;
            to.leading_detached_comments = detached;
        }
        for (slot, l) in statements.into_iter().chain(targets) {
            let start = changed.len() as u32;
            encode_location(changed, &l);
            slots[slot].buf = Buf::Changed;
            slots[slot].start = start;
            slots[slot].end = changed.len() as u32;
        }
    }
}

/// A path with the field numbers of `DescriptorProto` replaced by the order
/// descriptor.proto declares them in (`extension` = 6 comes before
/// `nested_type` = 3), which is how buf orders locations with equal spans.
fn declaration_order(path: Packed<'_>) -> impl Iterator<Item = i32> + '_ {
    const DESCRIPTOR_PROTO_ORDER: [(i32, i32); 10] = [
        (1, 0),
        (2, 1),
        (6, 2),
        (3, 3),
        (4, 4),
        (5, 5),
        (8, 6),
        (7, 7),
        (9, 8),
        (10, 9),
    ];
    // Positions 2, 4, ... hold a DescriptorProto field number while the
    // prefix is a message path `[4, i, (3, j)*]`.
    let mut in_message = None;
    path.enumerate().map(move |(k, n)| {
        if k == 0 {
            in_message = Some(n == 4);
        }
        if in_message != Some(true) || k < 2 || k % 2 != 0 {
            return n;
        }
        in_message = Some(n == 3);
        DESCRIPTOR_PROTO_ORDER
            .iter()
            .find(|(field, _)| *field == n)
            .map_or(n, |&(_, rank)| rank)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(path: &[i32], span: &[i32], leading: Option<&str>) -> Location {
        Location {
            path: path.to_vec(),
            span: span.to_vec(),
            leading_comments: leading.map(str::to_string),
            trailing_comments: None,
            leading_detached_comments: vec![" d ".to_string()],
        }
    }

    #[test]
    fn entries_are_prosts_encoding() {
        let locations = vec![
            loc(&[], &[0, 0, 9, 1], None),
            loc(&[4, 0, 2, 1], &[3, 2, 20], Some(" x\n")),
        ];
        let info = SourceInfo::from_locations(&locations);
        let sci = SourceCodeInfo {
            location: locations.clone(),
        };
        assert_eq!(info.encoded(), sci.encode_to_vec().as_slice());
        assert_eq!(info.to_prost(), sci);
        let second = info.iter().nth(1).unwrap();
        assert!(second.path_is(&[4, 0, 2, 1]));
        assert!(second.path_starts_with(&[4, 0]));
        assert!(!second.path_starts_with(&[4, 1]));
        assert_eq!(second.path_len(), 4);
        assert_eq!(&second.span()[..], &[3, 2, 20]);
        assert_eq!(second.leading_comments(), Some(" x\n"));
        assert_eq!(second.trailing_comments(), None);
        assert_eq!(
            second.leading_detached_comments().collect::<Vec<_>>(),
            [" d "]
        );
    }

    #[test]
    fn finish_sorts_and_moves_statement_comments() {
        let mut buf = LocBuf::default();
        // An option statement `option java_package = "x";` at [8] (file
        // options), a message, and the file's own location last.
        buf.push(&[4, 0], &[5, 0, 7, 1], Some(" msg\n"), None, []);
        buf.push(&[8], &[2, 0, 30], Some(" opt\n"), Some(" t\n"), [" det "]);
        buf.push(&[], &[0, 0, 7, 1], None, None, []);
        let mut interpreted = LocBuf::default();
        interpreted.push(&[8, 1], &[2, 0, 30], None, None, []);
        let info = buf.finish(interpreted, &[]);
        let got: Vec<Location> = info.iter().map(|l| l.to_location()).collect();
        let paths: Vec<&[i32]> = got.iter().map(|l| l.path.as_slice()).collect();
        assert_eq!(paths, [&[][..], &[8], &[8, 1], &[4, 0]]);
        assert_eq!(got[1].leading_comments, None);
        assert!(got[1].leading_detached_comments.is_empty());
        assert_eq!(got[2].leading_comments.as_deref(), Some(" opt\n"));
        assert_eq!(got[2].trailing_comments.as_deref(), Some(" t\n"));
        assert_eq!(got[2].leading_detached_comments, [" det "]);
        assert_eq!(got[3].leading_comments.as_deref(), Some(" msg\n"));
    }

    #[test]
    fn comments_move_once_and_the_last_equal_statement_gives_them() {
        let mut buf = LocBuf::default();
        // Two statements with one (path, span): the later one's comments go.
        buf.push(&[8], &[2, 0, 30], Some(" first\n"), None, []);
        buf.push(&[8], &[2, 0, 30], Some(" second\n"), None, []);
        let mut interpreted = LocBuf::default();
        interpreted.push(&[8, 1], &[2, 0, 30], None, None, []);
        interpreted.push(&[8, 11], &[2, 0, 30], None, None, []);
        let info = buf.finish(interpreted, &[]);
        let got: Vec<(Vec<i32>, Option<String>)> = info
            .iter()
            .map(|l| (l.path_vec(), l.leading_comments().map(str::to_string)))
            .collect();
        assert_eq!(
            got,
            [
                (vec![8], Some(" first\n".to_string())),
                (vec![8], None),
                (vec![8, 1], Some(" second\n".to_string())),
                (vec![8, 11], None),
            ]
        );
    }

    #[test]
    fn a_cleared_statement_has_nothing_to_give() {
        let mut buf = LocBuf::default();
        buf.push(&[8], &[2, 0, 30], Some(" opt\n"), None, []);
        let mut interpreted = LocBuf::default();
        interpreted.push(&[8, 1], &[2, 0, 30], None, None, []);
        let info = buf.finish(interpreted, &[(vec![8], vec![2, 0, 30])]);
        assert!(info.iter().all(|l| l.leading_comments().is_none()));
    }

    #[test]
    fn from_encoded_refuses_what_is_not_a_location() {
        let good = SourceInfo::from_locations(&[loc(&[4, 0], &[1, 0, 2], Some(" c\n"))]);
        assert_eq!(
            SourceInfo::from_encoded(good.encoded().to_vec()),
            Some(good.clone())
        );
        let mut truncated = good.encoded().to_vec();
        truncated.pop();
        assert_eq!(SourceInfo::from_encoded(truncated), None);
        // A varint field inside a location, and a foreign top-level field.
        assert_eq!(SourceInfo::from_encoded(vec![0x0a, 0x02, 0x08, 0x01]), None);
        assert_eq!(SourceInfo::from_encoded(vec![0x12, 0x00]), None);
        // Comments that are not UTF-8.
        assert_eq!(
            SourceInfo::from_encoded(vec![0x0a, 0x03, 0x1a, 0x01, 0xff]),
            None
        );
    }

    #[test]
    fn uncommented_statements_lose_their_comments() {
        let mut buf = LocBuf::default();
        buf.push(&[8], &[2, 0, 30], Some(" opt\n"), None, []);
        let info = buf.finish(LocBuf::default(), &[(vec![8], vec![2, 0, 30])]);
        let only = info.iter().next().unwrap();
        assert_eq!(only.leading_comments(), None);
        assert!(only.path_is(&[8]));
    }

    #[test]
    fn extension_before_nested_type_at_equal_spans() {
        let mut buf = LocBuf::default();
        buf.push(&[4, 0, 3, 0], &[1, 0, 5], None, None, []);
        buf.push(&[4, 0, 6, 0], &[1, 0, 5], None, None, []);
        buf.push(&[3, 0], &[1, 0, 5], None, None, []);
        let info = buf.finish(LocBuf::default(), &[]);
        let paths: Vec<Vec<i32>> = info.iter().map(|l| l.path_vec()).collect();
        assert_eq!(paths, [vec![3, 0], vec![4, 0, 6, 0], vec![4, 0, 3, 0]]);
    }

    #[test]
    fn filtered_keeps_bytes() {
        let locations = vec![
            loc(&[4, 0], &[1, 0, 2], None),
            loc(&[5, 0], &[2, 0, 2], None),
        ];
        let info = SourceInfo::from_locations(&locations);
        let kept = info.filtered(|l| l.path_starts_with(&[5]));
        assert_eq!(kept, SourceInfo::from_locations(&locations[1..]));
        let off = info.iter().next().map(|l| l.body().len()).unwrap();
        assert!(info.at((off + 2) as u32).unwrap().path_is(&[5, 0]));
    }
}
