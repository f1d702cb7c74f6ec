//! Reading input files and folders from disk.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::source::SourceFile;

/// Returns the `*.toml` files directly inside `dir`, sorted by name.
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        Diagnostic::file_error(display_path(dir), format!("cannot read folder: {error}"))
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| {
            Diagnostic::file_error(display_path(dir), format!("cannot read folder: {error}"))
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a UTF-8 text file.
pub fn read_source(path: &Path) -> Result<SourceFile, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|error| {
        Diagnostic::file_error(display_path(path), format!("cannot read file: {error}"))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Diagnostic::file_error(display_path(path), "file is not valid UTF-8"))?;
    Ok(SourceFile::new(display_path(path), text))
}

/// Formats a path for messages and file headers: relative to the current
/// folder when it is inside it, so the same inputs give the same headers
/// however they are named, with `/` separators and no leading `./`.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let path = relative.as_deref().unwrap_or(path);
    let text = path.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.replace("//", "/")
}
