//! `build --type`: the image cut down to the named types and what they need,
//! as buf's type filter cuts it.
//!
//! A type (message, enum, service, method, extension or package; a trailing
//! `.**` takes everything nested beneath it, sub-packages included) pulls in
//! what describes it completely: the messages and enums its fields name, the
//! request and response of its methods, the extensions known for its
//! messages, the custom options it uses (and the messages an `Any` in an
//! option value names), and its enclosing messages, which are kept as bare
//! namespaces. Every kept file is then rebuilt: dropped declarations leave,
//! imports shrink to what the kept declarations use, and source locations and
//! option bytes follow their declarations to their new indexes.

use std::collections::{HashMap, HashSet};

use prost_types::field_descriptor_proto::Type;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, MethodDescriptorProto,
};

use super::{Image, ImageFile};

/// Field numbers of descriptor.proto that make up source paths.
mod tag {
    pub const FILE_DEPENDENCY: i32 = 3;
    pub const FILE_MESSAGES: i32 = 4;
    pub const FILE_ENUMS: i32 = 5;
    pub const FILE_SERVICES: i32 = 6;
    pub const FILE_EXTENSIONS: i32 = 7;
    pub const FILE_OPTIONS: i32 = 8;
    pub const FILE_PUBLIC_DEPENDENCY: i32 = 10;
    pub const FILE_WEAK_DEPENDENCY: i32 = 11;
    pub const MESSAGE_FIELDS: i32 = 2;
    pub const MESSAGE_NESTED: i32 = 3;
    pub const MESSAGE_ENUMS: i32 = 4;
    pub const MESSAGE_EXTENSION_RANGES: i32 = 5;
    pub const MESSAGE_EXTENSIONS: i32 = 6;
    pub const MESSAGE_OPTIONS: i32 = 7;
    pub const MESSAGE_ONEOFS: i32 = 8;
    pub const MESSAGE_RESERVED_RANGES: i32 = 9;
    pub const MESSAGE_RESERVED_NAMES: i32 = 10;
    pub const FIELD_OPTIONS: i32 = 8;
    pub const ONEOF_OPTIONS: i32 = 2;
    pub const EXTENSION_RANGE_OPTIONS: i32 = 3;
    pub const ENUM_VALUES: i32 = 2;
    pub const ENUM_OPTIONS: i32 = 3;
    pub const ENUM_VALUE_OPTIONS: i32 = 3;
    pub const SERVICE_METHODS: i32 = 2;
    pub const SERVICE_OPTIONS: i32 = 3;
    pub const METHOD_OPTIONS: i32 = 4;
}

const ANY: &str = "google.protobuf.Any";

/// `generate`'s `exclude_types` (and `--exclude-type`): the image without the
/// named types and what refers to them. The error is buf's text, for a
/// `Failure:` line.
pub fn exclude_types(image: &Image, types: &[String]) -> Result<Image, String> {
    filter_types(image, &[], types)
}

/// Filters `image` down to `types`, the values of `--type` as given: each is
/// a comma-separated list, and an empty value names nothing (while an empty
/// item of a list names the root package). No names at all leave the image as
/// is. The error is buf's text, for a `Failure:` line.
pub fn filter_by_types(image: &Image, types: &[String]) -> Result<Image, String> {
    filter_types(image, types, &[])
}

/// buf's one pass over both filters (`types:` with `exclude_types:`): the
/// excluded types are marked first, then the included ones (or, with none
/// named, every target file) are walked around them. Without includes,
/// whatever the walk does not reach stays.
pub fn filter_types(image: &Image, types: &[String], exclude: &[String]) -> Result<Image, String> {
    let parse = |values: &[String], kind: &str| -> Result<Vec<Request>, String> {
        values
            .iter()
            .filter(|t| !t.is_empty())
            .flat_map(|t| t.split(','))
            .map(|t| Request::parse(t, kind))
            .collect()
    };
    let excludes = parse(exclude, "exclude")?;
    let includes = parse(types, "include")?;
    if includes.is_empty() && excludes.is_empty() {
        return Ok(image.clone());
    }
    // The closure recurses along type references; run it where a long chain
    // of references cannot exhaust the stack.
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn_scoped(s, || filter(image, &includes, &excludes))
            .map_err(|e| e.to_string())?
            .join()
            .unwrap_or_else(|_| Err("the type filter failed".to_string()))
    })
}

/// One `--type` value: a full name, and whether `.**` asked for everything
/// beneath it.
struct Request {
    name: String,
    recursive: bool,
}

impl Request {
    /// `kind` is `include` or `exclude`, for the error.
    fn parse(raw: &str, kind: &str) -> Result<Request, String> {
        let (name, recursive) = match raw.strip_suffix(".**") {
            Some("") => (String::new(), true),
            Some(rest) => (rest.to_string(), true),
            None => (raw.to_string(), false),
        };
        if name.contains('*') {
            return Err(format!(
                "invalid filter type: {kind} type \"{raw}\": the only supported wildcard is \".**\" and it must come at the end"
            ));
        }
        if !name.is_empty() && !is_full_name(&name) {
            return Err(format!("invalid filter type: {kind} type \"{raw}\""));
        }
        Ok(Request { name, recursive })
    }
}

/// Dot-separated identifiers, as protobuf full names are written.
fn is_full_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[derive(Clone, Copy)]
enum Desc<'a> {
    File,
    Message(&'a DescriptorProto),
    Enum(&'a EnumDescriptorProto),
    Service,
    Method(&'a MethodDescriptorProto),
    Extension(&'a FieldDescriptorProto),
}

/// A declaration the filter can keep or drop.
struct Elem<'a> {
    desc: Desc<'a>,
    file: usize,
    /// Source path of the declaration within its file (empty for a file).
    path: Vec<i32>,
    name: String,
    parent: Option<usize>,
    children: Vec<usize>,
}

#[derive(Default)]
struct Package {
    files: Vec<usize>,
    subs: Vec<String>,
}

struct Index<'a> {
    image: &'a Image,
    elems: Vec<Elem<'a>>,
    /// The element of each image file, by file index.
    file_elem: Vec<usize>,
    by_name: HashMap<String, usize>,
    by_path: HashMap<(usize, Vec<i32>), usize>,
    packages: HashMap<String, Package>,
    /// Extensions by extendee, in declaration order.
    extensions_of: HashMap<String, Vec<usize>>,
    /// Extensions by (extendee, number).
    extension_by_number: HashMap<(String, i32), usize>,
    /// Serialized options by source path, per file.
    options: Vec<HashMap<&'a [i32], &'a [u8]>>,
}

impl<'a> Index<'a> {
    fn new(image: &'a Image) -> Index<'a> {
        let mut ix = Index {
            image,
            elems: Vec::new(),
            file_elem: Vec::with_capacity(image.files.len()),
            by_name: HashMap::new(),
            by_path: HashMap::new(),
            packages: HashMap::new(),
            extensions_of: HashMap::new(),
            extension_by_number: HashMap::new(),
            options: Vec::with_capacity(image.files.len()),
        };
        for (fi, f) in image.files.iter().enumerate() {
            let fd = &f.file.fd;
            let fe = ix.push(Desc::File, fi, Vec::new(), fd.name().to_string(), None);
            ix.file_elem.push(fe);
            ix.add_package(fd.package(), fi);
            ix.options.push(
                f.file
                    .raw_options
                    .iter()
                    .map(|(p, b)| (p.as_slice(), b.as_slice()))
                    .collect(),
            );
            let scope = fd.package().to_string();
            for (i, m) in fd.message_type.iter().enumerate() {
                ix.message(m, fi, vec![tag::FILE_MESSAGES, i as i32], &scope, fe);
            }
            for (i, e) in fd.enum_type.iter().enumerate() {
                let name = join(&scope, e.name());
                ix.push(
                    Desc::Enum(e),
                    fi,
                    vec![tag::FILE_ENUMS, i as i32],
                    name,
                    Some(fe),
                );
            }
            for (i, s) in fd.service.iter().enumerate() {
                let name = join(&scope, s.name());
                let path = vec![tag::FILE_SERVICES, i as i32];
                let se = ix.push(Desc::Service, fi, path.clone(), name.clone(), Some(fe));
                for (j, m) in s.method.iter().enumerate() {
                    let mut p = path.clone();
                    p.extend([tag::SERVICE_METHODS, j as i32]);
                    ix.push(Desc::Method(m), fi, p, join(&name, m.name()), Some(se));
                }
            }
            for (i, x) in fd.extension.iter().enumerate() {
                ix.extension(x, fi, vec![tag::FILE_EXTENSIONS, i as i32], &scope, fe);
            }
        }
        ix
    }

    fn push(
        &mut self,
        desc: Desc<'a>,
        file: usize,
        path: Vec<i32>,
        name: String,
        parent: Option<usize>,
    ) -> usize {
        let id = self.elems.len();
        self.by_path.insert((file, path.clone()), id);
        self.elems.push(Elem {
            desc,
            file,
            path,
            name,
            parent,
            children: Vec::new(),
        });
        if let Some(p) = parent {
            self.elems[p].children.push(id);
        }
        if !matches!(desc, Desc::File) {
            // Names are unique in a compiled image; should an image from
            // elsewhere repeat one, the first declaration wins.
            self.by_name
                .entry(self.elems[id].name.clone())
                .or_insert(id);
        }
        id
    }

    fn message(
        &mut self,
        m: &'a DescriptorProto,
        fi: usize,
        path: Vec<i32>,
        scope: &str,
        parent: usize,
    ) {
        let name = join(scope, m.name());
        let me = self.push(
            Desc::Message(m),
            fi,
            path.clone(),
            name.clone(),
            Some(parent),
        );
        for (i, n) in m.nested_type.iter().enumerate() {
            let mut p = path.clone();
            p.extend([tag::MESSAGE_NESTED, i as i32]);
            self.message(n, fi, p, &name, me);
        }
        for (i, e) in m.enum_type.iter().enumerate() {
            let mut p = path.clone();
            p.extend([tag::MESSAGE_ENUMS, i as i32]);
            self.push(Desc::Enum(e), fi, p, join(&name, e.name()), Some(me));
        }
        for (i, x) in m.extension.iter().enumerate() {
            let mut p = path.clone();
            p.extend([tag::MESSAGE_EXTENSIONS, i as i32]);
            self.extension(x, fi, p, &name, me);
        }
    }

    fn extension(
        &mut self,
        x: &'a FieldDescriptorProto,
        fi: usize,
        path: Vec<i32>,
        scope: &str,
        parent: usize,
    ) {
        let id = self.push(
            Desc::Extension(x),
            fi,
            path,
            join(scope, x.name()),
            Some(parent),
        );
        let extendee = x.extendee().trim_start_matches('.').to_string();
        self.extension_by_number
            .entry((extendee.clone(), x.number()))
            .or_insert(id);
        self.extensions_of.entry(extendee).or_default().push(id);
    }

    fn add_package(&mut self, name: &str, file: usize) {
        let mut child: Option<String> = None;
        let mut current = name.to_string();
        loop {
            let existed = self.packages.contains_key(&current);
            let pkg = self.packages.entry(current.clone()).or_default();
            if let Some(c) = child.take() {
                pkg.subs.push(c);
            } else {
                pkg.files.push(file);
            }
            if existed || current.is_empty() {
                break;
            }
            let parent = current
                .rfind('.')
                .map_or(String::new(), |i| current[..i].to_string());
            child = Some(std::mem::replace(&mut current, parent));
        }
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    fn is_import(&self, elem: usize) -> bool {
        self.image.files[self.elems[elem].file].is_import
    }

    /// The serialized options of the declaration at `path` in `file`.
    fn options_of(&self, file: usize, path: &[i32]) -> Option<&'a [u8]> {
        self.options[file].get(path).copied()
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Not (yet) in the closure.
    Unknown,
    /// Named, or reachable from something named.
    Explicit,
    /// Only encloses something in the closure: kept as a namespace.
    Enclosing,
    /// Only needed to declare a custom option in use.
    Implicit,
    /// Excluded by name, or left without what it needs by an exclusion.
    Excluded,
}

/// What the named types reach, and which files each kept file must import.
struct Closure {
    modes: Vec<Mode>,
    /// The custom options of excluded extensions: (options message, number).
    excluded_options: HashSet<(String, i32)>,
    /// No types were included: what the walk never reaches stays.
    keep_unknown: bool,
    /// Imports each file needs, by file index, in the order they were found.
    imports: HashMap<usize, Vec<usize>>,
}

impl Closure {
    /// Marks `req` and everything declared in it as excluded.
    fn exclude(&mut self, ix: &Index, req: &Request) -> Result<(), String> {
        let name = &req.name;
        if let Some(e) = ix.lookup(name) {
            self.modes[e] = Mode::Excluded;
            for d in descendants(ix, e) {
                self.modes[d] = Mode::Excluded;
            }
            return Ok(());
        }
        if !ix.packages.contains_key(name) {
            return Err(format!("exclusion of type \"{name}\": not found"));
        }
        let mut stack = vec![name.as_str()];
        while let Some(p) = stack.pop() {
            if let Some(pkg) = ix.packages.get(p) {
                for &f in &pkg.files {
                    let fe = ix.file_elem[f];
                    self.modes[fe] = Mode::Excluded;
                    for d in descendants(ix, fe) {
                        self.modes[d] = Mode::Excluded;
                    }
                }
                if req.recursive {
                    stack.extend(pkg.subs.iter().map(String::as_str));
                }
            }
        }
        Ok(())
    }

    /// Whether element `e` stays in the filtered image.
    fn has(&self, e: usize) -> bool {
        match self.modes[e] {
            Mode::Explicit | Mode::Enclosing | Mode::Implicit => true,
            Mode::Excluded => false,
            Mode::Unknown => self.keep_unknown,
        }
    }

    fn include(&mut self, ix: &Index, req: &Request) -> Result<(), String> {
        let name = &req.name;
        if let Some(e) = ix.lookup(name) {
            if ix.is_import(e) {
                return Err("type declared in imported module".into());
            }
            self.add(ix, e, None, false)?;
            if req.recursive {
                for d in descendants(ix, e) {
                    self.add(ix, d, None, false)?;
                }
            }
            return Ok(());
        }
        let Some(pkg) = ix.packages.get(name) else {
            return Err("not found".into());
        };
        if !req.recursive && pkg.files.is_empty() {
            return Err(format!(
                "package contains no types directly; did you mean \"{name}.**\"?"
            ));
        }
        let mut files = Vec::new();
        let mut stack = vec![name.as_str()];
        while let Some(p) = stack.pop() {
            if let Some(pkg) = ix.packages.get(p) {
                files.extend(pkg.files.iter().copied());
                if req.recursive {
                    stack.extend(pkg.subs.iter().rev().map(String::as_str));
                }
            }
        }
        if files.iter().all(|&f| ix.image.files[f].is_import) {
            return Err("type declared in imported module".into());
        }
        for f in files {
            self.add(ix, ix.file_elem[f], None, false)?;
        }
        Ok(())
    }

    fn add_import(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let list = self.imports.entry(from).or_default();
        if !list.contains(&to) {
            list.push(to);
        }
    }

    /// Adds `e` and everything it needs. `referrer` is the file whose
    /// declaration refers to `e` (it must import `e`'s file); `implied`
    /// marks an extension added only because a custom option uses it.
    fn add(
        &mut self,
        ix: &Index,
        e: usize,
        referrer: Option<usize>,
        implied: bool,
    ) -> Result<(), String> {
        let elem = &ix.elems[e];
        let file = elem.file;
        if let Some(r) = referrer
            && self.modes[e] != Mode::Excluded
        {
            self.add_import(r, file);
        }
        match self.modes[e] {
            Mode::Unknown | Mode::Enclosing => {}
            Mode::Implicit if !implied => {
                self.modes[e] = Mode::Explicit;
                return Ok(());
            }
            Mode::Implicit | Mode::Explicit | Mode::Excluded => return Ok(()),
        }
        self.modes[e] = if implied {
            Mode::Implicit
        } else {
            Mode::Explicit
        };
        let path = &elem.path;
        match elem.desc {
            Desc::File => {
                for d in descendants(ix, e) {
                    self.add(ix, d, None, false)?;
                }
            }
            Desc::Message(m) => {
                for (i, field) in m.field.iter().enumerate() {
                    if !self.add_field_type(ix, field, file)? {
                        continue;
                    }
                    let opts =
                        child_path(path, &[tag::MESSAGE_FIELDS, i as i32, tag::FIELD_OPTIONS]);
                    self.explore_options(
                        ix,
                        file,
                        &opts,
                        "google.protobuf.FieldOptions",
                        Some(file),
                    )?;
                }
                for i in 0..m.oneof_decl.len() {
                    let opts =
                        child_path(path, &[tag::MESSAGE_ONEOFS, i as i32, tag::ONEOF_OPTIONS]);
                    self.explore_options(
                        ix,
                        file,
                        &opts,
                        "google.protobuf.OneofOptions",
                        Some(file),
                    )?;
                }
                for i in 0..m.extension_range.len() {
                    let opts = child_path(
                        path,
                        &[
                            tag::MESSAGE_EXTENSION_RANGES,
                            i as i32,
                            tag::EXTENSION_RANGE_OPTIONS,
                        ],
                    );
                    self.explore_options(
                        ix,
                        file,
                        &opts,
                        "google.protobuf.ExtensionRangeOptions",
                        Some(file),
                    )?;
                }
            }
            Desc::Enum(en) => {
                for i in 0..en.value.len() {
                    let opts =
                        child_path(path, &[tag::ENUM_VALUES, i as i32, tag::ENUM_VALUE_OPTIONS]);
                    self.explore_options(
                        ix,
                        file,
                        &opts,
                        "google.protobuf.EnumValueOptions",
                        Some(file),
                    )?;
                }
            }
            Desc::Service => {
                for &m in &elem.children {
                    if let Desc::Method(md) = ix.elems[m].desc {
                        let (input, output) = method_types(ix, md)?;
                        // buf marks the input excluded when either end is
                        // (so the error below names the input).
                        if self.modes[input] == Mode::Excluded
                            || self.modes[output] == Mode::Excluded
                        {
                            self.modes[input] = Mode::Excluded;
                        }
                    }
                    self.add(ix, m, None, false)?;
                }
            }
            Desc::Method(m) => {
                let (input, output) = method_types(ix, m)?;
                for (t, which) in [(input, "input"), (output, "output")] {
                    if self.modes[t] == Mode::Excluded {
                        return Err(format!(
                            "cannot include method \"{}\" as its {which} type \"{}\" is type excluded by filter",
                            elem.name, ix.elems[t].name
                        ));
                    }
                }
                self.add(ix, input, Some(file), false)?;
                self.add(ix, output, Some(file), false)?;
            }
            Desc::Extension(x) => {
                let name = x.extendee().trim_start_matches('.');
                let t = ix
                    .lookup(name)
                    .ok_or_else(|| format!("missing \"{name}\""))?;
                if self.modes[t] == Mode::Excluded {
                    self.modes[e] = Mode::Excluded;
                    return Ok(());
                }
                self.add(ix, t, Some(file), implied)?;
                if !self.add_field_type(ix, x, file)? {
                    self.modes[e] = Mode::Excluded;
                    return Ok(());
                }
            }
        }
        self.add_enclosing(ix, elem.parent, file)?;
        let (opts, options_type) = own_options(elem);
        self.explore_options(ix, file, &opts, options_type, Some(file))
    }

    fn add_enclosing(
        &mut self,
        ix: &Index,
        mut parent: Option<usize>,
        file: usize,
    ) -> Result<(), String> {
        while let Some(p) = parent {
            let elem = &ix.elems[p];
            if !matches!(elem.desc, Desc::Message(_) | Desc::Service | Desc::File)
                || self.modes[p] != Mode::Unknown
            {
                break;
            }
            self.modes[p] = Mode::Enclosing;
            let (opts, options_type) = own_options(elem);
            self.explore_options(ix, file, &opts, options_type, Some(file))?;
            parent = elem.parent;
        }
        Ok(())
    }

    /// Adds the type of `field`; false when that type is excluded (and the
    /// field goes with it).
    fn add_field_type(
        &mut self,
        ix: &Index,
        field: &FieldDescriptorProto,
        file: usize,
    ) -> Result<bool, String> {
        if matches!(field.r#type(), Type::Message | Type::Group | Type::Enum) {
            let name = field.type_name().trim_start_matches('.');
            let t = ix
                .lookup(name)
                .ok_or_else(|| format!("missing \"{name}\""))?;
            if self.modes[t] == Mode::Excluded {
                return Ok(false);
            }
            self.add(ix, t, Some(file), false)?;
        }
        Ok(true)
    }

    /// Adds the extensions behind the custom options set in the options
    /// message at `opts` of `file`, and any message an `Any` in their values
    /// names.
    fn explore_options(
        &mut self,
        ix: &Index,
        file: usize,
        opts: &[i32],
        options_type: &str,
        referrer: Option<usize>,
    ) -> Result<(), String> {
        let Some(bytes) = ix.options_of(file, opts) else {
            return Ok(());
        };
        let mut key = (options_type.to_string(), 0);
        for (number, payload) in wire_fields(bytes) {
            key.1 = number;
            let Some(&x) = ix.extension_by_number.get(&key) else {
                continue;
            };
            if self.modes[x] == Mode::Excluded {
                continue;
            }
            if let Desc::Extension(field) = ix.elems[x].desc {
                self.explore_any(ix, field, payload, referrer)?;
            }
            self.add(ix, x, referrer, true)?;
        }
        Ok(())
    }

    /// Walks a message-typed option value for `google.protobuf.Any` values and
    /// adds the messages their type URLs name.
    fn explore_any(
        &mut self,
        ix: &Index,
        field: &FieldDescriptorProto,
        payload: &[u8],
        referrer: Option<usize>,
    ) -> Result<(), String> {
        if !matches!(field.r#type(), Type::Message | Type::Group) {
            return Ok(());
        }
        let type_name = field.type_name().trim_start_matches('.');
        if type_name == ANY {
            let url = wire_fields(payload)
                .into_iter()
                .rfind(|(n, _)| *n == 1)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default();
            let name = url.rsplit('/').next().unwrap_or("");
            if let Some(t) = ix.lookup(name)
                && matches!(ix.elems[t].desc, Desc::Message(_))
            {
                self.add(ix, t, referrer, false)?;
            }
            return Ok(());
        }
        let Some(m) = ix.lookup(type_name).and_then(|t| match ix.elems[t].desc {
            Desc::Message(m) => Some(m),
            _ => None,
        }) else {
            return Ok(());
        };
        for (number, value) in wire_fields(payload) {
            let inner = m.field.iter().find(|f| f.number() == number).or_else(|| {
                let x = *ix
                    .extension_by_number
                    .get(&(type_name.to_string(), number))?;
                match ix.elems[x].desc {
                    Desc::Extension(f) => Some(f),
                    _ => None,
                }
            });
            if let Some(inner) = inner {
                self.explore_any(ix, inner, value, referrer)?;
            }
        }
        Ok(())
    }

    /// Adds the known extensions of every explicitly included message, until
    /// the extensions bring in no message that has more. (buf makes one pass
    /// over a map it grows, so it finds the extensions of messages that
    /// extensions bring in only some of the time; all of them is the stable
    /// answer.)
    fn add_extensions(&mut self, ix: &Index) -> Result<(), String> {
        let mut done = vec![false; self.modes.len()];
        loop {
            let explicit: Vec<usize> = (0..self.modes.len())
                .filter(|&e| {
                    !done[e]
                        && self.modes[e] == Mode::Explicit
                        && matches!(ix.elems[e].desc, Desc::Message(_))
                })
                .collect();
            if explicit.is_empty() {
                return Ok(());
            }
            for m in explicit {
                done[m] = true;
                if let Some(exts) = ix.extensions_of.get(&ix.elems[m].name) {
                    for &x in exts {
                        self.add(ix, x, None, false)?;
                    }
                }
            }
        }
    }

    /// Whether the declaration at `path` of file `fi` is in the closure.
    fn has_at(&self, ix: &Index, fi: usize, path: &[i32]) -> bool {
        ix.by_path
            .get(&(fi, path.to_vec()))
            .is_some_and(|&e| self.has(e))
    }
}

/// The elements of a method's input and output types.
fn method_types(ix: &Index, m: &MethodDescriptorProto) -> Result<(usize, usize), String> {
    let find = |ty: &str| {
        let name = ty.trim_start_matches('.');
        ix.lookup(name).ok_or_else(|| format!("missing \"{name}\""))
    };
    Ok((find(m.input_type())?, find(m.output_type())?))
}

/// Every element declared beneath `e`, in declaration order.
fn descendants(ix: &Index, e: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = ix.elems[e].children.iter().rev().copied().collect();
    while let Some(c) = stack.pop() {
        out.push(c);
        stack.extend(ix.elems[c].children.iter().rev().copied());
    }
    out
}

fn child_path(path: &[i32], rest: &[i32]) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + rest.len());
    p.extend_from_slice(path);
    p.extend_from_slice(rest);
    p
}

/// The source path of an element's own options, and their message type.
fn own_options(elem: &Elem) -> (Vec<i32>, &'static str) {
    let (n, ty) = match elem.desc {
        Desc::File => (tag::FILE_OPTIONS, "google.protobuf.FileOptions"),
        Desc::Message(_) => (tag::MESSAGE_OPTIONS, "google.protobuf.MessageOptions"),
        Desc::Enum(_) => (tag::ENUM_OPTIONS, "google.protobuf.EnumOptions"),
        Desc::Service => (tag::SERVICE_OPTIONS, "google.protobuf.ServiceOptions"),
        Desc::Method(_) => (tag::METHOD_OPTIONS, "google.protobuf.MethodOptions"),
        Desc::Extension(_) => (tag::FIELD_OPTIONS, "google.protobuf.FieldOptions"),
    };
    (child_path(&elem.path, &[n]), ty)
}

/// The fields of a serialized message as (number, payload): the bytes of a
/// length-delimited value or a group's body; scalars give their raw bytes.
/// Malformed input ends the list.
fn wire_fields(b: &[u8]) -> Vec<(i32, &[u8])> {
    crate::compiler::wire::fields(b)
        .0
        .into_iter()
        .map(|f| (f.number, f.payload))
        .collect()
}

fn filter(image: &Image, includes: &[Request], excludes: &[Request]) -> Result<Image, String> {
    let ix = Index::new(image);
    let mut closure = Closure {
        modes: vec![Mode::Unknown; ix.elems.len()],
        excluded_options: HashSet::new(),
        keep_unknown: includes.is_empty(),
        imports: HashMap::new(),
    };
    for req in excludes {
        closure.exclude(&ix, req)?;
    }
    for req in includes {
        if ix
            .lookup(&req.name)
            .is_some_and(|e| closure.modes[e] == Mode::Excluded)
        {
            return Err(format!(
                "inclusion of type \"{}\": type excluded by filter",
                req.name
            ));
        }
        closure
            .include(&ix, req)
            .map_err(|e| format!("inclusion of type \"{}\": {e}", req.name))?;
    }
    if includes.is_empty() {
        // Nothing named: every target file is walked, around the exclusions.
        for (fi, f) in image.files.iter().enumerate() {
            if !f.is_import {
                closure.add(&ix, ix.file_elem[fi], None, false)?;
            }
        }
    }
    closure.add_extensions(&ix)?;
    for (e, elem) in ix.elems.iter().enumerate() {
        if let Desc::Extension(x) = elem.desc
            && closure.modes[e] == Mode::Excluded
        {
            let extendee = x.extendee().trim_start_matches('.').to_string();
            closure.excluded_options.insert((extendee, x.number()));
        }
    }

    // From the last file back: an import survives only while a kept file
    // still imports it.
    let index_of: HashMap<&str, usize> = image
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file.fd.name(), i))
        .collect();
    let mut imported: HashSet<&str> = HashSet::new();
    let mut kept = Vec::new();
    for (fi, f) in image.files.iter().enumerate().rev() {
        let name = f.file.fd.name();
        let is_imported = imported.contains(name);
        // An import stays while a kept file imports it, or when a package
        // named it outright.
        if f.is_import && !is_imported && closure.modes[ix.file_elem[fi]] != Mode::Explicit {
            continue;
        }
        if !closure.has(ix.file_elem[fi]) {
            if is_imported {
                return Err(format!("imported file \"{name}\" was filtered out"));
            }
            continue;
        }
        let rebuilt = rebuild(&ix, &closure, fi);
        for d in &rebuilt.file.fd.dependency {
            if let Some(&other) = index_of.get(d.as_str()) {
                imported.insert(image.files[other].file.fd.name());
            }
        }
        kept.push(rebuilt);
    }
    kept.reverse();
    Ok(Image { files: kept })
}

/// Moves and deletions of source paths, recorded against the old paths.
#[derive(Default)]
struct Remap {
    /// The new last index of a path; -1 deletes the path and all below it.
    moved: HashMap<Vec<i32>, i32>,
    /// Paths whose own location loses its comments.
    no_comment: HashSet<Vec<i32>>,
}

impl Remap {
    fn moved(&mut self, path: Vec<i32>, to: i32) {
        self.moved.insert(path, to);
    }

    fn deleted(&mut self, path: Vec<i32>) {
        self.moved.insert(path, -1);
    }

    /// Where `old` is now (`None`: deleted), and whether its comments go.
    fn new_path(&self, old: &[i32]) -> Option<(Vec<i32>, bool)> {
        let mut new = old.to_vec();
        for k in 1..=old.len() {
            if let Some(&to) = self.moved.get(&old[..k]) {
                if to < 0 {
                    return None;
                }
                new[k - 1] = to;
            }
        }
        let no_comment = !old.is_empty() && self.no_comment.contains(old);
        Some((new, no_comment))
    }
}

/// Keeps the items of `list` that `keep` accepts, recording moves and
/// deletions below `base`; an emptied list is deleted as a whole.
fn retain<T>(
    list: &mut Vec<T>,
    base: &[i32],
    rm: &mut Remap,
    mut keep: impl FnMut(&[i32], &mut T, &mut Remap) -> bool,
) {
    let old = std::mem::take(list);
    for (i, mut item) in old.into_iter().enumerate() {
        let path = child_path(base, &[i as i32]);
        if keep(&path, &mut item, rm) {
            let to = list.len() as i32;
            if to != i as i32 {
                rm.moved(path, to);
            }
            list.push(item);
        } else {
            rm.deleted(path);
        }
    }
    if list.is_empty() {
        rm.deleted(base.to_vec());
    }
}

/// The file `fi` with only what the closure holds.
fn rebuild(ix: &Index, cl: &Closure, fi: usize) -> ImageFile {
    let mut out = ix.image.files[fi].clone();
    let file = &mut out.file;
    let mut rm = Remap::default();
    let has = |path: &[i32]| cl.has_at(ix, fi, path);
    if !cl.excluded_options.is_empty() {
        drop_excluded_options(file, &cl.excluded_options, &mut rm);
    }
    let fd = &mut file.fd;

    retain(
        &mut fd.message_type,
        &[tag::FILE_MESSAGES],
        &mut rm,
        |p, m, rm| keep_message(ix, cl, fi, p, m, rm),
    );
    retain(&mut fd.enum_type, &[tag::FILE_ENUMS], &mut rm, |p, _, _| {
        has(p)
    });
    retain(
        &mut fd.service,
        &[tag::FILE_SERVICES],
        &mut rm,
        |p, s, rm| {
            if !has(p) {
                return false;
            }
            let base = child_path(p, &[tag::SERVICE_METHODS]);
            retain(&mut s.method, &base, rm, |mp, _, _| has(mp));
            true
        },
    );
    retain(
        &mut fd.extension,
        &[tag::FILE_EXTENSIONS],
        &mut rm,
        |p, _, _| has(p),
    );

    // Imports: the ones still needed, in their old order, then, sorted by
    // path, any needed file that was reached through a public import.
    // A file the walk never reached (an import, with nothing included)
    // keeps all its imports.
    let untouched = cl.keep_unknown && cl.modes[ix.file_elem[fi]] == Mode::Unknown;
    let original = &ix.image.files[fi].file.fd.dependency;
    let mut required: Vec<&str> = if untouched {
        original.iter().map(String::as_str).collect()
    } else {
        cl.imports
            .get(&fi)
            .map(|v| {
                v.iter()
                    .map(|&f| ix.image.files[f].file.fd.name())
                    .collect()
            })
            .unwrap_or_default()
    };
    let old_deps = std::mem::take(&mut fd.dependency);
    let mut changes = vec![-1i32; old_deps.len()];
    for (i, dep) in old_deps.iter().enumerate() {
        let path = vec![tag::FILE_DEPENDENCY, i as i32];
        if let Some(pos) = required.iter().position(|r| r == dep) {
            required.remove(pos);
            let to = fd.dependency.len() as i32;
            changes[i] = to;
            if to != i as i32 {
                rm.moved(path, to);
            }
            fd.dependency.push(dep.clone());
        } else {
            rm.deleted(path);
        }
    }
    required.sort_unstable();
    fd.dependency
        .extend(required.into_iter().map(str::to_string));
    fd.public_dependency.clear();
    rm.deleted(vec![tag::FILE_PUBLIC_DEPENDENCY]);
    let old_weak = std::mem::take(&mut fd.weak_dependency);
    for (k, from) in old_weak.into_iter().enumerate() {
        let path = vec![tag::FILE_WEAK_DEPENDENCY, k as i32];
        match usize::try_from(from)
            .ok()
            .and_then(|i| changes.get(i))
            .copied()
        {
            Some(to) if to >= 0 => {
                let at = fd.weak_dependency.len() as i32;
                if at != k as i32 {
                    rm.moved(path, at);
                }
                fd.weak_dependency.push(to);
            }
            _ => rm.deleted(path),
        }
    }

    let old_unused = std::mem::take(&mut file.unused_dependencies);
    file.unused_dependencies = old_unused
        .into_iter()
        .filter_map(|i| {
            usize::try_from(i)
                .ok()
                .and_then(|i| changes.get(i))
                .copied()
        })
        .filter(|&to| to >= 0)
        .collect();
    if let Some(info) = &mut file.source_info
        && !info.is_empty()
    {
        let location: Vec<_> = info
            .iter()
            .filter_map(|l| {
                let mut loc = l.to_location();
                let (path, no_comment) = rm.new_path(&loc.path)?;
                loc.path = path;
                if no_comment {
                    loc.leading_comments = None;
                    loc.trailing_comments = None;
                    loc.leading_detached_comments.clear();
                }
                Some(loc)
            })
            .collect();
        *info = crate::compiler::SourceInfo::from_locations(&location);
    }
    let remap_keys = |list: &mut Vec<(Vec<i32>, Vec<u8>)>| {
        let old = std::mem::take(list);
        *list = old
            .into_iter()
            .filter_map(|(p, b)| Some((rm.new_path(&p)?.0, b)))
            .collect();
    };
    remap_keys(&mut file.raw_options);
    remap_keys(&mut file.runtime_options);
    let old = std::mem::take(&mut file.source_only_paths);
    file.source_only_paths = old
        .into_iter()
        .filter_map(|p| Some(rm.new_path(&p)?.0))
        .collect();
    let old = std::mem::take(&mut file.extra.visibility);
    file.extra.visibility = old
        .into_iter()
        .filter_map(|(p, v)| Some((rm.new_path(&p)?.0, v)))
        .collect();
    drop_empty_options(file);
    file.type_filtered = true;
    out
}

/// buf drops an options message with no fields set (`rpc X(A) returns (B) {}`)
/// from every file it rebuilds.
fn drop_empty_options(file: &mut crate::compiler::CompiledFile) {
    use prost::Message;
    let raw: HashMap<&[i32], bool> = file
        .raw_options
        .iter()
        .map(|(p, b)| (p.as_slice(), b.is_empty()))
        .collect();
    let mut dropped: HashSet<Vec<i32>> = HashSet::new();
    let mut check = |path: Vec<i32>, typed: bool, typed_empty: bool| -> bool {
        let empty = match raw.get(path.as_slice()) {
            Some(&empty) => empty,
            None => typed && typed_empty,
        };
        if empty {
            dropped.insert(path);
        }
        empty
    };
    fn slot<T: Message>(
        o: &mut Option<T>,
        path: Vec<i32>,
        check: &mut impl FnMut(Vec<i32>, bool, bool) -> bool,
    ) {
        let typed_empty = o.as_ref().is_some_and(|m| m.encoded_len() == 0);
        if check(path, o.is_some(), typed_empty) {
            *o = None;
        }
    }
    fn message(
        m: &mut DescriptorProto,
        path: &[i32],
        check: &mut impl FnMut(Vec<i32>, bool, bool) -> bool,
    ) {
        slot(
            &mut m.options,
            child_path(path, &[tag::MESSAGE_OPTIONS]),
            check,
        );
        for (i, f) in m.field.iter_mut().enumerate() {
            slot(
                &mut f.options,
                child_path(path, &[tag::MESSAGE_FIELDS, i as i32, tag::FIELD_OPTIONS]),
                check,
            );
        }
        for (i, o) in m.oneof_decl.iter_mut().enumerate() {
            slot(
                &mut o.options,
                child_path(path, &[tag::MESSAGE_ONEOFS, i as i32, tag::ONEOF_OPTIONS]),
                check,
            );
        }
        for (i, r) in m.extension_range.iter_mut().enumerate() {
            let p = child_path(
                path,
                &[
                    tag::MESSAGE_EXTENSION_RANGES,
                    i as i32,
                    tag::EXTENSION_RANGE_OPTIONS,
                ],
            );
            slot(&mut r.options, p, check);
        }
        for (i, x) in m.extension.iter_mut().enumerate() {
            slot(
                &mut x.options,
                child_path(
                    path,
                    &[tag::MESSAGE_EXTENSIONS, i as i32, tag::FIELD_OPTIONS],
                ),
                check,
            );
        }
        for (i, n) in m.nested_type.iter_mut().enumerate() {
            message(
                n,
                &child_path(path, &[tag::MESSAGE_NESTED, i as i32]),
                check,
            );
        }
        for (i, e) in m.enum_type.iter_mut().enumerate() {
            enumeration(e, &child_path(path, &[tag::MESSAGE_ENUMS, i as i32]), check);
        }
    }
    fn enumeration(
        e: &mut EnumDescriptorProto,
        path: &[i32],
        check: &mut impl FnMut(Vec<i32>, bool, bool) -> bool,
    ) {
        slot(
            &mut e.options,
            child_path(path, &[tag::ENUM_OPTIONS]),
            check,
        );
        for (i, v) in e.value.iter_mut().enumerate() {
            slot(
                &mut v.options,
                child_path(path, &[tag::ENUM_VALUES, i as i32, tag::ENUM_VALUE_OPTIONS]),
                check,
            );
        }
    }
    let fd = &mut file.fd;
    slot(&mut fd.options, vec![tag::FILE_OPTIONS], &mut check);
    for (i, m) in fd.message_type.iter_mut().enumerate() {
        message(m, &[tag::FILE_MESSAGES, i as i32], &mut check);
    }
    for (i, e) in fd.enum_type.iter_mut().enumerate() {
        enumeration(e, &[tag::FILE_ENUMS, i as i32], &mut check);
    }
    for (i, s) in fd.service.iter_mut().enumerate() {
        let path = [tag::FILE_SERVICES, i as i32];
        slot(
            &mut s.options,
            child_path(&path, &[tag::SERVICE_OPTIONS]),
            &mut check,
        );
        for (j, m) in s.method.iter_mut().enumerate() {
            let p = child_path(
                &path,
                &[tag::SERVICE_METHODS, j as i32, tag::METHOD_OPTIONS],
            );
            slot(&mut m.options, p, &mut check);
        }
    }
    for (i, x) in fd.extension.iter_mut().enumerate() {
        slot(
            &mut x.options,
            vec![tag::FILE_EXTENSIONS, i as i32, tag::FIELD_OPTIONS],
            &mut check,
        );
    }
    if !dropped.is_empty() {
        file.raw_options.retain(|(p, _)| !dropped.contains(p));
        file.runtime_options.retain(|(p, _)| !dropped.contains(p));
    }
}

/// Whether the type of a message or enum field stays.
fn field_type_kept(ix: &Index, cl: &Closure, f: &FieldDescriptorProto) -> bool {
    if !matches!(f.r#type(), Type::Message | Type::Group | Type::Enum) {
        return true;
    }
    ix.lookup(f.type_name().trim_start_matches('.'))
        .is_none_or(|t| cl.has(t))
}

/// The options message type of the options at source path `path`.
fn options_type(path: &[i32]) -> Option<&'static str> {
    fn message(rest: &[i32]) -> Option<&'static str> {
        match rest {
            [tag::MESSAGE_OPTIONS] => Some("google.protobuf.MessageOptions"),
            [
                tag::MESSAGE_FIELDS | tag::MESSAGE_EXTENSIONS,
                _,
                tag::FIELD_OPTIONS,
            ] => Some("google.protobuf.FieldOptions"),
            [tag::MESSAGE_ONEOFS, _, tag::ONEOF_OPTIONS] => Some("google.protobuf.OneofOptions"),
            [
                tag::MESSAGE_EXTENSION_RANGES,
                _,
                tag::EXTENSION_RANGE_OPTIONS,
            ] => Some("google.protobuf.ExtensionRangeOptions"),
            [tag::MESSAGE_NESTED, _, rest @ ..] => message(rest),
            [tag::MESSAGE_ENUMS, _, rest @ ..] => enumeration(rest),
            _ => None,
        }
    }
    fn enumeration(rest: &[i32]) -> Option<&'static str> {
        match rest {
            [tag::ENUM_OPTIONS] => Some("google.protobuf.EnumOptions"),
            [tag::ENUM_VALUES, _, tag::ENUM_VALUE_OPTIONS] => {
                Some("google.protobuf.EnumValueOptions")
            }
            _ => None,
        }
    }
    match path {
        [tag::FILE_OPTIONS] => Some("google.protobuf.FileOptions"),
        [tag::FILE_MESSAGES, _, rest @ ..] => message(rest),
        [tag::FILE_ENUMS, _, rest @ ..] => enumeration(rest),
        [tag::FILE_SERVICES, _, tag::SERVICE_OPTIONS] => Some("google.protobuf.ServiceOptions"),
        [
            tag::FILE_SERVICES,
            _,
            tag::SERVICE_METHODS,
            _,
            tag::METHOD_OPTIONS,
        ] => Some("google.protobuf.MethodOptions"),
        [tag::FILE_EXTENSIONS, _, tag::FIELD_OPTIONS] => Some("google.protobuf.FieldOptions"),
        _ => None,
    }
}

/// Removes the values of excluded custom options from every options message
/// of `file`, with their source locations; an options message left with
/// nothing is dropped later (by `drop_empty_options`).
fn drop_excluded_options(
    file: &mut crate::compiler::CompiledFile,
    excluded: &HashSet<(String, i32)>,
    rm: &mut Remap,
) {
    let mut strip = |list: &mut Vec<(Vec<i32>, Vec<u8>)>, record: bool| {
        for (path, bytes) in list.iter_mut() {
            let Some(ty) = options_type(path) else {
                continue;
            };
            let mut removed: Vec<i32> = Vec::new();
            let kept = without_fields(bytes, |n| {
                let gone = excluded.contains(&(ty.to_string(), n));
                if gone && !removed.contains(&n) {
                    removed.push(n);
                }
                gone
            });
            if removed.is_empty() {
                continue;
            }
            if let Some(kept) = kept {
                *bytes = kept;
            }
            if record {
                for n in removed {
                    rm.deleted(child_path(path, &[n]));
                }
                if bytes.is_empty() {
                    rm.deleted(path.clone());
                }
            }
        }
    };
    strip(&mut file.raw_options, true);
    strip(&mut file.runtime_options, false);
}

/// `b` without the fields whose number `drop` accepts, the rest byte for
/// byte. `None` when `b` is malformed.
fn without_fields(b: &[u8], mut drop: impl FnMut(i32) -> bool) -> Option<Vec<u8>> {
    let (fields, complete) = crate::compiler::wire::fields(b);
    if !complete {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    for f in fields.iter().filter(|f| !drop(f.number)) {
        out.extend_from_slice(f.record);
    }
    Some(out)
}

/// Whether the message at `path` stays; trims what it holds.
fn keep_message(
    ix: &Index,
    cl: &Closure,
    fi: usize,
    path: &[i32],
    m: &mut DescriptorProto,
    rm: &mut Remap,
) -> bool {
    let has = |p: &[i32]| cl.has_at(ix, fi, p);
    let Some(&e) = ix.by_path.get(&(fi, path.to_vec())) else {
        return false;
    };
    match cl.modes[e] {
        Mode::Excluded => return false,
        Mode::Unknown if !cl.keep_unknown => return false,
        Mode::Enclosing => {
            // Only a namespace now: its own content goes, and its comments
            // with it when there was content to take.
            let stripped = !(m.field.is_empty()
                && m.oneof_decl.is_empty()
                && m.extension_range.is_empty()
                && m.reserved_range.is_empty()
                && m.reserved_name.is_empty());
            if stripped {
                rm.no_comment.insert(path.to_vec());
            }
            m.field.clear();
            m.oneof_decl.clear();
            m.extension_range.clear();
            m.reserved_range.clear();
            m.reserved_name.clear();
            for t in [
                tag::MESSAGE_FIELDS,
                tag::MESSAGE_ONEOFS,
                tag::MESSAGE_EXTENSION_RANGES,
                tag::MESSAGE_RESERVED_RANGES,
                tag::MESSAGE_RESERVED_NAMES,
            ] {
                rm.deleted(child_path(path, &[t]));
            }
        }
        Mode::Explicit | Mode::Implicit | Mode::Unknown => {
            // Fields of an excluded type go with it.
            retain(
                &mut m.field,
                &child_path(path, &[tag::MESSAGE_FIELDS]),
                rm,
                |_, f, _| field_type_kept(ix, cl, f),
            );
        }
    }
    retain(
        &mut m.extension,
        &child_path(path, &[tag::MESSAGE_EXTENSIONS]),
        rm,
        |p, _, _| has(p),
    );
    retain(
        &mut m.nested_type,
        &child_path(path, &[tag::MESSAGE_NESTED]),
        rm,
        |p, n, rm| keep_message(ix, cl, fi, p, n, rm),
    );
    retain(
        &mut m.enum_type,
        &child_path(path, &[tag::MESSAGE_ENUMS]),
        rm,
        |p, _, _| has(p),
    );
    true
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::Arc;

    use super::*;
    use crate::compiler::{SourceFile, compile};

    fn source(path: &str, text: &str) -> SourceFile {
        SourceFile {
            import_path: path.to_string(),
            display_path: path.to_string(),
            text: Arc::new(text.to_string()),
        }
    }

    /// `a.proto` and `c.proto` (importing `a.proto`) as targets.
    fn image() -> Image {
        let a = r#"syntax = "proto3";
package acme.v1;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string tag = 50001; }
message A { int32 x = 1 [(tag) = "t", deprecated = true]; }
message Empty {}
service S { rpc Get(A) returns (Empty); }
"#;
        let c = r#"syntax = "proto3";
package acme.v2;
import "a.proto";
message C { acme.v1.A a = 1; int32 y = 2; }
"#;
        let files = compile(vec![source("a.proto", a), source("c.proto", c)]).expect("compiles");
        let targets: HashSet<String> = ["a.proto", "c.proto"].map(String::from).into();
        Image::assemble(files, &targets, &HashMap::new())
    }

    fn file<'a>(image: &'a Image, name: &str) -> &'a ImageFile {
        image
            .files
            .iter()
            .find(|f| f.file.fd.name() == name)
            .expect("file in image")
    }

    #[test]
    fn excluded_message_takes_its_fields_and_imports() {
        let out = exclude_types(&image(), &["acme.v1.Empty".into(), "acme.v1.S".into()]).unwrap();
        let a = file(&out, "a.proto");
        let names: Vec<&str> = a.file.fd.message_type.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["A"]);
        assert!(a.file.fd.service.is_empty());

        let out = exclude_types(&image(), &["acme.v1.S".into(), "acme.v1.A".into()]).unwrap();
        let c = file(&out, "c.proto");
        assert!(c.file.fd.dependency.is_empty());
        let fields: Vec<&str> = c.file.fd.message_type[0]
            .field
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(fields, ["y"]);
        // a.proto is a target: it stays, without A.
        let a = file(&out, "a.proto");
        let names: Vec<&str> = a.file.fd.message_type.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["Empty"]);
    }

    #[test]
    fn excluded_package_drops_its_files() {
        let out = exclude_types(&image(), &["acme.v2".into()]).unwrap();
        let names: Vec<&str> = out.files.iter().map(|f| f.file.fd.name()).collect();
        assert_eq!(names, ["google/protobuf/descriptor.proto", "a.proto"]);
    }

    #[test]
    fn excluded_option_leaves_the_options_message() {
        let out = exclude_types(&image(), &["acme.v1.tag".into()]).unwrap();
        let a = file(&out, "a.proto");
        assert!(a.file.fd.extension.is_empty());
        let path = [
            tag::FILE_MESSAGES,
            0,
            tag::MESSAGE_FIELDS,
            0,
            tag::FIELD_OPTIONS,
        ];
        let (_, bytes) = a
            .file
            .raw_options
            .iter()
            .find(|(p, _)| p.as_slice() == path)
            .expect("field options");
        // Only `deprecated = true` (field 3) is left.
        assert_eq!(bytes.as_slice(), [0x18, 0x01]);
        // The import of descriptor.proto is still needed by nothing in a.proto.
        assert!(a.file.fd.dependency.is_empty());
    }

    #[test]
    fn errors_are_bufs() {
        let err = exclude_types(&image(), &["acme.v1.A".into()]).unwrap_err();
        assert_eq!(
            err,
            "cannot include method \"acme.v1.S.Get\" as its input type \"acme.v1.A\" is type excluded by filter"
        );
        let err = exclude_types(&image(), &["nope.X".into()]).unwrap_err();
        assert_eq!(err, "exclusion of type \"nope.X\": not found");
        let err = exclude_types(&image(), &["acme.*".into()]).unwrap_err();
        assert!(err.starts_with("invalid filter type: exclude type \"acme.*\""));
        let err = filter_types(&image(), &["acme.v1.A".into()], &["acme.v1.A".into()]).unwrap_err();
        assert_eq!(
            err,
            "inclusion of type \"acme.v1.A\": type excluded by filter"
        );
    }

    #[test]
    fn include_and_exclude_in_one_pass() {
        let out = filter_types(&image(), &["acme.v2.C".into()], &["acme.v1.A".into()]).unwrap();
        let names: Vec<&str> = out.files.iter().map(|f| f.file.fd.name()).collect();
        assert_eq!(names, ["c.proto"]);
    }
}
