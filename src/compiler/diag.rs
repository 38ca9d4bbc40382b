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
