//! Plugin responses: one plugin's responses merged, checked the way buf's
//! protoplugin library checks them, and the features an image requires.

use super::plugin_proto::{CodeGeneratorResponse, ResponseFile};
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

/// Merges one plugin's responses, given in request order.
pub fn merge(responses: Vec<CodeGeneratorResponse>) -> CodeGeneratorResponse {
    let _ = responses;
    CodeGeneratorResponse::default()
}

/// Checks a merged response. `Err` is the text after `plugin P: `.
pub fn validate(resp: CodeGeneratorResponse) -> Result<Validated, String> {
    let _ = resp;
    Err("responses are not checked yet".into())
}

pub fn required_features(image: &Image) -> RequiredFeatures {
    let _ = image;
    RequiredFeatures::default()
}

/// `Ok(Some(w))`: a warning to log; `Err`: the whole failure text.
pub fn check_features(
    plugin: &str,
    v: &Validated,
    required: &RequiredFeatures,
) -> Result<Option<String>, String> {
    let _ = (plugin, v, required);
    Ok(None)
}

/// buf's check that no two plugins of one image write one file
/// (`out` as written in the template joined with each name).
pub fn check_duplicates(outputs: &[(&str, &str, &[ResponseFile])]) -> Result<(), String> {
    let _ = outputs;
    Ok(())
}
