//! Invariants of the lint and breaking rule registries, each failing with
//! what to do, and the generated catalogues rules/<family>/CATALOGUE.md kept
//! in step with them (`UPDATE_CATALOGUE=1 cargo nextest run --test registry`
//! rewrites them).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::root;
use protolith::check::{Family, RuleMeta, listed_categories};
use protolith::config::ConfigVersion;

const VERSIONS: [ConfigVersion; 3] = [ConfigVersion::V1Beta1, ConfigVersion::V1, ConfigVersion::V2];

/// One rule family as the tree lays it out.
struct Registry {
    family: Family,
    /// `lint` or `breaking`: the folder name under src/ and rules/.
    name: &'static str,
    title: &'static str,
    rules: Vec<&'static RuleMeta>,
    /// A file or folder every fixture case holds.
    case_marker: &'static str,
}

fn registries() -> [Registry; 2] {
    [
        Registry {
            family: Family::Lint,
            name: "lint",
            title: "Lint rules",
            rules: protolith::lint::registry(),
            case_marker: "buf.yaml",
        },
        Registry {
            family: Family::Breaking,
            name: "breaking",
            title: "Breaking rules",
            rules: protolith::breaking::registry(),
            case_marker: "current",
        },
    ]
}

#[test]
fn ids_are_sorted_and_unique() {
    for reg in registries() {
        for pair in reg.rules.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "src/{}/rules/mod.rs: keep ALL sorted by ID ({} before {})",
                reg.name,
                pair[0].id,
                pair[1].id
            );
        }
    }
}

#[test]
fn every_rule_file_is_registered_and_documented() {
    for reg in registries() {
        rule_files_registered(&reg);
    }
}

fn rule_files_registered(reg: &Registry) {
    let family = reg.name;
    let dir = root().join("src").join(family).join("rules");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        // A rule too large for one file is a folder whose mod.rs is the rule
        // file (its helpers sit beside it).
        let (stem, name, path) = if entry.path().is_dir() {
            let path = entry.path().join("mod.rs");
            if !path.exists() {
                continue;
            }
            (file_name.clone(), format!("{file_name}/mod.rs"), path)
        } else {
            let Some(stem) = file_name.strip_suffix(".rs") else {
                continue;
            };
            (stem.to_string(), file_name.clone(), entry.path())
        };
        let stem = stem.as_str();
        if stem == "mod" || stem == "shared" {
            continue;
        }
        files += 1;
        let id = stem.to_uppercase();
        assert!(
            reg.rules.iter().any(|r| r.id == id),
            "src/{family}/rules/{name}: add `&{stem}::RULE` to ALL in src/{family}/rules/mod.rs"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!("//! {id}:")),
            "src/{family}/rules/{name}: start with a `//! {id}: ...` doc saying what it checks and why"
        );
        assert!(
            text.contains(&format!("id: \"{id}\"")),
            "src/{family}/rules/{name}: the rule's id must be {id}"
        );
    }
    assert_eq!(
        files,
        reg.rules.len(),
        "every registered {family} rule needs its own file"
    );
}

#[test]
fn every_rule_has_a_fixture_folder() {
    for reg in registries() {
        for r in &reg.rules {
            let dir = root().join("rules").join(reg.name).join(r.id);
            let cases = std::fs::read_dir(&dir)
                .map(|it| {
                    it.flatten()
                        .filter(|e| e.path().join(reg.case_marker).exists())
                        .count()
                })
                .unwrap_or(0);
            assert!(
                cases > 0,
                "rules/{}/{}/: add a case folder ({}, protos, expected.json from buf)",
                reg.name,
                r.id,
                reg.case_marker
            );
        }
    }
}

#[test]
fn every_category_used_is_declared() {
    for reg in registries() {
        for r in &reg.rules {
            for v in VERSIONS {
                for c in r.categories(v).unwrap_or(&[]) {
                    assert!(
                        reg.family
                            .categories(v)
                            .iter()
                            .any(|d| d.id == *c && d.alias_of.is_none()),
                        "{}: category {c} is not declared for {v} in src/check/mod.rs",
                        r.id
                    );
                }
            }
        }
    }
}

/// The catalogue: one table per config version.
fn catalogue(reg: &Registry) -> String {
    let mut out = format!(
        "# {}\n\nGenerated from the registry (src/{}/rules/); do not edit. \
         `UPDATE_CATALOGUE=1 cargo nextest run --test registry` rewrites it.\n",
        reg.title, reg.name
    );
    for v in VERSIONS.iter().rev() {
        out.push_str(&format!(
            "\n## {v}\n\n| ID | categories | default | purpose |\n|---|---|---|---|\n"
        ));
        for r in &reg.rules {
            let Some(cats) = r.categories(*v) else {
                continue;
            };
            let listed = listed_categories(reg.family, *v, cats, false);
            let default = cats.contains(&reg.family.default_category());
            let purpose = if r.deprecated {
                format!("(deprecated) {}", r.purpose)
            } else {
                r.purpose.to_string()
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r.id,
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
    for reg in registries() {
        let path = root().join("rules").join(reg.name).join("CATALOGUE.md");
        let want = catalogue(&reg);
        if std::env::var_os("UPDATE_CATALOGUE").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "rules/{}/CATALOGUE.md is stale: run UPDATE_CATALOGUE=1 cargo nextest run --test registry",
            reg.name
        );
    }
}
