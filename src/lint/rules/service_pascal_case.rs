//! SERVICE_PASCAL_CASE: service names are PascalCase. Bad: `service weather_api`. Good: `service WeatherApi`.

use super::shared;
use crate::check::RuleMeta;
use crate::check::naming;
use crate::lint::{Check, LintRule, Service, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "SERVICE_PASCAL_CASE",
        purpose: "Checks that services are PascalCase.",
        v1beta1: Some(&["BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"]),
        v1: Some(&["BASIC", "STANDARD"]),
        v2: Some(&["BASIC", "STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Service(check),
};

fn check(service: &Service, sink: &mut Sink) {
    let name = service.desc.name();
    shared::naming(
        sink,
        service.file,
        &service.path,
        "Service",
        name,
        "PascalCase",
        naming::to_pascal(name),
    );
}
