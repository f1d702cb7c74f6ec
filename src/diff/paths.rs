//! Changed paths between two JSON values, for the summary's last resort
//! (`fields changed: spec.template.spec.volumes`), and the removal of
//! fields that other details already explain.

use serde_json::Value;

/// Removes the value at a JSON pointer, if there is one.
pub(crate) fn remove_pointer(value: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(&last);
    }
}

/// Returns the deepest paths where two values differ. Lists whose items all
/// have a `name` are matched by name (`containers[agent].ports`); other
/// lists are reported as a whole.
pub(crate) fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    collect_paths(old, new, "", &mut paths);
    if paths.is_empty() {
        paths.push("(order only)".to_string());
    }
    paths
}

fn collect_paths(old: &Value, new: &Value, path: &str, paths: &mut Vec<String>) {
    if old == new {
        return;
    }
    let join = |segment: &str| {
        if path.is_empty() {
            segment.to_string()
        } else {
            format!("{path}.{segment}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (x, y) = (a.get(key), b.get(key));
                if x != y {
                    let null = Value::Null;
                    collect_paths(x.unwrap_or(&null), y.unwrap_or(&null), &join(key), paths);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => match (by_name(a), by_name(b)) {
            (Some(x), Some(y)) if !path.is_empty() => {
                let mut names: Vec<&str> = x.iter().chain(y.iter()).map(|(n, _)| *n).collect();
                names.sort_unstable();
                names.dedup();
                let null = Value::Null;
                let before = paths.len();
                for name in names {
                    let (p, q) = (find_named(&x, name), find_named(&y, name));
                    let item_path = format!("{path}[{name}]");
                    match (p, q) {
                        (Some(p), Some(q)) => collect_paths(p, q, &item_path, paths),
                        _ => {
                            collect_paths(p.unwrap_or(&null), q.unwrap_or(&null), &item_path, paths)
                        }
                    }
                }
                if paths.len() == before {
                    paths.push(path.to_string());
                }
            }
            _ => paths.push(path.to_string()),
        },
        _ => paths.push(if path.is_empty() {
            "(whole document)".to_string()
        } else {
            path.to_string()
        }),
    }
}

/// Returns the value paired with `name`.
pub(crate) fn find_named<'a>(items: &[(&str, &'a Value)], name: &str) -> Option<&'a Value> {
    items.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Returns the items of a list keyed by their `name`, when every item
/// has a distinct one.
fn by_name(items: &[Value]) -> Option<Vec<(&str, &Value)>> {
    let mut named = Vec::new();
    for item in items {
        named.push((item.get("name")?.as_str()?, item));
    }
    let mut names: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    (names.len() == named.len()).then_some(named)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn assert_paths(old: Value, new: Value, expected: &[&str]) {
        assert_eq!(changed_paths(&old, &new), expected);
    }

    #[test]
    fn changed_paths_descend_into_maps() {
        assert_paths(
            json!({"spec": {"a": 1, "b": {"c": 2}}}),
            json!({"spec": {"a": 1, "b": {"c": 3}, "d": 4}}),
            &["spec.b.c", "spec.d"],
        );
    }

    #[test]
    fn changed_paths_match_named_items() {
        assert_paths(
            json!({"ports": [{"name": "http", "port": 80}, {"name": "dns", "port": 53}]}),
            json!({"ports": [{"name": "dns", "port": 53}, {"name": "http", "port": 81}]}),
            &["ports[http].port"],
        );
        assert_paths(
            json!({"args": ["a", "b"]}),
            json!({"args": ["a", "c"]}),
            &["args"],
        );
    }
}
