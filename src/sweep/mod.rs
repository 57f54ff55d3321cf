//! `faasim sweep`: a base scenario run under several configurations (named ones, and the
//! cartesian product of a grid), each with replications, in parallel; one row per run in
//! `results.csv`, the means per configuration in `comparison.csv`, on stdout and in a plot.
//!
//! Replication `r` of every configuration runs with seed `base seed + r`: the configurations see
//! the same arrivals and service times (common random numbers), so their differences are the
//! configurations', not noise. Results are written in configuration order whatever the number
//! of threads, so a sweep's files are identical with `--jobs 1` and `--jobs 8`.

pub mod config;
pub mod execute;
pub mod results;
pub mod stats;
