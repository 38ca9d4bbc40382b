//! What lies between significant tokens: the comments and how many line
//! breaks come before each. A `//` comment's own newline counts as a break
//! after it, so "// a⏎⏎// b" has two breaks before `b`: a blank line.

use crate::compiler::lexer::{Token, TokenKind};

#[derive(Clone, Copy, Debug)]
pub struct Comment {
    /// Index into the file's token list.
    pub tok: u32,
    /// Line breaks between the previous comment (or token) and this one.
    pub breaks_before: u32,
    pub is_line: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Gap {
    pub comments: Vec<Comment>,
    /// Line breaks after the last comment (or in the whole gap if none).
    pub breaks_after: u32,
}

impl Gap {
    /// Breaks in the whole gap.
    pub fn total_breaks(&self) -> u32 {
        self.comments.iter().map(|c| c.breaks_before).sum::<u32>() + self.breaks_after
    }
}

/// The significant tokens (indexes into `toks`) and the gap before each;
/// `gaps[sig.len()]` is the gap after the last one.
pub fn split(src: &str, toks: &[Token]) -> (Vec<u32>, Vec<Gap>) {
    let mut sig = Vec::with_capacity(toks.len() / 2);
    let mut gaps = Vec::with_capacity(toks.len() / 2 + 1);
    let mut cur = Gap::default();
    let mut breaks = 0u32;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            TokenKind::Whitespace => {
                breaks += t.text(src).bytes().filter(|&b| b == b'\n').count() as u32;
            }
            TokenKind::LineComment | TokenKind::BlockComment => {
                let is_line = t.kind == TokenKind::LineComment;
                cur.comments.push(Comment {
                    tok: i as u32,
                    breaks_before: breaks,
                    is_line,
                });
                breaks = u32::from(is_line && t.text(src).ends_with('\n'));
                // A block comment spanning lines does not put its own lines
                // between tokens: buf measures breaks outside comments only.
            }
            _ => {
                cur.breaks_after = breaks;
                gaps.push(std::mem::take(&mut cur));
                breaks = 0;
                sig.push(i as u32);
            }
        }
    }
    cur.breaks_after = breaks;
    gaps.push(cur);
    (sig, gaps)
}
