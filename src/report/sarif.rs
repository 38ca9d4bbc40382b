//! `--error-format=sarif` (protolith's own; buf has none): one SARIF 2.1.0
//! log with a run per invocation, for code-scanning upload. Each rule ID that
//! reported becomes a `rules` entry; no-file findings carry no location.

use serde_json::{Value, json};

use super::Annotation;

pub fn render(annotations: &[Annotation]) -> String {
    let mut rule_ids: Vec<&str> = annotations.iter().map(|a| a.kind.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids.iter().map(|id| json!({ "id": id })).collect();
    let results: Vec<Value> = annotations
        .iter()
        .map(|a| {
            let mut result = json!({
                "ruleId": a.kind,
                "level": "error",
                "message": { "text": a.message },
            });
            if !a.path.is_empty() {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": a.path },
                        "region": {
                            "startLine": a.start_line.max(1),
                            "startColumn": a.start_column.max(1),
                            "endLine": a.end_line.max(1),
                            "endColumn": a.end_column.max(1),
                        },
                    },
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "protolith",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str) -> Annotation {
        Annotation {
            path: path.into(),
            start_line: 3,
            start_column: 20,
            end_line: 3,
            end_column: 27,
            kind: "FIELD_LOWER_SNAKE_CASE".into(),
            message: "Field name \"BadName\" should be lower_snake_case.".into(),
            plugin: String::new(),
            policy: String::new(),
        }
    }

    #[test]
    fn findings_become_results_with_regions() {
        let log: Value =
            serde_json::from_str(&render(&[finding("a/x.proto"), finding("")])).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["id"],
            "FIELD_LOWER_SNAKE_CASE"
        );
        let first = &run["results"][0];
        assert_eq!(first["ruleId"], "FIELD_LOWER_SNAKE_CASE");
        let loc = &first["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a/x.proto");
        assert_eq!(loc["region"]["startColumn"], 20);
        assert_eq!(loc["region"]["endColumn"], 27);
        assert!(
            run["results"][1].get("locations").is_none(),
            "no-file findings have no location"
        );
    }
}
