//! Breaking-change detection: pairs the previous image (`--against`) with
//! the current one and runs each configured rule over the pairs.
//!
//! Pairing follows buf: files by path; messages, enums and services by full
//! name; fields by number inside paired messages; extensions by extendee and
//! number; enum values grouped by number; methods and oneofs by name. Rules
//! see one pair at a time (or both whole sides, for file and package
//! deletions) and report findings on the current side.

pub mod cache;
pub mod model;
pub mod rules;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::check::{self, Family, RuleMeta, naming, select};
use crate::config::BreakingConfig;
use crate::image::Image;
use crate::report::Annotation;
pub use model::{EnumView, FieldView, FileView, MessageView, ServiceView, Side};

/// A breaking rule: metadata plus the pairs it looks at.
pub struct BreakingRule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// What a rule inspects.
pub enum Check {
    /// Both sides whole (file and package deletions).
    Sides(fn(&Ctx, &mut Sink)),
    File(fn(&FilePair, &mut Sink)),
    Message(fn(&MessagePair, &mut Sink)),
    /// Message fields paired by number, and extensions by extendee and number.
    Field(fn(&FieldPair, &mut Sink)),
    Enum(fn(&EnumPair, &mut Sink)),
    /// The values of a paired enum that share a number on both sides.
    EnumValue(fn(&EnumValuePair, &mut Sink)),
    Service(fn(&ServicePair, &mut Sink)),
    Method(fn(&MethodPair, &mut Sink)),
    /// A deprecated rule without replacement: nothing to check.
    Nothing,
}

/// Both sides of one comparison.
pub struct Ctx<'s, 'a> {
    pub cur: &'s Side<'a>,
    pub prev: &'s Side<'a>,
}

pub struct FilePair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub cur: usize,
    pub prev: usize,
}

impl<'s, 'a> FilePair<'s, 'a> {
    pub fn cur(&self) -> &'s FileView<'a> {
        &self.ctx.cur.files[self.cur]
    }
    pub fn prev(&self) -> &'s FileView<'a> {
        &self.ctx.prev.files[self.prev]
    }
}

pub struct MessagePair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub cur: &'s MessageView<'a>,
    pub prev: &'s MessageView<'a>,
    pub cur_index: usize,
    pub prev_index: usize,
}

pub struct FieldPair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub cur: &'s FieldView<'a>,
    pub prev: &'s FieldView<'a>,
}

pub struct EnumPair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub cur: &'s EnumView<'a>,
    pub prev: &'s EnumView<'a>,
}

pub struct EnumValuePair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub number: i32,
    pub cur_enum: &'s EnumView<'a>,
    pub prev_enum: &'s EnumView<'a>,
    /// Indexes into the enums' `value` lists.
    pub cur: Vec<usize>,
    pub prev: Vec<usize>,
}

pub struct ServicePair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub cur: &'s ServiceView<'a>,
    pub prev: &'s ServiceView<'a>,
}

pub struct MethodPair<'s, 'a> {
    pub ctx: &'s Ctx<'s, 'a>,
    pub service: &'s ServiceView<'a>,
    pub prev_service: &'s ServiceView<'a>,
    pub cur: usize,
    pub prev: usize,
}

impl MethodPair<'_, '_> {
    pub fn cur_desc(&self) -> &prost_types::MethodDescriptorProto {
        &self.service.desc.method[self.cur]
    }
    pub fn prev_desc(&self) -> &prost_types::MethodDescriptorProto {
        &self.prev_service.desc.method[self.prev]
    }
    pub fn cur_path(&self) -> Vec<i32> {
        model::child2(&self.service.path, 2, self.cur)
    }
}

/// A finding before it is positioned.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub message: String,
    /// The current file (index into the current side), if any.
    pub file: Option<usize>,
    /// Where in that file; `None` or an unrecorded path means file-level.
    pub path: Option<Vec<i32>>,
    /// The previous file the finding concerns (for ignores).
    pub against: Option<usize>,
}

/// Where rules report.
pub struct Sink {
    rule: &'static str,
    out: Vec<Finding>,
}

impl Sink {
    /// A finding at `path` of current file `file`.
    pub fn at(&mut self, file: usize, path: Vec<i32>, against: Option<usize>, message: String) {
        self.push(Some(file), Some(path), against, message);
    }

    /// A finding on current file `file` as a whole.
    pub fn file_level(&mut self, file: usize, against: Option<usize>, message: String) {
        self.push(Some(file), None, against, message);
    }

    /// A finding with no current file (printed as `<input>`).
    pub fn no_file(&mut self, against: Option<usize>, message: String) {
        self.push(None, None, against, message);
    }

    fn push(
        &mut self,
        file: Option<usize>,
        path: Option<Vec<i32>>,
        against: Option<usize>,
        message: String,
    ) {
        self.out.push(Finding {
            rule: self.rule,
            message,
            file,
            path,
            against,
        });
    }
}

/// The registry entries of the breaking family.
pub fn registry() -> Vec<&'static RuleMeta> {
    rules::ALL.iter().map(|r| &r.meta).collect()
}

/// The section of `config` the selection reads.
pub fn section(config: &BreakingConfig) -> select::Section<'_> {
    select::Section::new(&config.use_rules, &config.except, &config.ignore_only)
}

/// One comparison: a current module's files and the previous files it is
/// compared with, as (image index, is import) pairs.
pub struct Job<'a> {
    pub current: Vec<(usize, bool)>,
    pub against: Vec<(usize, bool)>,
    pub config: &'a BreakingConfig,
    pub rules: Vec<&'static str>,
    pub exclude_imports: bool,
}

/// The first MessageSet message of `image`: buf cannot check images that
/// use this proto1 feature and fails on them.
pub fn first_message_set(image: &Image) -> Option<String> {
    fn walk(prefix: &str, m: &prost_types::DescriptorProto) -> Option<String> {
        let name = format!("{prefix}{}", m.name());
        if m.options
            .as_ref()
            .is_some_and(|o| o.message_set_wire_format())
        {
            return Some(name);
        }
        let inner = format!("{name}.");
        m.nested_type.iter().find_map(|n| walk(&inner, n))
    }
    image.files.iter().find_map(|f| {
        let fd = &f.file.fd;
        let prefix = if fd.package().is_empty() {
            String::new()
        } else {
            format!("{}.", fd.package())
        };
        fd.message_type.iter().find_map(|m| walk(&prefix, m))
    })
}

/// Runs every job and returns the findings, de-duplicated and in buf's order.
pub fn run(current: &Image, against: &Image, jobs: &[Job]) -> Vec<Annotation> {
    let mut out: Vec<Annotation> = jobs
        .iter()
        .flat_map(|job| run_job(current, against, job))
        .collect();
    out.sort_by(crate::report::finding_order);
    out.dedup();
    out
}

fn side<'a>(image: &'a Image, files: &[(usize, bool)]) -> Side<'a> {
    Side::new(
        files
            .par_iter()
            .filter_map(|&(i, is_import)| {
                image
                    .files
                    .get(i)
                    .map(|f| FileView::new(&f.file, is_import))
            })
            .collect(),
    )
}

fn run_job(current: &Image, against: &Image, job: &Job) -> Vec<Annotation> {
    if job.config.disabled {
        return Vec::new();
    }
    let (cur, prev) = rayon::join(
        || side(current, &job.current),
        || side(against, &job.against),
    );
    let ctx = Ctx {
        cur: &cur,
        prev: &prev,
    };
    let rules: Vec<&'static BreakingRule> = rules::ALL
        .iter()
        .copied()
        .filter(|r| job.rules.contains(&r.meta.id))
        .collect();
    let pairs = Pairs::new(&ctx);
    let findings: Vec<Finding> = rules
        .par_iter()
        .flat_map_iter(|r| {
            let mut sink = Sink {
                rule: r.meta.id,
                out: Vec::new(),
            };
            pairs.run(&ctx, &r.check, &mut sink);
            sink.out
        })
        .collect();
    let ignore_only = ignore_only_by_rule(job.config);
    findings
        .into_iter()
        .filter(|f| !ignored(&ctx, job, &ignore_only, f))
        .map(|f| position(&cur, f))
        .collect()
}

/// The pairs every rule walks, computed once per comparison.
struct Pairs {
    files: Vec<(usize, usize)>,
    messages: Vec<(usize, usize)>,
    /// (current message, its field index, previous message, its field index)
    fields: Vec<(usize, usize, usize, usize)>,
    extensions: Vec<(usize, usize)>,
    enums: Vec<(usize, usize)>,
    services: Vec<(usize, usize)>,
}

impl Pairs {
    fn new(ctx: &Ctx) -> Pairs {
        let (cur, prev) = (ctx.cur, ctx.prev);
        let files = prev
            .files
            .iter()
            .enumerate()
            .filter_map(|(pi, f)| cur.file_by_path.get(f.name()).map(|&ci| (ci, pi)))
            .collect();
        let mut messages = Vec::new();
        let mut fields = Vec::new();
        for (pi, m) in prev.messages.iter().enumerate() {
            if prev.message_by_name.get(&m.full_name) != Some(&pi) {
                continue;
            }
            let Some(&ci) = cur.message_by_name.get(&m.full_name) else {
                continue;
            };
            messages.push((ci, pi));
            let by_number: HashMap<i32, usize> = cur.fields[ci]
                .iter()
                .enumerate()
                .map(|(j, f)| (f.number(), j))
                .collect();
            for (pj, f) in prev.fields[pi].iter().enumerate() {
                if let Some(&cj) = by_number.get(&f.number()) {
                    fields.push((ci, cj, pi, pj));
                }
            }
        }
        let ext_key = |f: &FieldView| (f.desc.extendee().to_string(), f.number());
        let cur_ext: HashMap<(String, i32), usize> = cur
            .extensions
            .iter()
            .enumerate()
            .map(|(i, f)| (ext_key(f), i))
            .collect();
        let extensions = prev
            .extensions
            .iter()
            .enumerate()
            .filter_map(|(pi, f)| cur_ext.get(&ext_key(f)).map(|&ci| (ci, pi)))
            .collect();
        let enums = prev
            .enums
            .iter()
            .enumerate()
            .filter(|(pi, e)| prev.enum_by_name.get(&e.full_name) == Some(pi))
            .filter_map(|(pi, e)| cur.enum_by_name.get(&e.full_name).map(|&ci| (ci, pi)))
            .collect();
        let services = prev
            .services
            .iter()
            .enumerate()
            .filter(|(pi, s)| prev.service_by_name.get(&s.full_name) == Some(pi))
            .filter_map(|(pi, s)| cur.service_by_name.get(&s.full_name).map(|&ci| (ci, pi)))
            .collect();
        Pairs {
            files,
            messages,
            fields,
            extensions,
            enums,
            services,
        }
    }

    fn run(&self, ctx: &Ctx, check: &Check, sink: &mut Sink) {
        let (cur, prev) = (ctx.cur, ctx.prev);
        match check {
            Check::Nothing => {}
            Check::Sides(f) => f(ctx, sink),
            Check::File(f) => {
                for &(c, p) in &self.files {
                    f(
                        &FilePair {
                            ctx,
                            cur: c,
                            prev: p,
                        },
                        sink,
                    );
                }
            }
            Check::Message(f) => {
                for &(c, p) in &self.messages {
                    f(
                        &MessagePair {
                            ctx,
                            cur: &cur.messages[c],
                            prev: &prev.messages[p],
                            cur_index: c,
                            prev_index: p,
                        },
                        sink,
                    );
                }
            }
            Check::Field(f) => {
                for &(cm, cj, pm, pj) in &self.fields {
                    f(
                        &FieldPair {
                            ctx,
                            cur: &cur.fields[cm][cj],
                            prev: &prev.fields[pm][pj],
                        },
                        sink,
                    );
                }
                for &(c, p) in &self.extensions {
                    f(
                        &FieldPair {
                            ctx,
                            cur: &cur.extensions[c],
                            prev: &prev.extensions[p],
                        },
                        sink,
                    );
                }
            }
            Check::Enum(f) => {
                for &(c, p) in &self.enums {
                    f(
                        &EnumPair {
                            ctx,
                            cur: &cur.enums[c],
                            prev: &prev.enums[p],
                        },
                        sink,
                    );
                }
            }
            Check::EnumValue(f) => {
                for &(c, p) in &self.enums {
                    let (ce, pe) = (&cur.enums[c], &prev.enums[p]);
                    let cur_by_number = values_by_number(ce);
                    for (number, prev_values) in values_by_number(pe) {
                        if let Some((_, cur_values)) =
                            cur_by_number.iter().find(|(n, _)| *n == number)
                        {
                            f(
                                &EnumValuePair {
                                    ctx,
                                    number,
                                    cur_enum: ce,
                                    prev_enum: pe,
                                    cur: cur_values.clone(),
                                    prev: prev_values,
                                },
                                sink,
                            );
                        }
                    }
                }
            }
            Check::Service(f) => {
                for &(c, p) in &self.services {
                    f(
                        &ServicePair {
                            ctx,
                            cur: &cur.services[c],
                            prev: &prev.services[p],
                        },
                        sink,
                    );
                }
            }
            Check::Method(f) => {
                for &(c, p) in &self.services {
                    let (cs, ps) = (&cur.services[c], &prev.services[p]);
                    for (pj, pm) in ps.desc.method.iter().enumerate() {
                        if let Some(cj) = cs.desc.method.iter().position(|m| m.name() == pm.name())
                        {
                            f(
                                &MethodPair {
                                    ctx,
                                    service: cs,
                                    prev_service: ps,
                                    cur: cj,
                                    prev: pj,
                                },
                                sink,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// An enum's value indexes grouped by number, numbers in first-seen order.
pub fn values_by_number(e: &EnumView) -> Vec<(i32, Vec<usize>)> {
    let mut out: Vec<(i32, Vec<usize>)> = Vec::new();
    for (i, v) in e.desc.value.iter().enumerate() {
        match out.iter_mut().find(|(n, _)| *n == v.number()) {
            Some((_, list)) => list.push(i),
            None => out.push((v.number(), vec![i])),
        }
    }
    out
}

/// `ignore_only` keyed by rule ID, categories expanded.
fn ignore_only_by_rule(config: &BreakingConfig) -> HashMap<&'static str, Vec<&str>> {
    select::ignore_only_by_rule(&universe(config.version), &config.ignore_only)
}

/// The built-in breaking rules of `version`.
pub fn universe(version: crate::config::ConfigVersion) -> select::Universe {
    select::Universe::builtin(Family::Breaking, version, &registry())
}

/// buf drops a finding when its current file or its previous file is
/// ignored, is in an unstable package (with `ignore_unstable_packages`), or
/// is an import (with `--exclude-imports`).
fn ignored(
    ctx: &Ctx,
    job: &Job,
    ignore_only: &HashMap<&'static str, Vec<&str>>,
    f: &Finding,
) -> bool {
    let files = f
        .file
        .and_then(|i| ctx.cur.files.get(i))
        .into_iter()
        .chain(f.against.and_then(|i| ctx.prev.files.get(i)));
    for file in files {
        if job.exclude_imports && file.is_import {
            return true;
        }
        let name = file.name();
        if job.config.ignore.iter().any(|p| check::path_under(name, p)) {
            return true;
        }
        if ignore_only
            .get(f.rule)
            .is_some_and(|ps| ps.iter().any(|p| check::path_under(name, p)))
        {
            return true;
        }
        if job.config.ignore_unstable_packages
            && naming::package_version(file.package())
                .is_some_and(|v| v != naming::Stability::Stable)
        {
            return true;
        }
    }
    false
}

/// Turns a finding into an annotation at its current-side span.
fn position(cur: &Side, f: Finding) -> Annotation {
    let Some(file) = f.file.and_then(|i| cur.files.get(i)) else {
        return Annotation {
            path: String::new(),
            start_line: 0,
            start_column: 0,
            end_line: 0,
            end_column: 0,
            kind: f.rule.to_string(),
            message: f.message,
            plugin: String::new(),
            policy: String::new(),
        };
    };
    let span = f
        .path
        .as_deref()
        .and_then(|p| cur.span(f.file.unwrap_or_default(), p));
    let (sl, sc, el, ec) = match span.as_deref() {
        Some(&[l, c, ec]) => (l + 1, c + 1, l + 1, ec + 1),
        Some(&[l, c, el, ec]) => (l + 1, c + 1, el + 1, ec + 1),
        _ => (1, 1, 1, 1),
    };
    Annotation {
        path: file.display_path.to_string(),
        start_line: sl as usize,
        start_column: sc as usize,
        end_line: el as usize,
        end_column: ec as usize,
        kind: f.rule.to_string(),
        message: f.message,
        plugin: String::new(),
        policy: String::new(),
    }
}
