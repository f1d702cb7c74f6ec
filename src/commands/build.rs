//! `integrate build`: render offices and write `out/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;

use super::{DIFFERENCE, INVALID, SUCCESS, color_stderr, map_offices, report};
use crate::cli::{BuildArgs, Global};
use crate::diag::Diagnostics;
use crate::diff::OfficeDiff;
use crate::diff::text::{self, count_noun};
use crate::load::display_path;
use crate::office::Office;
use crate::project;
use crate::render;
use crate::write::{self, Desired, OfficePlan};

pub fn run(global: &Global, args: &BuildArgs) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let inputs = project::load(&global.registry, &args.offices.offices, &mut diagnostics);
    if diagnostics.has_errors() {
        report(global, &diagnostics);
        return INVALID;
    }

    // Pass one renders each office and compares it with out/, keeping only
    // the list of changes, so memory stays bounded by one office.
    let mut plans: Vec<OfficePlan> =
        map_offices(&inputs.offices, &mut diagnostics, |office, found| {
            let desired = desired_files(office, found)?;
            match write::plan_office(&global.out, desired) {
                Ok(mut plan) => {
                    plan.desired = None;
                    Some(plan)
                }
                Err(diagnostic) => {
                    found.push(diagnostic);
                    None
                }
            }
        });
    if diagnostics.has_errors() {
        report(global, &diagnostics);
        return INVALID;
    }
    let ids: Vec<&str> = inputs
        .offices
        .iter()
        .map(|office| office.id.as_str())
        .collect();
    match write::plan_removed_offices(&global.out, &inputs.office_dirs, &ids) {
        Ok(removed) => plans.extend(removed),
        Err(diagnostic) => diagnostics.push(diagnostic),
    }
    plans.sort_by(|a, b| a.id.cmp(&b.id));
    if !args.check {
        write::check_conflicts(&plans, args.force, &mut diagnostics);
    }
    if report(global, &diagnostics) {
        return INVALID;
    }

    let offices: BTreeMap<&str, &Office> = inputs
        .offices
        .iter()
        .map(|office| (office.id.as_str(), office))
        .collect();
    let files_of = |id: &str| {
        let office = offices.get(id)?;
        desired_files(office, &mut Diagnostics::default()).map(|desired| desired.files)
    };
    let color = color_stderr(global);
    if args.check {
        for plan in &plans {
            for (name, conflict) in &plan.changes.conflicts {
                eprintln!(
                    "note: {}",
                    write::conflict_note(&plan.dir.join(name), *conflict)
                );
            }
        }
        eprint!("{}", summary(&plans, true, color, &files_of));
        let stale = plans.iter().any(|plan| !plan.changes.is_empty());
        return if stale { DIFFERENCE } else { SUCCESS };
    }
    let _lock = match write::lock(&global.out) {
        Ok(lock) => lock,
        Err(diagnostic) => {
            let mut locked = Diagnostics::default();
            locked.push(diagnostic);
            report(global, &locked);
            return INVALID;
        }
    };
    let text = summary(&plans, false, color, &files_of);

    // Pass two renders each changed office again and swaps it in.
    let mut written: Vec<&str> = Vec::new();
    for plan in &mut plans {
        if plan.changes.is_empty() {
            continue;
        }
        if !plan.removed_office {
            let office = offices.get(plan.id.as_str());
            plan.desired =
                office.and_then(|office| desired_files(office, &mut Diagnostics::default()));
        }
        let applied = write::apply(&global.out, plan);
        plan.desired = None;
        if let Err(diagnostic) = applied {
            eprint!("{}", diagnostic.render(color));
            eprintln!("{}", partial_outcome(&written));
            return INVALID;
        }
        written.push(&plan.id);
    }
    eprint!("{text}");
    SUCCESS
}

/// Renders one office into the files its folder should hold.
fn desired_files(office: &Office, diagnostics: &mut Diagnostics) -> Option<Desired> {
    let rendered = render::render_office(office, diagnostics)?;
    Some(Desired {
        id: rendered.id.clone(),
        source: rendered.source.clone(),
        files: rendered.files(),
    })
}

/// Says which office folders a build that failed while writing had
/// already replaced. Each folder is replaced whole, so the others are
/// exactly as before.
fn partial_outcome(written: &[&str]) -> String {
    if written.is_empty() {
        return "the build stopped before replacing any office folder; out/ is unchanged"
            .to_string();
    }
    format!(
        "the build stopped after replacing {}: {}; every other office folder is unchanged",
        count_noun(written.len(), "office folder"),
        written.join(", ")
    )
}

/// The maximum number of offices whose objects the build summary lists
/// one by one. Reading the objects means parsing their YAML, which costs
/// more than writing them, and a longer list is no longer short.
const MAX_LISTED_OFFICES: usize = 20;

/// Formats one summary per office that changes, then a total. Up to 20
/// offices list their objects. A new or removed office folder, and each
/// office past that limit, gets one line of file counts.
pub fn summary(
    plans: &[OfficePlan],
    check: bool,
    color: bool,
    files_of: &dyn Fn(&str) -> Option<BTreeMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut changed_offices = 0;
    let mut listed = 0;
    let mut unlisted = 0;
    for plan in plans.iter().filter(|plan| !plan.changes.is_empty()) {
        changed_offices += 1;
        let changes = &plan.changes;
        let (added, changed, removed) = (
            changes.added.len(),
            changes.changed.len(),
            changes.removed.len(),
        );
        if added + changed + removed == 0 {
            let _ = writeln!(out, "{}: index updated", plan.id);
        } else if plan.removed_office {
            let files = count_noun(removed, "file");
            let _ = writeln!(out, "{}: office folder removed, {files}", plan.id);
        } else if changes.unchanged + changed + removed == 0 {
            let files = count_noun(added, "file");
            let _ = writeln!(out, "{}: new office folder, {files}", plan.id);
        } else if listed < MAX_LISTED_OFFICES {
            listed += 1;
            let (old, new) = plan_files(plan, files_of(&plan.id).unwrap_or_default());
            let dir = display_path(&plan.dir);
            let diff = OfficeDiff::compare_objects(&plan.id, &dir, &old, &new);
            out.push_str(&text::summary(&diff, color));
        } else {
            unlisted += 1;
            let counts = [(added, "added"), (changed, "changed"), (removed, "removed")];
            let mut parts: Vec<String> = counts
                .iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, word)| format!("{count} {word}"))
                .collect();
            // The first count names the unit: `2 files added, 1 changed`.
            if let Some((count, word)) = counts.iter().find(|(count, _)| *count > 0) {
                parts[0] = format!("{} {word}", count_noun(*count, "file"));
            }
            let _ = writeln!(out, "{}: {}", plan.id, parts.join(", "));
        }
    }
    if unlisted > 0 {
        let _ = writeln!(
            out,
            "the objects of {unlisted} more offices are not listed, and `integrate diff` shows them"
        );
    }
    let verb = if check { "out of date" } else { "updated" };
    let _ = writeln!(
        out,
        "{changed_offices} of {} office folders {verb}",
        plans.len()
    );
    out
}

/// Collects the old and new text of the files a plan touches, plus the
/// unchanged files, which the summary needs to tell which integration owns a
/// secret. A file that cannot be read now is left out of the old side.
fn plan_files(
    plan: &OfficePlan,
    new: BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let changes = &plan.changes;
    let read = |name: &String| {
        let text = fs::read(plan.dir.join(name)).ok()?;
        Some((name.clone(), String::from_utf8_lossy(&text).into_owned()))
    };
    let mut old: BTreeMap<String, String> = changes
        .changed
        .iter()
        .chain(&changes.removed)
        .filter_map(read)
        .collect();
    for (name, text) in &new {
        let touched = changes.added.contains(name) || changes.changed.contains(name);
        if !touched {
            old.insert(name.clone(), text.clone());
        }
    }
    (old, new)
}
