//! `integrate explain <office> <agent>`: what one agent gets and which
//! input each part comes from.

use std::fmt::Write as _;

use super::{INVALID, SUCCESS, report};
use crate::cli::{Global, OfficesArg};
use crate::diag::{Diagnostic, Diagnostics};
use crate::office::{EnvValue, Office};
use crate::project;
use crate::render::AGENT_HOME;

pub fn run(global: &Global, office_id: &str, agent_name: &str, args: &OfficesArg) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let inputs = project::load(&global.registry, &args.offices, &mut diagnostics);
    if report(global, &diagnostics) {
        return INVALID;
    }
    let mut lookup = Diagnostics::default();
    let Some(office) = inputs.offices.iter().find(|office| office.id == office_id) else {
        lookup.push(
            Diagnostic::file_error("offices", format!("unknown office `{office_id}`"))
                .suggest(office_id, inputs.offices.iter().map(|o| o.id.as_str())),
        );
        report(global, &lookup);
        return INVALID;
    };
    if !office.agents.iter().any(|agent| agent.name == agent_name) {
        lookup.push(
            Diagnostic::file_error(
                office.file.path.clone(),
                format!("office `{office_id}` has no agent `{agent_name}`"),
            )
            .suggest(agent_name, office.agents.iter().map(|a| a.name.as_str())),
        );
        report(global, &lookup);
        return INVALID;
    }
    print!("{}", explain(office, agent_name));
    SUCCESS
}

fn explain(office: &Office, agent_name: &str) -> String {
    let Some(agent) = office.agents.iter().find(|agent| agent.name == agent_name) else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "agent {} of office {} (namespace {})",
        agent.name, office.id, office.namespace
    );
    if let Some(role) = &agent.role {
        let _ = writeln!(out, "role: {role}");
    }
    let _ = writeln!(out, "image: {}", office.agent_image);
    let _ = writeln!(out, "\nintegrations:");
    for &index in &agent.enabled {
        let secret = &office.secrets[index];
        let _ = writeln!(out, "  {} (secret {})", secret.label(), secret.name);
    }
    let _ = writeln!(out, "\nenv:");
    for var in &agent.env {
        let value = match &var.value {
            EnvValue::Plain(value) => format!("= {value:?}"),
            EnvValue::SecretKey {
                secret,
                key,
                optional,
            } => format!(
                "from secret {secret}, key {key}{}",
                if *optional { " (optional)" } else { "" }
            ),
        };
        let _ = writeln!(out, "  {} {value}  [{}]", var.name, var.source);
    }
    let _ = writeln!(out, "\nmounts:");
    let _ = writeln!(
        out,
        "  {AGENT_HOME}  claim agent-{}-home  [home]",
        agent.name
    );
    let settings: Vec<_> = agent
        .config
        .iter()
        .flat_map(|(id, values)| values.iter().map(move |(key, value)| (id, key, value)))
        .collect();
    if !settings.is_empty() {
        let _ = writeln!(out, "\nsettings:");
        for (id, key, value) in settings {
            let _ = writeln!(out, "  {key} = {value:?}  [{id}]");
        }
    }
    let tasks: Vec<_> = office
        .tasks
        .iter()
        .filter(|task| task.agent == agent.name)
        .collect();
    if !tasks.is_empty() {
        let _ = writeln!(out, "\ntasks:");
        for task in tasks {
            let when =
                crate::cron::describe_when(task.schedule.as_deref(), task.timezone.as_deref());
            let _ = writeln!(
                out,
                "  {}: {}  [{}, {when}]",
                task.template, task.title, task.integration.id
            );
        }
    }
    let colonies: Vec<_> = office
        .colonies
        .iter()
        .filter(|colony| colony.agents.contains(&agent.name))
        .collect();
    if !colonies.is_empty() {
        let _ = writeln!(out, "\ncolony containers it may reach:");
        for colony in colonies {
            let _ = writeln!(
                out,
                "  {}  [{}]",
                colony.object_name(),
                colony.integration.id
            );
        }
    }
    out
}
