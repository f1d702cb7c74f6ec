//! The markdown format, written to be posted as a pull-request comment:
//! a table of the offices that change, then one collapsible section per
//! office with its object summary and its diffs. When the whole report
//! does not fit in one GitHub comment, whole diffs and then whole office
//! sections are left out, and a note at the top counts them.

use std::fmt::Write as _;

use super::{Against, ObjectChange, OfficeDiff, Report, text};

/// The maximum length of a GitHub comment body, in characters. Lengths
/// here are counted in UTF-8 bytes, which is never less than the count
/// in characters or in UTF-16 code units, so the limit is kept either way.
pub const COMMENT_LIMIT: usize = 65_536;

/// A hidden first line that lets a CI job find the comment it posted
/// before and update it.
pub const MARKER: &str = "<!-- integrate-diff -->";

/// Room kept for the note that lists what was left out.
const NOTE_ROOM: usize = 600;
/// Room kept for the table row that counts offices left out of the table.
const MORE_ROWS_ROOM: usize = 80;

/// Renders the report within [`COMMENT_LIMIT`].
pub fn render(report: &Report) -> String {
    render_within(report, COMMENT_LIMIT)
}

/// One office's section, split into the parts that can be left out.
struct Section {
    /// `<details>` and the object summary.
    head: String,
    /// One fenced diff per changed file.
    diffs: Vec<String>,
}

const SECTION_END: &str = "</details>\n\n";

/// The parts of the report that are shown.
struct Layout {
    shown_rows: usize,
    /// Indexes of the office sections shown.
    kept: Vec<usize>,
    /// For each section, the indexes of the diffs shown.
    chosen: Vec<Vec<usize>>,
    note: Option<String>,
}

/// Renders the report in at most `limit` bytes, unless even the heading
/// and the note do not fit.
pub(crate) fn render_within(report: &Report, limit: usize) -> String {
    let heading = heading(report);
    let rows: Vec<String> = report.offices.iter().map(table_row).collect();
    let sections: Vec<Section> = report.offices.iter().map(section).collect();

    let everything = Layout {
        shown_rows: rows.len(),
        kept: (0..sections.len()).collect(),
        chosen: sections
            .iter()
            .map(|s| (0..s.diffs.len()).collect())
            .collect(),
        note: None,
    };
    let full = assemble(report, &heading, &rows, &sections, &everything);
    if full.len() <= limit {
        return full;
    }

    // The `+ 1` is the blank line after the table.
    let fixed = heading.len() + NOTE_ROOM + table_start(report).len() + 1;
    let budget = limit.saturating_sub(fixed);
    let layout = cut_layout(&rows, &sections, budget);
    assemble(report, &heading, &rows, &sections, &layout)
}

/// Chooses what fits in `budget` bytes: table rows first, then office
/// sections without their diffs, then whole diffs in order, skipping any
/// diff too large for what is left.
fn cut_layout(rows: &[String], sections: &[Section], mut budget: usize) -> Layout {
    let shown_rows = take_while_fits(rows.iter().map(String::len), &mut budget, MORE_ROWS_ROOM);

    let mut kept = Vec::new();
    for (index, section) in sections.iter().enumerate() {
        let cost = section.head.len() + SECTION_END.len() + omitted_line(section, 0).len();
        if cost <= budget {
            budget -= cost;
            kept.push(index);
        }
    }

    let mut chosen: Vec<Vec<usize>> = vec![Vec::new(); sections.len()];
    for &index in &kept {
        for (diff_index, diff) in sections[index].diffs.iter().enumerate() {
            if diff.len() <= budget {
                budget -= diff.len();
                chosen[index].push(diff_index);
            }
        }
    }

    let total_diffs: usize = sections.iter().map(|s| s.diffs.len()).sum();
    let shown_diffs: usize = chosen.iter().map(Vec::len).sum();
    let note = note(sections.len() - kept.len(), total_diffs - shown_diffs);
    Layout {
        shown_rows,
        kept,
        chosen,
        note: Some(note),
    }
}

/// Counts how many leading items fit in `budget`, keeping `reserve` free
/// when not all of them fit, and takes their length from the budget.
fn take_while_fits(
    lengths: impl Iterator<Item = usize>,
    budget: &mut usize,
    reserve: usize,
) -> usize {
    let lengths: Vec<usize> = lengths.collect();
    let total: usize = lengths.iter().sum();
    if total <= *budget {
        *budget -= total;
        return lengths.len();
    }
    *budget = budget.saturating_sub(reserve);
    let mut count = 0;
    for length in lengths {
        if length > *budget {
            break;
        }
        *budget -= length;
        count += 1;
    }
    count
}

fn assemble(
    report: &Report,
    heading: &str,
    rows: &[String],
    sections: &[Section],
    layout: &Layout,
) -> String {
    let mut out = heading.to_string();
    if let Some(note) = &layout.note {
        out.push_str(note);
    }
    if report.offices.is_empty() {
        return out;
    }
    out.push_str(&table_start(report));
    for row in &rows[..layout.shown_rows] {
        out.push_str(row);
    }
    if layout.shown_rows < rows.len() {
        let hidden = rows.len() - layout.shown_rows;
        let _ = writeln!(out, "| {hidden} more offices | | | |");
    }
    out.push('\n');
    for &index in &layout.kept {
        let section = &sections[index];
        let chosen = &layout.chosen[index];
        out.push_str(&section.head);
        for &diff_index in chosen {
            out.push_str(&section.diffs[diff_index]);
        }
        if chosen.len() < section.diffs.len() {
            out.push_str(&omitted_line(section, chosen.len()));
        }
        out.push_str(SECTION_END);
    }
    out
}

/// Formats the line that counts the diffs left out of a section. The
/// line is longest when no diff is shown, so that length is reserved.
fn omitted_line(section: &Section, shown: usize) -> String {
    let total = section.diffs.len();
    let left_out = total - shown;
    format!("_{left_out} of {total} file diffs are left out here to fit the comment limit._\n\n")
}

fn heading(report: &Report) -> String {
    let against = match &report.against {
        Against::Out(path) => format!("the files in `{}/`", escape_code(path)),
        Against::Revision { revision, commit } => {
            let short = commit.get(..12).unwrap_or(commit);
            format!("revision `{}` (`{short}`)", escape_code(revision))
        }
    };
    let mut out = format!("{MARKER}\n### Rendered manifests\n\n");
    let compared = text::count_noun(report.compared, "office");
    let differing = report.offices.len();
    if differing == 0 {
        let _ = writeln!(out, "No change: {compared} compared with {against}.");
    } else {
        let verb = if differing == 1 { "changes" } else { "change" };
        let _ = writeln!(
            out,
            "Compared with {against}, {differing} of {compared} {verb}.\n"
        );
    }
    out
}

fn table_start(report: &Report) -> String {
    if report.offices.is_empty() {
        return String::new();
    }
    "| Office | Added | Changed | Removed |\n| --- | ---: | ---: | ---: |\n".to_string()
}

fn table_row(office: &OfficeDiff) -> String {
    use super::Change::{Added, Changed, Removed};
    format!(
        "| {} | {} | {} | {} |\n",
        escape(&office.office),
        office.count(Added),
        office.count(Changed),
        office.count(Removed)
    )
}

fn section(office: &OfficeDiff) -> Section {
    let mut head = format!(
        "<details><summary><b>{}</b>: {}</summary>\n\n",
        escape(&office.office),
        escape(&text::counts(office))
    );
    for object in &office.objects {
        head.push_str(&object_item(object));
    }
    if !office.objects.is_empty() {
        head.push('\n');
    }
    let diffs = office.files.iter().map(|file| fence(&file.diff)).collect();
    Section { head, diffs }
}

fn object_item(object: &ObjectChange) -> String {
    let mut item = format!(
        "- `{}` {} `{}`",
        object.change.sign(),
        escape(&object.key.kind),
        escape_code(&object.key.name)
    );
    match object.details.as_slice() {
        [] => item.push('\n'),
        [detail] => {
            let _ = writeln!(item, ": {}", escape(&detail.to_string()));
        }
        details => {
            item.push('\n');
            for detail in details {
                let _ = writeln!(item, "  - {}", escape(&detail.to_string()));
            }
        }
    }
    item
}

/// Wraps a diff in a `diff` code block whose fence is longer than any run
/// of backticks inside, so a prompt with a code block cannot close it.
fn fence(diff: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in diff.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat((longest + 1).max(3));
    let newline = if diff.ends_with('\n') { "" } else { "\n" };
    format!("{ticks}diff\n{diff}{newline}{ticks}\n\n")
}

/// Escapes markdown and HTML outside of the text's backtick code spans,
/// which are kept as code.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let parts: Vec<&str> = text.split('`').collect();
    // A part is a code span only when a backtick closes it; after an
    // unpaired backtick the rest is plain text and is escaped.
    let paired = if parts.len().is_multiple_of(2) {
        parts.len() - 1
    } else {
        parts.len()
    };
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push_str(if index >= paired { "\\`" } else { "`" });
        }
        if index % 2 == 1 && index < paired {
            out.push_str(part);
            continue;
        }
        for c in part.chars() {
            if "\\*_[]<>|~#!".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Makes a value safe inside one pair of backticks.
fn escape_code(text: &str) -> String {
    text.replace('`', "'")
}

fn note(offices_left_out: usize, diffs_left_out: usize) -> String {
    let mut parts = Vec::new();
    if diffs_left_out > 0 {
        parts.push(format!("{diffs_left_out} file diffs"));
    }
    if offices_left_out > 0 {
        parts.push(format!("the sections of {offices_left_out} offices"));
    }
    format!(
        "> [!WARNING]\n> This comment was cut to fit GitHub's limit of 65,536 \
         characters: {} are left out. Run `integrate diff` locally, or read the \
         `--format json` output, to see every change.\n\n",
        parts.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn office(id: &str, files: usize, lines: usize) -> OfficeDiff {
        let mut new = BTreeMap::new();
        for index in 0..files {
            let body: String = (0..lines)
                .map(|l| format!("  line{l}: {index}\n"))
                .collect();
            let text = format!("kind: ConfigMap\nmetadata:\n  name: c{index}\ndata:\n{body}");
            new.insert(format!("configmap-c{index}.yaml"), text);
        }
        OfficeDiff::compare(id, &format!("out/{id}"), &BTreeMap::new(), &new)
    }

    fn report(offices: Vec<OfficeDiff>) -> Report {
        Report::new(Against::Out("out".into()), offices)
    }

    #[test]
    fn out_path_stays_inside_its_code_span() {
        let report = Report::new(Against::Out("o`</details>".into()), vec![]);
        let text = heading(&report);
        assert!(text.contains("`o'</details>/`"), "{text}");
    }

    #[test]
    fn unpaired_backtick_does_not_stop_escaping() {
        let escaped = escape("image ghcr.io/x:1`</details><h1>x</h1>");
        assert!(!escaped.contains("</details>"), "{escaped}");
        assert!(escaped.contains("\\<"), "{escaped}");
        assert_eq!(escape("a `b<c` d"), "a `b<c` d");
    }

    #[test]
    fn small_report_is_complete() {
        let text = render(&report(vec![office("acme", 2, 3)]));
        assert!(text.starts_with(MARKER));
        assert!(text.contains("| acme | 2 | 0 | 0 |\n"));
        assert!(text.contains("<details><summary><b>acme</b>: 2 added</summary>"));
        assert!(text.contains("- `+` ConfigMap `c0`\n"));
        assert_eq!(text.matches("```diff\n").count(), 2);
        assert!(!text.contains("[!WARNING]"));
    }

    #[test]
    fn large_report_is_cut_at_whole_diffs() {
        let big = report(vec![office("acme", 40, 60), office("globex", 40, 60)]);
        let text = render_within(&big, 20_000);
        assert!(text.len() <= 20_000, "{} bytes", text.len());
        assert!(text.contains("[!WARNING]"));
        assert_eq!(
            text.matches("```diff\n").count(),
            text.matches("\n```\n").count()
        );
        assert!(text.contains("file diffs are left out here"));
        assert!(text.contains("<b>globex</b>"));
    }

    #[test]
    fn sections_are_dropped_when_summaries_overflow() {
        let offices: Vec<OfficeDiff> = (0..30)
            .map(|i| office(&format!("o{i:02}"), 30, 1))
            .collect();
        let text = render_within(&report(offices), 8_000);
        assert!(text.len() <= 8_000, "{} bytes", text.len());
        assert!(text.contains("the sections of"));
        assert_eq!(
            text.matches("<details>").count(),
            text.matches("</details>").count()
        );
    }

    #[test]
    fn fence_outgrows_backticks_in_diff() {
        let fenced = fence("+prompt: ````code````\n");
        assert!(fenced.starts_with("`````diff\n"));
        assert!(fenced.ends_with("\n`````\n\n"));
    }

    #[test]
    fn escape_keeps_code_spans() {
        assert_eq!(
            escape("env ~A_B <x> schedule `0 * * * *`"),
            "env \\~A\\_B \\<x\\> schedule `0 * * * *`"
        );
    }
}
