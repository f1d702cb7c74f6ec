//! The objects of one side of a comparison, read from its files, and
//! the matching of two sides by kind, namespace and name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use super::Change;
use super::detail::Detail;
use super::summary;
use crate::yaml::from_yaml_documents;

/// The label naming the integration an object belongs to.
pub(crate) const INTEGRATION_LABEL: &str = "integrate.mitosis.dev/integration";
/// The label naming the instance of a multi-instance integration.
pub(crate) const INSTANCE_LABEL: &str = "integrate.mitosis.dev/instance";

/// The kind given to a file, or a document in it, that contains no
/// Kubernetes object: invalid YAML, or a document without `kind`.
pub const FILE_KIND: &str = "File";

/// The identity of an object. Documents without `metadata.name`, such
/// as a `Kustomization`, are named after their file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: String,
    /// `None` for cluster-scoped objects and named-after-file documents.
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == FILE_KIND {
            write!(f, "file {}", self.name)
        } else {
            write!(f, "{} {}", self.kind, self.name)
        }
    }
}

/// One object that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    pub key: ObjectKey,
    pub change: Change,
    /// The file holding the object: the new one unless it was removed.
    pub file: String,
    /// The changes, in the order the summary shows them.
    pub details: Vec<Detail>,
}

/// One YAML document of a side.
#[derive(Debug)]
pub(crate) struct Document {
    pub file: String,
    pub value: Value,
    /// The parse error when the file is not valid YAML. `value` is then
    /// the file's text.
    pub invalid: Option<String>,
}

/// The objects of one side, and the labels needed to say which
/// integration a secret reference comes from.
///
/// Only files whose text differs from the other side are parsed, plus
/// unchanged files that hold an `ExternalSecret` or a `SealedSecret`:
/// parsing YAML is the slow part of a comparison, and an unchanged file
/// cannot hold a change.
// NOTE: so `integrations` misses the labels of unchanged files other
// than secrets. That loses nothing on integrate's own output, where every
// integration an office enables has a secret object.
#[derive(Debug, Default)]
pub(crate) struct Side {
    pub objects: BTreeMap<ObjectKey, Document>,
    /// Secret name to the integration that owns it (`github:work`).
    pub secrets: BTreeMap<String, String>,
    /// Every integration some parsed object of this side is labeled with.
    pub integrations: BTreeSet<String>,
}

impl Side {
    /// Reads the files of one side that `other` lacks or has with other
    /// text, and the unchanged secret files. A differing file that is not
    /// valid YAML becomes one [`FILE_KIND`] document holding its text, and
    /// a note.
    pub(crate) fn parse(
        dir: &str,
        files: &BTreeMap<String, String>,
        other: &BTreeMap<String, String>,
        notes: &mut Vec<String>,
    ) -> Side {
        let mut side = Side::default();
        for (file, text) in files {
            let unchanged = other.get(file) == Some(text);
            if unchanged && !holds_secret(text) {
                continue;
            }
            match from_yaml_documents(text) {
                Ok(values) => {
                    for value in values {
                        side.insert(dir, file, value, None, notes);
                    }
                }
                Err(_) if unchanged => {}
                Err(error) => {
                    notes.push(format!(
                        "{dir}/{file} is not valid YAML ({error}); it is compared as text"
                    ));
                    let value = Value::String(text.clone());
                    side.insert(dir, file, value, Some(error), notes);
                }
            }
        }
        side
    }

    fn insert(
        &mut self,
        dir: &str,
        file: &str,
        value: Value,
        invalid: Option<String>,
        notes: &mut Vec<String>,
    ) {
        let mut key = object_key(file, &value);
        if self.objects.contains_key(&key) {
            notes.push(format!(
                "{dir}/{file}: {key} is defined more than once; only the first \
                 definition is matched by name"
            ));
            let mut copy = 2;
            while self.objects.contains_key(&key) {
                key = ObjectKey {
                    kind: FILE_KIND.to_string(),
                    namespace: None,
                    name: format!("{file}#{copy}"),
                };
                copy += 1;
            }
        }
        if let Some(integration) = integration_label(&value) {
            if let Some(secret) = secret_name(&key.kind, &value) {
                self.secrets.insert(secret, integration.clone());
            }
            self.integrations.insert(integration);
        }
        let document = Document {
            file: file.to_string(),
            value,
            invalid,
        };
        self.objects.insert(key, document);
    }

    /// Returns the integration that owns the secret `name`, if this side
    /// has it.
    pub(crate) fn integration_of_secret(&self, name: &str) -> Option<&str> {
        self.secrets.get(name).map(String::as_str)
    }
}

/// Returns whether a file may contain an `ExternalSecret` or a
/// `SealedSecret`. A false positive only costs a parse.
fn holds_secret(text: &str) -> bool {
    text.contains("ExternalSecret") || text.contains("SealedSecret")
}

fn object_key(file: &str, value: &Value) -> ObjectKey {
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str);
    let Some(kind) = text("/kind") else {
        return ObjectKey {
            kind: FILE_KIND.to_string(),
            namespace: None,
            name: file.to_string(),
        };
    };
    match text("/metadata/name") {
        Some(name) => ObjectKey {
            kind: kind.to_string(),
            namespace: text("/metadata/namespace").map(str::to_string),
            name: name.to_string(),
        },
        None => ObjectKey {
            kind: kind.to_string(),
            namespace: None,
            name: file.to_string(),
        },
    }
}

/// Returns the integration an object is labeled with: `github:work` for an
/// instance of a multi-instance integration, else `github`.
pub(crate) fn integration_label(value: &Value) -> Option<String> {
    let labels = value.pointer("/metadata/labels")?;
    let integration = labels.get(INTEGRATION_LABEL)?.as_str()?;
    Some(match labels.get(INSTANCE_LABEL).and_then(Value::as_str) {
        Some(instance) => format!("{integration}:{instance}"),
        None => integration.to_string(),
    })
}

/// Returns the name of the Kubernetes Secret that an `ExternalSecret` or
/// a `SealedSecret` produces.
fn secret_name(kind: &str, value: &Value) -> Option<String> {
    let target = match kind {
        "ExternalSecret" => value.pointer("/spec/target/name"),
        "SealedSecret" => value.pointer("/spec/template/metadata/name"),
        _ => return None,
    };
    target
        .or_else(|| value.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Matches the objects of two sides. Files whose text differs while all
/// their objects are equal get a "text only" entry, so every changed
/// file shows up in the summary.
pub(crate) fn match_objects(
    old: &Side,
    new: &Side,
    old_files: &BTreeMap<String, String>,
    new_files: &BTreeMap<String, String>,
) -> Vec<ObjectChange> {
    let mut keys: Vec<&ObjectKey> = old.objects.keys().chain(new.objects.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut changes = Vec::new();
    for key in keys {
        let change = match (old.objects.get(key), new.objects.get(key)) {
            (None, Some(document)) => ObjectChange {
                key: key.clone(),
                change: Change::Added,
                file: document.file.clone(),
                details: summary::describe_added(document, old, new),
            },
            (Some(document), None) => ObjectChange {
                key: key.clone(),
                change: Change::Removed,
                file: document.file.clone(),
                details: summary::describe_removed(document, new),
            },
            (Some(before), Some(after)) => {
                let details = summary::describe_changed(before, after, old, new);
                if details.is_empty() {
                    continue;
                }
                ObjectChange {
                    key: key.clone(),
                    change: Change::Changed,
                    file: after.file.clone(),
                    details,
                }
            }
            (None, None) => continue,
        };
        changes.push(change);
    }
    add_text_only(&mut changes, new, old_files, new_files);
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

fn add_text_only(
    changes: &mut Vec<ObjectChange>,
    new: &Side,
    old_files: &BTreeMap<String, String>,
    new_files: &BTreeMap<String, String>,
) {
    let covered: BTreeSet<&str> = changes.iter().map(|c| c.file.as_str()).collect();
    let mut extra = Vec::new();
    for (file, text) in new_files {
        let differs = old_files.get(file).is_some_and(|old| old != text);
        if !differs || covered.contains(file.as_str()) {
            continue;
        }
        let mut found = false;
        for (key, _) in new.objects.iter().filter(|(_, d)| d.file == *file) {
            found = true;
            extra.push(text_only(key.clone(), file));
        }
        if !found {
            let key = ObjectKey {
                kind: FILE_KIND.to_string(),
                namespace: None,
                name: file.clone(),
            };
            extra.push(text_only(key, file));
        }
    }
    changes.extend(extra);
}

fn text_only(key: ObjectKey, file: &str) -> ObjectChange {
    ObjectChange {
        key,
        change: Change::Changed,
        file: file.to_string(),
        details: vec![Detail::TextOnly],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tests::files;

    fn compare(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<ObjectChange> {
        let (old, new) = (files(old), files(new));
        let mut notes = Vec::new();
        let old_side = Side::parse("out/acme", &old, &new, &mut notes);
        let new_side = Side::parse("out/acme", &new, &old, &mut notes);
        match_objects(&old_side, &new_side, &old, &new)
    }

    const SERVICE: &str = "kind: Service\nmetadata:\n  name: web\n  namespace: acme\n";

    #[test]
    fn objects_match_across_file_names() {
        let changes = compare(&[("a.yaml", SERVICE)], &[("b.yaml", SERVICE)]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].change, Change::Changed);
        assert_eq!(
            changes[0].details,
            [Detail::Moved {
                old_file: "a.yaml".into(),
                new_file: "b.yaml".into()
            }]
        );
    }

    #[test]
    fn namespace_is_part_of_identity() {
        let other = SERVICE.replace("acme", "globex");
        let changes = compare(&[("a.yaml", SERVICE)], &[("a.yaml", &other)]);
        let signs: Vec<Change> = changes.iter().map(|c| c.change).collect();
        assert_eq!(signs, [Change::Removed, Change::Added]);
        assert_eq!(changes[0].key.namespace.as_deref(), Some("acme"));
        assert_eq!(changes[1].key.namespace.as_deref(), Some("globex"));
    }

    #[test]
    fn comment_change_is_text_only() {
        let commented = format!("# a comment\n{SERVICE}");
        let changes = compare(&[("a.yaml", SERVICE)], &[("a.yaml", &commented)]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].key.to_string(), "Service web");
        assert_eq!(changes[0].details, [Detail::TextOnly]);
    }

    #[test]
    fn invalid_yaml_becomes_file_entry_with_note() {
        let old = files(&[("a.yaml", "kind: [unclosed\n")]);
        let mut notes = Vec::new();
        let side = Side::parse("out/acme", &old, &BTreeMap::new(), &mut notes);
        let key = side.objects.keys().next().unwrap();
        assert_eq!(key.to_string(), "file a.yaml");
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("out/acme/a.yaml is not valid YAML"),
            "{}",
            notes[0]
        );
    }

    #[test]
    fn unnamed_document_is_named_after_file() {
        let text = "kind: Kustomization\nresources: [a.yaml]\n";
        let changed = "kind: Kustomization\nresources: [a.yaml, b.yaml]\n";
        let changes = compare(
            &[("kustomization.yaml", text)],
            &[("kustomization.yaml", changed)],
        );
        assert_eq!(
            changes[0].key.to_string(),
            "Kustomization kustomization.yaml"
        );
        assert_eq!(
            changes[0].details,
            [Detail::Fields {
                paths: vec!["resources".into()]
            }]
        );
    }

    #[test]
    fn secrets_map_to_their_integration() {
        let secret = "kind: ExternalSecret\nmetadata:\n  name: github-work-acme\n  labels:\n    \
                      integrate.mitosis.dev/integration: github\n    \
                      integrate.mitosis.dev/instance: work\nspec:\n  target:\n    name: gh\n";
        let mut notes = Vec::new();
        let files = files(&[("s.yaml", secret), ("service.yaml", SERVICE)]);
        let side = Side::parse("out", &files, &files, &mut notes);
        assert_eq!(side.integration_of_secret("gh"), Some("github:work"));
        assert!(side.integrations.contains("github:work"));
        assert_eq!(side.objects.len(), 1, "the unchanged service is not parsed");
    }
}
