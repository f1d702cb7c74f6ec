//! Reading the inputs of a git revision without touching the working
//! tree or the index: `git ls-tree` lists the files under the requested
//! paths and `git cat-file --batch` copies them into a scratch folder.

use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository that contains the current directory.
#[derive(Debug)]
pub struct Repository {
    /// The top-level folder of the working tree.
    pub root: PathBuf,
    /// The current directory relative to `root`, `/`-separated, empty at
    /// the top level.
    pub prefix: String,
}

impl Repository {
    /// Finds the repository that contains the current directory.
    pub fn discover() -> Result<Repository, String> {
        let output = run_git(
            None,
            &["rev-parse", "--show-toplevel", "--show-prefix"],
            None,
        )
        .map_err(|error| {
            format!(
                "`--base` needs a git repository, and none holds the current directory: {error}"
            )
        })?;
        let text = String::from_utf8_lossy(&output);
        let mut lines = text.lines();
        let root = lines.next().unwrap_or_default();
        if root.is_empty() {
            return Err("`--base` needs a working tree, and this repository has none".to_string());
        }
        let prefix = lines.next().unwrap_or_default().trim_end_matches('/');
        Ok(Repository {
            root: PathBuf::from(root),
            prefix: prefix.to_string(),
        })
    }

    /// Resolves `revision` to the full id of a commit.
    pub fn resolve(&self, revision: &str) -> Result<String, String> {
        if revision.is_empty() || revision.starts_with('-') {
            return Err(format!(
                "`{revision}` is not a revision; name a branch, tag or commit such as `origin/main`"
            ));
        }
        let spec = format!("{revision}^{{commit}}");
        let args = [
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ];
        match run_git(Some(&self.root), &args, None) {
            Ok(output) => Ok(String::from_utf8_lossy(&output).trim().to_string()),
            Err(_) => Err(format!(
                "unknown revision `{revision}`: git cannot resolve it to a commit in {}; \
                 name a branch, tag or commit, and fetch it first if it is remote \
                 (`git fetch origin main`, or `git fetch --unshallow` in a shallow clone)",
                self.root.display()
            )),
        }
    }

    /// Returns the path of `arg`, relative to the current directory or
    /// absolute, relative to the repository root: `/`-separated, empty for the
    /// root itself.
    pub fn repo_path(&self, arg: &Path) -> Result<String, String> {
        let joined = if arg.is_absolute() {
            let resolved = canonical_prefix(arg);
            let root = fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
            match resolved.strip_prefix(&root) {
                Ok(inside) => inside.to_path_buf(),
                Err(_) => return Err(outside(arg, &self.root)),
            }
        } else {
            Path::new(&self.prefix).join(arg)
        };
        let mut parts: Vec<String> = Vec::new();
        for component in joined.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Err(outside(arg, &self.root));
                    }
                }
                Component::RootDir | Component::Prefix(_) => return Err(outside(arg, &self.root)),
            }
        }
        Ok(parts.join("/"))
    }

    /// Returns the path from the current directory to `repo_path`, such
    /// as `../offices` from a subfolder.
    pub fn from_current_dir(&self, repo_path: &str) -> PathBuf {
        let mut path = PathBuf::new();
        for _ in self.prefix.split('/').filter(|part| !part.is_empty()) {
            path.push("..");
        }
        if repo_path.is_empty() {
            if path.as_os_str().is_empty() {
                path.push(".");
            }
            return path;
        }
        path.join(repo_path)
    }

    /// Writes the files under `paths` (repository-relative) as they are
    /// in `commit` below `dest`, in the repository's layout. Paths that
    /// do not exist in the commit are skipped. Returns the file count.
    pub fn extract(&self, commit: &str, paths: &[String], dest: &Path) -> Result<usize, String> {
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit, "--"];
        for path in paths {
            args.push(if path.is_empty() { "." } else { path.as_str() });
        }
        let listing = run_git(Some(&self.root), &args, None)?;
        let entries = parse_tree(&listing)?;
        let mut batch = String::new();
        for entry in &entries {
            batch.push_str(&entry.object);
            batch.push('\n');
        }
        let contents = run_git(
            Some(&self.root),
            &["cat-file", "--batch"],
            Some(batch.as_bytes()),
        )?;
        let blobs = parse_batch(&contents)?;
        if blobs.len() != entries.len() {
            return Err(format!(
                "git cat-file returned {} objects for {} files",
                blobs.len(),
                entries.len()
            ));
        }
        for (entry, bytes) in entries.iter().zip(blobs) {
            write_entry(dest, entry, bytes)?;
        }
        Ok(entries.len())
    }
}

fn outside(arg: &Path, root: &Path) -> String {
    format!(
        "`{}` is outside the repository at {}; with `--base` every input must be inside it",
        arg.display(),
        root.display()
    )
}

/// Canonicalizes the longest existing ancestor of `path` and appends the
/// rest, so a path that does not exist yet still resolves symlinks above it.
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if let Ok(resolved) = fs::canonicalize(&current) {
            return rest.iter().rev().fold(resolved, |acc, part| acc.join(part));
        }
        match (current.file_name().map(ToOwned::to_owned), current.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                current = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// One file of a `git ls-tree` listing.
#[derive(Debug, PartialEq, Eq)]
struct TreeEntry {
    object: String,
    path: String,
}

/// Parses `git ls-tree -z` output into its regular files. A symbolic
/// link or a submodule among the inputs is an error: a link's target may
/// lie outside the revision, even in the working tree, so the base render
/// could silently read the current files instead of the revision's.
fn parse_tree(listing: &[u8]) -> Result<Vec<TreeEntry>, String> {
    let mut entries = Vec::new();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let text = String::from_utf8_lossy(record);
        let malformed = || format!("unexpected git ls-tree output: {text:?}");
        let (meta, path) = text.split_once('\t').ok_or_else(malformed)?;
        let fields: Vec<&str> = meta.split(' ').collect();
        let [mode, kind, object] = fields.as_slice() else {
            return Err(malformed());
        };
        if *kind == "commit" {
            return Err(format!(
                "`{path}` is a submodule in that revision; `--base` reads only files \
                 committed in this repository"
            ));
        }
        if *kind != "blob" {
            continue;
        }
        if *mode == "120000" {
            return Err(format!(
                "`{path}` is a symbolic link in that revision; `--base` reads only \
                 regular files, so commit the inputs themselves"
            ));
        }
        entries.push(TreeEntry {
            object: object.to_string(),
            path: path.to_string(),
        });
    }
    Ok(entries)
}

/// Parses `git cat-file --batch` output into the contents of each object,
/// in request order.
fn parse_batch(mut output: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut blobs = Vec::new();
    while !output.is_empty() {
        let end = output
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("git cat-file output ended inside a header")?;
        let header = String::from_utf8_lossy(&output[..end]);
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| format!("git cat-file could not read an object: {header}"))?;
        let start = end + 1;
        let body = output
            .get(start..start + size)
            .ok_or("git cat-file output ended inside an object")?;
        blobs.push(body);
        output = output.get(start + size + 1..).unwrap_or_default();
    }
    Ok(blobs)
}

fn write_entry(dest: &Path, entry: &TreeEntry, bytes: &[u8]) -> Result<(), String> {
    let relative = Path::new(&entry.path);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(name) if name != ".git"))
    {
        return Err(format!("refusing to write the tree path `{}`", entry.path));
    }
    let target = dest.join(relative);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create folder {}: {error}", parent.display()))?;
    }
    fs::write(&target, bytes).map_err(|error| format!("cannot write {}: {error}", target.display()))
}

/// Runs git and returns its stdout, or its stderr as the error.
fn run_git(dir: Option<&Path>, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    command
        .arg("--literal-pathspecs")
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run git: {error}; is it installed and on PATH?"))?;
    let writer = match (input, child.stdin.take()) {
        (Some(input), Some(mut stdin)) => {
            let input = input.to_vec();
            Some(std::thread::spawn(move || stdin.write_all(&input)))
        }
        _ => None,
    };
    let output = child
        .wait_with_output()
        .map_err(|error| format!("cannot read the output of git: {error}"))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("git {} failed: {}", args.join(" "), stderr.trim()));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(prefix: &str) -> Repository {
        Repository {
            root: PathBuf::from("/repo"),
            prefix: prefix.to_string(),
        }
    }

    #[test]
    fn relative_paths_join_the_prefix() {
        let repo = repository("deploy/gitops");
        assert_eq!(
            repo.repo_path(Path::new("offices")).unwrap(),
            "deploy/gitops/offices"
        );
        assert_eq!(
            repo.repo_path(Path::new("../x/./y.toml")).unwrap(),
            "deploy/x/y.toml"
        );
        assert_eq!(repo.repo_path(Path::new("../..")).unwrap(), "");
        assert!(repo.repo_path(Path::new("../../..")).is_err());
    }

    #[test]
    fn paths_from_current_dir_climb_the_prefix() {
        assert_eq!(
            repository("").from_current_dir("offices"),
            Path::new("offices")
        );
        assert_eq!(
            repository("a/b").from_current_dir("offices"),
            Path::new("../../offices")
        );
        assert_eq!(repository("").from_current_dir(""), Path::new("."));
    }

    #[test]
    fn tree_listing_keeps_regular_files() {
        let listing = b"100644 blob aaa\toffices/acme.toml\x00100755 blob bbb\toffices/b.toml\x00";
        let entries = parse_tree(listing).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "offices/acme.toml");
        assert_eq!(entries[1].object, "bbb");
    }

    #[test]
    fn tree_listing_rejects_links_and_submodules() {
        let link = parse_tree(b"120000 blob ccc\tintegrations\x00").unwrap_err();
        assert!(link.contains("symbolic link"), "{link}");
        let submodule = parse_tree(b"160000 commit bbb\tintegrations\x00").unwrap_err();
        assert!(submodule.contains("submodule"), "{submodule}");
    }

    #[test]
    fn batch_output_splits_into_objects() {
        let output = b"aaa blob 3\nabc\nbbb blob 0\n\n";
        let blobs = parse_batch(output).unwrap();
        assert_eq!(blobs, [b"abc".as_slice(), b"".as_slice()]);
        assert!(parse_batch(b"aaa missing\n").is_err());
        assert!(parse_batch(b"aaa blob 10\nabc\n").is_err());
    }

    #[test]
    fn tree_paths_cannot_escape_destination() {
        let entry = TreeEntry {
            object: "a".into(),
            path: "../evil".into(),
        };
        let error = write_entry(Path::new("/nonexistent"), &entry, b"").unwrap_err();
        assert!(error.contains("refusing"), "{error}");
    }
}
