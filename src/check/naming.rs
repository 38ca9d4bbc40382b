//! Name conventions as buf computes them: snake and Pascal case conversions,
//! package version suffixes, and Go's `%q` quoting used in every message.

fn is_delimiter(c: char) -> bool {
    matches!(c, '.' | '-' | '_' | ' ' | '\t' | '\n' | '\r')
}

/// buf's word splitting: delimiters become `_` (runs collapse), and an
/// upper-case letter starts a word when the next byte is not upper-case, a
/// digit or a delimiter, or when the previous byte is lower-case.
fn snake(s: &str) -> String {
    let s = s.trim_matches(is_delimiter);
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.char_indices() {
        let c = if is_delimiter(c) { '_' } else { c };
        if i == 0 {
            out.push(c);
            continue;
        }
        let ends_underscore = out.ends_with('_');
        let next = bytes.get(i + c.len_utf8()).copied();
        let next_starts_word = next.is_some_and(|b| {
            let r = char::from(b);
            !(r.is_uppercase() || b.is_ascii_digit() || is_delimiter(r))
        });
        let prev_lower = bytes
            .get(i.wrapping_sub(1))
            .is_some_and(|b| char::from(*b).is_lowercase());
        if c.is_uppercase() && !ends_underscore && (next_starts_word || prev_lower) {
            out.push('_');
            out.push(c);
        } else if !(c == '_' && ends_underscore) {
            out.push(c);
        }
    }
    out
}

pub fn to_lower_snake(s: &str) -> String {
    snake(s).to_lowercase()
}

pub fn to_upper_snake(s: &str) -> String {
    snake(s).to_uppercase()
}

/// Delimiters dropped; the first character and each one after a delimiter
/// upper-cased; other upper-case letters kept, the rest lower-cased.
pub fn to_pascal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    for c in s.trim().chars() {
        if !is_delimiter(c) {
            if prev.is_none_or(is_delimiter) || c.is_uppercase() {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
        prev = Some(c);
    }
    out
}

/// How stable a package's version suffix says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Alpha,
    Beta,
    Test,
}

/// The stability named by the last component of `package`, or `None` when it
/// is not a well-formed version suffix (or the package has one component).
pub fn package_version(package: &str) -> Option<Stability> {
    let (_, last) = package.rsplit_once('.')?;
    let rest = last.strip_prefix('v')?;
    let (major, rest) = leading_number(rest)?;
    if major < 1 {
        return None;
    }
    if rest.is_empty() {
        return Some(Stability::Stable);
    }
    if rest.starts_with("test") {
        return Some(Stability::Test);
    }
    let rest = match rest.strip_prefix('p') {
        Some(after) => {
            let (patch, after) = leading_number(after)?;
            if patch < 1 {
                return None;
            }
            after
        }
        None => rest,
    };
    let (stability, tail) = if let Some(t) = rest.strip_prefix("alpha") {
        (Stability::Alpha, t)
    } else if let Some(t) = rest.strip_prefix("beta") {
        (Stability::Beta, t)
    } else {
        return None;
    };
    if tail.is_empty() {
        return Some(stability);
    }
    match leading_number(tail) {
        Some((n, "")) if n >= 1 => Some(stability),
        _ => None,
    }
}

/// A run of decimal digits parsed as Go's `strconv.Atoi` into an int32 would.
fn leading_number(s: &str) -> Option<(i64, &str)> {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 {
        return None;
    }
    let n: i64 = s[..end].parse().ok()?;
    if n > i64::from(i32::MAX) {
        return None;
    }
    Some((n, &s[end..]))
}

/// Go's `strconv.Quote`: double quotes, with `"` and `\` escaped and
/// non-printable characters written as escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if !is_go_printable(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` for non-ASCII characters:
/// controls, separators other than space, and unassigned-looking format
/// characters are escaped.
fn is_go_printable(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{00ad}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}'
        )
        || matches!(c, '\u{2060}'..='\u{206f}' | '\u{fff9}'..='\u{fffb}')
        || (c.is_whitespace() && c != ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_examples_match_buf() {
        let cases = [
            ("fooBar", "foo_bar"),
            ("FOOBar", "foo_bar"),
            ("HTTPServer", "http_server"),
            ("fooBARBaz", "foo_bar_baz"),
            ("aB", "a_b"),
            ("AB", "ab"),
            ("abcDEF", "abc_def"),
            ("get2FA", "get2fa"),
            ("x9Y", "x9y"),
            ("xY9", "x_y9"),
            ("foo1Bar", "foo1_bar"),
            ("fooV1", "foo_v1"),
            ("foo__bar", "foo_bar"),
            ("_foo", "foo"),
            ("foo_", "foo"),
            ("foo_Bar", "foo_bar"),
            ("foo.bar", "foo_bar"),
            ("I_p_protocol", "i_p_protocol"),
        ];
        for (input, want) in cases {
            assert_eq!(to_lower_snake(input), want, "{input}");
        }
        assert_eq!(to_upper_snake("HTTPServerEnum"), "HTTP_SERVER_ENUM");
        assert_eq!(to_upper_snake("MyEnum0"), "MY_ENUM0");
        assert_eq!(to_upper_snake("ABC2Def"), "ABC2_DEF");
    }

    #[test]
    fn pascal_case_examples_match_buf() {
        for ok in ["FOOBAR", "HTTPServer", "Foo2bar", "F"] {
            assert_eq!(to_pascal(ok), ok);
        }
        assert_eq!(to_pascal("Foo_bar"), "FooBar");
        assert_eq!(to_pascal("Foo_"), "Foo");
        assert_eq!(to_pascal("fooBarMsg"), "FooBarMsg");
        assert_eq!(to_pascal("my_api"), "MyApi");
    }

    #[test]
    fn version_suffix_grammar_matches_buf() {
        for ok in [
            "foo.v1",
            "foo.v01",
            "foo.v2147483647",
            "foo.v1test",
            "foo.v1testfoo",
            "foo.v1test0",
            "foo.v1alpha",
            "foo.v1alpha1",
            "foo.v1beta",
            "foo.v1p1alpha",
            "foo.v1p1alpha2",
        ] {
            assert!(package_version(ok).is_some(), "{ok}");
        }
        for bad in [
            "v1",
            "foo.v0",
            "foo.v0test",
            "foo.vtest",
            "foo.V1",
            "foo.v1_2",
            "foo.v1p1",
            "foo.v1p0alpha",
            "foo.v1alpha0",
            "foo.v1alphabeta",
            "foo.v1beta1test",
            "foo.v2147483648",
        ] {
            assert!(package_version(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn go_quote_escapes_backslashes_and_quotes() {
        assert_eq!(go_quote(r"Google\Cloud"), r#""Google\\Cloud""#);
        assert_eq!(go_quote("a\"b"), r#""a\"b""#);
        assert_eq!(go_quote("日本"), "\"日本\"");
    }
}
