//! Managed mode: file and field options rewritten from buf.gen.yaml's rules,
//! in place on the image, with the source locations of changed options swept.
//!
//! Per file (well-known types excepted, imports included) the file options
//! are decided in buf's order (cc_enable_arenas, csharp_namespace,
//! go_package, java_multiple_files, java_outer_classname, java_package,
//! java_string_check_utf8, objc_class_prefix, optimize_for,
//! php_metadata_namespace, php_namespace, ruby_package, swift_prefix), then
//! `jstype` on every 64-bit integer field. An option that changes is written
//! into the serialized options (`raw_options`, and `runtime_options` when it
//! has that path) where Go's deterministic marshalling puts it, the typed
//! descriptor is kept in step, and its source location is swept as
//! `bufimagemodify`'s mark-and-sweep does.

use std::collections::{HashMap, HashSet};

use prost::Message;
use prost_types::{DescriptorProto, FieldDescriptorProto, SourceCodeInfo};

use super::response::{go_clean, go_join};
use crate::check::source::varint;
use crate::compiler::CompiledFile;
use crate::compiler::options::{put_tag, put_varint};
use crate::compiler::wire::{Field, fields};
use crate::config::buf_gen_yaml::{
    DisableRule, FieldOption, FileOption, Managed, OverrideOption, OverrideRule, OverrideValue,
};
use crate::image::Image;

/// The files buf bundles as well-known types; managed mode never edits them.
const WELL_KNOWN_TYPES: [&str; 15] = [
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/compiler/plugin.proto",
    "google/protobuf/cpp_features.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/go_features.proto",
    "google/protobuf/java_features.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
];

/// Package parts that get a `_` appended in a computed php_namespace
/// (compared in lower case): PHP's reserved classes and the keywords protoc
/// avoids, as buf lists them.
const PHP_RESERVED: [&str; 89] = [
    "directory",
    "exception",
    "errorexception",
    "closure",
    "generator",
    "arithmeticerror",
    "assertionerror",
    "divisionbyzeroerror",
    "error",
    "throwable",
    "parseerror",
    "typeerror",
    "abstract",
    "and",
    "array",
    "as",
    "break",
    "callable",
    "case",
    "catch",
    "class",
    "clone",
    "const",
    "continue",
    "declare",
    "default",
    "die",
    "do",
    "echo",
    "else",
    "elseif",
    "empty",
    "enddeclare",
    "endfor",
    "endforeach",
    "endif",
    "endswitch",
    "endwhile",
    "eval",
    "exit",
    "extends",
    "final",
    "finally",
    "fn",
    "for",
    "foreach",
    "function",
    "global",
    "goto",
    "if",
    "implements",
    "include",
    "include_once",
    "instanceof",
    "insteadof",
    "interface",
    "isset",
    "list",
    "match",
    "namespace",
    "new",
    "or",
    "print",
    "private",
    "protected",
    "public",
    "require",
    "require_once",
    "return",
    "static",
    "switch",
    "throw",
    "trait",
    "try",
    "unset",
    "use",
    "var",
    "while",
    "xor",
    "yield",
    "int",
    "float",
    "bool",
    "string",
    "true",
    "false",
    "null",
    "void",
    "iterable",
];

/// FileOptions field numbers.
const JAVA_PACKAGE: u32 = 1;
const JAVA_OUTER_CLASSNAME: u32 = 8;
const OPTIMIZE_FOR: u32 = 9;
const JAVA_MULTIPLE_FILES: u32 = 10;
const GO_PACKAGE: u32 = 11;
const JAVA_STRING_CHECK_UTF8: u32 = 27;
const CC_ENABLE_ARENAS: u32 = 31;
const OBJC_CLASS_PREFIX: u32 = 36;
const CSHARP_NAMESPACE: u32 = 37;
const SWIFT_PREFIX: u32 = 39;
const PHP_NAMESPACE: u32 = 41;
const PHP_METADATA_NAMESPACE: u32 = 44;
const RUBY_PACKAGE: u32 = 45;
/// FieldOptions.jstype.
const JSTYPE: u32 = 6;

/// Applies `managed` to every file of `image` except the well-known types.
pub fn apply(image: &mut Image, managed: &Managed) -> Result<(), String> {
    if !managed.enabled {
        return Ok(());
    }
    for f in &mut image.files {
        if is_well_known_type(f.file.fd.name()) {
            continue;
        }
        let target = Target {
            path: f.file.fd.name().to_string(),
            module: f.module_name.clone(),
            package: f.file.fd.package().to_string(),
        };
        let mut marks: HashSet<Vec<i32>> = HashSet::new();
        modify_file_options(&mut f.file, &target, managed, &mut marks)?;
        modify_jstype(&mut f.file, &target, managed, &mut marks)?;
        if !marks.is_empty()
            && let Some(info) = f.file.source_info.as_mut()
        {
            let mut sci = info.to_prost();
            sweep(&mut sci, &marks)?;
            *info = crate::compiler::SourceInfo::from_prost(&sci);
        }
    }
    Ok(())
}

/// Whether `path` is one of the well-known-type files managed mode skips.
pub fn is_well_known_type(path: &str) -> bool {
    WELL_KNOWN_TYPES.contains(&path)
}

/// What rules match on: the file's path, module and package.
struct Target {
    path: String,
    module: Option<String>,
    package: String,
}

impl Target {
    /// buf's `fileMatchConfig`: an empty path or module matches every file;
    /// a path matches itself and the files below it; files without a module
    /// never match a module.
    fn matches(&self, path: &str, module: &str) -> bool {
        if !path.is_empty() && !equals_or_contains(path, &self.path) {
            return false;
        }
        if !module.is_empty() && self.module.as_deref() != Some(module) {
            return false;
        }
        true
    }
}

fn equals_or_contains(dir: &str, path: &str) -> bool {
    let dir = go_clean(dir);
    let path = go_clean(path);
    if dir == "." {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
}

// ---------------------------------------------------------------------------
// File options

/// A string option's state while overrides are walked (buf's
/// `stringOverrideOptions`).
#[derive(Clone, Default, PartialEq, Eq)]
struct Triple {
    value: String,
    prefix: String,
    suffix: String,
}

/// How a file option is decided.
enum Kind {
    /// A bool with the value managed mode writes by default.
    Bool(bool),
    /// optimize_for, default SPEED.
    Optimize,
    /// A string option with its optional prefix and suffix options.
    Str {
        prefix: Option<FileOption>,
        suffix: Option<FileOption>,
    },
}

struct Spec {
    option: FileOption,
    number: u32,
    kind: Kind,
}

/// The file options in the order buf's modifiers run.
const SPECS: [Spec; 13] = [
    Spec {
        option: FileOption::CcEnableArenas,
        number: CC_ENABLE_ARENAS,
        kind: Kind::Bool(true),
    },
    Spec {
        option: FileOption::CsharpNamespace,
        number: CSHARP_NAMESPACE,
        kind: Kind::Str {
            prefix: Some(FileOption::CsharpNamespacePrefix),
            suffix: None,
        },
    },
    Spec {
        option: FileOption::GoPackage,
        number: GO_PACKAGE,
        kind: Kind::Str {
            prefix: Some(FileOption::GoPackagePrefix),
            suffix: None,
        },
    },
    Spec {
        option: FileOption::JavaMultipleFiles,
        number: JAVA_MULTIPLE_FILES,
        kind: Kind::Bool(true),
    },
    Spec {
        option: FileOption::JavaOuterClassname,
        number: JAVA_OUTER_CLASSNAME,
        kind: Kind::Str {
            prefix: None,
            suffix: None,
        },
    },
    Spec {
        option: FileOption::JavaPackage,
        number: JAVA_PACKAGE,
        kind: Kind::Str {
            prefix: Some(FileOption::JavaPackagePrefix),
            suffix: Some(FileOption::JavaPackageSuffix),
        },
    },
    Spec {
        option: FileOption::JavaStringCheckUtf8,
        number: JAVA_STRING_CHECK_UTF8,
        kind: Kind::Bool(false),
    },
    Spec {
        option: FileOption::ObjcClassPrefix,
        number: OBJC_CLASS_PREFIX,
        kind: Kind::Str {
            prefix: None,
            suffix: None,
        },
    },
    Spec {
        option: FileOption::OptimizeFor,
        number: OPTIMIZE_FOR,
        kind: Kind::Optimize,
    },
    Spec {
        option: FileOption::PhpMetadataNamespace,
        number: PHP_METADATA_NAMESPACE,
        kind: Kind::Str {
            prefix: None,
            suffix: Some(FileOption::PhpMetadataNamespaceSuffix),
        },
    },
    Spec {
        option: FileOption::PhpNamespace,
        number: PHP_NAMESPACE,
        kind: Kind::Str {
            prefix: None,
            suffix: None,
        },
    },
    Spec {
        option: FileOption::RubyPackage,
        number: RUBY_PACKAGE,
        kind: Kind::Str {
            prefix: None,
            suffix: Some(FileOption::RubyPackageSuffix),
        },
    },
    Spec {
        option: FileOption::SwiftPrefix,
        number: SWIFT_PREFIX,
        kind: Kind::Str {
            prefix: None,
            suffix: None,
        },
    },
];

fn modify_file_options(
    file: &mut CompiledFile,
    target: &Target,
    managed: &Managed,
    marks: &mut HashSet<Vec<i32>>,
) -> Result<(), String> {
    for spec in &SPECS {
        let current = file_options_bytes(file);
        let record = match spec.kind {
            Kind::Bool(default) => {
                let Some(value) = decide_bool(target, managed, spec.option, default)? else {
                    continue;
                };
                let proto_default = spec.option == FileOption::CcEnableArenas;
                let existing =
                    last_varint(&current, spec.number)?.map_or(proto_default, |v| v != 0);
                if existing == value {
                    continue;
                }
                set_typed_bool(file, spec.option, value);
                varint_record(spec.number, u64::from(value))
            }
            Kind::Optimize => {
                let Some(value) = decide_optimize(target, managed)? else {
                    continue;
                };
                let existing = last_varint(&current, spec.number)?.map_or(1, |v| v as i32);
                if existing == value {
                    continue;
                }
                file.fd
                    .options
                    .get_or_insert_with(Default::default)
                    .optimize_for = Some(value);
                varint_record(spec.number, value as i64 as u64)
            }
            Kind::Str { prefix, suffix } => {
                let Some(value) = decide_string(target, managed, spec.option, prefix, suffix)?
                else {
                    continue;
                };
                if last_string(&current, spec.number)?.unwrap_or_default() == value {
                    continue;
                }
                set_typed_string(file, spec.option, &value);
                string_record(spec.number, &value)
            }
        };
        write_option(file, &[8], spec.number, &record, None)?;
        marks.insert(vec![8, spec.number as i32]);
    }
    Ok(())
}

/// buf's `isFileOptionDisabledForFile`. A rule naming a field option never
/// disables a file option; one naming neither (even with `field:`) disables
/// every file option.
fn file_option_disabled(target: &Target, managed: &Managed, option: FileOption) -> bool {
    managed.disables.iter().any(|d: &DisableRule| {
        d.file_option.is_none_or(|o| o == option)
            && d.field_option.is_none()
            && target.matches(&d.path, &d.module)
    })
}

fn matching_overrides<'a>(
    target: &'a Target,
    managed: &'a Managed,
) -> impl Iterator<Item = &'a OverrideRule> + 'a {
    managed
        .overrides
        .iter()
        .filter(move |o| target.matches(&o.path, &o.module))
}

fn option_name(option: OverrideOption) -> String {
    match option {
        OverrideOption::File(f) => format!("{f:?}"),
        OverrideOption::Field(f) => format!("{f:?}"),
    }
}

fn bad_value(rule: &OverrideRule) -> String {
    format!(
        "invalid value type for {} override: {:?}",
        option_name(rule.option),
        rule.value
    )
}

fn decide_bool(
    target: &Target,
    managed: &Managed,
    option: FileOption,
    default: bool,
) -> Result<Option<bool>, String> {
    if file_option_disabled(target, managed, option) {
        return Ok(None);
    }
    let mut value = default;
    for rule in matching_overrides(target, managed) {
        if rule.option != OverrideOption::File(option) {
            continue;
        }
        match rule.value {
            OverrideValue::Bool(b) => value = b,
            _ => return Err(bad_value(rule)),
        }
    }
    Ok(Some(value))
}

fn decide_optimize(target: &Target, managed: &Managed) -> Result<Option<i32>, String> {
    if file_option_disabled(target, managed, FileOption::OptimizeFor) {
        return Ok(None);
    }
    let mut value = 1; // SPEED
    for rule in matching_overrides(target, managed) {
        if rule.option != OverrideOption::File(FileOption::OptimizeFor) {
            continue;
        }
        match rule.value {
            OverrideValue::Enum(v) => value = v,
            _ => return Err(bad_value(rule)),
        }
    }
    Ok(Some(value))
}

/// The value a string option should have, or `None` to leave it alone.
fn decide_string(
    target: &Target,
    managed: &Managed,
    option: FileOption,
    prefix_option: Option<FileOption>,
    suffix_option: Option<FileOption>,
) -> Result<Option<String>, String> {
    if file_option_disabled(target, managed, option) {
        return Ok(None);
    }
    let mut t = default_triple(target, option);
    let ignore_prefix = prefix_option.is_none_or(|p| file_option_disabled(target, managed, p));
    let ignore_suffix = suffix_option.is_none_or(|s| file_option_disabled(target, managed, s));
    if ignore_prefix {
        t.prefix.clear();
    }
    if ignore_suffix {
        t.suffix.clear();
    }
    for rule in matching_overrides(target, managed) {
        let OverrideOption::File(o) = rule.option else {
            continue;
        };
        let which = if o == option {
            0
        } else if Some(o) == prefix_option {
            if ignore_prefix {
                continue;
            }
            1
        } else if Some(o) == suffix_option {
            if ignore_suffix {
                continue;
            }
            2
        } else {
            continue;
        };
        let OverrideValue::Str(s) = &rule.value else {
            return Err(bad_value(rule));
        };
        t = match which {
            0 => Triple {
                value: s.clone(),
                ..Triple::default()
            },
            1 => Triple {
                value: String::new(),
                prefix: s.clone(),
                suffix: std::mem::take(&mut t.suffix),
            },
            _ => Triple {
                value: String::new(),
                prefix: std::mem::take(&mut t.prefix),
                suffix: s.clone(),
            },
        };
    }
    if t == Triple::default() {
        return Ok(None);
    }
    let value = if t.value.is_empty() {
        computed_value(target, option, &t)
    } else {
        t.value
    };
    Ok((!value.is_empty()).then_some(value))
}

/// The starting point before overrides: buf's default override options.
fn default_triple(target: &Target, option: FileOption) -> Triple {
    let pkg = &target.package;
    let value = match option {
        FileOption::JavaPackage => {
            return Triple {
                prefix: "com".into(),
                ..Triple::default()
            };
        }
        FileOption::CsharpNamespace => csharp_namespace(pkg),
        FileOption::JavaOuterClassname => java_outer_classname(&target.path),
        FileOption::ObjcClassPrefix => objc_class_prefix(pkg),
        FileOption::PhpMetadataNamespace => {
            let ns = php_namespace(pkg);
            if ns.is_empty() {
                ns
            } else {
                format!("{ns}\\GPBMetadata")
            }
        }
        FileOption::PhpNamespace => php_namespace(pkg),
        FileOption::RubyPackage => ruby_package(pkg),
        _ => String::new(),
    };
    Triple {
        value,
        ..Triple::default()
    }
}

/// The value computed from the package (and path) with a prefix or suffix,
/// once no value override is left.
fn computed_value(target: &Target, option: FileOption, t: &Triple) -> String {
    let pkg = &target.package;
    let join = |base: String, sep: &str, suffix: &str| {
        if base.is_empty() || suffix.is_empty() {
            base
        } else {
            format!("{base}{sep}{suffix}")
        }
    };
    match option {
        FileOption::JavaPackage => {
            if pkg.is_empty() {
                return String::new();
            }
            let mut v = pkg.clone();
            if !t.prefix.is_empty() {
                v = format!("{}.{v}", t.prefix);
            }
            if !t.suffix.is_empty() {
                v = format!("{v}.{}", t.suffix);
            }
            v
        }
        FileOption::CsharpNamespace => {
            let ns = csharp_namespace(pkg);
            if ns.is_empty() || t.prefix.is_empty() {
                ns
            } else {
                format!("{}.{ns}", t.prefix)
            }
        }
        FileOption::GoPackage => {
            if t.prefix.is_empty() {
                String::new()
            } else {
                go_package(&t.prefix, &target.path, pkg)
            }
        }
        FileOption::JavaOuterClassname => java_outer_classname(&target.path),
        FileOption::ObjcClassPrefix => objc_class_prefix(pkg),
        FileOption::PhpMetadataNamespace => join(php_namespace(pkg), "\\", &t.suffix),
        FileOption::PhpNamespace => php_namespace(pkg),
        FileOption::RubyPackage => join(ruby_package(pkg), "::", &t.suffix),
        _ => String::new(),
    }
}

/// `xstrings.ToPascalCase`: `.`, `-`, `_` and ASCII whitespace split words
/// and are dropped; a word's first character is upper-cased; everything else
/// is kept.
pub fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.trim().chars() {
        if matches!(c, '.' | '-' | '_' | ' ' | '\t' | '\r' | '\n') {
            start = true;
            continue;
        }
        if start || c.is_uppercase() {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => out.push(u),
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
        start = false;
    }
    out
}

fn pascal_parts(pkg: &str, sep: &str) -> String {
    if pkg.is_empty() {
        return String::new();
    }
    pkg.split('.')
        .map(pascal_case)
        .collect::<Vec<_>>()
        .join(sep)
}

fn csharp_namespace(pkg: &str) -> String {
    pascal_parts(pkg, ".")
}

fn ruby_package(pkg: &str) -> String {
    pascal_parts(pkg, "::")
}

fn php_namespace(pkg: &str) -> String {
    if pkg.is_empty() {
        return String::new();
    }
    pkg.split('.')
        .map(|part| {
            let mut p = pascal_case(part);
            if PHP_RESERVED.contains(&part.to_lowercase().as_str()) {
                p.push('_');
            }
            p
        })
        .collect::<Vec<_>>()
        .join("\\")
}

fn java_outer_classname(path: &str) -> String {
    pascal_case(path.rsplit('/').next().unwrap_or(path))
}

fn has_version_suffix(pkg: &str) -> bool {
    crate::check::naming::package_version(pkg).is_some()
}

fn objc_class_prefix(pkg: &str) -> String {
    if pkg.is_empty() {
        return String::new();
    }
    let versioned = has_version_suffix(pkg);
    let parts: Vec<&str> = pkg.split('.').collect();
    let mut prefix = String::new();
    let mut count = 0;
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() && versioned {
            continue;
        }
        if let Some(c) = part.chars().next() {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => prefix.push(u),
                _ => prefix.push(c),
            }
            count += 1;
        }
    }
    while count < 3 {
        prefix.push('X');
        count += 1;
    }
    if prefix == "GPB" {
        prefix = "GPX".into();
    }
    prefix
}

fn go_package(prefix: &str, path: &str, pkg: &str) -> String {
    let dir = match path.rfind('/') {
        Some(i) => &path[..i],
        None => ".",
    };
    let mut v = go_join(prefix, dir);
    if has_version_suffix(pkg) {
        let parts: Vec<&str> = pkg.split('.').collect();
        if let [.., a, b] = parts.as_slice() {
            v = format!("{v};{a}{b}");
        }
    }
    v
}

fn set_typed_bool(file: &mut CompiledFile, option: FileOption, value: bool) {
    let o = file.fd.options.get_or_insert_with(Default::default);
    match option {
        FileOption::CcEnableArenas => o.cc_enable_arenas = Some(value),
        FileOption::JavaMultipleFiles => o.java_multiple_files = Some(value),
        FileOption::JavaStringCheckUtf8 => o.java_string_check_utf8 = Some(value),
        _ => {}
    }
}

fn set_typed_string(file: &mut CompiledFile, option: FileOption, value: &str) {
    let o = file.fd.options.get_or_insert_with(Default::default);
    let slot = match option {
        FileOption::CsharpNamespace => &mut o.csharp_namespace,
        FileOption::GoPackage => &mut o.go_package,
        FileOption::JavaOuterClassname => &mut o.java_outer_classname,
        FileOption::JavaPackage => &mut o.java_package,
        FileOption::ObjcClassPrefix => &mut o.objc_class_prefix,
        FileOption::PhpMetadataNamespace => &mut o.php_metadata_namespace,
        FileOption::PhpNamespace => &mut o.php_namespace,
        FileOption::RubyPackage => &mut o.ruby_package,
        FileOption::SwiftPrefix => &mut o.swift_prefix,
        _ => return,
    };
    *slot = Some(value.to_string());
}

/// The file's options as written: raw bytes, else the typed message.
fn file_options_bytes(file: &CompiledFile) -> Vec<u8> {
    match raw_at(&file.raw_options, &[8]) {
        Some(b) => b.to_vec(),
        None => file
            .fd
            .options
            .as_ref()
            .map(|o| o.encode_to_vec())
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------
// jstype

/// One field of the file: its descriptor path, full name and type.
struct FieldRef {
    path: Vec<i32>,
    full_name: String,
    r#type: i32,
}

fn modify_jstype(
    file: &mut CompiledFile,
    target: &Target,
    managed: &Managed,
    marks: &mut HashSet<Vec<i32>>,
) -> Result<(), String> {
    let overrides: Vec<&OverrideRule> = managed
        .overrides
        .iter()
        .filter(|o| {
            o.option == OverrideOption::Field(FieldOption::Jstype)
                && target.matches(&o.path, &o.module)
        })
        .collect();
    if overrides.is_empty() {
        return Ok(());
    }
    let disables: Vec<&DisableRule> = managed
        .disables
        .iter()
        .filter(|d| {
            (d.field_option == Some(FieldOption::Jstype)
                || (d.field_option.is_none() && d.file_option.is_none()))
                && target.matches(&d.path, &d.module)
        })
        .collect();
    if disables.iter().any(|d| d.field.is_empty()) {
        return Ok(());
    }
    let mut fields = Vec::new();
    collect_fields(&file.fd, &mut fields);
    let raw_index: HashMap<Vec<i32>, usize> = file
        .raw_options
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.clone(), i))
        .collect();
    for f in fields {
        if disables.iter().any(|d| d.field == f.full_name) {
            continue;
        }
        let mut value = None;
        for rule in &overrides {
            if rule.field.is_empty() || rule.field == f.full_name {
                match rule.value {
                    OverrideValue::Enum(v) => value = Some(v),
                    _ => {
                        return Err(format!(
                            "invalid js_type override value of type {:?}",
                            rule.value
                        ));
                    }
                }
            }
        }
        let Some(value) = value else { continue };
        // int64, uint64, fixed64, sfixed64, sint64
        if !matches!(f.r#type, 3 | 4 | 6 | 16 | 18) {
            continue;
        }
        let mut opts_path = f.path.clone();
        opts_path.push(8);
        let existing = match raw_index.get(&opts_path) {
            Some(&i) => match file.raw_options.get(i) {
                Some((_, b)) => last_varint(b, JSTYPE)?.map(|v| v as i32),
                None => None,
            },
            None => field_at_mut(&mut file.fd, &f.path)
                .and_then(|fd| fd.options.as_ref())
                .and_then(|o| o.jstype),
        };
        if existing == Some(value) {
            continue;
        }
        let typed = field_at_mut(&mut file.fd, &f.path).map(|fd| {
            let before = fd.options.as_ref().map(|o| o.encode_to_vec());
            fd.options.get_or_insert_with(Default::default).jstype = Some(value);
            before.unwrap_or_default()
        });
        let record = varint_record(JSTYPE, value as i64 as u64);
        write_option(
            file,
            &opts_path,
            JSTYPE,
            &record,
            Some((
                raw_index.get(&opts_path).copied(),
                typed.unwrap_or_default(),
            )),
        )?;
        let mut mark = opts_path;
        mark.push(JSTYPE as i32);
        marks.insert(mark);
    }
    Ok(())
}

fn collect_fields(fd: &prost_types::FileDescriptorProto, out: &mut Vec<FieldRef>) {
    let scope = fd.package();
    for (i, m) in fd.message_type.iter().enumerate() {
        collect_message(m, &[4, i as i32], scope, out);
    }
    for (i, x) in fd.extension.iter().enumerate() {
        out.push(field_ref(x, vec![7, i as i32], scope));
    }
}

fn collect_message(m: &DescriptorProto, path: &[i32], scope: &str, out: &mut Vec<FieldRef>) {
    let name = qualify(scope, m.name());
    for (j, f) in m.field.iter().enumerate() {
        out.push(field_ref(f, [path, &[2, j as i32]].concat(), &name));
    }
    for (j, x) in m.extension.iter().enumerate() {
        out.push(field_ref(x, [path, &[6, j as i32]].concat(), &name));
    }
    for (k, n) in m.nested_type.iter().enumerate() {
        collect_message(n, &[path, &[3, k as i32]].concat(), &name, out);
    }
}

fn field_ref(f: &FieldDescriptorProto, path: Vec<i32>, scope: &str) -> FieldRef {
    FieldRef {
        path,
        full_name: qualify(scope, f.name()),
        r#type: f.r#type.unwrap_or(0),
    }
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// The field (or extension) at a descriptor path built by `collect_fields`.
fn field_at_mut<'a>(
    fd: &'a mut prost_types::FileDescriptorProto,
    path: &[i32],
) -> Option<&'a mut FieldDescriptorProto> {
    let idx = |i: i32| usize::try_from(i).ok();
    match path {
        [7, i] => fd.extension.get_mut(idx(*i)?),
        [4, i, rest @ ..] => {
            let mut m = fd.message_type.get_mut(idx(*i)?)?;
            let mut rest = rest;
            loop {
                match rest {
                    [3, k, tail @ ..] => {
                        m = m.nested_type.get_mut(idx(*k)?)?;
                        rest = tail;
                    }
                    [2, j] => return m.field.get_mut(idx(*j)?),
                    [6, j] => return m.extension.get_mut(idx(*j)?),
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Options bytes

fn raw_at<'a>(entries: &'a [(Vec<i32>, Vec<u8>)], path: &[i32]) -> Option<&'a [u8]> {
    entries
        .iter()
        .find(|(p, _)| p.as_slice() == path)
        .map(|(_, b)| b.as_slice())
}

/// Writes `record` (field `number`) into the options at `path`: into the raw
/// bytes (created from the typed message when missing) and into the runtime
/// bytes when that path has them. `known` carries, for field options, the
/// raw entry's index if any and the typed options encoded before the edit.
fn write_option(
    file: &mut CompiledFile,
    path: &[i32],
    number: u32,
    record: &[u8],
    known: Option<(Option<usize>, Vec<u8>)>,
) -> Result<(), String> {
    let (index, typed) = match known {
        Some(k) => k,
        None => {
            let i = file
                .raw_options
                .iter()
                .position(|(p, _)| p.as_slice() == path);
            // Without raw bytes, start from the typed message (its copy of
            // this field is replaced below).
            let typed = if i.is_none() {
                file.fd
                    .options
                    .as_ref()
                    .map(|o| o.encode_to_vec())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            (i, typed)
        }
    };
    match index.and_then(|i| file.raw_options.get_mut(i)) {
        Some((_, bytes)) => *bytes = set_field(bytes, number, record)?,
        None => {
            let bytes = set_field(&typed, number, record)?;
            file.raw_options.push((path.to_vec(), bytes));
        }
    }
    if let Some((_, bytes)) = file
        .runtime_options
        .iter_mut()
        .find(|(p, _)| p.as_slice() == path)
    {
        *bytes = set_field(bytes, number, record)?;
    }
    Ok(())
}

/// The fields of an options message; malformed bytes are an error.
fn records(b: &[u8]) -> Result<Vec<Field<'_>>, String> {
    match fields(b) {
        (fields, true) => Ok(fields),
        (_, false) => Err("managed mode: malformed options bytes".to_string()),
    }
}

/// The value of the last varint occurrence of `number`.
fn last_varint(b: &[u8], number: u32) -> Result<Option<u64>, String> {
    Ok(records(b)?
        .iter()
        .rev()
        .filter(|f| f.number == number as i32 && f.wire_type == 0)
        .find_map(|f| varint(f.payload).map(|(v, _)| v)))
}

/// The value of the last length-delimited occurrence of `number`.
fn last_string(b: &[u8], number: u32) -> Result<Option<String>, String> {
    Ok(records(b)?
        .iter()
        .rev()
        .find(|f| f.number == number as i32 && f.wire_type == 2)
        .map(|f| String::from_utf8_lossy(f.payload).into_owned()))
}

/// Replaces every occurrence of known field `number` by `record`, placed as
/// Go's deterministic marshalling orders an options message: extensions
/// (custom options) first, then known fields by number, unknown fields last.
fn set_field(b: &[u8], number: u32, record: &[u8]) -> Result<Vec<u8>, String> {
    let recs: Vec<Field> = records(b)?
        .into_iter()
        .filter(|r| r.number != number as i32)
        .collect();
    let leading_extensions = recs.iter().take_while(|r| r.number >= 1000).count();
    let pos = recs
        .iter()
        .enumerate()
        .skip(leading_extensions)
        .find(|(_, r)| r.number > number as i32)
        .map_or(recs.len(), |(i, _)| i);
    let mut out = Vec::with_capacity(b.len() + record.len());
    for (i, r) in recs.iter().enumerate() {
        if i == pos {
            out.extend_from_slice(record);
        }
        out.extend_from_slice(r.record);
    }
    if pos == recs.len() {
        out.extend_from_slice(record);
    }
    Ok(out)
}

fn varint_record(number: u32, v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    put_tag(&mut out, number as i32, 0);
    put_varint(&mut out, v);
    out
}

fn string_record(number: u32, s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    put_tag(&mut out, number as i32, 2);
    put_varint(&mut out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
    out
}

// ---------------------------------------------------------------------------
// SourceCodeInfo sweep

#[derive(PartialEq, Eq, Clone, Copy)]
enum PathType {
    Other,
    FieldOptions,
    FieldOption,
}

/// buf's location-path automaton: is `path` a field's options message, a
/// path inside one, or something else.
fn path_type(path: &[i32]) -> PathType {
    #[derive(Clone, Copy)]
    enum S {
        Start,
        Messages,
        Message,
        Fields,
        Field,
        Options,
        Option,
    }
    let mut state = Some(S::Start);
    let mut kind = PathType::Other;
    for &e in path {
        let Some(s) = state else {
            return PathType::Other;
        };
        (state, kind) = match s {
            S::Start => match e {
                4 => (Some(S::Messages), PathType::Other),
                7 => (Some(S::Fields), PathType::Other),
                _ => (None, PathType::Other),
            },
            S::Messages => (Some(S::Message), PathType::Other),
            S::Message => match e {
                3 => (Some(S::Messages), PathType::Other),
                2 | 6 => (Some(S::Fields), PathType::Other),
                _ => (None, PathType::Other),
            },
            S::Fields => (Some(S::Field), PathType::Other),
            S::Field => match e {
                8 => (Some(S::Options), PathType::FieldOptions),
                _ => (None, PathType::Other),
            },
            S::Options | S::Option => (Some(S::Option), PathType::FieldOption),
        };
    }
    kind
}

fn go_path(p: &[i32]) -> String {
    let parts: Vec<String> = p.iter().map(i32::to_string).collect();
    format!("[{}]", parts.join(" "))
}

/// Removes the locations of the marked options: a file option `[8, n]` with
/// the `[8]` just before it; a field option, then every field's `[…, 8]`
/// that has no option location left under it.
fn sweep(sci: &mut SourceCodeInfo, marks: &HashSet<Vec<i32>>) -> Result<(), String> {
    let locs = &sci.location;
    let mut remove = vec![false; locs.len()];
    // Field-options paths: location index and how many kept options follow.
    let mut roots: HashMap<&[i32], (usize, usize)> = HashMap::new();
    let mut root_order: Vec<&[i32]> = Vec::new();
    for (i, loc) in locs.iter().enumerate() {
        let path = loc.path.as_slice();
        let kind = path_type(path);
        if kind == PathType::FieldOptions {
            match roots.get_mut(path) {
                Some(r) => r.0 = i,
                None => {
                    roots.insert(path, (i, 0));
                    root_order.push(path);
                }
            }
        }
        if !marks.contains(path) {
            if kind == PathType::FieldOption
                && let Some(len) = (1..path.len()).find(|&n| {
                    path.get(..n)
                        .is_some_and(|prefix| roots.contains_key(prefix))
                })
                && let Some(r) = path.get(..len).and_then(|p| roots.get_mut(p))
            {
                r.1 += 1;
            }
            continue;
        }
        if i == 0 {
            return Err(format!(
                "path {} must have a preceding parent path",
                go_path(path)
            ));
        }
        if path.len() == 2 && path.first() == Some(&8) {
            if locs.get(i - 1).map(|l| l.path.as_slice()) != Some(&[8][..]) {
                return Err(format!(
                    "file option path {} must have a preceding parent path equal to [8]",
                    go_path(path)
                ));
            }
            remove[i - 1] = true;
            remove[i] = true;
            continue;
        }
        if kind == PathType::FieldOption {
            remove[i] = true;
            continue;
        }
        return Err(format!(
            "path {} is neither a file option path nor a field option path",
            go_path(path)
        ));
    }
    for p in root_order {
        if let Some(&(i, 0)) = roots.get(p) {
            remove[i] = true;
        }
    }
    let mut i = 0;
    sci.location.retain(|_| {
        let keep = !remove.get(i).copied().unwrap_or(false);
        i += 1;
        keep
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Each case applies the rules of `testdata/managed/gen/<case>.yaml`
    //! (built here in code) to `testdata/managed/ws` and compares every
    //! non-WKT file, byte for byte, with the `proto_file` entries real buf
    //! sent a plugin for that template (`expected/<case>.binpb`, made by
    //! `regen.sh`).

    use std::path::PathBuf;

    use super::*;
    use crate::workspace::BuildRequest;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/generate/testdata/managed")
    }

    fn image() -> Image {
        let ws = dir().join("ws");
        let req = BuildRequest {
            input: ws.to_string_lossy().into_owned(),
            ..BuildRequest::default()
        };
        match crate::input::open(&req.input, &req, &ws, |_| {}) {
            Ok(o) => o.built.image,
            Err(e) => panic!("fixture does not build: {e:?}"),
        }
    }

    /// buf's files: (name, FileDescriptorProto bytes).
    fn expected(case: &str) -> Vec<(String, Vec<u8>)> {
        let set = std::fs::read(dir().join("expected").join(format!("{case}.binpb"))).unwrap();
        records(&set)
            .unwrap()
            .iter()
            .map(|r| {
                let body = r.payload.to_vec();
                let name = prost_types::FileDescriptorProto::decode(body.as_slice())
                    .unwrap()
                    .name()
                    .to_string();
                (name, body)
            })
            .collect()
    }

    fn encoded(image: &Image) -> Vec<(String, Vec<u8>)> {
        image
            .files
            .iter()
            .filter(|f| !is_well_known_type(f.file.fd.name()))
            .map(|f| {
                let mut out = Vec::new();
                crate::image::encode_file(&f.file, true, true, &mut out);
                (f.file.fd.name().to_string(), out)
            })
            .collect()
    }

    fn check(case: &str, managed: Managed) {
        let mut img = image();
        let wkt_before: Vec<Vec<u8>> = img
            .files
            .iter()
            .filter(|f| is_well_known_type(f.file.fd.name()))
            .map(|f| {
                let mut out = Vec::new();
                crate::image::encode_file(&f.file, true, false, &mut out);
                out
            })
            .collect();
        apply(&mut img, &managed).unwrap();
        let got = encoded(&img);
        let want = expected(case);
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&want), "{case}: file list");
        for ((name, g), (_, w)) in got.iter().zip(&want) {
            if g != w {
                let gd = prost_types::FileDescriptorProto::decode(g.as_slice()).unwrap();
                let wd = prost_types::FileDescriptorProto::decode(w.as_slice()).unwrap();
                panic!(
                    "{case}: {name} differs from buf\n protolith: {:?}\n buf:       {:?}\n protolith sci: {:?}\n buf sci:       {:?}",
                    gd.options,
                    wd.options,
                    gd.source_code_info.map(|s| s
                        .location
                        .into_iter()
                        .map(|l| l.path)
                        .collect::<Vec<_>>()),
                    wd.source_code_info.map(|s| s
                        .location
                        .into_iter()
                        .map(|l| l.path)
                        .collect::<Vec<_>>()),
                );
            }
        }
        let wkt_after: Vec<Vec<u8>> = img
            .files
            .iter()
            .filter(|f| is_well_known_type(f.file.fd.name()))
            .map(|f| {
                let mut out = Vec::new();
                crate::image::encode_file(&f.file, true, false, &mut out);
                out
            })
            .collect();
        assert!(!wkt_before.is_empty());
        assert_eq!(wkt_before, wkt_after, "{case}: WKTs must stay untouched");
    }

    fn on() -> Managed {
        Managed {
            enabled: true,
            ..Managed::default()
        }
    }

    fn file(option: FileOption, value: OverrideValue) -> OverrideRule {
        OverrideRule {
            option: OverrideOption::File(option),
            value,
            module: String::new(),
            path: String::new(),
            field: String::new(),
        }
    }

    fn jstype(value: i32) -> OverrideRule {
        OverrideRule {
            option: OverrideOption::Field(FieldOption::Jstype),
            value: OverrideValue::Enum(value),
            module: String::new(),
            path: String::new(),
            field: String::new(),
        }
    }

    fn s(v: &str) -> OverrideValue {
        OverrideValue::Str(v.to_string())
    }

    fn at(mut rule: OverrideRule, path: &str) -> OverrideRule {
        rule.path = path.to_string();
        rule
    }

    fn disable(file_option: Option<FileOption>) -> DisableRule {
        DisableRule {
            file_option,
            ..DisableRule::default()
        }
    }

    #[test]
    fn disabled_changes_nothing() {
        let mut m = on();
        m.enabled = false;
        m.overrides.push(file(FileOption::GoPackagePrefix, s("x")));
        check("none", m);
    }

    #[test]
    fn v2_defaults() {
        check("defaults", on());
    }

    #[test]
    fn every_option_overridden() {
        let mut m = on();
        m.overrides = vec![
            file(FileOption::GoPackagePrefix, s("example.org/gen")),
            file(FileOption::SwiftPrefix, s("SW")),
            file(FileOption::OptimizeFor, OverrideValue::Enum(3)),
            file(FileOption::CcEnableArenas, OverrideValue::Bool(true)),
            file(FileOption::JavaStringCheckUtf8, OverrideValue::Bool(true)),
            file(FileOption::JavaMultipleFiles, OverrideValue::Bool(false)),
            at(file(FileOption::ObjcClassPrefix, s("OBJ")), "foo_bar"),
            jstype(1),
        ];
        check("all", m);
    }

    #[test]
    fn prefix_suffix_value_order() {
        let mut m = on();
        m.overrides = vec![
            file(FileOption::RubyPackage, s("Val")),
            file(FileOption::RubyPackageSuffix, s("S2")),
            file(FileOption::CsharpNamespacePrefix, s("Pre")),
            at(file(FileOption::CsharpNamespace, s("CsVal")), "foo_bar"),
            file(FileOption::JavaPackageSuffix, s("sfx")),
            file(FileOption::JavaPackagePrefix, s("org")),
            file(FileOption::PhpMetadataNamespaceSuffix, s("Meta")),
            file(FileOption::PhpNamespace, s("My\\Ns")),
            at(
                file(FileOption::JavaOuterClassname, s("Outer")),
                "nopkg.proto",
            ),
            at(file(FileOption::GoPackage, s("example.org/val")), "class"),
        ];
        check("order", m);
    }

    #[test]
    fn disables_by_module_and_path() {
        let mut m = on();
        m.disables = vec![
            disable(Some(FileOption::JavaPackagePrefix)),
            DisableRule {
                module: "buf.build/acme/ma".into(),
                ..disable(Some(FileOption::GoPackage))
            },
            DisableRule {
                path: "other".into(),
                ..disable(Some(FileOption::RubyPackage))
            },
            DisableRule {
                path: "acme/weather".into(),
                ..disable(Some(FileOption::CsharpNamespace))
            },
        ];
        let mut objc = file(FileOption::ObjcClassPrefix, s("MOD"));
        objc.module = "buf.build/acme/ma".into();
        m.overrides = vec![
            at(file(FileOption::JavaPackageSuffix, s("sfx")), "foo_bar"),
            file(FileOption::GoPackagePrefix, s("example.org/gen")),
            objc,
            at(
                file(FileOption::PhpNamespace, s("Ph")),
                "acme/weather/v1/weather.proto",
            ),
        ];
        check("disable", m);
    }

    #[test]
    fn field_only_disable_switches_off_file_options() {
        let mut m = on();
        m.disables = vec![DisableRule {
            field: "acme.weather.v1.W.a".into(),
            ..DisableRule::default()
        }];
        m.overrides = vec![
            jstype(1),
            file(FileOption::GoPackagePrefix, s("example.org/gen")),
        ];
        check("fieldquirk", m);
    }

    #[test]
    fn empty_string_overrides_disable() {
        let mut m = on();
        let mut go_off = file(FileOption::GoPackagePrefix, s(""));
        go_off.module = "buf.build/acme/ma".into();
        m.overrides = vec![
            file(FileOption::JavaPackagePrefix, s("")),
            file(FileOption::RubyPackageSuffix, s("")),
            file(FileOption::CsharpNamespace, s("")),
            at(file(FileOption::PhpMetadataNamespace, s("")), "class"),
            file(FileOption::GoPackagePrefix, s("example.org/gen")),
            go_off,
        ];
        check("empty", m);
    }

    #[test]
    fn jstype_fields_nested_extensions() {
        let mut m = on();
        m.disables = vec![
            DisableRule {
                field_option: Some(FieldOption::Jstype),
                field: "acme.weather.v1.W.b".into(),
                ..DisableRule::default()
            },
            DisableRule {
                field_option: Some(FieldOption::Jstype),
                path: "class".into(),
                ..DisableRule::default()
            },
        ];
        let field = |v, name: &str| OverrideRule {
            field: name.to_string(),
            ..jstype(v)
        };
        m.overrides = vec![
            jstype(0),
            field(1, "acme.weather.v1.W.N.e"),
            field(2, "foo_bar.top_ext"),
            field(1, "foo_bar.E.nested_ext"),
        ];
        check("jstype", m);
    }

    #[test]
    fn names_from_packages() {
        assert_eq!(pascal_case("fooBar-baz.proto"), "FooBarBazProto");
        assert_eq!(pascal_case("a+b.proto"), "A+bProto");
        assert_eq!(pascal_case("über_straße.proto"), "ÜberStraßeProto");
        assert_eq!(pascal_case("FOO_bar"), "FOOBar");
        assert_eq!(objc_class_prefix("google.protobuf.bar"), "GPX");
        assert_eq!(objc_class_prefix("acme.weather.v1"), "AWX");
        assert_eq!(objc_class_prefix("a.b.c.d"), "ABCD");
        assert_eq!(
            php_namespace("class.list.v1beta1"),
            "Class_\\List_\\V1beta1"
        );
        assert_eq!(php_namespace("Iterable.x"), "Iterable_\\X");
        assert_eq!(
            go_package(
                "github.com/x/gen/",
                "acme/weather/v1/w.proto",
                "acme.weather.v1"
            ),
            "github.com/x/gen/acme/weather/v1;weatherv1"
        );
        assert_eq!(
            go_package("example.org/mb", "n.proto", ""),
            "example.org/mb"
        );
        assert_eq!(PHP_RESERVED.len(), 89);
    }
}
