//! Agents of an office: which integration instances each enables, the
//! secrets that follow from them, and each agent's merged env.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::raw::{BackendKind, RawOffice};
use super::tasks::{self, Context, Task};
use super::{
    Agent, Backend, Colony, Configured, EnvSource, EnvValue, EnvVar, SecretInstance,
    colony_object_name, instance_label, members, secrets,
};
use crate::diag::{Diagnostic, Diagnostics, index_path, key_path};
use crate::names;
use crate::registry::{Integration, Registry};
use crate::source::{SourceFile, Span};
use crate::templates;

type InstanceKey = (String, Option<String>);

/// The place an instance was first configured or enabled, for messages.
struct Origin {
    integration: Arc<Integration>,
    span: Span,
    at: String,
}

/// An instance enabled on one agent, with where the office enables it.
pub(super) struct Enabled {
    pub key: InstanceKey,
    pub span: Span,
    pub at: String,
}

pub(super) type Resolved = (Vec<SecretInstance>, Vec<Agent>, Vec<Colony>, Vec<Task>);

#[allow(clippy::too_many_arguments)]
pub(super) fn resolve_agents(
    file: &SourceFile,
    office_id: &str,
    namespace: &str,
    raw: &RawOffice,
    registry: &Registry,
    configured: &BTreeMap<String, Configured>,
    backend: &Option<Backend>,
    diagnostics: &mut Diagnostics,
) -> Option<Resolved> {
    let errors_before = diagnostics.error_count();
    let mut origins: BTreeMap<InstanceKey, Origin> = BTreeMap::new();
    for (id, entry) in configured {
        let at = key_path("integrations", &entry.key);
        if entry.integration.multi_instance {
            for (label, span, index) in &entry.instances {
                origins.insert(
                    (id.clone(), Some(label.clone())),
                    Origin {
                        integration: entry.integration.clone(),
                        span: *span,
                        at: index_path(&key_path(&at, "instances"), *index),
                    },
                );
            }
        } else {
            origins.insert(
                (id.clone(), None),
                Origin {
                    integration: entry.integration.clone(),
                    span: entry.span,
                    at,
                },
            );
        }
    }

    let mut enabled_by_agent: BTreeMap<&str, (Option<String>, Vec<Enabled>)> = BTreeMap::new();
    for (name, agent) in &raw.agents {
        let at = key_path("agents", name);
        if let Err(reason) = names::check_dns_label(name) {
            diagnostics.push(Diagnostic::error(
                file,
                agent.span().into(),
                &at,
                format!("agent name `{name}` {reason}"),
            ));
        }
        if let Some(role) = &agent.get_ref().role
            && role.get_ref().trim().is_empty()
        {
            diagnostics.push(Diagnostic::error(
                file,
                role.span().into(),
                key_path(&at, "role"),
                "role must not be empty",
            ));
        }
        let mut enabled: Vec<Enabled> = Vec::new();
        for (i, reference) in agent.get_ref().integrations.iter().enumerate() {
            let ref_at = index_path(&key_path(&at, "integrations"), i);
            let span: Span = reference.span().into();
            let Some(key) = resolve_reference(
                file,
                reference.get_ref(),
                span,
                &ref_at,
                registry,
                configured,
                diagnostics,
            ) else {
                continue;
            };
            if enabled.iter().any(|known| known.key == key) {
                diagnostics.push(Diagnostic::error(
                    file,
                    span,
                    &ref_at,
                    format!(
                        "`{}` is enabled twice for this agent",
                        instance_label(&key.0, key.1.as_deref())
                    ),
                ));
                continue;
            }
            origins.entry(key.clone()).or_insert_with(|| Origin {
                integration: registry.integrations[&key.0].clone(),
                span,
                at: ref_at.clone(),
            });
            enabled.push(Enabled {
                key,
                span,
                at: ref_at,
            });
        }
        let role = agent.get_ref().role.as_ref().map(|r| r.get_ref().clone());
        enabled_by_agent.insert(name, (role, enabled));
    }
    members::check_roles_and_limits(file, &enabled_by_agent, registry, diagnostics);

    let mut secrets = render_secret_names(file, office_id, namespace, &origins, diagnostics);
    if *raw.secrets.get_ref().backend.get_ref() == BackendKind::Sealed {
        secrets::attach_sealed(file, raw.secrets.get_ref(), &mut secrets, diagnostics);
    }
    let index: BTreeMap<InstanceKey, usize> = secrets
        .iter()
        .enumerate()
        .map(|(i, secret)| ((secret.integration.id.clone(), secret.instance.clone()), i))
        .collect();

    let mut colony_agents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, (_, enabled)) in &enabled_by_agent {
        for entry in enabled {
            let integration = &registry.integrations[&entry.key.0];
            if integration.colony_container.is_some() {
                colony_agents
                    .entry(integration.id.clone())
                    .or_default()
                    .push(name.to_string());
            }
        }
    }

    if raw.task_runner.is_none() {
        report_missing_task_runner(file, &enabled_by_agent, registry, diagnostics);
    }

    let reserved = registry.reserved_env();
    let mut agents = Vec::new();
    let mut tasks = Vec::new();
    for (name, (role, enabled)) in enabled_by_agent {
        let raw_agent = raw.agents[name].get_ref();
        let at = key_path("agents", name);
        members::check_composition(file, name, &enabled, registry, diagnostics);
        let config =
            members::effective_config(file, name, raw_agent, &enabled, registry, diagnostics);
        let mut env: BTreeMap<String, (EnvVar, String)> = BTreeMap::new();
        let mut enabled_indexes = Vec::new();
        for entry in &enabled {
            let Some(&secret_index) = index.get(&entry.key) else {
                continue;
            };
            enabled_indexes.push(secret_index);
            let secret = &secrets[secret_index];
            let integration = &secret.integration;
            let label = secret.label();
            let settings = config.get(&integration.id);
            let context = Context {
                office: office_id,
                namespace,
                integration: &integration.id,
                instance: secret.instance.as_deref(),
                agent: Some(name),
                role: role.as_deref(),
                config: settings,
            };
            tasks.extend(tasks::render_tasks(integration, &context, diagnostics));
            let mut exported = Vec::new();
            for (key, value) in settings.into_iter().flatten() {
                exported.push(EnvVar {
                    name: key.clone(),
                    value: EnvValue::Plain(value.clone()),
                    source: EnvSource::Config(integration.id.clone()),
                });
            }
            for key in &integration.agent_env {
                if let Some(backend) = backend
                    && !secret.has_key(backend, key)
                {
                    continue;
                }
                let optional = integration.secret_key(key).is_some_and(|k| !k.required);
                exported.push(EnvVar {
                    name: key.clone(),
                    value: EnvValue::SecretKey {
                        secret: secret.name.clone(),
                        key: key.clone(),
                        optional,
                    },
                    source: EnvSource::Integration(label.clone()),
                });
            }
            if let Some(colony) = &integration.colony_container
                && let (Some(url_env), Some(port)) = (&colony.url_env, colony.ports.first())
            {
                exported.push(EnvVar {
                    name: url_env.clone(),
                    value: EnvValue::Plain(format!(
                        "{}://{}.{namespace}.svc.cluster.local:{}",
                        colony.url_scheme,
                        colony_object_name(&integration.id),
                        port.port
                    )),
                    source: EnvSource::Colony(integration.id.clone()),
                });
            }
            for var in exported {
                if let Some((existing, _)) = env.get(&var.name) {
                    diagnostics.push(Diagnostic::error(
                        file,
                        entry.span,
                        &entry.at,
                        format!(
                            "`{}` would set the env var `{}`, which `{}` already sets \
                             for this agent; enable only one of them",
                            label, var.name, existing.source
                        ),
                    ));
                    continue;
                }
                env.insert(var.name.clone(), (var, entry.at.clone()));
            }
        }
        for (var_name, value) in &raw_agent.env {
            let var_at = key_path(&key_path(&at, "env"), var_name);
            if let Err(reason) = names::check_env_name(var_name) {
                diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    var_at,
                    format!("env var name `{var_name}` {reason}"),
                ));
                continue;
            }
            if let Some(owner) = reserved.get(var_name.as_str()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    var_at,
                    format!(
                        "`{var_name}` is reserved by the integration `{owner}`; \
                         agents cannot set it themselves"
                    ),
                ));
                continue;
            }
            if let Some(owner) = registry.password_owner(var_name) {
                diagnostics.push(
                    Diagnostic::error(
                        file,
                        value.span().into(),
                        var_at,
                        format!(
                            "`{var_name}` is a password of the integration `{owner}`, and \
                             an office file never holds a plaintext secret"
                        ),
                    )
                    .with_help(format!(
                        "store it in the secret backend and enable `{owner}` for this agent"
                    )),
                );
                continue;
            }
            env.insert(
                var_name.clone(),
                (
                    EnvVar {
                        name: var_name.clone(),
                        value: EnvValue::Plain(value.get_ref().clone()),
                        source: EnvSource::Agent,
                    },
                    var_at,
                ),
            );
        }
        agents.push(Agent {
            name: name.to_string(),
            role,
            enabled: enabled_indexes,
            env: env.into_values().map(|(var, _)| var).collect(),
            config,
        });
    }

    let colonies = colony_agents
        .into_iter()
        .filter_map(|(id, agents)| {
            let secret = *index.get(&(id.clone(), None))?;
            let integration = registry.integrations[&id].clone();
            Some(Colony {
                container: integration.colony_container.clone()?,
                integration,
                secret,
                agents,
            })
        })
        .collect();

    (diagnostics.error_count() == errors_before).then_some((secrets, agents, colonies, tasks))
}

/// Reports, at the first agent that enables each integration with task
/// templates, that the office has no `[task_runner]` to run them.
fn report_missing_task_runner(
    file: &SourceFile,
    enabled_by_agent: &BTreeMap<&str, (Option<String>, Vec<Enabled>)>,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) {
    let mut reported: Vec<&str> = Vec::new();
    for (_, enabled) in enabled_by_agent.values() {
        for entry in enabled {
            let integration = &registry.integrations[&entry.key.0];
            if integration.task_templates.is_empty() || reported.contains(&integration.id.as_str())
            {
                continue;
            }
            reported.push(&integration.id);
            diagnostics.push(Diagnostic::error(
                file,
                entry.span,
                &entry.at,
                format!(
                    "`{}` has task templates, but the office sets no `[task_runner]` \
                     image to run them; add `[task_runner]` with `image = \"...\"`",
                    integration.id
                ),
            ));
        }
    }
}

/// Resolves `<id or alias>[:<instance>]` to an integration id and
/// instance label.
fn resolve_reference(
    file: &SourceFile,
    reference: &str,
    span: Span,
    at: &str,
    registry: &Registry,
    configured: &BTreeMap<String, Configured>,
    diagnostics: &mut Diagnostics,
) -> Option<InstanceKey> {
    let (name, instance) = match reference.split_once(':') {
        Some((name, instance)) => (name, Some(instance)),
        None => (reference, None),
    };
    let Some(integration) = registry.resolve(name) else {
        if !registry.is_broken(name) {
            diagnostics.push(
                Diagnostic::error(file, span, at, format!("unknown integration `{name}`"))
                    .suggest(name, registry.names()),
            );
        }
        return None;
    };
    let id = &integration.id;
    let declared: Vec<&str> = configured
        .get(id)
        .map(|entry| {
            entry
                .instances
                .iter()
                .map(|(label, _, _)| label.as_str())
                .collect()
        })
        .unwrap_or_default();
    match (integration.multi_instance, instance) {
        (false, None) => Some((id.clone(), None)),
        (false, Some(instance)) => {
            diagnostics.push(Diagnostic::error(
                file,
                span,
                at,
                format!(
                    "`{id}` is a single-instance integration, so the instance \
                     `{instance}` cannot be chosen; write `{name}`"
                ),
            ));
            None
        }
        (true, Some(instance)) if declared.contains(&instance) => {
            Some((id.clone(), Some(instance.to_string())))
        }
        (true, Some(instance)) => {
            let message = if declared.is_empty() {
                format!(
                    "unknown instance `{instance}` of `{id}`: the office declares none; \
                     add `[integrations.{id}]` with `instances = [\"{instance}\"]`"
                )
            } else {
                format!(
                    "unknown instance `{instance}` of `{id}`; the office declares {}",
                    quoted_list(&declared)
                )
            };
            diagnostics.push(
                Diagnostic::error(file, span, at, message)
                    .suggest(instance, declared.iter().copied()),
            );
            None
        }
        (true, None) if declared.len() == 1 => Some((id.clone(), Some(declared[0].to_string()))),
        (true, None) => {
            let message = if declared.is_empty() {
                format!(
                    "`{id}` is a multi-instance integration and the office declares no \
                     instance; add `[integrations.{id}]` with `instances = [...]` and \
                     write `{name}:<instance>`"
                )
            } else {
                format!(
                    "`{id}` has several instances ({}); choose one as `{name}:<instance>`",
                    quoted_list(&declared)
                )
            };
            diagnostics.push(Diagnostic::error(file, span, at, message));
            None
        }
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders each instance's `secret_name` and checks that the names are
/// valid and distinct. Returns the instances sorted by secret name.
fn render_secret_names(
    file: &SourceFile,
    office_id: &str,
    namespace: &str,
    origins: &BTreeMap<InstanceKey, Origin>,
    diagnostics: &mut Diagnostics,
) -> Vec<SecretInstance> {
    let mut secrets: Vec<SecretInstance> = Vec::new();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for ((id, instance), origin) in origins {
        let integration = &origin.integration;
        let context = Context {
            office: office_id,
            namespace,
            integration: id,
            instance: instance.as_deref(),
            ..Context::default()
        };
        let name = match templates::render(&integration.secret_name.value, &context.to_value()) {
            Ok(name) => name,
            Err(reason) => {
                diagnostics.push(Diagnostic::error(
                    &integration.file,
                    integration.secret_name.span,
                    "secret_name",
                    format!("rendering the secret name for office `{office_id}` failed: {reason}"),
                ));
                continue;
            }
        };
        let label = instance_label(id, instance.as_deref());
        if let Err(reason) = names::check_dns_subdomain(&name) {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    origin.span,
                    &origin.at,
                    format!("the secret name `{name}` of `{label}` {reason}"),
                )
                .with_help(format!(
                    "the name comes from `secret_name = {:?}` in {}; it is never \
                     shortened, because the secret store and the SealedSecret depend on it",
                    integration.secret_name.value, integration.file.path
                )),
            );
            continue;
        }
        if let Some(owner) = owners.get(&name) {
            diagnostics.push(Diagnostic::error(
                file,
                origin.span,
                &origin.at,
                format!("`{label}` and `{owner}` both render the secret name `{name}`"),
            ));
            continue;
        }
        owners.insert(name.clone(), label);
        secrets.push(SecretInstance {
            integration: integration.clone(),
            instance: instance.clone(),
            name,
            sealed: BTreeMap::new(),
        });
    }
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
    secrets
}
