//! Diagnostics: every problem found in the inputs, with the file, line,
//! column and TOML key path it concerns, printed together at the end.

use std::fmt::Write as _;

use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Hint,
}

/// One problem or hint, located in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: String,
    /// 1-based line, or 0 when the problem concerns the file as a whole.
    pub line: usize,
    pub column: usize,
    pub key_path: String,
    pub message: String,
    pub help: Option<String>,
    snippet: Option<Snippet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Snippet {
    text: String,
    /// 1-based column of the first caret, and the number of carets.
    column: usize,
    width: usize,
}

impl Diagnostic {
    /// Creates an error at `span` of `file`, about the value at `key_path`.
    pub fn error(
        file: &SourceFile,
        span: Span,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = file.line_col(span.start);
        let text = file.line_text(line).to_string();
        let (end_line, end_column) = file.line_col(span.end);
        let width = if end_line == line && end_column > column {
            end_column - column
        } else {
            text.chars().count().saturating_sub(column - 1).max(1)
        };
        Diagnostic {
            severity: Severity::Error,
            path: file.path.clone(),
            line,
            column,
            key_path: key_path.into(),
            message: message.into(),
            help: None,
            snippet: Some(Snippet {
                text,
                column,
                width,
            }),
        }
    }

    /// Creates an error about a file or folder as a whole, such as a failed
    /// read.
    pub fn file_error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: 0,
            column: 0,
            key_path: String::new(),
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    pub fn hint(
        file: &SourceFile,
        span: Span,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Hint,
            ..Diagnostic::error(file, span, key_path, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a "did you mean" help naming the closest candidate, if any is
    /// close enough to be a likely typo.
    pub fn suggest<'a>(self, unknown: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(unknown, candidates) {
            Some(best) => self.with_help(format!("did you mean `{best}`?")),
            None => self,
        }
    }

    /// Formats the first line: `path:line:col: key.path: message`.
    pub fn headline(&self) -> String {
        let mut out = self.path.clone();
        if self.line > 0 {
            let _ = write!(out, ":{}:{}", self.line, self.column);
        }
        out.push_str(": ");
        if !self.key_path.is_empty() {
            out.push_str(&self.key_path);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }

    /// Formats the diagnostic with its source line and carets.
    pub fn render(&self, color: bool) -> String {
        let (label, style) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Hint => ("hint", "\x1b[1;36m"),
        };
        let paint = |text: &str| {
            if color {
                format!("{style}{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mut out = format!("{}: {}\n", paint(label), printable(&self.headline()));
        let snippet = match self.severity {
            Severity::Error => self.snippet.as_ref(),
            Severity::Hint => None,
        };
        if let Some(snippet) = snippet {
            let number = self.line.to_string();
            let gutter = " ".repeat(number.len());
            let carets = "^".repeat(snippet.width);
            let pad = " ".repeat(snippet.column - 1);
            let _ = writeln!(out, "{gutter} |");
            let _ = writeln!(out, "{number} | {}", printable(&snippet.text));
            let _ = writeln!(out, "{gutter} | {pad}{}", paint(&carets));
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {}", printable(help));
        }
        out
    }

    fn sort_key(&self) -> (&str, usize, usize, Severity, &str) {
        (
            &self.path,
            self.line,
            self.column,
            self.severity,
            &self.message,
        )
    }
}

/// Every diagnostic of one run.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Returns the diagnostics sorted by file, line and column, without
    /// repeats.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        items.dedup();
        items
    }

    /// Formats all diagnostics followed by a count of the errors.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for diagnostic in self.sorted() {
            out.push_str(&diagnostic.render(color));
        }
        let errors = self.error_count();
        if errors > 0 {
            let noun = if errors == 1 { "error" } else { "errors" };
            let _ = writeln!(out, "{errors} {noun}; nothing was written");
        }
        out
    }
}

/// Replaces control characters other than tab with `\u{..}` escapes, so a
/// value from an input file cannot send escape sequences to a terminal.
/// NOTE: carets under a line with escapes no longer line up with it.
fn printable(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Returns the candidate closest to `unknown` by edit distance, when the
/// distance is small enough for a typo.
pub fn closest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (unknown.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(unknown, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Appends a key to a TOML key path, quoting it unless it is a bare key.
pub fn key_path(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// Appends an array index to a TOML key path.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_shows_location_snippet_and_help() {
        let file = SourceFile::new(
            "offices/acme.toml".into(),
            "[agents.alice]\nintegrations = [\"slak\"]\n".into(),
        );
        let start = file.text.find("\"slak\"").unwrap();
        let diagnostic = Diagnostic::error(
            &file,
            Span {
                start,
                end: start + 6,
            },
            "agents.alice.integrations[0]",
            "unknown integration `slak`",
        )
        .suggest("slak", ["slack", "github"]);
        assert_eq!(
            diagnostic.render(false),
            "error: offices/acme.toml:2:17: agents.alice.integrations[0]: \
             unknown integration `slak`\n  |\n2 | integrations = [\"slak\"]\n  \
             |                 ^^^^^^\n  = help: did you mean `slack`?\n"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        let file = SourceFile::new("a.toml".into(), "x = \"\u{1b}[31m\"\n".into());
        let diagnostic = Diagnostic::error(
            &file,
            Span { start: 4, end: 11 },
            "x",
            "unknown integration `\u{1b}[31m`",
        );
        let text = diagnostic.render(false);
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("\\u{1b}[31m"), "{text}");
    }

    #[test]
    fn closest_ignores_distant_candidates() {
        assert_eq!(closest("slak", ["slack", "github"]), Some("slack"));
        assert_eq!(closest("zzzzzz", ["slack", "github"]), None);
    }

    #[test]
    fn key_path_quotes_keys_that_are_not_bare() {
        assert_eq!(key_path("secrets.sealed", "a.b"), "secrets.sealed.\"a.b\"");
        assert_eq!(key_path("", "agents"), "agents");
        assert_eq!(
            index_path("agents.bob.integrations", 2),
            "agents.bob.integrations[2]"
        );
    }
}
