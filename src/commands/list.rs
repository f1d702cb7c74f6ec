//! `integrate list` and `integrate show`: browse the registry.

use std::fmt::Write as _;

use super::{INVALID, SUCCESS, report};
use crate::cli::Global;
use crate::diag::{Diagnostic, Diagnostics};
use crate::registry::{self, Integration};

pub fn list(global: &Global) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let registry = registry::load(&global.registry, &mut diagnostics);
    if report(global, &diagnostics) {
        return INVALID;
    }
    let width = registry
        .integrations
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!("{:width$}  {:13}  {}\n", "ID", "CATEGORY", "NAME");
    for integration in registry.integrations.values() {
        let category = format!("{:?}", integration.category).to_lowercase();
        let mut notes = Vec::new();
        if integration.multi_instance {
            notes.push("multi-instance");
        }
        if integration.colony_container.is_some() {
            notes.push("colony container");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let _ = writeln!(
            out,
            "{:width$}  {category:13}  {}{notes}",
            integration.id, integration.name
        );
    }
    print!("{out}");
    SUCCESS
}

pub fn show(global: &Global, name: &str) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let registry = registry::load(&global.registry, &mut diagnostics);
    if report(global, &diagnostics) {
        return INVALID;
    }
    let Some(integration) = registry.resolve(name) else {
        let mut unknown = Diagnostics::default();
        unknown.push(
            Diagnostic::file_error(
                crate::load::display_path(&global.registry),
                format!("unknown integration `{name}`"),
            )
            .suggest(name, registry.names()),
        );
        report(global, &unknown);
        return INVALID;
    };
    print!("{}", describe(integration));
    SUCCESS
}

fn describe(integration: &Integration) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", integration.name, integration.id);
    let _ = writeln!(out, "  {}", integration.description);
    let _ = writeln!(out, "file:        {}", integration.file.path);
    let _ = writeln!(out, "version:     {}", integration.version);
    let _ = writeln!(out, "category:    {:?}", integration.category);
    let aliases: Vec<&str> = integration
        .aliases
        .iter()
        .map(|a| a.value.as_str())
        .collect();
    let _ = writeln!(out, "aliases:     {}", aliases.join(", "));
    let _ = writeln!(out, "capabilities: {}", integration.capabilities.join(", "));
    let _ = writeln!(out, "secret name: {}", integration.secret_name.value);
    let _ = writeln!(out, "multi-instance: {}", integration.multi_instance);
    let _ = writeln!(
        out,
        "agent env:   {}{}",
        integration.agent_env.join(", "),
        if integration.reserved {
            " (reserved)"
        } else {
            ""
        }
    );
    if let Some(guide) = &integration.guide {
        let _ = writeln!(out, "guide:       {guide}");
    }
    let _ = writeln!(out, "secrets:");
    for secret in &integration.secrets {
        let required = if secret.required {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(out, "  {} ({required}): {}", secret.key, secret.label);
        if let Some(url) = &secret.help_url {
            let _ = writeln!(out, "    {url}");
        }
    }
    let names = |list: &[crate::registry::Located<String>]| {
        list.iter()
            .map(|item| item.value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (label, list) in [
        ("depends on", &integration.depends_on),
        ("provides", &integration.provides),
        ("conflicts", &integration.conflicts),
        ("composed with", &integration.composed_with),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "{label}: {}", names(list));
        }
    }
    let members = &integration.members;
    if !members.required_roles.is_empty() {
        let _ = writeln!(out, "required roles: {}", members.required_roles.join(", "));
    }
    if let Some(max) = members.max_agents {
        let _ = writeln!(out, "max agents per office: {max}");
    }
    if !members.config.is_empty() {
        let _ = writeln!(out, "settings:");
        for (key, setting) in &members.config {
            let allowed = setting
                .allowed
                .as_ref()
                .map(|values| format!(" (one of {})", values.join(", ")))
                .unwrap_or_default();
            let _ = writeln!(out, "  {key} = {:?}{allowed}", setting.default);
            if let Some(description) = &setting.description {
                let _ = writeln!(out, "    {description}");
            }
        }
    }
    if !integration.task_templates.is_empty() {
        let _ = writeln!(out, "tasks:");
        for task in &integration.task_templates {
            let when =
                crate::cron::describe_when(task.schedule.as_deref(), task.timezone.as_deref());
            let _ = writeln!(out, "  {}: {when}", task.name);
        }
    }
    if let Some(colony) = &integration.colony_container {
        let _ = writeln!(out, "colony container: {}", colony.image);
        for port in &colony.ports {
            let _ = writeln!(out, "  port {} {}/{}", port.name, port.port, port.protocol);
        }
        for (name, value) in &colony.env {
            let _ = writeln!(out, "  env {name} = {value:?}");
        }
        if let Some(storage) = &colony.storage {
            let _ = writeln!(
                out,
                "  storage {storage} at {}",
                colony.mount_path.as_deref().unwrap_or("")
            );
        }
        if let Some(url_env) = &colony.url_env {
            let _ = writeln!(
                out,
                "  agents reach it through {url_env} ({})",
                colony.url_scheme
            );
        }
    }
    out
}
