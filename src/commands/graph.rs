//! `integrate graph`: the registry's relations as a DOT or Mermaid graph.

use std::fmt::Write as _;

use super::{INVALID, SUCCESS, report};
use crate::cli::{Global, GraphFormat};
use crate::diag::Diagnostics;
use crate::registry::{self, Edge, Registry, Relation};

pub fn run(global: &Global, format: GraphFormat) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let registry = registry::load(&global.registry, &mut diagnostics);
    if report(global, &diagnostics) {
        return INVALID;
    }
    let text = match format {
        GraphFormat::Dot => dot(&registry),
        GraphFormat::Mermaid => mermaid(&registry),
    };
    print!("{text}");
    SUCCESS
}

fn edge_label(edge: &Edge) -> String {
    match (edge.relation, &edge.via) {
        (Relation::DependsOn, Some(capability)) => format!("depends on ({capability})"),
        (Relation::DependsOn, None) => "depends on".to_string(),
        (Relation::Conflicts, _) => "conflicts".to_string(),
        (Relation::ComposedWith, _) => "composed with".to_string(),
    }
}

/// Renders the graph in Graphviz DOT.
pub fn dot(registry: &Registry) -> String {
    let mut out = String::from("digraph integrations {\n  rankdir=LR;\n  node [shape=box];\n");
    for integration in registry.integrations.values() {
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n{}\"];",
            integration.id,
            integration.id,
            integration.name.replace('"', "'")
        );
    }
    for edge in registry.edges() {
        let style = match edge.relation {
            Relation::DependsOn => "solid",
            Relation::Conflicts => "bold, color=red, dir=none",
            Relation::ComposedWith => "dashed, color=gray, dir=none",
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\", style={style}];",
            edge.from,
            edge.to,
            edge_label(&edge)
        );
    }
    out.push_str("}\n");
    out
}

/// Renders the graph as a Mermaid flowchart. Node ids are prefixed so
/// that ids such as `end` cannot clash with Mermaid keywords.
pub fn mermaid(registry: &Registry) -> String {
    let node = |id: &str| format!("n_{}", id.replace('-', "_"));
    let mut out = String::from("flowchart LR\n");
    for integration in registry.integrations.values() {
        let _ = writeln!(out, "  {}[\"{}\"]", node(&integration.id), integration.id);
    }
    for edge in registry.edges() {
        let arrow = match edge.relation {
            Relation::DependsOn => "-->",
            Relation::Conflicts => "x--x",
            Relation::ComposedWith => "-.-",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            node(&edge.from),
            edge_label(&edge),
            node(&edge.to)
        );
    }
    out
}
