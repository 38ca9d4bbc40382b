//! `--error-format=gitlab-code-quality`: one JSON array of Code Quality
//! issues; each fingerprint is SHAKE-256 (64 bytes, hex) of the issue's own
//! compact JSON without the fingerprint, as buf computes it.

use sha3::digest::{ExtendableOutput, Update, XofReader};

use super::{Annotation, go_json_string};

fn issue_json(a: &Annotation, fingerprint: Option<&str>) -> String {
    // A plugin finding may have no message: `description` is then left out.
    let mut s = String::from("{");
    if !a.message.is_empty() {
        s.push_str(&format!("\"description\":{},", go_json_string(&a.message)));
    }
    s.push_str(&format!("\"check_name\":{},", go_json_string(&a.kind)));
    if let Some(f) = fingerprint {
        s.push_str(&format!("\"fingerprint\":\"{f}\","));
    }
    s.push_str("\"location\":{");
    if !a.path.is_empty() {
        s.push_str(&format!("\"path\":{},", go_json_string(&a.path)));
    }
    let pos = |line: usize, col: usize| {
        let mut p = String::from("{");
        if line > 0 {
            p.push_str(&format!("\"line\":{line}"));
        }
        if col > 0 {
            if line > 0 {
                p.push(',');
            }
            p.push_str(&format!("\"column\":{col}"));
        }
        p.push('}');
        p
    };
    s.push_str(&format!(
        "\"positions\":{{\"begin\":{},\"end\":{}}}}},\"severity\":\"minor\"}}",
        pos(a.start_line, a.start_column),
        pos(a.end_line, a.end_column)
    ));
    s
}

fn fingerprint(json: &str) -> String {
    let mut hasher = sha3::Shake256::default();
    hasher.update(json.as_bytes());
    let mut reader = hasher.finalize_xof();
    let mut out = [0u8; 64];
    reader.read(&mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn render(annotations: &[Annotation]) -> String {
    let issues: Vec<String> = annotations
        .iter()
        .map(|a| issue_json(a, Some(&fingerprint(&issue_json(a, None)))))
        .collect();
    format!("[{}]\n", issues.join(","))
}
