//! The registry API's messages, written from the field numbers buf 1.75.0
//! sends and reads (buf-deps.md §1.2). Only the fields buf uses are here;
//! prost skips unknown fields, so richer servers still decode.
//!
//! Packages: `buf.registry.module.v1` (`v1`), `buf.registry.module.v1beta1`
//! (`v1beta1`, the b4 calls of v1 buf.yaml files), `buf.registry.owner.v1`
//! (`owner`) and `buf.alpha.registry.v1alpha1` (`alpha`, `registry login`).

#![allow(clippy::derive_partial_eq_without_eq, clippy::module_inception)]

/// `google.protobuf.Timestamp`, as prost-types has it.
pub use prost_types::Timestamp;

pub mod v1 {
    use super::Timestamp;

    pub const COMMIT_SERVICE: &str = "buf.registry.module.v1.CommitService";
    pub const GRAPH_SERVICE: &str = "buf.registry.module.v1.GraphService";
    pub const DOWNLOAD_SERVICE: &str = "buf.registry.module.v1.DownloadService";
    pub const UPLOAD_SERVICE: &str = "buf.registry.module.v1.UploadService";
    pub const MODULE_SERVICE: &str = "buf.registry.module.v1.ModuleService";

    /// `DigestType` numbers of v1: B5 is 1 here (2 in v1beta1).
    pub const DIGEST_TYPE_B5: i32 = 1;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceRef {
        #[prost(oneof = "resource_ref::Value", tags = "1, 2")]
        pub value: Option<resource_ref::Value>,
    }
    pub mod resource_ref {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            #[prost(string, tag = "1")]
            Id(String),
            #[prost(message, tag = "2")]
            Name(Name),
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct Name {
            #[prost(string, tag = "1")]
            pub owner: String,
            #[prost(string, tag = "2")]
            pub module: String,
            /// Unset is "the default label"; buf's update always sets `Ref`,
            /// possibly empty, while its against-registry probe leaves it unset.
            #[prost(oneof = "name::Child", tags = "3, 4")]
            pub child: Option<name::Child>,
        }
        pub mod name {
            #[derive(Clone, PartialEq, prost::Oneof)]
            pub enum Child {
                #[prost(string, tag = "3")]
                LabelName(String),
                #[prost(string, tag = "4")]
                Ref(String),
            }
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ModuleRef {
        #[prost(oneof = "module_ref::Value", tags = "1, 2")]
        pub value: Option<module_ref::Value>,
    }
    pub mod module_ref {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            #[prost(string, tag = "1")]
            Id(String),
            #[prost(message, tag = "2")]
            Name(Name),
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct Name {
            #[prost(string, tag = "1")]
            pub owner: String,
            #[prost(string, tag = "2")]
            pub module: String,
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ScopedLabelRef {
        #[prost(oneof = "scoped_label_ref::Value", tags = "1, 2")]
        pub value: Option<scoped_label_ref::Value>,
    }
    pub mod scoped_label_ref {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            #[prost(string, tag = "1")]
            Id(String),
            #[prost(string, tag = "2")]
            Name(String),
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Digest {
        #[prost(int32, tag = "1")]
        pub r#type: i32,
        #[prost(bytes = "vec", tag = "2")]
        pub value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Commit {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(message, optional, tag = "2")]
        pub create_time: Option<Timestamp>,
        #[prost(string, tag = "3")]
        pub owner_id: String,
        #[prost(string, tag = "4")]
        pub module_id: String,
        #[prost(message, optional, tag = "5")]
        pub digest: Option<Digest>,
        #[prost(string, tag = "6")]
        pub created_by_user_id: String,
        #[prost(string, tag = "7")]
        pub source_control_url: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct File {
        #[prost(string, tag = "1")]
        pub path: String,
        #[prost(bytes = "vec", tag = "2")]
        pub content: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Graph {
        #[prost(message, repeated, tag = "1")]
        pub commits: Vec<Commit>,
        #[prost(message, repeated, tag = "2")]
        pub edges: Vec<GraphEdge>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphEdge {
        #[prost(message, optional, tag = "1")]
        pub from_node: Option<GraphNode>,
        #[prost(message, optional, tag = "2")]
        pub to_node: Option<GraphNode>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphNode {
        #[prost(string, tag = "1")]
        pub commit_id: String,
    }

    pub const MODULE_VISIBILITY_PUBLIC: i32 = 1;
    pub const MODULE_VISIBILITY_PRIVATE: i32 = 2;
    pub const MODULE_STATE_ACTIVE: i32 = 1;
    pub const MODULE_STATE_DEPRECATED: i32 = 2;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Module {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(message, optional, tag = "2")]
        pub create_time: Option<Timestamp>,
        #[prost(message, optional, tag = "3")]
        pub update_time: Option<Timestamp>,
        #[prost(string, tag = "4")]
        pub name: String,
        #[prost(string, tag = "5")]
        pub owner_id: String,
        #[prost(int32, tag = "6")]
        pub visibility: i32,
        #[prost(int32, tag = "7")]
        pub state: i32,
        #[prost(string, tag = "8")]
        pub description: String,
        #[prost(string, tag = "9")]
        pub url: String,
        #[prost(string, tag = "10")]
        pub default_label_name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCommitsRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_refs: Vec<ResourceRef>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCommitsResponse {
        #[prost(message, repeated, tag = "1")]
        pub commits: Vec<Commit>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetGraphRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_refs: Vec<ResourceRef>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetGraphResponse {
        #[prost(message, optional, tag = "1")]
        pub graph: Option<Graph>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadRequest {
        #[prost(message, repeated, tag = "1")]
        pub values: Vec<DownloadValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadValue {
        #[prost(message, optional, tag = "1")]
        pub resource_ref: Option<ResourceRef>,
        #[prost(int32, repeated, tag = "2")]
        pub file_types: Vec<i32>,
        #[prost(string, repeated, tag = "3")]
        pub paths: Vec<String>,
        #[prost(bool, tag = "4")]
        pub paths_allow_not_exist: bool,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadResponse {
        #[prost(message, repeated, tag = "1")]
        pub contents: Vec<DownloadContent>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadContent {
        #[prost(message, optional, tag = "1")]
        pub commit: Option<Commit>,
        #[prost(message, repeated, tag = "2")]
        pub files: Vec<File>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UploadRequest {
        #[prost(message, repeated, tag = "1")]
        pub contents: Vec<UploadContent>,
        #[prost(string, repeated, tag = "2")]
        pub dep_commit_ids: Vec<String>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UploadContent {
        #[prost(message, optional, tag = "1")]
        pub module_ref: Option<ModuleRef>,
        #[prost(message, repeated, tag = "2")]
        pub files: Vec<File>,
        #[prost(message, repeated, tag = "3")]
        pub scoped_label_refs: Vec<ScopedLabelRef>,
        #[prost(string, tag = "4")]
        pub source_control_url: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UploadResponse {
        #[prost(message, repeated, tag = "1")]
        pub commits: Vec<Commit>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetModulesRequest {
        #[prost(message, repeated, tag = "1")]
        pub module_refs: Vec<ModuleRef>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetModulesResponse {
        #[prost(message, repeated, tag = "1")]
        pub modules: Vec<Module>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CreateModulesRequest {
        #[prost(message, repeated, tag = "1")]
        pub values: Vec<CreateModulesValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CreateModulesValue {
        #[prost(message, optional, tag = "1")]
        pub owner_ref: Option<super::owner::OwnerRef>,
        #[prost(string, tag = "2")]
        pub name: String,
        #[prost(int32, tag = "3")]
        pub visibility: i32,
        #[prost(string, tag = "4")]
        pub description: String,
        #[prost(string, tag = "5")]
        pub url: String,
        #[prost(string, tag = "6")]
        pub default_label_name: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CreateModulesResponse {
        #[prost(message, repeated, tag = "1")]
        pub modules: Vec<Module>,
    }
}

/// `buf.registry.module.v1beta1`: the same shapes with a digest type on
/// requests, registries on graph nodes, and the v1 buf.yaml/buf.lock files
/// that b4 digests cover.
pub mod v1beta1 {
    pub use super::v1::{Commit, Digest, File, ResourceRef};

    pub const COMMIT_SERVICE: &str = "buf.registry.module.v1beta1.CommitService";
    pub const GRAPH_SERVICE: &str = "buf.registry.module.v1beta1.GraphService";
    pub const DOWNLOAD_SERVICE: &str = "buf.registry.module.v1beta1.DownloadService";

    /// v1beta1's `DigestType`: B4 = 1, B5 = 2.
    pub const DIGEST_TYPE_B4: i32 = 1;
    pub const DIGEST_TYPE_B5: i32 = 2;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCommitsRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_refs: Vec<ResourceRef>,
        #[prost(int32, tag = "2")]
        pub digest_type: i32,
    }
    pub use super::v1::GetCommitsResponse;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetGraphRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_refs: Vec<GraphResourceRef>,
        #[prost(int32, tag = "2")]
        pub digest_type: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphResourceRef {
        #[prost(message, optional, tag = "1")]
        pub resource_ref: Option<ResourceRef>,
        #[prost(string, tag = "2")]
        pub registry: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetGraphResponse {
        #[prost(message, optional, tag = "1")]
        pub graph: Option<Graph>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Graph {
        #[prost(message, repeated, tag = "1")]
        pub commits: Vec<GraphCommit>,
        #[prost(message, repeated, tag = "2")]
        pub edges: Vec<GraphEdge>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphCommit {
        #[prost(message, optional, tag = "1")]
        pub commit: Option<Commit>,
        #[prost(string, tag = "2")]
        pub registry: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphEdge {
        #[prost(message, optional, tag = "1")]
        pub from_node: Option<GraphNode>,
        #[prost(message, optional, tag = "2")]
        pub to_node: Option<GraphNode>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GraphNode {
        #[prost(string, tag = "1")]
        pub commit_id: String,
        #[prost(string, tag = "2")]
        pub registry: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadRequest {
        #[prost(message, repeated, tag = "1")]
        pub values: Vec<super::v1::DownloadValue>,
        #[prost(int32, tag = "2")]
        pub digest_type: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadResponse {
        #[prost(message, repeated, tag = "1")]
        pub contents: Vec<DownloadContent>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DownloadContent {
        #[prost(message, optional, tag = "1")]
        pub commit: Option<Commit>,
        #[prost(message, repeated, tag = "2")]
        pub files: Vec<File>,
        #[prost(message, optional, tag = "3")]
        pub v1_buf_yaml_file: Option<File>,
        #[prost(message, optional, tag = "4")]
        pub v1_buf_lock_file: Option<File>,
    }
}

/// `buf.registry.owner.v1`.
pub mod owner {
    use super::Timestamp;

    pub const OWNER_SERVICE: &str = "buf.registry.owner.v1.OwnerService";
    pub const USER_SERVICE: &str = "buf.registry.owner.v1.UserService";

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct OwnerRef {
        #[prost(oneof = "owner_ref::Value", tags = "1, 2")]
        pub value: Option<owner_ref::Value>,
    }
    pub mod owner_ref {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            #[prost(string, tag = "1")]
            Id(String),
            #[prost(string, tag = "2")]
            Name(String),
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Owner {
        #[prost(oneof = "owner::Value", tags = "1, 2")]
        pub value: Option<owner::Value>,
    }
    pub mod owner {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            #[prost(message, tag = "1")]
            User(super::User),
            #[prost(message, tag = "2")]
            Organization(super::Organization),
        }
    }

    /// `UserType`: 1 is a person, 2 a bot.
    pub const USER_TYPE_STANDARD: i32 = 1;
    /// `UserState`: 1 is active.
    pub const USER_STATE_ACTIVE: i32 = 1;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct User {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(message, optional, tag = "2")]
        pub create_time: Option<Timestamp>,
        #[prost(message, optional, tag = "3")]
        pub update_time: Option<Timestamp>,
        #[prost(string, tag = "4")]
        pub name: String,
        #[prost(int32, tag = "5")]
        pub r#type: i32,
        #[prost(int32, tag = "6")]
        pub state: i32,
        #[prost(string, tag = "7")]
        pub description: String,
        #[prost(string, tag = "8")]
        pub url: String,
        #[prost(int32, tag = "9")]
        pub verification_status: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Organization {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(message, optional, tag = "2")]
        pub create_time: Option<Timestamp>,
        #[prost(message, optional, tag = "3")]
        pub update_time: Option<Timestamp>,
        #[prost(string, tag = "4")]
        pub name: String,
        #[prost(string, tag = "5")]
        pub description: String,
        #[prost(string, tag = "6")]
        pub url: String,
        #[prost(int32, tag = "7")]
        pub verification_status: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetOwnersRequest {
        #[prost(message, repeated, tag = "1")]
        pub owner_refs: Vec<OwnerRef>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetOwnersResponse {
        #[prost(message, repeated, tag = "1")]
        pub owners: Vec<Owner>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCurrentUserRequest {}
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCurrentUserResponse {
        #[prost(message, optional, tag = "1")]
        pub user: Option<User>,
    }
}

/// `buf.alpha.registry.v1alpha1`: only what `registry login` calls.
pub mod alpha {
    pub const AUTHN_SERVICE: &str = "buf.alpha.registry.v1alpha1.AuthnService";

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct User {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(string, tag = "4")]
        pub username: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCurrentUserRequest {}
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetCurrentUserResponse {
        #[prost(message, optional, tag = "1")]
        pub user: Option<User>,
    }
}
