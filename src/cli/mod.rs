//! The verbs of the command line, one module each, with their options (`RunArgs`, `SweepArgs`,
//! …); what they share: how a verb fails (`Exit`) and how it prints.

pub mod calibrate;
pub mod merge;
pub mod run;
pub mod schema;
pub mod sweep;
pub mod trace;
pub mod tune;
pub mod validate;

use crate::input::parse::LoadError;
use sim_core::SimError;
use std::path::{Path, PathBuf};

/// How a verb failed: bad input (exit 2) or anything else (exit 1).
pub enum Exit {
    Input(String),
    Other(String),
}

impl From<LoadError> for Exit {
    fn from(e: LoadError) -> Self {
        Exit::Input(e.0)
    }
}

impl From<SimError> for Exit {
    fn from(e: SimError) -> Self {
        Exit::Input(e.to_string())
    }
}

/// The number of threads to use when `--jobs` is not given.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The threads `--jobs` asks for (at least 1), or the number of cores.
fn jobs(given: Option<usize>) -> Result<usize, Exit> {
    match given {
        Some(0) => Err(Exit::Input("--jobs: must be at least 1".into())),
        Some(j) => Ok(j),
        None => Ok(cores()),
    }
}

/// Writes to stdout; a closed pipe (`faasim run … | head`) is not an error.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `wrote DIR` and the files written in it, one a line.
fn wrote(dir: &Path, written: &[PathBuf]) -> String {
    let mut text = format!("\nwrote {}\n", dir.display());
    for p in written {
        if let Some(n) = p.file_name() {
            text.push_str(&format!("  {}\n", n.to_string_lossy()));
        }
    }
    text
}
