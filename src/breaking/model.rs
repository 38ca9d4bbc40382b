//! One side of a breaking comparison: the files of an image with every
//! message, enum, service and extension indexed by name, and the editions
//! features each element resolves to.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    ServiceDescriptorProto,
};

use crate::check::source::{SourceIndex, option_varint};
use crate::compiler::CompiledFile;
use crate::compiler::source_info::Span;

/// Resolved editions features (numbers as in descriptor.proto), including
/// the C++ and Java language features breaking rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    pub field_presence: u64,
    pub enum_type: u64,
    pub utf8_validation: u64,
    pub message_encoding: u64,
    pub json_format: u64,
    /// `(pb.cpp).string_type`.
    pub cpp_string_type: u64,
    /// `(pb.java).utf8_validation`.
    pub java_utf8_validation: u64,
}

pub const PRESENCE_EXPLICIT: u64 = 1;
pub const PRESENCE_IMPLICIT: u64 = 2;
pub const PRESENCE_LEGACY_REQUIRED: u64 = 3;
pub const ENUM_CLOSED: u64 = 2;
pub const UTF8_VERIFY: u64 = 2;
pub const ENCODING_DELIMITED: u64 = 2;
pub const JSON_ALLOW: u64 = 1;
pub const CPP_STRING: u64 = 3;
pub const JAVA_UTF8_VERIFY: u64 = 2;

pub const EDITION_2024: i32 = 1001;

/// The `features` field number in each options message.
pub mod features_field {
    pub const FILE: u32 = 50;
    pub const MESSAGE: u32 = 12;
    pub const FIELD: u32 = 21;
    pub const ONEOF: u32 = 1;
    pub const ENUM: u32 = 7;
}

impl Features {
    fn defaults(syntax: Syntax, edition: Option<i32>) -> Features {
        match syntax {
            Syntax::Proto2 => Features {
                field_presence: PRESENCE_EXPLICIT,
                enum_type: ENUM_CLOSED,
                utf8_validation: 3,
                message_encoding: 1,
                json_format: 2,
                cpp_string_type: CPP_STRING,
                java_utf8_validation: 1,
            },
            Syntax::Proto3 => Features {
                field_presence: PRESENCE_IMPLICIT,
                enum_type: 1,
                utf8_validation: UTF8_VERIFY,
                message_encoding: 1,
                json_format: JSON_ALLOW,
                cpp_string_type: CPP_STRING,
                java_utf8_validation: 1,
            },
            Syntax::Editions => Features {
                field_presence: PRESENCE_EXPLICIT,
                enum_type: 1,
                utf8_validation: UTF8_VERIFY,
                message_encoding: 1,
                json_format: JSON_ALLOW,
                // 2024 made string_view the default C++ string type.
                cpp_string_type: if edition.unwrap_or(0) >= EDITION_2024 {
                    1
                } else {
                    CPP_STRING
                },
                java_utf8_validation: 1,
            },
        }
    }

    /// Applies the features set in serialized options (`features` at field
    /// `field` of the options message).
    fn apply(mut self, options: Option<&[u8]>, field: u32) -> Features {
        let Some(bytes) = options else {
            return self;
        };
        let get = |path: &[u32], n: u32| option_varint(bytes, path, n);
        if let Some(v) = get(&[field], 1) {
            self.field_presence = v;
        }
        if let Some(v) = get(&[field], 2) {
            self.enum_type = v;
        }
        if let Some(v) = get(&[field], 4) {
            self.utf8_validation = v;
        }
        if let Some(v) = get(&[field], 5) {
            self.message_encoding = v;
        }
        if let Some(v) = get(&[field], 6) {
            self.json_format = v;
        }
        if let Some(v) = get(&[field, 1000], 2) {
            self.cpp_string_type = v;
        }
        if let Some(v) = get(&[field, 1001], 2) {
            self.java_utf8_validation = v;
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Proto2,
    Proto3,
    Editions,
}

/// A file of one side.
pub struct FileView<'a> {
    pub compiled: &'a CompiledFile,
    pub fd: &'a FileDescriptorProto,
    pub is_import: bool,
    /// How buf prints the path (relative to the input).
    pub display_path: &'a str,
    pub syntax: Syntax,
    pub edition: Option<i32>,
    pub features: Features,
    options: HashMap<&'a [i32], &'a [u8]>,
    source: OnceLock<SourceIndex>,
}

impl<'a> FileView<'a> {
    pub fn new(compiled: &'a CompiledFile, is_import: bool) -> Self {
        let fd = &compiled.fd;
        let syntax = match fd.syntax() {
            "proto3" => Syntax::Proto3,
            "editions" => Syntax::Editions,
            _ => Syntax::Proto2,
        };
        let edition = compiled.extra.edition;
        let options: HashMap<&[i32], &[u8]> = compiled
            .raw_options
            .iter()
            .map(|(p, b)| (p.as_slice(), b.as_slice()))
            .collect();
        let features = Features::defaults(syntax, edition)
            .apply(options.get(&[8][..]).copied(), features_field::FILE);
        FileView {
            compiled,
            fd,
            is_import,
            display_path: &compiled.display_path,
            syntax,
            edition,
            features,
            options,
            source: OnceLock::new(),
        }
    }

    pub fn name(&self) -> &'a str {
        self.fd.name()
    }

    pub fn package(&self) -> &'a str {
        self.fd.package()
    }

    /// The serialized options whose own descriptor path is `path`.
    pub fn options(&self, path: &[i32]) -> Option<&'a [u8]> {
        self.options.get(path).copied()
    }

    /// Whether the source info records `path`.
    pub fn has_location(&self, path: &[i32]) -> bool {
        self.span(path).is_some()
    }

    /// The span of the first location recorded for `path`.
    pub fn span(&self, path: &[i32]) -> Option<Span> {
        let info = self.compiled.source_info.as_ref()?;
        let index = self.source.get_or_init(|| SourceIndex::new(Some(info)));
        index.get_in(info, path).map(|l| l.span())
    }

    /// The longest recorded path that is `path` or an ancestor of it no
    /// shorter than `min_len`, else the first recorded descendant (buf's
    /// search for a location inside an option value).
    pub fn option_location(&self, path: &[i32], min_len: usize) -> Option<Vec<i32>> {
        self.compiled
            .source_info
            .as_ref()?
            .option_location(path, min_len)
    }
}

pub struct MessageView<'a> {
    pub file: usize,
    pub path: Vec<i32>,
    pub desc: &'a DescriptorProto,
    /// `pkg.Outer.Inner`.
    pub full_name: String,
    /// `Outer.Inner`.
    pub nested_name: String,
    pub features: Features,
}

impl MessageView<'_> {
    pub fn is_map_entry(&self) -> bool {
        self.desc
            .options
            .as_ref()
            .is_some_and(|o| o.map_entry.unwrap_or(false))
    }

    pub fn name(&self) -> &str {
        self.desc.name()
    }
}

pub struct EnumView<'a> {
    pub file: usize,
    pub path: Vec<i32>,
    pub desc: &'a EnumDescriptorProto,
    pub full_name: String,
    pub nested_name: String,
    pub features: Features,
}

impl EnumView<'_> {
    pub fn name(&self) -> &str {
        self.desc.name()
    }

    pub fn is_closed(&self) -> bool {
        self.features.enum_type == ENUM_CLOSED
    }
}

pub struct ServiceView<'a> {
    pub file: usize,
    pub path: Vec<i32>,
    pub desc: &'a ServiceDescriptorProto,
    pub full_name: String,
}

/// A message field or an extension.
pub struct FieldView<'a> {
    pub file: usize,
    pub path: Vec<i32>,
    pub desc: &'a FieldDescriptorProto,
    /// The message declaring the field (for an extension: the message it is
    /// declared in, if any).
    pub parent: Option<usize>,
    /// For extensions: `pkg.Scope.name`.
    pub full_name: String,
    /// For extensions: the nested name (`Scope.name` or `name`).
    pub nested_name: String,
    pub features: Features,
}

impl FieldView<'_> {
    pub fn is_extension(&self) -> bool {
        self.desc.extendee.is_some()
    }

    pub fn number(&self) -> i32 {
        self.desc.number()
    }

    pub fn is_repeated(&self) -> bool {
        self.desc.label() == Label::Repeated
    }
}

/// One side of the comparison, indexed.
pub struct Side<'a> {
    pub files: Vec<FileView<'a>>,
    pub file_by_path: HashMap<&'a str, usize>,
    pub messages: Vec<MessageView<'a>>,
    pub message_by_name: HashMap<String, usize>,
    pub enums: Vec<EnumView<'a>>,
    pub enum_by_name: HashMap<String, usize>,
    pub services: Vec<ServiceView<'a>>,
    pub service_by_name: HashMap<String, usize>,
    /// Message fields, per message index.
    pub fields: Vec<Vec<FieldView<'a>>>,
    pub extensions: Vec<FieldView<'a>>,
    /// Per file: indexes of its messages, enums, services and extensions.
    pub file_messages: Vec<Vec<usize>>,
    pub file_enums: Vec<Vec<usize>>,
    pub file_services: Vec<Vec<usize>>,
    pub file_extensions: Vec<Vec<usize>>,
    /// Map entry messages (file, path) and the `map<...>` type of the field
    /// using them, where buf locates anything inside the entry.
    pub map_types: HashMap<(usize, Vec<i32>), Vec<i32>>,
}

impl<'a> Side<'a> {
    pub fn new(files: Vec<FileView<'a>>) -> Self {
        let mut side = Side {
            file_by_path: HashMap::with_capacity_and_hasher(files.len(), Default::default()),
            files: Vec::new(),
            messages: Vec::new(),
            message_by_name: HashMap::default(),
            enums: Vec::new(),
            enum_by_name: HashMap::default(),
            services: Vec::new(),
            service_by_name: HashMap::default(),
            fields: Vec::new(),
            extensions: Vec::new(),
            file_messages: Vec::new(),
            file_enums: Vec::new(),
            file_services: Vec::new(),
            file_extensions: Vec::new(),
            map_types: HashMap::default(),
        };
        for (i, f) in files.iter().enumerate() {
            side.file_by_path.entry(f.name()).or_insert(i);
            let fd = f.fd;
            let prefix = if fd.package().is_empty() {
                String::new()
            } else {
                format!("{}.", fd.package())
            };
            let scope = Scope {
                file: f,
                index: i,
                package_prefix: &prefix,
                nested_prefix: String::new(),
                features: f.features,
            };
            for (j, m) in fd.message_type.iter().enumerate() {
                side.add_message(&scope, vec![4, j as i32], m);
            }
            for (j, e) in fd.enum_type.iter().enumerate() {
                side.add_enum(&scope, vec![5, j as i32], e);
            }
            for (j, s) in fd.service.iter().enumerate() {
                let full_name = format!("{prefix}{}", s.name());
                side.service_by_name
                    .entry(full_name.clone())
                    .or_insert(side.services.len());
                side.services.push(ServiceView {
                    file: i,
                    path: vec![6, j as i32],
                    desc: s,
                    full_name,
                });
            }
            for (j, x) in fd.extension.iter().enumerate() {
                let path = vec![7, j as i32];
                let features = f
                    .features
                    .apply(f.options(&[7, j as i32, 8]), features_field::FIELD);
                side.extensions.push(FieldView {
                    file: i,
                    path,
                    desc: x,
                    parent: None,
                    full_name: format!("{prefix}{}", x.name()),
                    nested_name: x.name().to_string(),
                    features,
                });
            }
        }
        let n = files.len();
        side.file_messages = vec![Vec::new(); n];
        side.file_enums = vec![Vec::new(); n];
        side.file_services = vec![Vec::new(); n];
        side.file_extensions = vec![Vec::new(); n];
        for (i, m) in side.messages.iter().enumerate() {
            side.file_messages[m.file].push(i);
        }
        for (i, e) in side.enums.iter().enumerate() {
            side.file_enums[e.file].push(i);
        }
        for (i, s) in side.services.iter().enumerate() {
            side.file_services[s.file].push(i);
        }
        for (i, x) in side.extensions.iter().enumerate() {
            side.file_extensions[x.file].push(i);
        }
        side.files = files;
        side
    }

    fn add_message(&mut self, scope: &Scope<'_, 'a>, path: Vec<i32>, m: &'a DescriptorProto) {
        let file = scope.file;
        let fi = scope.index;
        let features = scope
            .features
            .apply(file.options(&child(&path, 7)), features_field::MESSAGE);
        let nested_name = format!("{}{}", scope.nested_prefix, m.name());
        let full_name = format!("{}{nested_name}", scope.package_prefix);
        let index = self.messages.len();
        self.message_by_name
            .entry(full_name.clone())
            .or_insert(index);
        self.messages.push(MessageView {
            file: fi,
            path: path.clone(),
            desc: m,
            full_name: full_name.clone(),
            nested_name: nested_name.clone(),
            features,
        });
        let mut fields = Vec::with_capacity(m.field.len());
        for (j, fld) in m.field.iter().enumerate() {
            let fpath = child2(&path, 2, j);
            let mut base = features;
            if let Some(o) = fld.oneof_index {
                base = base.apply(
                    file.options(&[&path[..], &[8, o, 2]].concat()),
                    features_field::ONEOF,
                );
            }
            let features = base.apply(file.options(&child(&fpath, 8)), features_field::FIELD);
            fields.push(FieldView {
                file: fi,
                path: fpath,
                desc: fld,
                parent: Some(index),
                full_name: String::new(),
                nested_name: String::new(),
                features,
            });
        }
        self.fields.push(fields);
        for (j, x) in m.extension.iter().enumerate() {
            let xpath = child2(&path, 6, j);
            let xf = features.apply(file.options(&child(&xpath, 8)), features_field::FIELD);
            self.extensions.push(FieldView {
                file: fi,
                path: xpath,
                desc: x,
                parent: Some(index),
                full_name: format!("{full_name}.{}", x.name()),
                nested_name: format!("{nested_name}.{}", x.name()),
                features: xf,
            });
        }
        let inner = Scope {
            nested_prefix: format!("{nested_name}."),
            features,
            ..*scope
        };
        for (j, n) in m.nested_type.iter().enumerate() {
            if n.options.as_ref().is_some_and(|o| o.map_entry()) {
                let suffix = format!(".{}", n.name());
                if let Some(fj) = m
                    .field
                    .iter()
                    .position(|f| f.label() == Label::Repeated && f.type_name().ends_with(&suffix))
                {
                    self.map_types
                        .insert((fi, child2(&path, 3, j)), child(&child2(&path, 2, fj), 6));
                }
            }
            self.add_message(&inner, child2(&path, 3, j), n);
        }
        for (j, e) in m.enum_type.iter().enumerate() {
            self.add_enum(&inner, child2(&path, 4, j), e);
        }
    }

    fn add_enum(&mut self, scope: &Scope<'_, 'a>, path: Vec<i32>, e: &'a EnumDescriptorProto) {
        let features = scope
            .features
            .apply(scope.file.options(&child(&path, 3)), features_field::ENUM);
        let nested_name = format!("{}{}", scope.nested_prefix, e.name());
        let full_name = format!("{}{nested_name}", scope.package_prefix);
        self.enum_by_name
            .entry(full_name.clone())
            .or_insert(self.enums.len());
        self.enums.push(EnumView {
            file: scope.index,
            path,
            desc: e,
            full_name,
            nested_name,
            features,
        });
    }

    /// The span buf reports for `path` of file `file`: its own location,
    /// else (inside a map entry) the map field's type.
    pub fn span(&self, file: usize, path: &[i32]) -> Option<Span> {
        let f = self.files.get(file)?;
        if let Some(s) = f.span(path) {
            return Some(s);
        }
        (2..path.len()).rev().find_map(|n| {
            let alias = self.map_types.get(&(file, path[..n].to_vec()))?;
            f.span(alias)
        })
    }

    pub fn message(&self, full_name: &str) -> Option<&MessageView<'a>> {
        self.message_by_name
            .get(full_name)
            .and_then(|&i| self.messages.get(i))
    }

    pub fn enum_named(&self, full_name: &str) -> Option<&EnumView<'a>> {
        self.enum_by_name
            .get(full_name)
            .and_then(|&i| self.enums.get(i))
    }

    /// The message a field's type names, if it is a message.
    pub fn field_message(&self, f: &FieldView) -> Option<&MessageView<'a>> {
        match f.desc.r#type() {
            Type::Message | Type::Group => self.message(f.desc.type_name().trim_start_matches('.')),
            _ => None,
        }
    }
}

/// Where declarations are being indexed: the file, and the names and
/// features enclosing them.
struct Scope<'f, 'a> {
    file: &'f FileView<'a>,
    index: usize,
    /// `pkg.` (empty without a package).
    package_prefix: &'f str,
    /// `Outer.Inner.` inside messages.
    nested_prefix: String,
    features: Features,
}

/// `path` followed by `field`.
pub fn child(path: &[i32], field: i32) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path);
    p.push(field);
    p
}

/// `path` followed by `field` and `index`.
pub fn child2(path: &[i32], field: i32, index: usize) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + 2);
    p.extend_from_slice(path);
    p.push(field);
    p.push(index as i32);
    p
}
