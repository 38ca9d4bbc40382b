//! `example` values must pass the rules of their own field.
//!
//! buf runs protovalidate on each example; here the standard rules of
//! scalar types are evaluated directly (bounds, lengths, patterns, lists,
//! the well-known string formats of [`formats`]), with protovalidate's rule
//! IDs and texts, and the field's own CEL rules and predefined rules run on
//! cel-core's evaluator. Duration and Timestamp examples are judged in
//! [`times`].

use prost_reflect::{DynamicMessage, Kind, ReflectMessage, Value};

use super::field::{
    Adder, Target, get_bool, get_bytes, get_list, get_str, get_u64, set_value, str_list,
};
use super::formats;
use super::times;
use crate::lint::Sink;

pub(super) fn check(
    sink: &mut Sink,
    adder: &Adder,
    field_rules: &DynamicMessage,
    type_rules: &DynamicMessage,
    type_field: u32,
    _parent_map: Option<&Target>,
    target: &Target,
) {
    let Some(example_field) = type_rules.descriptor().get_field_by_name("example") else {
        return;
    };
    let examples: Vec<Value> = match type_rules.get_field(&example_field).as_ref() {
        Value::List(l) if !l.is_empty() => l.clone(),
        _ => return,
    };
    let Some(prefix) = rule_prefix(type_field) else {
        return;
    };
    // protovalidate compiles all of a field's rules before it validates;
    // when one does not compile (reported on its own), no example is judged.
    let bad_pattern = set_value(type_rules, "pattern")
        .and_then(|p| p.as_str().map(|p| regex::Regex::new(p).is_err()))
        .unwrap_or(false);
    if bad_pattern
        || times::unusable_rules(type_rules)
        || !super::cel::all_compile(adder.cx.schema.pool, field_rules, target)
    {
        return;
    }
    for (i, example) in examples.iter().enumerate() {
        let pool = adder.cx.schema.pool;
        let Some(predefined) =
            super::cel::predefined_example_violations(pool, type_rules, target, example)
        else {
            return;
        };
        let mut found = violations(prefix, type_rules, example, target);
        found.extend(predefined);
        found.extend(super::cel::example_violations(
            adder.cx.schema.pool,
            field_rules,
            target,
            example,
        ));
        for (rule, text) in found {
            adder.at(
                sink,
                &[type_field as i32, example_field.number() as i32, i as i32],
                format!(
                    "\"{}\" is an example value but does not satisfy rule \"{rule}\": {text}",
                    go_value(example)
                ),
            );
        }
    }
}

/// The rule-ID prefix of a `FieldRules.type` member.
fn rule_prefix(type_field: u32) -> Option<&'static str> {
    Some(match type_field {
        1 => "float",
        2 => "double",
        3 => "int32",
        4 => "int64",
        5 => "uint32",
        6 => "uint64",
        7 => "sint32",
        8 => "sint64",
        9 => "fixed32",
        10 => "fixed64",
        11 => "sfixed32",
        12 => "sfixed64",
        13 => "bool",
        14 => "string",
        15 => "bytes",
        16 => "enum",
        21 => "duration",
        22 => "timestamp",
        _ => return None,
    })
}

/// Go's `%v` of a scalar.
fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::I32(x) | Value::EnumNumber(x) => x.to_string(),
        Value::I64(x) => x.to_string(),
        Value::U32(x) => x.to_string(),
        Value::U64(x) => x.to_string(),
        Value::F32(x) => go_float(f64::from(*x), &format!("{x:e}")),
        Value::F64(x) => go_float(*x, &format!("{x:e}")),
        Value::Bytes(b) => format!(
            "[{}]",
            b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
        ),
        Value::Message(m) => times::go_pointer(m),
        _ => String::new(),
    }
}

/// Go's shortest `%v` of a float: plain digits unless the exponent is
/// below -4 or at least 6 (`e+NN`, two exponent digits at least).
/// `sci` is Rust's shortest `{:e}` form of the same value (f32 or f64).
fn go_float(x: f64, sci: &str) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let magnitude = sci.strip_prefix('-');
    crate::compiler::defaults::go_g_from_sci(magnitude.is_some(), magnitude.unwrap_or(sci))
}

/// The rules of `rules` that `value` breaks: (rule ID, protovalidate's text).
fn violations(
    prefix: &str,
    rules: &DynamicMessage,
    value: &Value,
    target: &Target,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let id = |s: &str| format!("{prefix}.{s}");
    match value {
        Value::String(s) => string_violations(rules, s, &mut out, &id),
        Value::Bytes(b) => bytes_violations(rules, b, &mut out, &id),
        Value::Message(_) => times::violations(rules, value, &mut out, &id),
        Value::Bool(b) => {
            if let Some(c) = set_value(rules, "const").and_then(|v| v.as_bool())
                && c != *b
            {
                out.push((id("const"), format!("must equal {c}")));
            }
        }
        _ => numeric_violations(rules, value, target, &mut out, &id),
    }
    out
}

/// A length rule: its name, the measured length, when it fails (length,
/// rule value), and its text with `{}` for the rule value.
struct LengthRule(&'static str, u64, fn(u64, u64) -> bool, &'static str);

fn string_violations(
    rules: &DynamicMessage,
    s: &str,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    let chars = s.chars().count() as u64;
    let bytes = s.len() as u64;
    if let Some(c) = get_str(rules, "const")
        && c != s
    {
        out.push((id("const"), format!("must equal `{c}`")));
    }
    let checks: [LengthRule; 6] = [
        LengthRule("len", chars, |v, r| v != r, "must be {} characters"),
        LengthRule(
            "min_len",
            chars,
            |v, r| v < r,
            "must be at least {} characters",
        ),
        LengthRule(
            "max_len",
            chars,
            |v, r| v > r,
            "must be at most {} characters",
        ),
        LengthRule("len_bytes", bytes, |v, r| v != r, "must be {} bytes"),
        LengthRule(
            "min_bytes",
            bytes,
            |v, r| v < r,
            "must be at least {} bytes",
        ),
        LengthRule("max_bytes", bytes, |v, r| v > r, "must be at most {} bytes"),
    ];
    for LengthRule(name, actual, fails, text) in checks {
        if let Some(r) = get_u64(rules, name)
            && fails(actual, r)
        {
            out.push((id(name), text.replace("{}", &r.to_string())));
        }
    }
    if let Some(p) = get_str(rules, "pattern")
        && let Ok(re) = regex::Regex::new(&p)
        && !re.is_match(s)
    {
        out.push((id("pattern"), format!("does not match regex pattern `{p}`")));
    }
    if let Some(p) = get_str(rules, "prefix")
        && !s.starts_with(p.as_str())
    {
        out.push((id("prefix"), format!("does not have prefix `{p}`")));
    }
    if let Some(p) = get_str(rules, "suffix")
        && !s.ends_with(p.as_str())
    {
        out.push((id("suffix"), format!("does not have suffix `{p}`")));
    }
    if let Some(p) = get_str(rules, "contains")
        && !s.contains(p.as_str())
    {
        out.push((id("contains"), format!("does not contain substring `{p}`")));
    }
    if let Some(p) = get_str(rules, "not_contains")
        && s.contains(p.as_str())
    {
        out.push((id("not_contains"), format!("contains substring `{p}`")));
    }
    well_known_violations(rules, s, out, id);
    let ins = str_list(rules, "in");
    if !ins.is_empty() && !ins.iter().any(|x| x == s) {
        out.push((id("in"), format!("must be in list [{}]", ins.join(", "))));
    }
    let not_ins = str_list(rules, "not_in");
    if not_ins.iter().any(|x| x == s) {
        out.push((
            id("not_in"),
            format!("must not be in list [{}]", not_ins.join(", ")),
        ));
    }
}

/// The well-known string formats (`email: true`, `uri: true`, ...): the
/// value must have the form, and, except for `uri_ref`, must not be empty
/// (a rule of its own, `<name>_empty`).
fn well_known_violations(
    rules: &DynamicMessage,
    s: &str,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    for format in formats::STRING_FORMATS {
        if !get_bool(rules, format.name) {
            continue;
        }
        if s.is_empty()
            && let Some(what) = format.empty
        {
            out.push((
                id(&format!("{}_empty", format.name)),
                format!("value is empty, which is not a valid {what}"),
            ));
        } else if !(format.check)(s) {
            out.push((id(format.name), format!("must be a valid {}", format.what)));
        }
    }
}

fn bytes_violations(
    rules: &DynamicMessage,
    b: &[u8],
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    let len = b.len() as u64;
    let checks: [LengthRule; 3] = [
        LengthRule("len", len, |v, r| v != r, "must be {} bytes"),
        LengthRule("min_len", len, |v, r| v < r, "must be at least {} bytes"),
        LengthRule("max_len", len, |v, r| v > r, "must be at most {} bytes"),
    ];
    for LengthRule(name, actual, fails, text) in checks {
        if let Some(r) = get_u64(rules, name)
            && fails(actual, r)
        {
            out.push((id(name), text.replace("{}", &r.to_string())));
        }
    }
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    if let Some(c) = get_bytes(rules, "const")
        && c != b
    {
        out.push((id("const"), format!("must be {}", hex(&c))));
    }
    if let Some(p) = get_str(rules, "pattern")
        && let Ok(text) = std::str::from_utf8(b)
        && let Ok(re) = regex::Regex::new(&p)
        && !re.is_match(text)
    {
        out.push((id("pattern"), format!("must match regex pattern `{p}`")));
    }
    if let Some(p) = get_bytes(rules, "prefix")
        && !b.starts_with(&p)
    {
        out.push((id("prefix"), format!("does not have prefix {}", hex(&p))));
    }
    if let Some(p) = get_bytes(rules, "suffix")
        && !b.ends_with(&p)
    {
        out.push((id("suffix"), format!("does not have suffix {}", hex(&p))));
    }
    let list = |name: &str| -> Vec<Vec<u8>> {
        get_list(rules, name)
            .iter()
            .filter_map(|x| x.as_bytes().map(|b| b.to_vec()))
            .collect()
    };
    let show = |l: &[Vec<u8>]| {
        let items: Vec<String> = l
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect();
        format!("[{}]", items.join(", "))
    };
    let ins = list("in");
    if !ins.is_empty() && !ins.iter().any(|x| x == b) {
        out.push((id("in"), format!("must be in list {}", show(&ins))));
    }
    let not_ins = list("not_in");
    if not_ins.iter().any(|x| x == b) {
        out.push((
            id("not_in"),
            format!("must not be in list {}", show(&not_ins)),
        ));
    }
    if let Some(p) = get_bytes(rules, "contains")
        && !p.is_empty()
        && !b.windows(p.len()).any(|w| w == p.as_slice())
    {
        out.push((id("contains"), format!("does not contain {}", hex(&p))));
    }
}

/// A number as a comparable value.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Num {
    I(i128),
    F(f64),
}

impl Num {
    fn of(v: &Value) -> Option<Num> {
        Some(match v {
            Value::I32(x) | Value::EnumNumber(x) => Num::I(i128::from(*x)),
            Value::I64(x) => Num::I(i128::from(*x)),
            Value::U32(x) => Num::I(i128::from(*x)),
            Value::U64(x) => Num::I(i128::from(*x)),
            Value::F32(x) => Num::F(f64::from(*x)),
            Value::F64(x) => Num::F(*x),
            _ => return None,
        })
    }

    fn is_nan(self) -> bool {
        matches!(self, Num::F(x) if x.is_nan())
    }

    /// CEL's `%s` of a rule value: floats widen to double and print in
    /// plain decimal, shortest form.
    fn text(v: &Value) -> String {
        let double = match v {
            Value::F32(x) => f64::from(*x),
            Value::F64(x) => *x,
            other => return go_value(other),
        };
        if double.is_nan() {
            "NaN".into()
        } else if double.is_infinite() {
            if double > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            }
            .into()
        } else {
            format!("{double}")
        }
    }
}

/// A bound of protovalidate's range rules: `gt`, `gte`, `lt` or `lte`, its
/// value, and its text in the rule's message.
pub(super) struct RangeBound<T> {
    name: &'static str,
    value: T,
    text: String,
}

impl<T> RangeBound<T> {
    pub(super) fn new(name: &'static str, value: T, text: String) -> Self {
        RangeBound { name, value, text }
    }

    fn inclusive(&self) -> bool {
        self.name.ends_with('e')
    }

    fn words(&self) -> &'static str {
        match self.name {
            "gt" => "greater than",
            "gte" => "greater than or equal to",
            "lt" => "less than",
            _ => "less than or equal to",
        }
    }
}

/// The range rule `x` breaks, if any: one bound alone, or both as one rule
/// (`gt_lt`, ...; `..._exclusive` when the upper bound is below the lower,
/// so the value must lie outside). `unordered` stands for NaN, which
/// breaks every range.
pub(super) fn range_violation<T: PartialOrd>(
    x: T,
    unordered: bool,
    lower: Option<RangeBound<T>>,
    upper: Option<RangeBound<T>>,
    id: &dyn Fn(&str) -> String,
) -> Option<(String, String)> {
    // Each bound's failing side, written as protovalidate's CEL compares
    // (so a NaN bound fails nothing, as in CEL).
    let below = |b: &RangeBound<T>| {
        if b.inclusive() {
            x < b.value
        } else {
            x <= b.value
        }
    };
    let above = |b: &RangeBound<T>| {
        if b.inclusive() {
            x > b.value
        } else {
            x >= b.value
        }
    };
    match (lower, upper) {
        (Some(lo), Some(hi)) => {
            let both = format!("{}_{}", lo.name, hi.name);
            if hi.value >= lo.value {
                (unordered || above(&hi) || below(&lo)).then(|| {
                    let text = format!(
                        "must be {} {} and {} {}",
                        lo.words(),
                        lo.text,
                        hi.words(),
                        hi.text
                    );
                    (id(&both), text)
                })
            } else if hi.value < lo.value && (unordered || (above(&hi) && below(&lo))) {
                let text = format!(
                    "must be {} {} or {} {}",
                    lo.words(),
                    lo.text,
                    hi.words(),
                    hi.text
                );
                Some((id(&format!("{both}_exclusive")), text))
            } else {
                None
            }
        }
        (Some(b), None) if unordered || below(&b) => {
            Some((id(b.name), format!("must be {} {}", b.words(), b.text)))
        }
        (None, Some(b)) if unordered || above(&b) => {
            Some((id(b.name), format!("must be {} {}", b.words(), b.text)))
        }
        _ => None,
    }
}

fn numeric_violations(
    rules: &DynamicMessage,
    value: &Value,
    target: &Target,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    let Some(x) = Num::of(value) else {
        return;
    };
    let nan = x.is_nan();
    let rule = |name: &str| set_value(rules, name).map(|v| (Num::of(&v), Num::text(&v)));
    if let Some((Some(c), text)) = rule("const")
        && x != c
    {
        out.push((id("const"), format!("must equal {text}")));
    }
    let bound = |name: &'static str| {
        rule(name).and_then(|(value, text)| Some(RangeBound::new(name, value?, text)))
    };
    let lower = bound("gt").or_else(|| bound("gte"));
    let upper = bound("lt").or_else(|| bound("lte"));
    out.extend(range_violation(x, nan, lower, upper, id));
    let show = |l: &[Value]| {
        format!(
            "[{}]",
            l.iter().map(Num::text).collect::<Vec<_>>().join(", ")
        )
    };
    let ins = get_list(rules, "in");
    if !ins.is_empty() && !ins.iter().any(|v| Num::of(v) == Some(x)) {
        out.push((id("in"), format!("must be in list {}", show(&ins))));
    }
    let not_ins = get_list(rules, "not_in");
    if not_ins.iter().any(|v| Num::of(v) == Some(x)) {
        out.push((
            id("not_in"),
            format!("must not be in list {}", show(&not_ins)),
        ));
    }
    if get_bool(rules, "finite")
        && let Num::F(f) = x
        && !f.is_finite()
    {
        out.push((id("finite"), "must be finite".into()));
    }
    if get_bool(rules, "defined_only")
        && let Kind::Enum(e) = &target.kind
        && let Num::I(n) = x
        && !e.values().any(|v| i128::from(v.number()) == n)
    {
        out.push((
            id("defined_only"),
            "value must be one of the defined enum values".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::go_float;

    #[test]
    fn floats_print_as_go_prints_them() {
        for (x, want) in [
            (1.5, "1.5"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.0, "-2"),
        ] {
            assert_eq!(go_float(x, &format!("{x:e}")), want);
        }
    }
}
