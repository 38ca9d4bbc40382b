//! Recursive-descent parser from the token stream to the syntax tree. It keeps
//! going after an error (skipping to the end of the statement or block) so one
//! run reports every mistake it can find.

use super::ast::*;
use super::diag::Diagnostic;
use super::lexer::{Token, TokenKind};

pub struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    /// Indexes into `toks` of the significant (non-trivia) tokens.
    sig: Vec<u32>,
    pos: usize,
    pub diags: Vec<Diagnostic>,
    /// Set after the syntax/edition statement: "proto2", "proto3", "editions".
    syntax_is_proto3: bool,
}

type PResult<T> = Result<T, ()>;

/// A message or enum declared with a visibility keyword.
enum TypeDecl {
    Message(MessageDecl),
    Enum(EnumDecl),
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, toks: &'a [Token]) -> Self {
        let sig = toks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.kind.is_trivia())
            .map(|(i, _)| i as u32)
            .collect();
        Parser {
            src,
            toks,
            sig,
            pos: 0,
            diags: Vec::new(),
            syntax_is_proto3: false,
        }
    }

    /// The indexes (into the token list) of significant tokens.
    pub fn significant(&self) -> &[u32] {
        &self.sig
    }

    fn tok(&self, k: usize) -> Option<&Token> {
        self.sig.get(k).and_then(|&i| self.toks.get(i as usize))
    }
    fn peek(&self) -> Option<&Token> {
        self.tok(self.pos)
    }
    /// At the end of the file right after a string literal left open (which
    /// ran to the end): buf then sees an unrecognized token there.
    fn at_eof_after_open_string(&self) -> bool {
        if self.peek().is_some() || self.pos == 0 {
            return false;
        }
        let Some(t) = self.tok(self.pos - 1) else {
            return false;
        };
        let text = t.text(self.src).as_bytes();
        t.kind == TokenKind::String
            && match (text.first(), text.last()) {
                (Some(q), Some(l)) => text.len() < 2 || q != l || text[text.len() - 2] == b'\\',
                _ => true,
            }
    }

    fn peek_text(&self) -> &'a str {
        self.peek().map_or("", |t| t.text(self.src))
    }
    fn peek_at(&self, n: usize) -> &'a str {
        self.tok(self.pos + n).map_or("", |t| t.text(self.src))
    }
    fn peek_kind(&self) -> Option<TokenKind> {
        self.peek().map(|t| t.kind)
    }
    fn at(&self, text: &str) -> bool {
        self.peek_text() == text
            && self
                .peek()
                .is_some_and(|t| t.kind == TokenKind::Punct || t.kind == TokenKind::Ident)
    }
    fn at_punct(&self, text: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Punct && t.text(self.src) == text)
    }
    fn at_ident(&self, text: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Ident && t.text(self.src) == text)
    }
    fn cur_span(&self) -> Span {
        match self.peek() {
            Some(t) => Span::new(t.start, t.end),
            None => {
                let end = self.src.len() as u32;
                Span::new(end, end)
            }
        }
    }
    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.tok(self.pos - 1).map_or(0, |t| t.end)
        }
    }
    fn bump(&mut self) -> Span {
        let s = self.cur_span();
        if self.pos < self.sig.len() {
            self.pos += 1;
        }
        s
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(span.start, span.end, msg));
    }

    fn describe_current(&self) -> String {
        match self.peek() {
            None => "end of file".to_string(),
            Some(t) => match t.kind {
                TokenKind::String => "string literal".to_string(),
                TokenKind::Int => "integer literal".to_string(),
                TokenKind::Float => "floating-point literal".to_string(),
                _ => format!("`{}`", t.text(self.src)),
            },
        }
    }

    fn expect_punct(&mut self, p: &str, after: &str) -> PResult<Span> {
        if self.at_punct(p) {
            Ok(self.bump())
        } else {
            let span = self.cur_span();
            // buf's wording: a statement missing its `;` is "after definition".
            let msg = if p == ";" {
                format!("unexpected {} after definition", self.describe_current())
            } else {
                format!(
                    "unexpected {} {after}, expected `{p}`",
                    self.describe_current()
                )
            };
            self.error(span, msg);
            Err(())
        }
    }

    /// The `;` ending a file-level statement. At the end of the file (a
    /// string literal left open swallows the rest), buf keeps the statement
    /// and reports the missing `;` on the last character, naming the
    /// statement (`eof_what`); `None` is returned then.
    fn semi_or_eof(&mut self, after: &str, eof_what: &str) -> PResult<Option<Span>> {
        if self.peek().is_none() && !self.src.is_empty() {
            let len = self.src.len() as u32;
            let at = if self.src.ends_with('\n') {
                len - 1
            } else {
                len
            };
            self.error(
                Span::new(at, at),
                format!("unexpected end-of-file after {eof_what}"),
            );
            return Ok(None);
        }
        self.expect_punct(";", after).map(Some)
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Ident => {
                let name = t.text(self.src).to_string();
                let span = self.bump();
                Ok(Ident { name, span })
            }
            _ => {
                let span = self.cur_span();
                let msg = format!("missing name after {what}");
                let msg = if self.peek().is_none() {
                    msg
                } else {
                    format!("{msg}, found {}", self.describe_current())
                };
                self.error(span, msg);
                Err(())
            }
        }
    }

    /// A dotted name such as `foo.bar.Baz` or `.foo.Bar`.
    fn type_name(&mut self, what: &str) -> PResult<Ident> {
        let start = self.cur_span();
        let mut name = String::new();
        if self.at_punct(".") {
            self.bump();
            name.push('.');
        }
        let first = self.ident(what)?;
        name.push_str(&first.name);
        let mut end = first.span;
        while self.at_punct(".")
            && self
                .tok(self.pos + 1)
                .is_some_and(|t| t.kind == TokenKind::Ident)
        {
            self.bump();
            let part = self.ident(what)?;
            name.push('.');
            name.push_str(&part.name);
            end = part.span;
        }
        Ok(Ident {
            name,
            span: start.to(end),
        })
    }

    /// Skips to just past the next `;` at this nesting level, or to (not past)
    /// a closing `}` that ends the enclosing block.
    fn recover_statement(&mut self) {
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if t.kind == TokenKind::Punct {
                match t.text(self.src) {
                    ";" if depth == 0 => {
                        self.bump();
                        return;
                    }
                    "{" => depth += 1,
                    "}" => {
                        if depth == 0 {
                            return;
                        }
                        depth -= 1;
                        if depth == 0 {
                            self.bump();
                            return;
                        }
                    }
                    _ => {}
                }
            }
            self.bump();
        }
    }

    pub fn parse_file(&mut self) -> File {
        let file_start = self.cur_span().start;
        let mut decls = Vec::new();
        while self.peek().is_some() {
            let before = self.pos;
            match self.file_decl() {
                Ok(d) => decls.push(d),
                Err(()) => self.recover_statement(),
            }
            if self.pos == before {
                // Never loop on the same token: drop it.
                self.bump();
            }
        }
        let end = self.prev_end();
        File {
            decls,
            span: Span::new(file_start.min(end), end),
        }
    }

    fn decl_toks(&self, first: usize) -> DeclToks {
        DeclToks {
            first: first as u32,
            end_of_decl: self.pos.saturating_sub(1) as u32,
        }
    }

    fn file_decl(&mut self) -> PResult<Decl> {
        let first = self.pos;
        let text = self.peek_text();
        match self.peek_kind() {
            Some(TokenKind::Punct) if text == ";" => {
                let s = self.bump();
                return Ok(Decl::Empty(s));
            }
            Some(TokenKind::Ident) => {}
            Some(TokenKind::Punct) if text == "}" => {
                let span = self.bump();
                self.error(span, "encountered unmatched `}` delimiter");
                self.error(span, "unexpected `}` in file scope");
                return Ok(Decl::Empty(span));
            }
            _ => {
                let span = self.cur_span();
                self.error(
                    span,
                    format!("unexpected {} in file scope", self.describe_current()),
                );
                return Err(());
            }
        }
        match text {
            "syntax" | "edition" if self.peek_at(1) == "=" => {
                let kw = self.bump();
                self.bump();
                let value = self.string_lit("syntax")?;
                let semi = self
                    .semi_or_eof("after syntax declaration", "`syntax` declaration")?
                    .unwrap_or(value.span);
                let is_edition = text == "edition";
                if !is_edition && value.value == b"proto3" {
                    self.syntax_is_proto3 = true;
                }
                Ok(Decl::Syntax(SyntaxDecl {
                    span: kw.to(semi),
                    toks: self.decl_toks(first),
                    is_edition,
                    value,
                }))
            }
            "package" => {
                let kw = self.bump();
                let name = self.type_name("`package`")?;
                if !self.at_punct(";") {
                    let span = self.cur_span();
                    let msg = format!(
                        "unexpected {} after `package` declaration",
                        self.describe_current()
                    );
                    self.error(span, msg);
                    return Err(());
                }
                let semi = self.bump();
                Ok(Decl::Package(PackageDecl {
                    span: kw.to(semi),
                    toks: self.decl_toks(first),
                    name,
                }))
            }
            "import" => {
                let kw = self.bump();
                let (kind, kind_span) = match (self.peek_kind(), self.peek_text()) {
                    (Some(TokenKind::Ident), "public") => (ImportKind::Public, Some(self.bump())),
                    (Some(TokenKind::Ident), "weak") => (ImportKind::Weak, Some(self.bump())),
                    (Some(TokenKind::Ident), "option") => (ImportKind::Option, Some(self.bump())),
                    _ => (ImportKind::Normal, None),
                };
                let path = self.string_lit("import")?;
                let semi = self
                    .semi_or_eof("after import", "import")?
                    .unwrap_or(path.span);
                Ok(Decl::Import(ImportDecl {
                    span: kw.to(semi),
                    toks: self.decl_toks(first),
                    kind,
                    kind_span,
                    path,
                }))
            }
            "option" => Ok(Decl::Option(self.option_statement()?)),
            "message" | "enum" | "service" if self.peek_at(1) == "{" => {
                Ok(Decl::Empty(self.nameless_block(text)?))
            }
            "message" => Ok(Decl::Message(self.message(None)?)),
            "enum" => Ok(Decl::Enum(self.enum_decl(None)?)),
            "service" => Ok(Decl::Service(self.service()?)),
            "extend" => Ok(Decl::Extend(self.extend()?)),
            "export" | "local" if matches!(self.peek_at(1), "message" | "enum") => {
                Ok(match self.visible_type_decl()? {
                    TypeDecl::Message(m) => Decl::Message(m),
                    TypeDecl::Enum(e) => Decl::Enum(e),
                })
            }
            _ => {
                // A field-like declaration where only definitions belong.
                let start = self.cur_span();
                let span = self.stray_field(start, false);
                self.error(span, "unexpected message field at file scope");
                Ok(Decl::Empty(span))
            }
        }
    }

    /// The rest of a field-like declaration that cannot be kept (at file
    /// scope, or without a name), reported as buf reports it: a missing tag
    /// and a missing name at the declaration, a missing `;` at whatever
    /// follows (which is left for the caller).
    fn stray_field(&mut self, start: Span, in_message: bool) -> Span {
        let mut end = start;
        // The type: a dotted name.
        if self.at_punct(".") {
            end = self.bump();
        }
        if self.peek_kind() == Some(TokenKind::Ident) {
            end = self.bump();
            while self.at_punct(".")
                && self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
            {
                self.bump();
                end = self.bump();
            }
        }
        // The name: one identifier.
        let named = self.peek_kind() == Some(TokenKind::Ident);
        if named {
            end = self.bump();
        }
        // A number where the name belongs (`string 1bad = 1;`): buf takes it
        // for the tag, so a following `= value` is a second tag.
        if !named
            && in_message
            && let Some(t) = self.peek().copied()
            && t.kind == TokenKind::Int
        {
            let text = t.text(self.src);
            let number = self.bump();
            end = number;
            self.error(number, "unexpected integer literal in definition");
            if parse_int(text).is_none()
                && let Some((at, base)) = invalid_digit(text)
            {
                let at = number.start + at as u32;
                self.error(
                    Span::new(at, at),
                    format!("invalid digit in {base} integer literal"),
                );
            }
            if self.at_punct("=") {
                let eq = self.bump();
                let mut tag_end = eq;
                if self.peek().is_some() && !self.at_punct(";") {
                    tag_end = self.bump();
                }
                self.error(
                    eq.to(tag_end),
                    "encountered more than one message field tag",
                );
                if self.at_punct(";") {
                    end = tag_end;
                }
            }
            if self.at_punct("[")
                && let Ok(options) = self.compact_options()
            {
                end = options.span;
            }
            if self.at_punct(";") {
                end = self.bump();
            } else {
                let span = self.cur_span();
                let msg = format!("unexpected {} after definition", self.describe_current());
                self.error(span, msg);
            }
            self.error(start.to(end), "missing name in message field");
            return start.to(end);
        }
        let tagged = self.at_punct("=");
        if tagged {
            end = self.bump();
            if self.peek().is_some() && !self.at_punct(";") {
                end = self.bump();
            }
        }
        if self.at_punct(";") {
            end = self.bump();
        } else {
            let span = self.cur_span();
            let msg = format!("unexpected {} after definition", self.describe_current());
            self.error(span, msg);
        }
        // Both are reported on the whole declaration.
        let span = start.to(end);
        if !tagged {
            self.error(span, "missing message field tag in declaration");
        }
        if !named && in_message {
            self.error(span, "missing name in message field");
        }
        start.to(end)
    }

    /// Whether the tokens at the current position are a field type (after
    /// an optional label) not followed by a name.
    fn nameless_field_ahead(&self) -> bool {
        let mut n = 0;
        if matches!(self.peek_text(), "optional" | "required" | "repeated")
            && self
                .tok(self.pos + 1)
                .is_some_and(|t| t.kind == TokenKind::Ident)
        {
            n = 1;
        }
        if self.peek_at(n) == "map" && self.peek_at(n + 1) == "<" {
            return false;
        }
        let mut seen_type = false;
        loop {
            let Some(t) = self.tok(self.pos + n) else {
                return seen_type;
            };
            let text = t.text(self.src);
            if t.kind == TokenKind::Ident && (!seen_type || self.peek_at(n - 1) == ".") {
                seen_type = true;
                n += 1;
            } else if text == "." {
                n += 1;
            } else {
                return seen_type && t.kind != TokenKind::Ident;
            }
        }
    }

    fn string_lit(&mut self, after: &str) -> PResult<StringLit> {
        let start = self.cur_span();
        if self.peek_kind() != Some(TokenKind::String) {
            let msg = format!(
                "unexpected {} after `{after}`, expected string literal",
                self.describe_current()
            );
            self.error(start, msg);
            return Err(());
        }
        let mut value = Vec::new();
        let mut end = start;
        while self.peek_kind() == Some(TokenKind::String) {
            let span = self.bump();
            let raw = self
                .src
                .get(span.start as usize..span.end as usize)
                .unwrap_or("");
            if let Err((off, len, msg)) = unescape(raw, &mut value) {
                let s = span.start + off as u32;
                self.error(Span::new(s, s + len as u32), msg);
            }
            end = span;
        }
        Ok(StringLit {
            value,
            span: start.to(end),
        })
    }

    fn option_statement(&mut self) -> PResult<OptionDecl> {
        let first = self.pos;
        let kw = self.bump();
        let name = self.option_name()?;
        self.expect_punct("=", "after option name")?;
        let value = self.value()?;
        let semi = if self.at_eof_after_open_string() {
            // buf keeps the option (and checks its value).
            let end = self.cur_span();
            self.error(end, "unexpected unrecognized token after definition");
            value.span
        } else {
            self.expect_punct(";", "after option")?
        };
        Ok(OptionDecl {
            span: kw.to(semi),
            toks: self.decl_toks(first),
            name,
            value,
        })
    }

    fn option_name(&mut self) -> PResult<OptionName> {
        let start = self.cur_span();
        let mut parts = Vec::new();
        let mut dot = None;
        loop {
            if self.at_punct("(") {
                let open = self.bump();
                let inner = self.type_name("`(`")?;
                let close = self.expect_punct(")", "in option name")?;
                parts.push(OptionNamePart {
                    name: inner.name,
                    is_extension: true,
                    span: open.to(close),
                    dot,
                });
            } else {
                let id = self.ident("`option`")?;
                parts.push(OptionNamePart {
                    name: id.name,
                    is_extension: false,
                    span: id.span,
                    dot,
                });
            }
            if self.at_punct(".") {
                dot = Some(self.bump());
                continue;
            }
            // `foo.bar` lexes as idents split by `.`; also handle `(a).b.c`.
            break;
        }
        let end = parts.last().map_or(start, |p| p.span);
        Ok(OptionName {
            parts,
            span: start.to(end),
        })
    }

    fn compact_options(&mut self) -> PResult<CompactOptions> {
        let open = self.bump();
        let mut options = Vec::new();
        loop {
            let first = self.pos;
            let name = self.option_name()?;
            self.expect_punct("=", "after option name")?;
            let value = self.value()?;
            options.push(OptionDecl {
                span: name.span.to(value.span),
                toks: DeclToks {
                    first: first as u32,
                    end_of_decl: self.pos.saturating_sub(1) as u32,
                },
                name,
                value,
            });
            if self.at_punct(",") {
                self.bump();
                continue;
            }
            break;
        }
        if self.at_eof_after_open_string() {
            self.error(open, "encountered unmatched `[` delimiter");
            let end = self.cur_span();
            self.error(end, "unexpected unrecognized token after definition");
            return Err(());
        }
        let close = self.expect_punct("]", "in compact options")?;
        Ok(CompactOptions {
            span: open.to(close),
            options,
        })
    }

    fn value(&mut self) -> PResult<Value> {
        let start = self.cur_span();
        let Some(t) = self.peek().copied() else {
            self.error(start, "unexpected end of file, expected value");
            return Err(());
        };
        let text = t.text(self.src);
        match t.kind {
            TokenKind::String => {
                let s = self.string_lit("=")?;
                Ok(Value {
                    kind: ValueKind::String(s.value),
                    span: s.span,
                })
            }
            TokenKind::Int => {
                self.bump();
                Ok(self.number_value(text, false, start, start))
            }
            TokenKind::Float => {
                self.bump();
                Ok(self.number_value(text, false, start, start))
            }
            TokenKind::Ident => {
                self.bump();
                // Allow dotted identifiers in enum-ish values? Only plain.
                Ok(Value {
                    kind: ValueKind::Ident {
                        name: text.to_string(),
                        negative: false,
                    },
                    span: start,
                })
            }
            TokenKind::Punct if text == "-" || text == "+" => {
                self.bump();
                let negative = text == "-";
                let Some(n) = self.peek().copied() else {
                    self.error(start, "unexpected end of file, expected number");
                    return Err(());
                };
                let ntext = n.text(self.src);
                let nspan = self.bump();
                match n.kind {
                    TokenKind::Int | TokenKind::Float => {
                        Ok(self.number_value(ntext, negative, start, nspan))
                    }
                    TokenKind::Ident
                        if matches!(
                            ntext.to_ascii_lowercase().as_str(),
                            "inf" | "infinity" | "nan"
                        ) =>
                    {
                        Ok(Value {
                            kind: ValueKind::Ident {
                                name: ntext.to_string(),
                                negative,
                            },
                            span: start.to(nspan),
                        })
                    }
                    _ => {
                        self.error(
                            nspan,
                            format!("unexpected `{ntext}` after `-`, expected number"),
                        );
                        Err(())
                    }
                }
            }
            TokenKind::Punct if text == "{" || text == "<" => self.message_literal(),
            TokenKind::Punct if text == "[" => {
                let open = self.bump();
                let mut items = Vec::new();
                if !self.at_punct("]") {
                    loop {
                        items.push(self.value()?);
                        if self.at_punct(",") {
                            self.bump();
                            continue;
                        }
                        break;
                    }
                }
                let close = self.expect_punct("]", "in list")?;
                Ok(Value {
                    kind: ValueKind::List(items),
                    span: open.to(close),
                })
            }
            _ => {
                let msg = format!("unexpected {}, expected value", self.describe_current());
                self.error(start, msg);
                Err(())
            }
        }
    }

    fn number_value(&mut self, text: &str, negative: bool, start: Span, end: Span) -> Value {
        let span = start.to(end);
        let kind = match parse_int(text) {
            Some(v) => ValueKind::Int { value: v, negative },
            None => match parse_float(text) {
                Some(f) => ValueKind::Float(if negative { -f } else { f }),
                None => {
                    self.error(end, format!("invalid number `{text}`"));
                    ValueKind::Int { value: 0, negative }
                }
            },
        };
        Value { kind, span }
    }

    fn message_literal(&mut self) -> PResult<Value> {
        let open_text = self.peek_text();
        let close_text = if open_text == "<" { ">" } else { "}" };
        let open = self.bump();
        let mut fields = Vec::new();
        while !self.at_punct(close_text) {
            if self.peek().is_none() {
                self.error(
                    open,
                    format!("encountered unmatched `{open_text}` delimiter"),
                );
                return Err(());
            }
            let name_start = self.cur_span();
            // A token that cannot start a field: reported and skipped.
            if !self.at_punct("[") && self.peek_kind() != Some(TokenKind::Ident) {
                let msg = format!(
                    "unexpected {} in message expression",
                    self.describe_current()
                );
                self.error(name_start, msg);
                self.bump();
                continue;
            }
            // A name with no value (the next token starts another field): buf
            // reports it here and still looks the name up.
            if self.peek_kind() == Some(TokenKind::Ident)
                && self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
            {
                let text = self.peek_text();
                let what = if LITERAL_KEYWORDS.contains(&text) {
                    format!("`{text}`")
                } else {
                    "identifier".to_string()
                };
                self.error(
                    name_start,
                    format!("unexpected {what} in message expression"),
                );
                let id = self.ident("field name")?;
                fields.push(MessageField {
                    name: FieldRef::Dangling(id.name),
                    name_span: id.span,
                    value: Value {
                        kind: ValueKind::Message(Vec::new()),
                        span: id.span,
                    },
                    span: id.span,
                    has_colon: false,
                });
                continue;
            }
            let (name, name_span) = if self.at_punct("[") {
                self.bump();
                let first = self.type_name("`[`")?;
                if self.at_punct("/") {
                    // Any type URL: prefix/with/slashes/pkg.Type
                    let mut prefix = first.name.clone();
                    let mut last = first;
                    while self.at_punct("/") {
                        self.bump();
                        prefix.push('/');
                        last = self.type_name("`/`")?;
                        prefix.push_str(&last.name);
                    }
                    let close = self.expect_punct("]", "in extension name")?;
                    let type_name = last.name.clone();
                    let url_prefix = prefix[..prefix.len() - type_name.len() - 1].to_string();
                    (
                        FieldRef::Any {
                            url_prefix,
                            type_name,
                        },
                        name_start.to(close),
                    )
                } else {
                    let close = self.expect_punct("]", "in extension name")?;
                    (FieldRef::Extension(first.name), name_start.to(close))
                }
            } else {
                let id = self.ident("field name")?;
                (FieldRef::Name(id.name), id.span)
            };
            let has_colon = if self.at_punct(":") {
                self.bump();
                true
            } else {
                false
            };
            if !(has_colon || self.at_punct("{") || self.at_punct("<") || self.at_punct("[")) {
                let span = self.cur_span();
                let msg = format!("unexpected {}, expected `:`", self.describe_current());
                self.error(span, msg);
                return Err(());
            }
            let value = self.value()?;
            let span = name_span.to(value.span);
            fields.push(MessageField {
                name,
                name_span,
                value,
                span,
                has_colon,
            });
            if self.at_punct(",") || self.at_punct(";") {
                self.bump();
            }
        }
        let close = self.bump();
        Ok(Value {
            kind: ValueKind::Message(fields),
            span: open.to(close),
        })
    }

    /// `export message ...` / `local enum ...` (edition 2024 visibility).
    fn visible_type_decl(&mut self) -> PResult<TypeDecl> {
        let vis = if self.peek_text() == "export" {
            Visibility::Export
        } else {
            Visibility::Local
        };
        let vspan = self.bump();
        if self.at_ident("message") {
            self.message(Some((vis, vspan))).map(TypeDecl::Message)
        } else {
            self.enum_decl(Some((vis, vspan))).map(TypeDecl::Enum)
        }
    }

    /// `[export|local] message|enum NAME {`: the keyword's span, the name and
    /// the declaration's tokens. The span starts at the keyword, not at
    /// `export`/`local`; comments attach from the first token.
    fn type_decl_head(
        &mut self,
        visibility: Option<(Visibility, Span)>,
        keyword: &str,
    ) -> PResult<(Span, Ident, DeclToks)> {
        let first = if visibility.is_some() {
            self.pos - 1
        } else {
            self.pos
        };
        let kw = self.cur_span();
        self.bump();
        let name = self.ident(&format!("`{keyword}`"))?;
        self.expect_punct("{", &format!("after {keyword} name"))?;
        Ok((kw, name, self.decl_toks(first)))
    }

    fn message(&mut self, visibility: Option<(Visibility, Span)>) -> PResult<MessageDecl> {
        let (kw, name, toks) = self.type_decl_head(visibility, "message")?;
        let (body, close) = self.message_body()?;
        Ok(MessageDecl {
            span: kw.to(close),
            toks,
            visibility,
            name,
            body,
        })
    }

    /// Parses items up to and including the closing `}`.
    /// `message {` with no name: buf reports it over the whole block, which
    /// is skipped (balanced braces) so parsing goes on after it.
    fn nameless_block(&mut self, keyword: &str) -> PResult<Span> {
        let kw = self.bump();
        let open = self.bump();
        let mut depth = 1usize;
        let mut close = open;
        while let Some(t) = self.peek().copied() {
            let text = t.text(self.src);
            close = self.bump();
            if t.kind == TokenKind::Punct && text == "{" {
                depth += 1;
            } else if t.kind == TokenKind::Punct && text == "}" {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        if depth > 0 {
            self.error(open, "encountered unmatched `{` delimiter");
            return Err(());
        }
        self.error(kw.to(close), format!("missing name after `{keyword}`"));
        Ok(kw.to(close))
    }

    fn message_body(&mut self) -> PResult<(Vec<MessageItem>, Span)> {
        self.block(|p| p.message_item().map(Some))
    }

    /// Parses the items of a `{ ... }` body up to and including its `}`.
    /// `item` returns `Ok(None)` for something consumed that adds no item.
    /// A failed item is skipped to the end of its statement, and every turn
    /// consumes at least one token, so the loop always ends.
    fn block<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> PResult<Option<T>>,
    ) -> PResult<(Vec<T>, Span)> {
        let mut items = Vec::new();
        // The `{` that opened this body (just consumed by the caller).
        let open = self
            .pos
            .checked_sub(1)
            .and_then(|k| self.tok(k))
            .map(|t| Span::new(t.start, t.end));
        loop {
            if self.at_punct("}") {
                let close = self.bump();
                return Ok((items, close));
            }
            if self.peek().is_none() {
                let span = open.unwrap_or_else(|| self.cur_span());
                self.error(span, "encountered unmatched `{` delimiter");
                // A string left open swallowed the rest of the file: buf
                // keeps what the block declared so far.
                if self.at_eof_after_open_string() {
                    return Ok((items, self.cur_span()));
                }
                return Err(());
            }
            let before = self.pos;
            match item(self) {
                Ok(Some(i)) => items.push(i),
                Ok(None) => {}
                Err(()) => self.recover_statement(),
            }
            if self.pos == before {
                self.bump();
            }
        }
    }

    fn message_item(&mut self) -> PResult<MessageItem> {
        if self.at_punct(";") {
            return Ok(MessageItem::Empty(self.bump()));
        }
        let text = self.peek_text();
        let next = self.peek_at(1);
        let is_ident = self.peek_kind() == Some(TokenKind::Ident);
        if !is_ident && !self.at_punct(".") {
            // buf reports the token and goes on with the next one.
            let span = self.cur_span();
            let msg = format!(
                "unexpected {} in message definition",
                self.describe_current()
            );
            self.error(span, msg);
            return Ok(MessageItem::Empty(self.bump()));
        }
        // Keywords only act as keywords when followed by what they introduce;
        // otherwise they are type names (e.g. a field of type `option`).
        match text {
            "message"
                if self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
                    && self.peek_at(2) == "{" =>
            {
                Ok(MessageItem::Message(self.message(None)?))
            }
            "enum"
                if self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
                    && self.peek_at(2) == "{" =>
            {
                Ok(MessageItem::Enum(self.enum_decl(None)?))
            }
            "export" | "local" if matches!(next, "message" | "enum") && self.peek_at(3) == "{" => {
                Ok(match self.visible_type_decl()? {
                    TypeDecl::Message(m) => MessageItem::Message(m),
                    TypeDecl::Enum(e) => MessageItem::Enum(e),
                })
            }
            "extend" if self.block_follows() => Ok(MessageItem::Extend(self.extend()?)),
            "option" if next != "=" && next != "." => {
                Ok(MessageItem::Option(self.option_statement()?))
            }
            "oneof"
                if self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
                    && self.peek_at(2) == "{" =>
            {
                Ok(MessageItem::Oneof(self.oneof()?))
            }
            "extensions"
                if self
                    .tok(self.pos + 1)
                    .is_some_and(|t| t.kind == TokenKind::Int) =>
            {
                Ok(MessageItem::ExtensionRange(self.extension_range()?))
            }
            "reserved" if next != "=" && next != "." && !self.next_is_field_name(1) => {
                Ok(MessageItem::Reserved(self.reserved()?))
            }
            _ if self.nameless_field_ahead() => {
                let start = self.cur_span();
                Ok(MessageItem::Empty(self.stray_field(start, true)))
            }
            _ => Ok(MessageItem::Field(self.field(true)?)),
        }
    }

    /// True when a `{` comes before any `=` or `;`: the keyword at the
    /// current position opens a block (`extend .a.B {`) rather than starting
    /// a field whose type happens to be named like the keyword.
    fn block_follows(&self) -> bool {
        let mut n = 1;
        loop {
            match self.peek_at(n) {
                "{" => return true,
                "=" | ";" | "" => return false,
                _ => n += 1,
            }
        }
    }

    /// True when the token at `pos+n` is an identifier followed by `=`, i.e.
    /// the keyword before it is really a type name.
    fn next_is_field_name(&self, n: usize) -> bool {
        self.tok(self.pos + n)
            .is_some_and(|t| t.kind == TokenKind::Ident)
            && self.peek_at(n + 1) == "="
    }

    fn field(&mut self, allow_label: bool) -> PResult<FieldDecl> {
        let first = self.pos;
        let start = self.cur_span();
        let mut label = None;
        // Labels are parsed everywhere; misplaced ones are the linker's to report.
        let _ = allow_label;
        {
            let l = match self.peek_text() {
                "optional" => Some(Label::Optional),
                "required" => Some(Label::Required),
                "repeated" => Some(Label::Repeated),
                _ => None,
            };
            if let Some(l) = l
                && self.peek_kind() == Some(TokenKind::Ident)
                && !self.next_is_field_name(1)
            {
                label = Some((l, self.bump()));
            }
        }
        // Type.
        let (ty, ty_span) = if self.at_ident("map") && self.peek_at(1) == "<" {
            let kw = self.bump();
            let open = self.bump();
            let mut args = vec![self.type_name("`<`")?];
            while self.at_punct(",") {
                self.bump();
                args.push(self.type_name("`,`")?);
            }
            let close = self.expect_punct(">", "after map value type")?;
            if args.len() != 2 {
                let msg = format!("expected exactly two type arguments, got {}", args.len());
                self.error(open.to(close), msg);
            }
            let mut args = args.into_iter();
            let key = args.next().ok_or(())?;
            let value = args.next().unwrap_or_else(|| key.clone());
            (FieldType::Map { key, value }, kw.to(close))
        } else if self.at_ident("group")
            && self
                .tok(self.pos + 1)
                .is_some_and(|t| t.kind == TokenKind::Ident)
            && self.peek_at(2) == "="
        {
            (FieldType::Group, self.bump())
        } else {
            let t = self.type_name("field label")?;
            (FieldType::Named(t.name), t.span)
        };
        let name = self.ident("field type")?;
        let number = if self.at_punct("=") {
            self.bump();
            Some(self.int_lit("field number")?)
        } else {
            let span = self.cur_span();
            let msg = format!("unexpected {} in definition", self.describe_current());
            self.error(span, msg);
            return Err(());
        };
        let options = if self.at_punct("[") {
            Some(self.compact_options()?)
        } else {
            None
        };
        if matches!(ty, FieldType::Group) {
            self.expect_punct("{", "after group")?;
            let toks = self.decl_toks(first);
            let (body, close) = self.message_body()?;
            return Ok(FieldDecl {
                span: start.to(close),
                toks,
                label,
                ty,
                ty_span,
                name,
                number,
                options,
                group_body: Some(body),
            });
        }
        let semi = self.expect_punct(";", "after field")?;
        Ok(FieldDecl {
            span: start.to(semi),
            toks: self.decl_toks(first),
            label,
            ty,
            ty_span,
            name,
            number,
            options,
            group_body: None,
        })
    }

    fn int_lit(&mut self, what: &str) -> PResult<IntLit> {
        let start = self.cur_span();
        let negative = if self.at_punct("-") {
            self.bump();
            true
        } else {
            false
        };
        match self.peek().copied() {
            Some(t) if t.kind == TokenKind::Int => {
                let text = t.text(self.src);
                let span = self.bump();
                match parse_int(text) {
                    Some(value) => Ok(IntLit {
                        value,
                        negative,
                        span: start.to(span),
                    }),
                    None => {
                        match invalid_digit(text) {
                            // As buf: the first bad digit, and (for field
                            // numbers) a number that is out of range.
                            Some((at, base)) => {
                                let at = span.start + at as u32;
                                self.error(
                                    Span::new(at, at),
                                    format!("invalid digit in {base} integer literal"),
                                );
                                if what == "field number" {
                                    self.error(span, "field number out of range");
                                }
                            }
                            None => self.error(span, format!("invalid integer `{text}`")),
                        }
                        Err(())
                    }
                }
            }
            _ => {
                let span = self.cur_span();
                let msg = format!("unexpected {}, expected {what}", self.describe_current());
                self.error(span, msg);
                Err(())
            }
        }
    }

    fn oneof(&mut self) -> PResult<OneofDecl> {
        let first = self.pos;
        let kw = self.bump();
        let name = self.ident("`oneof`")?;
        self.expect_punct("{", "after oneof name")?;
        let toks = self.decl_toks(first);
        let (items, close) = self.block(|p| {
            if p.at_punct(";") {
                Ok(Some(MessageItem::Empty(p.bump())))
            } else if p.at_ident("option") && p.peek_at(1) != "=" {
                p.option_statement().map(|o| Some(MessageItem::Option(o)))
            } else {
                p.field(true).map(|f| Some(MessageItem::Field(f)))
            }
        })?;
        Ok(OneofDecl {
            span: kw.to(close),
            toks,
            name,
            items,
        })
    }

    fn ranges(&mut self, allow_max: bool) -> PResult<Vec<Range>> {
        let mut ranges = Vec::new();
        loop {
            let start = self.int_lit("range start")?;
            let mut span = start.span;
            let end = if self.at_ident("to") {
                self.bump();
                if allow_max && self.at_ident("max") {
                    let m = self.bump();
                    span = span.to(m);
                    Some(RangeEnd::Max(m))
                } else {
                    let e = self.int_lit("range end")?;
                    span = span.to(e.span);
                    Some(RangeEnd::Int(e))
                }
            } else {
                None
            };
            ranges.push(Range { span, start, end });
            if self.at_punct(",") {
                self.bump();
                continue;
            }
            return Ok(ranges);
        }
    }

    fn extension_range(&mut self) -> PResult<ExtensionRangeDecl> {
        let first = self.pos;
        let kw = self.bump();
        let ranges = self.ranges(true)?;
        let options = if self.at_punct("[") {
            Some(self.compact_options()?)
        } else {
            None
        };
        let semi = self.expect_punct(";", "after extension range")?;
        Ok(ExtensionRangeDecl {
            span: kw.to(semi),
            toks: self.decl_toks(first),
            ranges,
            options,
        })
    }

    fn reserved(&mut self) -> PResult<ReservedDecl> {
        let first = self.pos;
        let kw = self.bump();
        let mut ranges = Vec::new();
        let mut names = Vec::new();
        if self.peek_kind() == Some(TokenKind::String) || self.peek_kind() == Some(TokenKind::Ident)
        {
            loop {
                if self.peek_kind() == Some(TokenKind::String) {
                    let s = self.string_lit("reserved")?;
                    names.push(Ident {
                        name: s.as_str_lossy(),
                        span: s.span,
                    });
                } else {
                    names.push(self.ident("`reserved`")?);
                }
                if self.at_punct(",") {
                    self.bump();
                    continue;
                }
                break;
            }
        } else {
            ranges = self.ranges(true)?;
        }
        let semi = self.expect_punct(";", "after reserved range")?;
        Ok(ReservedDecl {
            span: kw.to(semi),
            toks: self.decl_toks(first),
            ranges,
            names,
        })
    }

    fn enum_decl(&mut self, visibility: Option<(Visibility, Span)>) -> PResult<EnumDecl> {
        let (kw, name, toks) = self.type_decl_head(visibility, "enum")?;
        let (items, close) = self.block(|p| p.enum_item().map(Some))?;
        Ok(EnumDecl {
            span: kw.to(close),
            toks,
            visibility,
            name,
            items,
        })
    }

    fn enum_item(&mut self) -> PResult<EnumItem> {
        if self.at_punct(";") {
            return Ok(EnumItem::Empty(self.bump()));
        }
        if self.peek_kind() != Some(TokenKind::Ident) {
            let span = self.cur_span();
            let msg = format!("unexpected {} in enum body", self.describe_current());
            self.error(span, msg);
            return Err(());
        }
        let next = self.peek_at(1);
        if self.at_ident("option") && next != "=" {
            return Ok(EnumItem::Option(self.option_statement()?));
        }
        if self.at_ident("reserved") && next != "=" {
            return Ok(EnumItem::Reserved(self.reserved()?));
        }
        let first = self.pos;
        let name = self.ident("enum value")?;
        self.expect_punct("=", "after enum value name")?;
        let number = self.int_lit("enum value number")?;
        let options = if self.at_punct("[") {
            Some(self.compact_options()?)
        } else {
            None
        };
        let semi = self.expect_punct(";", "after enum value")?;
        Ok(EnumItem::Value(EnumValueDecl {
            span: name.span.to(semi),
            toks: self.decl_toks(first),
            name,
            number: Some(number),
            options,
        }))
    }

    fn service(&mut self) -> PResult<ServiceDecl> {
        let first = self.pos;
        let kw = self.bump();
        let name = self.ident("`service`")?;
        self.expect_punct("{", "after service name")?;
        let toks = self.decl_toks(first);
        let (items, close) = self.block(|p| {
            if p.at_punct(";") {
                Ok(Some(ServiceItem::Empty(p.bump())))
            } else if p.at_ident("option") {
                p.option_statement().map(|o| Some(ServiceItem::Option(o)))
            } else if p.at_ident("rpc") {
                p.method().map(|m| Some(ServiceItem::Method(m)))
            } else {
                let span = p.cur_span();
                let msg = format!("unexpected {} in service body", p.describe_current());
                p.error(span, msg);
                Err(())
            }
        })?;
        Ok(ServiceDecl {
            span: kw.to(close),
            toks,
            name,
            items,
        })
    }

    fn method_type(&mut self) -> PResult<MethodType> {
        self.expect_punct("(", "in method signature")?;
        let stream = if self.at_ident("stream")
            && (self
                .tok(self.pos + 1)
                .is_some_and(|t| t.kind == TokenKind::Ident)
                || self.peek_at(1) == ".")
        {
            Some(self.bump())
        } else {
            None
        };
        let name = self.type_name("`(`")?;
        self.expect_punct(")", "in method signature")?;
        Ok(MethodType { stream, name })
    }

    fn method(&mut self) -> PResult<MethodDecl> {
        let first = self.pos;
        let kw = self.bump();
        let name = self.ident("`rpc`")?;
        let input = self.method_type()?;
        if !self.at_ident("returns") {
            let span = self.cur_span();
            let msg = format!("unexpected {}, expected `returns`", self.describe_current());
            self.error(span, msg);
            return Err(());
        }
        self.bump();
        let output = self.method_type()?;
        if self.at_punct("{") {
            self.bump();
            let toks = self.decl_toks(first);
            let (options, close) = self.block(|p| {
                if p.at_punct(";") {
                    p.bump();
                    Ok(None)
                } else if p.at_ident("option") {
                    p.option_statement().map(Some)
                } else {
                    let span = p.cur_span();
                    let msg = format!("unexpected {} in method body", p.describe_current());
                    p.error(span, msg);
                    Err(())
                }
            })?;
            return Ok(MethodDecl {
                span: kw.to(close),
                toks,
                name,
                input,
                output,
                options,
                has_body: true,
            });
        }
        let semi = self.expect_punct(";", "after method")?;
        Ok(MethodDecl {
            span: kw.to(semi),
            toks: self.decl_toks(first),
            name,
            input,
            output,
            options: Vec::new(),
            has_body: false,
        })
    }

    fn extend(&mut self) -> PResult<ExtendDecl> {
        let first = self.pos;
        let kw = self.bump();
        let extendee = self.type_name("`extend`")?;
        self.expect_punct("{", "after extendee")?;
        let toks = self.decl_toks(first);
        let (fields, close) = self.block(|p| {
            if p.at_punct(";") {
                p.bump();
                Ok(None)
            } else {
                p.field(true).map(Some)
            }
        })?;
        Ok(ExtendDecl {
            span: kw.to(close),
            toks,
            extendee,
            fields,
        })
    }

    #[allow(dead_code)]
    fn is_proto3(&self) -> bool {
        self.syntax_is_proto3
    }

    #[allow(dead_code)]
    fn at_any(&self, options: &[&str]) -> bool {
        options.iter().any(|o| self.at(o))
    }
}

/// Parses a protobuf integer literal: decimal, `0x` hex or `0` octal.
pub fn parse_int(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if text.len() > 1 && text.starts_with('0') {
        u64::from_str_radix(&text[1..], 8).ok()
    } else {
        text.parse::<u64>().ok()
    }
}

pub fn parse_float(text: &str) -> Option<f64> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        // An integer too large for u64 is still a valid float.
        return text.parse::<f64>().ok();
    }
    if text.starts_with("0x") || text.starts_with("0X") {
        return None;
    }
    text.parse::<f64>().ok()
}

/// Decodes one quoted string literal (with its quotes) into `out`.
/// On a bad escape returns (offset, length, message) relative to the literal.
fn unescape(raw: &str, out: &mut Vec<u8>) -> Result<(), (usize, usize, String)> {
    let bytes = raw.as_bytes();
    if bytes.len() < 2 {
        return Ok(());
    }
    let quote = bytes[0];
    let end = if bytes.len() >= 2 && bytes[bytes.len() - 1] == quote {
        bytes.len() - 1
    } else {
        bytes.len()
    };
    let mut i = 1;
    let mut err = None;
    while i < end {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let esc_start = i;
        i += 1;
        let Some(&c) = bytes.get(i) else { break };
        i += 1;
        match c {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'?' => out.push(b'?'),
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < end && bytes[i].is_ascii_hexdigit() {
                    v = v * 16 + (bytes[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    err.get_or_insert((
                        esc_start,
                        i - esc_start,
                        "invalid escape sequence".to_string(),
                    ));
                }
                out.push(v as u8);
            }
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < end && (b'0'..=b'7').contains(&bytes[i]) {
                    v = v * 8 + (bytes[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                if v > 255 {
                    err.get_or_insert((
                        esc_start,
                        i - esc_start,
                        "octal escape out of range".to_string(),
                    ));
                }
                out.push(v as u8);
            }
            b'u' | b'U' => {
                let len = if c == b'u' { 4 } else { 8 };
                let digits = raw.get(i..(i + len).min(end)).unwrap_or("");
                if digits.len() == len && digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                    let cp = u32::from_str_radix(digits, 16).unwrap_or(0xFFFD);
                    i += len;
                    match char::from_u32(cp) {
                        Some(ch) => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        None => {
                            err.get_or_insert((
                                esc_start,
                                i - esc_start,
                                "invalid escape sequence".to_string(),
                            ));
                        }
                    }
                } else {
                    err.get_or_insert((esc_start, 2, "invalid escape sequence".to_string()));
                }
            }
            _ => {
                err.get_or_insert((esc_start, 2, "invalid escape sequence".to_string()));
                out.push(c);
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Words buf's parser treats as keywords when it names an unexpected token
/// in a message expression.
const LITERAL_KEYWORDS: &[&str] = &[
    "syntax",
    "edition",
    "import",
    "weak",
    "public",
    "package",
    "option",
    "message",
    "enum",
    "service",
    "extend",
    "oneof",
    "extensions",
    "reserved",
    "to",
    "max",
    "rpc",
    "returns",
    "stream",
    "optional",
    "required",
    "repeated",
    "group",
    "map",
    "in",
    "export",
    "local",
];

/// The offset of the first character of an integer literal that is not a
/// digit of its base, and the base's name (`1x`, `08`, `0xG`).
fn invalid_digit(text: &str) -> Option<(usize, &'static str)> {
    let b = text.as_bytes();
    let (base, from, ok): (&str, usize, fn(u8) -> bool) =
        if text.starts_with("0x") || text.starts_with("0X") {
            ("hexadecimal", 2, |c| c.is_ascii_hexdigit())
        } else if b.len() > 1 && b[0] == b'0' {
            ("octal", 1, |c| (b'0'..=b'7').contains(&c))
        } else {
            ("decimal", 0, |c| c.is_ascii_digit())
        };
    b.iter()
        .enumerate()
        .skip(from)
        .find(|(_, c)| !ok(**c))
        .map(|(i, _)| (i, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::lexer::lex;

    fn parse(src: &str) -> (File, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let toks = lex(src, &mut d);
        let mut p = Parser::new(src, &toks);
        let f = p.parse_file();
        d.extend(p.diags);
        (f, d)
    }

    #[test]
    fn string_escapes_decode_like_protoc() {
        let mut out = Vec::new();
        assert!(unescape(r#""a\n\x41\101\u00e9\?""#, &mut out).is_ok());
        assert_eq!(out, b"a\nAA\xc3\xa9?");
    }

    #[test]
    fn keywords_can_be_field_types_and_names() {
        let (f, d) = parse(
            "message M { option option = 1; message message = 2; optional int32 reserved = 3; }",
        );
        assert!(d.is_empty(), "{d:?}");
        let Some(Decl::Message(m)) = f.decls.first() else {
            panic!("no message")
        };
        assert_eq!(m.body.len(), 3);
    }

    #[test]
    fn errors_recover_and_continue() {
        let (f, d) = parse("message A { int32 x = ; } message B {}");
        assert_eq!(d.len(), 1);
        assert_eq!(f.decls.len(), 2);
    }
}
