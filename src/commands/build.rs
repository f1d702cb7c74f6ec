//! `integrate build`: render offices and write `out/`.

use std::fmt::Write as _;

use super::{DIFFERENCE, INVALID, SUCCESS, render_all, report};
use crate::cli::{BuildArgs, Global};
use crate::diag::Diagnostics;
use crate::project;
use crate::write::{self, Desired, OfficePlan};

pub fn run(global: &Global, args: &BuildArgs) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let inputs = project::load(&global.registry, &args.offices.offices, &mut diagnostics);
    let rendered = render_all(&inputs.offices, &mut diagnostics);
    if diagnostics.has_errors() {
        report(global, &diagnostics);
        return INVALID;
    }

    let mut plans: Vec<OfficePlan> = Vec::new();
    for office in &rendered {
        let desired = Desired {
            id: office.id.clone(),
            source: office.source.clone(),
            files: office.files(),
        };
        match write::plan_office(&global.out, desired) {
            Ok(plan) => plans.push(plan),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    let ids: Vec<&str> = rendered.iter().map(|office| office.id.as_str()).collect();
    match write::plan_removed_offices(&global.out, &inputs.office_dirs, &ids) {
        Ok(removed) => plans.extend(removed),
        Err(diagnostic) => diagnostics.push(diagnostic),
    }
    if !args.check {
        write::check_conflicts(&plans, args.force, &mut diagnostics);
    }
    if report(global, &diagnostics) {
        return INVALID;
    }

    eprint!("{}", summary(&plans, args.check));
    if args.check {
        let stale = plans.iter().any(|plan| !plan.changes.is_empty());
        return if stale { DIFFERENCE } else { SUCCESS };
    }
    for plan in &plans {
        if let Err(diagnostic) = write::apply(&global.out, plan) {
            let mut failed = Diagnostics::default();
            failed.push(diagnostic);
            report(global, &failed);
            return INVALID;
        }
    }
    SUCCESS
}

/// One line per office that changes, then a total.
pub fn summary(plans: &[OfficePlan], check: bool) -> String {
    let mut out = String::new();
    let mut changed_offices = 0;
    for plan in plans.iter().filter(|plan| !plan.changes.is_empty()) {
        changed_offices += 1;
        let changes = &plan.changes;
        let mut parts = Vec::new();
        for (count, word) in [
            (changes.added.len(), "added"),
            (changes.changed.len(), "changed"),
            (changes.removed.len(), "removed"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {word}"));
            }
        }
        if parts.is_empty() {
            parts.push("index updated".to_string());
        }
        let _ = writeln!(out, "{}: {}", plan.id, parts.join(", "));
        for (sign, names) in [
            ("+", &changes.added),
            ("~", &changes.changed),
            ("-", &changes.removed),
        ] {
            for name in names {
                let _ = writeln!(out, "  {sign} {name}");
            }
        }
    }
    let verb = if check { "out of date" } else { "updated" };
    let _ = writeln!(
        out,
        "{changed_offices} of {} office folders {verb}",
        plans.len()
    );
    out
}
