//! Writing `out/`: an index of the files `integrate` wrote with their
//! sha256, so that only its own unmodified files are replaced or removed,
//! and an all-or-nothing swap of each office folder.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::display_path;

/// The index file inside each office folder, in `sha256sum` format after
/// a first comment line that names the office file.
pub const INDEX: &str = ".integrate-index";
const STAGING_PREFIX: &str = ".integrate-staging-";
const OLD_PREFIX: &str = ".integrate-old-";

/// The files one office should have after the build.
#[derive(Debug)]
pub struct Desired {
    pub id: String,
    pub source: String,
    pub files: BTreeMap<String, String>,
}

/// The changes a build makes in one office folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
    /// Files edited by hand or not written by `integrate` that the build
    /// would overwrite or remove.
    pub conflicts: Vec<(String, Conflict)>,
    /// Whether the index itself must be rewritten.
    pub index_stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A generated file whose bytes differ from what `integrate` wrote.
    HandEdited,
    /// A file `integrate` did not write, where it would write one.
    NotOurs,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && !self.index_stale
    }
}

/// The plan for one office folder.
#[derive(Debug)]
pub struct OfficePlan {
    pub id: String,
    pub dir: PathBuf,
    /// The files to write. A build drops them after planning, to keep
    /// memory bounded by one office, and renders them again to apply.
    pub desired: Option<Desired>,
    pub changes: Changes,
    /// Whether the office no longer exists, so its folder is removed.
    pub removed_office: bool,
}

/// A parsed index: the office file it belongs to and each file's sha256.
#[derive(Debug, Default)]
pub struct Index {
    pub source: Option<String>,
    pub files: BTreeMap<String, String>,
}

impl Index {
    /// Parses an index. Lines that do not name a plain file of the
    /// office folder are ignored, so an index edited to name `../x` or an
    /// absolute path can never make a build touch a file outside it.
    pub fn parse(text: &str) -> Index {
        let mut index = Index::default();
        for line in text.lines() {
            if let Some(source) = line.strip_prefix("# source: ") {
                index.source = Some(source.to_string());
            } else if let Some((hash, name)) = line.split_once("  ")
                && is_generated_name(name)
            {
                index.files.insert(name.to_string(), hash.to_string());
            }
        }
        index
    }

    pub fn render(source: &str, files: &BTreeMap<String, String>) -> String {
        let mut text = format!("# source: {source}\n");
        for (name, content) in files {
            text.push_str(&format!("{}  {name}\n", sha256(content.as_bytes())));
        }
        text
    }
}

/// Returns whether `name` can be a file that `integrate` writes: a `.yaml` file
/// directly inside the office folder, named from lowercase letters,
/// digits, `-` and `.`.
pub fn is_generated_name(name: &str) -> bool {
    name.ends_with(".yaml")
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// Holds an exclusive lock on the output folder while a build writes it,
/// so two builds cannot interleave their writes.
#[derive(Debug)]
pub struct OutLock {
    _dir: fs::File,
}

/// Takes the lock on `out`, creating the folder if needed. Fails at once
/// when another build has it.
pub fn lock(out: &Path) -> Result<OutLock, Diagnostic> {
    fs::create_dir_all(out).map_err(|error| io_error(out, "cannot create folder", &error))?;
    let dir = fs::File::open(out).map_err(|error| io_error(out, "cannot open folder", &error))?;
    match rustix::fs::flock(&dir, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(OutLock { _dir: dir }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(Diagnostic::file_error(
            display_path(out),
            "another integrate build is writing this folder; run one build at a time",
        )),
        Err(error) => Err(io_error(out, "cannot lock folder", &error.into())),
    }
}

/// Rejects an office folder that is a symlink: the build would replace
/// the link with a folder and copy the files it points at into `out/`.
pub fn check_office_dir(dir: &Path) -> Result<(), Diagnostic> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Diagnostic::file_error(
            display_path(dir),
            "is a symbolic link; integrate writes office folders only as real folders \
             inside the output folder",
        )
        .with_help("remove the link, or pass `--out` with the folder it points to")),
        Ok(meta) if !meta.is_dir() => Err(Diagnostic::file_error(
            display_path(dir),
            "is not a folder; integrate needs this path for the office's manifests",
        )),
        _ => Ok(()),
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Reads the index of an office folder, if it has one.
pub fn read_index(dir: &Path) -> Option<Index> {
    fs::read_to_string(dir.join(INDEX))
        .ok()
        .map(|text| Index::parse(&text))
}

/// Compares the desired files of an office with its folder on disk.
pub fn plan_office(out: &Path, desired: Desired) -> Result<OfficePlan, Diagnostic> {
    let dir = out.join(&desired.id);
    check_office_dir(&dir)?;
    let index = read_index(&dir).unwrap_or_default();
    let mut changes = Changes::default();
    for (name, content) in &desired.files {
        let path = dir.join(name);
        match read_optional(&path)? {
            None => changes.added.push(name.clone()),
            Some(bytes) if bytes == content.as_bytes() => changes.unchanged += 1,
            Some(bytes) => {
                match index.files.get(name) {
                    Some(recorded) if *recorded == sha256(&bytes) => {}
                    Some(_) => changes.conflicts.push((name.clone(), Conflict::HandEdited)),
                    None => changes.conflicts.push((name.clone(), Conflict::NotOurs)),
                }
                changes.changed.push(name.clone());
            }
        }
    }
    for (name, recorded) in &index.files {
        if desired.files.contains_key(name) {
            continue;
        }
        if let Some(bytes) = read_optional(&dir.join(name))? {
            if *recorded != sha256(&bytes) {
                changes.conflicts.push((name.clone(), Conflict::HandEdited));
            }
            changes.removed.push(name.clone());
        }
    }
    let index_text = Index::render(&desired.source, &desired.files);
    changes.index_stale =
        read_optional(&dir.join(INDEX))?.as_deref() != Some(index_text.as_bytes());
    Ok(OfficePlan {
        id: desired.id.clone(),
        dir,
        desired: Some(desired),
        changes,
        removed_office: false,
    })
}

/// Plans the removal of office folders in `out` whose index names an
/// office file inside one of `input_dirs` that no longer renders there.
pub fn plan_removed_offices(
    out: &Path,
    input_dirs: &[String],
    rendered_ids: &[&str],
) -> Result<Vec<OfficePlan>, Diagnostic> {
    let mut plans = Vec::new();
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(plans),
        Err(error) => return Err(io_error(out, "cannot read folder", &error)),
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| entry.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Some(id) = dir
            .file_name()
            .and_then(|name| name.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if id.starts_with('.') || rendered_ids.contains(&id.as_str()) {
            continue;
        }
        if check_office_dir(&dir).is_err() {
            continue;
        }
        let Some(index) = read_index(&dir) else {
            continue;
        };
        let Some(source) = &index.source else {
            continue;
        };
        let inside = input_dirs.iter().any(|input| {
            let prefix = format!("{}/", input.trim_end_matches('/'));
            source.starts_with(&prefix) && !source[prefix.len()..].contains('/')
        });
        if !inside {
            continue;
        }
        let mut changes = Changes::default();
        for (name, recorded) in &index.files {
            if let Some(bytes) = read_optional(&dir.join(name))? {
                if *recorded != sha256(&bytes) {
                    changes.conflicts.push((name.clone(), Conflict::HandEdited));
                }
                changes.removed.push(name.clone());
            }
        }
        changes.index_stale = true;
        plans.push(OfficePlan {
            id,
            dir,
            desired: None,
            changes,
            removed_office: true,
        });
    }
    Ok(plans)
}

/// Describes a conflict for commands that only compare, such as `diff`
/// and `build --check`.
pub fn conflict_note(path: &Path, conflict: Conflict) -> String {
    let path = display_path(path);
    match conflict {
        Conflict::HandEdited => format!(
            "{path} was edited by hand after integrate wrote it; `integrate build` \
             stops there unless `--force` is given, which discards the edit"
        ),
        Conflict::NotOurs => format!(
            "{path} was not written by integrate; `integrate build` stops there \
             unless `--force` is given, which overwrites it"
        ),
    }
}

/// Reports every conflict as an error, unless `force` is set.
pub fn check_conflicts(plans: &[OfficePlan], force: bool, diagnostics: &mut Diagnostics) {
    if force {
        return;
    }
    for plan in plans {
        for (name, conflict) in &plan.changes.conflicts {
            let path = display_path(&plan.dir.join(name));
            let message = match conflict {
                Conflict::HandEdited => {
                    "was edited by hand after integrate wrote it; the build would \
                     overwrite or remove the edit"
                }
                Conflict::NotOurs => {
                    "was not written by integrate, and the build would overwrite it"
                }
            };
            diagnostics.push(Diagnostic::file_error(path, message).with_help(
                "move the change into the office or registry files, delete the file, \
                 or pass `--force` to replace it",
            ));
        }
    }
}

/// Carries out a plan. Each office folder is built in a staging folder
/// next to it and swapped in with one atomic exchange, so a reader sees
/// either the old or the new folder, never a mix.
pub fn apply(out: &Path, plan: &OfficePlan) -> Result<(), Diagnostic> {
    if plan.changes.is_empty() {
        return Ok(());
    }
    if plan.removed_office {
        return remove_office(plan);
    }
    let Some(desired) = &plan.desired else {
        return Err(Diagnostic::file_error(
            display_path(&plan.dir),
            "internal error: the office's files were not rendered before writing; \
             please report this as a bug",
        ));
    };
    fs::create_dir_all(out).map_err(|error| io_error(out, "cannot create folder", &error))?;
    let staging = out.join(format!("{STAGING_PREFIX}{}", plan.id));
    remove_if_exists(&staging)?;
    fs::create_dir(&staging).map_err(|error| io_error(&staging, "cannot create folder", &error))?;
    for (name, content) in &desired.files {
        write_file(&staging.join(name), content.as_bytes())?;
    }
    let index = Index::render(&desired.source, &desired.files);
    write_file(&staging.join(INDEX), index.as_bytes())?;

    if plan.dir.exists() {
        let managed = read_index(&plan.dir).unwrap_or_default();
        carry_over(&plan.dir, &staging, |name| {
            name == INDEX || managed.files.contains_key(name) || desired.files.contains_key(name)
        })?;
        swap(&staging, &plan.dir, out, &plan.id)?;
        remove_if_exists(&staging)
    } else {
        fs::rename(&staging, &plan.dir)
            .map_err(|error| io_error(&plan.dir, "cannot move the new folder into place", &error))
    }
}

/// Removes the generated files of an office that no longer exists, and
/// the folder if nothing else is left in it.
fn remove_office(plan: &OfficePlan) -> Result<(), Diagnostic> {
    for name in &plan.changes.removed {
        let path = plan.dir.join(name);
        fs::remove_file(&path).map_err(|error| io_error(&path, "cannot remove file", &error))?;
    }
    let index = plan.dir.join(INDEX);
    fs::remove_file(&index).map_err(|error| io_error(&index, "cannot remove file", &error))?;
    let empty = fs::read_dir(&plan.dir)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if empty {
        fs::remove_dir(&plan.dir)
            .map_err(|error| io_error(&plan.dir, "cannot remove folder", &error))?;
    }
    Ok(())
}

/// Links (or, across file systems, copies) every entry of `from` that
/// `skip` does not claim into `to`, so that files integrate did not write
/// survive the swap.
fn carry_over(from: &Path, to: &Path, skip: impl Fn(&str) -> bool) -> Result<(), Diagnostic> {
    let entries =
        fs::read_dir(from).map_err(|error| io_error(from, "cannot read folder", &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| io_error(from, "cannot read folder", &error))?;
        let name = entry.file_name();
        let Some(name_text) = name.to_str() else {
            copy_tree(&entry.path(), &to.join(&name))?;
            continue;
        };
        if skip(name_text) {
            continue;
        }
        copy_tree(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), Diagnostic> {
    let metadata =
        fs::symlink_metadata(from).map_err(|error| io_error(from, "cannot read", &error))?;
    if metadata.is_dir() {
        fs::create_dir(to).map_err(|error| io_error(to, "cannot create folder", &error))?;
        for entry in
            fs::read_dir(from).map_err(|error| io_error(from, "cannot read folder", &error))?
        {
            let entry = entry.map_err(|error| io_error(from, "cannot read folder", &error))?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    if metadata.file_type().is_symlink() {
        let target =
            fs::read_link(from).map_err(|error| io_error(from, "cannot read link", &error))?;
        return std::os::unix::fs::symlink(target, to)
            .map_err(|error| io_error(to, "cannot create link", &error));
    }
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|error| io_error(to, "cannot copy file", &error))
}

/// Exchanges `staging` and `target` atomically where the file system
/// supports it, else with two renames.
fn swap(staging: &Path, target: &Path, out: &Path, id: &str) -> Result<(), Diagnostic> {
    let exchanged = rustix::fs::renameat_with(
        rustix::fs::CWD,
        staging,
        rustix::fs::CWD,
        target,
        rustix::fs::RenameFlags::EXCHANGE,
    );
    if exchanged.is_ok() {
        return Ok(());
    }
    // NOTE: without RENAME_EXCHANGE the office folder is missing between
    // these two renames.
    let old = out.join(format!("{OLD_PREFIX}{id}"));
    remove_if_exists(&old)?;
    fs::rename(target, &old).map_err(|error| io_error(target, "cannot move folder", &error))?;
    fs::rename(staging, target).map_err(|error| io_error(target, "cannot move folder", &error))?;
    fs::rename(&old, staging).map_err(|error| io_error(&old, "cannot move folder", &error))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    fs::write(path, bytes).map_err(|error| io_error(path, "cannot write file", &error))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Diagnostic> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error(path, "cannot read file", &error)),
    }
}

fn remove_if_exists(path: &Path) -> Result<(), Diagnostic> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error(path, "cannot remove folder", &error)),
    }
}

fn io_error(path: &Path, action: &str, error: &io::Error) -> Diagnostic {
    Diagnostic::file_error(display_path(path), format!("{action}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_ignores_names_outside_the_folder() {
        let index = Index::parse(
            "# source: offices/a.toml\n\
             aa  namespace-a.yaml\n\
             bb  ../../offices/a.toml\n\
             cc  /etc/passwd\n\
             dd  sub/file.yaml\n\
             ee  ..yaml\n\
             ff  .integrate-index\n",
        );
        let names: Vec<&str> = index.files.keys().map(String::as_str).collect();
        assert_eq!(names, ["namespace-a.yaml"]);
        assert_eq!(index.source.as_deref(), Some("offices/a.toml"));
    }

    #[test]
    fn index_round_trips() {
        let files = BTreeMap::from([("a.yaml".to_string(), "x".to_string())]);
        let index = Index::parse(&Index::render("offices/a.toml", &files));
        assert_eq!(index.files["a.yaml"], sha256(b"x"));
    }

    #[test]
    fn second_lock_fails_while_first_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        let second = lock(dir.path()).unwrap_err();
        assert!(
            second.message.contains("another integrate build"),
            "{}",
            second.message
        );
        drop(first);
        assert!(lock(dir.path()).is_ok());
    }
}
