//! Reading serialized messages: varints, and a message split into its
//! fields (for source info read in place, and for the code that edits
//! option bytes: the type filter, managed mode, plugin mode).

/// A varint and what follows it.
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

/// One field occurrence.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub number: i32,
    pub wire_type: u64,
    /// The whole record, tag included.
    pub record: &'a [u8],
    /// A scalar's raw bytes, a length-delimited value's contents, or a
    /// group's body.
    pub payload: &'a [u8],
}

/// The fields of `b` in order, and whether all of `b` parsed (malformed
/// input ends the list).
pub fn fields(b: &[u8]) -> (Vec<Field<'_>>, bool) {
    let mut out = Vec::new();
    let mut rest = b;
    while !rest.is_empty() {
        let Some(field) = next(rest) else {
            return (out, false);
        };
        rest = &rest[field.record.len()..];
        out.push(field);
    }
    (out, true)
}

/// The field at the start of `b`; None when it does not parse.
pub fn next(b: &[u8]) -> Option<Field<'_>> {
    let (key, after) = varint(b)?;
    let number = (key >> 3) as i32;
    let wire_type = key & 7;
    let (payload, rest) = match wire_type {
        0 => {
            let (_, rest) = varint(after)?;
            (&after[..after.len() - rest.len()], rest)
        }
        1 => (after.get(..8)?, after.get(8..)?),
        5 => (after.get(..4)?, after.get(4..)?),
        2 => {
            let (len, after) = varint(after)?;
            let len = usize::try_from(len).ok()?;
            (after.get(..len)?, after.get(len..)?)
        }
        3 => group_body(after, number)?,
        _ => return None,
    };
    Some(Field {
        number,
        wire_type,
        record: &b[..b.len() - rest.len()],
        payload,
    })
}

/// Splits `b` after the end-group tag matching `number`, nested groups
/// skipped: (the body, what follows the end tag).
fn group_body(b: &[u8], number: i32) -> Option<(&[u8], &[u8])> {
    let mut depth = vec![number];
    let mut rest = b;
    loop {
        let before = rest;
        let (key, after) = varint(rest)?;
        let n = (key >> 3) as i32;
        rest = after;
        match key & 7 {
            0 => rest = varint(rest)?.1,
            1 => rest = rest.get(8..)?,
            5 => rest = rest.get(4..)?,
            2 => {
                let (len, after) = varint(rest)?;
                rest = after.get(usize::try_from(len).ok()?..)?;
            }
            3 => depth.push(n),
            4 => {
                if depth.pop() != Some(n) {
                    return None;
                }
                if depth.is_empty() {
                    let body_len = b.len() - before.len();
                    return Some((&b[..body_len], rest));
                }
            }
            _ => return None,
        }
    }
}
