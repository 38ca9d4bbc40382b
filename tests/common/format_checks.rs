//! The "nothing lost" checks of buf-format.md §7.3–7.6 over one pair (input,
//! output of `format`): comments, tokens and compiled descriptors. Included by
//! the format tests with `#[path]`; each check returns what differs, or `Ok`.
//!
//! **Comments.** The multiset of comment texts must be equal after each is
//! normalised: a `//` comment to its body, trimmed; a `/* */` comment to its
//! lines, each trimmed and stripped of one leading `*`, joined by `\n`. So
//! `//x` equals `/*x */` (buf rewrites tight trailing `//` that way) and a
//! re-indented block comment equals its source; `*/` inside a `//` body counts
//! as `* /`, which is what that rewrite turns it into.
//!
//! **Tokens.** Both sides are lexed with protolith's lexer and their
//! non-trivia tokens rewritten by one walk (`Walker`) into a canonical form,
//! which must be equal. The walk keeps every token except where it undoes a
//! rewrite buf's formatter is allowed to make, and only there:
//! - `;` that starts a declaration in a body or at the top level (an empty
//!   statement, including the `;` of `};`) is dropped;
//! - inside a message literal, `,` and `;` between fields are dropped;
//! - a `,` right before the `]` of a compact-options list or of a literal
//!   array (a trailing comma) is dropped;
//! - a literal's field name directly followed by its `{`/`<`/`[` value gets
//!   the `:` buf inserts;
//! - a literal opened by `<` is written `{…}`;
//! - the top-level declarations are split at their `;` (or body `}`) and the
//!   header ones (`syntax`, `edition`, `package`, `import`, `option`) are
//!   compared as a sorted multiset, the others in order: buf hoists and sorts
//!   the header, and moves nothing else.
//!
//! A literal opens at `{`/`<` after `=` or `:`, or in value position inside a
//! literal or array; any other `{` opens a body, `<` a map type and `[` a
//! compact-options list (a key like `[type.googleapis.com/x.Y]` in a literal).
//!
//! **Descriptors.** Input and output are compiled with protolith's compiler and
//! every file's descriptor compared without source info, with `dependency`
//! sorted and the fields that index into it (public, weak and unused
//! dependencies) kept as names: sorting imports reorders them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use protolith::compiler::lexer::{self, Token, TokenKind};
use protolith::compiler::{self, SourceFile};

pub fn lex(src: &str) -> Vec<Token> {
    let mut diags = Vec::new();
    lexer::lex(src, &mut diags)
}

/// The texts of the non-trivia tokens.
pub fn significant(src: &str) -> Vec<&str> {
    lex(src)
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| t.text(src))
        .collect()
}

// ------------------------------------------------------------------ comments

pub fn normalized_comment(kind: TokenKind, text: &str) -> String {
    if kind == TokenKind::LineComment {
        let body = text.strip_prefix("//").unwrap_or(text);
        return body.trim().replace("*/", "* /");
    }
    let inner = text.strip_prefix("/*").unwrap_or(text);
    let inner = inner.strip_suffix("*/").unwrap_or(inner);
    inner
        .split('\n')
        .map(|line| {
            let line = line.trim();
            line.strip_prefix('*').unwrap_or(line).trim()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The normalised comments of `src`, sorted.
pub fn comments(src: &str) -> Vec<String> {
    let mut v: Vec<String> = lex(src)
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .map(|t| normalized_comment(t.kind, t.text(src)))
        .collect();
    v.sort();
    v
}

/// Elements of sorted `a` not matched in sorted `b` (multiset difference).
fn missing<'a, T: Ord>(a: &'a [T], b: &[T]) -> Vec<&'a T> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() {
        if j < b.len() && b[j] < a[i] {
            j += 1;
        } else if j < b.len() && b[j] == a[i] {
            i += 1;
            j += 1;
        } else {
            out.push(&a[i]);
            i += 1;
        }
    }
    out
}

fn show<T: std::fmt::Debug>(v: &[T]) -> String {
    let head: Vec<String> = v.iter().take(5).map(|x| format!("{x:?}")).collect();
    let more = if v.len() > 5 {
        format!(" and {} more", v.len() - 5)
    } else {
        String::new()
    };
    format!("[{}]{more}", head.join(", "))
}

pub fn check_comments(input: &str, output: &str) -> Result<(), String> {
    let (a, b) = (comments(input), comments(output));
    if a == b {
        return Ok(());
    }
    let lost = missing(&a, &b);
    let gained = missing(&b, &a);
    Err(format!(
        "comments differ: {} in, {} out; lost {}; gained {}",
        a.len(),
        b.len(),
        show(&lost),
        show(&gained)
    ))
}

// -------------------------------------------------------------------- tokens

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lit {
    /// Expecting a field name (or a separator, or more parts of a string).
    Key,
    /// After a field name: `:` or a message/list value follows.
    AfterKey,
    /// After `:`: a value follows.
    AfterColon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// A declaration body; the bottom frame is the file. `decl_start`: the
    /// next token starts a declaration.
    Body {
        decl_start: bool,
    },
    Literal {
        angle: bool,
        state: Lit,
    },
    Array,
    Compact,
    KeyBracket,
    Paren,
    Angle,
}

/// The canonical token form of a file: header declarations sorted, the rest
/// in order. Tokens borrow the source, except the ones the walk writes.
#[derive(Debug, PartialEq, Eq)]
pub struct Canonical<'a> {
    pub header: Vec<Vec<&'a str>>,
    pub rest: Vec<Vec<&'a str>>,
}

/// Walks non-trivia tokens one at a time, tracking the scope each is in and
/// writing the canonical form (see the module doc).
pub struct Walker<'a> {
    stack: Vec<Frame>,
    prev: &'a str,
    decl: Vec<&'a str>,
    header: Vec<Vec<&'a str>>,
    rest: Vec<Vec<&'a str>>,
}

impl Default for Walker<'_> {
    fn default() -> Self {
        Walker {
            stack: vec![Frame::Body { decl_start: true }],
            prev: "",
            decl: Vec::new(),
            header: Vec::new(),
            rest: Vec::new(),
        }
    }
}

fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

impl<'a> Walker<'a> {
    /// True between two declarations of a message/enum/service/... body (not
    /// at the top level, not inside a literal or brackets).
    pub fn between_body_decls(&self) -> bool {
        self.stack.len() >= 2 && matches!(self.stack.last(), Some(Frame::Body { decl_start: true }))
    }

    /// True inside a top-level header declaration (`option`, `import`, ...).
    pub fn in_header_decl(&self) -> bool {
        self.decl
            .first()
            .is_some_and(|first| is_header_keyword(first))
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn flush(&mut self) {
        let decl = std::mem::take(&mut self.decl);
        if decl.is_empty() {
            return;
        }
        if decl.first().is_some_and(|first| is_header_keyword(first)) {
            self.header.push(decl);
        } else {
            self.rest.push(decl);
        }
    }

    /// A declaration ended in the frame now on top.
    fn ended_decl(&mut self) {
        if let Frame::Body { decl_start } = self.top() {
            *decl_start = true;
        }
        if self.stack.len() == 1 {
            self.flush();
        }
    }

    pub fn step(&mut self, s: &'a str) {
        let value_pos = self.prev == "=" || self.prev == ":";
        self.prev = s;
        if s != ";"
            && let Frame::Body { decl_start } = self.top()
        {
            *decl_start = false;
        }
        match s {
            "{" | "<" => {
                let angle = s == "<";
                let last = self.stack.len() - 1;
                let open_literal = match &mut self.stack[last] {
                    Frame::Literal { state, .. } => {
                        if *state == Lit::AfterKey {
                            self.decl.push(":");
                        }
                        *state = Lit::Key;
                        true
                    }
                    Frame::Array => true,
                    _ => value_pos,
                };
                if open_literal {
                    self.decl.push("{");
                    self.stack.push(Frame::Literal {
                        angle,
                        state: Lit::Key,
                    });
                } else if angle {
                    self.decl.push("<");
                    self.stack.push(Frame::Angle);
                } else {
                    self.decl.push("{");
                    self.stack.push(Frame::Body { decl_start: true });
                }
            }
            "}" | ">" => match self.stack[self.stack.len() - 1] {
                Frame::Literal { angle, .. } if angle == (s == ">") => {
                    self.stack.pop();
                    self.decl.push("}");
                }
                Frame::Body { .. } if s == "}" && self.stack.len() > 1 => {
                    self.stack.pop();
                    self.decl.push("}");
                    self.ended_decl();
                }
                Frame::Angle if s == ">" => {
                    self.stack.pop();
                    self.decl.push(">");
                }
                _ => self.decl.push(s),
            },
            "[" => {
                let last = self.stack.len() - 1;
                let frame = match &mut self.stack[last] {
                    Frame::Literal { state, .. } => match *state {
                        Lit::Key => {
                            *state = Lit::AfterKey;
                            Frame::KeyBracket
                        }
                        Lit::AfterKey => {
                            *state = Lit::Key;
                            self.decl.push(":");
                            Frame::Array
                        }
                        Lit::AfterColon => {
                            *state = Lit::Key;
                            Frame::Array
                        }
                    },
                    Frame::Array => Frame::Array,
                    _ => Frame::Compact,
                };
                self.stack.push(frame);
                self.decl.push("[");
            }
            "]" => {
                match self.stack[self.stack.len() - 1] {
                    Frame::Array | Frame::Compact => {
                        if self.decl.last() == Some(&",") {
                            self.decl.pop();
                        }
                        self.stack.pop();
                    }
                    Frame::KeyBracket => {
                        self.stack.pop();
                    }
                    _ => {}
                }
                self.decl.push("]");
            }
            "(" => {
                self.stack.push(Frame::Paren);
                self.decl.push("(");
            }
            ")" => {
                if *self.top() == Frame::Paren {
                    self.stack.pop();
                }
                self.decl.push(")");
            }
            "," | ";" if matches!(self.top(), Frame::Literal { .. }) => {
                if let Frame::Literal { state, .. } = self.top() {
                    *state = Lit::Key;
                }
            }
            ";" if matches!(self.top(), Frame::Body { decl_start: true }) => {}
            ";" if matches!(self.top(), Frame::Body { .. }) => {
                self.decl.push(";");
                self.ended_decl();
            }
            _ => {
                if let Frame::Literal { state, .. } = self.top() {
                    *state = match (*state, s) {
                        (_, ":") => Lit::AfterColon,
                        (Lit::AfterColon, "-") => Lit::AfterColon,
                        (Lit::Key, _) if is_ident(s) => Lit::AfterKey,
                        _ => Lit::Key,
                    };
                }
                self.decl.push(s);
            }
        }
    }

    pub fn finish(mut self) -> Canonical<'a> {
        self.flush();
        self.header.sort();
        Canonical {
            header: self.header,
            rest: self.rest,
        }
    }
}

fn is_header_keyword(s: &str) -> bool {
    matches!(s, "syntax" | "edition" | "package" | "import" | "option")
}

pub fn canonical_tokens(src: &str) -> Canonical<'_> {
    let mut w = Walker::default();
    for t in lex(src).iter().filter(|t| !t.kind.is_trivia()) {
        w.step(t.text(src));
    }
    w.finish()
}

fn first_difference(a: &[Vec<&str>], b: &[Vec<&str>], what: &str) -> Option<String> {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (a.get(i), b.get(i));
        if x == y {
            continue;
        }
        let clip = |d: Option<&Vec<&str>>| -> String {
            let Some(d) = d else {
                return "(none)".to_string();
            };
            let common = match (x, y) {
                (Some(x), Some(y)) => x.iter().zip(y).take_while(|(p, q)| p == q).count(),
                _ => 0,
            };
            let from = common.saturating_sub(8);
            let shown: Vec<&str> = d.iter().skip(from).take(24).copied().collect();
            format!(
                "{}{}{}",
                if from > 0 { "… " } else { "" },
                shown.join(" "),
                if d.len() > from + 24 { " …" } else { "" }
            )
        };
        return Some(format!(
            "{what} declaration {} of {}/{}: in `{}`, out `{}`",
            i + 1,
            a.len(),
            b.len(),
            clip(x),
            clip(y)
        ));
    }
    None
}

pub fn check_tokens(input: &str, output: &str) -> Result<(), String> {
    let (a, b) = (canonical_tokens(input), canonical_tokens(output));
    if a == b {
        return Ok(());
    }
    let msg = first_difference(&a.header, &b.header, "header (sorted)")
        .or_else(|| first_difference(&a.rest, &b.rest, "top-level"))
        .unwrap_or_default();
    Err(format!("tokens differ: {msg}"))
}

/// Where `a` and `b` first differ, by line, for messages.
pub fn first_line_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    format!(
        "line {}: {:?} vs {:?} ({} vs {} lines, {} vs {} bytes)",
        i + 1,
        la.get(i).copied().unwrap_or("<end>"),
        lb.get(i).copied().unwrap_or("<end>"),
        la.len(),
        lb.len(),
        a.len(),
        b.len()
    )
}

// --------------------------------------------------------------- descriptors

/// What a compiled file means, independent of import order and source info.
#[derive(Debug, PartialEq)]
pub struct Meaning {
    /// The descriptor without source info, `dependency` sorted, and the
    /// index lists into it moved to `by_name`.
    pub fd: prost_types::FileDescriptorProto,
    /// Everything else the compiler says about the file, with dependencies
    /// by name (sorted).
    pub by_name: String,
}

pub fn meaning(file: &compiler::CompiledFile) -> Meaning {
    let mut fd = file.fd.clone();
    fd.source_code_info = None;
    let name_of = |i: &i32| {
        usize::try_from(*i)
            .ok()
            .and_then(|i| file.fd.dependency.get(i).cloned())
            .unwrap_or_else(|| format!("#{i}"))
    };
    let sorted = |ix: &[i32]| {
        let mut v: Vec<String> = ix.iter().map(name_of).collect();
        v.sort();
        v
    };
    let (public, weak) = (sorted(&fd.public_dependency), sorted(&fd.weak_dependency));
    let unused = sorted(&file.unused_dependencies);
    fd.dependency.sort();
    fd.public_dependency.clear();
    fd.weak_dependency.clear();
    let mut option_deps = file.extra.option_dependency.clone();
    option_deps.sort();
    let by_name = format!(
        "public {public:?}\nweak {weak:?}\nunused {unused:?}\noptions {:?}\n\
         runtime options {:?}\nedition {:?}\noption deps {option_deps:?}\nvisibility {:?}\n\
         syntax unspecified {}",
        file.raw_options,
        file.runtime_options,
        file.extra.edition,
        file.extra.visibility,
        file.syntax_unspecified
    );
    Meaning { fd, by_name }
}

/// Compiles `(path, text)` files together: the meaning of every file given
/// (not of the well-known types the compiler adds), by path.
pub fn compile_meanings(files: &[(String, String)]) -> Result<BTreeMap<String, Meaning>, String> {
    let sources = files
        .iter()
        .map(|(path, text)| SourceFile {
            import_path: path.clone(),
            display_path: path.clone(),
            text: Arc::new(text.clone()),
        })
        .collect();
    let wanted: std::collections::HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    match compiler::compile(sources) {
        Ok(compiled) => Ok(compiled
            .iter()
            .filter(|c| wanted.contains(c.fd.name()))
            .map(|c| (c.fd.name().to_string(), meaning(c)))
            .collect()),
        Err(diags) => {
            let head: Vec<String> = diags.iter().take(5).map(ToString::to_string).collect();
            Err(format!("{} diagnostics: {}", diags.len(), head.join(" | ")))
        }
    }
}

/// The files whose meaning differs between inputs and outputs, with why.
pub fn check_meanings(
    before: &BTreeMap<String, Meaning>,
    after: &BTreeMap<String, Meaning>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, a) in before {
        match after.get(path) {
            None => out.push((path.clone(), "missing from the output".to_string())),
            Some(b) if a.fd != b.fd => out.push((
                path.clone(),
                format!(
                    "descriptor differs: {}",
                    first_line_difference(&format!("{:#?}", a.fd), &format!("{:#?}", b.fd))
                ),
            )),
            Some(b) if a.by_name != b.by_name => out.push((
                path.clone(),
                format!(
                    "descriptor differs: {}",
                    first_line_difference(&a.by_name, &b.by_name)
                ),
            )),
            Some(_) => {}
        }
    }
    out
}
