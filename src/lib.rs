//! protolith: a protobuf toolchain compatible with buf.
//!
//! ```text
//! config -> workspace -> compiler -> image -> { lint | breaking | generate | format } -> report
//! ```
//!
//! Each stage is a module; data (`Image`, diagnostics, config values) flows
//! between them, and only `report` prints findings.

pub mod atomic;
pub mod breaking;
pub mod cache;
pub mod check;
pub mod cli;
pub mod compiler;
pub mod config;
pub mod deps;
pub mod format;
pub mod generate;
pub mod image;
pub mod input;
pub mod lint;
pub mod plugin_mode;
pub mod registry;
pub mod report;
pub mod stats;
pub mod timing;
pub mod workspace;
