//! Invariants of the lint rule registry, each failing with what to do, and
//! the generated catalogue rules/lint/CATALOGUE.md kept in step with it
//! (`UPDATE_CATALOGUE=1 cargo nextest run --test lint_registry` rewrites it).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::root;
use protolith::check::{Family, listed_categories};
use protolith::config::ConfigVersion;
use protolith::lint::rules::ALL;

const VERSIONS: [ConfigVersion; 3] = [ConfigVersion::V1Beta1, ConfigVersion::V1, ConfigVersion::V2];

#[test]
fn ids_are_sorted_and_unique() {
    for pair in ALL.windows(2) {
        assert!(
            pair[0].meta.id < pair[1].meta.id,
            "src/lint/rules/mod.rs: keep ALL sorted by ID ({} before {})",
            pair[0].meta.id,
            pair[1].meta.id
        );
    }
}

#[test]
fn every_rule_file_is_registered_and_documented() {
    let dir = root().join("src/lint/rules");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if stem == "mod" || stem == "shared" {
            continue;
        }
        files += 1;
        let id = stem.to_uppercase();
        assert!(
            ALL.iter().any(|r| r.meta.id == id),
            "src/lint/rules/{name}: add `&{stem}::RULE` to ALL in src/lint/rules/mod.rs"
        );
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(
            text.starts_with(&format!("//! {id}:")),
            "src/lint/rules/{name}: start with a `//! {id}: ...` doc saying what it checks and why"
        );
        assert!(
            text.contains(&format!("id: \"{id}\"")),
            "src/lint/rules/{name}: the rule's id must be {id}"
        );
    }
    assert_eq!(files, ALL.len(), "every registered rule needs its own file");
}

#[test]
fn every_rule_has_a_fixture_folder() {
    for r in ALL {
        let dir = root().join("rules/lint").join(r.meta.id);
        let cases = std::fs::read_dir(&dir)
            .map(|it| {
                it.flatten()
                    .filter(|e| e.path().join("buf.yaml").exists())
                    .count()
            })
            .unwrap_or(0);
        assert!(
            cases > 0,
            "rules/lint/{}/: add a case folder (buf.yaml, protos, expected.json from buf)",
            r.meta.id
        );
    }
}

#[test]
fn every_category_used_is_declared() {
    for r in ALL {
        for v in VERSIONS {
            for c in r.meta.categories(v).unwrap_or(&[]) {
                assert!(
                    Family::Lint
                        .categories(v)
                        .iter()
                        .any(|d| d.id == *c && d.alias_of.is_none()),
                    "{}: category {c} is not declared for {v} in src/check/mod.rs",
                    r.meta.id
                );
            }
        }
    }
}

/// The catalogue: one table per config version.
fn catalogue() -> String {
    let mut out = String::from(
        "# Lint rules\n\nGenerated from the registry (src/lint/rules/); do not edit. \
         `UPDATE_CATALOGUE=1 cargo nextest run --test lint_registry` rewrites it.\n",
    );
    for v in VERSIONS.iter().rev() {
        out.push_str(&format!(
            "\n## {v}\n\n| ID | categories | default | purpose |\n|---|---|---|---|\n"
        ));
        for r in ALL {
            let Some(cats) = r.meta.categories(*v) else {
                continue;
            };
            let listed = listed_categories(Family::Lint, *v, cats, false);
            let default = cats.contains(&Family::Lint.default_category());
            let purpose = if r.meta.deprecated {
                format!("(deprecated) {}", r.meta.purpose)
            } else {
                r.meta.purpose.to_string()
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r.meta.id,
                listed.join(", "),
                if default { "yes" } else { "" },
                purpose.replace('|', "\\|")
            ));
        }
    }
    out
}

#[test]
fn catalogue_is_in_step_with_the_registry() {
    let path = root().join("rules/lint/CATALOGUE.md");
    let want = catalogue();
    if std::env::var_os("UPDATE_CATALOGUE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "rules/lint/CATALOGUE.md is stale: run UPDATE_CATALOGUE=1 cargo nextest run --test lint_registry"
    );
}
