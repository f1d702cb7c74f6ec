//! `integrate` compiles office files and an integration registry into
//! Kubernetes manifests for Argo CD or Flux to sync.

pub mod cli;
pub mod commands;
pub mod cron;
pub mod diag;
pub mod diff;
pub mod git;
pub mod load;
pub mod names;
pub mod office;
pub mod project;
pub mod registry;
pub mod render;
pub mod source;
pub mod templates;
pub mod toml_input;
pub mod write;
pub mod yaml;

use cli::{Cli, Command};

/// Runs one command and returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let global = &cli.global;
    match &cli.command {
        Command::Build(args) => commands::build::run(global, args),
        Command::Diff(args) => commands::diff::run(global, args),
        Command::Check(args) => commands::check::run(global, args),
        Command::List => commands::list::list(global),
        Command::Show { id } => commands::list::show(global, id),
        Command::Explain {
            office,
            agent,
            offices,
        } => commands::explain::run(global, office, agent, offices),
        Command::New { id } => commands::new::run(global, id),
        Command::Graph { format } => commands::graph::run(global, *format),
    }
}
