//! PACKAGE_LOWER_SNAKE_CASE: each dot-separated package component is lower_snake_case.
//!
//! Bad: `package Acme.WeatherApi.v1;`. Good: `package acme.weather_api.v1;`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "PACKAGE_LOWER_SNAKE_CASE",
        purpose: "Checks that packages are lower_snake.case.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    let package = file.package();
    if package.is_empty() {
        return;
    }
    let want: Vec<String> = package.split('.').map(naming::to_lower_snake).collect();
    let want = want.join(".");
    if want != package {
        sink.at(
            file.index,
            vec![2],
            format!(
                "Package name {} should be lower_snake.case, such as {}.",
                go_quote(package),
                go_quote(&want)
            ),
        );
    }
}
