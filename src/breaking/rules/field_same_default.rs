//! FIELD_SAME_DEFAULT: singular scalar fields keep their default value.
//!
//! Readers fill in the default for absent fields; changing it changes data.
//! Bad: `optional int32 retries = 3 [default = 5];` becomes `[default = 3]`.

use prost_types::field_descriptor_proto::Type;

use super::shared;
use crate::breaking::model::child;
use crate::breaking::{BreakingRule, Check, FieldPair, FieldView, Side, Sink};
use crate::check::RuleMeta;
use crate::check::naming::go_quote;

pub static RULE: BreakingRule = BreakingRule {
    meta: RuleMeta {
        id: "FIELD_SAME_DEFAULT",
        purpose: "Checks that fields have the same default value, if a default is specified.",
        v1beta1: None,
        v1: None,
        v2: Some(&["CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"]),
        deprecated: false,
        replacements: &[],
    },
    check: Check::Field(check),
};

fn check(p: &FieldPair, sink: &mut Sink) {
    let (cur, prev) = (p.ctx.cur, p.ctx.prev);
    if !can_have_default(prev, p.prev) || !can_have_default(cur, p.cur) {
        return;
    }
    let (before, after) = (default_of(prev, p.prev), default_of(cur, p.cur));
    if before.is_zero() && after.is_zero() {
        return;
    }
    if equal(&before.value, &after.value) {
        return;
    }
    sink.at(
        p.cur.file,
        shared::first_located(
            cur,
            p.cur.file,
            vec![child(&p.cur.path, 7), p.cur.path.clone()],
        ),
        Some(p.prev.file),
        format!(
            "{} changed default value from {} to {}.",
            shared::field_description(cur, p.cur),
            before.printed,
            after.printed
        ),
    );
}

fn can_have_default(side: &Side, f: &FieldView) -> bool {
    !f.is_repeated() && !matches!(shared::kind(side, f), Type::Message | Type::Group)
}

#[derive(Debug)]
enum Value {
    Bytes(Vec<u8>),
    Bool(bool),
    Int(i128),
    F32(f32),
    F64(f64),
}

struct Default {
    value: Value,
    printed: String,
}

impl Default {
    fn is_zero(&self) -> bool {
        match &self.value {
            Value::Bytes(b) => b.is_empty(),
            Value::Bool(b) => !b,
            Value::Int(i) => *i == 0,
            Value::F32(f) => f.to_bits() == 0,
            Value::F64(f) => f.to_bits() == 0,
        }
    }
}

/// The field's default, explicit or implicit, as buf compares and prints it.
fn default_of(side: &Side, f: &FieldView) -> Default {
    let raw = f.desc.default_value.as_deref();
    match shared::kind(side, f) {
        Type::Bytes => {
            let b = raw.map(unescape).unwrap_or_default();
            let printed = b
                .iter()
                .map(|x| format!("0x{x:X}"))
                .collect::<Vec<_>>()
                .join(",");
            Default {
                value: Value::Bytes(b),
                printed: format!("[{printed}]"),
            }
        }
        Type::String => {
            let s = raw.unwrap_or("");
            Default {
                value: Value::Bytes(s.as_bytes().to_vec()),
                printed: go_quote(s),
            }
        }
        Type::Bool => {
            let b = raw == Some("true");
            Default {
                value: Value::Bool(b),
                printed: b.to_string(),
            }
        }
        Type::Enum => {
            let e = side.enum_named(f.desc.type_name().trim_start_matches('.'));
            let values = e.map_or(&[][..], |e| &e.desc.value[..]);
            let number = match raw {
                Some(name) => values.iter().find(|v| v.name() == name).map(|v| v.number()),
                None => values.first().map(|v| v.number()),
            }
            .unwrap_or(0);
            let enum_name = e.map_or("", |e| e.name());
            let printed = match values.iter().find(|v| v.number() == number) {
                Some(v) => format!("{enum_name}.{}", v.name()),
                None => format!("{enum_name}.{number}(?)"),
            };
            Default {
                value: Value::Int(i128::from(number)),
                printed,
            }
        }
        Type::Float => {
            let v = raw.map_or(0.0, parse_float) as f32;
            Default {
                value: Value::F32(v),
                printed: go_float(f64::from(v), &format!("{v:e}")),
            }
        }
        Type::Double => {
            let v = raw.map_or(0.0, parse_float);
            Default {
                value: Value::F64(v),
                printed: go_float(v, &format!("{v:e}")),
            }
        }
        _ => {
            let v: i128 = raw.and_then(|r| r.parse().ok()).unwrap_or(0);
            Default {
                value: Value::Int(v),
                printed: v.to_string(),
            }
        }
    }
}

/// Strings and bytes compare with each other only; numbers, bools and enums
/// compare by value across types (float against double at float precision).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Bytes(_), _) | (_, Value::Bytes(_)) => false,
        (Value::F32(x), Value::F64(y)) | (Value::F64(y), Value::F32(x)) => {
            (x.is_nan() && y.is_nan()) || *x == *y as f32
        }
        _ => match (number(a), number(b)) {
            (Number::NaN, Number::NaN) => true,
            (Number::Int(x), Number::Int(y)) => x == y,
            (Number::Float(x), Number::Float(y)) => x == y,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                f.fract() == 0.0 && f.abs() < 1e38 && i128_from_f64(f) == Some(i)
            }
            _ => false,
        },
    }
}

enum Number {
    Int(i128),
    Float(f64),
    NaN,
}

fn number(v: &Value) -> Number {
    match v {
        Value::Bool(b) => Number::Int(i128::from(*b)),
        Value::Int(i) => Number::Int(*i),
        Value::F32(f) if f.is_nan() => Number::NaN,
        Value::F64(f) if f.is_nan() => Number::NaN,
        Value::F32(f) => Number::Float(f64::from(*f)),
        Value::F64(f) => Number::Float(*f),
        Value::Bytes(_) => Number::NaN,
    }
}

fn i128_from_f64(f: f64) -> Option<i128> {
    let s = format!("{f:.0}");
    s.parse().ok()
}

fn parse_float(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "-nan" => f64::NAN,
        _ => s.parse().unwrap_or(0.0),
    }
}

/// Go's `%v` for a float: `+Inf`, `-Inf`, `NaN`, else `%g` with the shortest
/// digits of the value's own width (`sci`, Rust's `{:e}` of it).
fn go_float(v: f64, sci: &str) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    crate::compiler::defaults::go_g_from_sci(v < 0.0, sci.trim_start_matches('-'))
}

/// Undoes the C escaping of a bytes default (`\n`, `\\`, octal, hex).
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + char::from(b[i]).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::go_float;

    #[test]
    fn floats_print_as_go_does() {
        let f = |v: f64| go_float(v, &format!("{v:e}"));
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(123456.0), "123456");
        assert_eq!(f(1e6), "1e+06");
        assert_eq!(f(1234567.0), "1.234567e+06");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1e-05");
        assert_eq!(f(-2.5e-10), "-2.5e-10");
        assert_eq!(f(f64::NEG_INFINITY), "-Inf");
    }
}
