//! Attributes comments to significant tokens as buf 1.75.0 does (its rules
//! differ from protoc's in the corners; see `gap_runs`): a comment after a
//! token on its line trails it, comment runs separated by blank lines are
//! detached, and the run touching the next token leads it.

use super::lexer::{LineIndex, Token, TokenKind};

#[derive(Clone, Debug, Default)]
pub struct TokenComments {
    pub leading: Option<String>,
    pub detached: Vec<String>,
    /// The comment trailing this token (set on the token before the comments).
    pub trailing: Option<String>,
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

/// The comments of the significant tokens that have any, by the token's
/// index in `sig` order. Most tokens have none, so only those that do take
/// room.
#[derive(Debug, Default)]
pub struct Comments {
    entries: Vec<(u32, TokenComments)>,
}

impl Comments {
    pub fn get(&self, token: usize) -> Option<&TokenComments> {
        let i = self
            .entries
            .binary_search_by_key(&token, |(t, _)| *t as usize)
            .ok()?;
        self.entries.get(i).map(|(_, c)| c)
    }

    /// The entry of `token`, which is never before the last one made.
    fn entry(&mut self, token: usize) -> &mut TokenComments {
        if self
            .entries
            .last()
            .is_none_or(|(t, _)| *t as usize != token)
        {
            self.entries.push((token as u32, TokenComments::default()));
        }
        let last = self.entries.len() - 1;
        &mut self.entries[last].1
    }
}

/// The comments of each significant token (`sig` indexes `toks`).
pub fn attribute(src: &str, toks: &[Token], sig: &[u32], lines: &LineIndex) -> Comments {
    let mut out = Comments::default();
    // Walk each gap between significant tokens: (prev sig, trivia..., next sig).
    let mut prev_sig: Option<usize> = None;
    let mut tok_i = 0usize;
    for k in 0..=sig.len() {
        let next_tok = sig.get(k).map(|&i| i as usize);
        let gap_end = next_tok.unwrap_or(toks.len());
        let trivia = toks.get(tok_i..gap_end).unwrap_or_default();
        let next = next_tok.and_then(|i| toks.get(i));
        if !trivia.is_empty() {
            let (trailing, detached, leading) = gap_runs(
                src,
                trivia,
                prev_sig.and_then(|p| toks.get(sig[p] as usize)),
                next,
                lines,
            );
            // Nothing trails the file's last token: buf gives comments after
            // it to end of file.
            if let (Some(p), Some(t), true) = (prev_sig, trailing, next_tok.is_some()) {
                out.entry(p).trailing = Some(t);
            }
            if k < sig.len() && (leading.is_some() || !detached.is_empty()) {
                let e = out.entry(k);
                e.detached = detached;
                e.leading = leading;
            }
        }
        prev_sig = Some(k);
        tok_i = gap_end + 1;
    }
    out
}

/// One comment in a gap: its text as a comment body, its first and last
/// lines, and whether it is a `//` comment.
struct Comment {
    text: String,
    start_line: usize,
    end_line: usize,
    is_line: bool,
}

/// buf's attribution of the comments between two tokens. Comments form runs:
/// `//` comments on consecutive lines merge, a block comment stands alone.
/// The run touching the next token (no blank line between) leads it, unless
/// that token closes a scope. The first run, if it starts on the previous
/// token's line or the one after, trails the previous token with its first
/// comment only (a same-line `//` comment without its newline). Runs in
/// between are detached. Comments that end on the next token's line belong
/// to nothing.
fn gap_runs(
    src: &str,
    trivia: &[Token],
    prev: Option<&Token>,
    next: Option<&Token>,
    lines: &LineIndex,
) -> (Option<String>, Vec<String>, Option<String>) {
    let mut comments = Vec::new();
    for t in trivia {
        let text = t.text(src);
        match t.kind {
            TokenKind::LineComment => comments.push(Comment {
                text: line_comment_text(text).to_string(),
                start_line: lines.line(t.start),
                end_line: lines.line(t.start),
                is_line: true,
            }),
            TokenKind::BlockComment if text != "/**/" => comments.push(Comment {
                text: block_comment_text(text),
                start_line: lines.line(t.start),
                end_line: lines.line(t.end.saturating_sub(1)),
                is_line: false,
            }),
            _ => {}
        }
    }
    if comments.is_empty() {
        return (None, Vec::new(), None);
    }
    let prev_line = prev.map(|p| lines.line(p.end.saturating_sub(1).max(p.start)));
    let next_line = next.map(|n| lines.line(n.start));
    let closes_scope = next.is_none_or(|n| matches!(n.text(src), "}" | "]" | ")"));
    // A `//` comment on the previous token's line trails it, on its own.
    let same_line = match (prev_line, comments.first()) {
        (Some(pl), Some(first)) if first.is_line && first.start_line == pl => {
            Some(comments.remove(0))
        }
        _ => None,
    };
    // Group the rest into runs.
    let mut runs: Vec<Vec<Comment>> = Vec::new();
    for c in comments {
        match runs.last_mut() {
            Some(run)
                if c.is_line
                    && run
                        .last()
                        .is_some_and(|l| l.is_line && l.end_line + 1 == c.start_line) =>
            {
                run.push(c)
            }
            _ => runs.push(vec![c]),
        }
    }
    let join = |run: &Vec<Comment>| run.iter().map(|c| c.text.as_str()).collect::<String>();
    let last_end = runs
        .last()
        .and_then(|r| r.last())
        .map(|c| c.end_line)
        .or(same_line.as_ref().map(|c| c.end_line));
    let leading_idx = match (next_line, runs.last().and_then(|r| r.last())) {
        (Some(nl), Some(last)) if !closes_scope && last.end_line + 1 == nl => Some(runs.len() - 1),
        _ => None,
    };
    let mut first_free = 0;
    let trailing = if let Some(c) = &same_line {
        Some(c.text.strip_suffix('\n').unwrap_or(&c.text).to_string())
    } else {
        match (prev_line, runs.first()) {
            (Some(pl), Some(run))
                if leading_idx != Some(0)
                    && run
                        .first()
                        .is_some_and(|c| c.start_line == pl || c.start_line == pl + 1) =>
            {
                first_free = 1;
                Some(join(run))
            }
            _ => None,
        }
    };
    // After a `;` or a `}` (a declaration's end, not a `{`) with a comment
    // starting on its line, the run starting on the next line goes with that
    // comment (and is dropped), unless it leads the next token. Only that one
    // run: one starting after a multi-line block comment, or after it, stays.
    let after_declaration = prev.is_some_and(|p| matches!(p.text(src), ";" | "}"));
    let trails_on_its_line = same_line.is_some()
        || (first_free == 1
            && runs
                .first()
                .and_then(|r| r.first())
                .is_some_and(|c| Some(c.start_line) == prev_line));
    if let (true, true, Some(pl), Some(run)) = (
        after_declaration,
        trails_on_its_line,
        prev_line,
        runs.get(first_free),
    ) && Some(first_free) != leading_idx
        && run.first().is_some_and(|c| c.start_line == pl + 1)
    {
        first_free += 1;
    }
    // Comments ending on the next token's line belong to nothing (a `//`
    // comment on the previous token's line still trails it).
    if next_line.is_some() && last_end == next_line {
        let trailing = same_line
            .map(|c| c.text.strip_suffix('\n').unwrap_or(&c.text).to_string())
            .filter(|t| !t.is_empty());
        return (trailing, Vec::new(), None);
    }
    let end_detached = leading_idx.unwrap_or(runs.len());
    let detached = if closes_scope {
        Vec::new()
    } else {
        runs.get(first_free..end_detached)
            .unwrap_or_default()
            .iter()
            .map(join)
            .collect()
    };
    let leading = leading_idx.and_then(|i| runs.get(i)).map(join);
    // An empty trailing comment (`//` alone) is no comment to buf.
    (trailing.filter(|t| !t.is_empty()), detached, leading)
}
