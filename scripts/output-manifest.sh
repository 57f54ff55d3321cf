#!/usr/bin/env bash
# Runs every shipped scenario (with --requests) and every sweep file, each into a fixed folder
# under OUT, and prints a sha256sum manifest of every file written, sorted by path.
#
#   scripts/output-manifest.sh [OUT] > manifest.txt     (OUT: target/output-manifest)
#
# The folder is named in each index.html, so compare manifests made with the same OUT. Two
# builds that write the same manifest produce the same outputs, byte for byte: run it before
# and after a change that should change no result, and `diff` the two manifests. The benchmark
# scenarios run for a shortened duration (their requests.csv would be gigabytes otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/output-manifest}
bin=${FAASIM:-target/release/faasim}
[ -x "$bin" ] || cargo build --release --locked -q
rm -rf "$out"
mkdir -p "$out"
for f in scenarios/*.toml; do
  case $f in *.sweep.toml) continue ;; esac
  name=$(basename "$f" .toml)
  extra=()
  case $name in bench-*) extra=(--set simulation.duration=2m) ;; esac
  "$bin" run "$f" --requests --quiet --out "$out/run/$name" "${extra[@]}" >&2
done
for f in scenarios/*.sweep.toml; do
  name=$(basename "$f" .toml)
  "$bin" sweep "$f" --quiet --jobs 2 --out "$out/sweep/$name" >&2
done
(cd "$out" && find . -type f | LC_ALL=C sort | xargs sha256sum)
