//! `integrate new <id>`: scaffold a registry entry and its guide.

use std::fs;
use std::io::Write as _;

use super::{INVALID, SUCCESS, report};
use crate::cli::Global;
use crate::diag::{Diagnostic, Diagnostics};
use crate::load::display_path;
use crate::names;
use crate::registry::MAX_ID_LENGTH;

pub fn run(global: &Global, id: &str) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let entry = global.registry.join(format!("{id}.toml"));
    let guide = global.registry.join(format!("{id}.md"));
    if let Err(reason) = names::check_dns_label(id) {
        diagnostics.push(Diagnostic::file_error(
            display_path(&entry),
            format!("id `{id}` {reason}"),
        ));
    } else if id.len() > MAX_ID_LENGTH {
        diagnostics.push(Diagnostic::file_error(
            display_path(&entry),
            format!("id `{id}` is longer than {MAX_ID_LENGTH} characters"),
        ));
    }
    if report(global, &diagnostics) {
        return INVALID;
    }
    let registry = crate::registry::load(&global.registry, &mut Diagnostics::default());
    if let Some(existing) = registry.resolve(id) {
        let mut taken = Diagnostics::default();
        taken.push(Diagnostic::file_error(
            display_path(&entry),
            format!(
                "`{id}` already names the integration `{}` ({}); choose another id",
                existing.id, existing.file.path
            ),
        ));
        report(global, &taken);
        return INVALID;
    }
    let env_prefix = id.to_uppercase().replace('-', "_");
    let entry_text = format!(
        r#"name = "{id}"
description = "One line on what agents can do with {id}."
version = "0.1.0"
category = "services"
aliases = []
verified = false
capabilities = []
wizard = "guide"
agent_env = ["{env_prefix}_API_KEY"]
reserved = true

[[secrets]]
key = "{env_prefix}_API_KEY"
label = "API key"
type = "password"
required = true
hint = "Create a key with the smallest scope agents need."
help_url = "https://example.com/settings/api-keys"
"#
    );
    let guide_text = format!(
        "# Connect {id}\n\nWhat agents can do with it.\n\n## Steps\n\n\
         1. Open the page where {id} issues API keys.\n2. Create a key.\n\
         3. Store it in the office's secret backend under `{env_prefix}_API_KEY`.\n\n\
         ## What agents get\n\n- `{env_prefix}_API_KEY`\n"
    );
    for (path, text) in [(&entry, entry_text), (&guide, guide_text)] {
        let created = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(error) = created {
            let mut failed = Diagnostics::default();
            failed.push(Diagnostic::file_error(
                display_path(path),
                format!("cannot create file: {error}"),
            ));
            report(global, &failed);
            return INVALID;
        }
        eprintln!("created {}", display_path(path));
    }
    SUCCESS
}
