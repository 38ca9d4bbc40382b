//! The plugin protocol's response messages (google/protobuf/compiler/plugin.proto),
//! with the edition fields prost-types 0.14 lacks. Requests are written by
//! hand (`request.rs`) so their bytes match buf's.

/// `CodeGeneratorResponse.Feature` bits.
pub const FEATURE_PROTO3_OPTIONAL: u64 = 1;
pub const FEATURE_SUPPORTS_EDITIONS: u64 = 2;

#[derive(Clone, PartialEq, prost::Message)]
pub struct CodeGeneratorResponse {
    #[prost(string, optional, tag = "1")]
    pub error: Option<String>,
    #[prost(uint64, optional, tag = "2")]
    pub supported_features: Option<u64>,
    #[prost(int32, optional, tag = "3")]
    pub minimum_edition: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub maximum_edition: Option<i32>,
    #[prost(message, repeated, tag = "15")]
    pub file: Vec<ResponseFile>,
}

/// `CodeGeneratorResponse.File`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResponseFile {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub insertion_point: Option<String>,
    /// Bytes: plugin.proto is proto2, so buf accepts content that is not UTF-8.
    #[prost(bytes = "vec", optional, tag = "15")]
    pub content: Option<Vec<u8>>,
    /// `generated_code_info`, kept as bytes: nothing here reads it.
    #[prost(bytes = "vec", optional, tag = "16")]
    pub generated_code_info: Option<Vec<u8>>,
}
