//! The JSON format for bots: a versioned document, described field by
//! field in `docs/diff-json.md`. Object keys are sorted, and arrays keep
//! the report's order: offices by id, objects by kind, namespace and
//! name, files by name. So equal inputs give byte-identical output.

use serde_json::{Map, Value, json};

use super::{Against, Change, ContainerRef, Detail, EnvSource, ObjectChange, OfficeDiff, Report};

/// The schema version. It changes only when a field is removed or its
/// meaning changes, while new fields may appear without a new version.
pub const VERSION: u64 = 1;

/// Renders the report as pretty-printed JSON with a final newline.
pub fn render(report: &Report) -> String {
    let value = sort_keys(report_value(report));
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn report_value(report: &Report) -> Value {
    let against = match &report.against {
        Against::Out(path) => json!({"type": "out", "path": path}),
        Against::Revision { revision, commit } => {
            json!({"type": "revision", "revision": revision, "commit": commit})
        }
    };
    json!({
        "version": VERSION,
        "against": against,
        "has_differences": report.has_differences(),
        "offices_compared": report.compared,
        "totals": {
            "offices": report.offices.len(),
            "added": report.total(Change::Added),
            "changed": report.total(Change::Changed),
            "removed": report.total(Change::Removed),
        },
        "offices": report.offices.iter().map(office_value).collect::<Vec<_>>(),
    })
}

fn office_value(office: &OfficeDiff) -> Value {
    let files: Vec<Value> = office
        .files
        .iter()
        .map(|file| {
            json!({
                "name": file.name,
                "path": file.path,
                "change": file.change.word(),
                "diff": file.diff,
            })
        })
        .collect();
    json!({
        "office": office.office,
        "added": office.count(Change::Added),
        "changed": office.count(Change::Changed),
        "removed": office.count(Change::Removed),
        "objects": office.objects.iter().map(object_value).collect::<Vec<_>>(),
        "files": files,
        "notes": office.notes,
    })
}

fn object_value(object: &ObjectChange) -> Value {
    json!({
        "change": object.change.word(),
        "kind": object.key.kind,
        "namespace": object.key.namespace,
        "name": object.key.name,
        "file": object.file,
        "details": object.details.iter().map(detail_value).collect::<Vec<_>>(),
    })
}

fn detail_value(detail: &Detail) -> Value {
    let mut value = detail_fields(detail);
    if let Value::Object(map) = &mut value {
        map.insert("text".to_string(), Value::String(detail.to_string()));
    }
    value
}

fn detail_fields(detail: &Detail) -> Value {
    match detail {
        Detail::Integration {
            integration,
            enabled,
        } => json!({
            "type": "integration",
            "integration": integration,
            "change": if *enabled { "enabled" } else { "disabled" },
        }),
        Detail::Uses { integrations } => json!({"type": "uses", "integrations": integrations}),
        Detail::Retained => json!({"type": "retained"}),
        Detail::Container { container, change } => json!({
            "type": "container",
            "container": container_value(container),
            "change": change.word(),
        }),
        Detail::Image {
            container,
            old,
            new,
        } => json!({
            "type": "image",
            "container": container_value(container),
            "old": old,
            "new": new,
        }),
        Detail::Env {
            container,
            name,
            change,
            old,
            new,
        } => json!({
            "type": "env",
            "container": container_value(container),
            "name": name,
            "change": change.word(),
            "old": old.as_ref().map(source_value),
            "new": new.as_ref().map(source_value),
        }),
        Detail::Value {
            field,
            path,
            old,
            new,
        } => json!({"type": "scalar", "field": field, "path": path, "old": old, "new": new}),
        Detail::SecretKey {
            key,
            change,
            sealed,
        } => json!({"type": "secret_key", "key": key, "change": change.word(), "sealed": sealed}),
        Detail::Restart => json!({"type": "restart"}),
        Detail::Moved { old_file, new_file } => {
            json!({"type": "moved", "old_file": old_file, "new_file": new_file})
        }
        Detail::TextOnly => json!({"type": "text_only"}),
        Detail::Unparsed { error } => json!({"type": "invalid_yaml", "error": error}),
        Detail::Fields { paths } => json!({"type": "fields", "paths": paths}),
    }
}

fn container_value(container: &ContainerRef) -> Value {
    json!({"name": container.name, "init": container.init})
}

fn source_value(source: &EnvSource) -> Value {
    match source {
        EnvSource::Value => json!({"type": "value"}),
        EnvSource::Secret {
            secret,
            key,
            integration,
        } => json!({"type": "secret", "secret": secret, "key": key, "integration": integration}),
        EnvSource::ConfigMap { name, key } => {
            json!({"type": "config_map", "name": name, "key": key})
        }
        EnvSource::Field { path } => json!({"type": "field", "path": path}),
        EnvSource::Other => json!({"type": "other"}),
    }
}

/// Rebuilds every object with its keys in sorted order.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let sorted: Map<String, Value> = entries
                .into_iter()
                .map(|(key, value)| (key, sort_keys(value)))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn report() -> Report {
        let secret = "kind: ExternalSecret\nmetadata:\n  name: slack-acme\n  labels:\n    \
                      integrate.mitosis.dev/integration: slack\n";
        let new = BTreeMap::from([(
            "externalsecret-slack-acme.yaml".to_string(),
            secret.to_string(),
        )]);
        let diff = OfficeDiff::compare("acme", "out/acme", &BTreeMap::new(), &new);
        Report::new(
            Against::Revision {
                revision: "main".into(),
                commit: "0".repeat(40),
            },
            vec![diff],
        )
    }

    #[test]
    fn document_has_version_and_sorted_keys() {
        let text = render(&report());
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["against"]["type"], "revision");
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn detail_carries_type_and_text() {
        let value: Value = serde_json::from_str(&render(&report())).unwrap();
        let object = &value["offices"][0]["objects"][0];
        assert_eq!(object["change"], "added");
        assert_eq!(object["kind"], "ExternalSecret");
        assert_eq!(object["details"][0]["type"], "integration");
        assert_eq!(object["details"][0]["change"], "enabled");
        assert_eq!(object["details"][0]["text"], "integration slack enabled");
        assert_eq!(value["offices"][0]["files"][0]["change"], "added");
    }

    #[test]
    fn rendering_twice_is_identical() {
        assert_eq!(render(&report()), render(&report()));
    }
}
