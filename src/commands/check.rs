//! `integrate check`: validate the inputs and render them in memory,
//! writing nothing.

use super::{INVALID, SUCCESS, render_all, report};
use crate::cli::{Global, OfficesArg};
use crate::diag::Diagnostics;
use crate::project;

pub fn run(global: &Global, args: &OfficesArg) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let inputs = project::load(&global.registry, &args.offices, &mut diagnostics);
    let rendered = render_all(&inputs.offices, &mut diagnostics);
    if report(global, &diagnostics) {
        return INVALID;
    }
    let objects: usize = rendered.iter().map(|office| office.objects.len()).sum();
    eprintln!(
        "{} integrations and {} offices are valid ({objects} objects)",
        inputs.registry.integrations.len(),
        rendered.len()
    );
    SUCCESS
}
