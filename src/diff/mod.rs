//! Comparing two renders of an office: objects are matched by kind,
//! namespace and name and each change is summarized in words, then every
//! file that differs gets one unified diff. The `text`, `markdown` and
//! `json` modules format a [`Report`].

mod detail;
pub mod json;
pub mod markdown;
mod model;
mod paths;
mod summary;
pub mod text;
mod workload;

use std::collections::BTreeMap;

use similar::TextDiff;

pub use detail::{ContainerRef, Detail, EnvSource};
pub use model::{FILE_KIND, ObjectChange, ObjectKey};

/// The kind of difference of an object or a file between the old and
/// the new side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added,
    Changed,
    Removed,
}

impl Change {
    /// Returns the sign used in summaries: `+`, `~` or `-`.
    pub fn sign(self) -> char {
        match self {
            Change::Added => '+',
            Change::Changed => '~',
            Change::Removed => '-',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Changed => "changed",
            Change::Removed => "removed",
        }
    }
}

/// One file that differs, with its unified diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file name inside the office folder.
    pub name: String,
    /// The path shown in the diff headers, such as `out/acme/x.yaml`.
    pub path: String,
    pub change: Change,
    /// The unified diff without color, headers included.
    pub diff: String,
}

/// Everything that differs in one office folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeDiff {
    pub office: String,
    /// Changed objects, sorted by kind, namespace and name.
    pub objects: Vec<ObjectChange>,
    /// Changed files, sorted by name.
    pub files: Vec<FileChange>,
    /// Problems met while reading the files, such as invalid YAML.
    pub notes: Vec<String>,
}

impl OfficeDiff {
    /// Compares the files of one office. `dir` is the folder as shown in
    /// diff headers (`out/acme`); both maps go from file name to text.
    pub fn compare(
        office: &str,
        dir: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> OfficeDiff {
        let mut diff = OfficeDiff::compare_objects(office, dir, old, new);
        diff.files = file_changes(dir, old, new);
        diff
    }

    /// Compares the objects only, leaving `files` empty: the summary
    /// that `integrate build` prints needs no unified diffs.
    pub fn compare_objects(
        office: &str,
        dir: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> OfficeDiff {
        let mut notes = Vec::new();
        let old_side = model::Side::parse(dir, old, new, &mut notes);
        let new_side = model::Side::parse(dir, new, old, &mut notes);
        let objects = model::match_objects(&old_side, &new_side, old, new);
        OfficeDiff {
            office: office.to_string(),
            objects,
            files: Vec::new(),
            notes,
        }
    }

    /// Returns whether any file differs.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Counts the objects with the given change.
    pub fn count(&self, change: Change) -> usize {
        self.objects
            .iter()
            .filter(|object| object.change == change)
            .count()
    }
}

fn file_changes(
    dir: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Vec<FileChange> {
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut files = Vec::new();
    for name in names {
        let (old_text, new_text) = (old.get(name), new.get(name));
        let change = match (old_text, new_text) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(a), Some(b)) if a != b => Change::Changed,
            _ => continue,
        };
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        let diff = unified_diff(&path, old_text, new_text);
        files.push(FileChange {
            name: name.clone(),
            path,
            change,
            diff,
        });
    }
    files
}

/// Formats a unified diff with three lines of context and git's headers:
/// `a/<path>` and `b/<path>`, or `/dev/null` for a missing side.
fn unified_diff(path: &str, old: Option<&String>, new: Option<&String>) -> String {
    // An absolute `--out` would give `a//tmp/...`.
    let relative = path.trim_start_matches('/');
    let old_header = old.map_or("/dev/null".to_string(), |_| format!("a/{relative}"));
    let new_header = new.map_or("/dev/null".to_string(), |_| format!("b/{relative}"));
    let old_text = old.map_or("", String::as_str);
    let new_text = new.map_or("", String::as_str);
    TextDiff::from_lines(old_text, new_text)
        .unified_diff()
        .context_radius(3)
        .header(&old_header, &new_header)
        .to_string()
}

/// The side that the new render is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// The files on disk in the output folder, such as `out`.
    Out(String),
    /// The render of a git revision's inputs.
    Revision { revision: String, commit: String },
}

/// The result of one `integrate diff` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub against: Against,
    /// How many offices were compared, including those without changes.
    pub compared: usize,
    /// The offices that differ, sorted by id.
    pub offices: Vec<OfficeDiff>,
}

impl Report {
    /// Builds a report from every compared office, keeping those that
    /// differ.
    pub fn new(against: Against, mut offices: Vec<OfficeDiff>) -> Report {
        let compared = offices.len();
        offices.retain(|office| !office.is_empty());
        offices.sort_by(|a, b| a.office.cmp(&b.office));
        Report {
            against,
            compared,
            offices,
        }
    }

    pub fn has_differences(&self) -> bool {
        !self.offices.is_empty()
    }

    /// Counts the objects with the given change over all offices.
    pub fn total(&self, change: Change) -> usize {
        self.offices.iter().map(|office| office.count(change)).sum()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a map of file names to file texts.
    pub(crate) fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect()
    }

    #[test]
    fn unified_diff_uses_git_headers() {
        let old = files(&[("a.yaml", "kind: A\nx: 1\n"), ("gone.yaml", "kind: B\n")]);
        let new = files(&[("a.yaml", "kind: A\nx: 2\n"), ("new.yaml", "kind: C\n")]);
        let changes = file_changes("out/acme", &old, &new);
        let names: Vec<(&str, Change)> = changes
            .iter()
            .map(|file| (file.name.as_str(), file.change))
            .collect();
        assert_eq!(
            names,
            [
                ("a.yaml", Change::Changed),
                ("gone.yaml", Change::Removed),
                ("new.yaml", Change::Added)
            ]
        );
        assert!(
            changes[0]
                .diff
                .starts_with("--- a/out/acme/a.yaml\n+++ b/out/acme/a.yaml\n@@")
        );
        assert!(changes[0].diff.contains("\n-x: 1\n+x: 2\n"));
        assert!(
            changes[1]
                .diff
                .starts_with("--- a/out/acme/gone.yaml\n+++ /dev/null\n")
        );
        assert!(
            changes[2]
                .diff
                .starts_with("--- /dev/null\n+++ b/out/acme/new.yaml\n")
        );
    }

    #[test]
    fn identical_files_give_empty_diff() {
        let same = files(&[("a.yaml", "kind: A\n")]);
        let diff = OfficeDiff::compare("acme", "out/acme", &same, &same);
        assert!(diff.is_empty());
        assert!(diff.objects.is_empty());
    }

    #[test]
    fn report_keeps_only_offices_that_differ() {
        let same = files(&[("a.yaml", "kind: A\n")]);
        let other = files(&[("a.yaml", "kind: B\n")]);
        let report = Report::new(
            Against::Out("out".into()),
            vec![
                OfficeDiff::compare("b", "out/b", &same, &other),
                OfficeDiff::compare("a", "out/a", &same, &same),
            ],
        );
        assert_eq!(report.compared, 2);
        assert_eq!(report.offices.len(), 1);
        assert_eq!(report.offices[0].office, "b");
        assert!(report.has_differences());
    }
}
