//! `FsResources`: the files a scenario names (traces, durations, memory), opened relative to the
//! scenario's folder.

use std::path::{Path, PathBuf};

/// Files named by a scenario, relative to the scenario's folder.
pub struct FsResources {
    pub base: PathBuf,
}

impl FsResources {
    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }
}

impl sim_core::Resources for FsResources {
    fn open(&self, path: &str) -> Result<Box<dyn std::io::BufRead>, String> {
        let full = self.path(path);
        match std::fs::File::open(&full) {
            Ok(f) => Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f))),
            Err(e) => Err(format!("cannot open: {e}")),
        }
    }
    fn display(&self, path: &str) -> String {
        self.path(path).display().to_string()
    }
    fn reopener(&self, path: &str) -> Option<sim_core::Reopener> {
        let full = self.path(path);
        Some(Box::new(move || {
            std::fs::File::open(&full)
                .map(|f| Box::new(std::io::BufReader::with_capacity(1 << 16, f)) as _)
                .map_err(|e| format!("cannot open again: {e}"))
        }))
    }
}
