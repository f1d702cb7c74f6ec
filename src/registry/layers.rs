//! Task templates and member controls of one registry entry.

use std::collections::BTreeMap;

use super::raw::{RawMembers, RawTaskTemplate};
use super::{Located, SecretKey};
use crate::cron;
use crate::diag::{Diagnostic, Diagnostics, index_path, key_path};
use crate::names;
use crate::source::SourceFile;
use crate::templates;

/// A task that agents enabling the integration get: recurring with a
/// schedule, or run once on enable without one.
#[derive(Debug, Clone)]
pub struct TaskTemplate {
    /// Position in the entry's `task_templates` array.
    pub index: usize,
    pub name: String,
    pub title: Located<String>,
    pub prompt: Located<String>,
    pub schedule: Option<String>,
    pub timezone: Option<String>,
}

/// Rules on the agents that may enable the integration, and their
/// settings.
#[derive(Debug, Clone, Default)]
pub struct Members {
    pub required_roles: Vec<String>,
    pub max_agents: Option<usize>,
    pub config: BTreeMap<String, ConfigKey>,
}

/// One per-agent setting, passed to enabled agents as an env var.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub default: String,
    pub description: Option<String>,
    pub allowed: Option<Vec<String>>,
}

/// Maximum length of a task template name, so that generated CronJob and Job
/// names stay readable before they are shortened.
const MAX_TASK_NAME: usize = 40;

pub(super) fn check_tasks(
    file: &SourceFile,
    raw: &[toml::Spanned<RawTaskTemplate>],
    diagnostics: &mut Diagnostics,
) -> Vec<TaskTemplate> {
    let mut tasks: Vec<TaskTemplate> = Vec::new();
    for (i, task) in raw.iter().enumerate() {
        let at = index_path("task_templates", i);
        let task = task.get_ref();
        let errors_before = diagnostics.error_count();
        let name = task.name.get_ref();
        let name_check = names::check_dns_label(name).and_then(|()| {
            if name.len() > MAX_TASK_NAME {
                Err(format!("is longer than {MAX_TASK_NAME} characters"))
            } else {
                Ok(())
            }
        });
        if let Err(reason) = name_check {
            diagnostics.push(Diagnostic::error(
                file,
                task.name.span().into(),
                key_path(&at, "name"),
                format!("task name `{name}` {reason}"),
            ));
        } else if tasks.iter().any(|known| &known.name == name) {
            diagnostics.push(Diagnostic::error(
                file,
                task.name.span().into(),
                key_path(&at, "name"),
                format!("task name `{name}` is used twice"),
            ));
        }
        for (key, value) in [("title", &task.title), ("prompt", &task.prompt)] {
            if value.get_ref().trim().is_empty() {
                diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    key_path(&at, key),
                    "must not be empty",
                ));
            } else if let Err(reason) = templates::check_syntax(value.get_ref()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    key_path(&at, key),
                    format!("invalid template: {reason}"),
                ));
            }
        }
        if let Some(schedule) = &task.schedule
            && let Err(reason) = cron::check_schedule(schedule.get_ref())
        {
            diagnostics.push(Diagnostic::error(
                file,
                schedule.span().into(),
                key_path(&at, "schedule"),
                format!("schedule `{}` {reason}", schedule.get_ref()),
            ));
        }
        if let Some(zone) = &task.timezone {
            if task.schedule.is_none() {
                diagnostics.push(Diagnostic::error(
                    file,
                    zone.span().into(),
                    key_path(&at, "timezone"),
                    "`timezone` only applies to a task with a `schedule`",
                ));
            } else if let Err(reason) = cron::check_time_zone(zone.get_ref()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    zone.span().into(),
                    key_path(&at, "timezone"),
                    format!("time zone `{}` {reason}", zone.get_ref()),
                ));
            }
        }
        if diagnostics.error_count() > errors_before {
            continue;
        }
        tasks.push(TaskTemplate {
            index: i,
            name: name.clone(),
            title: Located::from_spanned(task.title.clone()),
            prompt: Located::from_spanned(task.prompt.clone()),
            schedule: task
                .schedule
                .as_ref()
                .map(|s| s.get_ref().trim().to_string()),
            timezone: task.timezone.as_ref().map(|z| z.get_ref().clone()),
        });
    }
    tasks
}

pub(super) fn check_members(
    file: &SourceFile,
    raw: Option<&RawMembers>,
    secrets: &[SecretKey],
    diagnostics: &mut Diagnostics,
) -> Members {
    let Some(raw) = raw else {
        return Members::default();
    };
    let mut members = Members::default();
    for (i, role) in raw.required_roles.iter().enumerate() {
        let at = index_path("members.required_roles", i);
        if role.get_ref().trim().is_empty() {
            diagnostics.push(Diagnostic::error(
                file,
                role.span().into(),
                at,
                "role must not be empty",
            ));
        } else if members.required_roles.contains(role.get_ref()) {
            diagnostics.push(Diagnostic::error(
                file,
                role.span().into(),
                at,
                format!("role `{}` is listed twice", role.get_ref()),
            ));
        } else {
            members.required_roles.push(role.get_ref().clone());
        }
    }
    if let Some(max) = &raw.max_agents {
        match usize::try_from(*max.get_ref()) {
            Ok(value) if value >= 1 => members.max_agents = Some(value),
            _ => diagnostics.push(Diagnostic::error(
                file,
                max.span().into(),
                "members.max_agents",
                format!("`{}` must be at least 1", max.get_ref()),
            )),
        }
    }
    for (key, entry) in &raw.config {
        let at = key_path("members.config", key);
        let span = entry.span().into();
        let entry = entry.get_ref();
        if let Err(reason) = names::check_env_name(key) {
            diagnostics.push(Diagnostic::error(
                file,
                span,
                &at,
                format!("setting `{key}` becomes an env var, and its name {reason}"),
            ));
            continue;
        }
        if secrets.iter().any(|secret| &secret.key == key) {
            diagnostics.push(Diagnostic::error(
                file,
                span,
                &at,
                format!("setting `{key}` has the name of a secret key of this integration"),
            ));
            continue;
        }
        let mut allowed_values: Option<Vec<String>> = None;
        if let Some(allowed) = &entry.allowed {
            if allowed.is_empty() {
                diagnostics.push(Diagnostic::error(
                    file,
                    span,
                    key_path(&at, "allowed"),
                    "list at least one allowed value, or leave `allowed` out",
                ));
            }
            let mut values: Vec<String> = Vec::new();
            for (i, value) in allowed.iter().enumerate() {
                if values.contains(value.get_ref()) {
                    diagnostics.push(Diagnostic::error(
                        file,
                        value.span().into(),
                        index_path(&key_path(&at, "allowed"), i),
                        format!("`{}` is listed twice", value.get_ref()),
                    ));
                } else {
                    values.push(value.get_ref().clone());
                }
            }
            if !values.is_empty() && !values.contains(entry.default.get_ref()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    entry.default.span().into(),
                    key_path(&at, "default"),
                    format!(
                        "the default `{}` is not one of the allowed values",
                        entry.default.get_ref()
                    ),
                ));
            }
            allowed_values = Some(values);
        }
        members.config.insert(
            key.clone(),
            ConfigKey {
                default: entry.default.get_ref().clone(),
                description: entry.description.clone(),
                allowed: allowed_values,
            },
        );
    }
    members
}
