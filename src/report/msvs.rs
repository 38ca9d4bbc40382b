//! `--error-format=msvs`: `path(line,col) : error TYPE : message`.

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
            format!(
                "{path}({},{}) : error {} : {}\n",
                a.start_line.max(1),
                a.start_column.max(1),
                a.kind,
                a.shown_message()
            )
        })
        .collect()
}
