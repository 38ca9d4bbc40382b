//! Images read back in: a buf image or a plain FileDescriptorSet, as binpb,
//! JSON, text format or YAML, becomes the `Image` the later stages read. Every
//! options message keeps its serialized bytes (custom options included), as
//! the compiler leaves them in `CompiledFile::raw_options`.

use std::collections::HashSet;
use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MessageDescriptor};
use prost_types::FileDescriptorProto;

use super::{Image, ImageFile, formats};
use crate::compiler::CompiledFile;
use crate::compiler::lower::DescriptorExtras;
use crate::compiler::options::{put_tag, put_varint};

/// How an image file is encoded (buf's `format=` values for images).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Binpb,
    Json,
    Txtpb,
    Yaml,
}

/// Why an image could not be read. The texts are buf's (1.75.0), which
/// prints them after `Failure: `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not protobuf binary; buf (Go) says no more than this either.
    #[error("wire unmarshal: proto: cannot parse invalid wire-format data")]
    Wire,
    #[error("json unmarshal: {0}")]
    Json(String),
    #[error("txtpb unmarshal: {0}")]
    Txtpb(String),
    #[error("yaml unmarshal: {0}")]
    Yaml(String),
    #[error("image contains no files")]
    NoFiles,
    /// A file name that is empty, not normalized, absolute, escaping or
    /// without `.proto`; the text says which.
    #[error("FileDescriptor.Name {0}")]
    FileName(String),
    #[error("duplicate file: {0}")]
    DuplicateFile(String),
    #[error("unused dependency index {0} is out of range")]
    UnusedDependency(i32),
    /// `Remote`, `Owner` or `Repository`.
    #[error("empty ModuleName.{0}")]
    EmptyModuleName(&'static str),
    #[error("internal: {0}")]
    Internal(String),
}

/// Decodes an image or FileDescriptorSet. Files keep their order.
///
/// Files with buf's `ImageFileExtension` (8042) take `is_import`,
/// `is_syntax_unspecified`, `unused_dependency` and the module name from it;
/// files without it (a plain FileDescriptorSet) are targets with a specified
/// syntax and no unused imports, as buf reads them. The image is validated
/// as buf validates it (file names, unused-import indexes, module names,
/// duplicates).
///
/// JSON, text and YAML are read twice, as buf does: first without custom
/// options (their names mean nothing yet), then against a pool made of the
/// files just read, which names them. Options read that way are re-encoded
/// in Go's deterministic order, so their bytes are those the compiler (and
/// buf) write. Limitations: custom options whose definitions the image does
/// not carry (an image built with `--exclude-imports`, say) are left out;
/// unknown fields of the text format other than extensions are an error
/// here, where buf ignores them (prost-reflect's parser rejects them); an
/// image that holds its own `buf/alpha/image/v1/image.proto` is read
/// without custom options.
///
/// `runtime_options` and `source_only_paths` stay empty: which options have
/// source retention is not recorded in an image.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<Image, ReadError> {
    match encoding {
        Encoding::Binpb => decode_binary(bytes, None),
        Encoding::Json => {
            let value: serde_json::Value =
                serde_json::from_slice(bytes).map_err(|e| ReadError::Json(e.to_string()))?;
            decode_value(&value, ReadError::Json)
        }
        Encoding::Yaml => {
            let value: serde_json::Value =
                serde_norway::from_slice(bytes).map_err(|e| ReadError::Yaml(e.to_string()))?;
            if value.is_null() {
                // An empty document, which buf reads as an empty image.
                return Err(ReadError::NoFiles);
            }
            decode_value(&value, ReadError::Yaml)
        }
        Encoding::Txtpb => {
            let text = std::str::from_utf8(bytes).map_err(|e| ReadError::Txtpb(e.to_string()))?;
            decode_text(text)
        }
    }
}

const IMAGE_MESSAGE: &str = "buf.alpha.image.v1.Image";

/// descriptor.proto and the image schema: enough for a first reading.
fn base_pool() -> Result<&'static DescriptorPool, ReadError> {
    static BASE: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    BASE.get_or_init(|| formats::pool_for(&Image::default()))
        .as_ref()
        .map_err(|e| ReadError::Internal(e.clone()))
}

fn image_descriptor(pool: &DescriptorPool) -> Result<MessageDescriptor, ReadError> {
    pool.get_message_by_name(IMAGE_MESSAGE)
        .ok_or_else(|| ReadError::Internal(format!("no {IMAGE_MESSAGE} in the descriptor pool")))
}

/// JSON and YAML (buf writes YAML as its JSON rendering).
fn decode_value(
    value: &serde_json::Value,
    error: fn(String) -> ReadError,
) -> Result<Image, ReadError> {
    // Unknown keys are skipped, as buf skips them; on the first reading
    // that includes every `[pkg.ext]` key.
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let parse = |pool: &DescriptorPool| -> Result<Vec<u8>, ReadError> {
        DynamicMessage::deserialize_with_options(image_descriptor(pool)?, value, &options)
            .map(|m| m.encode_to_vec())
            .map_err(|e| error(e.to_string()))
    };
    let base = base_pool()?;
    let first = decode_binary(&parse(base)?, Some(base))?;
    if !has_extension_key(value) {
        return Ok(first);
    }
    Ok(second_reading(first, parse))
}

fn has_extension_key(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with('[') || has_extension_key(v)),
        serde_json::Value::Array(items) => items.iter().any(has_extension_key),
        _ => false,
    }
}

fn decode_text(text: &str) -> Result<Image, ReadError> {
    check_depth(text)?;
    let parse = |pool: &DescriptorPool| -> Result<(Vec<u8>, bool), ReadError> {
        let (stripped, removed) =
            strip_extensions(text, |name| pool.get_extension_by_name(name).is_none());
        DynamicMessage::parse_text_format(image_descriptor(pool)?, &stripped)
            .map(|m| (m.encode_to_vec(), removed))
            .map_err(|e| ReadError::Txtpb(e.to_string()))
    };
    let base = base_pool()?;
    let (bytes, removed) = parse(base)?;
    let first = decode_binary(&bytes, Some(base))?;
    if !removed {
        return Ok(first);
    }
    Ok(second_reading(first, |pool| parse(pool).map(|(b, _)| b)))
}

/// Reads the document again against a pool of the image's own files, which
/// names its custom options (and features such as `pb.cpp`). Where that pool
/// cannot be built or the second reading fails, the first one stands.
fn second_reading(
    first: Image,
    parse: impl Fn(&DescriptorPool) -> Result<Vec<u8>, ReadError>,
) -> Image {
    let Some(pool) = image_pool(&first) else {
        return first;
    };
    match parse(&pool).and_then(|bytes| decode_binary(&bytes, Some(&pool))) {
        Ok(image) => image,
        Err(_) => first,
    }
}

const SCHEMA_FILE: &str = "buf/alpha/image/v1/image.proto";
const DESCRIPTOR_FILE: &str = "google/protobuf/descriptor.proto";

/// The image's files, descriptor.proto and the image schema in one pool,
/// built in one go. `formats::pool_for` adds files one at a time so it can
/// skip those prost-reflect rejects, which takes time quadratic in the
/// number of files (minutes for googleapis); it is the fallback here.
pub(crate) fn image_pool(image: &Image) -> Option<DescriptorPool> {
    build_pool(image, false)
}

/// [`image_pool`] for readers that need types and option schemas but not
/// each file's syntax: prost-reflect rejects editions files, so these are
/// handed to it as proto2 (explicit presence, as edition 2023 defaults to;
/// a field's own `features` stay in its options for callers to read).
pub(crate) fn lenient_pool(image: &Image) -> Option<DescriptorPool> {
    build_pool(image, true)
}

fn build_pool(image: &Image, editions_as_proto2: bool) -> Option<DescriptorPool> {
    let base = base_pool().ok()?;
    let mut set = Vec::new();
    let mut has_descriptor = false;
    for f in &image.files {
        match f.file.fd.name() {
            // The schema would clash with the image's own copy.
            SCHEMA_FILE => return None,
            DESCRIPTOR_FILE => has_descriptor = true,
            _ => {}
        }
        let mut body = Vec::new();
        super::encode_file(&f.file, false, false, &mut body);
        // prost-reflect knows no `import option`: listed as imports.
        for dep in &f.file.extra.option_dependency {
            put_tag(&mut body, 3, 2);
            put_varint(&mut body, dep.len() as u64);
            body.extend_from_slice(dep.as_bytes());
        }
        if editions_as_proto2 && f.file.fd.syntax() == "editions" {
            // A later `syntax` wins over the one already written.
            put_tag(&mut body, 12, 2);
            put_varint(&mut body, 6);
            body.extend_from_slice(b"proto2");
        }
        put_tag(&mut set, 1, 2);
        put_varint(&mut set, body.len() as u64);
        set.extend_from_slice(&body);
    }
    let schema = [
        (!has_descriptor).then_some(DESCRIPTOR_FILE),
        Some(SCHEMA_FILE),
    ];
    for name in schema.into_iter().flatten() {
        let body = base
            .get_file_by_name(name)?
            .file_descriptor_proto()
            .encode_to_vec();
        put_tag(&mut set, 1, 2);
        put_varint(&mut set, body.len() as u64);
        set.extend_from_slice(&body);
    }
    // prost-reflect may panic over descriptors it does not expect; such an
    // image goes the slow way, which skips the files it cannot take.
    // (Quietly, as `formats::pool_for` does: a stage never prints.)
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(|| {
        let mut pool = DescriptorPool::new();
        pool.decode_file_descriptor_set(set.as_slice())
            .map(|()| pool)
    });
    std::panic::set_hook(previous_hook);
    match built {
        Ok(Ok(pool)) => Some(pool),
        _ => formats::pool_for(image).ok(),
    }
}

// ---------------------------------------------------------------------------
// Binary

/// Decodes binary image bytes. With `canon`, options messages are re-encoded
/// in Go's order against that pool (for bytes prost-reflect wrote).
fn decode_binary(bytes: &[u8], canon: Option<&DescriptorPool>) -> Result<Image, ReadError> {
    let mut decoded = Vec::new();
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.next().map_err(|_| ReadError::Wire)? {
        // Other fields of the image are unknown to buf too, and ignored.
        if let (1, Val::Len(body)) = (number, value) {
            decoded.push(decode_file(body, canon)?);
        }
    }
    if decoded.is_empty() {
        return Err(ReadError::NoFiles);
    }
    let mut files = Vec::with_capacity(decoded.len());
    for (file, module) in decoded {
        files.push(validate(file, module)?);
    }
    let mut seen = HashSet::with_capacity(files.len());
    for f in &files {
        if !seen.insert(f.file.fd.name()) {
            return Err(ReadError::DuplicateFile(f.file.fd.name().to_string()));
        }
    }
    Ok(Image { files })
}

/// One file, with its module name still in parts (validated later).
fn decode_file(
    body: &[u8],
    canon: Option<&DescriptorPool>,
) -> Result<(ImageFile, Option<ModuleName>), ReadError> {
    let mut fd = FileDescriptorProto::decode(body).map_err(|_| ReadError::Wire)?;
    let source_info = fd
        .source_code_info
        .take()
        .map(|s| crate::compiler::SourceInfo::from_prost(&s));
    let mut walk = Walk {
        canon,
        ..Walk::default()
    };
    walk.element(Element::File, body, 0)
        .map_err(|_| ReadError::Wire)?;
    let ext = match &walk.buf_extension {
        Some(bytes) => BufExtension::decode(bytes).map_err(|_| ReadError::Wire)?,
        None => BufExtension::default(),
    };
    let edition = if fd.syntax() == "editions" {
        walk.edition
    } else {
        None
    };
    let file = CompiledFile {
        display_path: fd.name().to_string(),
        fd,
        source_info,
        raw_options: walk.raw_options,
        unused_dependencies: ext.unused_dependency,
        syntax_unspecified: ext.is_syntax_unspecified,
        from_wkt: false,
        extra: DescriptorExtras {
            edition,
            option_dependency: walk.option_dependency,
            visibility: walk.visibility,
        },
        runtime_options: Vec::new(),
        source_only_paths: Vec::new(),
        type_filtered: false,
    };
    Ok((
        ImageFile {
            file,
            is_import: ext.is_import,
            module_name: None,
            module_commit: ext.commit,
        },
        ext.module,
    ))
}

/// buf's checks of each image file, in its order.
fn validate(mut f: ImageFile, module: Option<ModuleName>) -> Result<ImageFile, ReadError> {
    validate_name(f.file.fd.name())?;
    let deps = f.file.fd.dependency.len();
    for &i in &f.file.unused_dependencies {
        if !usize::try_from(i).is_ok_and(|i| i < deps) {
            return Err(ReadError::UnusedDependency(i));
        }
    }
    if let Some(m) = module {
        for (part, value) in [
            ("Remote", &m.remote),
            ("Owner", &m.owner),
            ("Repository", &m.repository),
        ] {
            if value.is_empty() {
                return Err(ReadError::EmptyModuleName(part));
            }
        }
        f.module_name = Some(format!("{}/{}/{}", m.remote, m.owner, m.repository));
    }
    Ok(f)
}

/// buf's file-name rules: relative, inside the root, normalized, `.proto`.
fn validate_name(name: &str) -> Result<(), ReadError> {
    if name.is_empty() {
        return Err(ReadError::FileName("is empty".into()));
    }
    if name.starts_with('/') {
        return Err(ReadError::FileName(format!(
            "had normalization error: {name}: expected to be relative"
        )));
    }
    let clean = clean_path(name);
    if clean == ".." || clean.starts_with("../") {
        return Err(ReadError::FileName(format!(
            "had normalization error: {name}: is outside the context directory"
        )));
    }
    if clean != name {
        return Err(ReadError::FileName(format!(
            "{name} was not normalized to {clean}"
        )));
    }
    if !name.ends_with(".proto") {
        return Err(ReadError::FileName(format!(
            "{name} does not have a .proto extension"
        )));
    }
    Ok(())
}

/// Go's `path.Clean` for a relative path.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[derive(Debug, Default)]
struct ModuleName {
    remote: String,
    owner: String,
    repository: String,
}

/// buf's `ImageFileExtension`.
#[derive(Debug, Default)]
struct BufExtension {
    is_import: bool,
    is_syntax_unspecified: bool,
    unused_dependency: Vec<i32>,
    module: Option<ModuleName>,
    commit: Option<String>,
}

impl BufExtension {
    fn decode(bytes: &[u8]) -> Result<BufExtension, Malformed> {
        let mut ext = BufExtension::default();
        // Occurrences of a message field merge, which for bytes is concatenation.
        let mut module_info: Option<Vec<u8>> = None;
        let mut r = Reader::new(bytes);
        while let Some((number, value)) = r.next()? {
            match (number, value) {
                (1, Val::Varint(v)) => ext.is_import = v != 0,
                (2, Val::Len(b)) => module_info
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(b),
                (3, Val::Varint(v)) => ext.is_syntax_unspecified = v != 0,
                // Go reads these as int32: the low 32 bits.
                (4, Val::Varint(v)) => ext.unused_dependency.push(v as i32),
                (4, Val::Len(packed)) => {
                    let mut p = Reader::new(packed);
                    while !p.at_end() {
                        ext.unused_dependency.push(p.varint()? as i32);
                    }
                }
                _ => {}
            }
        }
        if let Some(info) = module_info {
            let mut name: Option<Vec<u8>> = None;
            let mut r = Reader::new(&info);
            while let Some((number, value)) = r.next()? {
                match (number, value) {
                    (1, Val::Len(b)) => name.get_or_insert_with(Vec::new).extend_from_slice(b),
                    (2, Val::Len(b)) => {
                        ext.commit = Some(String::from_utf8(b.to_vec()).map_err(|_| Malformed)?);
                    }
                    _ => {}
                }
            }
            if let Some(name) = name {
                let mut m = ModuleName::default();
                let mut r = Reader::new(&name);
                while let Some((number, value)) = r.next()? {
                    let slot = match number {
                        1 => &mut m.remote,
                        2 => &mut m.owner,
                        3 => &mut m.repository,
                        _ => continue,
                    };
                    if let Val::Len(b) = value {
                        *slot = String::from_utf8(b.to_vec()).map_err(|_| Malformed)?;
                    }
                }
                ext.module = Some(m);
            }
        }
        Ok(ext)
    }
}

// ---------------------------------------------------------------------------
// Walking the descriptor structure for what prost-types drops

/// The descriptor messages that hold options, by their place in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    File,
    Message,
    Field,
    Oneof,
    ExtensionRange,
    Enum,
    EnumValue,
    Service,
    Method,
}

impl Element {
    /// Repeated child elements: (field number, element).
    fn children(self) -> &'static [(u32, Element)] {
        match self {
            Element::File => &[
                (4, Element::Message),
                (5, Element::Enum),
                (6, Element::Service),
                (7, Element::Field),
            ],
            Element::Message => &[
                (2, Element::Field),
                (3, Element::Message),
                (4, Element::Enum),
                (5, Element::ExtensionRange),
                (6, Element::Field),
                (8, Element::Oneof),
            ],
            Element::Enum => &[(2, Element::EnumValue)],
            Element::Service => &[(2, Element::Method)],
            _ => &[],
        }
    }

    /// The options field and its message type.
    fn options(self) -> (u32, &'static str) {
        match self {
            Element::File => (8, "google.protobuf.FileOptions"),
            Element::Message => (7, "google.protobuf.MessageOptions"),
            Element::Field => (8, "google.protobuf.FieldOptions"),
            Element::Oneof => (2, "google.protobuf.OneofOptions"),
            Element::ExtensionRange => (3, "google.protobuf.ExtensionRangeOptions"),
            Element::Enum => (3, "google.protobuf.EnumOptions"),
            Element::EnumValue => (3, "google.protobuf.EnumValueOptions"),
            Element::Service => (3, "google.protobuf.ServiceOptions"),
            Element::Method => (4, "google.protobuf.MethodOptions"),
        }
    }

    /// The `visibility` field (editions 2024 `export` / `local`).
    fn visibility(self) -> Option<u32> {
        match self {
            Element::Message => Some(11),
            Element::Enum => Some(6),
            _ => None,
        }
    }
}

/// Deeper than prost decodes, so never reached for bytes it accepted.
const MAX_DEPTH: u32 = 128;

/// The fields prost-types drops, collected by descriptor path.
#[derive(Default)]
struct Walk<'p> {
    canon: Option<&'p DescriptorPool>,
    path: Vec<i32>,
    raw_options: Vec<(Vec<i32>, Vec<u8>)>,
    visibility: Vec<(Vec<i32>, i32)>,
    edition: Option<i32>,
    option_dependency: Vec<String>,
    buf_extension: Option<Vec<u8>>,
}

impl Walk<'_> {
    fn element(&mut self, element: Element, body: &[u8], depth: u32) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        let children = element.children();
        // Child field numbers are all below 9.
        let mut counts = [0i32; 9];
        let (options_field, options_type) = element.options();
        let mut options: Option<Vec<u8>> = None;
        let mut visibility = None;
        let mut r = Reader::new(body);
        while let Some((number, value)) = r.next()? {
            match value {
                Val::Len(data) => {
                    if let Some((_, child)) = children.iter().find(|(n, _)| *n == number) {
                        let count = counts.get_mut(number as usize).ok_or(Malformed)?;
                        let index = *count;
                        *count += 1;
                        let depth_before = self.path.len();
                        self.path.extend([number as i32, index]);
                        let walked = self.element(*child, data, depth + 1);
                        self.path.truncate(depth_before);
                        walked?;
                    } else if number == options_field {
                        // Repeated occurrences merge: concatenation.
                        options.get_or_insert_with(Vec::new).extend_from_slice(data);
                    } else if element == Element::File && number == 15 {
                        let dep = String::from_utf8(data.to_vec()).map_err(|_| Malformed)?;
                        self.option_dependency.push(dep);
                    } else if element == Element::File && number == 8042 {
                        self.buf_extension
                            .get_or_insert_with(Vec::new)
                            .extend_from_slice(data);
                    }
                }
                Val::Varint(v) => {
                    if element.visibility() == Some(number) {
                        visibility = Some(v as i32);
                    } else if element == Element::File && number == 14 {
                        self.edition = Some(v as i32);
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = visibility {
            self.visibility.push((self.path.clone(), v));
        }
        if let Some(bytes) = options {
            let bytes = match self
                .canon
                .and_then(|pool| pool.get_message_by_name(options_type))
            {
                Some(desc) => canonical(&desc, &bytes, 0).unwrap_or(bytes),
                None => bytes,
            };
            let mut path = self.path.clone();
            path.push(options_field as i32);
            self.raw_options.push((path, bytes));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Go's field order

/// Re-serializes a message in Go's deterministic "legacy" order, the order
/// the compiler writes options in: extensions by number, then fields by
/// number with members of (non-synthetic) oneofs last, then unknown fields
/// as they came; map entries carry key and value and are sorted by key.
/// `None` for bytes that do not parse.
fn canonical(desc: &MessageDescriptor, bytes: &[u8], depth: u32) -> Option<Vec<u8>> {
    if depth > MAX_DEPTH {
        return None;
    }
    struct Entry<'a> {
        rank: (u8, u32, u32),
        number: u32,
        value: Val<'a>,
        kind: Option<Kind>,
        map: bool,
    }
    let mut entries = Vec::new();
    let mut r = Reader::new(bytes);
    while let Some((number, value)) = r.next().ok()? {
        let entry = if let Some(f) = desc.get_field(number) {
            let rank = match f.containing_oneof().filter(|o| !o.is_synthetic()) {
                Some(o) => {
                    let index = desc.oneofs().position(|x| x.name() == o.name());
                    (2, index.unwrap_or(0) as u32, number)
                }
                None => (1, 0, number),
            };
            Entry {
                rank,
                number,
                value,
                kind: Some(f.kind()),
                map: f.is_map(),
            }
        } else if let Some(x) = desc.get_extension(number) {
            Entry {
                rank: (0, 0, number),
                number,
                value,
                kind: Some(x.kind()),
                map: false,
            }
        } else {
            Entry {
                rank: (3, 0, 0),
                number,
                value,
                kind: None,
                map: false,
            }
        };
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.rank);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(e) = entries.get(i) {
        if let (true, Some(Kind::Message(entry_desc))) = (e.map, &e.kind) {
            // The run of entries of one map field.
            let mut items = Vec::new();
            while let Some(item) = entries.get(i).filter(|x| x.number == e.number) {
                if let Val::Len(b) = item.value {
                    items.push(map_entry(entry_desc, b, depth + 1)?);
                }
                i += 1;
            }
            let key_kind = entry_desc.get_field(1).map(|f| f.kind());
            items.sort_by_cached_key(|b| map_key(b, key_kind.as_ref()));
            for b in items {
                put_tag(&mut out, e.number as i32, 2);
                put_varint(&mut out, b.len() as u64);
                out.extend_from_slice(&b);
            }
            continue;
        }
        emit(&mut out, e.number, e.value, e.kind.as_ref(), depth)?;
        i += 1;
    }
    Some(out)
}

fn emit(
    out: &mut Vec<u8>,
    number: u32,
    value: Val<'_>,
    kind: Option<&Kind>,
    depth: u32,
) -> Option<()> {
    let n = number as i32;
    match value {
        Val::Varint(v) => {
            put_tag(out, n, 0);
            put_varint(out, v);
        }
        Val::Fixed64(b) => {
            put_tag(out, n, 1);
            out.extend_from_slice(b);
        }
        Val::Fixed32(b) => {
            put_tag(out, n, 5);
            out.extend_from_slice(b);
        }
        Val::Len(b) => {
            let body = match kind {
                Some(Kind::Message(m)) => canonical(m, b, depth + 1)?,
                _ => b.to_vec(),
            };
            put_tag(out, n, 2);
            put_varint(out, body.len() as u64);
            out.extend_from_slice(&body);
        }
        Val::Group(b) => {
            let body = match kind {
                Some(Kind::Message(m)) => canonical(m, b, depth + 1)?,
                _ => b.to_vec(),
            };
            put_tag(out, n, 3);
            out.extend_from_slice(&body);
            put_tag(out, n, 4);
        }
    }
    Some(())
}

/// A map entry in order, with a zero key or value added where absent (Go
/// always writes both).
fn map_entry(desc: &MessageDescriptor, bytes: &[u8], depth: u32) -> Option<Vec<u8>> {
    let body = canonical(desc, bytes, depth)?;
    let mut present = [false; 2];
    let mut r = Reader::new(&body);
    while let Some((number, _)) = r.next().ok()? {
        if let Some(p) = present.get_mut((number as usize).wrapping_sub(1)) {
            *p = true;
        }
    }
    if present == [true, true] {
        return Some(body);
    }
    let mut with_zeros = Vec::new();
    for (number, have) in [(1u32, present[0]), (2, present[1])] {
        if !have && let Some(f) = desc.get_field(number) {
            put_zero(&mut with_zeros, number as i32, &f.kind());
        }
    }
    with_zeros.extend_from_slice(&body);
    canonical(desc, &with_zeros, depth)
}

fn put_zero(out: &mut Vec<u8>, number: i32, kind: &Kind) {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => {
            put_tag(out, number, 1);
            out.extend_from_slice(&[0; 8]);
        }
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => {
            put_tag(out, number, 5);
            out.extend_from_slice(&[0; 4]);
        }
        Kind::String | Kind::Bytes | Kind::Message(_) => {
            put_tag(out, number, 2);
            put_varint(out, 0);
        }
        _ => {
            put_tag(out, number, 0);
            put_varint(out, 0);
        }
    }
}

/// Go's order of map keys: strings bytewise, integers numerically (signed
/// types as signed), false before true.
fn map_key(entry: &[u8], kind: Option<&Kind>) -> (i128, Vec<u8>) {
    let mut key = (0, Vec::new());
    let mut r = Reader::new(entry);
    while let Ok(Some((number, value))) = r.next() {
        if number != 1 {
            continue;
        }
        key = match (value, kind) {
            (Val::Len(b), _) => (0, b.to_vec()),
            (Val::Varint(x), Some(Kind::Int32 | Kind::Int64)) => (i128::from(x as i64), Vec::new()),
            (Val::Varint(x), Some(Kind::Sint32 | Kind::Sint64)) => (
                i128::from(((x >> 1) as i64) ^ -((x & 1) as i64)),
                Vec::new(),
            ),
            (Val::Varint(x), _) => (i128::from(x), Vec::new()),
            (Val::Fixed32(b), _) => {
                let x = <[u8; 4]>::try_from(b).map_or(0, u32::from_le_bytes);
                if matches!(kind, Some(Kind::Sfixed32)) {
                    (i128::from(x as i32), Vec::new())
                } else {
                    (i128::from(x), Vec::new())
                }
            }
            (Val::Fixed64(b), _) => {
                let x = <[u8; 8]>::try_from(b).map_or(0, u64::from_le_bytes);
                if matches!(kind, Some(Kind::Sfixed64)) {
                    (i128::from(x as i64), Vec::new())
                } else {
                    (i128::from(x), Vec::new())
                }
            }
            (Val::Group(_), _) => (0, Vec::new()),
        };
    }
    key
}

// ---------------------------------------------------------------------------
// Wire format

#[derive(Debug)]
struct Malformed;

#[derive(Clone, Copy, Debug)]
enum Val<'a> {
    Varint(u64),
    Fixed64(&'a [u8]),
    Len(&'a [u8]),
    /// The group's body, without its end tag.
    Group(&'a [u8]),
    Fixed32(&'a [u8]),
}

/// The largest field number protobuf allows.
const MAX_FIELD: u64 = (1 << 29) - 1;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn varint(&mut self) -> Result<u64, Malformed> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or(Malformed)?;
            self.pos += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Malformed)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], Malformed> {
        let n = usize::try_from(n).map_err(|_| Malformed)?;
        let end = self.pos.checked_add(n).ok_or(Malformed)?;
        let s = self.buf.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(s)
    }

    fn tag(&mut self) -> Result<(u32, u64), Malformed> {
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > MAX_FIELD {
            return Err(Malformed);
        }
        Ok((number as u32, key & 7))
    }

    /// The next field, or `None` at the end.
    fn next(&mut self) -> Result<Option<(u32, Val<'a>)>, Malformed> {
        if self.at_end() {
            return Ok(None);
        }
        let (number, wire) = self.tag()?;
        let value = match wire {
            0 => Val::Varint(self.varint()?),
            1 => Val::Fixed64(self.take(8)?),
            2 => {
                let n = self.varint()?;
                Val::Len(self.take(n)?)
            }
            3 => {
                let start = self.pos;
                let end = self.skip_group(number, 0)?;
                Val::Group(self.buf.get(start..end).ok_or(Malformed)?)
            }
            5 => Val::Fixed32(self.take(4)?),
            _ => return Err(Malformed),
        };
        Ok(Some((number, value)))
    }

    /// Skips past the end tag of group `number`; returns where its body ends.
    fn skip_group(&mut self, number: u32, depth: u32) -> Result<usize, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        loop {
            let before = self.pos;
            let (n, wire) = self.tag()?;
            match wire {
                0 => {
                    self.varint()?;
                }
                1 => {
                    self.take(8)?;
                }
                2 => {
                    let len = self.varint()?;
                    self.take(len)?;
                }
                3 => {
                    self.skip_group(n, depth + 1)?;
                }
                4 if n == number => return Ok(before),
                5 => {
                    self.take(4)?;
                }
                _ => return Err(Malformed),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Text format: leaving out extensions the pool cannot name

/// Nesting deeper than this is refused before prost-reflect's text parser
/// (which has no limit of its own) could exhaust the stack.
const MAX_TEXT_DEPTH: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Punct(u8),
    Word,
    Str,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn is_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace()
        || c == 0x0b
        || matches!(
            c,
            b'#' | b'"'
                | b'\''
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'['
                | b']'
                | b','
                | b':'
                | b';'
                | b'/'
        )
}

/// Text-format tokens, coarsely: punctuation, strings, and words (names,
/// numbers, `-inf`). Comments and white space are skipped.
struct Lexer<'t> {
    bytes: &'t [u8],
    pos: usize,
    /// Open `{`, `<` and `[` so far.
    depth: usize,
}

impl<'t> Lexer<'t> {
    fn new(text: &'t str) -> Lexer<'t> {
        Lexer {
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    fn next_token(&mut self) -> Option<Token> {
        let b = self.bytes;
        loop {
            let c = *b.get(self.pos)?;
            let start = self.pos;
            let tok = match c {
                b'#' => {
                    while let Some(&c) = b.get(self.pos) {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                    continue;
                }
                c if c.is_ascii_whitespace() || c == 0x0b => {
                    self.pos += 1;
                    continue;
                }
                b'"' | b'\'' => {
                    self.pos += 1;
                    loop {
                        match b.get(self.pos) {
                            None | Some(b'\n') => break,
                            Some(b'\\') => self.pos += 2,
                            Some(&q) if q == c => {
                                self.pos += 1;
                                break;
                            }
                            Some(_) => self.pos += 1,
                        }
                    }
                    self.pos = self.pos.min(b.len());
                    Tok::Str
                }
                b'{' | b'<' | b'[' => {
                    self.depth += 1;
                    self.pos += 1;
                    Tok::Punct(c)
                }
                b'}' | b'>' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.pos += 1;
                    Tok::Punct(c)
                }
                b',' | b':' | b';' | b'/' => {
                    self.pos += 1;
                    Tok::Punct(c)
                }
                _ => {
                    while b.get(self.pos).is_some_and(|&c| !is_delimiter(c)) {
                        self.pos += 1;
                    }
                    Tok::Word
                }
            };
            return Some(Token {
                tok,
                start,
                end: self.pos,
            });
        }
    }
}

/// Refuses nesting deeper than [`MAX_TEXT_DEPTH`], over the whole text.
fn check_depth(text: &str) -> Result<(), ReadError> {
    let mut lexer = Lexer::new(text);
    while lexer.next_token().is_some() {
        if lexer.depth > MAX_TEXT_DEPTH {
            return Err(ReadError::Txtpb(format!(
                "nesting deeper than {MAX_TEXT_DEPTH} levels"
            )));
        }
    }
    Ok(())
}

/// Blanks out (keeping line breaks, so offsets hold) every extension field
/// `[pkg.ext]: ...` for which `unknown` says true; prost-reflect's parser
/// fails on names it cannot resolve. Returns the text and whether anything
/// was blanked. Text that does not parse is returned as it is, for the real
/// parser to report.
fn strip_extensions(text: &str, unknown: impl Fn(&str) -> bool) -> (String, bool) {
    let mut s = Strip {
        text,
        lexer: Lexer::new(text),
        peeked: None,
        last_end: 0,
        cuts: Vec::new(),
        unknown,
    };
    if s.fields(None).is_none() || s.cuts.is_empty() {
        return (text.to_string(), false);
    }
    let mut bytes = text.as_bytes().to_vec();
    for (start, end) in s.cuts {
        for b in bytes.get_mut(start..end).into_iter().flatten() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    match String::from_utf8(bytes) {
        Ok(stripped) => (stripped, true),
        Err(_) => (text.to_string(), false),
    }
}

/// A recursive-descent pass over the text format, just deep enough to find
/// where each field ends.
struct Strip<'t, F> {
    text: &'t str,
    lexer: Lexer<'t>,
    peeked: Option<Token>,
    /// The end of the last token taken.
    last_end: usize,
    cuts: Vec<(usize, usize)>,
    unknown: F,
}

impl<F: Fn(&str) -> bool> Strip<'_, F> {
    fn peek(&mut self) -> Option<Token> {
        if self.peeked.is_none() {
            self.peeked = self.lexer.next_token();
        }
        self.peeked
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.peek()?;
        self.peeked = None;
        self.last_end = t.end;
        Some(t)
    }

    /// Takes the next token if it is the punctuation `c`.
    fn eat(&mut self, c: u8) -> bool {
        let at = self.peek().is_some_and(|t| t.tok == Tok::Punct(c));
        if at {
            self.bump();
        }
        at
    }

    /// Fields up to `close` (the end of input for `None`).
    fn fields(&mut self, close: Option<u8>) -> Option<()> {
        loop {
            match self.peek() {
                None => return close.is_none().then_some(()),
                Some(t) if close.is_some_and(|c| t.tok == Tok::Punct(c)) => {
                    self.bump();
                    return Some(());
                }
                Some(_) => self.field()?,
            }
        }
    }

    fn field(&mut self) -> Option<()> {
        let first = self.bump()?;
        let drop = match first.tok {
            Tok::Word => false,
            Tok::Punct(b'[') => {
                let mut name = String::new();
                loop {
                    let t = self.bump()?;
                    match t.tok {
                        Tok::Punct(b']') => break,
                        Tok::Word | Tok::Punct(b'/') => {
                            name.push_str(self.text.get(t.start..t.end)?)
                        }
                        _ => return None,
                    }
                }
                // `[type.googleapis.com/pkg.Msg]` expands an Any: kept.
                !name.contains('/') && (self.unknown)(&name)
            }
            _ => return None,
        };
        self.eat(b':');
        self.value()?;
        if !self.eat(b',') {
            self.eat(b';');
        }
        if drop {
            self.cuts.push((first.start, self.last_end));
        }
        Some(())
    }

    fn value(&mut self) -> Option<()> {
        let t = self.bump()?;
        match t.tok {
            Tok::Punct(b'{') => self.fields(Some(b'}')),
            Tok::Punct(b'<') => self.fields(Some(b'>')),
            Tok::Punct(b'[') => {
                if self.eat(b']') {
                    return Some(());
                }
                loop {
                    self.value()?;
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.eat(b']').then_some(())
            }
            Tok::Word => {
                if self.text.get(t.start..t.end) == Some("-") {
                    let number = self.bump()?;
                    if number.tok != Tok::Word {
                        return None;
                    }
                }
                Some(())
            }
            Tok::Str => {
                while self.peek().is_some_and(|t| t.tok == Tok::Str) {
                    self.bump();
                }
                Some(())
            }
            Tok::Punct(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::image::WriteOptions;
    use crate::image::formats::{Format, JsonOptions, render};

    const BUF_YAML: &str =
        "version: v2\nmodules:\n  - path: proto\n    name: buf.build/acme/read\n";

    const OPTS: &str = r#"syntax = "proto2";

package acme.v1;

import "google/protobuf/descriptor.proto";

message Config {
  optional string label = 1;
  repeated int32 nums = 2 [packed = true];
  map<string, int32> weights = 3;
  oneof choice {
    string a = 4;
    int32 b = 5;
  }
  optional Config child = 6;
  optional sint32 delta = 7;
  extensions 100 to 200;
}

extend Config {
  optional string note = 100;
}

extend google.protobuf.FileOptions {
  optional string file_tag = 50001;
}
extend google.protobuf.MessageOptions {
  optional Config msg_cfg = 50002;
}
extend google.protobuf.FieldOptions {
  optional string field_tag = 50003;
  repeated int32 field_nums = 50004;
}
extend google.protobuf.OneofOptions {
  optional bool oneof_flag = 50005;
}
extend google.protobuf.ExtensionRangeOptions {
  optional string range_tag = 50006;
}
extend google.protobuf.EnumOptions {
  optional string enum_tag = 50007;
}
extend google.protobuf.EnumValueOptions {
  optional int32 value_rank = 50008;
}
extend google.protobuf.ServiceOptions {
  optional string service_tag = 50009;
}
extend google.protobuf.MethodOptions {
  optional Config method_cfg = 50010;
}
"#;

    // Options at every kind of path; the message option's value has a map,
    // a packed list, a oneof member, a nested message and an extension, so
    // its field order is not field-number order.
    const A: &str = r#"syntax = "proto2";

package acme.v1;

import "acme/v1/opts.proto";
import "google/protobuf/duration.proto";

option java_package = "com.acme";
option (file_tag) = "f";
option optimize_for = SPEED;

message Outer {
  option deprecated = true;
  option (msg_cfg) = {
    label: "m"
    nums: [3, 1]
    weights: [{key: "b" value: 2}, {key: "a" value: 1}]
    b: 7
    child { a: "x" }
    delta: -3
    [acme.v1.note]: "n"
  };

  optional string name = 1 [deprecated = true, (field_tag) = "t", (field_nums) = 1, (field_nums) = 2, json_name = "nm"];
  map<string, int32> counts = 2;

  message Inner {
    option (msg_cfg).label = "inner";
    optional int32 x = 1 [(field_tag) = "x"];
  }

  oneof pick {
    option (oneof_flag) = true;
    string s = 3;
    int32 i = 4;
  }

  extensions 100 to 199 [(range_tag) = "r"];

  enum Mode {
    option (enum_tag) = "e";
    MODE_UNSPECIFIED = 0 [(value_rank) = 1];
  }
}

enum Color {
  option allow_alias = true;
  option (enum_tag) = "c";
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1 [(value_rank) = 2, deprecated = true];
  COLOR_ROUGE = 1;
}

extend Outer {
  optional string ext_field = 100 [(field_tag) = "ext"];
}

service Svc {
  option (service_tag) = "s";
  rpc Do(Outer) returns (Outer) {
    option idempotency_level = NO_SIDE_EFFECTS;
    option (method_cfg) = { label: "do" };
  }
}
"#;

    const ED: &str = r#"edition = "2023";

package acme.v1;

import "acme/v1/opts.proto";
import "google/protobuf/cpp_features.proto";

option features.field_presence = IMPLICIT;

message Ed {
  string s = 1 [features.(pb.cpp).string_type = VIEW, (field_tag) = "e"];
  int32 n = 2 [features.field_presence = EXPLICIT];
}
"#;

    const BARE: &str = "package acme.v1;\n\nmessage Bare {\n  optional string x = 1;\n}\n";

    const E24: &str = r#"edition = "2024";

package acme.v1;

import option "acme/v1/opts.proto";

option (acme.v1.file_tag) = "e24";

export message Pub {
  int32 x = 1;
}

local enum Priv {
  PRIV_UNSPECIFIED = 0;
}
"#;

    const FIXTURE: &[(&str, &str)] = &[
        ("buf.yaml", BUF_YAML),
        ("proto/acme/v1/opts.proto", OPTS),
        ("proto/acme/v1/a.proto", A),
        ("proto/acme/v1/ed.proto", ED),
        ("proto/acme/v1/bare.proto", BARE),
        ("proto/acme/v1/e24.proto", E24),
    ];

    fn write_tree(dir: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// Compiles `files` with the crate's own pipeline.
    fn compile_tree(dir: &Path) -> Image {
        let req = crate::workspace::BuildRequest {
            input: dir.to_string_lossy().into_owned(),
            ..Default::default()
        };
        let ws = crate::input::discover(&req, dir).unwrap();
        match crate::input::compile(ws, |_| {}) {
            Ok(built) => built.image,
            Err(e) => panic!("fixture does not compile: {e:?}"),
        }
    }

    fn fixture_image() -> Image {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), FIXTURE);
        compile_tree(dir.path())
    }

    const ALL_OPTS: [WriteOptions; 4] = [
        WriteOptions {
            as_file_descriptor_set: false,
            exclude_imports: false,
            exclude_source_info: false,
            exclude_source_retention_options: false,
        },
        WriteOptions {
            as_file_descriptor_set: false,
            exclude_imports: false,
            exclude_source_info: true,
            exclude_source_retention_options: false,
        },
        WriteOptions {
            as_file_descriptor_set: true,
            exclude_imports: false,
            exclude_source_info: false,
            exclude_source_retention_options: false,
        },
        WriteOptions {
            as_file_descriptor_set: true,
            exclude_imports: false,
            exclude_source_info: true,
            exclude_source_retention_options: false,
        },
    ];

    fn encoding(format: Format) -> Encoding {
        match format {
            Format::Binpb => Encoding::Binpb,
            Format::Json => Encoding::Json,
            Format::Txtpb => Encoding::Txtpb,
            Format::Yaml => Encoding::Yaml,
        }
    }

    /// What reading `original` written with `opts` should give: without
    /// source info if it was left out, and for a FileDescriptorSet, buf's
    /// view of files without the extension (targets, syntax specified, no
    /// unused imports, no module).
    fn expected(original: &Image, opts: WriteOptions) -> Image {
        let mut image = original.clone();
        for f in &mut image.files {
            if opts.exclude_source_info {
                f.file.source_info = None;
            }
            if opts.as_file_descriptor_set {
                f.is_import = false;
                f.module_name = None;
                f.file.syntax_unspecified = false;
                f.file.unused_dependencies.clear();
            }
        }
        image
    }

    /// Field by field, then byte for byte through the image writer.
    fn assert_same(want: &Image, got: &Image, what: &str) {
        let names = |i: &Image| -> Vec<String> {
            i.files
                .iter()
                .map(|f| f.file.fd.name().to_string())
                .collect()
        };
        assert_eq!(names(want), names(got), "{what}: file order");
        for (w, g) in want.files.iter().zip(&got.files) {
            let name = w.file.fd.name();
            assert_eq!(w.file.fd, g.file.fd, "{what}: {name}: descriptor");
            assert_eq!(w.is_import, g.is_import, "{what}: {name}: is_import");
            assert_eq!(w.module_name, g.module_name, "{what}: {name}: module");
            assert_eq!(
                w.file.syntax_unspecified, g.file.syntax_unspecified,
                "{what}: {name}: syntax_unspecified"
            );
            assert_eq!(
                w.file.unused_dependencies, g.file.unused_dependencies,
                "{what}: {name}: unused"
            );
            assert_eq!(w.file.extra.edition, g.file.extra.edition, "{what}: {name}");
            assert_eq!(
                w.file.extra.option_dependency, g.file.extra.option_dependency,
                "{what}: {name}"
            );
            assert_eq!(
                w.file.extra.visibility, g.file.extra.visibility,
                "{what}: {name}"
            );
            assert_eq!(g.file.display_path, name);
            let got_raw: HashMap<&[i32], &[u8]> = g
                .file
                .raw_options
                .iter()
                .map(|(p, b)| (p.as_slice(), b.as_slice()))
                .collect();
            let want_raw: HashMap<&[i32], &[u8]> = w
                .file
                .raw_options
                .iter()
                .map(|(p, b)| (p.as_slice(), b.as_slice()))
                .collect();
            for (path, bytes) in &want_raw {
                assert_eq!(
                    got_raw.get(path),
                    Some(bytes),
                    "{what}: {name}: options at {path:?}"
                );
            }
            // The compiler leaves map entries' `map_entry = true` to the
            // typed options; read back, they are bytes like the rest.
            for (path, bytes) in &got_raw {
                if !want_raw.contains_key(path) {
                    assert_eq!(
                        *bytes,
                        [0x38, 0x01],
                        "{what}: {name}: extra options at {path:?}"
                    );
                }
            }
        }
        for opts in ALL_OPTS {
            assert!(
                want.to_binary(opts) == got.to_binary(opts),
                "{what}: written again with {opts:?}, the bytes differ"
            );
        }
    }

    #[test]
    fn fixture_covers_every_kind_of_options_path() {
        let image = fixture_image();
        let a = image
            .files
            .iter()
            .find(|f| f.file.fd.name() == "acme/v1/a.proto")
            .unwrap();
        let paths: HashSet<&[i32]> = a
            .file
            .raw_options
            .iter()
            .map(|(p, _)| p.as_slice())
            .collect();
        for p in [
            &[8][..],
            &[4, 0, 7],
            &[4, 0, 2, 0, 8],
            &[4, 0, 3, 1, 7],
            &[4, 0, 3, 1, 2, 0, 8],
            &[4, 0, 8, 0, 2],
            &[4, 0, 5, 0, 3],
            &[4, 0, 4, 0, 3],
            &[4, 0, 4, 0, 2, 0, 3],
            &[5, 0, 3],
            &[5, 0, 2, 1, 3],
            &[6, 0, 3],
            &[6, 0, 2, 0, 4],
            &[7, 0, 8],
        ] {
            assert!(paths.contains(p), "no options at {p:?} in {paths:?}");
        }
        let flags: Vec<(&str, bool)> = image
            .files
            .iter()
            .map(|f| (f.file.fd.name(), f.is_import))
            .collect();
        assert!(flags.contains(&("google/protobuf/duration.proto", true)));
        assert!(flags.contains(&("acme/v1/a.proto", false)));
        let bare = image
            .files
            .iter()
            .find(|f| f.file.fd.name() == "acme/v1/bare.proto")
            .unwrap();
        assert!(bare.file.syntax_unspecified);
        assert_eq!(a.file.unused_dependencies, [1]);
    }

    #[test]
    fn round_trips_every_format_and_write_option() {
        let image = fixture_image();
        for opts in ALL_OPTS {
            let want = expected(&image, opts);
            for format in [Format::Binpb, Format::Json, Format::Txtpb, Format::Yaml] {
                let bytes = render(&image, opts, format, JsonOptions::default()).unwrap();
                let what = format!("{format:?} {opts:?}");
                let got =
                    decode(&bytes, encoding(format)).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_same(&want, &got, &what);
            }
        }
    }

    #[test]
    fn round_trips_json_with_proto_names_and_enum_numbers() {
        let image = fixture_image();
        let json = JsonOptions {
            use_proto_names: true,
            use_enum_numbers: true,
        };
        let bytes = render(&image, ALL_OPTS[0], Format::Json, json).unwrap();
        let got = decode(&bytes, Encoding::Json).unwrap();
        assert_same(&image, &got, "json with proto names");
    }

    #[test]
    fn text_extensions_without_definitions_are_dropped() {
        let text = r#"
file {
  name: "acme/v1/opts.proto"
  package: "acme.v1"
  dependency: "google/protobuf/descriptor.proto"
  message_type {
    name: "Config"
    field { name: "label" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
}
"#;
        // Without the definitions, a custom option is dropped, not an error.
        let with_unknown = text.replace(
            "package: \"acme.v1\"",
            concat!(
                "package: \"acme.v1\"\n",
                "  options { java_package: \"x\", [acme.v1.nope] { a: [1, 2] b < c: - inf > };\n",
                "    [acme.v1.other]: [\"a\" 'b', \"c\"] # [acme.v1.in_comment]: 1\n",
                "    [acme.v1.last]: 3 go_package: \"g\" }",
            ),
        );
        let image = decode(with_unknown.as_bytes(), Encoding::Txtpb).unwrap();
        assert_eq!(
            image.files[0].file.raw_options,
            [(vec![8], b"\x0a\x01x\x5a\x01g".to_vec())]
        );
        assert_eq!(
            image.files[0]
                .file
                .fd
                .options
                .as_ref()
                .unwrap()
                .java_package(),
            "x"
        );

        // The fixture's text does name custom options, so the round trips
        // above take the second reading.
        let fixture = fixture_image();
        let txt = render(&fixture, ALL_OPTS[1], Format::Txtpb, JsonOptions::default()).unwrap();
        let txt = String::from_utf8(txt).unwrap();
        assert!(txt.contains("[acme.v1.msg_cfg]"), "{txt}");
        assert!(txt.contains("[pb.cpp]"), "{txt}");
    }

    // buf 1.75.0, asked to build these inputs, answers (exit 1):
    //   empty file (.binpb, .txtpb or .yaml)  Failure: image contains no files
    //   `{}` as .json                          Failure: image contains no files
    //   "garbage\xff\xff" as .binpb            Failure: wire unmarshal: proto: cannot parse invalid wire-format data
    //   the first 20 bytes of an image         Failure: wire unmarshal: proto: cannot parse invalid wire-format data
    //   `nope` as .json                        Failure: json unmarshal: proto: syntax error (line 1:1): invalid value nope
    //   `: :` as .yaml                         Failure: yaml unmarshal: yaml: did not find expected key
    //   two files named a.proto                Failure: duplicate file: a.proto
    //   a file without a name                  Failure: FileDescriptor.Name is empty
    //   unused_dependency 3 of no imports      Failure: unused dependency index 3 is out of range
    //   ModuleName without owner               Failure: empty ModuleName.Owner
    //   names ./a.proto, a//b.proto, /a.proto, Failure: FileDescriptor.Name ./a.proto was not normalized to a.proto
    //     ../a.proto, a.txt                    ... a//b.proto was not normalized to a/b.proto
    //                                          ... had normalization error: /a.proto: expected to be relative
    //                                          ... had normalization error: ../a.proto: is outside the context directory
    //                                          ... a.txt does not have a .proto extension
    // Per-file checks run over all files before duplicates; within a file,
    // the name, then unused imports, then the module name. Unknown JSON keys
    // and unknown text fields are ignored. A FileDescriptorSet (buf's own,
    // whose source info carries is_syntax_unspecified) reads back with
    // is_import and is_syntax_unspecified false.
    fn error(bytes: &[u8], encoding: Encoding) -> String {
        match decode(bytes, encoding) {
            Ok(_) => panic!("{:?} decoded", String::from_utf8_lossy(bytes)),
            Err(e) => e.to_string(),
        }
    }

    fn file(name: &str, rest: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        put_tag(&mut body, 1, 2);
        put_varint(&mut body, name.len() as u64);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(rest);
        let mut out = Vec::new();
        put_tag(&mut out, 1, 2);
        put_varint(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
        out
    }

    fn len_field(number: i32, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        put_tag(&mut out, number, 2);
        put_varint(&mut out, body.len() as u64);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn errors_are_worded_as_buf_words_them() {
        let no_files = "image contains no files";
        assert_eq!(error(b"", Encoding::Binpb), no_files);
        assert_eq!(error(b"", Encoding::Txtpb), no_files);
        assert_eq!(error(b"", Encoding::Yaml), no_files);
        assert_eq!(error(b"{}", Encoding::Json), no_files);
        let wire = "wire unmarshal: proto: cannot parse invalid wire-format data";
        assert_eq!(error(b"garbage\xff\xff", Encoding::Binpb), wire);
        let image = fixture_image().to_binary(ALL_OPTS[0]);
        assert_eq!(error(&image[..20], Encoding::Binpb), wire);
        assert!(error(b"nope", Encoding::Json).starts_with("json unmarshal: "));
        assert!(error(b": :", Encoding::Yaml).starts_with("yaml unmarshal: "));
        assert!(error(b"file {", Encoding::Txtpb).starts_with("txtpb unmarshal: "));

        let proto3 = len_field(12, b"proto3");
        let twice = [file("a.proto", &proto3), file("a.proto", &proto3)].concat();
        assert_eq!(error(&twice, Encoding::Binpb), "duplicate file: a.proto");
        // The unnamed third file is reported before the duplicate.
        let unnamed = [twice.clone(), len_field(1, &proto3)].concat();
        assert_eq!(
            error(&unnamed, Encoding::Binpb),
            "FileDescriptor.Name is empty"
        );

        let ext = |body: &[u8]| len_field(8042, body);
        let unused = file(
            "a.proto",
            &[proto3.clone(), ext(&[0x08, 0x00, 0x20, 0x03])].concat(),
        );
        assert_eq!(
            error(&unused, Encoding::Binpb),
            "unused dependency index 3 is out of range"
        );
        let minus_one = file(
            "a.proto",
            &[proto3.clone(), ext(&[0x20, 0xff, 0xff, 0xff, 0xff, 0x0f])].concat(),
        );
        assert_eq!(
            error(&minus_one, Encoding::Binpb),
            "unused dependency index -1 is out of range"
        );
        let name = len_field(1, &len_field(1, b"buf.build"));
        let no_owner = file(
            "a.proto",
            &[proto3.clone(), ext(&len_field(2, &name))].concat(),
        );
        assert_eq!(error(&no_owner, Encoding::Binpb), "empty ModuleName.Owner");

        for (name, want) in [
            (
                "./a.proto",
                "FileDescriptor.Name ./a.proto was not normalized to a.proto",
            ),
            (
                "a//b.proto",
                "FileDescriptor.Name a//b.proto was not normalized to a/b.proto",
            ),
            (
                "a/../b.proto",
                "FileDescriptor.Name a/../b.proto was not normalized to b.proto",
            ),
            (
                "b.proto/",
                "FileDescriptor.Name b.proto/ was not normalized to b.proto",
            ),
            ("a/..", "FileDescriptor.Name a/.. was not normalized to ."),
            (
                ".",
                "FileDescriptor.Name . does not have a .proto extension",
            ),
            (
                "a.txt",
                "FileDescriptor.Name a.txt does not have a .proto extension",
            ),
            (
                "/a.proto",
                "FileDescriptor.Name had normalization error: /a.proto: expected to be relative",
            ),
            (
                "../a.proto",
                "FileDescriptor.Name had normalization error: ../a.proto: is outside the context directory",
            ),
            (
                "a/../../b.proto",
                "FileDescriptor.Name had normalization error: a/../../b.proto: is outside the context directory",
            ),
        ] {
            assert_eq!(error(&file(name, &proto3), Encoding::Binpb), want);
        }
        // A backslash is an ordinary character.
        assert!(decode(&file("a\\b.proto", &proto3), Encoding::Binpb).is_ok());
    }

    #[test]
    fn extension_fields_are_read_leniently() {
        let proto3 = len_field(12, b"proto3");
        let ext = |body: &[u8]| len_field(8042, body);
        // Packed unused_dependency, module info without a name, a commit.
        let b = file("b.proto", &[proto3.clone(), ext(&[0x08, 0x01])].concat());
        let info = [len_field(2, b"0123abcd")].concat();
        let a = file(
            "a.proto",
            &[
                len_field(3, b"b.proto"),
                proto3.clone(),
                ext(&[
                    &[0x08, 0x00][..],
                    &len_field(2, &info),
                    &len_field(4, &[0x00]),
                ]
                .concat()),
            ]
            .concat(),
        );
        let image = decode(&[b, a].concat(), Encoding::Binpb).unwrap();
        assert!(image.files[0].is_import);
        assert!(!image.files[1].is_import);
        assert_eq!(image.files[1].file.unused_dependencies, [0]);
        assert_eq!(image.files[1].module_name, None);
        // A plain FileDescriptorSet file without a syntax (as protoc writes
        // proto2): a target, syntax not marked unspecified (buf's reading).
        let plain = decode(&file("c.proto", &[]), Encoding::Binpb).unwrap();
        assert!(!plain.files[0].is_import);
        assert!(!plain.files[0].file.syntax_unspecified);
        assert_eq!(plain.files[0].file.fd.syntax, None);
        // Unknown JSON keys and unknown top-level fields are ignored.
        let json = br#"{"file": [{"name": "a.proto"}], "foo": 1}"#;
        assert_eq!(decode(json, Encoding::Json).unwrap().files.len(), 1);
        let with_unknown = [file("a.proto", &[]), len_field(7, b"x")].concat();
        assert_eq!(
            decode(&with_unknown, Encoding::Binpb).unwrap().files.len(),
            1
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 5000;
        let mut json = String::from("{\"file\":[{\"name\":\"a.proto\",\"messageType\":[");
        for _ in 0..depth {
            json.push_str("{\"nestedType\":[");
        }
        for _ in 0..depth {
            json.push_str("]}");
        }
        json.push_str("]}]}");
        assert!(decode(json.as_bytes(), Encoding::Json).is_err());

        let mut text = String::from("file { name: \"a.proto\" ");
        for _ in 0..depth {
            text.push_str("message_type { nested_type { ");
        }
        assert!(decode(text.as_bytes(), Encoding::Txtpb).is_err());
        let mut yaml = String::from("file:\n- name: a.proto\n  messageType:\n");
        for i in 0..depth {
            yaml.push_str(&" ".repeat(2 * i + 2));
            yaml.push_str("- nestedType:\n");
        }
        assert!(decode(yaml.as_bytes(), Encoding::Yaml).is_err());

        let mut msg = Vec::new();
        for _ in 0..depth {
            msg = len_field(3, &msg);
        }
        let bin = file("a.proto", &len_field(4, &msg));
        assert_eq!(
            error(&bin, Encoding::Binpb),
            super::ReadError::Wire.to_string()
        );
    }

    #[test]
    fn truncated_input_never_panics() {
        let image = fixture_image();
        for opts in [ALL_OPTS[0], ALL_OPTS[3]] {
            let bin = image.to_binary(opts);
            for n in 0..bin.len() {
                let _ = decode(&bin[..n], Encoding::Binpb);
            }
        }
        for format in [Format::Json, Format::Txtpb, Format::Yaml] {
            let bytes = render(&image, ALL_OPTS[1], format, JsonOptions::default()).unwrap();
            let step = (bytes.len() / 150).max(1);
            for n in (0..bytes.len()).step_by(step) {
                let _ = decode(&bytes[..n], encoding(format));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn mutated_binary_never_panics(
            edits in proptest::collection::vec((0usize..1 << 20, 0u8..=255), 1..8)
        ) {
            let bin = mutation_base();
            let mut bytes = bin.to_vec();
            for (at, byte) in edits {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
            let _ = decode(&bytes, Encoding::Binpb);
        }

        #[test]
        fn mutated_text_never_panics(
            edits in proptest::collection::vec((0usize..1 << 20, proptest::sample::select(
                vec![b'{', b'}', b'[', b']', b'"', b'\\', b':', b'-', b'#', b'x', b'\n', 0xc3]
            )), 1..6)
        ) {
            let mut bytes = mutation_text().to_vec();
            for (at, byte) in edits {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
            let _ = decode(&bytes, Encoding::Txtpb);
        }
    }

    fn mutation_base() -> &'static [u8] {
        static BIN: OnceLock<Vec<u8>> = OnceLock::new();
        BIN.get_or_init(|| fixture_image().to_binary(ALL_OPTS[1]))
    }

    fn mutation_text() -> &'static [u8] {
        static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
        TEXT.get_or_init(|| {
            let image = fixture_image();
            // The three first-party files keep it small.
            let small = Image {
                files: image
                    .files
                    .into_iter()
                    .filter(|f| f.file.fd.name().starts_with("acme/"))
                    .collect(),
            };
            render(&small, ALL_OPTS[1], Format::Txtpb, JsonOptions::default()).unwrap()
        })
    }

    fn buf_binary() -> Option<std::path::PathBuf> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".refs/bin/buf");
        path.exists().then_some(path)
    }

    /// buf's own images, in every format, read back to exactly what buf
    /// wrote as binpb (and to what our compiler makes of the same sources).
    #[test]
    fn reads_images_written_by_buf() {
        let Some(buf) = buf_binary() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), FIXTURE);
        let ours = compile_tree(dir.path());
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let build = |name: &str, extra: &[&str]| -> Vec<u8> {
            let target = out.join(name);
            let status = std::process::Command::new(&buf)
                .arg("build")
                .arg(dir.path())
                .arg("-o")
                .arg(&target)
                .args(extra)
                .status()
                .unwrap();
            assert!(status.success(), "buf build -o {name} {extra:?}");
            std::fs::read(&target).unwrap()
        };
        for (suffix, extra, opts) in [
            ("", &[][..], ALL_OPTS[0]),
            ("-nosi", &["--exclude-source-info"][..], ALL_OPTS[1]),
            ("-fds", &["--as-file-descriptor-set"][..], ALL_OPTS[2]),
            (
                "-fds-nosi",
                &["--as-file-descriptor-set", "--exclude-source-info"][..],
                ALL_OPTS[3],
            ),
        ] {
            let binpb = build(&format!("img{suffix}.binpb"), extra);
            let want = expected(&ours, opts);
            let from_bin = decode(&binpb, Encoding::Binpb).unwrap();
            assert_same(&want, &from_bin, &format!("buf binpb{suffix}"));
            // A FileDescriptorSet's source info carries buf's
            // SourceCodeInfoExtension, which buf does not read back either.
            let lossless = !opts.as_file_descriptor_set || opts.exclude_source_info;
            assert!(
                !lossless || from_bin.to_binary(opts) == binpb,
                "buf binpb{suffix}: not lossless"
            );
            for (ext, enc) in [
                ("json", Encoding::Json),
                ("txtpb", Encoding::Txtpb),
                ("yaml", Encoding::Yaml),
            ] {
                let bytes = build(&format!("img{suffix}.{ext}"), extra);
                let got = decode(&bytes, enc).unwrap_or_else(|e| panic!("buf {ext}{suffix}: {e}"));
                assert_same(&want, &got, &format!("buf {ext}{suffix}"));
                assert!(
                    !lossless || got.to_binary(opts) == binpb,
                    "buf {ext}{suffix}: bytes differ"
                );
            }
        }
    }
}
