//! Pieces shared by every pod that `integrate` renders: hardening, env
//! and resources.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, EnvVar as K8sEnvVar, EnvVarSource, PodSecurityContext, ResourceRequirements,
    SeccompProfile, SecretKeySelector, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::office::{EnvValue, EnvVar};
use crate::registry::Resources;

/// The user and group every container runs as.
pub(super) const RUN_AS_ID: i64 = 1000;

/// Pod-level hardening: a non-root user, a group that owns mounted
/// volumes, and the runtime's default seccomp profile.
pub(super) fn pod_security_context() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(RUN_AS_ID),
        run_as_group: Some(RUN_AS_ID),
        fs_group: Some(RUN_AS_ID),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            ..SeccompProfile::default()
        }),
        ..PodSecurityContext::default()
    }
}

/// Container-level hardening: no privilege escalation and no Linux
/// capabilities.
pub(super) fn container_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

pub(super) fn resources(resources: &Resources) -> ResourceRequirements {
    let quantities = |map: &BTreeMap<String, String>| {
        map.iter()
            .map(|(name, value)| (name.clone(), Quantity(value.clone())))
            .collect()
    };
    ResourceRequirements {
        requests: Some(quantities(&resources.requests)),
        limits: Some(quantities(&resources.limits)),
        ..ResourceRequirements::default()
    }
}

/// Escapes `$` as `$$`. The kubelet expands `$(VAR)` in env values and
/// turns `$$` into `$`, so an escaped value reaches the container exactly
/// as written.
pub(super) fn literal(value: &str) -> String {
    value.replace('$', "$$")
}

/// A plain env var whose value reaches the container unchanged.
pub(super) fn plain_env(name: &str, value: &str) -> K8sEnvVar {
    K8sEnvVar {
        name: name.to_string(),
        value: Some(literal(value)),
        ..K8sEnvVar::default()
    }
}

/// Converts resolved env vars, each a plain value or a reference to one
/// key of a Secret.
pub(super) fn env(vars: &[EnvVar]) -> Vec<K8sEnvVar> {
    vars.iter()
        .map(|var| match &var.value {
            EnvValue::Plain(value) => plain_env(&var.name, value),
            EnvValue::SecretKey {
                secret,
                key,
                optional,
            } => secret_env(&var.name, secret, key, *optional),
        })
        .collect()
}

pub(super) fn secret_env(name: &str, secret: &str, key: &str, optional: bool) -> K8sEnvVar {
    K8sEnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_string(),
                key: key.to_string(),
                optional: optional.then_some(true),
            }),
            ..EnvVarSource::default()
        }),
        ..K8sEnvVar::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_signs_are_escaped() {
        assert_eq!(literal("$(HOME)/x $$ $"), "$$(HOME)/x $$$$ $$");
        assert_eq!(literal("plain"), "plain");
    }
}
