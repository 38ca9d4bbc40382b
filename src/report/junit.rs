//! `--error-format=junit`: one test suite per file (in order of first
//! appearance), one failing test case per problem.

use super::Annotation;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(annotations: &[Annotation]) -> String {
    let mut suites: Vec<(&str, Vec<&Annotation>)> = Vec::new();
    for a in annotations {
        let path = if a.path.is_empty() {
            "<input>"
        } else {
            a.path.as_str()
        };
        match suites.iter_mut().find(|(p, _)| *p == path) {
            Some((_, v)) => v.push(a),
            None => suites.push((path, vec![a])),
        }
    }
    let mut out = String::from("<testsuites>\n");
    for (path, items) in suites {
        let name = path.strip_suffix(".proto").unwrap_or(path);
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            escape(name),
            items.len(),
            items.len()
        ));
        for a in items {
            let case = if a.start_line == 0 {
                a.kind.clone()
            } else if a.start_column == 0 {
                format!("{}_{}", a.kind, a.start_line)
            } else {
                format!("{}_{}_{}", a.kind, a.start_line, a.start_column)
            };
            out.push_str(&format!("    <testcase name=\"{}\">\n", escape(&case)));
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\"></failure>\n",
                escape(&a.text_line()),
                escape(&a.kind)
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
