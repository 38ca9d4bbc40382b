//! The only code that prints findings and diagnostics: one function per
//! `--error-format`.

use std::io::Write;

use crate::compiler::diag::FileDiagnostic;

/// Prints compile errors in buf's layouts. Errors writing (a closed pipe) are ignored.
pub fn compile_errors(diags: &[FileDiagnostic], format: &str, out: &mut dyn Write) {
    for d in diags {
        let _ = match format {
            "json" => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "path": d.path,
                    "start_line": d.line,
                    "start_column": d.column,
                    "end_line": d.end_line,
                    "end_column": d.end_column,
                    "type": "COMPILE",
                    "message": d.message,
                })
            ),
            "msvs" => writeln!(
                out,
                "{}({},{}) : error COMPILE : {}",
                d.path, d.line, d.column, d.message
            ),
            "github-actions" => writeln!(
                out,
                "::error file={},line={},col={},endLine={},endColumn={}::{}",
                d.path, d.line, d.column, d.end_line, d.end_column, d.message
            ),
            _ => writeln!(out, "{d}"),
        };
    }
}
