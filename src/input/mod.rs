//! The command line's input: scenario files (with `--set` overrides and functions made from
//! traces), the TOML error messages, and the files a scenario names.

pub mod files;
pub mod parse;
pub mod scenario;
pub mod set;
pub mod trace_functions;
