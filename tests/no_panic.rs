//! Mutated inputs never panic the compiler: proptest deletes, duplicates and
//! inserts bytes in real files (our fixtures and a sample of googleapis) and
//! compiles the result.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::sync::Arc;

use proptest::prelude::*;
use protolith::compiler::{SourceFile, compile};

/// Our fixtures, plus every 40th googleapis file when scripts/refs.sh has
/// installed the corpus (CI does).
fn corpus() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        common::proto_files(&common::root().join("testdata/build"), &mut files);
        let mut google = Vec::new();
        common::proto_files(&common::root().join(".refs/googleapis-6.0.1"), &mut google);
        files.extend(google.into_iter().step_by(40));
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect()
    })
}

fn compile_one(text: String) {
    let _ = compile(vec![SourceFile {
        import_path: "m.proto".into(),
        display_path: "m.proto".into(),
        text: Arc::from(text),
    }]);
}

const PIECES: &[&str] = &[
    "{", "}", "[", "]", "\"", "'", "/*", "//", "=", ";", "-", "0x", "\\", "(", ")", "<", ">", ".",
    "max", "\u{e9}", "\t", "\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: ProptestConfig::default().cases.max(1000), ..ProptestConfig::default() })]
    #[test]
    fn mutated_fixtures_do_not_panic(file in 0usize..1000, at in 0usize..100_000, len in 0usize..40, piece in 0usize..PIECES.len(), op in 0u8..3) {
        let files = corpus();
        let src = &files[file % files.len()];
        let mut at = at % (src.len() + 1);
        while !src.is_char_boundary(at) { at -= 1; }
        let mut end = (at + len).min(src.len());
        while !src.is_char_boundary(end) { end -= 1; }
        let mutated = match op {
            0 => format!("{}{}", &src[..at], &src[end..]),
            1 => format!("{}{}{}", &src[..at], PIECES[piece], &src[at..]),
            _ => format!("{}{}{}", &src[..end], &src[at..end], &src[end..]),
        };
        compile_one(mutated);
    }
}

#[test]
fn unterminated_string_in_file_option_is_an_error_not_a_panic() {
    // buf 1.75.0 itself panics on this input.
    let r = compile(vec![SourceFile {
        import_path: "a.proto".into(),
        display_path: "a.proto".into(),
        text: Arc::new("syntax = \"proto3\";\noption go_package = \"abc;\n".to_string()),
    }]);
    let errs = r.expect_err("must be rejected");
    assert!(
        errs.iter()
            .any(|d| d.message.contains("unterminated string")),
        "{errs:?}"
    );
}
