//! `stats`: counts of what a set of `.proto` files declares, taken from the
//! syntax tree alone (no linking), as buf 1.75.0 counts them: a file that
//! does not parse still counts what its recovered tree holds.

use crate::compiler::ast::{
    Decl, EnumDecl, EnumItem, ExtendDecl, FieldDecl, File, MessageItem, OptionDecl, ServiceItem,
    ValueKind,
};

/// The numbers `buf stats` prints. `types` is messages + enums + RPCs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub types: usize,
    pub packages: usize,
    pub messages: usize,
    pub deprecated_messages: usize,
    pub fields: usize,
    pub enums: usize,
    pub deprecated_enums: usize,
    pub enum_values: usize,
    pub services: usize,
    pub rpcs: usize,
    pub deprecated_rpcs: usize,
    pub extensions: usize,
}

impl Stats {
    /// buf's text form: each label padded to 21 columns.
    pub fn to_text(&self) -> String {
        self.rows()
            .iter()
            .map(|(label, _, n)| format!("{:<21}{n}\n", format!("{label}:")))
            .collect()
    }

    /// buf's JSON form: one object on one line, keys in buf's order.
    pub fn to_json(&self) -> String {
        let body: Vec<String> = self
            .rows()
            .iter()
            .map(|(_, key, n)| format!("\"{key}\":{n}"))
            .collect();
        format!("{{{}}}\n", body.join(","))
    }

    fn rows(&self) -> [(&'static str, &'static str, usize); 13] {
        [
            ("Files", "files", self.files),
            ("Types", "types", self.types),
            ("Packages", "packages", self.packages),
            ("Messages", "messages", self.messages),
            (
                "Deprecated Messages",
                "deprecated_messages",
                self.deprecated_messages,
            ),
            ("Fields", "fields", self.fields),
            ("Enums", "enums", self.enums),
            (
                "Deprecated Enums",
                "deprecated_enums",
                self.deprecated_enums,
            ),
            ("Enum Values", "evalues", self.enum_values),
            ("Services", "services", self.services),
            ("RPCs", "rpcs", self.rpcs),
            ("Deprecated RPCs", "deprecated_rpcs", self.deprecated_rpcs),
            ("Extensions", "extensions", self.extensions),
        ]
    }
}

/// Counts over `files`' syntax trees. Packages are distinct names.
pub fn count<'a>(files: impl IntoIterator<Item = &'a File>) -> Stats {
    let mut s = Stats::default();
    let mut packages = std::collections::HashSet::new();
    for file in files {
        s.files += 1;
        for decl in &file.decls {
            match decl {
                Decl::Package(p) => {
                    packages.insert(p.name.name.clone());
                }
                Decl::Message(m) => message(&mut s, &m.body, &[]),
                Decl::Enum(e) => enumeration(&mut s, e),
                Decl::Extend(x) => extend(&mut s, x),
                Decl::Service(svc) => {
                    s.services += 1;
                    for item in &svc.items {
                        if let ServiceItem::Method(rpc) = item {
                            s.rpcs += 1;
                            s.types += 1;
                            if deprecated(rpc.options.iter()) {
                                s.deprecated_rpcs += 1;
                            }
                        }
                    }
                }
                Decl::Syntax(_) | Decl::Import(_) | Decl::Option(_) | Decl::Empty(_) => {}
            }
        }
    }
    s.packages = packages.len();
    s
}

fn body_options(body: &[MessageItem]) -> impl Iterator<Item = &OptionDecl> {
    body.iter().filter_map(|item| match item {
        MessageItem::Option(o) => Some(o),
        _ => None,
    })
}

/// A message body; `extra` holds options written outside it (a group's
/// `[...]`).
fn message(s: &mut Stats, body: &[MessageItem], extra: &[OptionDecl]) {
    s.messages += 1;
    s.types += 1;
    if deprecated(extra.iter().chain(body_options(body))) {
        s.deprecated_messages += 1;
    }
    for item in body {
        match item {
            MessageItem::Field(f) => field(s, f),
            MessageItem::Oneof(o) => {
                for item in &o.items {
                    if let MessageItem::Field(f) = item {
                        field(s, f);
                    }
                }
            }
            MessageItem::Message(m) => message(s, &m.body, &[]),
            MessageItem::Enum(e) => enumeration(s, e),
            MessageItem::Extend(x) => extend(s, x),
            MessageItem::ExtensionRange(_)
            | MessageItem::Reserved(_)
            | MessageItem::Option(_)
            | MessageItem::Empty(_) => {}
        }
    }
}

fn field(s: &mut Stats, f: &FieldDecl) {
    s.fields += 1;
    group(s, f);
}

/// buf 1.75.0 counts a group as a message but does not look inside it.
fn group(s: &mut Stats, f: &FieldDecl) {
    if let Some(body) = &f.group_body {
        s.messages += 1;
        s.types += 1;
        let compact = f.options.as_ref().map(|o| o.options.as_slice());
        if deprecated(compact.unwrap_or_default().iter().chain(body_options(body))) {
            s.deprecated_messages += 1;
        }
    }
}

fn enumeration(s: &mut Stats, e: &EnumDecl) {
    s.enums += 1;
    s.types += 1;
    let options = e.items.iter().filter_map(|item| match item {
        EnumItem::Option(o) => Some(o),
        _ => None,
    });
    if deprecated(options) {
        s.deprecated_enums += 1;
    }
    s.enum_values += e
        .items
        .iter()
        .filter(|item| matches!(item, EnumItem::Value(_)))
        .count();
}

fn extend(s: &mut Stats, x: &ExtendDecl) {
    for f in &x.fields {
        s.extensions += 1;
        group(s, f);
    }
}

/// Whether any of `options` is `deprecated = true` (also `deprecated.x =
/// true`: buf reads only the first name part, and any such option counts).
fn deprecated<'a>(options: impl IntoIterator<Item = &'a OptionDecl>) -> bool {
    options.into_iter().any(|o| {
        o.name
            .parts
            .first()
            .is_some_and(|p| !p.is_extension && p.name == "deprecated")
            && matches!(&o.value.kind, ValueKind::Ident { name, negative: false } if name == "true")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::{SourceFile, parse};

    fn stats(text: &str) -> Stats {
        let (parsed, _) = parse(SourceFile {
            import_path: "t.proto".into(),
            display_path: "t.proto".into(),
            text: std::sync::Arc::new(text.to_string()),
        });
        count([&parsed.tree])
    }

    #[test]
    fn group_counts_as_message_without_its_body() {
        let s = stats(
            "syntax = \"proto2\"; message A { optional group G = 1 [deprecated = true] { \
             optional int32 y = 1; message N {} } }",
        );
        assert_eq!((s.messages, s.fields, s.deprecated_messages), (2, 1, 1));
    }

    #[test]
    fn types_are_messages_enums_and_rpcs() {
        let s = stats(
            "syntax = \"proto3\"; package p; message A {} enum E { E0 = 0; } \
             service S { rpc R(A) returns (A) { option deprecated = true; } }",
        );
        assert_eq!(
            (s.types, s.services, s.deprecated_rpcs, s.packages),
            (3, 1, 1, 1)
        );
    }
}
