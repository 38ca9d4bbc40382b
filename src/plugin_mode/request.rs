//! The protoc plugin protocol, as far as buf's check plugins use it: the
//! CodeGeneratorRequest fields they read, and the CodeGeneratorResponse they
//! write (features, the editions range, and findings as `error`).

use crate::compiler::options::{put_tag, put_varint};
use crate::compiler::wire;

use super::PluginError;

/// What the plugins read from a CodeGeneratorRequest.
#[derive(Debug, Default)]
pub struct Request {
    pub file_to_generate: Vec<String>,
    pub parameter: String,
    /// Each `proto_file` entry, still serialized: the image reader decodes
    /// them (options keep their bytes that way).
    pub proto_files: Vec<Vec<u8>>,
}

/// Decodes a CodeGeneratorRequest. Fields the plugins do not read are
/// skipped, as unknown fields are.
pub fn decode(bytes: &[u8]) -> Result<Request, PluginError> {
    let (fields, complete) = wire::fields(bytes);
    if !complete {
        return Err(PluginError::Wire);
    }
    let mut request = Request::default();
    let text =
        |payload: &[u8]| String::from_utf8(payload.to_vec()).map_err(|_| PluginError::InvalidUtf8);
    for field in fields {
        match (field.number, field.wire_type) {
            (1, 2) => request.file_to_generate.push(text(field.payload)?),
            (2, 2) => request.parameter = text(field.payload)?,
            (15, 2) => request.proto_files.push(field.payload.to_vec()),
            (1 | 2 | 15, _) => return Err(PluginError::Wire),
            _ => {}
        }
    }
    // protoplugin's validation, in its words.
    if request.proto_files.is_empty() {
        return Err(PluginError::Request("proto_file: empty".into()));
    }
    if request.file_to_generate.is_empty() {
        return Err(PluginError::Request("file_to_generate: empty".into()));
    }
    let names: Vec<&[u8]> = request
        .proto_files
        .iter()
        .filter_map(|body| {
            let (fields, _) = wire::fields(body);
            fields
                .into_iter()
                .rfind(|f| f.number == 1 && f.wire_type == 2)
                .map(|f| f.payload)
        })
        .collect();
    for path in &request.file_to_generate {
        let quoted = crate::check::naming::go_quote(path);
        let problem = if path.starts_with('/') {
            "should be relative"
        } else if !path.ends_with(".proto") {
            "should have the .proto file extension"
        } else if !names.contains(&path.as_bytes()) {
            "is not contained within proto_file"
        } else {
            continue;
        };
        return Err(PluginError::Request(format!(
            "file_to_generate: path {quoted} {problem}"
        )));
    }
    Ok(request)
}

/// The `proto_file` entries as a FileDescriptorSet, which the image reader
/// takes as an image of target files.
pub fn descriptor_set(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    for body in &request.proto_files {
        put_tag(&mut out, 1, 2);
        put_varint(&mut out, body.len() as u64);
        out.extend_from_slice(body);
    }
    out
}

/// buf's response: PROTO3_OPTIONAL | SUPPORTS_EDITIONS, editions 2023 to
/// 2024 (buf 1.75.0 answers 1000..1002 where its source says 1001), and the
/// findings in `error`.
pub fn encode_response(error: Option<&str>) -> Vec<u8> {
    const SUPPORTED_FEATURES: u64 = 3;
    const MINIMUM_EDITION: u64 = 1000;
    const MAXIMUM_EDITION: u64 = 1002;
    let mut out = Vec::new();
    if let Some(error) = error {
        put_tag(&mut out, 1, 2);
        put_varint(&mut out, error.len() as u64);
        out.extend_from_slice(error.as_bytes());
    }
    for (number, value) in [
        (2, SUPPORTED_FEATURES),
        (3, MINIMUM_EDITION),
        (4, MAXIMUM_EDITION),
    ] {
        put_tag(&mut out, number, 0);
        put_varint(&mut out, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_request_is_refused_as_protoplugin_refuses_it() {
        let err = decode(&[]).map(|_| ()).unwrap_err();
        assert_eq!(err.to_string(), "CodeGeneratorRequest: proto_file: empty");
    }

    #[test]
    fn truncated_request_is_a_wire_error() {
        let err = decode(b"\n").map(|_| ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "proto:\u{a0}cannot parse invalid wire-format data"
        );
    }

    #[test]
    fn response_without_findings_is_features_and_editions() {
        assert_eq!(
            encode_response(None),
            [0x10, 0x03, 0x18, 0xe8, 0x07, 0x20, 0xea, 0x07]
        );
    }
}
