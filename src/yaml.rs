//! The one place that writes and reads YAML. serde-saphyr quotes every
//! string that a YAML 1.1 reader (Kubernetes' decoder, PyYAML) would take
//! for a boolean, number, null or date, so strings reach the cluster
//! unchanged.

use serde::Serialize;

/// Serializes `value` as one YAML document without the `---` marker.
///
/// Multi-line strings are written as literal blocks, which read well in a
/// diff. A block line that starts with a tab is valid YAML but rejected by
/// the Go parser that kubectl and kustomize use, so a document with such a
/// line is written again with every string quoted.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, String> {
    let text = serde_saphyr::to_string(value).map_err(|error| error.to_string())?;
    if !has_tab_after_indent(&text) {
        return Ok(text);
    }
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(value, options).map_err(|error| error.to_string())
}

fn has_tab_after_indent(text: &str) -> bool {
    text.lines()
        .any(|line| line.trim_start_matches(' ').starts_with('\t'))
}

/// Parses every document of a YAML stream into JSON values. Empty and
/// null documents are skipped. The error is one line: the message and its
/// location, without a source excerpt.
pub fn from_yaml_documents(text: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|error| error.to_string().replace('\n', " "))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Strings that YAML 1.1 resolves to another type when unquoted.
    const TRAPS: [&str; 30] = [
        "no",
        "No",
        "NO",
        "yes",
        "Yes",
        "on",
        "On",
        "off",
        "OFF",
        "y",
        "Y",
        "n",
        "N",
        "true",
        "false",
        "null",
        "~",
        "",
        "1_000",
        "1:20",
        "2024-01-01",
        "0755",
        "0x1F",
        "0o17",
        "1e3",
        ".inf",
        "-.Inf",
        ".nan",
        "12",
        "3.5",
    ];

    /// YAML 1.1 implicit resolution of a plain scalar to a non-string.
    fn yaml11_non_string(plain: &str) -> bool {
        let lower = plain.to_ascii_lowercase();
        let bools = ["y", "yes", "n", "no", "true", "false", "on", "off"];
        let nulls = ["", "~", "null"];
        let floats = [".inf", "-.inf", "+.inf", ".nan"];
        if bools.contains(&lower.as_str()) || nulls.contains(&lower.as_str()) {
            return true;
        }
        if floats.contains(&lower.as_str()) {
            return true;
        }
        let digits = plain.trim_start_matches(['-', '+']);
        let numeric_shape = !digits.is_empty()
            && digits
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == '.')
            && digits
                .chars()
                .all(|c| c.is_ascii_hexdigit() || "_:.xXoOeE+-".contains(c));
        let date = plain.len() >= 8
            && plain.as_bytes()[4] == b'-'
            && plain[..4].bytes().all(|b| b.is_ascii_digit());
        numeric_shape || date
    }

    #[test]
    fn trap_strings_are_quoted() {
        let mut map = BTreeMap::new();
        for (i, trap) in TRAPS.iter().enumerate() {
            map.insert(format!("k{i:02}"), trap.to_string());
        }
        let text = to_yaml(&map).unwrap();
        for line in text.lines() {
            let (_, value) = line.split_once(": ").expect("one key per line");
            let quoted = value.starts_with('"') || value.starts_with('\'');
            assert!(
                quoted || !yaml11_non_string(value),
                "`{value}` is written plain and reads back as a non-string under YAML 1.1"
            );
        }
        for trap in TRAPS {
            assert!(
                text.contains(&format!("\"{trap}\"")) || text.contains(&format!("'{trap}'")),
                "`{trap}` is not quoted in:\n{text}"
            );
        }
    }

    #[test]
    fn plain_words_stay_plain() {
        let text = to_yaml(&BTreeMap::from([
            ("image", "ghcr.io/a/b:1.0"),
            ("name", "agent-alice"),
        ]))
        .unwrap();
        assert_eq!(text, "image: ghcr.io/a/b:1.0\nname: agent-alice\n");
    }

    #[test]
    fn multi_line_strings_keep_their_text() {
        let prompt = "line one\n  indented: yes\n\nlast line";
        let text = to_yaml(&BTreeMap::from([("prompt", prompt)])).unwrap();
        assert!(text.starts_with("prompt: |"), "{text}");
        let body: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|line| line.get(2..).unwrap_or(""))
            .collect();
        assert_eq!(body.join("\n"), prompt);
    }

    #[test]
    fn documents_read_back_as_json_values() {
        let text = "# header\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme\n\
                    ---\nkind: Service\nspec:\n  ports: [80, \"no\"]\n";
        let documents = from_yaml_documents(text).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0]["metadata"]["name"], "acme");
        assert_eq!(documents[1]["spec"]["ports"][0], 80);
        assert_eq!(documents[1]["spec"]["ports"][1], "no");
    }

    #[test]
    fn written_yaml_reads_back_unchanged() {
        let map: BTreeMap<String, String> = TRAPS
            .iter()
            .enumerate()
            .map(|(i, trap)| (format!("k{i:02}"), trap.to_string()))
            .collect();
        let documents = from_yaml_documents(&to_yaml(&map).unwrap()).unwrap();
        let expected = serde_json::to_value(&map).unwrap();
        assert_eq!(documents, vec![expected]);
    }

    #[test]
    fn invalid_yaml_is_one_line_error() {
        let error = from_yaml_documents("a: [1, 2\nb: c\n").unwrap_err();
        assert!(!error.is_empty());
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn block_lines_never_start_with_a_tab() {
        let value = BTreeMap::from([("value", "\tindented\nsecond line")]);
        let text = to_yaml(&value).unwrap();
        assert!(!has_tab_after_indent(&text), "{text}");
        let back: BTreeMap<String, String> = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back["value"], "\tindented\nsecond line");
    }

    #[test]
    fn numbers_and_booleans_stay_typed() {
        #[derive(Serialize)]
        struct Typed {
            replicas: i32,
            enabled: bool,
        }
        let text = to_yaml(&Typed {
            replicas: 1,
            enabled: false,
        })
        .unwrap();
        assert_eq!(text, "replicas: 1\nenabled: false\n");
    }
}
