//! One module per subcommand.

pub mod build;
pub mod check;
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

/// Whether to color text written to stderr.
pub fn color_stderr(global: &Global) -> bool {
    match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal(),
    }
}

/// Prints the diagnostics to stderr; returns whether any is an error.
pub fn report(global: &Global, diagnostics: &Diagnostics) -> bool {
    let text = diagnostics.render(color_stderr(global));
    if !text.is_empty() {
        eprint!("{text}");
    }
    diagnostics.has_errors()
}

/// Renders every office in memory.
pub fn render_all(offices: &[Office], diagnostics: &mut Diagnostics) -> Vec<RenderedOffice> {
    offices
        .iter()
        .filter_map(|office| render::render_office(office, diagnostics))
        .collect()
}
