//! SERVICE_SUFFIX: service names end with the configured suffix (`service_suffix`,
//! default `Service`). Bad: `service Forecasts`. Good: `service ForecastService`.

use crate::check::RuleMeta;
use crate::check::naming::go_quote;
use crate::lint::with;
use crate::lint::{Check, LintRule, Service, Sink};

pub static RULE: LintRule = LintRule {
    meta: RuleMeta {
        id: "SERVICE_SUFFIX",
        purpose: "Checks that services have a consistent suffix (configurable, default suffix is \"Service\").",
        v1beta1: Some(&["STANDARD", "STYLE_STANDARD"]),
        v1: Some(&["STANDARD"]),
        v2: Some(&["STANDARD"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Service(check),
};

fn check(service: &Service, sink: &mut Sink) {
    let name = service.desc.name();
    let suffix = &sink.options.service_suffix;
    if !name.ends_with(suffix.as_str()) {
        let message = format!(
            "Service name {} should be suffixed with {}.",
            go_quote(name),
            go_quote(suffix)
        );
        sink.at(service.file.index, with(&service.path, 1), message);
    }
}
