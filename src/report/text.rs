//! `--error-format=text`: `path:line:col:message`, one per line.

use super::Annotation;

pub fn render(annotations: &[Annotation]) -> String {
    annotations.iter().map(|a| a.text_line() + "\n").collect()
}
