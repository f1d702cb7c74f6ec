//! Parsing of TOML input files into their raw serde structs, turning a
//! syntax or shape error into a located diagnostic.

use serde::de::DeserializeOwned;

use crate::diag::Diagnostic;
use crate::source::{SourceFile, Span};

/// Parses `file` as `T`, or returns one diagnostic with the location and
/// key path of the first problem.
pub fn parse<T: DeserializeOwned>(file: &SourceFile) -> Result<T, Diagnostic> {
    let deserializer = match toml::de::Deserializer::parse(&file.text) {
        Ok(deserializer) => deserializer,
        Err(error) => return Err(to_diagnostic(file, &error, String::new())),
    };
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| to_diagnostic(file, error.inner(), display_path(error.path())))
}

/// Formats the key path of an error, leaving out the private field names
/// through which `toml::Spanned` is deserialized.
fn display_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                out = crate::diag::index_path(&out, *index);
            }
            serde_path_to_error::Segment::Map { key } => {
                out = crate::diag::key_path(&out, key);
            }
            serde_path_to_error::Segment::Enum { variant } => {
                out = crate::diag::key_path(&out, variant);
            }
            serde_path_to_error::Segment::Unknown => out.push_str(".?"),
        }
        if out.ends_with("\"$__serde_spanned_private_value\"") {
            let cut = out.len() - "\"$__serde_spanned_private_value\"".len() - 1;
            out.truncate(cut);
        }
    }
    out
}

fn to_diagnostic(file: &SourceFile, error: &toml::de::Error, key_path: String) -> Diagnostic {
    let span = error.span().map_or(Span::default(), Span::from);
    let message = error.message().trim().replace('\n', " ");
    let quote_hint = message.starts_with("invalid type") && message.ends_with("expected a string");
    let diagnostic = Diagnostic::error(file, span, key_path, message);
    if quote_hint {
        diagnostic.with_help(
            "put the value in quotes: every value here is text, so `3` is written `\"3\"`",
        )
    } else {
        diagnostic
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use toml::Spanned;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        agents: BTreeMap<String, Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        integrations: Vec<Spanned<String>>,
    }

    #[test]
    fn spans_survive_path_tracking() {
        let file = SourceFile::new(
            "o.toml".into(),
            "[agents.alice]\nintegrations = [\"a\", \"bb\"]\n".into(),
        );
        let outer: Outer = parse(&file).unwrap();
        let span = outer.agents["alice"].integrations[1].span();
        assert_eq!(&file.text[span], "\"bb\"");
    }

    #[test]
    fn errors_carry_key_path_and_location() {
        let file = SourceFile::new(
            "o.toml".into(),
            "[agents.alice]\nintegrations = [\"a\", 3]\n".into(),
        );
        let error = parse::<Outer>(&file).unwrap_err();
        assert_eq!(error.key_path, "agents.alice.integrations[1]");
        assert_eq!((error.line, error.column), (2, 22));
        assert!(
            error.message.contains("expected a string"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unknown_fields_are_errors() {
        let file = SourceFile::new("o.toml".into(), "[agents.alice]\nintegration = []\n".into());
        let error = parse::<Outer>(&file).unwrap_err();
        assert_eq!(error.key_path, "agents.alice.integration");
        assert!(
            error.message.contains("unknown field `integration`"),
            "{}",
            error.message
        );
        assert_eq!(error.line, 2);
    }
}
