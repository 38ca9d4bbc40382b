//! The lexer: turns source text into a lossless token stream. Every byte of the
//! input belongs to exactly one token (whitespace and comments included), so
//! concatenating token texts gives the file back unchanged.

use super::diag::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Ident,
    Int,
    Float,
    String,
    /// A single punctuation character such as `{`, `;` or `=`.
    Punct,
    /// Spaces, tabs, newlines and other whitespace, including `\r` and form feeds.
    Whitespace,
    LineComment,
    BlockComment,
    /// Bytes that cannot start any token; an error has been reported for them.
    Unknown,
}

impl TokenKind {
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// Lexes `src`. Lexing never fails: problems become diagnostics and the
/// offending bytes still form tokens so the stream stays lossless.
pub fn lex(src: &str, diags: &mut Vec<Diagnostic>) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::with_capacity(src.len() / 4);
    let mut i = 0usize;
    // A UTF-8 byte order mark at the start is whitespace.
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        tokens.push(Token {
            kind: TokenKind::Whitespace,
            start: 0,
            end: 3,
        });
        i = 3;
    }
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                while i < bytes.len()
                    && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
                {
                    i += 1;
                }
                TokenKind::Whitespace
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                if i < bytes.len() {
                    i += 1; // the newline ends the comment and belongs to it
                }
                TokenKind::LineComment
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                let mut closed = false;
                while i < bytes.len() {
                    if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        i += 2;
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    diags.push(Diagnostic::new(
                        start as u32,
                        i as u32,
                        "unterminated block comment",
                    ));
                }
                TokenKind::BlockComment
            }
            b'*' if bytes.get(i + 1) == Some(&b'/') => {
                // A comment closer with no comment open: reported, then
                // skipped like a comment.
                i += 2;
                diags.push(Diagnostic::new(
                    start as u32,
                    i as u32,
                    "encountered unmatched `*/` delimiter",
                ));
                TokenKind::BlockComment
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut non_ascii = false;
                while i < bytes.len() {
                    if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
                        i += 1;
                    } else if let Some(ch) = src[i..]
                        .chars()
                        .next()
                        .filter(|c| !c.is_ascii() && c.is_alphanumeric())
                    {
                        // `café`: one identifier, reported once, as buf does.
                        non_ascii = true;
                        i += ch.len_utf8();
                    } else {
                        break;
                    }
                }
                if non_ascii {
                    diags.push(Diagnostic::new(
                        start as u32,
                        i as u32,
                        "non-ASCII identifiers are not allowed",
                    ));
                }
                TokenKind::Ident
            }
            b'0'..=b'9' => lex_number(bytes, &mut i),
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => lex_number(bytes, &mut i),
            b'"' | b'\'' => {
                i += 1;
                let mut closed = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        // As buf: a newline does not end the literal.
                        b'\n' => {
                            diags.push(Diagnostic::new(
                                i as u32,
                                i as u32 + 1,
                                "unescaped newlines are not permitted in string literals",
                            ));
                            i += 1;
                        }
                        c if c == b => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                let i2 = i.min(bytes.len());
                i = i2;
                if !closed {
                    diags.push(Diagnostic::new(
                        start as u32,
                        i as u32,
                        "unterminated string literal",
                    ));
                }
                TokenKind::String
            }
            b'{' | b'}' | b'[' | b']' | b'(' | b')' | b'<' | b'>' | b';' | b',' | b'=' | b'.'
            | b':' | b'-' | b'+' | b'/' => {
                i += 1;
                TokenKind::Punct
            }
            _ => {
                // Consume one whole UTF-8 character.
                let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
                i += ch_len;
                let text = &src[start..i];
                // Other stray characters are the parser's to report, where
                // they stand (`unexpected `$` in message definition`).
                if b >= 0x80 && text.chars().all(char::is_alphanumeric) {
                    diags.push(Diagnostic::new(
                        start as u32,
                        i as u32,
                        "non-ASCII identifiers are not allowed",
                    ));
                }
                TokenKind::Unknown
            }
        };
        // Strings with escapes may have stepped past the end; clamp.
        let end = i.min(bytes.len());
        i = end;
        tokens.push(Token {
            kind,
            start: start as u32,
            end: end as u32,
        });
    }
    tokens
}

fn lex_number(bytes: &[u8], i: &mut usize) -> TokenKind {
    let start = *i;
    let mut float = false;
    if bytes[start] == b'0' && matches!(bytes.get(start + 1), Some(b'x' | b'X')) {
        *i += 2;
        while *i < bytes.len() && bytes[*i].is_ascii_hexdigit() {
            *i += 1;
        }
    } else {
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i < bytes.len() && bytes[*i] == b'.' {
            float = true;
            *i += 1;
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
        }
        if *i < bytes.len() && matches!(bytes[*i], b'e' | b'E') {
            let mut j = *i + 1;
            if j < bytes.len() && matches!(bytes[j], b'+' | b'-') {
                j += 1;
            }
            if j < bytes.len() && bytes[j].is_ascii_digit() {
                float = true;
                *i = j;
                while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                    *i += 1;
                }
            }
        }
    }
    // Letters glued to a number (`1foo`) stay part of the token so the error
    // points at the whole thing.
    while *i < bytes.len() && (bytes[*i].is_ascii_alphanumeric() || bytes[*i] == b'_') {
        *i += 1;
    }
    if float {
        TokenKind::Float
    } else {
        TokenKind::Int
    }
}

/// Maps byte offsets to line numbers and to the two column measures buf uses:
/// byte columns for compile errors and display-width columns (tab stop 4) for
/// source code info and lint findings.
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut line_starts = vec![0u32];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// Zero-based line of a byte offset.
    pub fn line(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line).copied().unwrap_or(0)
    }

    /// Zero-based (line, byte column).
    pub fn byte_pos(&self, offset: u32) -> (usize, usize) {
        let line = self.line(offset);
        (line, (offset - self.line_start(line)) as usize)
    }

    /// Zero-based (line, display column): tabs advance to the next multiple of
    /// four, other characters count their terminal width.
    /// A source-info span of `start..end`: `[line, column, end_column]` on
    /// one line, else `[line, column, end_line, end_column]` (the first
    /// `len` values of the array).
    pub fn span_values(&self, src: &str, start: u32, end: u32) -> ([i32; 4], usize) {
        let (l1, c1) = self.width_pos(src, start);
        let (l2, c2) = self.width_pos(src, end);
        if l1 == l2 {
            ([l1 as i32, c1 as i32, c2 as i32, 0], 3)
        } else {
            ([l1 as i32, c1 as i32, l2 as i32, c2 as i32], 4)
        }
    }

    pub fn width_pos(&self, src: &str, offset: u32) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.line_start(line) as usize;
        let text = src.get(start..offset as usize).unwrap_or_default();
        (line, display_width(text))
    }
}

/// Terminal width as buf measures it (rivo/uniseg): per grapheme cluster, so
/// characters joined by a ZWJ and skin-tone modifiers add nothing, and a
/// variation selector 16 widens its base to two columns. Tabs advance to the
/// next multiple of four.
pub fn display_width(text: &str) -> usize {
    if text.is_ascii() && !text.contains('\t') {
        return text.len();
    }
    let mut col = 0usize;
    // Width of the current cluster's base character, and whether the next
    // character is glued to it by a zero-width joiner.
    let mut base = 0usize;
    let mut joined = false;
    for ch in text.chars() {
        if ch == '\t' {
            col += 4 - col % 4;
            base = 0;
            joined = false;
        } else if ch == '\u{200d}' {
            joined = base > 0;
        } else if joined {
            joined = false;
        } else if ch == '\u{fe0f}' {
            if base == 1 {
                col += 1;
                base = 2;
            }
        } else if ('\u{1f3fb}'..='\u{1f3ff}').contains(&ch) && base == 2 {
            // An emoji modifier joins the emoji before it.
        } else {
            let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            if w > 0 {
                base = w;
            }
            col += w;
        }
    }
    col
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        let mut d = Vec::new();
        lex(src, &mut d)
            .iter()
            .map(|t| (t.kind, t.text(src).to_string()))
            .collect()
    }

    #[test]
    fn lexing_is_lossless_and_classifies_tokens() {
        let src = "syntax = \"proto3\"; // hi\n/* b */ message M{int32 x=0x1F;double d=1.5e3;}";
        let mut d = Vec::new();
        let toks = lex(src, &mut d);
        assert!(d.is_empty());
        let joined: String = toks.iter().map(|t| t.text(src)).collect();
        assert_eq!(joined, src);
        let k = kinds(src);
        assert!(k.contains(&(TokenKind::LineComment, "// hi\n".into())));
        assert!(k.contains(&(TokenKind::Int, "0x1F".into())));
        assert!(k.contains(&(TokenKind::Float, "1.5e3".into())));
    }

    #[test]
    fn unterminated_string_is_a_diagnostic_not_a_panic() {
        let mut d = Vec::new();
        let src = "option go_package = \"abc;";
        let toks = lex(src, &mut d);
        assert_eq!(d.len(), 1);
        assert_eq!(toks.last().map(|t| t.end), Some(src.len() as u32));
    }

    #[test]
    fn display_columns_use_tab_stop_four_and_wide_chars() {
        assert_eq!(display_width("\t"), 4);
        assert_eq!(display_width("ab\t"), 4);
        assert_eq!(display_width("日"), 2);
        assert_eq!(display_width("é"), 1);
        assert_eq!(display_width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(display_width("❤\u{fe0f}"), 2);
        assert_eq!(display_width("❤"), 1);
    }
}
