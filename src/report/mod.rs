//! The only code that prints findings and diagnostics: one file per
//! `--error-format`. Compile errors, lint findings and breaking changes all
//! reach here as `Annotation`s.

pub mod config_ignore_yaml;
mod github_actions;
mod gitlab;
mod json;
mod junit;
mod msvs;
mod sarif;
mod text;

use std::io::Write;

use crate::compiler::diag::FileDiagnostic;

/// One reported problem, positioned in a file, as every format renders it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Annotation {
    /// The path as the user sees it; empty for problems with no file.
    pub path: String,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// `COMPILE` or a rule ID.
    pub kind: String,
    pub message: String,
    /// The check plugin that reported it, as buf.yaml names it; empty for
    /// built-in rules.
    pub plugin: String,
    /// The policy whose run reported it; empty outside policy runs.
    pub policy: String,
}

impl Annotation {
    pub fn from_compile_error(d: &FileDiagnostic) -> Self {
        Annotation {
            path: d.path.clone(),
            start_line: d.line,
            start_column: d.column,
            end_line: d.end_line,
            end_column: d.end_column,
            kind: "COMPILE".into(),
            message: d.message.clone(),
            plugin: String::new(),
            policy: String::new(),
        }
    }

    /// The message as the text formats print it: the rule ID when a plugin
    /// sent none, then ` (<plugin>)`, ` (<policy>)` or ` (<plugin>,
    /// <policy>)` for findings of plugins and policies.
    pub fn shown_message(&self) -> String {
        self.suffixed(self.message_or_kind())
    }

    /// The message, or the rule's ID for a finding without one.
    fn message_or_kind(&self) -> &str {
        if self.message.is_empty() {
            &self.kind
        } else {
            &self.message
        }
    }

    /// `message` with the plugin and policy suffix.
    pub fn suffixed(&self, message: &str) -> String {
        match (self.plugin.is_empty(), self.policy.is_empty()) {
            (true, true) => message.to_string(),
            (false, true) => format!("{message} ({})", self.plugin),
            (true, false) => format!("{message} ({})", self.policy),
            (false, false) => format!("{message} ({}, {})", self.plugin, self.policy),
        }
    }

    /// The text-format line: `path:line:col:message`.
    pub fn text_line(&self) -> String {
        let mut out = String::new();
        self.write_text_line(&mut out);
        out
    }

    /// [`text_line`](Self::text_line), appended to `out`.
    pub fn write_text_line(&self, out: &mut String) {
        use std::fmt::Write as _;
        let path = if self.path.is_empty() {
            "<input>"
        } else {
            &self.path
        };
        let _ = write!(
            out,
            "{path}:{}:{}:",
            self.start_line.max(1),
            self.start_column.max(1)
        );
        if self.plugin.is_empty() && self.policy.is_empty() {
            out.push_str(self.message_or_kind());
        } else {
            out.push_str(&self.shown_message());
        }
    }
}

/// The `--error-format` values buf accepts (for build, lint and breaking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    Text,
    Json,
    Msvs,
    Junit,
    GithubActions,
    GitlabCodeQuality,
    /// SARIF 2.1.0: protolith's addition for code-scanning upload.
    Sarif,
}

impl ErrorFormat {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "text" => ErrorFormat::Text,
            "json" => ErrorFormat::Json,
            "msvs" => ErrorFormat::Msvs,
            "junit" => ErrorFormat::Junit,
            "github-actions" => ErrorFormat::GithubActions,
            "gitlab-code-quality" => ErrorFormat::GitlabCodeQuality,
            "sarif" => ErrorFormat::Sarif,
            other => return Err(format!("--error-format: invalid format: {other:?}")),
        })
    }
}

/// Writes `annotations` in `format`. A closed pipe is not an error.
pub fn write(annotations: &[Annotation], format: ErrorFormat, out: &mut dyn Write) {
    let rendered = match format {
        ErrorFormat::Text => text::render(annotations),
        ErrorFormat::Json => json::render(annotations),
        ErrorFormat::Msvs => msvs::render(annotations),
        ErrorFormat::Junit => junit::render(annotations),
        ErrorFormat::GithubActions => github_actions::render(annotations),
        ErrorFormat::GitlabCodeQuality => gitlab::render(annotations),
        ErrorFormat::Sarif => sarif::render(annotations),
    };
    let _ = out.write_all(rendered.as_bytes());
}

/// Prints compile errors in buf's layouts.
pub fn compile_errors(diags: &[FileDiagnostic], format: ErrorFormat, out: &mut dyn Write) {
    let annotations: Vec<Annotation> = diags.iter().map(Annotation::from_compile_error).collect();
    write(&annotations, format, out);
}

/// Go's encoding/json string escaping: `<`, `>` and `&` as `\u003c` etc.
pub fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// buf's order for findings: no-file ones first, then path, start position,
/// rule ID, message, end position.
pub fn finding_order(a: &Annotation, b: &Annotation) -> std::cmp::Ordering {
    (
        a.path.as_str(),
        a.start_line,
        a.start_column,
        a.kind.as_str(),
        a.message.as_str(),
    )
        .cmp(&(
            b.path.as_str(),
            b.start_line,
            b.start_column,
            b.kind.as_str(),
            b.message.as_str(),
        ))
        .then((a.end_line, a.end_column).cmp(&(b.end_line, b.end_column)))
}

/// How many warnings this process has printed.
static WARNINGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many warnings [`warn`] has printed so far: a cached answer holds
/// stdout only, so a run that warned is not cached.
pub fn warnings_issued() -> usize {
    WARNINGS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Warnings held back instead of printed, while [`hold_warnings`] is on.
static HELD: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// Holds warnings back until [`release_warnings`]: work that may be thrown
/// away and redone (an incremental re-lint that gives way to a whole
/// compile) must not print its warnings twice.
pub fn hold_warnings() {
    if let Ok(mut held) = HELD.lock() {
        *held = Some(Vec::new());
    }
}

/// Prints the held warnings (`print`) or drops them, and stops holding.
pub fn release_warnings(print: bool) {
    let held = HELD.lock().ok().and_then(|mut h| h.take());
    if print {
        for line in held.into_iter().flatten() {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

/// Prints a warning on stderr as buf's logger does: `BUF_LOG_FORMAT=text`
/// gives `WARN\t<msg>`, `json` a JSON line, anything else buf's coloured
/// default.
/// Go's `time.RFC3339Nano` in UTC (trailing zeros of the fraction dropped),
/// as buf's JSON logs print the time.
pub fn rfc3339_nano(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    rfc3339_nano_at(i128::from(d.as_secs()) * 1_000_000_000 + i128::from(d.subsec_nanos()))
}

/// Go's `time.RFC3339Nano` in UTC of `nanos` since 1970-01-01 (negative
/// before): `1970-01-01T00:00:05.5Z`.
pub fn rfc3339_nano_at(nanos: i128) -> String {
    const NANOS_PER_SECOND: i128 = 1_000_000_000;
    let secs = nanos.div_euclid(NANOS_PER_SECOND);
    let frac = nanos.rem_euclid(NANOS_PER_SECOND);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    let fraction = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:09}").trim_end_matches('0').to_string()
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Prints `text` on stderr as it is (cobra's deprecation notices, `deleted
/// <path>` lines).
pub fn note(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// `--log-format` (text, color, json), for commands that take it; otherwise
/// `BUF_LOG_FORMAT` decides.
static LOG_FORMAT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn set_log_format(format: &str) {
    let _ = LOG_FORMAT.set(format.to_string());
}

pub fn warn(message: &str) {
    WARNINGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let format = LOG_FORMAT
        .get()
        .cloned()
        .or_else(|| std::env::var("BUF_LOG_FORMAT").ok());
    let line = match format.as_deref() {
        Some("text") => format!("WARN\t{message}\n"),
        Some("json") => format!(
            "{{\"time\":\"{}\",\"level\":\"WARN\",\"msg\":{}}}\n",
            rfc3339_nano(std::time::SystemTime::now()),
            go_json_string(message)
        ),
        _ if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            format!("WARN\t{message}\n")
        }
        _ => format!("\x1b[33mWARN\x1b[0m\t{message}\n"),
    };
    if let Ok(mut held) = HELD.lock()
        && let Some(lines) = held.as_mut()
    {
        lines.push(line);
        return;
    }
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::rfc3339_nano;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_print_as_go_prints_rfc3339_nano() {
        let at = |s: u64, n: u32| rfc3339_nano(UNIX_EPOCH + Duration::new(s, n));
        assert_eq!(at(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            at(1_795_485_599, 516_710_280),
            "2026-11-24T01:59:59.51671028Z"
        );
        assert_eq!(at(951_782_400, 500_000_000), "2000-02-29T00:00:00.5Z");
    }
}
