//! The syntax tree. Nodes record byte spans into the source and the indexes of
//! their first and last significant tokens; together with the lossless token
//! stream (`lexer`), the tree can be printed back exactly, and the formatter can
//! walk declarations while reading every comment and blank between them.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end)
    }
}

/// Where a declaration sits in the token stream: its first significant token,
/// and the token that ends its declaration (`;` or the opening `{` of a body),
/// whose trailing comment belongs to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeclToks {
    pub first: u32,
    pub end_of_decl: u32,
}

#[derive(Clone, Debug)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct StringLit {
    /// Decoded bytes (escapes applied, adjacent literals joined).
    pub value: Vec<u8>,
    pub span: Span,
}

impl StringLit {
    pub fn as_str_lossy(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }
}

#[derive(Clone, Debug)]
pub struct File {
    pub decls: Vec<Decl>,
    /// Span from the first to the last significant token.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Decl {
    Syntax(SyntaxDecl),
    Package(PackageDecl),
    Import(ImportDecl),
    Option(OptionDecl),
    Message(MessageDecl),
    Enum(EnumDecl),
    Service(ServiceDecl),
    Extend(ExtendDecl),
    Empty(Span),
}

#[derive(Clone, Debug)]
pub struct SyntaxDecl {
    pub span: Span,
    pub toks: DeclToks,
    /// True for `edition = "..."`, false for `syntax = "..."`.
    pub is_edition: bool,
    pub value: StringLit,
}

#[derive(Clone, Debug)]
pub struct PackageDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub name: Ident,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Normal,
    Public,
    Weak,
    /// Edition 2024 `import option`: only for options, not a real dependency.
    Option,
}

#[derive(Clone, Debug)]
pub struct ImportDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub kind: ImportKind,
    pub kind_span: Option<Span>,
    pub path: StringLit,
}

/// One component of an option name: `foo` or `(foo.bar)`.
#[derive(Clone, Debug)]
pub struct OptionNamePart {
    pub name: String,
    pub is_extension: bool,
    pub span: Span,
    /// The `.` before this part (none for the first).
    pub dot: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct OptionName {
    pub parts: Vec<OptionNamePart>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct OptionDecl {
    /// For statements: `option` to `;`. For compact options: name to value.
    pub span: Span,
    pub toks: DeclToks,
    pub name: OptionName,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub struct CompactOptions {
    /// `[` to `]`.
    pub span: Span,
    pub options: Vec<OptionDecl>,
}

#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    /// An identifier, possibly negated (`-inf`).
    Ident {
        name: String,
        negative: bool,
    },
    /// An integer literal; `negative` when written with a leading `-`.
    Int {
        value: u64,
        negative: bool,
    },
    Float(f64),
    String(Vec<u8>),
    Message(Vec<MessageField>),
    List(Vec<Value>),
}

#[derive(Clone, Debug)]
pub enum FieldRef {
    Name(String),
    /// A name standing where a field was expected but with no value (buf
    /// reports such names as unresolvable, whatever they are).
    Dangling(String),
    /// `[pkg.ext]`
    Extension(String),
    /// `[type.googleapis.com/pkg.Msg]`
    Any {
        url_prefix: String,
        type_name: String,
    },
}

#[derive(Clone, Debug)]
pub struct MessageField {
    pub name: FieldRef,
    pub name_span: Span,
    pub value: Value,
    /// From the name to the end of the value.
    pub span: Span,
    pub has_colon: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Export,
    Local,
}

#[derive(Clone, Debug)]
pub struct MessageDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub visibility: Option<(Visibility, Span)>,
    pub name: Ident,
    pub body: Vec<MessageItem>,
}

#[derive(Clone, Debug)]
pub enum MessageItem {
    Field(FieldDecl),
    Oneof(OneofDecl),
    Message(MessageDecl),
    Enum(EnumDecl),
    Extend(ExtendDecl),
    ExtensionRange(ExtensionRangeDecl),
    Reserved(ReservedDecl),
    Option(OptionDecl),
    Empty(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Optional,
    Required,
    Repeated,
}

#[derive(Clone, Debug)]
pub enum FieldType {
    /// A scalar keyword or a (possibly dotted) type name.
    Named(String),
    Map {
        key: Ident,
        value: Ident,
    },
    /// `group` fields; the name is the group's message name.
    Group,
}

#[derive(Clone, Debug)]
pub struct IntLit {
    pub value: u64,
    pub negative: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub label: Option<(Label, Span)>,
    pub ty: FieldType,
    pub ty_span: Span,
    pub name: Ident,
    pub number: Option<IntLit>,
    pub options: Option<CompactOptions>,
    /// The body of a group field.
    pub group_body: Option<Vec<MessageItem>>,
}

#[derive(Clone, Debug)]
pub struct OneofDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub name: Ident,
    pub items: Vec<MessageItem>,
}

#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub visibility: Option<(Visibility, Span)>,
    pub name: Ident,
    pub items: Vec<EnumItem>,
}

#[derive(Clone, Debug)]
pub enum EnumItem {
    Value(EnumValueDecl),
    Option(OptionDecl),
    Reserved(ReservedDecl),
    Empty(Span),
}

#[derive(Clone, Debug)]
pub struct EnumValueDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub name: Ident,
    pub number: Option<IntLit>,
    pub options: Option<CompactOptions>,
}

#[derive(Clone, Debug)]
pub struct ServiceDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub name: Ident,
    pub items: Vec<ServiceItem>,
}

#[derive(Clone, Debug)]
pub enum ServiceItem {
    Method(MethodDecl),
    Option(OptionDecl),
    Empty(Span),
}

#[derive(Clone, Debug)]
pub struct MethodType {
    pub stream: Option<Span>,
    pub name: Ident,
}

#[derive(Clone, Debug)]
pub struct MethodDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub name: Ident,
    pub input: MethodType,
    pub output: MethodType,
    pub options: Vec<OptionDecl>,
    /// Written with a `{ ... }` body (even an empty one).
    pub has_body: bool,
}

#[derive(Clone, Debug)]
pub struct ExtendDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub extendee: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug)]
pub enum RangeEnd {
    Int(IntLit),
    Max(Span),
}

#[derive(Clone, Debug)]
pub struct Range {
    pub span: Span,
    pub start: IntLit,
    pub end: Option<RangeEnd>,
}

#[derive(Clone, Debug)]
pub struct ExtensionRangeDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub ranges: Vec<Range>,
    pub options: Option<CompactOptions>,
}

#[derive(Clone, Debug)]
pub struct ReservedDecl {
    pub span: Span,
    pub toks: DeclToks,
    pub ranges: Vec<Range>,
    /// Reserved names, as string literals or (editions) bare identifiers.
    pub names: Vec<Ident>,
}
