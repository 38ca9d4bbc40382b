//! Connect's error model: the codes, their HTTP statuses (the table in
//! buf-deps.md §1.1) and the JSON error body connect-go reads the code from.

pub use crate::registry::client::Code;

/// An RPC failure. buf prints `message` verbatim, so it is a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub code: Code,
    pub message: String,
}

impl RpcError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, message)
    }

    /// The JSON body of a Connect error response.
    pub fn body(&self) -> Vec<u8> {
        serde_json::json!({"code": self.code.as_str(), "message": self.message})
            .to_string()
            .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_names() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert_eq!(Code::parse("nope"), None);
    }

    #[test]
    fn error_body_is_connect_json() {
        let e = RpcError::not_found("module \"acme/nope\" not found");
        assert_eq!(
            String::from_utf8_lossy(&e.body()),
            r#"{"code":"not_found","message":"module \"acme/nope\" not found"}"#
        );
        assert_eq!(e.code.http_status(), 404);
    }
}
