//! File-local checks on the syntax tree that protoc and buf enforce: field
//! number ranges, duplicate and reserved numbers and names, enum rules,
//! proto3 restrictions, JSON name clashes, misplaced labels, maps and groups.
//! Messages and positions follow buf 1.75.0.

use rustc_hash::FxHashMap as HashMap;

use super::ast::*;
use super::diag::Diagnostic;
use super::lower::{EDITION_2024, Syntax, int_value, json_name};

const MAX_FIELD_NUMBER: i64 = 536_870_911;

pub fn check(file: &File, src: &str, syntax: Syntax, diags: &mut Vec<Diagnostic>) {
    let legacy_json = file
        .decls
        .iter()
        .any(|d| matches!(d, Decl::Option(o) if is_legacy_json(o)));
    let naming_style = syntax == Syntax::Editions(EDITION_2024)
        && !file.decls.iter().any(|d| {
            matches!(d, Decl::Option(o) if feature_is(o, "enforce_naming_style", "STYLE_LEGACY"))
        });
    let mut v = Validator {
        syntax,
        diags,
        legacy_json,
        src,
        naming_style,
    };
    let mut imports: Vec<&[u8]> = Vec::new();
    let mut package_seen = false;
    let mut seen_import_option = false;
    let mut seen_other = false;
    for d in &file.decls {
        match d {
            Decl::Syntax(sd) if seen_other => {
                let word = if sd.is_edition { "edition" } else { "syntax" };
                v.error(sd.span, format!("unexpected `{word}` declaration"));
            }
            Decl::Package(pd) => {
                if package_seen {
                    v.error(pd.span, "unexpected `package` declaration");
                }
                package_seen = true;
            }
            Decl::Import(imp) => {
                if imports.contains(&imp.path.value.as_slice()) {
                    v.error(imp.span, "file imported multiple times");
                }
                imports.push(&imp.path.value);
                if v.syntax == Syntax::Editions(EDITION_2024) {
                    if imp.kind == ImportKind::Weak
                        && let Some(ks) = imp.kind_span
                    {
                        v.error(ks, "`import weak` is not supported in Edition 2024");
                    }
                    if imp.kind == ImportKind::Option {
                        seen_import_option = true;
                    } else if seen_import_option {
                        v.error(imp.span, "import after `import option`");
                    }
                }
            }
            Decl::Message(m) => v.named_message(m),
            Decl::Enum(e) => v.enumeration(e, file),
            Decl::Extend(x) => v.extend(x),
            _ => {}
        }
        if !matches!(d, Decl::Empty(_)) {
            seen_other = true;
        }
    }
}

struct Validator<'d> {
    syntax: Syntax,
    diags: &'d mut Vec<Diagnostic>,
    /// The file opts out of JSON name clash checks.
    legacy_json: bool,
    src: &'d str,
    /// Edition 2024's naming style applies (not switched to STYLE_LEGACY).
    naming_style: bool,
}

/// `features.json_format = LEGACY_BEST_EFFORT` or proto3's
/// `deprecated_legacy_json_field_conflicts = true`: JSON clashes allowed.
fn is_legacy_json(o: &OptionDecl) -> bool {
    let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
    (names == ["features", "json_format"]
        && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == "LEGACY_BEST_EFFORT"))
        || is_true(o, "deprecated_legacy_json_field_conflicts")
}

fn is_true(o: &OptionDecl, name: &str) -> bool {
    o.name.parts.len() == 1
        && !o.name.parts[0].is_extension
        && o.name.parts[0].name == name
        && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == "true")
}

impl Validator<'_> {
    fn named_message(&mut self, m: &MessageDecl) {
        if self.naming_style && !is_pascal(&m.name.name) {
            self.error(m.name.span, "message type name should be PascalCase");
        }
        for item in &m.body {
            if let MessageItem::Option(o) = item {
                self.feature_target(o, &["json_format", "enforce_naming_style"]);
            }
        }
        self.message(&m.body);
    }

    /// `option features.X` where X cannot be set on this kind of element.
    fn feature_target(&mut self, o: &OptionDecl, allowed: &[&str]) {
        const FEATURES: &[&str] = &[
            "field_presence",
            "enum_type",
            "repeated_field_encoding",
            "utf8_validation",
            "message_encoding",
            "json_format",
            "enforce_naming_style",
            "default_symbol_visibility",
        ];
        if let [first, second] = o.name.parts.as_slice()
            && first.name == "features"
            && !first.is_extension
            && !second.is_extension
            && FEATURES.contains(&second.name.as_str())
            && !allowed.contains(&second.name.as_str())
        {
            self.error(
                second.span,
                format!("unsupported option target for `{}`", second.name),
            );
        }
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(span.start, span.end, msg));
    }

    fn open_enums_by_default(&self) -> bool {
        !matches!(self.syntax, Syntax::Proto2)
    }

    fn field_common(&mut self, f: &FieldDecl, in_oneof: bool) {
        if self.naming_style && !matches!(f.ty, FieldType::Group) && !is_snake(&f.name.name) {
            self.error(f.name.span, "field name should be snake_case");
        }
        if let (FieldType::Named(t), Some(co)) = (&f.ty, &f.options)
            && matches!(t.as_str(), "float" | "double")
        {
            for o in &co.options {
                let text = self
                    .src
                    .get(o.value.span.start as usize..o.value.span.end as usize)
                    .unwrap_or("");
                let digits = text.trim_start_matches('-').trim_start();
                if o.name.parts.len() == 1
                    && o.name.parts[0].name == "default"
                    && (digits.starts_with("0x") || digits.starts_with("0X"))
                {
                    self.error(o.value.span, "unsupported base for floating-point literal");
                }
            }
        }
        if let Some((label, span)) = f.label {
            let word = match label {
                Label::Optional => "optional",
                Label::Required => "required",
                Label::Repeated => "repeated",
            };
            if in_oneof || (matches!(self.syntax, Syntax::Editions(_)) && label != Label::Repeated)
            {
                self.error(span, format!("unexpected `{word}`"));
            } else if label == Label::Required && self.syntax == Syntax::Proto3 {
                self.error(span, "unexpected `required`");
            } else if label == Label::Repeated && matches!(f.ty, FieldType::Map { .. }) {
                self.error(f.ty_span, "unexpected type after `repeated`");
            }
        }
        if f.label.is_none()
            && !in_oneof
            && self.syntax == Syntax::Proto2
            && matches!(f.ty, FieldType::Named(_))
        {
            self.error(f.ty_span, "unexpected type name");
        }
        if let FieldType::Map { key, .. } = &f.ty
            && matches!(key.name.as_str(), "double" | "float" | "bytes")
        {
            self.error(
                key.span,
                format!("expected map key type, found scalar type `{}`", key.name),
            );
        }
        if in_oneof && matches!(f.ty, FieldType::Map { .. }) {
            self.error(
                f.ty_span,
                "map fields are not allowed inside of a oneof definition",
            );
        }
        if matches!(f.ty, FieldType::Group) && !matches!(self.syntax, Syntax::Proto2) {
            self.error(f.ty_span, "group syntax is not supported");
        }
        if let Some(co) = &f.options {
            for o in &co.options {
                let single = o.name.parts.len() == 1 && !o.name.parts[0].is_extension;
                let name = o.name.parts.first().map(|p| p.name.as_str()).unwrap_or("");
                if single && name == "ctype" && self.syntax == Syntax::Editions(EDITION_2024) {
                    self.error(o.name.span, "`ctype` is not supported in Edition 2024");
                }
                if single && name == "packed" {
                    let repeated = matches!(f.label, Some((Label::Repeated, _)));
                    if !repeated {
                        let start = f.label.map_or(f.ty_span, |(_, sp)| sp);
                        self.error(
                            start.to(f.ty_span),
                            "expected repeated field, found singular field",
                        );
                    } else if let FieldType::Named(n) = &f.ty
                        && matches!(n.as_str(), "string" | "bytes")
                    {
                        self.error(
                            f.ty_span,
                            format!("expected packable type, found scalar type `{n}`"),
                        );
                    }
                }
            }
        }
        if self.syntax == Syntax::Proto3
            && let Some(co) = &f.options
        {
            for o in &co.options {
                if o.name.parts.len() == 1
                    && !o.name.parts[0].is_extension
                    && o.name.parts[0].name == "default"
                {
                    self.error(o.span, "custom default in \"proto3\"");
                }
            }
        }
    }

    fn message(&mut self, body: &[MessageItem]) {
        // (number, span of the number) of every field, in source order.
        let mut fields: Vec<(&FieldDecl, bool)> = Vec::new();
        let mut reserved_ranges: Vec<(i64, i64)> = Vec::new();
        let mut all_ranges: Vec<(i64, i64)> = Vec::new();
        let mut reserved_names: Vec<&str> = Vec::new();
        let mut message_set = false;
        let mut legacy_json = self.legacy_json;
        for item in body {
            match item {
                MessageItem::Field(f) => fields.push((f, false)),
                MessageItem::Oneof(o) => {
                    if !o.items.iter().any(|i| matches!(i, MessageItem::Field(_))) {
                        self.error(o.span, "oneof must define at least one member");
                    }
                    for it in &o.items {
                        if let MessageItem::Field(f) = it {
                            fields.push((f, true));
                        }
                    }
                }
                MessageItem::ExtensionRange(r) => {
                    for range in &r.ranges {
                        let (start, end) = bounds(range, MAX_FIELD_NUMBER);
                        if all_ranges.iter().any(|(a, b)| start <= *b && *a <= end) {
                            self.error(range.span, "overlapping field number ranges");
                        }
                        all_ranges.push((start, end));
                    }
                }
                MessageItem::Reserved(r) => {
                    for range in &r.ranges {
                        let (start, end) = bounds(range, MAX_FIELD_NUMBER);
                        if end < start {
                            // buf's own message, formatting bug included.
                            self.error(
                                range.span,
                                "empty reserved range %!v(MISSING) %!v(MISSING)",
                            );
                            continue;
                        }
                        if all_ranges.iter().any(|(a, b)| start <= *b && *a <= end) {
                            self.error(range.span, "overlapping field number ranges");
                        }
                        all_ranges.push((start, end));
                        reserved_ranges.push((start, end));
                    }
                    reserved_names.extend(r.names.iter().map(|n| n.name.as_str()));
                }
                MessageItem::Option(o) if is_true(o, "message_set_wire_format") => {
                    message_set = true
                }
                MessageItem::Option(o) if is_legacy_json(o) => legacy_json = true,
                MessageItem::Message(m) => self.named_message(m),
                MessageItem::Enum(e) => self.enumeration_in(e),
                MessageItem::Extend(x) => self.extend(x),
                _ => {}
            }
        }
        let _ = message_set;
        let mut seen_numbers: HashMap<i64, ()> = HashMap::default();
        let mut seen_json: HashMap<String, ()> = HashMap::default();
        for (f, in_oneof) in &fields {
            self.field_common(f, *in_oneof);
            if let Some(body) = &f.group_body {
                self.message(body);
            }
            let Some(n) = &f.number else { continue };
            let num = int_value(n);
            if !(1..=MAX_FIELD_NUMBER).contains(&num) || (19_000..=19_999).contains(&num) {
                self.error(n.span, "field number out of range");
            } else if seen_numbers.insert(num, ()).is_some() {
                self.error(n.span, format!("field number `{num}` used more than once"));
            } else if reserved_ranges
                .iter()
                .any(|(a, b)| (*a..=*b).contains(&num))
            {
                self.error(n.span, format!("use of reserved field number `{num}`"));
            }
            let name = if matches!(f.ty, FieldType::Group) {
                f.name.name.to_ascii_lowercase()
            } else {
                f.name.name.clone()
            };
            if reserved_names.contains(&name.as_str()) {
                self.error(f.name.span, "use of reserved message field name");
            }
            // A custom json_name clashes in any syntax; default ones only
            // outside proto2. buf points at the custom name's value.
            let custom = custom_json_name(f);
            let effective = custom
                .as_ref()
                .map_or_else(|| json_name(&name), |(n, _)| n.clone());
            let checked = custom.is_some() || !matches!(self.syntax, Syntax::Proto2);
            if checked && !legacy_json && seen_json.insert(effective, ()).is_some() {
                let span = custom.map_or(f.name.span, |(_, sp)| sp);
                self.error(span, "message fields have the same JSON name");
            }
        }
    }

    fn extend(&mut self, x: &ExtendDecl) {
        if x.fields.is_empty() {
            self.error(
                x.span,
                "message extension block must declare at least one message extension",
            );
        }
        for f in &x.fields {
            if let Some(co) = &f.options {
                if co.options.iter().any(|o| {
                    let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
                    names == ["features", "field_presence"]
                }) {
                    self.error(f.span, "expected singular field, found extension");
                }
                for o in &co.options {
                    if o.name.parts.len() == 1
                        && !o.name.parts[0].is_extension
                        && o.name.parts[0].name == "json_name"
                    {
                        self.error(o.span, "message extension cannot specify `json_name`");
                    }
                }
            }
            self.field_common(f, false);
            if let Some(n) = &f.number {
                let num = int_value(n);
                if !(1..=MAX_FIELD_NUMBER).contains(&num) {
                    self.error(n.span, "field number out of range");
                }
            }
            if let Some(body) = &f.group_body {
                self.message(body);
            }
        }
    }

    fn enumeration_in(&mut self, e: &EnumDecl) {
        self.enum_checks(e, false);
    }

    fn enumeration(&mut self, e: &EnumDecl, file: &File) {
        let file_closed = file
            .decls
            .iter()
            .any(|d| matches!(d, Decl::Option(o) if is_closed_feature(o)));
        self.enum_checks(e, file_closed);
    }

    fn enum_checks(&mut self, e: &EnumDecl, file_closed: bool) {
        if self.naming_style && !is_pascal(&e.name.name) {
            self.error(e.name.span, "enum type name should be PascalCase");
        }
        for item in &e.items {
            match item {
                EnumItem::Option(o) => {
                    self.feature_target(o, &["json_format", "enum_type", "enforce_naming_style"]);
                }
                EnumItem::Value(v) if self.naming_style && !is_screaming(&v.name.name) => {
                    self.error(
                        v.name.span,
                        "enum value name should be SCREAMING_SNAKE_CASE",
                    );
                }
                _ => {}
            }
        }
        let values: Vec<&EnumValueDecl> = e
            .items
            .iter()
            .filter_map(|i| {
                if let EnumItem::Value(v) = i {
                    Some(v)
                } else {
                    None
                }
            })
            .collect();
        if values.is_empty() {
            self.error(e.span, "enum type must define at least one value");
            return;
        }
        let allow_alias = e
            .items
            .iter()
            .any(|i| matches!(i, EnumItem::Option(o) if is_true(o, "allow_alias")));
        let closed = file_closed
            || e.items
                .iter()
                .any(|i| matches!(i, EnumItem::Option(o) if is_closed_feature(o)));
        if self.open_enums_by_default()
            && !closed
            && let Some(n) = &values[0].number
            && int_value(n) != 0
        {
            self.error(n.span, "first value of open enum must be zero");
        }
        let mut reserved: Vec<(i64, i64)> = Vec::new();
        let mut reserved_names: Vec<&str> = Vec::new();
        for i in &e.items {
            if let EnumItem::Reserved(r) = i {
                reserved.extend(r.ranges.iter().map(|range| bounds(range, i32::MAX as i64)));
                reserved_names.extend(r.names.iter().map(|n| n.name.as_str()));
            }
        }
        for v in &values {
            if reserved_names.contains(&v.name.name.as_str()) {
                self.error(v.name.span, "use of reserved enum value name");
            }
            if let Some(n) = &v.number {
                let num = int_value(n);
                if reserved.iter().any(|(a, b)| (*a..=*b).contains(&num)) {
                    self.error(n.span, format!("use of reserved enum value `{num}`"));
                }
            }
        }
        if !allow_alias {
            let mut seen: HashMap<i64, ()> = HashMap::default();
            for v in &values {
                if let Some(n) = &v.number {
                    let num = int_value(n);
                    if seen.insert(num, ()).is_some() {
                        self.error(n.span, format!("enum value `{num}` used more than once"));
                    }
                }
            }
        }
    }
}

fn is_closed_feature(o: &OptionDecl) -> bool {
    let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
    names == ["features", "enum_type"]
        && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == "CLOSED")
}

/// Inclusive bounds of a range; `max` is `max`.
fn bounds(range: &Range, max: i64) -> (i64, i64) {
    let start = int_value(&range.start);
    let end = match &range.end {
        None => start,
        Some(RangeEnd::Int(i)) => int_value(i),
        Some(RangeEnd::Max(_)) => max,
    };
    (start, end)
}

/// The `json_name = "..."` of a field, with the span of its value.
fn custom_json_name(f: &FieldDecl) -> Option<(String, Span)> {
    let co = f.options.as_ref()?;
    co.options.iter().find_map(|o| {
        let single = o.name.parts.len() == 1 && !o.name.parts[0].is_extension;
        match (&o.value.kind, single && o.name.parts[0].name == "json_name") {
            (ValueKind::String(b), true) => {
                Some((String::from_utf8_lossy(b).into_owned(), o.value.span))
            }
            _ => None,
        }
    })
}

/// `option features.NAME = VALUE`.
fn feature_is(o: &OptionDecl, name: &str, value: &str) -> bool {
    let names: Vec<&str> = o.name.parts.iter().map(|p| p.name.as_str()).collect();
    names == ["features", name]
        && matches!(&o.value.kind, ValueKind::Ident { name, .. } if name == value)
}

/// Edition 2024 naming style: `PascalCase` starts upper-case and has no `_`.
fn is_pascal(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `snake_case`: lower-case letters, digits and `_`, starting with a letter.
fn is_snake(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `SCREAMING_SNAKE_CASE`: upper-case letters, digits and `_`.
fn is_screaming(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
