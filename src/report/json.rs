//! `--error-format=json`: one JSON object per line, keys in buf's order,
//! empty values left out, numbers at least 1.

use super::{Annotation, go_json_string};

pub fn render(annotations: &[Annotation]) -> String {
    let mut out = String::new();
    for a in annotations {
        out.push('{');
        if !a.path.is_empty() {
            out.push_str(&format!("\"path\":{},", go_json_string(&a.path)));
        }
        out.push_str(&format!(
            "\"start_line\":{},\"start_column\":{},\"end_line\":{},\"end_column\":{},\"type\":{}",
            a.start_line.max(1),
            a.start_column.max(1),
            a.end_line.max(1),
            a.end_column.max(1),
            go_json_string(&a.kind),
        ));
        // Empty keys are left out, as Go's `omitempty` does.
        for (key, value) in [
            ("message", &a.message),
            ("plugin", &a.plugin),
            ("policy", &a.policy),
        ] {
            if !value.is_empty() {
                out.push_str(&format!(",\"{key}\":{}", go_json_string(value)));
            }
        }
        out.push_str("}\n");
    }
    out
}
