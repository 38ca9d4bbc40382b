//! `generate`: buf.gen.yaml's plugins run over images. Requests are built as
//! buf builds them (`request.rs`), plugins run in parallel (`run.rs`),
//! managed mode rewrites options first (`managed.rs`), responses are merged
//! and checked (`response.rs`) and written all at once (`writer.rs`).

pub mod managed;
pub mod plugin_proto;
pub mod response;
pub mod writer;
