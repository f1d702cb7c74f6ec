//! Labels, annotations and object metadata shared by every renderer.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::office::Office;

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const OFFICE: &str = "integrate.mitosis.dev/office";
pub const AGENT: &str = "integrate.mitosis.dev/agent";
pub const INTEGRATION: &str = "integrate.mitosis.dev/integration";
pub const INSTANCE: &str = "integrate.mitosis.dev/instance";
/// Pod-template annotation with the sha256 of the pod's inputs.
pub const CONFIG_HASH: &str = "integrate.mitosis.dev/config-sha256";

/// Annotations that keep a claim when it leaves `out/`: Argo CD neither
/// prunes it nor deletes it with the Application, and Flux's garbage
/// collection skips it.
pub fn retain_annotations() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "argocd.argoproj.io/sync-options".to_string(),
            "Prune=false,Delete=false".to_string(),
        ),
        (
            "kustomize.toolkit.fluxcd.io/prune".to_string(),
            "disabled".to_string(),
        ),
    ])
}

/// The owner of an object, which decides its labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Owner<'a> {
    pub agent: Option<&'a str>,
    pub integration: Option<&'a str>,
    pub instance: Option<&'a str>,
    pub component: Option<&'a str>,
}

/// The labels every object of `office` carries, plus those of `owner`.
pub fn labels(office: &Office, owner: Owner<'_>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        (MANAGED_BY.to_string(), "integrate".to_string()),
        (OFFICE.to_string(), office.id.clone()),
    ]);
    for (key, value) in [
        (AGENT, owner.agent),
        (INTEGRATION, owner.integration),
        (INSTANCE, owner.instance),
        (COMPONENT, owner.component),
    ] {
        if let Some(value) = value {
            labels.insert(key.to_string(), value.to_string());
        }
    }
    labels
}

/// The selector labels of a workload's pods. They never include values
/// that change between builds, because a Deployment's selector is
/// immutable.
pub fn selector(office: &Office, owner: Owner<'_>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([(OFFICE.to_string(), office.id.clone())]);
    for (key, value) in [
        (AGENT, owner.agent),
        (INTEGRATION, owner.integration),
        (COMPONENT, owner.component),
    ] {
        if let Some(value) = value {
            labels.insert(key.to_string(), value.to_string());
        }
    }
    labels
}

/// Metadata of a namespaced object.
pub fn object_meta(office: &Office, name: &str, owner: Owner<'_>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(office.namespace.clone()),
        labels: Some(labels(office, owner)),
        ..ObjectMeta::default()
    }
}
