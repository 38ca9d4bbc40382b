//! The printer: buf format's layout (protocompile's printer, legacy preset)
//! over the token stream of a file that parsed cleanly. It walks the
//! significant tokens declaration by declaration, the way the parser saw
//! them, and prints every token and every comment exactly once; only
//! separators buf drops (`;` of empty statements, `,`/`;` in message
//! literals, a trailing `,` in `[...]`) are left out, and `<`/`>` of message
//! literals become `{`/`}`.

use super::header;
use super::out::{Out, Spacing, comment_lines};
use super::trivia::{self, Comment, Gap};
use crate::compiler::ParsedFile;
use crate::compiler::lexer::{Token, TokenKind};
use std::collections::HashSet;

/// Insertions `source edit deprecate` asks of the printer, by the byte
/// offset of the token they attach to.
#[derive(Debug, Default)]
pub struct Edits {
    /// Add `option deprecated = true;` to the file's options.
    pub file_option: bool,
    /// `{` of bodies that get `option deprecated = true;` first.
    pub body_first: HashSet<u32>,
    /// `;` of methods without a body: they get one holding the option.
    pub method_body: HashSet<u32>,
    /// `[` of compact options that get `deprecated = true` first.
    pub compact_first: HashSet<u32>,
    /// `;` of fields and enum values that get `[deprecated = true]` before it.
    pub compact_new: HashSet<u32>,
    /// `false` values of existing `deprecated` options, printed as `true`.
    pub make_true: HashSet<u32>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        !self.file_option
            && self.body_first.is_empty()
            && self.method_body.is_empty()
            && self.compact_first.is_empty()
            && self.compact_new.is_empty()
            && self.make_true.is_empty()
    }
}

const DEPRECATED_OPTION: &str = "option deprecated = true;";
/// The `first` of the file option `source edit deprecate` adds.
pub(super) const SYNTHETIC_FILE_OPTION: usize = usize::MAX;

pub fn print(parsed: &ParsedFile) -> String {
    print_with(parsed, &Edits::default())
}

pub fn print_with(parsed: &ParsedFile, edits: &Edits) -> String {
    let src: &str = &parsed.source.text;
    let (sig, gaps) = trivia::split(src, &parsed.tokens);
    let used = vec![0usize; gaps.len()];
    let mut p = Printer {
        src,
        toks: &parsed.tokens,
        sig,
        gaps,
        used,
        out: Out::new(src.len() + src.len() / 8),
        tight: false,
        in_array_element: false,
        edits,
        in_signature: false,
    };
    p.file()
}

/// How a token wants to be separated from what precedes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum G {
    /// Glued (`.` in paths, `(` of a signature); comments glued too.
    Glue,
    /// Glued, but comments get a space on each side.
    None,
    Space,
    /// `;` and `,`: glued, comments spaced and kept on the line.
    Inline,
    /// Glued, but comments get a space on each side (`:` of a literal).
    Attach,
    Newline,
}

/// One declaration in a scope: its first and last significant token.
#[derive(Clone, Copy, Debug)]
pub(super) struct DeclRange {
    pub first: usize,
    pub last: usize,
}

struct Printer<'a> {
    src: &'a str,
    toks: &'a [Token],
    sig: Vec<u32>,
    gaps: Vec<Gap>,
    /// How many comments of each gap have been printed.
    used: Vec<usize>,
    out: Out,
    /// `//` comments trailing a token are printed as `/* */` (a `//` here
    /// would swallow the next token on the line).
    tight: bool,
    /// Printing an array element (compound strings stay at its level).
    in_array_element: bool,
    edits: &'a Edits,
    /// Inside the parentheses of an rpc signature.
    in_signature: bool,
}

impl<'a> Printer<'a> {
    fn n(&self) -> usize {
        self.sig.len()
    }

    fn token(&self, k: usize) -> Option<&'a Token> {
        self.sig.get(k).and_then(|&i| self.toks.get(i as usize))
    }

    /// The byte offset of significant token `k`.
    fn offset(&self, k: usize) -> u32 {
        self.token(k).map_or(u32::MAX, |t| t.start)
    }

    fn t(&self, k: usize) -> &'a str {
        if self.edits.make_true.contains(&self.offset(k)) {
            return "true";
        }
        self.token(k).map_or("", |t| t.text(self.src))
    }

    fn kind(&self, k: usize) -> Option<TokenKind> {
        self.token(k).map(|t| t.kind)
    }

    fn is(&self, k: usize, text: &str) -> bool {
        self.t(k) == text
    }

    fn is_ident(&self, k: usize) -> bool {
        self.kind(k) == Some(TokenKind::Ident)
    }

    fn is_string(&self, k: usize) -> bool {
        self.kind(k) == Some(TokenKind::String)
    }

    /// Whether the source between significant tokens `k - 1` and `k` has a
    /// line holding only spaces and tabs (a CRLF line's `\r` does not
    /// count, as for buf between message-literal fields without separator).
    fn strict_blank_before(&self, k: usize) -> bool {
        let (Some(&a), Some(&b)) = (self.sig.get(k.wrapping_sub(1)), self.sig.get(k)) else {
            return false;
        };
        let (a, b) = (a as usize, b as usize);
        (a + 1..b).any(|i| {
            let t = &self.toks[i];
            if t.kind != TokenKind::Whitespace {
                return false;
            }
            // After a `//` comment (which ends with its newline) the first
            // piece is a whole line too.
            let after_line_comment = self.toks[i - 1].kind == TokenKind::LineComment;
            let text = t.text(self.src);
            let pieces: Vec<&str> = text.split('\n').collect();
            let skip = usize::from(!after_line_comment);
            pieces
                .iter()
                .take(pieces.len().saturating_sub(1))
                .skip(skip)
                .any(|l| l.bytes().all(|c| c == b' ' || c == b'\t'))
        })
    }

    /// Whether the raw token next to raw token `i` (before: -1, after: 1)
    /// is whitespace; after a token, whitespace holding a newline does not
    /// count.
    fn raw_is_space(&self, i: usize, dir: isize) -> bool {
        let j = i as isize + dir;
        if j < 0 {
            return false;
        }
        match self.toks.get(j as usize) {
            Some(t) if t.kind == TokenKind::Whitespace => {
                dir < 0 || !t.text(self.src).contains('\n')
            }
            _ => false,
        }
    }

    fn comment_text(&self, c: &Comment) -> &'a str {
        self.toks
            .get(c.tok as usize)
            .map_or("", |t| t.text(self.src))
    }

    /// The index of the bracket closing the one at `k` (or the last token).
    fn matching(&self, k: usize) -> usize {
        let mut depth = 0usize;
        let mut i = k;
        while i < self.n() {
            match self.t(i) {
                "{" | "[" | "(" | "<" => depth += 1,
                "}" | "]" | ")" | ">" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.n().saturating_sub(1)
    }

    // ---- comments -------------------------------------------------------

    fn remaining(&self, gap: usize) -> Vec<Comment> {
        self.gaps
            .get(gap)
            .map(|g| g.comments[self.used[gap].min(g.comments.len())..].to_vec())
            .unwrap_or_default()
    }

    fn mark_all_used(&mut self, gap: usize) {
        if let Some(g) = self.gaps.get(gap) {
            self.used[gap] = g.comments.len();
        }
    }

    fn emit_comment(&mut self, c: &Comment, as_block: bool) {
        let text = self.comment_text(c);
        let lines = comment_lines(text, as_block && c.is_line);
        self.out.lines(&lines);
        if c.is_line && !as_block {
            self.out.gap(Spacing::Newline);
        }
    }

    /// Comments on the same line right after token `k`: printed after it,
    /// each with one space before (and after, for a block comment). A `//`
    /// comment ends the line unless the position is tight, where it becomes
    /// a block comment. Returns whether any was printed.
    fn trailing(&mut self, k: usize) -> bool {
        let gap = k + 1;
        let rem = self.remaining(gap);
        let mut printed = false;
        for c in rem.iter() {
            if c.breaks_before > 0 {
                break;
            }
            self.out.gap(Spacing::Space);
            let tight = self.tight;
            self.emit_comment(c, tight);
            self.used[gap] += 1;
            printed = true;
            if c.is_line {
                break;
            }
            self.out.gap(Spacing::Space);
        }
        printed
    }

    /// Prints significant token `k` after the comments still before it.
    /// Those on the line of the previous token trail it; the others lead
    /// this token, laid out according to `g`.
    fn tok(&mut self, k: usize, g: G) {
        self.tok_as(k, g, None);
    }

    fn tok_as(&mut self, k: usize, g: G, text: Option<&str>) {
        let rem = self.remaining(k);
        if rem.is_empty() {
            self.out.gap(space_of(g));
        } else if g == G::Glue {
            // Inside paths and `map<...>` buf keeps the source's spacing
            // around comments: a space before where there was whitespace
            // (not right after `(`), a space after where spaces followed.
            self.mark_all_used(k);
            let after_paren = k > 0 && self.is(k - 1, "(") && !self.in_signature;
            // `map< // c` keeps its line comment
            let after_angle = k > 0 && self.is(k - 1, "<");
            for (i, c) in rem.iter().enumerate() {
                let before_ws = self.raw_is_space(c.tok as usize, -1);
                if before_ws && !(i == 0 && after_paren) {
                    self.out.gap(Spacing::Space);
                }
                let tight = self.tight && !after_angle;
                self.emit_comment(c, tight);
                if !c.is_line && self.raw_is_space(c.tok as usize, 1) {
                    self.out.gap(Spacing::Space);
                }
            }
        } else {
            self.mark_all_used(k);
            let same_line = if g == G::Newline {
                0
            } else {
                let mut n = 0;
                for c in &rem {
                    if c.breaks_before > 0 {
                        break;
                    }
                    n += 1;
                    if c.is_line {
                        break;
                    }
                }
                n
            };
            let (trail, lead) = rem.split_at(same_line);
            let tight = self.tight;
            let mut last_line_kept = false;
            let mut last_was_line = false;
            for c in trail {
                self.out.gap(Spacing::Space);
                self.emit_comment(c, tight);
                last_line_kept = c.is_line && !tight;
                last_was_line = c.is_line;
            }
            match g {
                G::Newline => {
                    // A token that starts a line: its comments go on lines
                    // of their own.
                    for c in lead {
                        self.out.gap(Spacing::Newline);
                        self.emit_comment(c, false);
                    }
                    self.out.gap(Spacing::Newline);
                }
                _ if last_line_kept && lead.is_empty() => {}
                _ => {
                    for c in lead {
                        self.out.gap(Spacing::Space);
                        self.emit_comment(c, true);
                        last_was_line = c.is_line;
                    }
                    match g {
                        G::Space => self.out.gap(Spacing::Space),
                        G::Glue if !last_was_line => self.out.gap(Spacing::Space),
                        G::Attach => self.out.gap(Spacing::Space),
                        _ => {}
                    }
                }
            }
        }
        let t = text.unwrap_or_else(|| self.t(k));
        self.out.text(t);
    }

    /// The comments in gaps `from..=to` not printed yet, as one run: each
    /// with the breaks before it, and the breaks after the last.
    fn collect(&mut self, from: usize, to: usize) -> (Vec<Comment>, u32) {
        let mut run = Vec::new();
        let mut carry = 0u32;
        for gap in from..=to.min(self.gaps.len().saturating_sub(1)) {
            let start = self.used[gap];
            let g = &self.gaps[gap];
            run.extend_from_slice(&g.comments[start.min(g.comments.len())..]);
            // buf sees a blank line only within one gap: breaks on both
            // sides of a dropped `;` do not add up.
            carry = g.breaks_after;
            self.used[gap] = g.comments.len();
        }
        (run, carry)
    }

    /// Prints a run of comments on lines of their own, keeping one blank
    /// line where the source had any. `first` is the space before the first.
    fn own_lines(&mut self, run: &[Comment], first: Spacing) {
        for (i, c) in run.iter().enumerate() {
            if i == 0 {
                self.out.gap(first);
            } else if c.breaks_before >= 2 {
                self.out.gap(Spacing::Blank);
            } else {
                self.out.gap(Spacing::Newline);
            }
            self.emit_comment(c, false);
        }
    }

    /// The comments before an item that starts a line (a declaration, an
    /// option entry, a literal field or element), on lines of their own:
    /// the first after a blank line if `blank`, and a blank line before the
    /// item where the source had one. With `pair_block`, a block comment on
    /// the item's own line stays on it; returns whether that happened.
    fn lines_before(&mut self, from: usize, to: usize, blank: bool, pair_block: bool) -> bool {
        let (run, after) = self.collect(from, to);
        if run.is_empty() {
            self.out.gap(Spacing::line(blank));
            return false;
        }
        self.own_lines(&run, Spacing::line(blank));
        if pair_block && after == 0 && run.last().is_some_and(|c| !c.is_line) {
            self.out.gap(Spacing::Space);
            return true;
        }
        self.out.gap(Spacing::line(after >= 2));
        false
    }

    // ---- scopes ---------------------------------------------------------

    /// Declarations of the scope between `from` and `to` (exclusive).
    fn split_decls(&self, from: usize, to: usize) -> Vec<DeclRange> {
        let mut decls = Vec::new();
        let mut k = from;
        while k < to {
            let last = self.decl_end(k, to);
            decls.push(DeclRange { first: k, last });
            k = last + 1;
        }
        decls
    }

    /// The last token of the declaration starting at `k`: its `;`, or the
    /// `}` of its body.
    fn decl_end(&self, k: usize, to: usize) -> usize {
        let mut i = k;
        while i < to {
            let t = self.t(i);
            let literal = i > k && matches!(self.t(i - 1), "=" | ":");
            match t {
                ";" => return i,
                "{" if !literal => return self.matching(i).min(to - 1),
                "{" | "[" | "(" | "<" => {
                    i = self.matching(i);
                }
                _ => {}
            }
            i += 1;
        }
        to.saturating_sub(1).max(k)
    }

    fn is_empty_decl(&self, d: DeclRange) -> bool {
        d.first == d.last && self.is(d.first, ";")
    }

    fn file(&mut self) -> String {
        let n = self.n();
        let decls: Vec<DeclRange> = self
            .split_decls(0, n)
            .into_iter()
            .filter(|d| !self.is_empty_decl(*d))
            .collect();
        if decls.is_empty() {
            let (run, _) = self.collect(0, n);
            if run.is_empty() {
                return String::new();
            }
            self.own_lines(&run, Spacing::None);
            let out = std::mem::replace(&mut self.out, Out::new(0));
            // buf starts a file of comments only with an empty line.
            return out.finish(true);
        }
        let mut decls = decls;
        // Same-line comments after each declaration move with it.
        let trailing: Vec<Vec<Comment>> = decls
            .iter()
            .map(|d| {
                let gap = d.last + 1;
                let mut list = Vec::new();
                for c in self.remaining(gap) {
                    if c.breaks_before > 0 {
                        break;
                    }
                    list.push(c);
                    if c.is_line {
                        break;
                    }
                }
                list
            })
            .collect();
        for (d, list) in decls.iter().zip(&trailing) {
            self.used[d.last + 1] += list.len();
        }
        // Per source declaration: the comments before it that a blank line
        // separates from it (they stay at their place in the file), the ones
        // attached to it (they move with it), and whether a blank line
        // followed the previous declaration.
        let mut detached: Vec<Vec<Comment>> = Vec::with_capacity(decls.len());
        let mut attached: Vec<(Vec<Comment>, u32)> = Vec::with_capacity(decls.len());
        let mut blank_after_prev = Vec::with_capacity(decls.len());
        let mut from = 0usize;
        for (i, d) in decls.iter().enumerate() {
            blank_after_prev.push(i > 0 && self.first_breaks(from, d.first) >= 2);
            let (run, after) = self.collect(from, d.first);
            let mut split = 0;
            for (j, c) in run.iter().enumerate() {
                if j > 0 && c.breaks_before >= 2 {
                    split = j;
                }
            }
            if after >= 2 {
                split = run.len();
            }
            let (det, att) = run.split_at(split);
            detached.push(det.to_vec());
            attached.push((att.to_vec(), after));
            from = d.last + 1;
        }
        let last_end = decls.last().map_or(0, |d| d.last);
        let mut trailing = trailing;
        if self.edits.file_option {
            decls.push(DeclRange {
                first: SYNTHETIC_FILE_OPTION,
                last: SYNTHETIC_FILE_OPTION,
            });
            detached.push(Vec::new());
            attached.push((Vec::new(), 0));
            blank_after_prev.push(false);
            trailing.push(Vec::new());
        }
        let order = header::sort(&*self, &decls);
        let mut next_slot = 0usize;
        let mut prev_rank: Option<header::Rank> = None;
        for &si in &order {
            let d = decls[si];
            let rank = header::rank(&*self, d);
            let g = match prev_rank {
                None => Spacing::None,
                Some(prev) => header::gap(prev, rank, blank_after_prev[si]),
            };
            let mut first = true;
            let mut after_detached = false;
            while next_slot <= si {
                let slot = std::mem::take(&mut detached[next_slot]);
                for (j, c) in slot.iter().enumerate() {
                    let sep = if first {
                        g
                    } else if j == 0 || c.breaks_before >= 2 {
                        Spacing::Blank
                    } else {
                        Spacing::Newline
                    };
                    self.out.gap(sep);
                    self.emit_comment(c, false);
                    first = false;
                }
                if !slot.is_empty() {
                    after_detached = true;
                }
                next_slot += 1;
            }
            let (att, after) = std::mem::take(&mut attached[si]);
            for (j, c) in att.iter().enumerate() {
                let sep = if first {
                    g
                } else if (j == 0 && after_detached) || c.breaks_before >= 2 {
                    Spacing::Blank
                } else {
                    Spacing::Newline
                };
                self.out.gap(sep);
                self.emit_comment(c, false);
                first = false;
                after_detached = false;
            }
            if first {
                self.out.gap(g);
            } else if after_detached || after >= 2 {
                self.out.gap(Spacing::Blank);
            } else {
                self.out.gap(Spacing::Newline);
            }
            self.decl(d);
            for c in &trailing[si] {
                self.out.gap(Spacing::Space);
                self.emit_comment(c, false);
            }
            prev_rank = Some(rank);
        }
        // Comments after the last declaration.
        let blank = self.first_breaks(last_end + 1, n) >= 2;
        let (run, _) = self.collect(last_end + 1, n);
        self.own_lines(&run, Spacing::line(blank));
        let out = std::mem::replace(&mut self.out, Out::new(0));
        out.finish(false)
    }

    /// Line breaks between what was printed last before gap `from` and the
    /// first comment not printed yet (or token `first`).
    fn first_breaks(&self, from: usize, first: usize) -> u32 {
        let mut acc = 0u32;
        for gap in from..=first.min(self.gaps.len().saturating_sub(1)) {
            let g = &self.gaps[gap];
            let start = self.used[gap];
            if let Some(c) = g.comments.get(start) {
                return c.breaks_before;
            }
            acc = g.breaks_after;
        }
        acc
    }

    /// Prints a body `{ ... }` whose `{` is at `open`; returns the `}`.
    fn body(&mut self, open: usize) -> usize {
        let close = self.matching(open);
        self.tok(open, G::Space);
        let any_comment = (open + 1..=close).any(|g| !self.remaining(g).is_empty());
        let real: Vec<DeclRange> = self
            .split_decls(open + 1, close)
            .into_iter()
            .filter(|d| !self.is_empty_decl(*d))
            .collect();
        let insert = self.edits.body_first.contains(&self.offset(open));
        if real.is_empty() && !any_comment && !insert {
            self.tok(close, G::Glue);
            return close;
        }
        // Comments on the line of `{`, when a line break follows them.
        let after_open = &self.gaps[open + 1];
        let inline: usize = after_open
            .comments
            .iter()
            .take_while(|c| c.breaks_before == 0)
            .count();
        let breaks_after_inline = after_open
            .comments
            .get(inline)
            .map_or(after_open.breaks_after, |c| c.breaks_before)
            + u32::from(
                inline > 0
                    && after_open
                        .comments
                        .get(inline - 1)
                        .is_some_and(|c| c.is_line),
            );
        // (In an empty body they go inside.)
        if inline > 0 && breaks_after_inline > 0 && !real.is_empty() {
            self.trailing(open);
        }
        self.out.indent();
        let mut prev_end = open;
        let mut first = true;
        if insert {
            self.out.gap(Spacing::Newline);
            self.out.text(DEPRECATED_OPTION);
            first = false;
        }
        let count = real.len();
        for (i, d) in real.iter().enumerate() {
            let blank = !first && self.first_breaks(prev_end + 1, d.first) >= 2;
            self.lines_before(prev_end + 1, d.first, blank, false);
            first = false;
            self.decl(*d);
            // Trailing comments; at the end of a body that closes on the same
            // line, a trailing block comment goes on a line of its own.
            let is_last = i + 1 == count;
            let same_line_close = is_last && {
                let g = &self.gaps[d.last + 1];
                let rest_breaks = g.total_breaks();
                rest_breaks == 0 && (d.last + 1..close).all(|k| self.is(k, ";"))
            };
            // (Otherwise they all become close comments.)
            if !same_line_close {
                self.trailing(d.last);
            }
            prev_end = d.last;
        }
        // Comments before `}`: a blank line before them stays only when no
        // blank line follows them.
        self.close_comments(prev_end + 1, close, false);
        self.out.dedent();
        self.tok(close, G::Newline);
        close
    }

    /// The comments before a closing `}`, `]`: on lines of their own. In a
    /// list (`keep_blank`) a blank line before them stays; in a body it
    /// stays only if they are attached to the close (no blank after them).
    fn close_comments(&mut self, from: usize, close: usize, keep_blank: bool) {
        let blank = self.first_breaks(from, close) >= 2;
        let (run, after) = self.collect(from, close);
        let detached = after >= 2 || run.iter().skip(1).any(|c| c.breaks_before >= 2);
        let first = if blank && (keep_blank || !detached) {
            Spacing::Blank
        } else {
            Spacing::Newline
        };
        self.own_lines(&run, first);
    }

    // ---- declarations ---------------------------------------------------

    fn decl(&mut self, d: DeclRange) {
        if d.first == SYNTHETIC_FILE_OPTION {
            self.out.text(DEPRECATED_OPTION);
            return;
        }
        let k = d.first;
        let t = self.t(k);
        match t {
            "syntax" | "edition" | "package" | "import" | "option" => self.simple_decl(k, d.last),
            "message" | "enum" | "service" | "oneof" | "extend" => self.named_body(k, d.last),
            "export" | "local"
                if matches!(self.t(k + 1), "message" | "enum" | "service" | "extend") =>
            {
                self.tok(k, G::Newline);
                self.named_body_from(k + 1, d.last, G::Space)
            }
            "rpc" => self.rpc(k, d.last),
            "reserved" | "extensions" => self.ranges(k, d.last),
            _ => self.field(k, d.last),
        }
    }

    /// `syntax`, `edition`, `package`, `import`, `option` statements.
    fn simple_decl(&mut self, k: usize, last: usize) {
        let kw = self.t(k);
        self.tok(k, G::Newline);
        let mut i = k + 1;
        match kw {
            "package" => {
                i = self.path(i, G::Space);
            }
            "import" => {
                while i < last && self.is_ident(i) {
                    self.tok(i, G::Space);
                    i += 1;
                }
                if i < last {
                    i = self.value(i, G::Space);
                }
            }
            "option" => {
                i = self.path(i, G::Space);
                if self.is(i, "=") {
                    self.tok(i, G::Space);
                    i = self.value(i + 1, G::Space);
                }
                // a `//` before the `;` would swallow it
                let saved = self.tight;
                self.tight = true;
                self.rest_inline(i, last);
                self.tight = saved;
                return;
            }
            _ => {
                if self.is(i, "=") {
                    self.tok(i, G::Space);
                    i = self.value(i + 1, G::Space);
                }
            }
        }
        if self.is(i, "[") {
            i = self.compact_options(i) + 1;
        }
        self.rest_inline(i, last);
    }

    /// Whatever remains up to and including `last` (normally just `;`).
    fn rest_inline(&mut self, mut i: usize, last: usize) {
        while i <= last && i < self.n() {
            let g = if self.is(i, ";") || self.is(i, ",") {
                G::Inline
            } else {
                G::Space
            };
            self.tok(i, g);
            i += 1;
        }
    }

    fn named_body(&mut self, k: usize, last: usize) {
        self.named_body_from(k, last, G::Newline);
    }

    fn named_body_from(&mut self, k: usize, last: usize, g: G) {
        self.tok(k, g);
        let mut i = k + 1;
        if self.t(k) == "extend" {
            i = self.path(i, G::Space);
        } else if i < last && !self.is(i, "{") {
            self.tok(i, G::Space);
            i += 1;
        }
        if self.is(i, "{") {
            i = self.body(i) + 1;
        }
        self.rest_inline(i, last);
    }

    fn rpc(&mut self, k: usize, last: usize) {
        self.tok(k, G::Newline);
        let mut i = k + 1;
        if !self.is(i, "(") {
            self.tok(i, G::Space);
            i += 1;
        }
        if self.is(i, "(") {
            i = self.parens(i, G::Glue);
        }
        if self.is(i, "returns") {
            self.tok(i, G::Space);
            i += 1;
            if self.is(i, "(") {
                i = self.parens(i, G::Space);
            }
        }
        if self.is(i, "{") {
            i = self.body(i) + 1;
        }
        if i == last && self.edits.method_body.contains(&self.offset(last)) {
            // `rpc ...;` becomes `rpc ... { option deprecated = true; }`
            self.drop_token(last);
            self.out.gap(Spacing::Space);
            self.out.text("{");
            self.out.indent();
            self.out.gap(Spacing::Newline);
            self.out.text(DEPRECATED_OPTION);
            self.out.dedent();
            self.out.gap(Spacing::Newline);
            self.out.text("}");
            return;
        }
        self.rest_inline(i, last);
    }

    /// `(stream pkg.Type)` of a signature; returns the token after `)`.
    fn parens(&mut self, open: usize, g: G) -> usize {
        let close = self.matching(open);
        self.tok(open, g);
        // A `//` after `(` stays; the rest of the signature then continues
        // one level deeper. Block comments keep the source's spacing.
        let saved = self.tight;
        self.tight = false;
        let broke = self
            .remaining(open + 1)
            .first()
            .is_some_and(|c| c.breaks_before == 0 && c.is_line)
            && self.trailing(open);
        self.tight = true;
        let saved_sig = std::mem::replace(&mut self.in_signature, true);
        if broke {
            self.out.indent();
        }
        let mut i = open + 1;
        let mut first = true;
        while i < close {
            if self.is(i, ",") {
                self.tok(i, G::Inline);
                self.trailing(i);
                i += 1;
                first = false;
                continue;
            }
            if self.is(i, "stream") && i + 1 < close && !self.is(i + 1, ",") {
                self.tok(i, if first { G::Glue } else { G::Space });
                first = false;
                i += 1;
                continue;
            }
            i = self.path(i, if first { G::Glue } else { G::Space });
            first = false;
        }
        self.tok(close, G::None);
        if broke {
            self.out.dedent();
        }
        self.in_signature = saved_sig;
        self.tight = saved;
        close + 1
    }

    fn ranges(&mut self, k: usize, last: usize) {
        self.tok(k, G::Newline);
        let mut i = k + 1;
        while i < last {
            match self.t(i) {
                "," => {
                    self.tok(i, G::Inline);
                    self.trailing(i);
                    i += 1;
                }
                "[" => {
                    i = self.compact_options(i) + 1;
                }
                "to" => {
                    self.tok(i, G::Space);
                    i += 1;
                }
                "-" => {
                    self.tok(i, G::Space);
                    self.tok(i + 1, G::None);
                    i += 2;
                }
                _ => {
                    self.tok(i, G::Space);
                    i += 1;
                }
            }
        }
        self.rest_inline(i, last);
    }

    /// Fields, map fields, groups and enum values.
    fn field(&mut self, k: usize, last: usize) {
        let mut i = k;
        let mut g = G::Newline;
        // Labels.
        while matches!(self.t(i), "optional" | "required" | "repeated")
            && i + 1 < last
            && !matches!(self.t(i + 1), "=" | ";" | "[")
        {
            self.tok(i, g);
            g = G::Space;
            i += 1;
        }
        if self.is(i, "group") && self.is_ident(i + 1) && !self.is(i + 1, "=") {
            self.tok(i, g);
            self.tok(i + 1, G::Space);
            i += 2;
        } else if self.is(i, "map") && self.is(i + 1, "<") {
            self.tok(i, g);
            let close = self.matching(i + 1);
            let saved = self.tight;
            self.tight = true;
            self.tok(i + 1, G::Glue);
            let mut j = i + 2;
            let mut first = true;
            while j < close {
                if self.is(j, ",") {
                    self.tok(j, G::Inline);
                    j += 1;
                    first = false;
                    continue;
                }
                j = self.path(j, if first { G::Glue } else { G::Space });
            }
            self.tok(close, G::None);
            self.tight = saved;
            i = close + 1;
            self.name_after_type(&mut i, last);
        } else if self.is(i + 1, "=") || self.is(i + 1, ";") || self.is(i + 1, "[") {
            // An enum value: NAME = number.
            self.tok(i, g);
            i += 1;
        } else {
            // type name
            i = self.path(i, g);
            self.name_after_type(&mut i, last);
        }
        if self.is(i, "=") {
            // a `//` between the name and `=` becomes a block comment
            self.with_tight(true, |p| p.tok(i, G::Space));
            i = self.value(i + 1, G::Space);
        }
        let mut after_brackets = false;
        if self.is(i, "[") {
            i = self.compact_options(i) + 1;
            after_brackets = true;
        }
        if self.is(i, "{") {
            i = self.body(i) + 1;
        }
        if !after_brackets && self.edits.compact_new.contains(&self.offset(last)) {
            self.out.gap(Spacing::Space);
            self.out.text("[deprecated = true]");
            after_brackets = true;
        }
        self.with_tight(after_brackets, |p| p.rest_inline(i, last));
    }

    fn with_tight(&mut self, tight: bool, f: impl FnOnce(&mut Self)) {
        let saved = self.tight;
        self.tight = tight;
        f(self);
        self.tight = saved;
    }

    /// The field name after its type: a `//` between them becomes a block.
    fn name_after_type(&mut self, i: &mut usize, last: usize) {
        if *i < last && self.is_ident(*i) {
            let saved = self.tight;
            self.tight = true;
            self.tok(*i, G::Space);
            self.tight = saved;
            *i += 1;
        }
    }

    /// A dotted name, possibly with `(extension)` parts; printed glued.
    /// Returns the token after it.
    fn path(&mut self, k: usize, g: G) -> usize {
        let mut end = k;
        if self.is(end, ".") {
            end += 1;
        }
        loop {
            if self.is(end, "(") {
                end = self.matching(end) + 1;
            } else if self.is_ident(end) {
                end += 1;
            } else {
                break;
            }
            if self.is(end, ".") {
                end += 1;
            } else {
                break;
            }
        }
        if end == k {
            // not a path: print the token as it is
            self.tok(k, g);
            return k + 1;
        }
        self.tok(k, g);
        let saved = self.tight;
        self.tight = true;
        for j in k + 1..end {
            self.tok(j, G::Glue);
        }
        self.tight = saved;
        end
    }

    /// Same-line comments inside a path: printed as block comments.
    fn trailing_glued(&mut self, k: usize) {
        let saved = self.tight;
        self.tight = true;
        self.trailing(k);
        self.tight = saved;
    }

    /// `[a = 1, (b).c = {...}]` after a field, enum value or range.
    /// Returns the `]`.
    fn compact_options(&mut self, open: usize) -> usize {
        let close = self.matching(open);
        // Entries: split at top-level commas.
        let mut entries: Vec<(usize, usize)> = Vec::new();
        let mut j = open + 1;
        let mut start = j;
        while j < close {
            match self.t(j) {
                "," => {
                    entries.push((start, j));
                    start = j + 1;
                }
                "{" | "[" | "(" | "<" => {
                    j = self.matching(j);
                }
                _ => {}
            }
            j += 1;
        }
        if start < close {
            entries.push((start, close));
        }
        // Comments before the first entry break the brackets, even around
        // one entry; comments elsewhere do not.
        let force = !self.remaining(open + 1).is_empty();
        let extra = self.edits.compact_first.contains(&self.offset(open));
        if entries.len() + usize::from(extra) == 1 && !force {
            let saved = self.tight;
            self.tok(open, G::Space);
            self.tight = true;
            if extra {
                self.out.text("deprecated = true");
            } else {
                let (s, e) = entries[0];
                self.option_entry(s, e, G::None);
                // a trailing comma in the source is dropped
                if e < close {
                    self.drop_token(e);
                }
            }
            self.tok(close, G::None);
            self.tight = saved;
            return close;
        }
        let saved = self.tight;
        self.tok(open, G::Space);
        self.tight = false;
        // A `//` on the line of `[` stays there; block comments go below.
        if self
            .remaining(open + 1)
            .first()
            .is_some_and(|c| c.breaks_before == 0 && c.is_line)
        {
            self.trailing(open);
        }
        self.out.indent();
        if extra {
            self.out.gap(Spacing::Newline);
            self.out.text("deprecated = true");
            self.out.text(",");
        }
        let n_entries = entries.len();
        for (idx, &(s, e)) in entries.iter().enumerate() {
            let blank = idx > 0 && self.first_breaks(s, s) >= 2;
            self.lines_before(s, s, blank, false);
            self.option_entry(s, e, G::Newline);
            if idx + 1 < n_entries {
                self.tok(e, G::Inline);
                self.trailing(e);
            } else if e < close {
                // trailing comma dropped; its comments kept
                self.drop_token(e);
                self.trailing(e);
            } else if self
                .remaining(close)
                .first()
                .is_some_and(|c| c.breaks_before == 0 && c.is_line)
            {
                // a `//` on the line of the last entry stays there
                self.trailing(close - 1);
            }
        }
        self.close_comments(
            entries.last().map_or(open + 1, |&(_, e)| e.min(close)),
            close,
            true,
        );
        self.out.dedent();
        self.tight = saved;
        self.tok(close, G::Newline);
        close
    }

    /// A token buf leaves out: its comments stay where they are.
    fn drop_token(&mut self, k: usize) {
        let rem = self.remaining(k);
        if !rem.is_empty() {
            self.mark_all_used(k);
            for c in &rem {
                self.out.gap(Spacing::Space);
                self.emit_comment(c, true);
            }
        }
    }

    fn option_entry(&mut self, s: usize, e: usize, g: G) {
        let mut i = self.path(s, g);
        if i < e && self.is(i, "=") {
            self.tok(i, G::Space);
            i = self.value(i + 1, G::Space);
        }
        self.rest_inline(i, e.saturating_sub(1));
    }

    // ---- values ---------------------------------------------------------

    /// A value (scalar, path, compound string, message literal, array);
    /// returns the token after it.
    fn value(&mut self, k: usize, g: G) -> usize {
        if !self.is_string(k) {
            self.in_array_element = false;
        }
        match self.t(k) {
            "-" => {
                self.tok(k, g);
                self.value(k + 1, G::Attach)
            }
            "{" | "<" => self.dict(k, g) + 1,
            "[" => self.array(k, g) + 1,
            _ if self.is_string(k) && self.is_string(k + 1) => self.compound(k, g),
            _ if self.is_ident(k) || self.is(k, ".") => self.path(k, g),
            _ => {
                self.tok(k, g);
                k + 1
            }
        }
    }

    /// Adjacent string literals: one per line, a level deeper.
    /// After `=` or `:` the parts sit one level below the key; as an array
    /// element they sit at the element's level.
    fn compound(&mut self, k: usize, g: G) -> usize {
        let mut i = k;
        let deeper = !matches!(g, G::Newline) && !std::mem::take(&mut self.in_array_element);
        if deeper {
            self.out.indent();
        }
        while self.is_string(i) {
            self.tok(i, G::Newline);
            i += 1;
        }
        if deeper {
            self.out.dedent();
        }
        i
    }

    fn is_composite(&self, k: usize) -> bool {
        matches!(self.t(k), "{" | "<" | "[")
    }

    /// A message literal `{ ... }` or `< ... >`; returns its closing token.
    fn dict(&mut self, open: usize, g: G) -> usize {
        let close = self.matching(open);
        // Fields: key [:] value [,;]
        let mut fields: Vec<(usize, usize)> = Vec::new(); // (key start, value start)
        let mut i = open + 1;
        while i < close {
            let key = i;
            if self.is(i, "[") {
                i = self.matching(i) + 1;
            } else {
                i += 1;
            }
            if self.is(i, ":") {
                i += 1;
            }
            let vstart = i;
            i = self.skip_value(i, close);
            fields.push((key, vstart));
            while i < close && (self.is(i, ",") || self.is(i, ";")) {
                i += 1;
            }
        }
        let comments = (open + 1..=close).any(|gp| !self.remaining(gp).is_empty());
        let (open_text, close_text) = ("{", "}");
        if fields.is_empty() && !comments {
            self.tok_as(open, g, Some(open_text));
            self.tok_as(close, G::Glue, Some(close_text));
            return close;
        }
        let inline = fields.len() == 1 && !comments && !self.is_composite(fields[0].1);
        let saved = self.tight;
        self.tight = false;
        self.tok_as(open, g, Some(open_text));
        if inline {
            let (key, _) = fields[0];
            self.dict_field(key, G::None);
            self.tok_as(close, G::None, Some(close_text));
            self.tight = saved;
            return close;
        }
        self.out.indent();
        let mut i = open + 1;
        let mut prev_end: Option<usize> = None;
        let mut had_separator = false;
        while i < close {
            // Blank lines between fields are kept.
            let blank = prev_end.is_some()
                && self.first_breaks(i, i) >= 2
                && (had_separator || self.strict_blank_before(i));
            self.lines_before(i, i, blank, false);
            let next = self.dict_field(i, G::Newline);
            let mut j = next;
            while j < close && (self.is(j, ",") || self.is(j, ";")) {
                self.drop_token(j);
                j += 1;
            }
            // After a `]` or `}` value a `//` becomes a block comment, even
            // past a dropped separator (the next run sees no separator).
            let composite = matches!(self.t(next.saturating_sub(1)), "]" | "}" | ">");
            self.with_tight(composite, |p| {
                p.trailing(j.max(next).saturating_sub(1));
            });
            had_separator = j > next;
            prev_end = Some(j);
            i = j;
        }
        self.close_comments(i.min(close), close, false);
        self.out.dedent();
        self.tok_as(close, G::Newline, Some(close_text));
        self.tight = saved;
        close
    }

    /// The token after the value starting at `k`.
    fn skip_value(&self, k: usize, limit: usize) -> usize {
        let mut i = k;
        if self.is(i, "-") {
            i += 1;
        }
        if self.is_composite(i) {
            return self.matching(i) + 1;
        }
        if self.is_string(i) {
            while i < limit && self.is_string(i) {
                i += 1;
            }
            return i;
        }
        i += 1;
        while i + 1 < limit && self.is(i, ".") {
            i += 2;
        }
        i.min(limit)
    }

    /// One `key: value` of a message literal; returns the token after it.
    fn dict_field(&mut self, key: usize, g: G) -> usize {
        let mut i = key;
        if self.is(i, "[") {
            let rb = self.matching(i);
            self.tok(i, g);
            for j in i + 1..=rb {
                self.tok(j, G::Glue);
            }
            i = rb + 1;
        } else {
            self.tok(i, g);
            i += 1;
        }
        if self.is(i, ":") {
            self.with_tight(true, |p| p.tok(i, G::Attach));
            i += 1;
        } else {
            // The inserted `:` goes after comments between key and value,
            // as buf's own second pass puts it (its first pass is unstable).
            let rem = self.remaining(i);
            if rem.iter().any(|c| c.is_line) {
                self.mark_all_used(i);
                for c in &rem {
                    self.out.gap(Spacing::Space);
                    self.emit_comment(c, true);
                }
                self.out.gap(Spacing::Space);
            }
            // block comments stay before the value: `key: /* c */ {...}`
            self.out.text(":");
        }
        let ends_composite = self.is_composite(if self.is(i, "-") { i + 1 } else { i });
        let next = self.value(i, G::Space);
        if ends_composite {
            // a `//` after `]` or `}` would swallow what follows
            self.trailing_glued(next - 1);
        }
        next
    }

    /// An array `[ ... ]`; returns `]`.
    fn array(&mut self, open: usize, g: G) -> usize {
        let close = self.matching(open);
        let mut elems: Vec<usize> = Vec::new();
        let mut i = open + 1;
        while i < close {
            elems.push(i);
            i = self.skip_value(i, close);
            while i < close && self.is(i, ",") {
                i += 1;
            }
        }
        let comments = (open + 1..=close).any(|gp| !self.remaining(gp).is_empty());
        let saved = self.tight;
        self.tight = false;
        if elems.is_empty() && !comments {
            self.tok(open, g);
            self.tok(close, G::Glue);
            self.tight = saved;
            return close;
        }
        if elems.len() == 1 && !comments && !self.is_composite(elems[0]) {
            self.tok(open, g);
            let next = self.value(elems[0], G::None);
            if next < close {
                self.drop_token(next);
            }
            self.tok(close, G::None);
            self.tight = saved;
            return close;
        }
        self.tok(open, g);
        self.trailing(open);
        self.out.indent();
        let count = elems.len();
        for (idx, &e) in elems.iter().enumerate() {
            let blank = idx > 0 && self.first_breaks(e, e) >= 2;
            // a block comment on the element's line stays on it
            let g = if self.lines_before(e, e, blank, true) {
                G::Space
            } else {
                G::Newline
            };
            self.in_array_element = true;
            let next = self.value(e, g);
            self.in_array_element = false;
            if next < close && self.is(next, ",") {
                if idx + 1 < count {
                    self.tok(next, G::Inline);
                } else {
                    self.drop_token(next);
                }
                self.trailing(next);
            } else {
                self.trailing(next - 1);
            }
        }
        let last_gap = elems
            .last()
            .map_or(open + 1, |&e| self.skip_value(e, close));
        self.close_comments(last_gap.min(close), close, true);
        self.out.dedent();
        self.tok(close, G::Newline);
        self.tight = saved;
        close
    }
}

fn space_of(g: G) -> Spacing {
    match g {
        G::Glue | G::None | G::Inline | G::Attach => Spacing::None,
        G::Space => Spacing::Space,
        G::Newline => Spacing::Newline,
    }
}

pub(super) trait HeaderView {
    fn text_at(&self, k: usize) -> &str;
    fn comment_between(&self, from: usize, to: usize) -> bool;
}

impl HeaderView for Printer<'_> {
    fn text_at(&self, k: usize) -> &str {
        self.t(k)
    }
    /// A comment between significant tokens `from` and `to`.
    fn comment_between(&self, from: usize, to: usize) -> bool {
        (from + 1..=to).any(|g| self.gaps.get(g).is_some_and(|g| !g.comments.is_empty()))
    }
}
