"""Helpers shared by the notebooks: find the faasim binary, run scenarios and sweeps, read outputs.

Every notebook does `from faasim_nb import run, sweep, ...`. Outputs go to a fresh temporary
folder per notebook session, so running a notebook never touches `reports/`.

The binary is taken from the `FAASIM` environment variable when set, else from
`target/release/faasim` in the repository (built with `cargo build --release` when missing).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TRACES = ROOT / "traces"
WORK = pathlib.Path(tempfile.mkdtemp(prefix="faasim-nb-"))

_counter = 0


def binary() -> str:
    """The path of the faasim binary, building it once if needed."""
    env = os.environ.get("FAASIM")
    if env:
        return env
    path = ROOT / "target" / "release" / "faasim"
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(path)


def _fresh(name: str) -> pathlib.Path:
    global _counter
    _counter += 1
    return WORK / f"{_counter:03d}-{name}"


def _value(v) -> str:
    """A Python value as the TOML text `--set` expects."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        # durations ("10m"), names and enums are passed as they are
        return v
    if isinstance(v, dict):
        return "{ " + ", ".join(f'{k} = {_toml(x)}' for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    raise TypeError(f"cannot pass {v!r} to --set")


def _toml(v) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    return _value(v)


def _check(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"faasim exited with status {proc.returncode}\n$ {' '.join(cmd)}\n{proc.stderr}"
        )


class Run:
    """The outputs of one `faasim run`: `summary` (dict), `out` (folder), and readers."""

    def __init__(self, out: pathlib.Path):
        self.out = out
        self.summary = json.loads((out / "summary.json").read_text())

    def function(self, name: str | None = None) -> dict:
        """The per-function block of summary.json (the only function when name is None)."""
        fns = self.summary["functions"]
        if name is None:
            if len(fns) != 1:
                raise ValueError(f"{len(fns)} functions; name one of {list(fns)}")
            return next(iter(fns.values()))
        return fns[name]

    def timeseries(self) -> pd.DataFrame:
        return pd.read_csv(self.out / "timeseries.csv")

    def requests(self) -> pd.DataFrame:
        """requests.csv (only when the run was made with requests=True)."""
        return pd.read_csv(self.out / "requests.csv")

    def events(self) -> pd.DataFrame:
        return pd.read_csv(self.out / "events.csv")


def run(
    scenario: str | os.PathLike,
    sets: dict | None = None,
    seed: int | None = None,
    requests: bool = False,
    plots: bool = False,
) -> Run:
    """Run a scenario (a path, or a name in scenarios/) with `--set` overrides; return its outputs.

    `sets` maps dotted paths to values: {"simulation.duration": "2h",
    "functions.api.memory_mb": 1024}.
    """
    path = pathlib.Path(scenario)
    if not path.exists():
        path = SCENARIOS / path
    out = _fresh(path.stem)
    cmd = [binary(), "run", str(path), "--out", str(out), "--quiet"]
    for k, v in (sets or {}).items():
        cmd += ["--set", f"{k}={_value(v)}"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if requests:
        cmd.append("--requests")
    if not plots:
        cmd.append("--no-plots")
    _check(cmd)
    return Run(out)


def write_scenario(text: str, name: str = "scenario") -> pathlib.Path:
    """Write a scenario (TOML text) to the notebook's work folder and return its path."""
    path = _fresh(name).with_suffix(".toml")
    path.write_text(text)
    return path


class Sweep:
    """The outputs of one `faasim sweep`: results, comparison and summary tables."""

    def __init__(self, out: pathlib.Path):
        self.out = out
        self.results = pd.read_csv(out / "results.csv")
        self.comparison = pd.read_csv(out / "comparison.csv")
        self.summary = pd.read_csv(out / "summary.csv")


def sweep(
    base: str | os.PathLike,
    grid: dict | None = None,
    configurations: list[dict] | None = None,
    replications: int = 1,
    baseline: str | None = None,
    plots: bool = False,
    jobs: int | None = None,
) -> Sweep:
    """Write a sweep file over `base` and run it.

    `grid` maps dotted paths to lists of values; `configurations` is a list of
    {"name": ..., "set": {path: value}}.
    """
    base_path = pathlib.Path(base)
    if not base_path.exists():
        base_path = SCENARIOS / base_path
    lines = [f"base = {json.dumps(str(base_path.resolve()))}", f"replications = {replications}"]
    if baseline is not None:
        lines.append(f"baseline = {json.dumps(baseline)}")
    if grid:
        lines.append("[grid]")
        for k, vs in grid.items():
            lines.append(f"{json.dumps(k)} = [{', '.join(_toml(v) for v in vs)}]")
    for c in configurations or []:
        lines.append("[[configurations]]")
        lines.append(f"name = {json.dumps(c['name'])}")
        if c.get("set"):
            inner = ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in c["set"].items())
            lines.append(f"set = {{ {inner} }}")
    out = _fresh(base_path.stem + "-sweep")
    file = out.with_suffix(".sweep.toml")
    file.write_text("\n".join(lines) + "\n")
    cmd = [binary(), "sweep", str(file), "--out", str(out), "--quiet"]
    if not plots:
        cmd.append("--no-plots")
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    _check(cmd)
    return Sweep(out)


class Tune:
    """The outputs of one `faasim tune`: `table` (tune.csv), `power_tuning` (tune.json), `out`."""

    def __init__(self, out: pathlib.Path):
        self.out = out
        self.table = pd.read_csv(out / "tune.csv")
        self.power_tuning = json.loads((out / "tune.json").read_text())


def tune(
    scenario: str | os.PathLike,
    memory: list[int] | None = None,
    function: str | None = None,
    strategy: str = "cost",
    weight: float = 0.5,
    replications: int = 3,
    jobs: int | None = None,
) -> Tune:
    """Run `faasim tune` on a scenario (a path, or a name in scenarios/) and read its tables."""
    path = pathlib.Path(scenario)
    if not path.exists():
        path = SCENARIOS / path
    out = _fresh(path.stem + "-tune")
    cmd = [binary(), "tune", str(path), "--out", str(out), "--quiet", "--no-plots"]
    cmd += ["--strategy", strategy, "--weight", str(weight), "--replications", str(replications)]
    if memory:
        cmd += ["--memory", ",".join(str(m) for m in memory)]
    if function:
        cmd += ["--function", function]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    _check(cmd)
    return Tune(out)
