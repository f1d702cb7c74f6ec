//! `integrate diff`: render the offices in memory and compare them with
//! the files in `out/`, or with what a git revision's inputs render to.
//! The diff goes to stdout, and notes and the closing count to stderr.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, IsTerminal, Write as _};
use std::path::{Component, Path, PathBuf};

use super::{DIFFERENCE, INVALID, SUCCESS, render_all, report};
use crate::cli::{ColorChoice, DiffArgs, DiffFormat, Global};
use crate::diag::{Diagnostic, Diagnostics};
use crate::diff::text::count_noun;
use crate::diff::{self, Against, Change, OfficeDiff, Report};
use crate::git::Repository;
use crate::load::display_path;
use crate::project;
use crate::render::RenderedOffice;
use crate::write::{self, Desired, OfficePlan};

/// File name to file text.
type Files = BTreeMap<String, String>;

/// The old and the new files of one office.
struct Pair {
    office: String,
    old: Files,
    new: Files,
}

pub fn run(global: &Global, args: &DiffArgs) -> u8 {
    // With `--base`, input paths may be rewritten and the revision's
    // inputs are copied first, so a bad revision fails before rendering.
    let mut global = global.clone();
    let mut offices = args.offices.offices.clone();
    let base = match &args.base {
        None => None,
        Some(revision) => match Base::prepare(&mut global, &mut offices, revision) {
            Ok(base) => Some(base),
            Err(diagnostic) => return fail(&global, diagnostic),
        },
    };

    let mut diagnostics = Diagnostics::default();
    let (rendered, office_dirs) = render_inputs(&global, &offices, &mut diagnostics);
    if report(&global, &diagnostics) {
        return INVALID;
    }

    let mut notes = hand_edit_notes(&global.out, &rendered, &office_dirs);
    let (against, pairs) = match &base {
        None => match pairs_from_out(&global.out, &rendered, &office_dirs, &mut notes) {
            Ok(pairs) => (Against::Out(display_path(&global.out)), pairs),
            Err(diagnostic) => return fail(&global, diagnostic),
        },
        Some(base) => match base.render(&global, &offices) {
            Ok(old) => (base.against(), pair_renders(old, &rendered)),
            Err(errors) => {
                report(&global, &errors);
                return INVALID;
            }
        },
    };

    let compared: Vec<OfficeDiff> = pairs
        .iter()
        .map(|pair| {
            let dir = display_path(&global.out.join(&pair.office));
            OfficeDiff::compare(&pair.office, &dir, &pair.old, &pair.new)
        })
        .collect();
    let report = Report::new(against, compared);
    print_report(&global, args.format, &report, &notes);
    if report.has_differences() {
        DIFFERENCE
    } else {
        SUCCESS
    }
}

fn print_report(global: &Global, format: DiffFormat, report: &Report, notes: &[String]) {
    let office_notes = report.offices.iter().flat_map(|office| &office.notes);
    for note in notes.iter().chain(office_notes) {
        eprintln!("note: {note}");
    }
    let text = match format {
        DiffFormat::Text => diff::text::render(report, color_stdout(global)),
        DiffFormat::Markdown => diff::markdown::render(report),
        DiffFormat::Json => diff::json::render(report),
    };
    // A closed pipe, as with `integrate diff | head`, is not an error.
    let _ = io::stdout().lock().write_all(text.as_bytes());
    eprintln!("{}", closing_line(report));
}

/// Returns whether to color the diff on stdout.
fn color_stdout(global: &Global) -> bool {
    match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && !super::no_color(),
    }
}

fn closing_line(report: &Report) -> String {
    let against = match &report.against {
        Against::Out(path) => format!("{path}/"),
        Against::Revision { revision, commit } => {
            format!(
                "revision {revision} ({})",
                commit.get(..12).unwrap_or(commit)
            )
        }
    };
    let compared = count_noun(report.compared, "office");
    if !report.has_differences() {
        return format!("no difference: {compared} compared with {against}");
    }
    let differing = report.offices.len();
    let verb = if differing == 1 { "differs" } else { "differ" };
    format!(
        "{differing} of {compared} {verb} from {against}: {} added, {} changed, {} removed",
        count_noun(report.total(Change::Added), "object"),
        report.total(Change::Changed),
        report.total(Change::Removed)
    )
}

fn fail(global: &Global, diagnostic: Diagnostic) -> u8 {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(diagnostic);
    report(global, &diagnostics);
    INVALID
}

/// Loads and renders the inputs. Returns the rendered offices and the
/// office folders named on the command line.
fn render_inputs(
    global: &Global,
    offices: &[PathBuf],
    diagnostics: &mut Diagnostics,
) -> (Vec<RenderedOffice>, Vec<String>) {
    let inputs = project::load(&global.registry, offices, diagnostics);
    let rendered = render_all(&inputs.offices, diagnostics);
    (rendered, inputs.office_dirs)
}

/// Plans a build without writing, the way `integrate build` does.
fn plan_build(out: &Path, rendered: &[RenderedOffice], office_dirs: &[String]) -> Vec<OfficePlan> {
    let mut plans = Vec::new();
    for office in rendered {
        let desired = Desired {
            id: office.id.clone(),
            source: office.source.clone(),
            files: office.files(),
        };
        if let Ok(plan) = write::plan_office(out, desired) {
            plans.push(plan);
        }
    }
    let ids: Vec<&str> = rendered.iter().map(|office| office.id.as_str()).collect();
    if let Ok(removed) = write::plan_removed_offices(out, office_dirs, &ids) {
        plans.extend(removed);
    }
    plans
}

/// Writes one note per generated file in `out` that `integrate build`
/// would reject without `--force`.
fn hand_edit_notes(out: &Path, rendered: &[RenderedOffice], office_dirs: &[String]) -> Vec<String> {
    let mut notes = Vec::new();
    for plan in plan_build(out, rendered, office_dirs) {
        for (name, conflict) in &plan.changes.conflicts {
            notes.push(write::conflict_note(&plan.dir.join(name), *conflict));
        }
    }
    notes
}

/// Pairs each rendered office with its folder in `out`, and each office
/// folder a build would remove with nothing. The old side has the files
/// a build would replace or remove: those in the office's index and
/// those it renders, as far as they exist.
fn pairs_from_out(
    out: &Path,
    rendered: &[RenderedOffice],
    office_dirs: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<Pair>, Diagnostic> {
    let mut pairs = Vec::new();
    for office in rendered {
        let new = office.files();
        let dir = out.join(&office.id);
        let index = write::read_index(&dir).unwrap_or_default();
        let names: BTreeSet<&String> = index.files.keys().chain(new.keys()).collect();
        let old = read_files(&dir, names, notes)?;
        pairs.push(Pair {
            office: office.id.clone(),
            old,
            new,
        });
    }
    let ids: Vec<&str> = rendered.iter().map(|office| office.id.as_str()).collect();
    for plan in write::plan_removed_offices(out, office_dirs, &ids)? {
        let old = read_files(&plan.dir, plan.changes.removed.iter(), notes)?;
        pairs.push(Pair {
            office: plan.id,
            old,
            new: Files::new(),
        });
    }
    Ok(pairs)
}

/// Reads the named files of `dir` that exist. A name that is not a plain
/// file name (a hand-edited index could hold `../x`) is skipped.
fn read_files<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a String>,
    notes: &mut Vec<String>,
) -> Result<Files, Diagnostic> {
    let mut files = Files::new();
    for name in names {
        let mut parts = Path::new(name).components();
        if !matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(_)), None)
        ) {
            continue;
        }
        let path = dir.join(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => {
                let message = format!("cannot read file: {error}");
                return Err(Diagnostic::file_error(display_path(&path), message));
            }
        };
        let text = String::from_utf8(bytes).unwrap_or_else(|error| {
            notes.push(format!(
                "{} is not valid UTF-8; invalid bytes are compared as U+FFFD",
                display_path(&path)
            ));
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        });
        files.insert(name.clone(), text);
    }
    Ok(files)
}

/// Pairs the offices of two renders by id.
fn pair_renders(old: Vec<RenderedOffice>, new: &[RenderedOffice]) -> Vec<Pair> {
    let mut pairs: BTreeMap<String, Pair> = BTreeMap::new();
    let empty = |office: &str| Pair {
        office: office.to_string(),
        old: Files::new(),
        new: Files::new(),
    };
    for office in &old {
        let pair = pairs
            .entry(office.id.clone())
            .or_insert_with(|| empty(&office.id));
        pair.old = office.files();
    }
    for office in new {
        let pair = pairs
            .entry(office.id.clone())
            .or_insert_with(|| empty(&office.id));
        pair.new = office.files();
    }
    pairs.into_values().collect()
}

/// The inputs of a git revision, copied into a scratch folder.
struct Base {
    revision: String,
    commit: String,
    repository: Repository,
    /// The scratch folder, removed when `Base` is dropped.
    tree: tempfile::TempDir,
}

impl Base {
    /// Resolves the revision and copies its registry, templates and
    /// office paths. Absolute input paths are rewritten relative to the
    /// current directory, so both renders name their inputs alike in the
    /// headers of the files they generate.
    fn prepare(
        global: &mut Global,
        offices: &mut [PathBuf],
        revision: &str,
    ) -> Result<Base, Diagnostic> {
        let error = |message: String| Diagnostic::file_error("--base", message);
        let repository = Repository::discover().map_err(error)?;
        let commit = repository.resolve(revision).map_err(error)?;
        let mut repo_paths = Vec::new();
        let inputs = [&mut global.registry, &mut global.templates];
        for path in inputs.into_iter().chain(offices.iter_mut()) {
            let inside = repository.repo_path(path).map_err(error)?;
            if path.is_absolute() {
                *path = repository.from_current_dir(&inside);
            }
            repo_paths.push(inside);
        }
        let tree = tempfile::Builder::new()
            .prefix("integrate-base-")
            .tempdir()
            .map_err(|e| error(format!("cannot create a temporary folder: {e}")))?;
        repository
            .extract(&commit, &repo_paths, tree.path())
            .map_err(|message| error(format!("cannot read revision `{revision}`: {message}")))?;
        let current = tree.path().join(&repository.prefix);
        fs::create_dir_all(&current)
            .map_err(|e| error(format!("cannot create {}: {e}", current.display())))?;
        Ok(Base {
            revision: revision.to_string(),
            commit,
            repository,
            tree,
        })
    }

    fn against(&self) -> Against {
        Against::Revision {
            revision: self.revision.clone(),
            commit: self.commit.clone(),
        }
    }

    /// Renders the revision's inputs from the scratch folder, with the
    /// same relative paths as the working tree's render. Office paths the
    /// revision lacks are left out: their offices are new.
    fn render(
        &self,
        global: &Global,
        offices: &[PathBuf],
    ) -> Result<Vec<RenderedOffice>, Diagnostics> {
        let inside = self.tree.path().join(&self.repository.prefix);
        let mut diagnostics = Diagnostics::default();
        let rendered = match CurrentDir::enter(&inside) {
            Ok(_guard) => {
                let present: Vec<PathBuf> = offices
                    .iter()
                    .filter(|path| path.exists())
                    .cloned()
                    .collect();
                render_inputs(global, &present, &mut diagnostics).0
            }
            Err(message) => {
                diagnostics.push(Diagnostic::file_error("--base", message));
                return Err(diagnostics);
            }
        };
        if diagnostics.has_errors() {
            return Err(self.relabel(&diagnostics));
        }
        Ok(rendered)
    }

    /// Names each input file as `<revision>:<path from the repository
    /// root>`, the way `git show` takes it, under a headline that states
    /// the revision does not build.
    fn relabel(&self, diagnostics: &Diagnostics) -> Diagnostics {
        let mut relabeled = Diagnostics::default();
        let short = self.commit.get(..12).unwrap_or(&self.commit);
        relabeled.push(Diagnostic::file_error(
            "--base",
            format!(
                "the inputs at revision `{}` ({short}) do not build; fix them there or \
                 compare with another revision",
                self.revision
            ),
        ));
        for diagnostic in diagnostics.sorted() {
            let mut diagnostic = diagnostic.clone();
            let path = self
                .repository
                .repo_path(Path::new(&diagnostic.path))
                .unwrap_or_else(|_| diagnostic.path.clone());
            diagnostic.path = format!("{}:{path}", self.revision);
            relabeled.push(diagnostic);
        }
        relabeled
    }
}

/// Changes the current directory and changes it back when dropped.
// NOTE: the current directory is process-wide, so nothing else may read
// relative paths while a guard is alive. `diff` renders the base after
// everything that reads the working tree, and the render joins all the
// threads it starts before the guard is dropped.
struct CurrentDir {
    previous: PathBuf,
}

impl CurrentDir {
    fn enter(dir: &Path) -> Result<CurrentDir, String> {
        let previous = std::env::current_dir()
            .map_err(|error| format!("cannot read the current directory: {error}"))?;
        std::env::set_current_dir(dir)
            .map_err(|error| format!("cannot enter {}: {error}", dir.display()))?;
        Ok(CurrentDir { previous })
    }
}

impl Drop for CurrentDir {
    fn drop(&mut self) {
        let _ = std::env::set_current_dir(&self.previous);
    }
}
