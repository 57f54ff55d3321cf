#!/usr/bin/env python3
"""Wall-clock comparison of two builds of the throughput example, in interleaved rounds.

    cargo build --release --example throughput && cp target/release/examples/throughput /tmp/after
    # (build the other commit the same way into /tmp/before)
    python3 benches/compare_builds.py /tmp/before /tmp/after [SCENARIO.toml ...]

Each round runs every scenario with both binaries (best of 3 runs each), alternating which goes
first, so that drift on a noisy machine falls on both. Prints, per scenario, the best time of
each build and the median of the per-round after/before ratios. ROUNDS (default 8) sets the
number of rounds. Default scenarios: the fault scenarios of `benches/engine.rs` and bench (b).
"""
import os
import re
import statistics
import subprocess
import sys

DEFAULT = [
    "scenarios/retry-storm.toml",
    "scenarios/async-dependency-outage.toml",
    "scenarios/sqs-poison-message.toml",
    "scenarios/bench-100x10.toml",
]


def best_ms(binary, scenario):
    out = subprocess.run([binary, scenario, "3"], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"best of \d+ runs ([\d.]+) ms", out).group(1))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    before, after = sys.argv[1], sys.argv[2]
    scenarios = sys.argv[3:] or DEFAULT
    rounds = int(os.environ.get("ROUNDS", "8"))
    times = {(b, s): [] for b in ("before", "after") for s in scenarios}
    for r in range(rounds):
        for s in scenarios:
            order = [("before", before), ("after", after)]
            for name, binary in order if r % 2 == 0 else order[::-1]:
                times[(name, s)].append(best_ms(binary, s))
    for s in scenarios:
        b, a = times[("before", s)], times[("after", s)]
        ratios = [x / y for x, y in zip(a, b)]
        print(
            f"{s:45s} before {min(b):8.1f} ms  after {min(a):8.1f} ms  "
            f"median after/before {statistics.median(ratios):.3f}"
        )


if __name__ == "__main__":
    main()
