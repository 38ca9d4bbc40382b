//! Attributes comments to significant tokens the way protoc's tokenizer does:
//! a comment after a token on its line trails it; comment blocks separated by
//! blank lines are detached; the block touching the next token leads it.

use super::lexer::{LineIndex, Token, TokenKind};

#[derive(Clone, Debug, Default)]
pub struct TokenComments {
    pub leading: Option<String>,
    pub detached: Vec<String>,
    /// The comment trailing this token (set on the token before the comments).
    pub trailing: Option<String>,
}

#[derive(Default)]
struct Collector {
    buffer: String,
    has_comment: bool,
    is_line: bool,
    can_attach_to_prev: bool,
    trailing: Option<String>,
    detached: Vec<String>,
    num_comments: usize,
}

impl Collector {
    fn for_line(&mut self) -> &mut String {
        if self.has_comment && !self.is_line {
            self.flush();
        }
        self.has_comment = true;
        self.is_line = true;
        &mut self.buffer
    }
    fn for_block(&mut self) -> &mut String {
        if self.has_comment {
            self.flush();
        }
        self.has_comment = true;
        self.is_line = false;
        &mut self.buffer
    }
    fn clear(&mut self) {
        self.buffer.clear();
        self.has_comment = false;
    }
    fn flush(&mut self) {
        if self.has_comment {
            if self.can_attach_to_prev {
                self.trailing
                    .get_or_insert_with(String::new)
                    .push_str(&self.buffer);
                self.can_attach_to_prev = false;
            } else {
                self.detached.push(std::mem::take(&mut self.buffer));
            }
            self.clear();
            self.num_comments += 1;
        }
    }
    fn maybe_detach(&mut self) {
        let count = self.num_comments + usize::from(self.has_comment);
        if count == 1 {
            if let Some(t) = self.trailing.take() {
                self.detached.insert(0, t);
            }
            self.can_attach_to_prev = false;
            self.flush();
        }
    }
}

fn line_comment_text(text: &str) -> &str {
    text.strip_prefix("//").unwrap_or(text)
}

fn block_comment_text(text: &str) -> String {
    let inner = text.strip_prefix("/*").unwrap_or(text);
    let inner = inner.strip_suffix("*/").unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut first = true;
    for line in inner.split_inclusive('\n') {
        if first {
            out.push_str(line);
            first = false;
            continue;
        }
        let trimmed = line.trim_start_matches([' ', '\t', '\r', '\x0b', '\x0c']);
        let trimmed = trimmed.strip_prefix('*').unwrap_or(trimmed);
        out.push_str(trimmed);
    }
    out
}

/// Returns one entry per significant token (in `sig` order).
pub fn attribute(src: &str, toks: &[Token], sig: &[u32], lines: &LineIndex) -> Vec<TokenComments> {
    let mut out: Vec<TokenComments> = vec![TokenComments::default(); sig.len()];
    // Walk each gap between significant tokens: (prev sig, trivia..., next sig).
    let mut prev_sig: Option<usize> = None;
    let mut tok_i = 0usize;
    for k in 0..=sig.len() {
        let next_tok = sig.get(k).map(|&i| i as usize);
        let gap_end = next_tok.unwrap_or(toks.len());
        let trivia = &toks[tok_i..gap_end];
        let next = next_tok.and_then(|i| toks.get(i));
        let (trailing, detached, leading) = gap(
            src,
            trivia,
            prev_sig.and_then(|p| toks.get(sig[p] as usize)),
            next,
            lines,
        );
        if let (Some(p), Some(t)) = (prev_sig, trailing) {
            out[p].trailing = Some(t);
        }
        if k < sig.len() {
            out[k].detached = detached;
            out[k].leading = leading;
        }
        prev_sig = Some(k);
        tok_i = gap_end + 1;
    }
    out
}

/// A cursor over trivia at "character" granularity sufficient for protoc's
/// algorithm: whitespace runs are split at newlines.
enum Piece<'a> {
    /// Whitespace with no newline.
    Space,
    Newline,
    Line(&'a str, usize),
    Block(&'a str, usize),
}

fn pieces<'a>(src: &'a str, trivia: &[Token], lines: &LineIndex) -> Vec<Piece<'a>> {
    let mut v = Vec::new();
    for t in trivia {
        let text = t.text(src);
        match t.kind {
            TokenKind::Whitespace => {
                let mut parts = text.split('\n').peekable();
                while let Some(p) = parts.next() {
                    if !p.is_empty() {
                        v.push(Piece::Space);
                    }
                    if parts.peek().is_some() {
                        v.push(Piece::Newline);
                    }
                }
            }
            TokenKind::LineComment => {
                let line = lines.line(t.start);
                v.push(Piece::Line(text, line));
                // The newline that ends a line comment belongs to it in protoc too.
            }
            // buf ignores empty block comments (`/**/`) entirely.
            TokenKind::BlockComment if text == "/**/" => v.push(Piece::Space),
            TokenKind::BlockComment => {
                let end_line = lines.line(t.end.saturating_sub(1));
                v.push(Piece::Block(text, end_line));
            }
            _ => {}
        }
    }
    v
}

fn gap(
    src: &str,
    trivia: &[Token],
    prev: Option<&Token>,
    next: Option<&Token>,
    lines: &LineIndex,
) -> (Option<String>, Vec<String>, Option<String>) {
    let ps = pieces(src, trivia, lines);
    let mut c = Collector::default();
    let mut i = 0usize;
    let mut trailing_end_line: Option<usize> = None;
    // At the start of the file protoc compares against line 0.
    let prev_line = prev.map_or(0, |p| lines.line(p.end.saturating_sub(1).max(p.start)));
    let next_line = next.map(|n| lines.line(n.start));
    let skip_space = |i: &mut usize| {
        while matches!(ps.get(*i), Some(Piece::Space)) {
            *i += 1;
        }
    };
    if prev.is_none() {
        c.can_attach_to_prev = false;
    } else {
        c.can_attach_to_prev = true;
        skip_space(&mut i);
        match ps.get(i) {
            Some(Piece::Line(text, line)) => {
                trailing_end_line = Some(*line);
                // buf drops the newline of a same-line trailing comment.
                let body = line_comment_text(text);
                let body = body.strip_suffix('\n').unwrap_or(body);
                c.for_line().push_str(body);
                i += 1;
                c.flush();
            }
            Some(Piece::Block(text, end_line)) => {
                c.for_block().push_str(&block_comment_text(text));
                trailing_end_line = Some(*end_line);
                i += 1;
                skip_space(&mut i);
                if !matches!(ps.get(i), Some(Piece::Newline)) {
                    // The next token is on the same line: nobody gets it.
                    return (None, Vec::new(), None);
                }
                i += 1;
                c.flush();
            }
            Some(Piece::Newline) => i += 1,
            _ => return (None, Vec::new(), None),
        }
    }
    loop {
        skip_space(&mut i);
        match ps.get(i) {
            Some(Piece::Line(text, _)) => {
                c.for_line().push_str(line_comment_text(text));
                i += 1;
            }
            Some(Piece::Block(text, _)) => {
                c.for_block().push_str(&block_comment_text(text));
                i += 1;
                skip_space(&mut i);
                if matches!(ps.get(i), Some(Piece::Newline)) {
                    i += 1;
                }
            }
            Some(Piece::Newline) => {
                i += 1;
                c.flush();
                c.can_attach_to_prev = false;
            }
            Some(Piece::Space) => i += 1,
            None => {
                let next_text = next.map(|n| n.text(src));
                if next.is_none() || matches!(next_text, Some("}" | "]" | ")")) {
                    c.flush();
                }
                if let Some(nl) = next_line
                    && (prev_line == nl || trailing_end_line == Some(nl))
                {
                    c.maybe_detach();
                }
                let leading = if c.has_comment {
                    Some(std::mem::take(&mut c.buffer))
                } else {
                    None
                };
                // buf drops the comments before a token when the last of them
                // ends on that token's line (`/* c */ message M {}`).
                if let (Some(nl), Some(last_end)) = (next_line, last_comment_end_line(&ps))
                    && last_end == nl
                    && !matches!(ps.last(), Some(Piece::Newline))
                {
                    return (c.trailing, Vec::new(), None);
                }
                return (c.trailing, c.detached, leading);
            }
        }
    }
}

/// The line on which the last comment of a gap ends, if the gap has one and
/// nothing but spaces follows it.
fn last_comment_end_line(ps: &[Piece<'_>]) -> Option<usize> {
    for p in ps.iter().rev() {
        match p {
            Piece::Space => continue,
            Piece::Block(_, end_line) => return Some(*end_line),
            _ => return None,
        }
    }
    None
}
