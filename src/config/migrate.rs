//! `config migrate`: buf.work.yaml, v1beta1/v1 buf.yaml and buf.lock, and
//! v1beta1/v1 buf.gen.yaml turned into their v2 forms, as buf 1.75.0 writes
//! them. [`plan`] reads everything and renders every output before anything
//! is touched ([`Migration`]); the caller then prints [`Migration::diff`] or
//! calls [`Migration::apply`]. buf deletes the old files before it has
//! rendered the new ones, so a failure (a buf.lock whose digests need the
//! registry, offline) leaves it with nothing; protolith keeps the old files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::buf_gen_yaml::{self, GenVersion, Managed, OverrideOption, OverrideValue};
use super::path::{join, normalize_and_validate, quote, rel};
use super::{
    BUF_WORK_YAML_NAMES, BUF_YAML_NAMES, BreakingConfig, BufYaml, ConfigVersion, LintConfig,
    ModuleFullName, ModuleRef, decode, parse_buf_work_yaml, parse_buf_yaml,
};
use crate::check::{Family, RuleMeta, select};
use crate::deps::lock::{self, BufLock, LockDep, LockVersion, yaml_scalar};

/// What to migrate: the three flags, as given (paths relative to the
/// current directory).
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub workspaces: Vec<String>,
    pub modules: Vec<String>,
    pub buf_gen_yamls: Vec<String>,
}

/// The rules of both families, for turning v1 `use`/`except` into v2 ones
/// that select the same rules.
pub struct Rules<'a> {
    pub lint: &'a [&'static RuleMeta],
    pub breaking: &'a [&'static RuleMeta],
}

/// Turns the b4 (or missing) digests of v1 buf.lock entries into b5 ones;
/// needs the registry. `Err` is buf's failure text.
pub type UpgradeDigests<'a> = dyn FnMut(&[LockDep]) -> Result<Vec<LockDep>, String> + 'a;

/// Asks the registry for the commits of dependency refs (how buf orders
/// conflicting pins by age). `Err` is buf's failure text.
pub type ResolveRefs<'a> = dyn FnMut(&[ModuleRef]) -> Result<(), String> + 'a;

/// Every file the migration removes or (re)writes, with old and new bytes.
#[derive(Debug, Default)]
pub struct Migration {
    /// Files that exist now and are removed or rewritten: their bytes.
    pub originals: BTreeMap<String, Vec<u8>>,
    /// Files written: bytes and permission bits.
    pub outputs: BTreeMap<String, (Vec<u8>, u32)>,
}

impl Migration {
    /// buf's diff: the files that exist now (sorted), each against its new
    /// bytes or nothing, then the new files (sorted).
    pub fn diff(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, old) in &self.originals {
            let new = self.outputs.get(path).map_or(&[][..], |(b, _)| &b[..]);
            out.extend(crate::format::diff::unified(old, new, path));
        }
        for (path, (new, _)) in &self.outputs {
            if !self.originals.contains_key(path) {
                out.extend(crate::format::diff::unified(&[], new, path));
            }
        }
        out
    }

    /// Writes the new files (each through a temporary file and a rename),
    /// then removes the old ones that were not rewritten.
    pub fn apply(&self, root: &Path) -> Result<(), String> {
        for (path, (bytes, mode)) in &self.outputs {
            crate::atomic::write(&root.join(path), bytes, Some(*mode))
                .map_err(|e| format!("write {path}: {}", super::io_reason(&e)))?;
        }
        for path in self.originals.keys() {
            if !self.outputs.contains_key(path) {
                std::fs::remove_file(root.join(path))
                    .map_err(|e| format!("remove {path}: {}", super::io_reason(&e)))?;
            }
        }
        Ok(())
    }
}

/// What `config migrate` with no flags finds under `root`: workspace
/// directories, v1beta1/v1 module directories and buf.gen.yaml files, in
/// buf's walk order (`.git` and `.github` skipped).
pub fn discover(root: &Path) -> Result<Request, String> {
    let mut found = Request::default();
    let mut last_dir = String::new();
    walk(root, ".", &mut found, &mut last_dir)
        .map_err(|e| format!("unable to parse {}: {e}", quote(&last_dir)))?;
    Ok(found)
}

fn walk(root: &Path, dir: &str, found: &mut Request, last_dir: &mut String) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Ok(());
    };
    let mut names: Vec<(String, bool)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let ty = e.file_type().ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            (ty.is_dir() || ty.is_file()).then_some((name, ty.is_dir()))
        })
        .collect();
    names.sort();
    for (name, is_dir) in names {
        let path = join(dir, &name);
        if is_dir {
            if dir == "." && (name == ".git" || name == ".github") {
                continue;
            }
            walk(root, &path, found, last_dir)?;
            continue;
        }
        let kind = match name.as_str() {
            "buf.yaml" | "buf.mod" => 'm',
            "buf.work.yaml" | "buf.work" => 'w',
            "buf.gen.yaml" => 'g',
            "buf.lock" => 'l',
            _ => continue,
        };
        let data = std::fs::read_to_string(root.join(&path)).map_err(|e| e.to_string())?;
        let version =
            match decode::read_version(&data, decode::Syntax::Yaml).map_err(|e| e.to_string())? {
                None => ConfigVersion::V1Beta1,
                Some(v) => decode::parse_version(Some(v), "v2").map_err(|e| e.to_string())?,
            };
        *last_dir = dir.to_string();
        let v1 = version != ConfigVersion::V2;
        match kind {
            'm' if v1 => found.modules.push(dir.to_string()),
            'w' if v1 => found.workspaces.push(dir.to_string()),
            'g' if v1 => found.buf_gen_yamls.push(path),
            'w' => return Err(format!("invalid FileVersion for {}: v2", quote(&path))),
            _ => {}
        }
    }
    Ok(())
}

/// A module of the v2 buf.yaml being built.
struct Module {
    /// Relative to the directory the buf.yaml is written in.
    path: String,
    name: Option<ModuleFullName>,
    /// Relative to the module.
    excludes: Vec<String>,
    lint: Check,
    breaking: Check,
}

/// A v2 `lint:` or `breaking:` section, paths relative to the module.
#[derive(Default, Clone)]
struct Check {
    use_rules: Vec<String>,
    except: Vec<String>,
    ignore: Vec<String>,
    ignore_only: BTreeMap<String, Vec<String>>,
    enum_zero_value_suffix: String,
    rpc_allow_same_request_response: bool,
    rpc_allow_google_protobuf_empty_requests: bool,
    rpc_allow_google_protobuf_empty_responses: bool,
    service_suffix: String,
    disallow_comment_ignores: bool,
    ignore_unstable_packages: bool,
    disable_builtin: bool,
}

struct Builder<'a> {
    root: &'a Path,
    dest: String,
    rules: &'a Rules<'a>,
    warnings: &'a mut Vec<String>,
    workspaces_seen: BTreeSet<String>,
    modules_seen: BTreeSet<String>,
    gens_seen: BTreeSet<String>,
    modules: Vec<Module>,
    declared: Vec<ModuleRef>,
    locked: Vec<LockDep>,
    seen_lock: bool,
    names: BTreeMap<String, String>,
    migration: Migration,
}

/// Reads and converts everything `request` names. Warnings (buf's, in its
/// order) go to `warnings` even when the migration then fails.
pub fn plan(
    root: &Path,
    request: &Request,
    rules: &Rules<'_>,
    upgrade: &mut UpgradeDigests<'_>,
    resolve_refs: &mut ResolveRefs<'_>,
    warnings: &mut Vec<String>,
) -> Result<Migration, String> {
    if request.workspaces.is_empty()
        && request.modules.is_empty()
        && request.buf_gen_yamls.is_empty()
    {
        return Err("no directory or file specified".to_string());
    }
    let normalize = |list: &[String]| -> Result<Vec<String>, String> {
        list.iter()
            .map(|p| normalize_and_validate(p).map_err(|e| e.to_string()))
            .collect()
    };
    let workspaces = normalize(&request.workspaces)?;
    let modules = normalize(&request.modules)?;
    let gens = normalize(&request.buf_gen_yamls)?;
    let dest = match (workspaces.as_slice(), modules.is_empty()) {
        ([only], true) => only.clone(),
        _ => ".".to_string(),
    };
    let mut b = Builder {
        root,
        dest,
        rules,
        warnings,
        workspaces_seen: BTreeSet::new(),
        modules_seen: BTreeSet::new(),
        gens_seen: BTreeSet::new(),
        modules: Vec::new(),
        declared: Vec::new(),
        locked: Vec::new(),
        seen_lock: false,
        names: BTreeMap::new(),
        migration: Migration::default(),
    };
    for dir in &workspaces {
        b.add_workspace(dir)?;
    }
    for dir in &modules {
        b.add_module(dir)?;
    }
    for path in &gens {
        b.add_buf_gen_yaml(path)?;
    }
    b.finish(upgrade, resolve_refs)
}

impl Builder<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let full = self.root.join(path);
        if !full.is_file() {
            return None;
        }
        std::fs::read(full).ok()
    }

    /// The first of `names` in `dir`: its path and text.
    fn first_of(&self, dir: &str, names: &[&str]) -> Result<Option<(String, String)>, String> {
        for name in names {
            let path = join(dir, name);
            if let Some(bytes) = self.read(&path) {
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("decode {path}: invalid UTF-8"))?;
                return Ok(Some((path, text)));
            }
        }
        Ok(None)
    }

    fn delete(&mut self, path: &str, text: &str) {
        self.migration
            .originals
            .insert(path.to_string(), text.as_bytes().to_vec());
    }

    fn add_workspace(&mut self, dir: &str) -> Result<(), String> {
        if !self.workspaces_seen.insert(dir.to_string()) {
            return Ok(());
        }
        let Some((path, text)) = self.first_of(dir, &BUF_WORK_YAML_NAMES)? else {
            return Err(format!(
                "{} does not have a workspace configuration file (i.e. typically a buf.work.yaml)",
                quote(dir)
            ));
        };
        let work = parse_buf_work_yaml(&text, &path).map_err(|e| e.to_string())?;
        self.delete(&path, &text);
        for module in &work.directories {
            self.add_module(&join(dir, module))?;
        }
        Ok(())
    }

    fn add_module(&mut self, dir: &str) -> Result<(), String> {
        if !self.modules_seen.insert(dir.to_string()) {
            return Ok(());
        }
        let Some((path, text)) = self.first_of(dir, &BUF_YAML_NAMES)? else {
            // A directory without a buf.yaml is a module with v2 defaults.
            let module = Module {
                path: rel(&self.dest, dir),
                name: None,
                excludes: Vec::new(),
                lint: Check {
                    disallow_comment_ignores: true,
                    ..Check::default()
                },
                breaking: Check::default(),
            };
            return self.push_module(module, &join(dir, "buf.yaml"));
        };
        if self.migration.originals.contains_key(&path) {
            return Ok(());
        }
        let config =
            parse_buf_yaml(&text, &path, decode::Syntax::Yaml).map_err(|e| e.to_string())?;
        match config.version {
            ConfigVersion::V2 => {
                self.warnings
                    .push(format!("{path} is a v2 file, no migration required"));
                return Ok(());
            }
            ConfigVersion::V1Beta1 | ConfigVersion::V1 => self.add_v1(dir, &path, &config)?,
        }
        self.delete(&path, &text);
        self.declared.extend(config.deps.iter().cloned());
        let lock_path = join(dir, "buf.lock");
        let Some(bytes) = self.read(&lock_path) else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let parsed = lock::parse(&text, config.version).map_err(|e| e.to_string())?;
        self.delete(&lock_path, &text);
        self.seen_lock = true;
        match parsed.version {
            LockVersion::V2 => self
                .warnings
                .push(format!("{lock_path} is a v2 file, no migration required")),
            LockVersion::V1Beta1 | LockVersion::V1 => self.locked.extend(parsed.deps),
        }
        Ok(())
    }

    fn add_v1(&mut self, dir: &str, path: &str, config: &BufYaml) -> Result<(), String> {
        let Some(module) = config.modules.first() else {
            return Ok(());
        };
        let mut name = module.name.clone();
        if config.version == ConfigVersion::V1Beta1
            && module.roots.len() > 1
            && let Some(n) = name.take()
        {
            self.warnings.push(format!(
                "{path} has name {n} and multiple roots. These roots are now separate unnamed modules."
            ));
        }
        let mut roots = module.roots.clone();
        roots.sort();
        for root in roots {
            // Excludes are relative to the buf.yaml; each belongs to its root.
            let excludes: Vec<String> = module
                .excludes
                .iter()
                .filter(|e| super::path::contains(&root, e) || root == ".")
                .map(|e| rel(&root, e))
                .collect();
            let lint = self.lint_in_v2(&module.lint)?;
            let breaking = self.breaking_in_v2(&module.breaking)?;
            let converted = Module {
                path: rel(&self.dest, &join(dir, &root)),
                name: name.clone(),
                excludes: sorted_unique(excludes),
                lint,
                breaking,
            };
            self.push_module(converted, path)?;
        }
        Ok(())
    }

    fn push_module(&mut self, module: Module, parent: &str) -> Result<(), String> {
        if let Some(name) = &module.name {
            let key = name.to_string();
            if let Some(first) = self.names.get(&key) {
                return Err(format!(
                    "module {key} is found in both {first} and {parent}"
                ));
            }
            self.names.insert(key, parent.to_string());
        }
        self.modules.push(module);
        Ok(())
    }

    fn lint_in_v2(&mut self, lint: &LintConfig) -> Result<Check, String> {
        let (use_rules, except) = self.equivalent(
            Family::Lint,
            lint.version,
            &lint.use_rules,
            &lint.except,
            &lint.ignore_only,
        )?;
        let default_or = |value: &str, default: &str| {
            if value == default {
                String::new()
            } else {
                value.to_string()
            }
        };
        Ok(Check {
            use_rules,
            except,
            ignore: sorted_unique(lint.ignore.clone()),
            ignore_only: sorted_map(&lint.ignore_only),
            enum_zero_value_suffix: default_or(&lint.enum_zero_value_suffix, "_UNSPECIFIED"),
            rpc_allow_same_request_response: lint.rpc_allow_same_request_response,
            rpc_allow_google_protobuf_empty_requests: lint.rpc_allow_google_protobuf_empty_requests,
            rpc_allow_google_protobuf_empty_responses: lint
                .rpc_allow_google_protobuf_empty_responses,
            service_suffix: default_or(&lint.service_suffix, "Service"),
            disallow_comment_ignores: !lint.allow_comment_ignores,
            ignore_unstable_packages: false,
            disable_builtin: lint.disable_builtin,
        })
    }

    fn breaking_in_v2(&mut self, breaking: &BreakingConfig) -> Result<Check, String> {
        let (use_rules, except) = self.equivalent(
            Family::Breaking,
            breaking.version,
            &breaking.use_rules,
            &breaking.except,
            &breaking.ignore_only,
        )?;
        Ok(Check {
            use_rules,
            except,
            ignore: sorted_unique(breaking.ignore.clone()),
            ignore_only: sorted_map(&breaking.ignore_only),
            ignore_unstable_packages: breaking.ignore_unstable_packages,
            disable_builtin: breaking.disable_builtin,
            ..Check::default()
        })
    }

    /// buf's "equivalent check config in v2": the same `use`/`except`,
    /// unless that selects other rules in v2; then
    /// the rules v2 would miss join `use` and the ones it would add join
    /// `except`.
    fn equivalent(
        &mut self,
        family: Family,
        version: ConfigVersion,
        use_rules: &[String],
        except: &[String],
        ignore_only: &BTreeMap<String, Vec<String>>,
    ) -> Result<(Vec<String>, Vec<String>), String> {
        let registry = match family {
            Family::Lint => self.rules.lint,
            Family::Breaking => self.rules.breaking,
        };
        let warn = |warnings: &mut Vec<String>, w: Vec<String>| {
            // buf names no file here: "referenced in your  is deprecated".
            warnings.extend(w.into_iter().map(|w| w.replace("buf.yaml", "")));
        };
        let section = select::Section::new(use_rules, except, ignore_only);
        let expected = select::resolve(
            &select::Universe::builtin(family, version, registry),
            &section,
        )?;
        warn(self.warnings, expected.warnings);
        // buf replaces deprecated IDs only when the rules it resolved
        // include them, which they never do; a v1 ID that v2 does not know
        // then fails the v2 resolution below, as it fails buf's.
        let simple_use = sorted_unique(use_rules.to_vec());
        let simple_except = sorted_unique(except.to_vec());
        let simple_only = ignore_only;
        let section = select::Section::new(&simple_use, &simple_except, simple_only);
        let translated = select::resolve(
            &select::Universe::builtin(family, ConfigVersion::V2, registry),
            &section,
        )?;
        warn(self.warnings, translated.warnings);
        let expected: Vec<&str> = expected
            .rules
            .into_iter()
            .filter(|id| !registry.iter().any(|r| r.id == *id && r.deprecated))
            .collect();
        let expected_set: BTreeSet<&str> = expected.iter().copied().collect();
        let translated_set: BTreeSet<&str> = translated.rules.iter().copied().collect();
        if expected_set == translated_set {
            return Ok((simple_use, simple_except));
        }
        let valid = |id: &str| {
            registry
                .iter()
                .any(|r| r.id == id && r.categories(ConfigVersion::V2).is_some())
                || [Family::Lint, Family::Breaking]
                    .iter()
                    .any(|f| f.categories(ConfigVersion::V2).iter().any(|c| c.id == id))
        };
        let mut new_use = simple_use;
        new_use.extend(
            expected
                .iter()
                .filter(|id| !translated_set.contains(*id))
                .map(|s| s.to_string()),
        );
        let mut new_except = simple_except;
        new_except.extend(
            translated
                .rules
                .iter()
                .filter(|id| !expected_set.contains(*id))
                .map(|s| s.to_string()),
        );
        new_use.retain(|id| valid(id));
        new_except.retain(|id| valid(id));
        Ok((sorted_unique(new_use), sorted_unique(new_except)))
    }

    fn add_buf_gen_yaml(&mut self, path: &str) -> Result<(), String> {
        if !self.gens_seen.insert(path.to_string()) {
            return Ok(());
        }
        let full = self.root.join(path);
        let bytes = match std::fs::read(&full) {
            Ok(b) if full.is_file() => b,
            _ => return Err(format!("stat {path}: file does not exist")),
        };
        let template = buf_gen_yaml::parse(&bytes, "buf.gen.yaml")?;
        if template.version == GenVersion::V2 {
            self.warnings
                .push(format!("{path} is a v2 file, no migration required"));
            return Ok(());
        }
        if !template.types.is_empty() {
            self.warnings.push(format!(
                "{path} is a v1 generation template with a top-level 'types' section including {}. In a v2 generation template, 'types' can only exist within an input in the 'inputs' section. Since the migration command does not have information on inputs, the migrated generation will not have an 'inputs' section. To add these types in the migrated file, you can first add an input to 'inputs' and then add these types to the input.",
                human_list(&template.types)
            ));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let rendered = render_buf_gen_yaml(&text, &template.managed)?;
        self.delete(path, &text);
        self.migration
            .outputs
            .insert(path.to_string(), (rendered.into_bytes(), 0o644));
        Ok(())
    }

    fn finish(
        mut self,
        upgrade: &mut UpgradeDigests<'_>,
        resolve_refs: &mut ResolveRefs<'_>,
    ) -> Result<Migration, String> {
        if self.modules.is_empty() {
            return Ok(self.migration);
        }
        let local = |name: &ModuleFullName| self.names.contains_key(&name.to_string());
        let mut declared: BTreeMap<String, Vec<ModuleRef>> = BTreeMap::new();
        for dep in &self.declared {
            if local(&dep.full_name) {
                continue;
            }
            let refs = declared.entry(dep.full_name.to_string()).or_default();
            if !refs.iter().any(|r| r.reference == dep.reference) {
                refs.push(dep.clone());
            }
        }
        for refs in declared.values_mut() {
            if refs.len() > 1 {
                refs.retain(|r| r.reference.as_deref().is_some_and(|s| !s.is_empty()));
            }
        }
        let mut locked: BTreeMap<String, Vec<LockDep>> = BTreeMap::new();
        for dep in &self.locked {
            if local(&dep.name) {
                continue;
            }
            let keys = locked.entry(dep.name.to_string()).or_default();
            if !keys.iter().any(|k| k.commit == dep.commit) {
                keys.push(dep.clone());
            }
        }
        let conflict =
            declared.values().any(|r| r.len() > 1) || locked.values().any(|k| k.len() > 1);
        if conflict {
            // buf asks the registry which pin is newest (the declared refs
            // first, then the locked commits); protolith asks the same, which
            // fails the same way offline, and otherwise says what it cannot
            // decide.
            let refs: Vec<ModuleRef> = self
                .declared
                .iter()
                .filter(|d| !local(&d.full_name))
                .cloned()
                .collect();
            resolve_refs(&refs)?;
            let all: Vec<LockDep> = locked.values().flatten().cloned().collect();
            if !all.is_empty() {
                upgrade(&all)?;
            }
            return Err(
                "the buf.yaml files pin different versions of the same dependency; run buf dep update in each module first"
                    .to_string(),
            );
        }
        let deps: Vec<ModuleRef> = declared.into_values().flatten().collect();
        let mut lock_deps: Vec<LockDep> = locked.into_values().flatten().collect();
        let rendered = render_buf_yaml(&mut self.modules, &deps);
        let dest_yaml = join(&self.dest, "buf.yaml");
        self.keep_original(&dest_yaml);
        self.migration
            .outputs
            .insert(dest_yaml, (rendered.into_bytes(), 0o600));
        if self.seen_lock {
            if !lock_deps.is_empty() {
                lock_deps = upgrade(&lock_deps)?;
            }
            let lock = BufLock {
                version: LockVersion::V2,
                deps: lock_deps,
                plugins: Vec::new(),
                policies: Vec::new(),
            };
            let dest_lock = join(&self.dest, "buf.lock");
            self.keep_original(&dest_lock);
            self.migration
                .outputs
                .insert(dest_lock, (lock::render(&lock).into_bytes(), 0o600));
        }
        Ok(self.migration)
    }

    /// A file about to be overwritten counts as an original for the diff.
    fn keep_original(&mut self, path: &str) {
        if !self.migration.originals.contains_key(path)
            && let Some(bytes) = self.read(path)
        {
            self.migration.originals.insert(path.to_string(), bytes);
        }
    }
}

/// Go's `stringutil.SliceToHumanString`: `a`, `a and b`, `a, b, and c`.
fn human_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn sorted_map(m: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    m.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), sorted_unique(v.clone())))
        .collect()
}

// ---- writing ----

fn push_list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("{indent}{key}:\n"));
    for item in items {
        out.push_str(&format!("{indent}  - {}\n", yaml_scalar(item)));
    }
}

fn push_scalar(out: &mut String, indent: &str, key: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("{indent}{key}: {}\n", yaml_scalar(value)));
    }
}

fn push_true(out: &mut String, indent: &str, key: &str, value: bool) {
    if value {
        out.push_str(&format!("{indent}{key}: true\n"));
    }
}

/// A section's body (keys at `indent`), paths joined onto `module`; empty
/// when every key is unset.
fn render_check(check: &Check, module: &str, indent: &str) -> String {
    let joined =
        |paths: &[String]| -> Vec<String> { paths.iter().map(|p| join(module, p)).collect() };
    let mut out = String::new();
    push_list(&mut out, indent, "use", &check.use_rules);
    push_list(&mut out, indent, "except", &check.except);
    push_list(&mut out, indent, "ignore", &joined(&check.ignore));
    if !check.ignore_only.is_empty() {
        out.push_str(&format!("{indent}ignore_only:\n"));
        for (id, paths) in &check.ignore_only {
            push_list(&mut out, &format!("{indent}  "), id, &joined(paths));
        }
    }
    push_scalar(
        &mut out,
        indent,
        "enum_zero_value_suffix",
        &check.enum_zero_value_suffix,
    );
    push_true(
        &mut out,
        indent,
        "rpc_allow_same_request_response",
        check.rpc_allow_same_request_response,
    );
    push_true(
        &mut out,
        indent,
        "rpc_allow_google_protobuf_empty_requests",
        check.rpc_allow_google_protobuf_empty_requests,
    );
    push_true(
        &mut out,
        indent,
        "rpc_allow_google_protobuf_empty_responses",
        check.rpc_allow_google_protobuf_empty_responses,
    );
    push_scalar(&mut out, indent, "service_suffix", &check.service_suffix);
    push_true(
        &mut out,
        indent,
        "disallow_comment_ignores",
        check.disallow_comment_ignores,
    );
    push_true(
        &mut out,
        indent,
        "ignore_unstable_packages",
        check.ignore_unstable_packages,
    );
    push_true(&mut out, indent, "disable_builtin", check.disable_builtin);
    out
}

/// The v2 buf.yaml as buf writes it: modules sorted by path; lint and
/// breaking at the top level when every module's are the same; the short
/// form (top-level `name`, no `modules`) for one module at `.` with no
/// excludes.
fn render_buf_yaml(modules: &mut [Module], deps: &[ModuleRef]) -> String {
    modules.sort_by(|a, b| a.path.cmp(&b.path));
    let lints: BTreeSet<String> = modules
        .iter()
        .map(|m| render_check(&m.lint, &m.path, ""))
        .collect();
    let breakings: BTreeSet<String> = modules
        .iter()
        .map(|m| render_check(&m.breaking, &m.path, ""))
        .collect();
    let top_level = lints.len() <= 1 && breakings.len() <= 1;
    let short = matches!(modules, [m] if m.path == "." && m.excludes.is_empty());
    let mut out = String::from("version: v2\n");
    if short {
        if let Some(name) = modules.first().and_then(|m| m.name.as_ref()) {
            push_scalar(&mut out, "", "name", &name.to_string());
        }
    } else {
        out.push_str("modules:\n");
        for m in modules.iter() {
            out.push_str(&format!("  - path: {}\n", yaml_scalar(&m.path)));
            if let Some(name) = &m.name {
                push_scalar(&mut out, "    ", "name", &name.to_string());
            }
            let excludes: Vec<String> = m.excludes.iter().map(|e| join(&m.path, e)).collect();
            push_list(&mut out, "    ", "excludes", &excludes);
            if !top_level {
                for (key, check) in [("lint", &m.lint), ("breaking", &m.breaking)] {
                    let body = render_check(check, &m.path, "      ");
                    if !body.is_empty() {
                        out.push_str(&format!("    {key}:\n{body}"));
                    }
                }
            }
        }
    }
    let deps: Vec<String> = deps.iter().map(ToString::to_string).collect();
    push_list(&mut out, "", "deps", &deps);
    if top_level && let Some(m) = modules.first() {
        for (key, check) in [("lint", &m.lint), ("breaking", &m.breaking)] {
            let body = render_check(check, &m.path, "  ");
            if !body.is_empty() {
                out.push_str(&format!("{key}:\n{body}"));
            }
        }
    }
    out
}

/// A string-or-list value of a v1 plugin: its strings.
fn strings(value: Option<&serde_norway::Value>) -> Vec<String> {
    match value {
        Some(serde_norway::Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().filter(|s| !s.is_empty()).collect(),
        None => Vec::new(),
    }
}

fn scalar(value: &serde_norway::Value) -> Option<String> {
    match value {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One string as a scalar, several as a list, none as nothing.
fn push_strings(out: &mut String, indent: &str, key: &str, items: &[String]) {
    match items {
        [] => {}
        [one] => push_scalar(out, indent, key, one),
        many => {
            out.push_str(&format!("{indent}{key}:\n"));
            for item in many {
                out.push_str(&format!("{indent}  - {}\n", yaml_scalar(item)));
            }
        }
    }
}

/// Whether `program` is an executable file in a `PATH` directory.
fn on_path(program: &str) -> bool {
    let Some(paths) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&paths).any(|dir| {
        let candidate = dir.join(program);
        std::fs::metadata(&candidate).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        })
    })
}

const PROTOC_BUILTINS: [&str; 12] = [
    "cpp", "csharp", "java", "js", "objc", "php", "python", "pyi", "ruby", "rbs", "kotlin", "rust",
];

/// The v2 buf.gen.yaml for a validated v1beta1/v1 template: its managed
/// mode (already v2 rules) and its plugins, read again from `text` for what
/// the decoded template does not keep (list or string, keys given).
fn render_buf_gen_yaml(text: &str, managed: &Managed) -> Result<String, String> {
    let raw: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| format!("decode buf.gen.yaml: {e}"))?;
    let mut out = String::from("version: v2\n");
    if managed.enabled || !managed.disables.is_empty() || !managed.overrides.is_empty() {
        out.push_str("managed:\n");
        push_true(&mut out, "  ", "enabled", managed.enabled);
        if !managed.disables.is_empty() {
            out.push_str("  disable:\n");
        }
        for d in &managed.disables {
            let mut item = String::new();
            if let Some(o) = d.file_option {
                push_scalar(&mut item, "      ", "file_option", o.name());
            }
            push_scalar(&mut item, "      ", "module", &d.module);
            push_scalar(&mut item, "      ", "path", &d.path);
            push_scalar(&mut item, "      ", "field", &d.field);
            out.push_str(&format!("    - {}", item.trim_start()));
        }
        if !managed.overrides.is_empty() {
            out.push_str("  override:\n");
        }
        for o in &managed.overrides {
            let mut item = String::new();
            match o.option {
                OverrideOption::File(f) => {
                    push_scalar(&mut item, "      ", "file_option", f.name())
                }
                OverrideOption::Field(_) => {
                    push_scalar(&mut item, "      ", "field_option", "jstype")
                }
            }
            push_scalar(&mut item, "      ", "module", &o.module);
            push_scalar(&mut item, "      ", "path", &o.path);
            push_scalar(&mut item, "      ", "field", &o.field);
            let value = match &o.value {
                OverrideValue::Str(s) => yaml_scalar(s),
                OverrideValue::Bool(b) => b.to_string(),
                OverrideValue::Enum(n) => match n {
                    1 => "SPEED",
                    2 => "CODE_SIZE",
                    _ => "LITE_RUNTIME",
                }
                .to_string(),
            };
            item.push_str(&format!("      value: {value}\n"));
            out.push_str(&format!("    - {}", item.trim_start()));
        }
    }
    let plugins = raw
        .get("plugins")
        .and_then(|p| p.as_sequence())
        .cloned()
        .unwrap_or_default();
    if !plugins.is_empty() {
        out.push_str("plugins:\n");
    }
    for plugin in &plugins {
        let get = |key: &str| plugin.get(key).and_then(scalar).unwrap_or_default();
        let identifier = match get("plugin") {
            p if !p.is_empty() => p,
            _ => get("name"),
        };
        let path = strings(plugin.get("path"));
        let protoc_path = strings(plugin.get("protoc_path"));
        let mut item = String::new();
        let indent = "    ";
        if buf_gen_yaml_is_remote(&identifier, !get("plugin").is_empty()) {
            push_scalar(&mut item, indent, "remote", &identifier);
            let revision = get("revision");
            if !revision.is_empty() && revision != "0" {
                item.push_str(&format!("{indent}revision: {revision}\n"));
            }
        } else if !path.is_empty() {
            push_strings(&mut item, indent, "local", &path);
        } else if !protoc_path.is_empty() {
            push_scalar(&mut item, indent, "protoc_builtin", &identifier);
            push_strings(&mut item, indent, "protoc_path", &protoc_path);
        } else {
            let binary = format!("protoc-gen-{identifier}");
            if !on_path(&binary) && PROTOC_BUILTINS.contains(&identifier.as_str()) {
                push_scalar(&mut item, indent, "protoc_builtin", &identifier);
            } else {
                push_scalar(&mut item, indent, "local", &binary);
            }
        }
        push_scalar(&mut item, indent, "out", &get("out"));
        push_strings(&mut item, indent, "opt", &strings(plugin.get("opt")));
        push_scalar(&mut item, indent, "strategy", &get("strategy"));
        out.push_str(&format!("  - {}", item.trim_start()));
    }
    Ok(out)
}

/// A v1 `plugin:` naming `registry/owner/name[:version]`.
fn buf_gen_yaml_is_remote(identifier: &str, from_plugin_key: bool) -> bool {
    from_plugin_key
        && identifier
            .split(':')
            .next()
            .is_some_and(|n| n.split('/').count() == 3)
}
