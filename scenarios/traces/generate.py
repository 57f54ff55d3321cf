#!/usr/bin/env python3
"""Regenerates spike-10x-large.csv, diurnal-2h.csv and bursty-6h.csv in this folder
(timestamps format: one arrival time in seconds per row). Deterministic: the same seeds give the
same files. spike-10x.csv (5 requests/s for 30 minutes, 50/s between minute 10 and minute 12)
predates this script and is kept as it is.

    python3 scenarios/traces/generate.py
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def poisson(rng, rate_at, start, end, peak):
    """Arrivals of a non-homogeneous Poisson process on [start, end) by thinning."""
    t = start
    while True:
        t += rng.expovariate(peak)
        if t >= end:
            return
        if rng.random() * peak < rate_at(t):
            yield t


def write(name, times, header="time_s"):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(header + "\n")
        for t in times:
            f.write(f"{t:.3f}\n")


def main():
    # A 10x spike: 50 requests/s for 10 minutes, 500/s from 5:00 to 6:00.
    rng = random.Random(10)
    rate = lambda t: 500.0 if 300 <= t < 360 else 50.0
    write("spike-10x-large.csv", poisson(rng, rate, 0.0, 600.0, 500.0))

    # A day compressed into 2 hours: 1 request/s at night, 9/s at the afternoon peak.
    rng = random.Random(24)
    day = 7200.0
    rate = lambda t: 1.0 + 8.0 * (1 - math.cos(2 * math.pi * t / day)) / 2
    write("diurnal-2h.csv", poisson(rng, rate, 0.0, day, 9.0))

    # Bursty on/off traffic for 6 hours: bursts of about 1 minute at 5 requests/s, separated by
    # quiet spells of 5 to 25 minutes with 1 request every 10 minutes on average.
    rng = random.Random(6)
    times, t, end = [], 0.0, 6 * 3600.0
    while t < end:
        quiet = rng.uniform(300.0, 1500.0)
        times += poisson(rng, lambda _: 1 / 600.0, t, min(t + quiet, end), 1 / 600.0)
        t += quiet
        burst = rng.expovariate(1 / 60.0)
        times += poisson(rng, lambda _: 5.0, t, min(t + burst, end), 5.0)
        t += burst
    write("bursty-6h.csv", times)


if __name__ == "__main__":
    main()
