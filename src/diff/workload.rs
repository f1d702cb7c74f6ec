//! Details of workloads: the containers, images and env vars of a pod
//! template, the integration each secret reference comes from, and the
//! configuration hash whose change restarts the pods.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Change;
use super::detail::{ContainerRef, Detail, EnvSource};
use super::model::{Side, integration_label};
use super::paths::{find_named, remove_pointer};

/// The pod-template annotation with the sha256 of an agent's or a colony
/// container's rendered configuration, as a JSON pointer segment.
const CONFIG_HASH: &str = "integrate.mitosis.dev~1config-sha256";

/// The two container lists of a pod spec, and whether they hold init
/// containers.
const LISTS: [(&str, bool); 2] = [("initContainers", true), ("containers", false)];

/// Returns where a workload kind keeps its pod template, as a JSON
/// pointer.
fn template_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => Some("/spec/template"),
        "CronJob" => Some("/spec/jobTemplate/spec/template"),
        "Pod" => Some(""),
        _ => None,
    }
}

/// One named container of a pod template.
struct Container<'a> {
    init: bool,
    name: &'a str,
    value: &'a Value,
}

fn containers(template: &Value) -> Vec<Container<'_>> {
    let mut found = Vec::new();
    for (list, init) in LISTS {
        let Some(Value::Array(items)) = template.pointer(&format!("/spec/{list}")) else {
            continue;
        };
        for value in items {
            if let Some(name) = value.get("name").and_then(Value::as_str) {
                found.push(Container { init, name, value });
            }
        }
    }
    found
}

fn find<'a>(list: &'a [Container<'a>], init: bool, name: &str) -> Option<&'a Value> {
    list.iter()
        .find(|c| c.init == init && c.name == name)
        .map(|c| c.value)
}

/// Adds the container, image, env and restart details of a workload, and
/// removes what they explain from `old_rest` and `new_rest`.
pub(crate) fn describe(
    old_rest: &mut Value,
    new_rest: &mut Value,
    old: &Side,
    new: &Side,
    details: &mut Vec<Detail>,
) {
    let kind = new_rest.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(pointer) = template_pointer(kind) else {
        return;
    };
    let (Some(old_template), Some(new_template)) = (
        old_rest.pointer(pointer).cloned(),
        new_rest.pointer(pointer).cloned(),
    ) else {
        return;
    };
    let old_list = containers(&old_template);
    let new_list = containers(&new_template);
    let only = old_list.len() == 1 && new_list.len() == 1;
    let mut order: Vec<(bool, &str)> = new_list.iter().map(|c| (c.init, c.name)).collect();
    for container in &old_list {
        if !order.contains(&(container.init, container.name)) {
            order.push((container.init, container.name));
        }
    }
    for (init, name) in order {
        let container = ContainerRef {
            name: name.to_string(),
            init,
            only,
        };
        let list = if init { "initContainers" } else { "containers" };
        let sides = (find(&old_list, init, name), find(&new_list, init, name));
        let rests = [&mut *old_rest, &mut *new_rest];
        match sides {
            (None, Some(_)) | (Some(_), None) => {
                let change = if sides.0.is_none() {
                    Change::Added
                } else {
                    Change::Removed
                };
                details.push(Detail::Container { container, change });
                for rest in rests {
                    remove_container(rest, pointer, list, name);
                }
            }
            (Some(before), Some(after)) => {
                let masked = compare_container(&container, before, after, (old, new), details);
                for rest in rests {
                    if let Some(fields) = container_mut(rest, pointer, list, name) {
                        for field in &masked {
                            fields.remove(*field);
                        }
                    }
                }
            }
            (None, None) => {}
        }
    }
    let hash = format!("{pointer}/metadata/annotations/{CONFIG_HASH}");
    if old_rest.pointer(&hash) != new_rest.pointer(&hash) {
        details.push(Detail::Restart);
        remove_pointer(old_rest, &hash);
        remove_pointer(new_rest, &hash);
    }
}

/// Adds the image and env details of one container. Returns the fields
/// the details explain.
fn compare_container(
    container: &ContainerRef,
    before: &Value,
    after: &Value,
    sides: (&Side, &Side),
    details: &mut Vec<Detail>,
) -> Vec<&'static str> {
    let mut masked = Vec::new();
    let image = |value: &Value| {
        value
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if before.get("image") != after.get("image") {
        details.push(Detail::Image {
            container: container.clone(),
            old: image(before),
            new: image(after),
        });
        masked.push("image");
    }
    let count = details.len();
    compare_env(
        container,
        before.get("env"),
        after.get("env"),
        sides,
        details,
    );
    if details.len() > count {
        masked.push("env");
    }
    masked
}

fn compare_env(
    container: &ContainerRef,
    before: Option<&Value>,
    after: Option<&Value>,
    (old, new): (&Side, &Side),
    details: &mut Vec<Detail>,
) {
    let old_vars = env_entries(before);
    let new_vars = env_entries(after);
    let mut names: Vec<&str> = old_vars
        .iter()
        .chain(new_vars.iter())
        .map(|(n, _)| *n)
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let pair = (find_named(&old_vars, name), find_named(&new_vars, name));
        let (change, old_source, new_source) = match pair {
            (None, Some(var)) => (Change::Added, None, Some(env_source(var, new))),
            (Some(var), None) => (Change::Removed, Some(env_source(var, old)), None),
            (Some(a), Some(b)) if a != b => (
                Change::Changed,
                Some(env_source(a, old)),
                Some(env_source(b, new)),
            ),
            _ => continue,
        };
        details.push(Detail::Env {
            container: container.clone(),
            name: name.to_string(),
            change,
            old: old_source,
            new: new_source,
        });
    }
}

/// Returns the named entries of an `env` list. A repeated name keeps its
/// first entry, and the renderer never repeats one.
fn env_entries(env: Option<&Value>) -> Vec<(&str, &Value)> {
    let Some(Value::Array(items)) = env else {
        return Vec::new();
    };
    let mut entries: Vec<(&str, &Value)> = Vec::new();
    for item in items {
        if let Some(name) = item.get("name").and_then(Value::as_str)
            && !entries.iter().any(|(n, _)| *n == name)
        {
            entries.push((name, item));
        }
    }
    entries
}

fn env_source(var: &Value, side: &Side) -> EnvSource {
    let Some(from) = var.get("valueFrom") else {
        return EnvSource::Value;
    };
    let text = |value: &Value, key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if let Some(reference) = from.get("secretKeyRef") {
        let secret = text(reference, "name");
        let integration = side.integration_of_secret(&secret).map(str::to_string);
        return EnvSource::Secret {
            key: text(reference, "key"),
            secret,
            integration,
        };
    }
    if let Some(reference) = from.get("configMapKeyRef") {
        return EnvSource::ConfigMap {
            name: text(reference, "name"),
            key: text(reference, "key"),
        };
    }
    if let Some(reference) = from.get("fieldRef") {
        return EnvSource::Field {
            path: text(reference, "fieldPath"),
        };
    }
    EnvSource::Other
}

/// Returns the integrations, other than the object's own, whose secrets
/// a workload reads through env vars, sorted.
pub(crate) fn integrations_used(value: &Value, side: &Side) -> Vec<String> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(template) = template_pointer(kind).and_then(|p| value.pointer(p)) else {
        return Vec::new();
    };
    let own = integration_label(value);
    let mut found = BTreeSet::new();
    for container in containers(template) {
        for (_, var) in env_entries(container.value.get("env")) {
            if let EnvSource::Secret {
                integration: Some(integration),
                ..
            } = env_source(var, side)
            {
                found.insert(integration);
            }
        }
    }
    if let Some(own) = own {
        found.remove(&own);
    }
    found.into_iter().collect()
}

fn container_mut<'a>(
    rest: &'a mut Value,
    pointer: &str,
    list: &str,
    name: &str,
) -> Option<&'a mut Map<String, Value>> {
    rest.pointer_mut(&format!("{pointer}/spec/{list}"))?
        .as_array_mut()?
        .iter_mut()
        .find(|item| item.get("name").and_then(Value::as_str) == Some(name))?
        .as_object_mut()
}

/// Removes a container, and its list when that becomes empty, so that
/// an added first init container leaves no difference behind.
fn remove_container(rest: &mut Value, pointer: &str, list: &str, name: &str) {
    let list_pointer = format!("{pointer}/spec/{list}");
    let Some(Value::Array(items)) = rest.pointer_mut(&list_pointer) else {
        return;
    };
    items.retain(|item| item.get("name").and_then(Value::as_str) != Some(name));
    if items.is_empty() {
        remove_pointer(rest, &list_pointer);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::diff::model::Document;
    use crate::diff::summary::describe_changed;

    fn deployment(image: &str, env: Value, hash: &str) -> Document {
        Document {
            file: "deployment-agent-alice.yaml".into(),
            value: json!({
                "kind": "Deployment",
                "metadata": {"name": "agent-alice"},
                "spec": {"template": {
                    "metadata": {"annotations": {"integrate.mitosis.dev/config-sha256": hash}},
                    "spec": {"containers": [{"name": "agent", "image": image, "env": env}]}
                }}
            }),
            invalid: None,
        }
    }

    fn side_with_secret(secret: &str, integration: &str) -> Side {
        Side {
            secrets: BTreeMap::from([(secret.to_string(), integration.to_string())]),
            ..Side::default()
        }
    }

    fn secret_var(name: &str, secret: &str) -> Value {
        json!({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": name}}})
    }

    #[test]
    fn env_changes_name_their_integration() {
        let old = side_with_secret("github-personal-acme", "github:personal");
        let new = side_with_secret("github-work-acme", "github:work");
        let before = deployment(
            "agent:1.8.0",
            json!([
                secret_var("GH_OLD", "github-personal-acme"),
                {"name": "LOG_LEVEL", "value": "info"}
            ]),
            "a",
        );
        let after = deployment(
            "agent:1.9.0",
            json!([
                {"name": "LOG_LEVEL", "value": "debug"},
                secret_var("GITHUB_TOKEN", "github-work-acme")
            ]),
            "b",
        );
        let text: Vec<String> = describe_changed(&before, &after, &old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "image agent:1.8.0 -> agent:1.9.0",
                "env -GH_OLD from github:personal",
                "env +GITHUB_TOKEN from github:work",
                "env ~LOG_LEVEL value changed",
                "config hash changed, so the pods restart",
            ]
        );
        assert!(!text.concat().contains("debug"));
    }

    #[test]
    fn other_container_fields_fall_back_to_paths() {
        let before = deployment("agent:1", json!([]), "a");
        let mut after = deployment("agent:1", json!([]), "a");
        after.value["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["--verbose"]);
        let side = Side::default();
        let details = describe_changed(&before, &after, &side, &side);
        assert_eq!(
            details,
            [Detail::Fields {
                paths: vec!["spec.template.spec.containers[agent].args".into()]
            }]
        );
    }

    #[test]
    fn added_container_is_named() {
        let before = deployment("agent:1", json!([]), "a");
        let mut after = deployment("agent:1", json!([]), "a");
        after.value["spec"]["template"]["spec"]["initContainers"] =
            json!([{"name": "install-tools", "image": "busybox:1.36"}]);
        let side = Side::default();
        let text: Vec<String> = describe_changed(&before, &after, &side, &side)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(text, ["init container +install-tools"]);
    }

    #[test]
    fn workload_lists_integrations_it_uses() {
        let side = side_with_secret("slack-acme", "slack");
        let document = deployment(
            "agent:1",
            json!([secret_var("SLACK_BOT_TOKEN", "slack-acme")]),
            "a",
        );
        assert_eq!(integrations_used(&document.value, &side), ["slack"]);
    }
}
