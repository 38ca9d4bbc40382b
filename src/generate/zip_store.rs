//! The archive buf writes for `.zip` and `.jar` outs, byte for byte: Go's
//! `archive/zip` with `FileHeader{Name, Method: Store}` per entry (no
//! timestamps, no extra fields, a data descriptor with its signature).

/// Builds the archive from (name, content) entries, written in the order given
/// (buf walks its in-memory bucket sorted by path).
pub fn store<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    struct Header<'a> {
        name: &'a str,
        flags: u16,
        crc: u32,
        size: u32,
        offset: u32,
    }
    let mut out: Vec<u8> = Vec::new();
    let mut headers: Vec<Header> = Vec::new();
    for (name, content) in entries {
        // Bit 3: sizes and CRC follow in a data descriptor; bit 11: the name
        // is UTF-8, set only when Go's detectUTF8 says the name needs it.
        let flags = 0x0008 | if needs_utf8_flag(name) { 0x0800 } else { 0 };
        let mut crc = flate2::Crc::new();
        crc.update(content);
        let header = Header {
            name,
            flags,
            crc: crc.sum(),
            // Archives past 4 GiB (zip64) are out of reach for generated code.
            size: content.len() as u32,
            offset: out.len() as u32,
        };
        put32(&mut out, 0x0403_4b50);
        put16(&mut out, 20); // version needed
        put16(&mut out, flags);
        put16(&mut out, 0); // method: store
        put16(&mut out, 0); // time
        put16(&mut out, 0); // date
        put32(&mut out, 0); // crc, sizes: in the descriptor
        put32(&mut out, 0);
        put32(&mut out, 0);
        put16(&mut out, name.len() as u16);
        put16(&mut out, 0); // extra length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(content);
        put32(&mut out, 0x0807_4b50);
        put32(&mut out, header.crc);
        put32(&mut out, header.size);
        put32(&mut out, header.size);
        headers.push(header);
    }
    let dir_start = out.len();
    for h in &headers {
        put32(&mut out, 0x0201_4b50);
        put16(&mut out, 20); // version made by
        put16(&mut out, 20); // version needed
        put16(&mut out, h.flags);
        put16(&mut out, 0); // method
        put16(&mut out, 0); // time
        put16(&mut out, 0); // date
        put32(&mut out, h.crc);
        put32(&mut out, h.size);
        put32(&mut out, h.size);
        put16(&mut out, h.name.len() as u16);
        put16(&mut out, 0); // extra
        put16(&mut out, 0); // comment
        put16(&mut out, 0); // disk number
        put16(&mut out, 0); // internal attributes
        put32(&mut out, 0); // external attributes
        put32(&mut out, h.offset);
        out.extend_from_slice(h.name.as_bytes());
    }
    let dir_len = out.len() - dir_start;
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, headers.len() as u16);
    put16(&mut out, headers.len() as u16);
    put32(&mut out, dir_len as u32);
    put32(&mut out, dir_start as u32);
    put16(&mut out, 0); // comment length
    out
}

/// Go's `detectUTF8(name)` "require" answer: a character outside the
/// CP-437-safe range (or a backslash) asks for the UTF-8 flag.
fn needs_utf8_flag(name: &str) -> bool {
    name.chars()
        .any(|c| (c as u32) < 0x20 || (c as u32) > 0x7d || c == '\\')
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
