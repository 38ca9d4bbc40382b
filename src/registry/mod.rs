//! The registry API: its messages (`proto`), the Connect client every command
//! that talks to a registry uses (`client`), and the server behind
//! `protolith registry serve` (`server`). Nothing else speaks the API.

pub mod account;
pub mod client;
pub mod codegen;
pub mod proto;
pub mod push;
pub mod server;
