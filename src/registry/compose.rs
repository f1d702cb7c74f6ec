//! Relations between registry entries: `depends_on` (by id, alias or a
//! capability from `provides`), `conflicts` and `composed_with`, and the
//! dependency cycles that make a registry unusable.

use std::collections::{BTreeMap, BTreeSet};

use super::{Integration, Registry};
use crate::diag::{Diagnostic, Diagnostics, index_path};

/// The kind of an edge in the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    DependsOn,
    Conflicts,
    ComposedWith,
}

/// One edge of the registry graph, between two integration ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub relation: Relation,
    /// The capability a `depends_on` edge goes through, if any.
    pub via: Option<String>,
}

impl Registry {
    /// The ids a `depends_on` entry can be satisfied by: the entry itself
    /// for an id or alias, every provider for a capability.
    pub fn dependency_targets(&self, name: &str) -> Option<Vec<&str>> {
        if let Some(integration) = self.resolve(name) {
            return Some(vec![integration.id.as_str()]);
        }
        self.providers
            .get(name)
            .map(|ids| ids.iter().map(String::as_str).collect())
    }

    /// Every relation of the registry, sorted.
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges = BTreeSet::new();
        for integration in self.integrations.values() {
            for dependency in &integration.depends_on {
                let via = self
                    .resolve(&dependency.value)
                    .is_none()
                    .then(|| dependency.value.clone());
                for target in self
                    .dependency_targets(&dependency.value)
                    .unwrap_or_default()
                {
                    edges.insert(Edge {
                        from: integration.id.clone(),
                        to: target.to_string(),
                        relation: Relation::DependsOn,
                        via: via.clone(),
                    });
                }
            }
            for (list, relation) in [
                (&integration.conflicts, Relation::Conflicts),
                (&integration.composed_with, Relation::ComposedWith),
            ] {
                for other in list {
                    if let Some(target) = self.resolve(&other.value) {
                        edges.insert(Edge {
                            from: integration.id.clone(),
                            to: target.id.clone(),
                            relation,
                            via: None,
                        });
                    }
                }
            }
        }
        edges.into_iter().collect()
    }
}

/// Checks every relation of the registry and collects the providers of
/// each capability.
pub(super) fn check(registry: &mut Registry, diagnostics: &mut Diagnostics) {
    let mut providers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for integration in registry.integrations.values() {
        for (i, capability) in integration.provides.iter().enumerate() {
            if registry.resolve(&capability.value).is_some() {
                diagnostics.push(Diagnostic::error(
                    &integration.file,
                    capability.span,
                    index_path("provides", i),
                    format!(
                        "capability `{}` is also an integration id or alias, which \
                         would make `depends_on` ambiguous",
                        capability.value
                    ),
                ));
                continue;
            }
            providers
                .entry(capability.value.clone())
                .or_default()
                .push(integration.id.clone());
        }
    }
    registry.providers = providers;

    for integration in registry.integrations.values() {
        check_references(registry, integration, diagnostics);
    }
    check_cycles(registry, diagnostics);
}

fn check_references(registry: &Registry, integration: &Integration, diagnostics: &mut Diagnostics) {
    let file = &integration.file;
    let known = || {
        registry
            .names()
            .chain(registry.providers.keys().map(String::as_str))
    };
    for (i, dependency) in integration.depends_on.iter().enumerate() {
        let at = index_path("depends_on", i);
        if registry.dependency_targets(&dependency.value).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    dependency.span,
                    &at,
                    format!(
                        "`{}` is neither an integration nor a capability that an entry provides",
                        dependency.value
                    ),
                )
                .suggest(&dependency.value, known()),
            );
        }
    }
    for (list, key) in [
        (&integration.conflicts, "conflicts"),
        (&integration.composed_with, "composed_with"),
    ] {
        for (i, other) in list.iter().enumerate() {
            let at = index_path(key, i);
            let Some(target) = registry.resolve(&other.value) else {
                diagnostics.push(
                    Diagnostic::error(
                        file,
                        other.span,
                        &at,
                        format!("unknown integration `{}`", other.value),
                    )
                    .suggest(&other.value, registry.names()),
                );
                continue;
            };
            if target.id == integration.id {
                diagnostics.push(Diagnostic::error(
                    file,
                    other.span,
                    &at,
                    format!("`{}` names this integration itself", other.value),
                ));
                continue;
            }
            let depended = integration.depends_on.iter().any(|dependency| {
                registry
                    .dependency_targets(&dependency.value)
                    .is_some_and(|targets| targets == [target.id.as_str()])
            });
            if key == "conflicts" && depended {
                diagnostics.push(Diagnostic::error(
                    file,
                    other.span,
                    &at,
                    format!(
                        "this integration both depends on and conflicts with `{}`",
                        target.id
                    ),
                ));
            }
        }
    }
}

/// Reports each dependency cycle once, at the `depends_on` entry that
/// starts it in the alphabetically first integration of the cycle.
fn check_cycles(registry: &Registry, diagnostics: &mut Diagnostics) {
    let mut graph: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for integration in registry.integrations.values() {
        let mut targets = Vec::new();
        for (i, dependency) in integration.depends_on.iter().enumerate() {
            for target in registry
                .dependency_targets(&dependency.value)
                .unwrap_or_default()
            {
                targets.push((target, i));
            }
        }
        graph.insert(&integration.id, targets);
    }
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    for &start in graph.keys() {
        let mut path = vec![start];
        find_cycles(&graph, start, &mut path, &mut |cycle, first_edge| {
            let mut key: Vec<&str> = cycle.to_vec();
            key.sort_unstable();
            if cycle[0] != key[0] || !reported.insert(key) {
                return;
            }
            let integration = &registry.integrations[cycle[0]];
            let dependency = &integration.depends_on[first_edge];
            let mut names: Vec<&str> = cycle.to_vec();
            names.push(cycle[0]);
            diagnostics.push(Diagnostic::error(
                &integration.file,
                dependency.span,
                index_path("depends_on", first_edge),
                format!("dependency cycle: {}", names.join(" -> ")),
            ));
        });
    }
}

/// Walks the graph depth first from the last node of `path`, calling
/// `found` with each cycle that returns to `path[0]` and the index of the
/// `depends_on` entry that leaves `path[0]`.
fn find_cycles<'a>(
    graph: &BTreeMap<&'a str, Vec<(&'a str, usize)>>,
    start: &'a str,
    path: &mut Vec<&'a str>,
    found: &mut dyn FnMut(&[&'a str], usize),
) {
    let current = *path.last().unwrap_or(&start);
    for &(next, entry) in graph.get(current).map(Vec::as_slice).unwrap_or_default() {
        if next == start {
            let first_edge = if path.len() == 1 {
                entry
            } else {
                first_entry(graph, start, path[1])
            };
            found(path, first_edge);
        } else if !path.contains(&next) {
            path.push(next);
            find_cycles(graph, start, path, found);
            path.pop();
        }
    }
}

fn first_entry(graph: &BTreeMap<&str, Vec<(&str, usize)>>, from: &str, to: &str) -> usize {
    graph
        .get(from)
        .and_then(|targets| targets.iter().find(|(target, _)| *target == to))
        .map_or(0, |(_, entry)| *entry)
}
