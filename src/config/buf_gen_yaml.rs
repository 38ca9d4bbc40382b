//! buf.gen.yaml (v1beta1, v1, v2): the generation template, decoded into one
//! shape for every version (v1 managed keys become v2-style rules), with
//! buf's error texts.

/// The `version:` of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenVersion {
    V1Beta1,
    V1,
    V2,
}

/// A decoded template, whatever its version.
#[derive(Debug, Clone)]
pub struct GenTemplate {
    pub version: GenVersion,
    pub managed: Managed,
    /// v2 `clean:`.
    pub clean: bool,
    pub plugins: Vec<PluginSpec>,
    /// v2 `inputs:` (empty: the positional input, default `.`).
    pub inputs: Vec<InputSpec>,
    /// v1 `types.include`.
    pub types: Vec<String>,
}

/// Where a plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// v2 `local:`, or v1/v1beta1 `path:`: a program (looked up on PATH when it
    /// has no `/`) and its arguments.
    Local(Vec<String>),
    /// v2 `protoc_builtin:`, or a v1/v1beta1 `name:`/`plugin:` without `path`:
    /// `protoc-gen-<name>` on PATH if there is one, else protoc's built-in
    /// generator `name` run through `protoc_path` (default `["protoc"]`).
    Protoc {
        name: String,
        protoc_path: Vec<String>,
    },
    /// v2 `remote:`, or a v1 `plugin:` naming `registry/owner/name[:version]`.
    Remote {
        /// As written, e.g. `buf.build/protocolbuffers/go:v1.28.1`.
        reference: String,
        revision: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    #[default]
    Directory,
    All,
}

/// One `plugins:` entry.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    pub source: PluginSource,
    /// The name buf shows in messages: `local` joined with spaces, v1
    /// `name`/`plugin`, the built-in's name, or the remote reference.
    pub display_name: String,
    /// As written; relative to the current directory.
    pub out: String,
    /// `opt` joined with `,`; `None` when there is no opt at all.
    pub opt: Option<String>,
    pub include_imports: bool,
    pub include_wkt: bool,
    pub strategy: Strategy,
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
}

/// The location key of a v2 `inputs:` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Module,
    Directory,
    ProtoFile,
    Tarball,
    ZipArchive,
    BinaryImage,
    JsonImage,
    TextImage,
    YamlImage,
    GitRepo,
}

/// One v2 `inputs:` entry.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub kind: InputKind,
    pub location: String,
    /// The kind's own keys, in the order written, values as text:
    /// branch, commit, tag, ref, depth, recurse_submodules, subdir,
    /// compression, strip_components, include_package_files.
    pub options: Vec<(String, String)>,
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub paths: Vec<String>,
    pub exclude_paths: Vec<String>,
}

/// Managed mode as v2 rules (v1 and v1beta1 keys are translated, in buf's
/// order).
#[derive(Debug, Clone, Default)]
pub struct Managed {
    pub enabled: bool,
    pub disables: Vec<DisableRule>,
    pub overrides: Vec<OverrideRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileOption {
    JavaPackage,
    JavaPackagePrefix,
    JavaPackageSuffix,
    JavaOuterClassname,
    JavaMultipleFiles,
    JavaStringCheckUtf8,
    OptimizeFor,
    GoPackage,
    GoPackagePrefix,
    CcEnableArenas,
    ObjcClassPrefix,
    CsharpNamespace,
    CsharpNamespacePrefix,
    PhpNamespace,
    PhpMetadataNamespace,
    PhpMetadataNamespaceSuffix,
    RubyPackage,
    RubyPackageSuffix,
    SwiftPrefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldOption {
    Jstype,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisableRule {
    pub file_option: Option<FileOption>,
    pub field_option: Option<FieldOption>,
    /// Module full name; empty matches every file.
    pub module: String,
    /// A file path or a directory containing it; empty matches every file.
    pub path: String,
    /// A field's full name (no leading dot); empty matches every field.
    pub field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideOption {
    File(FileOption),
    Field(FieldOption),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideValue {
    Str(String),
    Bool(bool),
    /// optimize_for (`SPEED` 1, `CODE_SIZE` 2, `LITE_RUNTIME` 3) or jstype
    /// (`JS_NORMAL` 0, `JS_STRING` 1, `JS_NUMBER` 2).
    Enum(i32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRule {
    pub option: OverrideOption,
    pub value: OverrideValue,
    pub module: String,
    pub path: String,
    pub field: String,
}
