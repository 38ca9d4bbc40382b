//! FILE_LOWER_SNAKE_CASE: file names are lower_snake_case.
//!
//! Bad: `WeatherStation.proto`, `weather-station.proto`, `weather.station.proto`.
//! Good: `weather_station.proto`.

use crate::check::RuleMeta;
use crate::check::naming;
use crate::check::naming::go_quote;
use crate::lint::{Check, LintFile, LintRule, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "FILE_LOWER_SNAKE_CASE",
        purpose: "Checks that filenames are lower_snake_case.",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::File(check),
};

fn check(file: &LintFile, sink: &mut Sink) {
    let name = file.name();
    let base = name.rsplit('/').next().unwrap_or(name);
    let (stem, ext) = match base.rfind('.') {
        Some(i) => base.split_at(i),
        None => (base, ""),
    };
    let want = naming::to_lower_snake(stem);
    if want != stem {
        sink.file_level(
            file.index,
            format!(
                "Filename {} should be lower_snake_case.proto, such as {}.",
                go_quote(base),
                go_quote(&format!("{want}{ext}"))
            ),
        );
    }
}
