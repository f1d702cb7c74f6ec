//! Secret references: an `ExternalSecret` or a `SealedSecret` per
//! integration instance. Plaintext never appears; a `Secret` is only
//! ever created in the cluster by the backend's controller.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::meta::{Owner, object_meta};
use crate::office::{Office, SecretInstance};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExternalSecret {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: ExternalSecretSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecretSpec {
    refresh_interval: String,
    secret_store_ref: StoreRef,
    target: Target,
    data: Vec<DataEntry>,
}

#[derive(Debug, Serialize)]
struct StoreRef {
    kind: String,
    name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    name: String,
    creation_policy: &'static str,
    deletion_policy: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DataEntry {
    secret_key: String,
    remote_ref: RemoteRef,
}

/// A remote reference with ESO's defaulted fields written out, so that
/// Argo CD's diff does not see them appear after apply.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RemoteRef {
    key: String,
    property: String,
    conversion_strategy: &'static str,
    decoding_strategy: &'static str,
    metadata_policy: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SealedSecret {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: SealedSecretSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SealedSecretSpec {
    encrypted_data: BTreeMap<String, String>,
    template: SealedTemplate,
}

#[derive(Debug, Serialize)]
struct SealedTemplate {
    metadata: ObjectMeta,
}

fn owner(secret: &SecretInstance) -> Owner<'_> {
    Owner {
        integration: Some(&secret.integration.id),
        instance: secret.instance.as_deref(),
        ..Owner::default()
    }
}

/// Renders the ExternalSecret of `secret`.
pub(super) fn external_secret(
    office: &Office,
    secret: &SecretInstance,
    store: &str,
    store_kind: &str,
    key_prefix: &str,
    refresh_interval: &str,
) -> ExternalSecret {
    let remote_key = format!("{key_prefix}/{}", secret.name);
    ExternalSecret {
        api_version: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: object_meta(office, &secret.name, owner(secret)),
        spec: ExternalSecretSpec {
            refresh_interval: refresh_interval.to_string(),
            secret_store_ref: StoreRef {
                kind: store_kind.to_string(),
                name: store.to_string(),
            },
            target: Target {
                name: secret.name.clone(),
                creation_policy: "Owner",
                deletion_policy: "Retain",
            },
            data: secret
                .integration
                .secrets
                .iter()
                .map(|key| DataEntry {
                    secret_key: key.key.clone(),
                    remote_ref: RemoteRef {
                        key: remote_key.clone(),
                        property: key.key.clone(),
                        conversion_strategy: "Default",
                        decoding_strategy: "None",
                        metadata_policy: "None",
                    },
                })
                .collect(),
        },
    }
}

/// Renders the SealedSecret of `secret`. Its name and namespace are the
/// ones the ciphertext was sealed for: the secret name as the office file
/// keys it, and the office namespace.
pub(super) fn sealed_secret(office: &Office, secret: &SecretInstance) -> SealedSecret {
    let metadata = object_meta(office, &secret.name, owner(secret));
    SealedSecret {
        api_version: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        spec: SealedSecretSpec {
            encrypted_data: secret.sealed.clone(),
            template: SealedTemplate {
                metadata: metadata.clone(),
            },
        },
        metadata,
    }
}
