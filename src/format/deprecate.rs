//! `source edit deprecate`: which declarations of a file a set of name
//! prefixes marks deprecated, as insertions for the printer. Packages,
//! messages, enums, services and methods match by prefix (whole name
//! components); fields and enum values only by their exact full name.

use super::printer::Edits;
use crate::compiler::ParsedFile;
use crate::compiler::ast::{
    CompactOptions, Decl, EnumDecl, EnumItem, FieldDecl, MessageDecl, MessageItem, OptionDecl,
    ServiceItem, ValueKind,
};

/// What the prefixes found in one file.
#[derive(Debug, Default)]
pub struct Found {
    /// Some declaration matched (already deprecated or not).
    pub matched: bool,
}

fn matches_prefix(name: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| {
        name == p || (name.starts_with(p.as_str()) && name.as_bytes().get(p.len()) == Some(&b'.'))
    })
}

fn matches_exact(name: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| name == p)
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

struct Walk<'a> {
    parsed: &'a ParsedFile,
    prefixes: &'a [String],
    edits: Edits,
    found: Found,
}

impl Walk<'_> {
    /// The byte offset of the first token `text` at or after `from`.
    fn token_at_or_after(&self, from: u32, text: &str) -> Option<u32> {
        let src: &str = &self.parsed.source.text;
        let toks = &self.parsed.tokens;
        let start = toks.partition_point(|t| t.start < from);
        toks[start..]
            .iter()
            .filter(|t| !t.kind.is_trivia())
            .find(|t| t.text(src) == text)
            .map(|t| t.start)
    }

    /// An existing `deprecated` option among `options`: whether it is true,
    /// and the offset of a `false` value to turn.
    fn existing<'o>(options: impl Iterator<Item = &'o OptionDecl>) -> Option<(bool, Option<u32>)> {
        for o in options {
            let [part] = o.name.parts.as_slice() else {
                continue;
            };
            if part.is_extension || part.name != "deprecated" {
                continue;
            }
            return Some(match &o.value.kind {
                ValueKind::Ident { name, .. } if name == "true" => (true, None),
                ValueKind::Ident { name, .. } if name == "false" => {
                    (false, Some(o.value.span.start))
                }
                _ => (true, None),
            });
        }
        None
    }

    /// A body gets `option deprecated = true;` unless it has it already.
    fn deprecate_body<'o>(&mut self, name_end: u32, options: impl Iterator<Item = &'o OptionDecl>) {
        self.found.matched = true;
        match Self::existing(options) {
            Some((true, _)) => {}
            Some((false, Some(at))) => {
                self.edits.make_true.insert(at);
            }
            _ => {
                if let Some(open) = self.token_at_or_after(name_end, "{") {
                    self.edits.body_first.insert(open);
                }
            }
        }
    }

    /// A field or enum value gets `deprecated = true` in its `[...]`.
    fn deprecate_compact(&mut self, options: Option<&CompactOptions>, semicolon: Option<u32>) {
        self.found.matched = true;
        let existing = options.and_then(|c| Self::existing(c.options.iter()));
        match (existing, options) {
            (Some((true, _)), _) => {}
            (Some((false, Some(at))), _) => {
                self.edits.make_true.insert(at);
            }
            (_, Some(c)) => {
                self.edits.compact_first.insert(c.span.start);
            }
            (_, None) => {
                if let Some(at) = semicolon {
                    self.edits.compact_new.insert(at);
                }
            }
        }
    }

    fn field(&mut self, scope: &str, f: &FieldDecl) {
        if f.group_body.is_some() {
            return;
        }
        if matches_exact(&join(scope, &f.name.name), self.prefixes) {
            let semi = self.token_at_or_after(f.name.span.end, ";");
            self.deprecate_compact(f.options.as_ref(), semi);
        }
    }

    fn message(&mut self, scope: &str, m: &MessageDecl) {
        let full = join(scope, &m.name.name);
        if matches_prefix(&full, self.prefixes) {
            let opts = m.body.iter().filter_map(|i| match i {
                MessageItem::Option(o) => Some(o),
                _ => None,
            });
            self.deprecate_body(m.name.span.end, opts);
        }
        self.message_items(&full, &m.body);
    }

    fn message_items(&mut self, full: &str, items: &[MessageItem]) {
        for item in items {
            match item {
                MessageItem::Field(f) => self.field(full, f),
                MessageItem::Oneof(o) => {
                    for i in &o.items {
                        if let MessageItem::Field(f) = i {
                            self.field(full, f);
                        }
                    }
                }
                MessageItem::Message(m) => self.message(full, m),
                MessageItem::Enum(e) => self.enum_decl(full, e),
                MessageItem::Extend(x) => {
                    for f in &x.fields {
                        self.field(full, f);
                    }
                }
                _ => {}
            }
        }
    }

    fn enum_decl(&mut self, scope: &str, e: &EnumDecl) {
        let full = join(scope, &e.name.name);
        if matches_prefix(&full, self.prefixes) {
            let opts = e.items.iter().filter_map(|i| match i {
                EnumItem::Option(o) => Some(o),
                _ => None,
            });
            self.deprecate_body(e.name.span.end, opts);
        }
        // Enum values live in the enum's parent scope.
        for item in &e.items {
            if let EnumItem::Value(v) = item
                && matches_exact(&join(scope, &v.name.name), self.prefixes)
            {
                let semi = self.token_at_or_after(v.name.span.end, ";");
                self.deprecate_compact(v.options.as_ref(), semi);
            }
        }
    }
}

/// The insertions that deprecate what `prefixes` name in `parsed`.
pub fn edits(parsed: &ParsedFile, prefixes: &[String]) -> (Edits, Found) {
    let mut w = Walk {
        parsed,
        prefixes,
        edits: Edits::default(),
        found: Found::default(),
    };
    let package = parsed
        .tree
        .decls
        .iter()
        .find_map(|d| match d {
            Decl::Package(p) => Some(p.name.name.clone()),
            _ => None,
        })
        .unwrap_or_default();
    if !package.is_empty() && matches_prefix(&package, prefixes) {
        w.found.matched = true;
        let existing = Walk::existing(parsed.tree.decls.iter().filter_map(|d| match d {
            Decl::Option(o) => Some(o),
            _ => None,
        }));
        match existing {
            Some((true, _)) => {}
            Some((false, Some(at))) => {
                w.edits.make_true.insert(at);
            }
            _ => w.edits.file_option = true,
        }
    }
    for d in &parsed.tree.decls {
        match d {
            Decl::Message(m) => w.message(&package, m),
            Decl::Enum(e) => w.enum_decl(&package, e),
            Decl::Extend(x) => {
                for f in &x.fields {
                    w.field(&package, f);
                }
            }
            Decl::Service(s) => {
                let full = join(&package, &s.name.name);
                if matches_prefix(&full, prefixes) {
                    let opts = s.items.iter().filter_map(|i| match i {
                        ServiceItem::Option(o) => Some(o),
                        _ => None,
                    });
                    w.deprecate_body(s.name.span.end, opts);
                }
                for item in &s.items {
                    let ServiceItem::Method(m) = item else {
                        continue;
                    };
                    if !matches_prefix(&join(&full, &m.name.name), prefixes) {
                        continue;
                    }
                    w.found.matched = true;
                    match Walk::existing(m.options.iter()) {
                        Some((true, _)) => {}
                        Some((false, Some(at))) => {
                            w.edits.make_true.insert(at);
                        }
                        _ => {
                            // the body's `{`, or the `;` of a method without one
                            let after = m.output.name.span.end;
                            if m.has_body {
                                if let Some(open) = w.token_at_or_after(after, "{") {
                                    w.edits.body_first.insert(open);
                                }
                            } else if let Some(semi) = w.token_at_or_after(after, ";") {
                                w.edits.method_body.insert(semi);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (w.edits, w.found)
}
