//! The lint engine: walks each target module's files, messages, fields, enums
//! and services, hands every element to the rules that want it, and turns
//! their findings into positioned annotations (applying ignores).

pub mod cache;
pub mod incremental;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use prost_types::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, MethodDescriptorProto, OneofDescriptorProto, ServiceDescriptorProto,
};
use rayon::prelude::*;

use crate::check::source::SourceIndex;
use crate::check::{self, Family, RuleMeta, select};
use crate::compiler::CompiledFile;
use crate::compiler::source_info::{Loc, SourceInfo};
use crate::config::LintConfig;
use crate::image::Image;
use crate::report::Annotation;

/// One lint rule: its metadata and the element kind it checks.
pub struct LintRule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// What a rule looks at. The engine does the walking.
pub enum Check {
    /// All target files of a module at once (directory and package rules).
    Module(fn(&ModuleView, &mut Sink)),
    File(fn(&LintFile, &mut Sink)),
    Message(fn(&Message, &mut Sink)),
    Field(fn(&Field, &mut Sink)),
    Oneof(fn(&Oneof, &mut Sink)),
    Enum(fn(&Enum, &mut Sink)),
    EnumValue(fn(&EnumValue, &mut Sink)),
    Service(fn(&Service, &mut Sink)),
    Method(fn(&Method, &mut Sink)),
    /// Deprecated rules that never report.
    Nothing,
}

/// The knobs of the `lint:` section that rules read.
#[derive(Debug, Clone)]
pub struct Options {
    pub enum_zero_value_suffix: String,
    pub service_suffix: String,
    pub rpc_allow_same_request_response: bool,
    pub rpc_allow_google_protobuf_empty_requests: bool,
    pub rpc_allow_google_protobuf_empty_responses: bool,
}

impl Options {
    pub fn from_config(c: &LintConfig) -> Self {
        Options {
            enum_zero_value_suffix: c.enum_zero_value_suffix.clone(),
            service_suffix: c.service_suffix.clone(),
            rpc_allow_same_request_response: c.rpc_allow_same_request_response,
            rpc_allow_google_protobuf_empty_requests: c.rpc_allow_google_protobuf_empty_requests,
            rpc_allow_google_protobuf_empty_responses: c.rpc_allow_google_protobuf_empty_responses,
        }
    }
}

/// A finding before it is positioned: a file (index into the image) and a
/// descriptor source path, or the file alone.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub file: usize,
    /// `None` for file-level findings (printed at 1:1).
    pub path: Option<Vec<i32>>,
    pub message: String,
}

/// Where rules report. Knows the rule being run and the lint options.
pub struct Sink<'a> {
    rule: &'static str,
    pub options: &'a Options,
    out: Vec<Finding>,
}

impl Sink<'_> {
    pub fn at(&mut self, file: usize, path: Vec<i32>, message: String) {
        self.out.push(Finding {
            rule: self.rule,
            file,
            path: Some(path),
            message,
        });
    }

    pub fn file_level(&mut self, file: usize, message: String) {
        self.out.push(Finding {
            rule: self.rule,
            file,
            path: None,
            message,
        });
    }
}

/// A target file being linted.
pub struct LintFile<'a> {
    /// Index into the image's files.
    pub index: usize,
    pub compiled: &'a CompiledFile,
    pub fd: &'a FileDescriptorProto,
    source: &'a OnceLock<SourceIndex>,
    /// What every file of the run shares: the image and a schema pool.
    pub run: &'a RunShared<'a>,
}

/// Per-run state shared by all files: the whole image (imports included) and
/// a descriptor pool over it, built the first time a rule asks for it (only
/// PROTOVALIDATE does, and only for files that carry its options).
pub struct RunShared<'a> {
    pub image: &'a Image,
    pool: OnceLock<Option<prost_reflect::DescriptorPool>>,
}

impl<'a> RunShared<'a> {
    pub fn new(image: &'a Image) -> Self {
        RunShared {
            image,
            pool: OnceLock::new(),
        }
    }

    /// A prost-reflect pool of the image files `roots` selects and
    /// everything they import (editions files read as proto2), or `None`
    /// when prost-reflect cannot take them. Built once per run, for the
    /// roots of the first call: only one rule (PROTOVALIDATE) asks, always
    /// with the same selection, and a pool of only what is needed is much
    /// cheaper than one of a large image.
    pub fn pool(
        &self,
        roots: fn(&crate::compiler::CompiledFile) -> bool,
    ) -> Option<&prost_reflect::DescriptorPool> {
        self.pool
            .get_or_init(|| {
                let wanted = import_closure(self.image, roots);
                let sub = Image {
                    files: self
                        .image
                        .files
                        .iter()
                        .zip(&wanted)
                        .filter(|(_, w)| **w)
                        .map(|(f, _)| f.clone())
                        .collect(),
                };
                crate::image::read::lenient_pool(&sub)
            })
            .as_ref()
    }
}

/// Which files of `image` `roots` selects or they import, transitively
/// (plain and option imports).
fn import_closure(image: &Image, roots: fn(&crate::compiler::CompiledFile) -> bool) -> Vec<bool> {
    let by_name = image.by_name();
    let mut wanted = vec![false; image.files.len()];
    let mut stack: Vec<usize> = image
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| roots(&f.file))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut wanted[i], true) {
            continue;
        }
        let file = &image.files[i].file;
        for dep in file
            .fd
            .dependency
            .iter()
            .chain(&file.extra.option_dependency)
        {
            if let Some(&j) = by_name.get(dep.as_str())
                && !wanted[j]
            {
                stack.push(j);
            }
        }
    }
    wanted
}

impl<'a> LintFile<'a> {
    /// The first source location recorded for `path`.
    pub fn location(&self, path: &[i32]) -> Option<Loc<'a>> {
        let info = self.compiled.source_info.as_ref()?;
        let index = self.source.get_or_init(|| SourceIndex::new(Some(info)));
        index.get_in(info, path)
    }

    /// The leading comment attached to the declaration at `path`.
    pub fn leading_comment(&self, path: &[i32]) -> Option<&'a str> {
        self.location(path)?.leading_comments()
    }

    /// The serialized options message at `path` (the options field's own
    /// descriptor path, e.g. `[4, 0, 2, 1, 8]`).
    pub fn raw_options(&self, path: &[i32]) -> Option<&[u8]> {
        self.compiled
            .raw_options
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b.as_slice())
    }

    /// The module-relative path, e.g. `acme/v1/x.proto`.
    pub fn name(&self) -> &str {
        self.fd.name()
    }

    pub fn package(&self) -> &str {
        self.fd.package()
    }

    /// The directory of the module-relative path, `.` at the root.
    pub fn dir(&self) -> &str {
        match self.name().rfind('/') {
            Some(i) => &self.name()[..i],
            None => ".",
        }
    }

    pub fn is_proto3(&self) -> bool {
        self.fd.syntax() == "proto3"
    }
}

/// All target files of a module, for rules that compare files, plus the whole
/// image for the ones that follow imports.
pub struct ModuleView<'a> {
    pub files: Vec<LintFile<'a>>,
    pub image: &'a Image,
}

pub struct Message<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a DescriptorProto,
    pub path: Vec<i32>,
    pub full_name: String,
}

pub struct Field<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a FieldDescriptorProto,
    pub path: Vec<i32>,
    /// The message declaring the field (or the extension); `None` for
    /// top-level extensions.
    pub parent: Option<&'a Message<'a>>,
    pub is_extension: bool,
}

impl Field<'_> {
    pub fn is_group(&self) -> bool {
        self.desc.r#type() == prost_types::field_descriptor_proto::Type::Group
    }
}

pub struct Oneof<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a OneofDescriptorProto,
    pub path: Vec<i32>,
    pub parent: &'a Message<'a>,
}

pub struct Enum<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a EnumDescriptorProto,
    pub path: Vec<i32>,
}

pub struct EnumValue<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a EnumValueDescriptorProto,
    pub path: Vec<i32>,
    pub parent: &'a Enum<'a>,
    /// Position among the enum's values.
    pub index: usize,
}

pub struct Service<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a ServiceDescriptorProto,
    pub path: Vec<i32>,
}

pub struct Method<'a> {
    pub file: &'a LintFile<'a>,
    pub desc: &'a MethodDescriptorProto,
    pub path: Vec<i32>,
    pub service: &'a Service<'a>,
}

/// Extends a source path by one element kind and index.
pub fn child(path: &[i32], field: i32, index: usize) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + 2);
    p.extend_from_slice(path);
    p.push(field);
    p.push(index as i32);
    p
}

/// Extends a source path by one field number (e.g. `1` for a name).
pub fn with(path: &[i32], field: i32) -> Vec<i32> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path);
    p.push(field);
    p
}

/// The registry entries of the lint family.
pub fn registry() -> Vec<&'static RuleMeta> {
    rules::ALL.iter().map(|r| &r.meta).collect()
}

/// The built-in lint rules of `version`.
pub fn universe(version: crate::config::ConfigVersion) -> select::Universe {
    select::Universe::builtin(Family::Lint, version, &registry())
}

/// The section of `config` the selection reads.
pub fn section(config: &LintConfig) -> select::Section<'_> {
    select::Section::new(&config.use_rules, &config.except, &config.ignore_only)
}

/// One module to lint: its target files (image indexes) and configuration.
pub struct ModuleJob<'a> {
    pub files: Vec<usize>,
    pub config: &'a LintConfig,
    pub rules: Vec<&'static str>,
}

/// One job per target module of `ws` that lints anything (`rules` holds
/// each target module's selection), over the module's target files that
/// `index` places in the image and `keep` accepts.
pub fn module_jobs<'a, S: std::hash::BuildHasher>(
    ws: &'a crate::workspace::Workspace,
    rules: &[Vec<&'static str>],
    index: &HashMap<&str, usize, S>,
    keep: impl Fn(&str) -> bool,
) -> Vec<ModuleJob<'a>> {
    ws.modules
        .iter()
        .filter(|m| m.is_target)
        .zip(rules)
        .filter(|(m, rules)| !m.lint.disabled && !rules.is_empty())
        .map(|(m, rules)| ModuleJob {
            files: m
                .files
                .iter()
                .filter(|f| f.is_target && keep(&f.import_path))
                .filter_map(|f| index.get(f.import_path.as_str()).copied())
                .collect(),
            config: &m.lint,
            rules: rules.clone(),
        })
        .collect()
}

/// Lints the modules of `image` and returns their findings as annotations,
/// de-duplicated and in buf's order.
pub fn run(image: &Image, jobs: &[ModuleJob]) -> Vec<LintAnnotation> {
    run_scoped(image, jobs, Scope::All)
}

/// Which of a job's rules run: the incremental re-lint keeps the findings
/// of rules that see one file at a time per file, and runs the rules that
/// compare a module's files on every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Rules that look at one file (and what it imports).
    PerFile,
    /// Rules that compare the files of a module ([`Check::Module`]).
    Module,
}

impl Scope {
    fn wants(self, rule: &LintRule) -> bool {
        let module = matches!(rule.check, Check::Module(_));
        match self {
            Scope::All => true,
            Scope::PerFile => !module,
            Scope::Module => module,
        }
    }
}

/// [`run`], with only the rules `scope` selects.
pub fn run_scoped(image: &Image, jobs: &[ModuleJob], scope: Scope) -> Vec<LintAnnotation> {
    let indexes: Vec<OnceLock<SourceIndex>> = image.files.iter().map(|_| OnceLock::new()).collect();
    let shared = RunShared::new(image);
    let mut out: Vec<LintAnnotation> = jobs
        .iter()
        .flat_map(|job| lint_module(image, job, &indexes, &shared, scope, &|_| true))
        .collect();
    sort_findings(&mut out);
    out
}

/// [`run`] with the rules that look at one file run only on the image files
/// `per_file` selects: (their findings, the module-wide rules' findings).
/// One pass, so each file's source index is built once.
pub fn run_split(
    image: &Image,
    jobs: &[ModuleJob],
    per_file: &(dyn Fn(usize) -> bool + Sync),
) -> (Vec<LintAnnotation>, Vec<LintAnnotation>) {
    let indexes: Vec<OnceLock<SourceIndex>> = image.files.iter().map(|_| OnceLock::new()).collect();
    let shared = RunShared::new(image);
    let all: Vec<LintAnnotation> = jobs
        .iter()
        .flat_map(|job| lint_module(image, job, &indexes, &shared, Scope::All, per_file))
        .collect();
    let module: HashSet<&str> = rules::ALL
        .iter()
        .filter(|r| Scope::Module.wants(r))
        .map(|r| r.meta.id)
        .collect();
    let (mut module_found, mut own): (Vec<LintAnnotation>, Vec<LintAnnotation>) = all
        .into_iter()
        .partition(|f| module.contains(f.annotation.kind.as_str()));
    rayon::join(
        || sort_findings(&mut own),
        || sort_findings(&mut module_found),
    );
    (own, module_found)
}

/// Puts findings in buf's order and drops repeats.
pub fn sort_findings(out: &mut Vec<LintAnnotation>) {
    out.par_sort_by(|a, b| crate::report::finding_order(&a.annotation, &b.annotation));
    out.dedup_by(|a, b| a.annotation == b.annotation);
}

/// A positioned finding, with the module-relative path `config-ignore-yaml`
/// prints.
#[derive(Debug, Clone)]
pub struct LintAnnotation {
    pub annotation: Annotation,
    pub module_path: String,
}

fn lint_module(
    image: &Image,
    job: &ModuleJob,
    indexes: &[OnceLock<SourceIndex>],
    shared: &RunShared,
    scope: Scope,
    walked: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<LintAnnotation> {
    let options = Options::from_config(job.config);
    let rules: Vec<&'static LintRule> = rules::ALL
        .iter()
        .copied()
        .filter(|r| job.rules.contains(&r.meta.id) && scope.wants(r))
        .collect();
    let files: Vec<LintFile> = job
        .files
        .iter()
        .map(|&i| LintFile {
            index: i,
            compiled: &image.files[i].file,
            fd: &image.files[i].file.fd,
            source: &indexes[i],
            run: shared,
        })
        .collect();
    let mut findings: Vec<Finding> = files
        .par_iter()
        .filter(|f| walked(f.index))
        .flat_map_iter(|f| walk_file(f, &rules, &options))
        .collect();
    let view = ModuleView { files, image };
    for r in &rules {
        if let Check::Module(check) = r.check {
            let mut sink = Sink {
                rule: r.meta.id,
                options: &options,
                out: Vec::new(),
            };
            check(&view, &mut sink);
            findings.extend(sink.out);
        }
    }
    let ignore_only: HashMap<&str, Vec<&str>> = ignore_only_by_rule(job.config);
    let comment_ignores = job.config.comment_ignores_allowed();
    findings
        .into_par_iter()
        .filter_map(|f| {
            let file = &image.files[f.file].file;
            let name = file.fd.name();
            if job.config.ignore.iter().any(|p| check::path_under(name, p)) {
                return None;
            }
            if ignore_only
                .get(f.rule)
                .is_some_and(|ps| ps.iter().any(|p| check::path_under(name, p)))
            {
                return None;
            }
            let info = file.source_info.as_ref();
            let index = indexes[f.file].get_or_init(|| SourceIndex::new(info));
            if comment_ignores
                && let Some(path) = &f.path
                && let Some(info) = info
                && ignored_by_comment(index, info, path, f.rule)
            {
                return None;
            }
            let span = f
                .path
                .as_ref()
                .zip(info)
                .and_then(|(p, info)| index.get_in(info, p))
                .map(|l| l.span());
            let (sl, sc, el, ec) = match span.as_deref() {
                Some([l, c, ec]) => (*l + 1, *c + 1, *l + 1, *ec + 1),
                Some([l, c, el, ec]) => (*l + 1, *c + 1, *el + 1, *ec + 1),
                _ => (1, 1, 1, 1),
            };
            Some(LintAnnotation {
                annotation: Annotation {
                    path: image.files[f.file].file.display_path.clone(),
                    start_line: sl as usize,
                    start_column: sc as usize,
                    end_line: el as usize,
                    end_column: ec as usize,
                    kind: f.rule.to_string(),
                    message: f.message,
                    plugin: String::new(),
                    policy: String::new(),
                },
                module_path: name.to_string(),
            })
        })
        .collect()
}

/// `ignore_only` keyed by rule ID, categories expanded.
fn ignore_only_by_rule(config: &LintConfig) -> HashMap<&'static str, Vec<&str>> {
    select::ignore_only_by_rule(&universe(config.version), &config.ignore_only)
}

/// A leading comment of the element or of any declaration enclosing it names
/// the rule. Only the first location of each path counts (so every top-level
/// extension sees the first `extend` block's comment).
fn ignored_by_comment(index: &SourceIndex, info: &SourceInfo, path: &[i32], rule: &str) -> bool {
    (1..=path.len()).rev().any(|n| {
        index
            .get_in(info, &path[..n])
            .and_then(|l| l.leading_comments())
            .is_some_and(|c| check::comment_ignores(c, rule))
    })
}

/// Runs the element rules over one file.
fn walk_file(file: &LintFile, rules: &[&'static LintRule], options: &Options) -> Vec<Finding> {
    let mut w = Walker {
        rules,
        sinks: rules
            .iter()
            .map(|r| Sink {
                rule: r.meta.id,
                options,
                out: Vec::new(),
            })
            .collect(),
    };
    w.file(file);
    w.sinks.into_iter().flat_map(|s| s.out).collect()
}

struct Walker<'r, 'o> {
    rules: &'r [&'static LintRule],
    sinks: Vec<Sink<'o>>,
}

impl Walker<'_, '_> {
    fn each(&mut self, mut f: impl FnMut(&Check, &mut Sink)) {
        for (r, sink) in self.rules.iter().zip(self.sinks.iter_mut()) {
            f(&r.check, sink);
        }
    }

    fn file(&mut self, file: &LintFile) {
        self.each(|c, s| {
            if let Check::File(check) = c {
                check(file, s);
            }
        });
        let fd = file.fd;
        let prefix = if fd.package().is_empty() {
            String::new()
        } else {
            format!("{}.", fd.package())
        };
        for (i, m) in fd.message_type.iter().enumerate() {
            self.message(file, m, vec![4, i as i32], &prefix);
        }
        for (i, e) in fd.enum_type.iter().enumerate() {
            self.enumeration(file, e, vec![5, i as i32]);
        }
        for (i, x) in fd.extension.iter().enumerate() {
            self.field(file, x, vec![7, i as i32], None, true);
        }
        for (i, svc) in fd.service.iter().enumerate() {
            let service = Service {
                file,
                desc: svc,
                path: vec![6, i as i32],
            };
            self.each(|c, s| {
                if let Check::Service(check) = c {
                    check(&service, s);
                }
            });
            for (j, m) in svc.method.iter().enumerate() {
                let method = Method {
                    file,
                    desc: m,
                    path: child(&service.path, 2, j),
                    service: &service,
                };
                self.each(|c, s| {
                    if let Check::Method(check) = c {
                        check(&method, s);
                    }
                });
            }
        }
    }

    fn message(&mut self, file: &LintFile, desc: &DescriptorProto, path: Vec<i32>, prefix: &str) {
        if desc.options.as_ref().is_some_and(|o| o.map_entry()) {
            return;
        }
        let msg = Message {
            file,
            desc,
            full_name: format!("{prefix}{}", desc.name()),
            path,
        };
        self.each(|c, s| {
            if let Check::Message(check) = c {
                check(&msg, s);
            }
        });
        for (i, f) in desc.field.iter().enumerate() {
            self.field(file, f, child(&msg.path, 2, i), Some(&msg), false);
        }
        for (i, o) in desc.oneof_decl.iter().enumerate() {
            let synthetic = desc
                .field
                .iter()
                .find(|f| f.oneof_index == Some(i as i32))
                .is_some_and(|f| f.proto3_optional());
            if synthetic {
                continue;
            }
            let oneof = Oneof {
                file,
                desc: o,
                path: child(&msg.path, 8, i),
                parent: &msg,
            };
            self.each(|c, s| {
                if let Check::Oneof(check) = c {
                    check(&oneof, s);
                }
            });
        }
        let nested_prefix = format!("{}.", msg.full_name);
        for (i, m) in desc.nested_type.iter().enumerate() {
            self.message(file, m, child(&msg.path, 3, i), &nested_prefix);
        }
        for (i, e) in desc.enum_type.iter().enumerate() {
            self.enumeration(file, e, child(&msg.path, 4, i));
        }
        for (i, x) in desc.extension.iter().enumerate() {
            self.field(file, x, child(&msg.path, 6, i), Some(&msg), true);
        }
    }

    fn field(
        &mut self,
        file: &LintFile,
        desc: &FieldDescriptorProto,
        path: Vec<i32>,
        parent: Option<&Message>,
        is_extension: bool,
    ) {
        let field = Field {
            file,
            desc,
            path,
            parent,
            is_extension,
        };
        self.each(|c, s| {
            if let Check::Field(check) = c {
                check(&field, s);
            }
        });
    }

    fn enumeration(&mut self, file: &LintFile, desc: &EnumDescriptorProto, path: Vec<i32>) {
        let e = Enum { file, desc, path };
        self.each(|c, s| {
            if let Check::Enum(check) = c {
                check(&e, s);
            }
        });
        for (i, v) in desc.value.iter().enumerate() {
            let value = EnumValue {
                file,
                desc: v,
                path: child(&e.path, 2, i),
                parent: &e,
                index: i,
            };
            self.each(|c, s| {
                if let Check::EnumValue(check) = c {
                    check(&value, s);
                }
            });
        }
    }
}
