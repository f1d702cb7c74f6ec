//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "integrate",
    version,
    about = "Compile office and integration registry files into Kubernetes manifests",
    long_about = "Compile office and integration registry files into Kubernetes manifests \
                  for Argo CD or Flux.\n\nExit codes: 0 success or no difference, 1 a \
                  difference was found (diff, build --check), 2 invalid input or usage."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Folder of registry entries (`<id>.toml`).
    #[arg(
        long,
        global = true,
        default_value = "integrations",
        value_name = "DIR"
    )]
    pub registry: PathBuf,
    /// Folder of minijinja templates used by registry entries.
    // NOTE: only credential files read this folder, and that layer is not rendered yet.
    #[arg(long, global = true, default_value = "templates", value_name = "DIR")]
    pub templates: PathBuf,
    /// Folder that receives one subfolder of manifests per office.
    #[arg(long, global = true, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// When to color messages and diffs: `auto` colors a terminal unless
    /// `NO_COLOR` is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render offices and write `out/<office>/`.
    Build(BuildArgs),
    /// Render offices in memory and show how they differ from `out/` or
    /// from a git revision's render.
    Diff(DiffArgs),
    /// Validate the registry and offices without writing anything.
    Check(OfficesArg),
    /// List the registry's integrations.
    List,
    /// Show one registry entry.
    Show {
        /// Id or alias of the integration.
        id: String,
    },
    /// Show what an agent gets and where each part comes from.
    Explain {
        /// Office id.
        office: String,
        /// Agent name.
        agent: String,
        #[command(flatten)]
        offices: OfficesArg,
    },
    /// Create a new registry entry with its guide.
    New {
        /// Id of the new integration: a lowercase DNS label.
        id: String,
    },
    /// Print the registry's dependency graph.
    Graph {
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, which GitHub renders in Markdown.
    Mermaid,
}

#[derive(Debug, Clone, Args)]
pub struct OfficesArg {
    /// Office files or folders of them.
    #[arg(value_name = "OFFICES", default_value = "offices")]
    pub offices: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub offices: OfficesArg,
    /// Write nothing; exit with 1 when `out/` is not what the inputs render.
    #[arg(long)]
    pub check: bool,
    /// Overwrite or remove generated files that were edited by hand, and
    /// files integrate did not write where it needs to write one.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub offices: OfficesArg,
    /// Compare with what the inputs of this git revision render to,
    /// instead of with the files in `out/`.
    #[arg(long, value_name = "REVISION")]
    pub base: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A per-object summary, then unified diffs.
    Text,
    /// A pull-request comment of at most 65,536 characters.
    Markdown,
    /// A versioned JSON document for bots.
    Json,
}
