//! An agent's `Deployment` and home `PersistentVolumeClaim`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource,
    PodSpec, PodTemplateSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use sha2::{Digest, Sha256};

use super::meta::{self, CONFIG_HASH, Owner, labels, object_meta, selector};
use super::pod;
use crate::office::{Agent, Office};

/// Mount path of the home claim in the agent container.
pub const HOME: &str = "/home/agent";

pub(super) fn deployment_name(agent: &Agent) -> String {
    format!("agent-{}", agent.name)
}

pub(super) fn home_claim_name(agent: &Agent) -> String {
    format!("agent-{}-home", agent.name)
}

fn owner(agent: &Agent) -> Owner<'_> {
    Owner {
        agent: Some(&agent.name),
        component: Some("agent"),
        ..Owner::default()
    }
}

/// Renders the agent's Deployment. `secret_documents` holds the rendered
/// secret reference of every instance the agent enables: it goes into the
/// pod's config hash, so a rotated SealedSecret rolls the pod.
pub(super) fn deployment(office: &Office, agent: &Agent, secret_documents: &[&str]) -> Deployment {
    let container = Container {
        name: "agent".to_string(),
        image: Some(office.agent_image.clone()),
        env: Some(pod::env(&agent.env)).filter(|env| !env.is_empty()),
        resources: Some(pod::resources(&office.agent_resources)),
        security_context: Some(pod::container_security_context()),
        volume_mounts: Some(vec![VolumeMount {
            name: "home".to_string(),
            mount_path: HOME.to_string(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    };
    let spec = PodSpec {
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        security_context: Some(pod::pod_security_context()),
        containers: vec![container],
        volumes: Some(vec![Volume {
            name: "home".to_string(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: home_claim_name(agent),
                ..PersistentVolumeClaimVolumeSource::default()
            }),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    let hash = config_hash(&spec, secret_documents);
    Deployment {
        metadata: object_meta(office, &deployment_name(agent), owner(agent)),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector(office, owner(agent))),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".to_string()),
                rolling_update: None,
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(office, owner(agent))),
                    annotations: Some(BTreeMap::from([(CONFIG_HASH.to_string(), hash)])),
                    ..ObjectMeta::default()
                }),
                spec: Some(spec),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// Returns the sha256 of a pod spec and of the documents it depends on.
pub(super) fn config_hash(spec: &PodSpec, documents: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(spec).unwrap_or_default());
    for document in documents {
        hasher.update([0]);
        hasher.update(document.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// Renders the agent's home claim, kept when the agent is removed.
pub(super) fn home_claim(office: &Office, agent: &Agent) -> PersistentVolumeClaim {
    claim(
        office,
        &home_claim_name(agent),
        &office.agent_storage,
        owner(agent),
    )
}

/// Renders a ReadWriteOnce claim that neither Argo CD nor Flux deletes.
pub(super) fn claim(
    office: &Office,
    name: &str,
    storage: &str,
    owner: Owner<'_>,
) -> PersistentVolumeClaim {
    let mut metadata = object_meta(office, name, owner);
    metadata.annotations = Some(meta::retain_annotations());
    PersistentVolumeClaim {
        metadata,
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(storage.to_string()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}
