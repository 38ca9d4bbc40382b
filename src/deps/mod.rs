//! Dependencies: buf.lock (v1beta1, v1, v2), b4/b5 module digests, the module
//! cache shared with buf (`$BUF_CACHE_DIR/v3`), and resolving a workspace's
//! deps into module contents for the compiler (fetching misses from a registry).

pub mod cache;
pub mod digest;
pub mod graph;
pub mod lock;
pub mod remote;
pub mod resolve;
pub mod update;
