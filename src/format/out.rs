//! The output buffer: text with gaps between pieces. Gaps only ever grow
//! (none < space < newline < blank line), so when two rules ask for different
//! spacing at one place the wider wins; indentation is written at the start
//! of each non-empty line, so blank lines and line ends carry no spaces.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Spacing {
    None,
    Space,
    Newline,
    Blank,
}

impl Spacing {
    /// A line break, or a blank line.
    pub fn line(blank: bool) -> Spacing {
        if blank {
            Spacing::Blank
        } else {
            Spacing::Newline
        }
    }
}

pub struct Out {
    text: String,
    indent: usize,
    pending: Spacing,
    at_line_start: bool,
}

impl Out {
    pub fn new(capacity: usize) -> Self {
        Out {
            text: String::with_capacity(capacity),
            indent: 0,
            pending: Spacing::None,
            at_line_start: true,
        }
    }

    pub fn indent(&mut self) {
        self.indent += 1;
    }

    pub fn dedent(&mut self) {
        self.indent = self.indent.saturating_sub(1);
    }

    /// Asks for at least `space` before the next text.
    pub fn gap(&mut self, space: Spacing) {
        if space > self.pending {
            self.pending = space;
        }
    }

    fn flush_gap(&mut self) {
        let started = !self.text.is_empty();
        match self.pending {
            Spacing::None => {}
            Spacing::Space => {
                if !self.at_line_start {
                    self.text.push(' ');
                }
            }
            Spacing::Newline => {
                if started && !self.at_line_start {
                    self.text.push('\n');
                    self.at_line_start = true;
                }
            }
            Spacing::Blank => {
                if started {
                    if !self.at_line_start {
                        self.text.push('\n');
                    }
                    self.text.push('\n');
                    self.at_line_start = true;
                }
            }
        }
        self.pending = Spacing::None;
    }

    /// Writes one piece of text that holds no newline.
    pub fn text(&mut self, piece: &str) {
        self.flush_gap();
        if piece.is_empty() {
            return;
        }
        if self.at_line_start {
            for _ in 0..self.indent {
                self.text.push_str("  ");
            }
            self.at_line_start = false;
        }
        self.text.push_str(piece);
    }

    /// Writes the lines of a multi-line piece (a block comment): each line
    /// after the first starts a new line at the current indentation; empty
    /// lines stay empty.
    pub fn lines(&mut self, lines: &[String]) {
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                self.text.push('\n');
                self.at_line_start = true;
                if line.is_empty() {
                    continue;
                }
            }
            self.text(line);
        }
    }

    /// The finished text: one final newline, or nothing at all.
    pub fn finish(mut self, leading_blank: bool) -> String {
        if self.text.is_empty() {
            return String::new();
        }
        if !self.at_line_start {
            self.text.push('\n');
        }
        if leading_blank {
            self.text.insert(0, '\n');
        }
        self.text
    }
}

/// A comment as buf prints it: trailing spaces and tabs trimmed (a `\r`
/// before the newline stays, as buf keeps it), multi-line block comments
/// re-indented. Returns the lines of the comment.
pub fn comment_lines(raw: &str, as_block: bool) -> Vec<String> {
    if let Some(body) = raw.strip_prefix("//") {
        let body = body.strip_suffix('\n').unwrap_or(body);
        if as_block {
            let body = body.trim_end_matches([' ', '\t']).replace("*/", "* /");
            return vec![format!("/*{body} */")];
        }
        return vec![format!("//{}", body.trim_end_matches([' ', '\t']))];
    }
    block_comment_lines(raw)
}

fn is_prefix_char(c: u8) -> bool {
    !c.is_ascii_alphanumeric()
}

fn visual_indent(line: &str) -> usize {
    let mut col = 0;
    for c in line.bytes() {
        match c {
            b' ' => col += 1,
            b'\t' => col += 8 - col % 8,
            _ => return col,
        }
    }
    0
}

fn unindent(line: &str, n: usize) -> String {
    let mut col = 0;
    for (i, c) in line.bytes().enumerate() {
        if col == n {
            return line[i..].to_string();
        }
        if col > n {
            return format!("{}{}", " ".repeat(col - n), &line[i..]);
        }
        match c {
            b' ' => col += 1,
            b'\t' => col += 8 - col % 8,
            _ => return line[i..].to_string(),
        }
    }
    String::new()
}

/// buf's block-comment normalisation: the first line kept; the others either
/// in "prefix style" (every line starts with the same punctuation, as in
/// javadoc `*`) or re-indented relative to their least-indented line.
fn block_comment_lines(raw: &str) -> Vec<String> {
    let raw = raw.trim_end_matches([' ', '\t']);
    let lines: Vec<&str> = raw.split('\n').collect();
    if lines.len() <= 1 {
        return vec![raw.to_string()];
    }
    let last = lines[lines.len() - 1].trim_start_matches([' ', '\t']);
    let standalone_close = last.trim_end_matches([' ', '\t']) == "*/";
    let mut min_indent: Option<usize> = None;
    let mut prefix: Option<u8> = None;
    let mut prefix_ok = true;
    for line in &lines[1..] {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed == "*/" {
            continue;
        }
        let ind = visual_indent(line);
        min_indent = Some(min_indent.map_or(ind, |m| m.min(ind)));
        let c = trimmed.as_bytes()[0];
        if is_prefix_char(c) {
            match prefix {
                None => prefix = Some(c),
                Some(p) if p != c => prefix_ok = false,
                _ => {}
            }
        } else {
            prefix_ok = false;
        }
    }
    let prefix = if prefix_ok { prefix } else { None };
    let min_indent = min_indent.unwrap_or(0);
    let mut out = vec![lines[0].trim_end_matches([' ', '\t']).to_string()];
    let end = if standalone_close {
        lines.len() - 1
    } else {
        lines.len()
    };
    for line in &lines[1..end] {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() {
            out.push(String::new());
            continue;
        }
        if prefix.is_some() {
            out.push(format!(" {}", trimmed.trim_end_matches([' ', '\t'])));
        } else {
            let l = unindent(line, min_indent);
            let l = l.trim_end_matches([' ', '\t']);
            if l.is_empty() {
                out.push(String::new());
            } else {
                out.push(format!("   {l}"));
            }
        }
    }
    if standalone_close {
        out.push(if prefix == Some(b'*') {
            " */".to_string()
        } else {
            "*/".to_string()
        });
    }
    out
}
