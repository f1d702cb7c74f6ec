//! Loading every input of a run: the registry and the offices named on
//! the command line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::{display_path, toml_files};
use crate::office::{self, Office};
use crate::registry::{self, Registry};

/// The checked inputs of one run.
#[derive(Debug)]
pub struct Inputs {
    pub registry: Registry,
    pub offices: Vec<Office>,
    /// The office folders named on the command line.
    pub office_dirs: Vec<String>,
}

/// Loads the registry and the offices. Problems go to `diagnostics`; the
/// offices that had none are returned.
pub fn load(
    registry_dir: &std::path::Path,
    office_args: &[PathBuf],
    diagnostics: &mut Diagnostics,
) -> Inputs {
    let registry = registry::load(registry_dir, diagnostics);
    let mut office_dirs = Vec::new();
    let mut paths = Vec::new();
    for arg in office_args {
        if arg.is_dir() {
            office_dirs.push(display_path(arg));
            match toml_files(arg) {
                Ok(files) => paths.extend(files),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        } else if arg.is_file() {
            paths.push(arg.clone());
        } else {
            diagnostics.push(Diagnostic::file_error(
                display_path(arg),
                "no such office file or folder",
            ));
        }
    }
    paths.sort();
    paths.dedup();
    let mut offices: Vec<Office> = paths
        .iter()
        .filter_map(|path| office::load(path, &registry, diagnostics))
        .collect();
    check_distinct(&offices, diagnostics);
    offices.sort_by(|a, b| a.id.cmp(&b.id));
    Inputs {
        registry,
        offices,
        office_dirs,
    }
}

/// Two offices may share neither an id (their output folder) nor a
/// namespace (the Namespace object and everything in it).
fn check_distinct(offices: &[Office], diagnostics: &mut Diagnostics) {
    let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut namespaces: BTreeMap<&str, &str> = BTreeMap::new();
    for office in offices {
        if let Some(first) = ids.insert(&office.id, &office.file.path) {
            diagnostics.push(Diagnostic::error(
                &office.file,
                office.id_span,
                "id",
                format!(
                    "office id `{}` is also the id of {first}; each office needs \
                     its own output folder",
                    office.id
                ),
            ));
        }
        if let Some(first) = namespaces.insert(&office.namespace, &office.file.path) {
            diagnostics.push(Diagnostic::error(
                &office.file,
                office.namespace_span,
                "namespace",
                format!(
                    "namespace `{}` is also the namespace of {first}",
                    office.namespace
                ),
            ));
        }
    }
}
