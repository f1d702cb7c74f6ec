//! The changes of one object in words: which [`Detail`]s an added, a
//! removed or a changed object gets.

use serde_json::Value;

use super::detail::Detail;
use super::model::{Document, Side, integration_label};
use super::paths::{changed_paths, remove_pointer};
use super::{Change, workload};

/// Scalar fields reported with their old and new value, and the words
/// used for them. None of them can hold secret material.
const VALUE_FIELDS: [(&str, &str); 5] = [
    ("/spec/replicas", "replicas"),
    ("/spec/schedule", "schedule"),
    ("/spec/timeZone", "time zone"),
    ("/spec/suspend", "suspend"),
    ("/spec/concurrencyPolicy", "concurrency policy"),
];

/// The annotations that tell Argo CD and Flux not to prune an object.
const ARGO_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
const FLUX_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";

/// Describes an object that only the new side has.
pub(crate) fn describe_added(document: &Document, old: &Side, new: &Side) -> Vec<Detail> {
    if let Some(error) = &document.invalid {
        return vec![Detail::Unparsed {
            error: error.clone(),
        }];
    }
    let mut details = Vec::new();
    if let Some(integration) = integration_label(&document.value)
        && !old.integrations.contains(&integration)
    {
        details.push(Detail::Integration {
            integration,
            enabled: true,
        });
    }
    let integrations = workload::integrations_used(&document.value, new);
    if !integrations.is_empty() {
        details.push(Detail::Uses { integrations });
    }
    details
}

/// Describes an object that only the old side has.
pub(crate) fn describe_removed(document: &Document, new: &Side) -> Vec<Detail> {
    if let Some(error) = &document.invalid {
        return vec![Detail::Unparsed {
            error: error.clone(),
        }];
    }
    let mut details = Vec::new();
    if let Some(integration) = integration_label(&document.value)
        && !new.integrations.contains(&integration)
    {
        details.push(Detail::Integration {
            integration,
            enabled: false,
        });
    }
    if is_retained(&document.value) {
        details.push(Detail::Retained);
    }
    details
}

fn is_retained(value: &Value) -> bool {
    let Some(annotations) = value.pointer("/metadata/annotations") else {
        return false;
    };
    let argo = annotations
        .get(ARGO_SYNC_OPTIONS)
        .and_then(Value::as_str)
        .is_some_and(|options| options.split(',').any(|o| o.trim() == "Prune=false"));
    let flux = annotations.get(FLUX_PRUNE).and_then(Value::as_str) == Some("disabled");
    argo || flux
}

/// Describes how an object that both sides have changed. Each finder
/// removes what it explained from working copies, so the last step lists only the paths
/// that are left.
pub(crate) fn describe_changed(
    before: &Document,
    after: &Document,
    old: &Side,
    new: &Side,
) -> Vec<Detail> {
    let mut details = Vec::new();
    if before.value != after.value {
        let mut old_rest = before.value.clone();
        let mut new_rest = after.value.clone();
        workload::describe(&mut old_rest, &mut new_rest, old, new, &mut details);
        describe_values(&mut old_rest, &mut new_rest, &mut details);
        describe_secret_keys(&mut old_rest, &mut new_rest, &mut details);
        if old_rest != new_rest || details.is_empty() {
            let paths = changed_paths(&old_rest, &new_rest);
            details.push(Detail::Fields { paths });
        }
    }
    if before.file != after.file {
        details.push(Detail::Moved {
            old_file: before.file.clone(),
            new_file: after.file.clone(),
        });
    }
    details
}

fn describe_values(old_rest: &mut Value, new_rest: &mut Value, details: &mut Vec<Detail>) {
    for (pointer, field) in VALUE_FIELDS {
        let old = old_rest.pointer(pointer).cloned();
        let new = new_rest.pointer(pointer).cloned();
        if old == new {
            continue;
        }
        details.push(Detail::Value {
            field: field.to_string(),
            path: pointer.trim_start_matches('/').replace('/', "."),
            old,
            new,
        });
        remove_pointer(old_rest, pointer);
        remove_pointer(new_rest, pointer);
    }
}

/// Describes the keys of an `ExternalSecret`'s `spec.data` or of a
/// `SealedSecret`'s `spec.encryptedData`. Values are compared, never shown.
fn describe_secret_keys(old_rest: &mut Value, new_rest: &mut Value, details: &mut Vec<Detail>) {
    let kind = new_rest.get("kind").and_then(Value::as_str).unwrap_or("");
    let (pointer, sealed) = match kind {
        "ExternalSecret" => ("/spec/data", false),
        "SealedSecret" => ("/spec/encryptedData", true),
        _ => return,
    };
    let old = keyed_entries(old_rest.pointer(pointer), sealed);
    let new = keyed_entries(new_rest.pointer(pointer), sealed);
    let mut keys: Vec<&String> = old.iter().chain(new.iter()).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    let found = details.len();
    for key in keys {
        let find = |entries: &[(String, Value)]| {
            entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let change = match (find(&old), find(&new)) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(a), Some(b)) if a != b => Change::Changed,
            _ => continue,
        };
        details.push(Detail::SecretKey {
            key: key.clone(),
            change,
            sealed,
        });
    }
    if details.len() > found {
        remove_pointer(old_rest, pointer);
        remove_pointer(new_rest, pointer);
    }
}

fn keyed_entries(value: Option<&Value>, sealed: bool) -> Vec<(String, Value)> {
    match value {
        Some(Value::Object(map)) if sealed => {
            map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        Some(Value::Array(items)) if !sealed => items
            .iter()
            .filter_map(|item| {
                let key = item.get("secretKey")?.as_str()?;
                Some((key.to_string(), item.clone()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_key_change_hides_ciphertext() {
        let document = |data: Value| Document {
            file: "s.yaml".into(),
            value: json!({"kind": "SealedSecret", "spec": {"encryptedData": data}}),
            invalid: None,
        };
        let before = document(json!({"A": "AgB1", "B": "AgB2"}));
        let after = document(json!({"A": "AgB9", "C": "AgB3"}));
        let side = Side::default();
        let details = describe_changed(&before, &after, &side, &side);
        let text: Vec<String> = details.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "encrypted value of A changed",
                "encrypted key -B",
                "encrypted key +C"
            ]
        );
        assert!(!text.concat().contains("AgB"));
    }

    #[test]
    fn schedule_change_shows_both_values() {
        let document = |schedule: &str| Document {
            file: "c.yaml".into(),
            value: json!({"kind": "CronJob", "spec": {"schedule": schedule}}),
            invalid: None,
        };
        let side = Side::default();
        let details = describe_changed(&document("0 9 * * *"), &document("@hourly"), &side, &side);
        assert_eq!(details.len(), 1);
        assert_eq!(details[0].to_string(), "schedule `0 9 * * *` -> `@hourly`");
    }

    #[test]
    fn removed_claim_is_reported_as_kept() {
        let document = Document {
            file: "p.yaml".into(),
            value: json!({"kind": "PersistentVolumeClaim", "metadata": {"annotations": {
                "argocd.argoproj.io/sync-options": "Prune=false,Delete=false"}}}),
            invalid: None,
        };
        let side = Side::default();
        assert_eq!(describe_removed(&document, &side), [Detail::Retained]);
    }
}
