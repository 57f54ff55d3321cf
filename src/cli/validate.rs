//! `faasim validate`: a scenario or sweep file (and the files it names) parsed and checked;
//! nothing run.

use super::{Exit, cores, print_out};
use crate::input::files::FsResources;
use crate::input::parse::read_text;
use crate::input::scenario::load_scenario;
use clap::Args;
use sim_core::{Resources, Simulation};
use std::path::PathBuf;

/// The options of `faasim validate`.
#[derive(Args)]
pub struct ValidateArgs {
    pub file: PathBuf,
    /// Override one scenario value before checking (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Count and report bad trace rows instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Refuse a run expected to take more than N requests and generator events (default 1e9,
    /// about two minutes), and stop one that passes it by 10 %.
    #[arg(long, value_name = "N", default_value_t = sim_core::sim::limits::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

pub fn validate(args: &ValidateArgs) -> Result<(), Exit> {
    let file = &args.file;
    // A sweep file names a base scenario.
    let text = read_text(file)?;
    if let Ok(t) = toml::from_str::<toml::Table>(&text)
        && t.contains_key("base")
    {
        let sweep = crate::sweep::config::load(file, cores())?;
        print_out(&format!(
            "{}: a valid sweep of {} configurations × {} replications of {}\n",
            file.display(),
            sweep.configs.len(),
            sweep.replications,
            sweep.base.display()
        ));
        return Ok(());
    }
    let loaded = load_scenario(file, &args.sets, None, args.skip_bad_rows, args.max_events)?;
    let res = FsResources {
        base: loaded.base_dir.clone(),
    };
    // Building the simulation opens every file the scenario names; reading each trace through
    // checks every row.
    let scenario = &loaded.scenario;
    let in_file = |e: sim_core::SimError| match e {
        sim_core::SimError::Config(e) => Exit::Input(format!("{}: {e}", file.display())),
        e @ sim_core::SimError::Input(_) => Exit::from(e),
    };
    let mut sim = Simulation::new(scenario, &res).map_err(in_file)?;
    sim.limit_events(args.max_events, true).map_err(in_file)?;
    let work = sim.expected_work();
    let mut notes = String::new();
    for w in &scenario.workloads {
        let a = &w.arrivals;
        if let Some(trace) = &a.trace {
            let opts = sim_core::inputs::reader_options(a, scenario.simulation.seed);
            let mut r = sim_core::trace::open(&res, trace, &opts, None)
                .map_err(|e| Exit::Input(e.to_string()))?;
            let mut n = 0u64;
            while r.next().map_err(|e| Exit::Input(e.to_string()))?.is_some() {
                n += 1;
                if n > args.max_events {
                    let e = sim_core::trace::too_many(&res.display(trace), args.max_events);
                    return Err(Exit::Input(e.to_string()));
                }
            }
            notes.push_str(&format!(
                "  {}: {} rows{}\n",
                res.display(trace),
                r.rows(),
                if r.skipped() > 0 {
                    format!(", {} bad rows skipped", r.skipped())
                } else {
                    String::new()
                }
            ));
        }
    }
    print_out(&format!(
        "{}: ok; about {} requests from its generated arrivals\n{notes}",
        file.display(),
        sim_core::sim::limits::approx(work.requests)
    ));
    Ok(())
}
