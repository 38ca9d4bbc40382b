//! protolith: a protobuf toolchain compatible with buf.
//!
//! ```text
//! config -> workspace -> compiler -> image -> { lint | breaking | generate | format } -> report
//! ```
