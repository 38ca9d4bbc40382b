//! `example` values of Duration and Timestamp rules: how protovalidate-go
//! compares them, how it prints the rule values in its messages (seconds as
//! Go prints a float, RFC 3339 times), and which rule values stop it from
//! judging any example of the field.

use std::time::SystemTime;

use prost_reflect::{DynamicMessage, ReflectMessage, Value};

use super::examples::{RangeBound, range_violation};
use super::field::{duration_in_range, get_bool, get_list, seconds_nanos, set_value};

const NANOS_PER_SECOND: i128 = 1_000_000_000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the Timestamp range.
const MIN_TIMESTAMP_SECONDS: i128 = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS: i128 = 253_402_300_799;

/// How buf prints a Duration or Timestamp example: Go's `%v` of the
/// message's reflection state, `&{{} [] [] 0x…}`, whose last word is the
/// address of the type's `MessageInfo` in buf's process (a new one each
/// run). No address of ours could match it, so the shape is kept and a
/// fixed, made-up address per type takes its place: the output stays the
/// same from run to run.
pub(super) fn go_pointer(m: &DynamicMessage) -> String {
    let address = if m.descriptor().full_name() == "google.protobuf.Timestamp" {
        "0xc000014680"
    } else {
        "0xc000014080"
    };
    format!("&{{{{}} [] [] {address}}}")
}

/// Whether protovalidate-go cannot evaluate the field's Duration or
/// Timestamp rules: a rule value outside the range it converts (buf's own
/// limit for durations, years 1 to 9999 for timestamps, nanos carried
/// into seconds) makes every example of the field go unjudged, the
/// field's CEL rules included. `within` is not among them: it saturates.
pub(super) fn unusable_rules(rules: &DynamicMessage) -> bool {
    let duration = match rules.descriptor().name() {
        "DurationRules" => true,
        "TimestampRules" => false,
        _ => return false,
    };
    let usable = |v: &Value| {
        let (secs, nanos) = seconds_nanos(v);
        if duration {
            duration_in_range(secs, nanos)
        } else {
            let secs = timestamp_nanos(secs, nanos).div_euclid(NANOS_PER_SECOND);
            (MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&secs)
        }
    };
    let single = ["const", "lt", "lte", "gt", "gte"]
        .iter()
        .filter_map(|name| set_value(rules, name).map(std::borrow::Cow::into_owned));
    let lists = ["in", "not_in"]
        .iter()
        .flat_map(|name| get_list(rules, name));
    !single.chain(lists).all(|v| usable(&v))
}

/// The Duration or Timestamp rules of `rules` that `example` breaks, as
/// (rule ID, protovalidate's text).
pub(super) fn violations(
    rules: &DynamicMessage,
    example: &Value,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    match rules.descriptor().name() {
        "DurationRules" => duration_violations(rules, example, out, id),
        "TimestampRules" => timestamp_violations(rules, example, out, id),
        _ => {}
    }
}

fn duration_violations(
    rules: &DynamicMessage,
    example: &Value,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    let x = duration_nanos(example);
    let rule = |name: &str| set_value(rules, name).map(|v| duration_nanos(&v));
    if let Some(c) = rule("const")
        && x != c
    {
        out.push((id("const"), format!("must equal {}", duration_text(c))));
    }
    let bound = |name: &'static str| rule(name).map(|d| RangeBound::new(name, d, duration_text(d)));
    let lower = bound("gt").or_else(|| bound("gte"));
    let upper = bound("lt").or_else(|| bound("lte"));
    out.extend(range_violation(x, false, lower, upper, id));
    let list =
        |name: &str| -> Vec<i64> { get_list(rules, name).iter().map(duration_nanos).collect() };
    let show = |l: &[i64]| {
        let items: Vec<String> = l.iter().map(|d| duration_text(*d)).collect();
        format!("[{}]", items.join(", "))
    };
    let ins = list("in");
    if !ins.is_empty() && !ins.contains(&x) {
        out.push((id("in"), format!("must be in list {}", show(&ins))));
    }
    let not_ins = list("not_in");
    if not_ins.contains(&x) {
        out.push((
            id("not_in"),
            format!("must not be in list {}", show(&not_ins)),
        ));
    }
}

fn timestamp_violations(
    rules: &DynamicMessage,
    example: &Value,
    out: &mut Vec<(String, String)>,
    id: &dyn Fn(&str) -> String,
) {
    let nanos_of = |v: &Value| {
        let (secs, nanos) = seconds_nanos(v);
        timestamp_nanos(secs, nanos)
    };
    let x = nanos_of(example);
    let rule = |name: &str| set_value(rules, name).map(|v| nanos_of(&v));
    if let Some(c) = rule("const")
        && x != c
    {
        out.push((id("const"), format!("must equal {}", timestamp_text(c))));
    }
    let bound =
        |name: &'static str| rule(name).map(|t| RangeBound::new(name, t, timestamp_text(t)));
    let lower = bound("gt").or_else(|| bound("gte"));
    let upper = bound("lt").or_else(|| bound("lte"));
    out.extend(range_violation(x, false, lower, upper, id));
    // The rules against the time of validation: the clock now, as buf reads it.
    let now = now_nanos();
    if get_bool(rules, "lt_now") && x > now {
        out.push((id("lt_now"), "must be less than now".into()));
    }
    if get_bool(rules, "gt_now") && x < now {
        out.push((id("gt_now"), "must be greater than now".into()));
    }
    if let Some(within) = set_value(rules, "within") {
        let w = duration_nanos(&within);
        let w128 = i128::from(w);
        if x < now - w128 || x > now + w128 {
            out.push((
                id("within"),
                format!("must be within {} of now", duration_text(w)),
            ));
        }
    }
}

/// A Duration as protobuf-go's `AsDuration` reads it: nanoseconds,
/// saturating at the ends of an int64.
pub(super) fn duration_nanos(v: &Value) -> i64 {
    let (secs, nanos) = seconds_nanos(v);
    let total = i128::from(secs) * NANOS_PER_SECOND + i128::from(nanos);
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}

/// A Timestamp as nanoseconds since the epoch, nanos out of range carried
/// into seconds as Go's `time.Unix` does.
fn timestamp_nanos(secs: i64, nanos: i32) -> i128 {
    i128::from(secs) * NANOS_PER_SECOND + i128::from(nanos)
}

/// A Timestamp's seconds and nanos with the nanos brought into 0..1e9
/// (seconds saturate, far outside any time protovalidate accepts).
pub(super) fn timestamp_parts(v: &Value) -> (i64, i32) {
    let (secs, nanos) = seconds_nanos(v);
    let total = timestamp_nanos(secs, nanos);
    let secs = total.div_euclid(NANOS_PER_SECOND);
    let secs = i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX });
    let nanos = i32::try_from(total.rem_euclid(NANOS_PER_SECOND)).unwrap_or(0);
    (secs, nanos)
}

fn now_nanos() -> i128 {
    match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// A duration as CEL prints it: Go's `Duration.Seconds()` (a float) in
/// shortest plain decimal, then `s` (`5.000000001s`, `0s`, `-1.5s`).
fn duration_text(nanos: i64) -> String {
    let (secs, rest) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    // Go's shortest `'f'` form and Rust's `Display` of an f64 agree.
    let seconds = secs as f64 + rest as f64 / 1e9;
    format!("{seconds}s")
}

/// A time as Go's `time.RFC3339Nano` prints it in UTC (trailing zeros of
/// the fraction dropped): `1970-01-01T00:00:05.5Z`.
fn timestamp_text(nanos: i128) -> String {
    crate::report::rfc3339_nano_at(nanos)
}

#[cfg(test)]
mod tests {
    use super::{duration_text, timestamp_text};

    #[test]
    fn durations_print_as_cel_go_prints_them() {
        for (nanos, want) in [
            (0, "0s"),
            (5_000_000_001, "5.000000001s"),
            (-1, "-0.000000001s"),
            (-5_500_000_000, "-5.5s"),
            (1_234_567_890_123_456_789, "1234567890.1234567s"),
            (3_600_000_000_010, "3600.00000001s"),
            (i64::MAX, "9223372036.854776s"),
        ] {
            assert_eq!(duration_text(nanos), want);
        }
    }

    #[test]
    fn timestamps_print_as_rfc3339_nano() {
        let at = |s: i128, n: i128| timestamp_text(s * 1_000_000_000 + n);
        assert_eq!(at(5, 500_000_000), "1970-01-01T00:00:05.5Z");
        assert_eq!(at(-62_135_596_800, 0), "0001-01-01T00:00:00Z");
        assert_eq!(
            at(253_402_300_799, 999_999_999),
            "9999-12-31T23:59:59.999999999Z"
        );
        assert_eq!(at(-1, 1_000), "1969-12-31T23:59:59.000001Z");
        assert_eq!(at(1_700_000_000, 25), "2023-11-14T22:13:20.000000025Z");
    }
}
