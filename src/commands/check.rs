//! `integrate check`: validate the inputs and render them in memory,
//! writing nothing.

use super::{INVALID, SUCCESS, map_offices, report};
use crate::cli::{Global, OfficesArg};
use crate::diag::Diagnostics;
use crate::project;

pub fn run(global: &Global, args: &OfficesArg) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let inputs = project::load(&global.registry, &args.offices, &mut diagnostics);
    // Only the object count of each office is kept, so memory stays
    // bounded by one office.
    let counts = map_offices(&inputs.offices, &mut diagnostics, |office, found| {
        crate::render::render_office(office, found).map(|rendered| rendered.objects.len())
    });
    if report(global, &diagnostics) {
        return INVALID;
    }
    let objects: usize = counts.iter().sum();
    eprintln!(
        "{} integrations and {} offices are valid ({objects} objects)",
        inputs.registry.integrations.len(),
        counts.len()
    );
    SUCCESS
}
