//! `default = ...` on proto2 fields: checks the value against the field's type
//! and renders it the way buf stores it in `default_value`.

use prost_types::FileDescriptorProto;
use prost_types::field_descriptor_proto::Type as PType;

use super::ast::{Value, ValueKind};
use super::diag::Diagnostic;
use super::link::field_at_mut;

/// `enum_value_name(enum type name, number)` names the value buf writes when
/// an enum default is given as a number.
pub fn apply(
    fd: &mut FileDescriptorProto,
    defaults: &[(Vec<i32>, Value)],
    enum_value_name: &dyn Fn(&str, i64) -> Option<String>,
    enum_has_value: &dyn Fn(&str, &str) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    for (path, value) in defaults {
        let Some(field) = field_at_mut(fd, path) else {
            continue;
        };
        let ty = PType::try_from(field.r#type.unwrap_or(0)).ok();
        if ty == Some(PType::Enum)
            && let ValueKind::Ident {
                name,
                negative: false,
            } = &value.kind
            && !enum_has_value(field.type_name(), name)
        {
            diags.push(Diagnostic::new(
                value.span.start,
                value.span.end,
                format!("cannot find `{name}` in this scope"),
            ));
            continue;
        }
        if ty == Some(PType::Enum)
            && let ValueKind::Int { value: n, negative } = &value.kind
        {
            let n = if *negative { -(*n as i64) } else { *n as i64 };
            match enum_value_name(field.type_name(), n) {
                Some(name) => field.default_value = Some(name),
                None => diags.push(Diagnostic::new(
                    value.span.start,
                    value.span.end,
                    format!(
                        "enum `{}` has no value numbered {n}",
                        field.type_name().trim_start_matches('.')
                    ),
                )),
            }
            continue;
        }
        if matches!(ty, Some(PType::Float | PType::Double))
            && let ValueKind::Ident { name, .. } = &value.kind
            && matches!(
                name.to_ascii_lowercase().as_str(),
                "inf" | "infinity" | "nan"
            )
            && name != "inf"
            && name != "nan"
        {
            // `infinity`, `INF`, `NaN`...: only `inf` and `nan` are allowed
            // here (message literals accept the others). The sign is not part
            // of the reported span.
            let start = value.span.end.saturating_sub(name.len() as u32);
            diags.push(Diagnostic::new(
                start,
                value.span.end,
                "non-canonical floating-point literal outside of message expression".to_string(),
            ));
            continue;
        }
        match render(ty, value) {
            Ok(s) => field.default_value = Some(s),
            Err(msg) => diags.push(Diagnostic::new(value.span.start, value.span.end, msg)),
        }
    }
}

fn render(ty: Option<PType>, v: &Value) -> Result<String, String> {
    let Some(ty) = ty else {
        return Err("default value for a field of unknown type".into());
    };
    match (ty, &v.kind) {
        (PType::String, ValueKind::String(b)) => String::from_utf8(b.clone())
            .map_err(|_| "string default is not valid UTF-8".to_string()),
        (PType::Bytes, ValueKind::String(b)) => Ok(c_escape(b)),
        (
            PType::Bool,
            ValueKind::Ident {
                name,
                negative: false,
            },
        ) if name == "true" || name == "false" => Ok(name.clone()),
        (
            PType::Enum,
            ValueKind::Ident {
                name,
                negative: false,
            },
        ) => Ok(name.clone()),
        (PType::Enum, ValueKind::Int { value, negative }) => Ok(signed(*value, *negative)),
        (PType::Float | PType::Double, _) => {
            let f = match &v.kind {
                ValueKind::Int { value, negative } => {
                    let f = *value as f64;
                    if *negative { -f } else { f }
                }
                ValueKind::Float(f) => *f,
                ValueKind::Ident { name, negative } if name == "inf" || name == "nan" => {
                    let f = if name == "inf" {
                        f64::INFINITY
                    } else {
                        f64::NAN
                    };
                    if *negative { -f } else { f }
                }
                _ => return Err("expected a number for a floating-point default".into()),
            };
            let f = if ty == PType::Float {
                f as f32 as f64
            } else {
                f
            };
            Ok(go_format_g(f))
        }
        (PType::Message | PType::Group, _) => {
            Err("default values are not allowed on message fields".into())
        }
        (_, ValueKind::Int { value, negative }) => {
            let v = if *negative {
                -i128::from(*value)
            } else {
                i128::from(*value)
            };
            let (lo, hi, name): (i128, i128, &str) = match ty {
                PType::Int32 | PType::Sint32 | PType::Sfixed32 => {
                    (i32::MIN.into(), i32::MAX.into(), type_keyword(ty))
                }
                PType::Uint32 | PType::Fixed32 => (0, u32::MAX.into(), type_keyword(ty)),
                PType::Uint64 | PType::Fixed64 => (0, u64::MAX.into(), type_keyword(ty)),
                PType::Bool => return Err("mismatched types".into()),
                _ => (i64::MIN.into(), i64::MAX.into(), type_keyword(ty)),
            };
            if v < lo || v > hi {
                return Err(format!("literal out of range for `{name}`"));
            }
            Ok(v.to_string())
        }
        _ => Err("mismatched types".into()),
    }
}

fn signed(value: u64, negative: bool) -> String {
    // As a number, so `-0` is written `0`.
    let v = i128::from(value);
    (if negative { -v } else { v }).to_string()
}

/// protoc's CEscape, used for bytes defaults.
pub fn c_escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\'' => s.push_str("\\'"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\{c:03o}")),
        }
    }
    s
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`: shortest round-trip digits,
/// exponent form when the decimal exponent is below -4 or at least 6.
pub fn go_format_g(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    go_g_from_sci(v < 0.0, &format!("{:e}", v.abs()))
}

/// Go's shortest `%g` layout of a finite, non-negative magnitude given as
/// Rust's shortest `{:e}` (`1.5e6`), with `negative` for the sign. Callers
/// pass the digits of the width they format (f32 or f64).
pub fn go_g_from_sci(negative: bool, sci: &str) -> String {
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = if negative { "-" } else { "" };
    // Go's shortest 'g' switches to %e when exp < -4 || exp >= 6.
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{neg}{first}{frac}e{sign}{:02}", exp.abs());
    }
    let dp = exp + 1;
    let nd = digits.len() as i32;
    let s = if dp <= 0 {
        format!("0.{}{}", "0".repeat((-dp) as usize), digits)
    } else if dp >= nd {
        format!("{}{}", digits, "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    format!("{neg}{s}")
}

/// A field type's keyword as written in a .proto file (and as protoreflect
/// names the kind).
pub fn type_keyword(ty: PType) -> &'static str {
    match ty {
        PType::Double => "double",
        PType::Float => "float",
        PType::Int64 => "int64",
        PType::Uint64 => "uint64",
        PType::Int32 => "int32",
        PType::Fixed64 => "fixed64",
        PType::Fixed32 => "fixed32",
        PType::Bool => "bool",
        PType::String => "string",
        PType::Group => "group",
        PType::Message => "message",
        PType::Bytes => "bytes",
        PType::Uint32 => "uint32",
        PType::Enum => "enum",
        PType::Sfixed32 => "sfixed32",
        PType::Sfixed64 => "sfixed64",
        PType::Sint32 => "sint32",
        PType::Sint64 => "sint64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_defaults_render_like_buf() {
        // Values observed from buf 1.75.0 on our fixtures.
        assert_eq!(go_format_g(0.1f32 as f64), "0.10000000149011612");
        assert_eq!(go_format_g(1e-6f32 as f64), "9.999999974752427e-07");
        assert_eq!(go_format_g(-0.0), "-0");
        assert_eq!(go_format_g(1.5), "1.5");
        assert_eq!(go_format_g(100.0), "100");
        assert_eq!(go_format_g(1e10), "1e+10");
    }

    #[test]
    fn bytes_defaults_are_c_escaped() {
        assert_eq!(c_escape(b"a\n\x01\"\xff"), "a\\n\\001\\\"\\377");
    }
}
