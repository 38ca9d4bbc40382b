//! Plugin responses: one plugin's responses merged, checked the way buf's
//! protoplugin library checks them (lenient mode), the features an image
//! requires, and the cross-plugin duplicate check.

use std::collections::HashMap;

use prost_types::DescriptorProto;

use super::plugin_proto::{
    CodeGeneratorResponse, FEATURE_PROTO3_OPTIONAL, FEATURE_SUPPORTS_EDITIONS, ResponseFile,
};
use crate::image::Image;

/// One plugin's merged and checked response.
#[derive(Debug, Clone, Default)]
pub struct Validated {
    pub files: Vec<ResponseFile>,
    pub supported_features: u64,
    pub minimum_edition: Option<i32>,
    pub maximum_edition: Option<i32>,
    /// Lenient-mode warnings, printed as they are (no log prefix).
    pub warnings: Vec<String>,
}

/// What the non-import files of an image need from a plugin, file names in
/// image order.
#[derive(Debug, Clone, Default)]
pub struct RequiredFeatures {
    pub proto3_optional: Vec<String>,
    /// (file, edition number) for editions files.
    pub editions: Vec<(String, i32)>,
}

/// Merges one plugin's responses, given in request order. buf merges in
/// completion order, which makes its result vary from run to run; request
/// order gives the same answer every time. Files are appended, non-empty
/// errors joined with `; `, and the last response's features and editions win.
pub fn merge(responses: Vec<CodeGeneratorResponse>) -> CodeGeneratorResponse {
    let mut merged = CodeGeneratorResponse::default();
    let mut errors: Vec<String> = Vec::new();
    for resp in responses {
        if let Some(e) = resp.error.filter(|e| !e.is_empty()) {
            errors.push(e);
        }
        merged.supported_features = resp.supported_features;
        merged.minimum_edition = resp.minimum_edition;
        merged.maximum_edition = resp.maximum_edition;
        merged.file.extend(resp.file);
    }
    if !errors.is_empty() {
        merged.error = Some(errors.join("; "));
    }
    merged
}

/// Checks a merged response. `Err` is the text after `plugin P: `.
pub fn validate(resp: CodeGeneratorResponse) -> Result<Validated, String> {
    if let Some(e) = resp.error.as_deref().filter(|e| !e.is_empty()) {
        return Err(e.to_string());
    }
    let prefixed = |e: String| format!("CodeGeneratorResponse: {e}");
    let files = join_continuations(resp.file).map_err(prefixed)?;
    let mut warnings = Vec::new();
    let files = normalize_and_dedup(files, &mut warnings).map_err(prefixed)?;
    let features = resp.supported_features.unwrap_or(0);
    let all = FEATURE_PROTO3_OPTIONAL | FEATURE_SUPPORTS_EDITIONS;
    if features | all != all {
        return Err(prefixed(format!(
            "supported_features: unknown CodeGeneratorResponse.Features: {features:b}"
        )));
    }
    if features & FEATURE_SUPPORTS_EDITIONS != 0 {
        let min = resp.minimum_edition.unwrap_or(0);
        let max = resp.maximum_edition.unwrap_or(0);
        if min == 0 {
            return Err(prefixed(
                "supported_features: FEATURE_SUPPORTS_EDITIONS specified but no minimum_edition set"
                    .into(),
            ));
        }
        if max == 0 {
            return Err(prefixed(
                "supported_features: FEATURE_SUPPORTS_EDITIONS specified but no maximum_edition set"
                    .into(),
            ));
        }
        if min > max {
            return Err(prefixed(format!(
                "minimum_edition {min} is greater than maximum_edition {max}"
            )));
        }
    }
    Ok(Validated {
        files,
        supported_features: features,
        minimum_edition: resp.minimum_edition,
        maximum_edition: resp.maximum_edition,
        warnings,
    })
}

/// A file with no name continues the previous one (plugin.proto's
/// streaming rule): its content is appended.
fn join_continuations(files: Vec<ResponseFile>) -> Result<Vec<ResponseFile>, String> {
    let mut out: Vec<ResponseFile> = Vec::with_capacity(files.len());
    for file in files {
        if !file.name().is_empty() {
            out.push(file);
            continue;
        }
        let Some(prev) = out.last_mut() else {
            return Err("file: first value had no name set".into());
        };
        if !file.insertion_point().is_empty() {
            return Err("file: empty name with non-empty insertion point".into());
        }
        if let Some(more) = file.content {
            prev.content.get_or_insert_with(Vec::new).extend(more);
        }
    }
    Ok(out)
}

fn normalize_and_dedup(
    files: Vec<ResponseFile>,
    warnings: &mut Vec<String>,
) -> Result<Vec<ResponseFile>, String> {
    // Name -> index in `out` of the file that name last went to; as in
    // protoplugin, an insertion-point entry takes over the name, so a later
    // plain duplicate is compared with the insertion's content.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<ResponseFile> = Vec::with_capacity(files.len());
    for mut file in files {
        let name = file.name().to_string();
        let normalized = go_clean(&name);
        if normalized.starts_with('/') {
            return Err(format!("file: path {normalized:?} should be relative"));
        }
        if normalized.starts_with("../") {
            return Err(format!("file: path {normalized:?} should not jump context"));
        }
        if normalized != name {
            warnings.push(format!(
                "path {} is not equal to {}, and therefore does not conform to the Protobuf \
                 generation specification. The path must be non-empty, relative, use \"/\" \
                 instead of \"\\\" as the path separator, and not use \".\" or \"..\" as part of \
                 the path. Generation will continue without error here, but please raise an \
                 issue with the maintainer of the plugin and reference \
                 https://github.com/protocolbuffers/protobuf/blob/95e6c5b4746dd7474d540ce4fb375e3f79a086f8/src/google/protobuf/compiler/plugin.proto#L122",
                go_quote(&name),
                go_quote(&normalized)
            ));
            file.name = Some(normalized.clone());
        }
        let previous = seen.get(&normalized).copied();
        match previous {
            Some(i) if file.insertion_point().is_empty() => {
                let earlier = out.get(i).and_then(|f| f.content.as_deref()).unwrap_or(&[]);
                if earlier != file.content.as_deref().unwrap_or(&[]) {
                    warnings.push(format!(
                        "duplicate generated file name {}. Generation will continue without \
                         error here and drop the second occurrence of this file, but please \
                         raise an issue with the maintainer of the plugin.",
                        go_quote(&normalized)
                    ));
                }
            }
            _ => {
                seen.insert(normalized, out.len());
                out.push(file);
            }
        }
    }
    Ok(out)
}

/// Go's `filepath.Clean` on Unix: the lexical normal form buf compares
/// plugin file names with.
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let p = path.as_bytes();
    let rooted = p.first() == Some(&b'/');
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    let at = |i: usize| p.get(i).copied();
    while r < n {
        let sep_after = |i: usize| i >= n || at(i) == Some(b'/');
        if at(r) == Some(b'/') || (at(r) == Some(b'.') && sep_after(r + 1)) {
            r += 1;
        } else if at(r) == Some(b'.') && at(r + 1) == Some(b'.') && sep_after(r + 2) {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out.get(w) != Some(&b'/') {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && at(r) != Some(b'/') {
                out.extend(at(r));
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    // Only ASCII '/' and '.' bytes were removed, so this stays UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `filepath.Join` on Unix (empty elements are ignored).
pub fn go_join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => go_clean(b),
        (false, true) => go_clean(a),
        (false, false) => go_clean(&format!("{a}/{b}")),
    }
}

/// Go's `%q` for the strings buf quotes (names and paths).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn required_features(image: &Image) -> RequiredFeatures {
    let mut req = RequiredFeatures::default();
    for f in image.files.iter().filter(|f| !f.is_import) {
        let fd = &f.file.fd;
        match fd.syntax() {
            "proto3" if fd.message_type.iter().any(has_proto3_optional) => {
                req.proto3_optional.push(fd.name().to_string());
            }
            "editions" => {
                let edition = f.file.extra.edition.unwrap_or(0);
                req.editions.push((fd.name().to_string(), edition));
            }
            _ => {}
        }
    }
    req
}

/// As buf: message fields only, nested messages included (extensions
/// cannot be proto3 optional).
fn has_proto3_optional(m: &DescriptorProto) -> bool {
    m.field.iter().any(|f| f.proto3_optional()) || m.nested_type.iter().any(has_proto3_optional)
}

/// What the features check found for one plugin: buf logs the warning
/// even when it then fails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureReport {
    pub warning: Option<String>,
    /// Newline-joined; buf joins the errors of every plugin of one image.
    pub error: Option<String>,
}

/// `Ok(Some(w))`: a warning to log; `Err`: the whole failure text. The
/// warning is lost when there is an error; use [`feature_report`] to keep
/// both.
pub fn check_features(
    plugin: &str,
    v: &Validated,
    required: &RequiredFeatures,
) -> Result<Option<String>, String> {
    let report = feature_report(plugin, v, required);
    match report.error {
        Some(e) => Err(e),
        None => Ok(report.warning),
    }
}

/// buf's `checkRequiredFeatures` for one plugin.
pub fn feature_report(plugin: &str, v: &Validated, required: &RequiredFeatures) -> FeatureReport {
    let mut report = FeatureReport::default();
    let name = go_quote(plugin);
    let supported = v.supported_features;
    if supported & FEATURE_PROTO3_OPTIONAL == 0 && !required.proto3_optional.is_empty() {
        report.warning = Some(format!(
            "plugin {name} does not support required features.\n  Feature \"proto3 optional\" \
             is required by {} file(s):\n    {}",
            required.proto3_optional.len(),
            required.proto3_optional.join(",")
        ));
    }
    if required.editions.is_empty() {
        return report;
    }
    let mut errors: Vec<String> = Vec::new();
    if supported & FEATURE_SUPPORTS_EDITIONS == 0 {
        for (file, _) in &required.editions {
            errors.push(format!(
                "plugin {name} does not support feature \"supports editions\" which is required by {}",
                go_quote(file)
            ));
        }
    } else {
        // Unreachable after `validate` (it rejects these first), kept as buf has them.
        let (Some(min), Some(max)) = (v.minimum_edition, v.maximum_edition) else {
            let which = if v.minimum_edition.is_none() {
                "minimum"
            } else {
                "maximum"
            };
            report.error = Some(format!(
                "plugin {name} advertises that it supports editions but did not indicate a \
                 {which} supported edition"
            ));
            return report;
        };
        if max < min {
            report.error = Some(format!(
                "plugin {name} indicates a maximum supported edition ({}) that is less than its \
                 minimum supported edition ({})",
                edition_enum_name(max),
                edition_enum_name(min)
            ));
            return report;
        }
        // By edition, then files in image order.
        let mut editions: Vec<i32> = required.editions.iter().map(|(_, e)| *e).collect();
        editions.sort_unstable();
        editions.dedup();
        for edition in editions.into_iter().filter(|e| *e < min || *e > max) {
            for (file, _) in required.editions.iter().filter(|(_, e)| *e == edition) {
                errors.push(format!(
                    "plugin {name} does not support edition {} which is required by {}",
                    go_quote(&edition_name(edition)),
                    go_quote(file)
                ));
            }
        }
    }
    if !errors.is_empty() {
        report.error = Some(errors.join("\n"));
    }
    report
}

/// `descriptorpb.Edition.String()`: the enum name, or the number when unknown.
fn edition_enum_name(e: i32) -> String {
    let name = match e {
        0 => "EDITION_UNKNOWN",
        900 => "EDITION_LEGACY",
        998 => "EDITION_PROTO2",
        999 => "EDITION_PROTO3",
        1000 => "EDITION_2023",
        1001 => "EDITION_2024",
        9999 => "EDITION_UNSTABLE",
        1 => "EDITION_1_TEST_ONLY",
        2 => "EDITION_2_TEST_ONLY",
        99997 => "EDITION_99997_TEST_ONLY",
        99998 => "EDITION_99998_TEST_ONLY",
        99999 => "EDITION_99999_TEST_ONLY",
        0x7fff_ffff => "EDITION_MAX",
        n => return n.to_string(),
    };
    name.to_string()
}

/// buf's readable edition name: `EDITION_2023` -> `2023`.
fn edition_name(e: i32) -> String {
    let full = edition_enum_name(e);
    full.strip_prefix("EDITION")
        .unwrap_or(&full)
        .replace('_', " ")
        .to_lowercase()
        .trim()
        .to_string()
}

/// buf's check that no two plugins of one image write one file
/// (`out` as written in the template joined with each name). Each entry is
/// (plugin name, out, files), in template order.
pub fn check_duplicates(outputs: &[(&str, &str, &[ResponseFile])]) -> Result<(), String> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (plugin, out, files) in outputs {
        for file in files.iter().filter(|f| f.insertion_point().is_empty()) {
            let path = go_join(out, file.name());
            if let Some(first) = seen.get(&path) {
                return Err(format!(
                    "file {} was generated multiple times: once by plugin {} and again by plugin {}",
                    go_quote(&path),
                    go_quote(first),
                    go_quote(plugin)
                ));
            }
            seen.insert(path, plugin);
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
