//! The report layer: what a run or a sweep writes and shows. `output` streams a run's files
//! and prints its table, `plot` draws every plot (PNG and SVG), `sweep_plots` chooses a
//! sweep's plots, `html` writes index.html.

pub mod html;
pub mod output;
pub mod plot;
pub mod sweep_plots;
