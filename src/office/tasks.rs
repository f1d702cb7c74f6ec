//! Task templates of enabled integrations, rendered per agent with the
//! template context: office, namespace, integration, instance, agent,
//! role and config.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;

use crate::diag::{Diagnostic, Diagnostics};
use crate::registry::{Integration, Located, TaskTemplate};
use crate::templates;

/// One task of one agent, ready to render as a CronJob or a Job.
#[derive(Debug, Clone)]
pub struct Task {
    pub agent: String,
    pub integration: Arc<Integration>,
    pub instance: Option<String>,
    pub template: String,
    pub title: String,
    pub prompt: String,
    pub schedule: Option<String>,
    pub timezone: Option<String>,
}

/// The variables available to every template. Values that do not apply are left
/// out, so a template that uses them fails instead of printing `none`.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub office: &'a str,
    pub namespace: &'a str,
    pub integration: &'a str,
    pub instance: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub role: Option<&'a str>,
    pub config: Option<&'a BTreeMap<String, String>>,
}

impl Context<'_> {
    pub fn to_value(&self) -> Value {
        let mut map: BTreeMap<&str, Value> = BTreeMap::from([
            ("office", Value::from(self.office)),
            ("namespace", Value::from(self.namespace)),
            ("integration", Value::from(self.integration)),
        ]);
        for (key, value) in [
            ("instance", self.instance),
            ("agent", self.agent),
            ("role", self.role),
        ] {
            if let Some(value) = value {
                map.insert(key, Value::from(value));
            }
        }
        if let Some(config) = self.config {
            map.insert("config", Value::from_serialize(config));
        }
        Value::from_serialize(&map)
    }
}

/// Renders the task templates of `integration` for one agent.
pub(super) fn render_tasks(
    integration: &Arc<Integration>,
    context: &Context<'_>,
    diagnostics: &mut Diagnostics,
) -> Vec<Task> {
    let value = context.to_value();
    let agent = context.agent.unwrap_or_default();
    let mut tasks = Vec::new();
    for template in &integration.task_templates {
        let render = |field: &Located<String>, key: &str, diagnostics: &mut Diagnostics| {
            templates::render(&field.value, &value).map_err(|reason| {
                diagnostics.push(Diagnostic::error(
                    &integration.file,
                    field.span,
                    format!("task_templates[{}].{key}", template.index),
                    format!(
                        "rendering for agent `{agent}` of office `{}` failed: {reason}",
                        context.office
                    ),
                ));
            })
        };
        let title = render(&template.title, "title", diagnostics);
        let prompt = render(&template.prompt, "prompt", diagnostics);
        let (Ok(title), Ok(prompt)) = (title, prompt) else {
            continue;
        };
        tasks.push(task(integration, context, template, title, prompt));
    }
    tasks
}

fn task(
    integration: &Arc<Integration>,
    context: &Context<'_>,
    template: &TaskTemplate,
    title: String,
    prompt: String,
) -> Task {
    Task {
        agent: context.agent.unwrap_or_default().to_string(),
        integration: integration.clone(),
        instance: context.instance.map(str::to_string),
        template: template.name.clone(),
        title: title.trim().to_string(),
        prompt,
        schedule: template.schedule.clone(),
        timezone: template.timezone.clone(),
    }
}
