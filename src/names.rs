//! Checks for the names and values that Kubernetes validates: DNS labels
//! and subdomains, label values, port names, env var names, quantities,
//! durations and image references. Each returns the reason a value is
//! invalid, worded to end a sentence that names the value.

/// RFC 1123 label: lowercase alphanumerics and `-`, starting and ending
/// with an alphanumeric, at most 63 characters.
pub fn check_dns_label(value: &str) -> Result<(), String> {
    check_label_shape(value, 63, false)
}

/// RFC 1035 label, as Service names need: an RFC 1123 label that starts
/// with a letter.
pub fn check_dns1035_label(value: &str) -> Result<(), String> {
    check_label_shape(value, 63, true)
}

fn check_label_shape(value: &str, max: usize, letter_first: bool) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > max {
        return Err(format!(
            "is {} characters long, more than the maximum of {max}",
            value.len()
        ));
    }
    let valid_chars = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let first = value.as_bytes()[0];
    let last = value.as_bytes()[value.len() - 1];
    if !valid_chars || first == b'-' || last == b'-' {
        return Err("must consist of lowercase letters, digits and `-`, \
             and start and end with a letter or digit"
            .into());
    }
    if letter_first && !first.is_ascii_lowercase() {
        return Err("must start with a lowercase letter".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: dot-separated RFC 1123 labels, at most 253
/// characters. Most object names must be one.
pub fn check_dns_subdomain(value: &str) -> Result<(), String> {
    if value.len() > 253 {
        return Err(format!(
            "is {} characters long, more than the maximum of 253",
            value.len()
        ));
    }
    if value
        .split('.')
        .any(|part| check_label_shape(part, 253, false).is_err())
    {
        return Err("must consist of lowercase letters, digits, `-` and `.`, \
             and start and end with a letter or digit"
            .into());
    }
    Ok(())
}

/// Checks a label value: empty, or at most 63 characters of alphanumerics, `-`,
/// `_` and `.`, starting and ending with an alphanumeric.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err(format!(
            "is {} characters long, more than the maximum of 63 for a label value",
            value.len()
        ));
    }
    let bytes = value.as_bytes();
    let valid = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let edges = bytes.is_empty()
        || (bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1].is_ascii_alphanumeric());
    if !valid || !edges {
        return Err("must consist of letters, digits, `-`, `_` and `.`, \
             and start and end with a letter or digit"
            .into());
    }
    Ok(())
}

/// Checks an IANA service name, as container and Service port names need: at
/// most 15 lowercase alphanumerics and `-`, with at least one letter and no
/// `-` at either end or twice in a row.
pub fn check_port_name(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 15 {
        return Err(format!(
            "is {} characters long, but a port name has 1 to 15",
            value.len()
        ));
    }
    let valid = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid || value.starts_with('-') || value.ends_with('-') || value.contains("--") {
        return Err("must consist of lowercase letters, digits and single `-` \
             between them"
            .into());
    }
    if !value.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err("must contain at least one letter".into());
    }
    Ok(())
}

/// Checks an env var name as shells and most programs accept it: a C
/// identifier.
pub fn check_env_name(value: &str) -> Result<(), String> {
    let mut bytes = value.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !first_ok || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("must consist of letters, digits and `_`, \
             and not start with a digit"
            .into());
    }
    Ok(())
}

/// Parses a Kubernetes resource quantity (`500m`, `1.5Gi`, `2e3`) into its
/// value in base units.
pub fn parse_quantity(value: &str) -> Result<f64, String> {
    const SUFFIXES: [(&str, f64); 14] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    let invalid = || {
        "is not a valid quantity: write a number with an optional suffix \
         such as `500m`, `256Mi` or `10Gi`"
            .to_string()
    };
    let (number, multiplier) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| value.strip_suffix(suffix).map(|n| (n, *factor)))
        .or_else(|| value.strip_suffix('E').map(|n| (n, 1e18)))
        .unwrap_or((value, 1.0));
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) if multiplier == 1.0 => {
            let e: i32 = e.parse().map_err(|_| invalid())?;
            (m, e)
        }
        Some(_) => return Err(invalid()),
        None => (number, 0),
    };
    let digits = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && digits != ".";
    if !well_formed {
        return Err(invalid());
    }
    let parsed: f64 = mantissa.parse().map_err(|_| invalid())?;
    if parsed < 0.0 {
        return Err("must not be negative".into());
    }
    Ok(parsed * 10f64.powi(exponent) * multiplier)
}

/// Checks a Go duration as External Secrets reads `refreshInterval`: `1h`,
/// `15m`, `1h30m`, `0` (never refresh).
pub fn check_duration(value: &str) -> Result<(), String> {
    if value == "0" {
        return Ok(());
    }
    let invalid = || {
        "is not a valid duration: write a number and a unit (`ns`, `us`, \
         `ms`, `s`, `m`, `h`), for example `1h` or `1h30m`"
            .to_string()
    };
    let mut rest = value;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return Err(invalid());
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|unit| rest.starts_with(unit))
            .max_by_key(|unit| unit.len())
            .ok_or_else(invalid)?;
        rest = &rest[unit.len()..];
    }
    Ok(())
}

/// Checks that an image reference is pinned to a tag other than `latest`
/// or to a digest.
pub fn check_pinned_image(image: &str) -> Result<(), String> {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("is not a valid image reference".into());
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!(
                "has digest `{digest}`, but a digest is `sha256:` and 64 lowercase hex digits"
            ));
        }
    }
    let last_segment = name.rsplit('/').next().unwrap_or(name);
    let tag = last_segment.split_once(':').map(|(_, tag)| tag);
    let repository = name
        .strip_suffix(&format!(":{}", tag.unwrap_or("")))
        .unwrap_or(name);
    let repository_ok = !repository.is_empty()
        && repository.split('/').all(|part| !part.is_empty())
        && !repository
            .rsplit('/')
            .next()
            .unwrap_or("")
            .bytes()
            .any(|b| b.is_ascii_uppercase());
    if !repository_ok {
        return Err("is not a valid image reference: the repository must be lowercase".into());
    }
    match tag {
        Some(tag) => {
            let valid = tag.len() <= 128
                && tag
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !valid {
                return Err(format!("has an invalid tag `{tag}`"));
            }
            if tag == "latest" && digest.is_none() {
                return Err(
                    "is not pinned: `latest` moves, so give a version tag or a digest".into(),
                );
            }
            Ok(())
        }
        None if digest.is_some() => Ok(()),
        None => {
            Err("is not pinned: add a version tag (`:1.2.3`) or a digest (`@sha256:...`)".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_label_limits() {
        assert!(check_dns_label("acme-1").is_ok());
        assert!(check_dns_label(&"a".repeat(63)).is_ok());
        assert!(check_dns_label(&"a".repeat(64)).is_err());
        for bad in ["", "-a", "a-", "A", "a_b", "a.b"] {
            assert!(check_dns_label(bad).is_err(), "{bad}");
        }
        assert!(check_dns1035_label("1a").is_err());
        assert!(check_dns_label("1a").is_ok());
    }

    #[test]
    fn dns_subdomain_allows_dots() {
        assert!(check_dns_subdomain("a.b-c.d").is_ok());
        assert!(check_dns_subdomain("a..b").is_err());
        assert!(check_dns_subdomain(&"a".repeat(254)).is_err());
    }

    #[test]
    fn label_value_rules() {
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("A_b.c-1").is_ok());
        assert!(check_label_value("-a").is_err());
        assert!(check_label_value("a b").is_err());
        assert!(check_label_value(&"a".repeat(64)).is_err());
    }

    #[test]
    fn port_name_rules() {
        assert!(check_port_name("socks5").is_ok());
        assert!(check_port_name("a-very-long-port").is_err());
        assert!(check_port_name("123").is_err());
        assert!(check_port_name("a--b").is_err());
        assert!(check_port_name("Http").is_err());
    }

    #[test]
    fn quantities_parse_with_suffixes() {
        assert_eq!(parse_quantity("500m"), Ok(0.5));
        assert_eq!(parse_quantity("1Gi"), Ok(1_073_741_824.0));
        assert_eq!(parse_quantity("2e3"), Ok(2000.0));
        assert_eq!(parse_quantity("1.5"), Ok(1.5));
        for bad in ["", "10 GB", "Gi", "1.2.3", "abc", "1Gb", "-1"] {
            assert!(parse_quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_follow_go_syntax() {
        for good in ["0", "1h", "15m", "1h30m", "0.5s", "300ms"] {
            assert!(check_duration(good).is_ok(), "{good}");
        }
        for bad in ["", "1", "h", "1d", "1 h", "-1h"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images_must_be_pinned() {
        for good in [
            "ghcr.io/example/agent:1.8.0",
            "tailscale/tailscale:v1.78.1",
            "localhost:5000/agent:2",
            "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(check_pinned_image(good).is_ok(), "{good}");
        }
        for bad in [
            "ghcr.io/example/agent",
            "ghcr.io/example/agent:latest",
            "localhost:5000/agent",
            "agent@sha256:abc",
            "Agent:1.0",
            "agent:1.0 ",
        ] {
            assert!(check_pinned_image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names_are_identifiers() {
        assert!(check_env_name("GITHUB_TOKEN").is_ok());
        assert!(check_env_name("_x1").is_ok());
        assert!(check_env_name("1X").is_err());
        assert!(check_env_name("A-B").is_err());
        assert!(check_env_name("").is_err());
    }
}
