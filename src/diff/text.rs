//! The text format: the per-object summary of each office, then one
//! unified diff per changed file, colored with ANSI codes when asked.

use std::fmt::Write as _;

use super::{Change, OfficeDiff, Report};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";

fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

fn change_style(change: Change) -> &'static str {
    match change {
        Change::Added => GREEN,
        Change::Changed => YELLOW,
        Change::Removed => RED,
    }
}

/// Formats a count with its noun, such as `1 office` or `3 offices`.
pub fn count_noun(count: usize, noun: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {noun}{plural}")
}

/// Formats the counts of one office, such as `1 added, 2 changed`,
/// leaving out zeros.
pub fn counts(diff: &OfficeDiff) -> String {
    let parts: Vec<String> = [Change::Added, Change::Changed, Change::Removed]
        .into_iter()
        .map(|change| (diff.count(change), change.word()))
        .filter(|(count, _)| *count > 0)
        .map(|(count, word)| format!("{count} {word}"))
        .collect();
    if parts.is_empty() {
        "files changed".to_string()
    } else {
        parts.join(", ")
    }
}

/// Formats the summary of one office: a heading with the counts, then
/// one line per detail of each object, such as
/// `  ~ Deployment agent-alice: env +GITHUB_TOKEN from github:work`.
pub fn summary(diff: &OfficeDiff, color: bool) -> String {
    let mut out = format!("{}: {}\n", paint(&diff.office, BOLD, color), counts(diff));
    for object in &diff.objects {
        let sign = paint(
            &object.change.sign().to_string(),
            change_style(object.change),
            color,
        );
        if object.details.is_empty() {
            let _ = writeln!(out, "  {sign} {}", object.key);
        }
        for detail in &object.details {
            let _ = writeln!(out, "  {sign} {}: {detail}", object.key);
        }
    }
    out
}

/// Colors a unified diff line by line: file headers bold, hunk headers
/// cyan, removed lines red and added lines green.
pub fn paint_diff(diff: &str, color: bool) -> String {
    if !color {
        return diff.to_string();
    }
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let style = if body.starts_with("--- ") || body.starts_with("+++ ") {
            BOLD
        } else if body.starts_with("@@") {
            CYAN
        } else if body.starts_with('-') {
            RED
        } else if body.starts_with('+') {
            GREEN
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(line);
        } else {
            let _ = write!(out, "{style}{body}{RESET}{newline}");
        }
    }
    out
}

/// Formats the whole text report: every office's summary, then every
/// diff after a blank line. The text is empty when nothing differs.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for office in &report.offices {
        out.push_str(&summary(office, color));
    }
    for office in &report.offices {
        for file in &office.files {
            out.push('\n');
            out.push_str(&paint_diff(&file.diff, color));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::diff::Against;

    fn report() -> Report {
        let old = BTreeMap::from([(
            "service-web.yaml".to_string(),
            "kind: Service\nmetadata:\n  name: web\nspec:\n  port: 80\n".to_string(),
        )]);
        let new = BTreeMap::from([(
            "service-web.yaml".to_string(),
            "kind: Service\nmetadata:\n  name: web\nspec:\n  port: 81\n".to_string(),
        )]);
        let diff = OfficeDiff::compare("acme", "out/acme", &old, &new);
        Report::new(Against::Out("out".into()), vec![diff])
    }

    #[test]
    fn summary_comes_before_diffs() {
        let text = render(&report(), false);
        assert!(
            text.starts_with("acme: 1 changed\n  ~ Service web: fields changed: spec.port\n\n"),
            "{text}"
        );
        assert!(text.contains("--- a/out/acme/service-web.yaml\n"));
        assert!(text.contains("-  port: 80\n+  port: 81\n"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn color_marks_added_and_removed_lines() {
        let text = render(&report(), true);
        assert!(text.contains(&format!("{RED}-  port: 80{RESET}\n")));
        assert!(text.contains(&format!("{GREEN}+  port: 81{RESET}\n")));
        assert!(text.contains(&format!("{BOLD}--- a/out/acme/service-web.yaml{RESET}")));
    }
}
