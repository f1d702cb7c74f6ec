//! A colony container: `Deployment`, `Service`, `NetworkPolicy` and an
//! optional data claim, rendered while at least one agent enables it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar as K8sEnvVar, PersistentVolumeClaim,
    PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec,
    Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::agent::{claim, config_hash};
use super::meta::{AGENT, COMPONENT, CONFIG_HASH, OFFICE, Owner, labels, object_meta, selector};
use super::pod;
use crate::office::{Colony, Office};
use crate::registry::ColonyContainer;

fn owner(colony: &Colony) -> Owner<'_> {
    Owner {
        integration: Some(&colony.integration.id),
        component: Some("colony-container"),
        ..Owner::default()
    }
}

fn container_spec(colony: &Colony) -> &ColonyContainer {
    &colony.container
}

pub(super) fn data_claim_name(colony: &Colony) -> String {
    format!("{}-data", colony.object_name())
}

pub(super) fn deployment(office: &Office, colony: &Colony, secret_document: &str) -> Deployment {
    let spec = container_spec(colony);
    let secret = &office.secrets[colony.secret];
    let mut env: Vec<K8sEnvVar> = spec
        .env
        .iter()
        .map(|(name, value)| pod::plain_env(name, value))
        .collect();
    for key in &colony.integration.secrets {
        if secret.has_key(&office.backend, &key.key) {
            env.push(pod::secret_env(
                &key.key,
                &secret.name,
                &key.key,
                !key.required,
            ));
        }
    }
    env.sort_by(|a, b| a.name.cmp(&b.name));

    let (volumes, mounts) = match (&spec.storage, &spec.mount_path) {
        (Some(_), Some(mount_path)) => (
            Some(vec![Volume {
                name: "data".to_string(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: data_claim_name(colony),
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..Volume::default()
            }]),
            Some(vec![VolumeMount {
                name: "data".to_string(),
                mount_path: mount_path.clone(),
                ..VolumeMount::default()
            }]),
        ),
        _ => (None, None),
    };
    let container = Container {
        name: colony.integration.id.clone(),
        image: Some(spec.image.clone()),
        command: Some(spec.command.clone()).filter(|c| !c.is_empty()),
        args: Some(spec.args.clone()).filter(|a| !a.is_empty()),
        env: Some(env).filter(|env| !env.is_empty()),
        ports: Some(
            spec.ports
                .iter()
                .map(|port| ContainerPort {
                    name: Some(port.name.clone()),
                    container_port: port.port,
                    protocol: Some(port.protocol.clone()),
                    ..ContainerPort::default()
                })
                .collect(),
        )
        .filter(|ports: &Vec<ContainerPort>| !ports.is_empty()),
        resources: Some(pod::resources(&spec.resources)),
        security_context: Some(pod::container_security_context()),
        volume_mounts: mounts,
        ..Container::default()
    };
    let pod_spec = PodSpec {
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        security_context: Some(pod::pod_security_context()),
        containers: vec![container],
        volumes,
        ..PodSpec::default()
    };
    let hash = config_hash(&pod_spec, &[secret_document]);
    Deployment {
        metadata: object_meta(office, &colony.object_name(), owner(colony)),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector(office, owner(colony))),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".to_string()),
                rolling_update: None,
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(office, owner(colony))),
                    annotations: Some(BTreeMap::from([(CONFIG_HASH.to_string(), hash)])),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// Renders a ClusterIP Service in front of the container's ports, or `None` when
/// the container listens on none.
pub(super) fn service(office: &Office, colony: &Colony) -> Option<Service> {
    let spec = container_spec(colony);
    if spec.ports.is_empty() {
        return None;
    }
    Some(Service {
        metadata: object_meta(office, &colony.object_name(), owner(colony)),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(selector(office, owner(colony))),
            ports: Some(
                spec.ports
                    .iter()
                    .map(|port| ServicePort {
                        name: Some(port.name.clone()),
                        port: port.port,
                        target_port: Some(IntOrString::String(port.name.clone())),
                        protocol: Some(port.protocol.clone()),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    })
}

/// Admits traffic to the container only from the pods of the agents that
/// enable it.
pub(super) fn network_policy(office: &Office, colony: &Colony) -> NetworkPolicy {
    let spec = container_spec(colony);
    let agents = NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([
                (OFFICE.to_string(), office.id.clone()),
                (COMPONENT.to_string(), "agent".to_string()),
            ])),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: AGENT.to_string(),
                operator: "In".to_string(),
                values: Some(colony.agents.clone()),
            }]),
        }),
        ..NetworkPolicyPeer::default()
    };
    NetworkPolicy {
        metadata: object_meta(office, &colony.object_name(), owner(colony)),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(selector(office, owner(colony))),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![agents]),
                ports: Some(
                    spec.ports
                        .iter()
                        .map(|port| NetworkPolicyPort {
                            port: Some(IntOrString::Int(port.port)),
                            protocol: Some(port.protocol.clone()),
                            ..NetworkPolicyPort::default()
                        })
                        .collect(),
                )
                .filter(|ports: &Vec<NetworkPolicyPort>| !ports.is_empty()),
            }]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// Renders the container's data claim, kept after teardown.
pub(super) fn data_claim(office: &Office, colony: &Colony) -> Option<PersistentVolumeClaim> {
    let storage = container_spec(colony).storage.as_ref()?;
    Some(claim(
        office,
        &data_claim_name(colony),
        storage,
        owner(colony),
    ))
}
