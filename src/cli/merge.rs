//! `faasim merge`: the results of a sweep's shards joined into one report.

use super::sweep::{sweep_out, write_report};
use super::{Exit, cores, print_out, wrote};
use crate::report::sweep_tables;
use crate::sweep::config::load;
use crate::sweep::results::{Row, cdf_path, read_rows, results_header, write_atomic};
use clap::Args;
use std::path::PathBuf;

/// The options of `faasim merge`.
#[derive(Args)]
pub struct MergeArgs {
    /// The sweep file the shards ran.
    pub sweep: PathBuf,
    /// The shards' output folders (or their results.csv files).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder [default: reports/<sweep file name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip drawing plots.
    #[arg(long)]
    pub no_plots: bool,
}

pub fn merge(args: &MergeArgs) -> Result<(), Exit> {
    let MergeArgs {
        sweep: file,
        shards,
        ..
    } = args;
    let sweep = load(file, cores())?;
    let (stem, dir) = sweep_out(file, args.out.clone())?;
    let mut rows: Vec<Row> = Vec::new();
    for s in shards {
        let path = if s.is_dir() {
            s.join("results.csv")
        } else {
            s.clone()
        };
        for row in read_rows(&path, &sweep).map_err(Exit::Input)? {
            match rows
                .iter()
                .find(|r| (r.config, r.rep) == (row.config, row.rep))
            {
                Some(r) if *r == row => {}
                Some(_) => {
                    return Err(Exit::Input(format!(
                        "{}: configuration \"{}\" replication {} differs from another shard's",
                        path.display(),
                        sweep.configs[row.config].name,
                        row.rep
                    )));
                }
                None => rows.push(row),
            }
        }
    }
    rows.sort_by_key(|r| (r.config, r.rep));
    // The shards' latency CDFs (replication 0 of each configuration they ran).
    for s in shards.iter().filter(|s| s.is_dir()) {
        for c in 0..sweep.configs.len() {
            let from = cdf_path(s, c);
            let to = cdf_path(&dir, c);
            if from.is_file() && from != to {
                std::fs::create_dir_all(dir.join("cdf"))
                    .and_then(|_| std::fs::copy(&from, &to).map(|_| ()))
                    .map_err(|e| Exit::Other(format!("{}: cannot copy: {e}", to.display())))?;
            }
        }
    }
    let total = sweep.configs.len() * sweep.replications as usize;
    let mut text = results_header(&sweep);
    for r in &rows {
        text.push_str(&r.line(&sweep));
    }
    write_atomic(&dir.join("results.csv"), &text).map_err(Exit::Other)?;
    let command = format!(
        "faasim merge {} {} --out {}",
        file.display(),
        shards
            .iter()
            .map(|s| s.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        dir.display()
    );
    let written = write_report(
        &sweep,
        &dir,
        &rows,
        &stem,
        args.no_plots,
        &command,
        Vec::new(),
    )?;
    if !args.quiet {
        let mut t = format!(
            "{stem} · merged {} of {total} runs from {} shards\n\n",
            rows.len(),
            shards.len()
        );
        t.push_str(&sweep_tables::table(&sweep, &rows));
        if rows.len() < total {
            t.push_str(&format!("\nmissing {} runs\n", total - rows.len()));
        }
        t.push_str(&wrote(&dir, &written));
        print_out(&t);
    }
    Ok(())
}
