//! Check plugins (buf.yaml v2 `plugins:`) and policies: custom lint and
//! breaking rules run as separate programs (../shared/reference/
//! buf-check-plugins.md). The pieces, in the order a run uses them:
//!
//! - `rpc.rs`: the pluginrpc protocol and its messages; one process per call.
//! - (next) the rule universe: built-in rules plus each plugin's rules and
//!   categories in one namespace (duplicate IDs listed by source), `use`/
//!   `except`/`ignore_only` resolved over it, deprecated plugin rules
//!   replaced with buf's warning, the unused-plugin warning.
//! - `options.rs`: buf.yaml `options:` as `option.v1.Value`s with buf's
//!   checks (§2.4).
//! - (next) dispatch: Check per plugin with the module's image (targets and
//!   imports, source info, `is_import`, `unused_dependency`), its own
//!   options and its share of the rule IDs; annotations placed by source
//!   path and tagged with the plugin (and policy) name for every output.
//! - (next) policies: a separate run per policy file with its own rules,
//!   plugins and `disable_builtin`, buf.yaml's `ignore`/`ignore_only`.

pub mod options;
pub mod rpc;
