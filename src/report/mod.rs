//! What the command line writes: a run's streamed CSV files and summary, the sweep tables, the
//! plots, the `faasim trace stats` report, `faasim tune`'s table and each folder's index.html.

pub mod calibrate;
pub mod html;
pub mod plot;
pub mod stream;
pub mod summary;
pub mod sweep_plots;
pub mod sweep_tables;
pub mod trace_stats;
pub mod tune;
