//! `--error-format=github-actions`: workflow commands GitHub turns into
//! annotations; positions only when the problem has a line.

use super::Annotation;

pub fn render(annotations: &[Annotation]) -> String {
    annotations
        .iter()
        .map(|a| {
            let path = if a.path.is_empty() {
                "<input>"
            } else {
                &a.path
            };
            if a.start_line > 0 {
                format!(
                    "::error file={path},line={},col={},endLine={},endColumn={}::{}\n",
                    a.start_line,
                    a.start_column,
                    a.end_line,
                    a.end_column,
                    a.suffixed(&a.message)
                )
            } else {
                format!("::error file={path}::{}\n", a.suffixed(&a.message))
            }
        })
        .collect()
}
