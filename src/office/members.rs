//! Per-agent rules that come from registry layers: required roles, the
//! agent limit, `depends_on` and `conflicts` on the same agent,
//! `composed_with` hints, and the effective `[members.config]` values.

use std::collections::BTreeMap;

use super::agents::Enabled;
use super::raw::RawAgent;
use crate::diag::{Diagnostic, Diagnostics, key_path};
use crate::registry::Registry;
use crate::source::SourceFile;

/// Effective settings of one agent: integration id to key to value.
pub type AgentConfig = BTreeMap<String, BTreeMap<String, String>>;

/// Checks `required_roles` and `max_agents` across the office's agents.
pub(super) fn check_roles_and_limits(
    file: &SourceFile,
    agents: &BTreeMap<&str, (Option<String>, Vec<Enabled>)>,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) {
    let mut counts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, (role, enabled)) in agents {
        for entry in enabled {
            let integration = &registry.integrations[&entry.key.0];
            let members = &integration.members;
            if !members.required_roles.is_empty()
                && !role
                    .as_ref()
                    .is_some_and(|role| members.required_roles.contains(role))
            {
                let roles = members
                    .required_roles
                    .iter()
                    .map(|role| format!("`{role}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                let has = match role {
                    Some(role) => format!("has the role `{role}`"),
                    None => "has no role".to_string(),
                };
                diagnostics.push(Diagnostic::error(
                    file,
                    entry.span,
                    &entry.at,
                    format!(
                        "`{}` requires the role {roles}, but agent `{name}` {has}",
                        integration.id
                    ),
                ));
            }
            let users = counts.entry(&integration.id).or_default();
            if users.contains(name) {
                continue;
            }
            users.push(name);
            if let Some(max) = members.max_agents
                && users.len() > max
            {
                let plural = if max == 1 { "agent" } else { "agents" };
                diagnostics.push(Diagnostic::error(
                    file,
                    entry.span,
                    &entry.at,
                    format!(
                        "`{}` allows at most {max} {plural} per office, and {} already \
                             enable it",
                        integration.id,
                        users[..max]
                            .iter()
                            .map(|user| format!("`{user}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
}

/// Checks `depends_on` and `conflicts` on one agent and adds a hint for
/// each `composed_with` partner the agent does not enable.
pub(super) fn check_composition(
    file: &SourceFile,
    agent: &str,
    enabled: &[Enabled],
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) {
    let ids: Vec<&str> = enabled.iter().map(|entry| entry.key.0.as_str()).collect();
    for (position, entry) in enabled.iter().enumerate() {
        let integration = &registry.integrations[&entry.key.0];
        for dependency in &integration.depends_on {
            let targets = registry
                .dependency_targets(&dependency.value)
                .unwrap_or_default();
            if targets.iter().any(|target| ids.contains(target)) {
                continue;
            }
            let provided_by = if targets == [dependency.value.as_str()] {
                String::new()
            } else {
                format!(
                    " (provided by {})",
                    targets
                        .iter()
                        .map(|target| format!("`{target}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            diagnostics.push(Diagnostic::error(
                file,
                entry.span,
                &entry.at,
                format!(
                    "`{}` depends on `{}`{provided_by}, which agent `{agent}` does not enable",
                    integration.id, dependency.value
                ),
            ));
        }
        for earlier in &enabled[..position] {
            let other = &registry.integrations[&earlier.key.0];
            let declares = |a: &crate::registry::Integration, b: &str| {
                a.conflicts
                    .iter()
                    .any(|c| registry.resolve(&c.value).is_some_and(|t| t.id == b))
            };
            if declares(integration, &other.id) || declares(other, &integration.id) {
                diagnostics.push(Diagnostic::error(
                    file,
                    entry.span,
                    &entry.at,
                    format!(
                        "`{}` conflicts with `{}`, which agent `{agent}` also enables",
                        integration.id, other.id
                    ),
                ));
            }
        }
        for partner in &integration.composed_with {
            let Some(target) = registry.resolve(&partner.value) else {
                continue;
            };
            if !ids.contains(&target.id.as_str()) {
                diagnostics.push(Diagnostic::hint(
                    file,
                    entry.span,
                    &entry.at,
                    format!(
                        "`{}` works well together with `{}`, which agent `{agent}` does not enable",
                        integration.id, target.id
                    ),
                ));
            }
        }
    }
}

/// Resolves the agent's `[agents.<name>.config.<integration>]` overrides
/// and returns the effective settings of every enabled integration.
pub(super) fn effective_config(
    file: &SourceFile,
    agent_name: &str,
    agent: &RawAgent,
    enabled: &[Enabled],
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> AgentConfig {
    let mut config: AgentConfig = BTreeMap::new();
    for entry in enabled {
        let integration = &registry.integrations[&entry.key.0];
        let defaults = integration
            .members
            .config
            .iter()
            .map(|(key, setting)| (key.clone(), setting.default.clone()))
            .collect();
        config.entry(integration.id.clone()).or_insert(defaults);
    }
    let at = key_path(&key_path("agents", agent_name), "config");
    for (reference, overrides) in &agent.config {
        let table_at = key_path(&at, reference);
        let Some(integration) = registry.resolve(reference) else {
            if registry.is_broken(reference) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    file,
                    overrides.span().into(),
                    &table_at,
                    format!("unknown integration `{reference}`"),
                )
                .suggest(reference, registry.names()),
            );
            continue;
        };
        let Some(values) = config.get_mut(&integration.id) else {
            diagnostics.push(Diagnostic::error(
                file,
                overrides.span().into(),
                &table_at,
                format!(
                    "agent `{agent_name}` does not enable `{}`, so its settings have no effect",
                    integration.id
                ),
            ));
            continue;
        };
        for (key, value) in overrides.get_ref() {
            let key_at = key_path(&table_at, key);
            let Some(setting) = integration.members.config.get(key) else {
                let message = if integration.members.config.is_empty() {
                    format!(
                        "`{}` declares no settings in `[members.config]`",
                        integration.id
                    )
                } else {
                    format!("`{key}` is not a setting of `{}`", integration.id)
                };
                diagnostics.push(
                    Diagnostic::error(file, value.span().into(), key_at, message)
                        .suggest(key, integration.members.config.keys().map(String::as_str)),
                );
                continue;
            };
            if let Some(allowed) = &setting.allowed
                && !allowed.contains(value.get_ref())
            {
                let choices = allowed
                    .iter()
                    .map(|choice| format!("`{choice}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                diagnostics.push(
                    Diagnostic::error(
                        file,
                        value.span().into(),
                        key_at,
                        format!(
                            "`{}` is not an allowed value of `{key}`; use one of {choices}",
                            value.get_ref()
                        ),
                    )
                    .suggest(value.get_ref(), allowed.iter().map(String::as_str)),
                );
                continue;
            }
            values.insert(key.clone(), value.get_ref().clone());
        }
    }
    config
}
