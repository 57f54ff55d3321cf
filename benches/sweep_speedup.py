#!/usr/bin/env python3
"""The sweep's parallel speed-up and the report layer's share, measured with interleaved runs.

Wall times on a shared 2-core machine drift by ±20 % from minute to minute, so benchmarking one
variant after the other (as `cargo bench --bench sweep` does) can mislead. This script runs the
three variants in turns, round after round, and compares their medians and best times:

    cargo build --release && python3 benches/sweep_speedup.py [ROUNDS]

  jobs_1         faasim sweep scenarios/bench-sweep.sweep.toml --jobs 1 --no-plots
  jobs_2         the same on 2 threads
  jobs_2_report  on 2 threads with the report (plots, index.html)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "faasim")
SWEEP = os.path.join(ROOT, "scenarios", "bench-sweep.sweep.toml")
VARIANTS = {
    "jobs_1": ["--jobs", "1", "--no-plots"],
    "jobs_2": ["--jobs", "2", "--no-plots"],
    "jobs_2_report": ["--jobs", "2"],
}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    times = {k: [] for k in VARIANTS}
    with tempfile.TemporaryDirectory() as out:
        names = list(VARIANTS)
        for r in range(rounds):
            # Rotate the order so no variant always runs first.
            for name in names[r % 3 :] + names[: r % 3]:
                cmd = [BIN, "sweep", SWEEP, "--quiet", "--out", os.path.join(out, name)]
                t = time.perf_counter()
                subprocess.run(cmd + VARIANTS[name], check=True)
                times[name].append(time.perf_counter() - t)
    # Runs of one round are a second apart, so their ratio is the least disturbed by the
    # machine's drift: the median of the per-round ratios is the headline figure.
    speedup = statistics.median(a / b for a, b in zip(times["jobs_1"], times["jobs_2"]))
    share = statistics.median(a / b - 1 for a, b in zip(times["jobs_2_report"], times["jobs_2"]))
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    for k in VARIANTS:
        print(f"{k:14} median {med[k] * 1e3:7.1f} ms   best {best[k] * 1e3:7.1f} ms   ({rounds} runs)")
    print(
        f"speed-up with 2 threads: {speedup:.2f}x (median of per-round ratios); "
        f"{med['jobs_1'] / med['jobs_2']:.2f}x (medians), {best['jobs_1'] / best['jobs_2']:.2f}x (best)"
    )
    print(
        f"report layer adds: {100 * share:.1f} % (median of per-round ratios); "
        f"{100 * (med['jobs_2_report'] / med['jobs_2'] - 1):.1f} % (medians), "
        f"{100 * (best['jobs_2_report'] / best['jobs_2'] - 1):.1f} % (best)"
    )

if __name__ == "__main__":
    main()
