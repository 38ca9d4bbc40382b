//! The string formats protovalidate knows (`email`, `hostname`, `uri`,
//! `ip_prefix`, ...), as its own functions (`isEmail`, `isUri`, ...) judge
//! them. Used for example values and for CEL that calls those functions.

use std::net::IpAddr;

/// One `StringRules` format: its rule name, what a valid value is called,
/// what an empty value is not (`None` where empty is allowed), and the test.
pub(super) struct Format {
    pub name: &'static str,
    pub what: &'static str,
    pub empty: Option<&'static str>,
    pub check: fn(&str) -> bool,
}

const fn format(
    name: &'static str,
    what: &'static str,
    empty: Option<&'static str>,
    check: fn(&str) -> bool,
) -> Format {
    Format {
        name,
        what,
        empty,
        check,
    }
}

pub(super) const STRING_FORMATS: &[Format] = &[
    format("email", "email address", Some("email address"), is_email),
    format("hostname", "hostname", Some("hostname"), is_hostname),
    format("ip", "IP address", Some("IP address"), |s| is_ip(s, 0)),
    format("ipv4", "IPv4 address", Some("IPv4 address"), |s| {
        is_ip(s, 4)
    }),
    format("ipv6", "IPv6 address", Some("IPv6 address"), |s| {
        is_ip(s, 6)
    }),
    format("uri", "URI", Some("URI"), is_uri),
    format("uri_ref", "URI Reference", None, is_uri_ref),
    format(
        "address",
        "hostname, or ip address",
        Some("hostname, or ip address"),
        |s| is_hostname(s) || is_ip(s, 0),
    ),
    format("uuid", "UUID", Some("UUID"), |s| {
        pattern_matches(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            s,
        )
    }),
    format("tuuid", "trimmed UUID", Some("trimmed UUID"), |s| {
        pattern_matches("^[0-9a-fA-F]{32}$", s)
    }),
    format("ip_with_prefixlen", "IP prefix", Some("IP prefix"), |s| {
        is_ip_prefix(s, 0, false)
    }),
    format(
        "ipv4_with_prefixlen",
        "IPv4 address with prefix length",
        Some("IPv4 address with prefix length"),
        |s| is_ip_prefix(s, 4, false),
    ),
    format(
        "ipv6_with_prefixlen",
        "IPv6 address with prefix length",
        Some("IPv6 address with prefix length"),
        |s| is_ip_prefix(s, 6, false),
    ),
    format("ip_prefix", "IP prefix", Some("IP prefix"), |s| {
        is_ip_prefix(s, 0, true)
    }),
    format("ipv4_prefix", "IPv4 prefix", Some("IPv4 prefix"), |s| {
        is_ip_prefix(s, 4, true)
    }),
    format("ipv6_prefix", "IPv6 prefix", Some("IPv6 prefix"), |s| {
        is_ip_prefix(s, 6, true)
    }),
    format(
        "host_and_port",
        "host (hostname or IP address) and port pair",
        Some("host and port pair"),
        |s| is_host_and_port(s, true),
    ),
    format("ulid", "ULID", Some("ULID"), |s| {
        pattern_matches("^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$", s)
    }),
    format(
        "protobuf_fqn",
        "fully-qualified Protobuf name",
        Some("fully-qualified Protobuf name"),
        |s| pattern_matches(r"^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$", s),
    ),
    format(
        "protobuf_dot_fqn",
        "fully-qualified Protobuf name with a leading dot",
        Some("fully-qualified Protobuf name with a leading dot"),
        |s| pattern_matches(r"^\.[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$", s),
    ),
];

/// Whether `s` matches `pattern` (the formats' own patterns always parse;
/// examples are few, so each is compiled where it is used).
fn pattern_matches(pattern: &str, s: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(s))
}

/// The WHATWG "valid e-mail address" grammar, as protovalidate checks it.
pub(super) fn is_email(s: &str) -> bool {
    const EMAIL: &str = r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$";
    pattern_matches(EMAIL, s)
}

/// protovalidate's hostname: at most 253 characters, an optional trailing
/// dot, labels of 1 to 63 letters, digits and inner hyphens, and a last
/// label that is not all digits.
pub(super) fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()))
}

/// An IPv4 or IPv6 address; IPv6 may carry a non-empty `%zone`.
pub(super) fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(v4) = s.parse::<std::net::Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    let addr = match s.split_once('%') {
        Some((a, zone)) if !zone.is_empty() => a,
        Some(_) => return None,
        None => s,
    };
    addr.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

/// `isIp(version)`: 0 for either family, else 4 or 6.
pub(super) fn is_ip(s: &str, version: i64) -> bool {
    match (parse_ip(s), version) {
        (Some(_), 0) => true,
        (Some(ip), 4) => ip.is_ipv4(),
        (Some(ip), 6) => ip.is_ipv6(),
        _ => false,
    }
}

/// A decimal without a leading zero (unless it is `0`), at most `max`.
fn decimal_at_most(s: &str, max: u32) -> Option<u32> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.len() <= 5;
    ok.then(|| s.parse::<u32>().ok())
        .flatten()
        .filter(|n| *n <= max)
}

/// `isIpPrefix(version, strict)`: `address/length`; strict also wants the
/// bits past the length to be zero.
pub(super) fn is_ip_prefix(s: &str, version: i64, strict: bool) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    if addr.contains('%') {
        return false;
    }
    let (bits, max): (u128, u32) = match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) if version != 6 => (u128::from(u32::from(a)) << 96, 32),
        Ok(IpAddr::V6(a)) if version != 4 => (u128::from(a), 128),
        _ => return false,
    };
    let Some(len) = decimal_at_most(len, max) else {
        return false;
    };
    if !strict {
        return true;
    }
    let kept = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    bits & !kept == 0
}

/// `isHostAndPort(port_required)`: a hostname, an IPv4 address or a
/// bracketed IPv6 address, then `:port` (0 to 65535).
pub(super) fn is_host_and_port(s: &str, port_required: bool) -> bool {
    let (host_ok, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return false,
            },
        };
        (is_ip(inner, 6), port)
    } else {
        match s.rsplit_once(':') {
            Some((host, port)) => (is_hostname(host) || is_ip(host, 4), Some(port)),
            None => (is_hostname(s) || is_ip(s, 4), None),
        }
    };
    host_ok
        && match port {
            Some(p) => decimal_at_most(p, 65535).is_some(),
            None => !port_required,
        }
}

// RFC 3986: URI and URI-reference.

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Every byte is allowed by `ok` or starts a `%XX` escape.
fn chars_ok(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
        } else if ok(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn pchar(b: u8) -> bool {
    unreserved(b) || sub_delim(b) || matches!(b, b':' | b'@')
}

fn is_path(s: &str) -> bool {
    chars_ok(s, |b| pchar(b) || b == b'/')
}

fn is_query(s: &str) -> bool {
    chars_ok(s, |b| pchar(b) || b == b'/' || b == b'?')
}

fn is_authority(s: &str) -> bool {
    let (userinfo, hostport) = match s.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, s),
    };
    if userinfo.is_some_and(|u| !chars_ok(u, |b| unreserved(b) || sub_delim(b) || b == b':')) {
        return false;
    }
    let (host_ok, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => "",
            p => match p.strip_prefix(':') {
                Some(p) => p,
                None => return false,
            },
        };
        (is_ip_literal(literal), port)
    } else {
        let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, ""));
        (chars_ok(host, |b| unreserved(b) || sub_delim(b)), port)
    };
    host_ok && port.bytes().all(|b| b.is_ascii_digit())
}

/// IPv6 (with an RFC 6874 `%25zone`) or IPvFuture inside brackets.
fn is_ip_literal(s: &str) -> bool {
    if let Some(future) = s.strip_prefix(['v', 'V']) {
        let Some((version, rest)) = future.split_once('.') else {
            return false;
        };
        return !version.is_empty()
            && version.bytes().all(|b| b.is_ascii_hexdigit())
            && !rest.is_empty()
            && rest
                .bytes()
                .all(|b| unreserved(b) || sub_delim(b) || b == b':');
    }
    let (addr, zone) = match s.split_once("%25") {
        Some((a, z)) => (a, Some(z)),
        None => (s, None),
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok()
        && zone.is_none_or(|z| !z.is_empty() && chars_ok(z, unreserved))
}

/// The part after the scheme (or a relative reference's start): an
/// optional `//authority`, a path, `?query`, `#fragment`.
fn is_hier_part(s: &str, relative: bool, hash_in_fragment: bool) -> bool {
    let (rest, fragment) = match s.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (s, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let fragment_ok = |f: &str| {
        chars_ok(f, |b| {
            pchar(b) || matches!(b, b'/' | b'?') || (hash_in_fragment && b == b'#')
        })
    };
    if fragment.is_some_and(|f| !fragment_ok(f)) || query.is_some_and(|q| !is_query(q)) {
        return false;
    }
    if let Some(after) = rest.strip_prefix("//") {
        let (authority, path) = match after.find('/') {
            Some(i) => after.split_at(i),
            None => (after, ""),
        };
        return is_authority(authority) && is_path(path);
    }
    // A relative path's first segment may not hold a colon (it would read
    // as a scheme).
    if relative
        && !rest.starts_with('/')
        && rest.split('/').next().is_some_and(|seg| seg.contains(':'))
    {
        return false;
    }
    is_path(rest)
}

/// The part after a valid `scheme:`, if `s` starts with one.
fn after_scheme(s: &str) -> Option<&str> {
    let (scheme, rest) = s.split_once(':')?;
    let mut bytes = scheme.bytes();
    (bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(rest)
}

/// `isUri`: `scheme:` and the rest.
pub(super) fn is_uri(s: &str) -> bool {
    after_scheme(s).is_some_and(|rest| is_hier_part(rest, false, false))
}

/// `isUriRef`: a URI or a relative reference. protovalidate lets the
/// fragment of a reference with a scheme hold further `#`s, which `isUri`
/// does not; relative references may not.
pub(super) fn is_uri_ref(s: &str) -> bool {
    match after_scheme(s) {
        Some(rest) => is_hier_part(rest, false, true),
        None => is_hier_part(s, true, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_follow_protovalidate() {
        for ok in ["localhost", "a.", "a.1b", "xn--bcher-kva.example"] {
            assert!(is_hostname(ok), "{ok}");
        }
        for bad in ["a-.com", "1.2.3.4", "a..b", "a_b.com", "a.123", "."] {
            assert!(!is_hostname(bad), "{bad}");
        }
    }

    #[test]
    fn emails_follow_the_whatwg_grammar() {
        assert!(is_email("a@b") && is_email("a..b@c.com") && is_email("a@1.2"));
        assert!(!is_email("a@-b.com") && !is_email("a b@c.com") && !is_email("a@b."));
    }

    #[test]
    fn uris_follow_rfc_3986() {
        for ok in [
            "https://example.com",
            "mailto:a@b.c",
            "a:",
            "http://[fe80::1%25eth0]/",
            "http://[v1.x]/",
        ] {
            assert!(is_uri(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "ftp://x/é",
            "https://a.com#f#x",
            "1a:b",
            "http://a.com/?q=[x]",
            "http://a.com/%zz",
        ] {
            assert!(!is_uri(bad), "{bad}");
        }
        assert!(is_uri_ref("//a.com/x") && is_uri_ref("") && is_uri_ref("?q"));
        assert!(!is_uri_ref("1a:b") && !is_uri_ref("a b"));
    }

    #[test]
    fn prefixes_and_host_port_pairs() {
        assert!(is_ip_prefix("1.2.3.4/24", 0, false) && !is_ip_prefix("1.2.3.4/24", 0, true));
        assert!(is_ip_prefix("fe80::/10", 6, true) && !is_ip_prefix("1.2.3.0/024", 4, false));
        assert!(is_host_and_port("[::1]:80", true) && is_host_and_port("a.com:0", true));
        assert!(!is_host_and_port("a.com:080", true) && !is_host_and_port("::1:80", true));
    }

    #[test]
    fn ipv6_zones_must_be_named() {
        assert!(parse_ip("fe80::1%eth0").is_some());
        assert!(parse_ip("fe80::1%").is_none());
        assert!(parse_ip("1.2.3.4").is_some_and(|ip| ip.is_ipv4()));
    }
}
