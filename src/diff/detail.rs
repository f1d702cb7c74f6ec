//! The [`Detail`]s a summary line shows and the words for each. Secret
//! material and plain env values are never part of a detail.

use std::fmt;

use serde_json::Value;

use super::Change;

/// The maximum number of changed paths a [`Detail::Fields`] line lists
/// before it counts the rest.
const MAX_SHOWN_PATHS: usize = 8;

/// A container of a pod template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    pub name: String,
    /// Whether it is an init container.
    pub init: bool,
    /// Whether it is the pod's only container on both sides, so the
    /// summary need not name it.
    pub only: bool,
}

impl ContainerRef {
    fn suffix(&self) -> String {
        match (self.only, self.init) {
            (true, _) => String::new(),
            (false, true) => format!(" in init container {}", self.name),
            (false, false) => format!(" in container {}", self.name),
        }
    }
}

/// The source of an env var's value. A literal value is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    Value,
    Secret {
        secret: String,
        key: String,
        /// The integration that owns the secret, from the labels of the
        /// `ExternalSecret` or `SealedSecret` of the same side.
        integration: Option<String>,
    },
    ConfigMap {
        name: String,
        key: String,
    },
    Field {
        path: String,
    },
    Other,
}

impl fmt::Display for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvSource::Value => write!(f, "a plain value"),
            EnvSource::Secret {
                integration: Some(integration),
                ..
            } => write!(f, "{integration}"),
            EnvSource::Secret { secret, key, .. } => write!(f, "secret {secret} key {key}"),
            EnvSource::ConfigMap { name, key } => write!(f, "config map {name} key {key}"),
            EnvSource::Field { path } => write!(f, "field {path}"),
            EnvSource::Other => write!(f, "another source"),
        }
    }
}

/// One thing that changed in an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The object carries an integration label that no object of the
    /// other side carries: the integration was enabled or disabled.
    Integration {
        integration: String,
        enabled: bool,
    },
    /// The integrations whose secrets an added workload reads.
    Uses {
        integrations: Vec<String>,
    },
    /// A removed object annotated so that Argo CD and Flux keep it.
    Retained,
    Container {
        container: ContainerRef,
        change: Change,
    },
    Image {
        container: ContainerRef,
        old: String,
        new: String,
    },
    Env {
        container: ContainerRef,
        name: String,
        change: Change,
        old: Option<EnvSource>,
        new: Option<EnvSource>,
    },
    /// A scalar such as `replicas` or `schedule`, `None` when unset.
    Value {
        field: String,
        /// The dotted path of the field, such as `spec.schedule`.
        path: String,
        old: Option<Value>,
        new: Option<Value>,
    },
    /// A key of an `ExternalSecret` (`sealed` false) or of a
    /// `SealedSecret`'s encrypted data.
    SecretKey {
        key: String,
        change: Change,
        sealed: bool,
    },
    /// The pod template's configuration hash changed, so pods restart.
    Restart,
    Moved {
        old_file: String,
        new_file: String,
    },
    /// The file changed but the object did not: comments or layout.
    TextOnly,
    /// The file is not valid YAML, so only its text is compared.
    Unparsed {
        error: String,
    },
    /// Changed paths that no other detail explains.
    Fields {
        paths: Vec<String>,
    },
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Integration {
                integration,
                enabled,
            } => {
                let state = if *enabled { "enabled" } else { "disabled" };
                write!(f, "integration {integration} {state}")
            }
            Detail::Uses { integrations } => write!(f, "env from {}", integrations.join(", ")),
            Detail::Retained => write!(f, "kept in the cluster: Argo CD and Flux do not prune it"),
            Detail::Container { container, change } => {
                let noun = if container.init {
                    "init container"
                } else {
                    "container"
                };
                write!(f, "{noun} {}{}", change.sign(), container.name)
            }
            Detail::Image {
                container,
                old,
                new,
            } => write!(f, "image {old} -> {new}{}", container.suffix()),
            Detail::Env {
                container,
                name,
                change,
                old,
                new,
            } => {
                let text = env_text(name, *change, old.as_ref(), new.as_ref());
                write!(f, "{text}{}", container.suffix())
            }
            Detail::Value {
                field, old, new, ..
            } => {
                write!(f, "{field} {} -> {}", show(old), show(new))
            }
            Detail::SecretKey {
                key,
                change,
                sealed,
            } => write!(f, "{}", secret_key_text(key, *change, *sealed)),
            Detail::Restart => write!(f, "config hash changed, so the pods restart"),
            Detail::Moved { old_file, new_file } => {
                write!(f, "moved from {old_file} to {new_file}")
            }
            Detail::TextOnly => write!(f, "only comments or formatting changed"),
            Detail::Unparsed { error } => {
                write!(f, "not valid YAML, compared as text: {error}")
            }
            Detail::Fields { paths } => write!(f, "fields changed: {}", list_paths(paths)),
        }
    }
}

fn env_text(
    name: &str,
    change: Change,
    old: Option<&EnvSource>,
    new: Option<&EnvSource>,
) -> String {
    let sign = change.sign();
    match (old, new) {
        (None, Some(EnvSource::Value)) | (Some(EnvSource::Value), None) => {
            format!("env {sign}{name} (plain value)")
        }
        (None, Some(source)) | (Some(source), None) => format!("env {sign}{name} from {source}"),
        (Some(EnvSource::Value), Some(EnvSource::Value)) => format!("env ~{name} value changed"),
        (Some(before), Some(after)) if before.to_string() == after.to_string() => {
            format!("env ~{name} changed, still from {after}")
        }
        (Some(before), Some(after)) => format!("env ~{name} now from {after}, was {before}"),
        (None, None) => format!("env {sign}{name}"),
    }
}

fn secret_key_text(key: &str, change: Change, sealed: bool) -> String {
    match (change, sealed) {
        (Change::Changed, true) => format!("encrypted value of {key} changed"),
        (Change::Changed, false) => format!("secret key ~{key} remote reference changed"),
        (_, true) => format!("encrypted key {}{key}", change.sign()),
        (_, false) => format!("secret key {}{key}", change.sign()),
    }
}

fn show(value: &Option<Value>) -> String {
    match value {
        None | Some(Value::Null) => "unset".to_string(),
        Some(Value::String(text)) => format!("`{text}`"),
        Some(other) => other.to_string(),
    }
}

fn list_paths(paths: &[String]) -> String {
    let shown: Vec<&str> = paths
        .iter()
        .take(MAX_SHOWN_PATHS)
        .map(String::as_str)
        .collect();
    let mut text = shown.join(", ");
    if paths.len() > MAX_SHOWN_PATHS {
        text.push_str(&format!(" and {} more", paths.len() - MAX_SHOWN_PATHS));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wording_covers_each_source() {
        let github = EnvSource::Secret {
            secret: "github-work-acme".into(),
            key: "GITHUB_TOKEN".into(),
            integration: Some("github:work".into()),
        };
        let unknown = EnvSource::Secret {
            secret: "manual".into(),
            key: "TOKEN".into(),
            integration: None,
        };
        let cases = [
            (
                Change::Added,
                None,
                Some(&github),
                "env +GITHUB_TOKEN from github:work",
            ),
            (
                Change::Removed,
                Some(&github),
                None,
                "env -GITHUB_TOKEN from github:work",
            ),
            (
                Change::Added,
                None,
                Some(&EnvSource::Value),
                "env +GITHUB_TOKEN (plain value)",
            ),
            (
                Change::Changed,
                Some(&EnvSource::Value),
                Some(&EnvSource::Value),
                "env ~GITHUB_TOKEN value changed",
            ),
            (
                Change::Changed,
                Some(&unknown),
                Some(&github),
                "env ~GITHUB_TOKEN now from github:work, was secret manual key TOKEN",
            ),
        ];
        for (change, old, new, expected) in cases {
            assert_eq!(env_text("GITHUB_TOKEN", change, old, new), expected);
        }
    }

    #[test]
    fn container_is_named_only_when_pod_has_several() {
        let env = |only| Detail::Env {
            container: ContainerRef {
                name: "agent".into(),
                init: false,
                only,
            },
            name: "A".into(),
            change: Change::Removed,
            old: Some(EnvSource::Value),
            new: None,
        };
        assert_eq!(env(true).to_string(), "env -A (plain value)");
        assert_eq!(
            env(false).to_string(),
            "env -A (plain value) in container agent"
        );
    }
}
