//! `--error-format=text`: `path:line:col:message`, one per line.

use super::Annotation;

pub fn render(annotations: &[Annotation]) -> String {
    use rayon::prelude::*;
    // googleapis lints to 84,000 lines: rendered in parallel, in order.
    let chunks: Vec<String> = annotations
        .par_chunks(2048)
        .map(|chunk| {
            let mut out = String::with_capacity(chunk.len() * 96);
            for a in chunk {
                a.write_text_line(&mut out);
                out.push('\n');
            }
            out
        })
        .collect();
    chunks.concat()
}
