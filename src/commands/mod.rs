//! One module per subcommand.

pub mod build;
pub mod check;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod list;
pub mod new;

use std::io::IsTerminal;

use crate::cli::{ColorChoice, Global};
use crate::diag::Diagnostics;
use crate::office::Office;
use crate::render::{self, RenderedOffice};

/// Exit code for success, or no difference.
pub const SUCCESS: u8 = 0;
/// Exit code when `diff` or `build --check` finds a difference.
pub const DIFFERENCE: u8 = 1;
/// Exit code for invalid input or usage.
pub const INVALID: u8 = 2;

/// Returns whether to color text written to stderr.
pub fn color_stderr(global: &Global) -> bool {
    match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal() && !no_color(),
    }
}

/// Returns whether `NO_COLOR` is set to a value that is not empty, which
/// by convention turns color off.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// Prints the diagnostics to stderr; returns whether any is an error.
pub fn report(global: &Global, diagnostics: &Diagnostics) -> bool {
    let text = diagnostics.render(color_stderr(global));
    if !text.is_empty() {
        eprint!("{text}");
    }
    diagnostics.has_errors()
}

/// Renders every office in memory, spread over the machine's cores. The
/// result and the diagnostics keep the order of `offices`.
pub fn render_all(offices: &[Office], diagnostics: &mut Diagnostics) -> Vec<RenderedOffice> {
    map_offices(offices, diagnostics, render::render_office)
}

/// Applies `work` to every office, spread over the machine's cores, and
/// returns the results that are `Some`. The results and the diagnostics
/// keep the order of `offices`.
pub fn map_offices<T: Send>(
    offices: &[Office],
    diagnostics: &mut Diagnostics,
    work: impl Fn(&Office, &mut Diagnostics) -> Option<T> + Sync,
) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(offices.len().max(1));
    let chunk = offices.len().div_ceil(workers).max(1);
    let work = &work;
    let parts: Vec<(Vec<T>, Diagnostics)> = std::thread::scope(|scope| {
        let handles: Vec<_> = offices
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut found = Diagnostics::default();
                    let results = part
                        .iter()
                        .filter_map(|office| work(office, &mut found))
                        .collect();
                    (results, found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut results = Vec::with_capacity(offices.len());
    for (part, found) in parts {
        results.extend(part);
        diagnostics.extend(found);
    }
    results
}
