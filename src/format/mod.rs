//! Formatting: prints a file's lossless syntax tree (tokens + tree from the
//! compiler's parser) in buf format's layout. Owns the printer and the
//! multi-file run behind `protolith format`; the CLI only parses flags.

pub mod deprecate;
mod header;
mod out;
mod printer;
mod trivia;

pub mod diff;
mod gnudiff;
pub mod run;
pub mod stage;

use std::sync::Arc;

use crate::compiler::diag::FileDiagnostic;
use crate::compiler::{self, SourceFile};

/// Why a file could not be formatted. Both carry diagnostics placed in the
/// file, printed like `build`'s compile errors.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file is not valid UTF-8 (buf would empty it; we refuse).
    #[error("{}", .0.first().map(ToString::to_string).unwrap_or_default())]
    NotUtf8(Vec<FileDiagnostic>),
    /// The file has syntax errors (buf would drop tokens; we refuse).
    #[error("{}", .0.first().map(ToString::to_string).unwrap_or_default())]
    Parse(Vec<FileDiagnostic>),
}

impl FormatError {
    pub fn diagnostics(&self) -> &[FileDiagnostic] {
        match self {
            FormatError::NotUtf8(d) | FormatError::Parse(d) => d,
        }
    }
}

/// Formats one file's bytes. `display_path` names the file in diagnostics.
/// Only lexing and parsing must succeed: imports are never resolved.
pub fn format_file(display_path: &str, bytes: &[u8]) -> Result<String, FormatError> {
    let parsed = parse(display_path, bytes)?;
    Ok(printer::print(&parsed))
}

/// Formats one file with `option deprecated = true` (or `deprecated = true`
/// in `[...]`) added to what `prefixes` name, as `source edit deprecate`
/// does. Also says whether anything in the file matched.
pub fn deprecate_file(
    display_path: &str,
    bytes: &[u8],
    prefixes: &[String],
) -> Result<(String, bool), FormatError> {
    let parsed = parse(display_path, bytes)?;
    let (edits, found) = deprecate::edits(&parsed, prefixes);
    Ok((printer::print_with(&parsed, &edits), found.matched))
}

fn parse(display_path: &str, bytes: &[u8]) -> Result<compiler::ParsedFile, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        FormatError::NotUtf8(vec![FileDiagnostic::invalid_utf8(display_path, bytes, e)])
    })?;
    let (parsed, diags) = compiler::parse(SourceFile {
        import_path: display_path.to_string(),
        display_path: display_path.to_string(),
        text: Arc::new(text.to_string()),
    });
    if !diags.is_empty() {
        let mut placed: Vec<FileDiagnostic> = diags
            .iter()
            .map(|d| compiler::place(display_path, &parsed.lines, d))
            .collect();
        placed.sort();
        placed.dedup();
        return Err(FormatError::Parse(placed));
    }
    Ok(parsed)
}
