//! The printer: buf format's layout over the token stream and syntax tree.

use crate::compiler::ParsedFile;

pub fn print(parsed: &ParsedFile) -> String {
    // Placeholder until the printer lands: the source unchanged.
    parsed.source.text.to_string()
}
