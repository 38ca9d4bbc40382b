//! Compile diagnostics: a byte span in one file and a message. They are values
//! collected per file; `report` renders them as `path:line:col:message`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub start: u32,
    pub end: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn new(start: u32, end: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            start,
            end,
            message: message.into(),
        }
    }
}

/// A diagnostic placed in a file, with 1-based line and byte column, ready to print.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileDiagnostic {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

impl FileDiagnostic {
    /// A compile error at the first byte that is not UTF-8, as buf reports it.
    pub fn invalid_utf8(path: &str, bytes: &[u8], err: std::str::Utf8Error) -> FileDiagnostic {
        let bad = err.valid_up_to();
        let before = &bytes[..bad.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = bad
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        FileDiagnostic {
            path: path.to_string(),
            line,
            column,
            end_line: line,
            end_column: column + 1,
            message: "input appears to be encoded with UTF-8, but found invalid byte".into(),
        }
    }
}

impl std::fmt::Display for FileDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}:{}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}:{}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}
