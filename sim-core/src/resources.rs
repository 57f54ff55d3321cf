//! Access to the files a scenario names. sim-core opens no file itself: a front end implements
//! [`Resources`] (a command line over the file system, a test over strings, a web page over
//! uploads) and the simulation reads through it.

use std::io::BufRead;

/// Access to the files a scenario names (traces, empirical distributions). The simulator never
/// opens files itself; a front end implements this (a CLI over the file system, a test over
/// strings, a web page over uploads).
pub trait Resources {
    /// Opens `path` as written in the scenario. The error is shown to the user.
    fn open(&self, path: &str) -> Result<Box<dyn BufRead>, String>;
    /// How to name `path` in messages (e.g. the resolved file path).
    fn display(&self, path: &str) -> String {
        path.to_string()
    }
    /// A function that opens `path` again, each call from its start (for readers that pass over
    /// a file more than once to keep their memory bounded). Default: none.
    fn reopener(&self, _path: &str) -> Option<Reopener> {
        None
    }
}

/// Opens a file again from its start (see [`Resources::reopener`]).
pub type Reopener = Box<dyn FnMut() -> Result<Box<dyn BufRead>, String>>;

/// Resources for scenarios that name no files.
pub struct NoFiles;
impl Resources for NoFiles {
    fn open(&self, path: &str) -> Result<Box<dyn BufRead>, String> {
        Err(format!(
            "this front end cannot open files (asked for \"{path}\")"
        ))
    }
}
