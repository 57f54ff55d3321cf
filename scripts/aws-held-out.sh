#!/usr/bin/env bash
# Held-out validation of `faasim calibrate keep-alive` on the nine AWS request logs
# (docs/validation.md): learn the keep-alive on some logs, replay the others, and print per log
# the cold starts AWS logged, faasim's, the error and request-level precision and recall, for the
# learned policies (random from the NPMLE, and fixed at its median) and the fixed 10 minutes.
#
#   scripts/aws-held-out.sh            # learn on logs 1, 3, 5, 7, 9 (date order); replay 2, 4, 6, 8
#   scripts/aws-held-out.sh reverse    # learn on 2, 4, 6, 8; replay 1, 3, 5, 7, 9
#
# FAASIM names the binary (default: target/release/faasim). Run from the repository root.
set -euo pipefail
REV=${1:-}
FAASIM=${FAASIM:-target/release/faasim}
mapfile -t LOGS < <(ls traces/aws-lambda-requests/*.csv | sort)
train=() test=()
for i in "${!LOGS[@]}"; do
    if (( (i % 2 == 0) != (${#REV} > 0) )); then train+=("${LOGS[$i]}"); else test+=("${LOGS[$i]}"); fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for fit in npmle median; do
    "$FAASIM" calibrate keep-alive "${train[@]}" --fit "$fit" --out "$work/$fit" --no-plots >/dev/null
done
printf '| log | policy | AWS cold | faasim cold | error | precision | recall |\n|---|---|---:|---:|---:|---:|---:|\n'
for policy in fixed-10m npmle median; do
    tl=0 ts=0 tb=0
    for log in "${test[@]}"; do
        frag=""
        [[ $policy != fixed-10m ]] && frag=$(grep -v '^#' "$work/$policy/keep_alive.toml")
        awk -v tr="$PWD/$log" -v frag="$frag" -v pol="$policy" '
            /^keep_alive = "10m"/ { if (pol != "fixed-10m") next }
            /^reuse = "mru"/ { print; print "initial_instances = 1"; if (frag != "") print frag; next }
            /^arrivals = / { print "arrivals = { trace = \"" tr "\", format = \"aws-lambda-log\" }"; next }
            { print }' scenarios/aws-log-replay.toml > "$work/s.toml"
        line=$("$FAASIM" run "$work/s.toml" --out "$work/run" --no-plots | grep 'request by request')
        # "logged cold L (simulated cold B, warm …), logged warm W (simulated cold X, …"
        read -r l b x < <(sed -E 's/.*logged cold ([0-9]+) \(simulated cold ([0-9]+),.*logged warm [0-9]+ \(simulated cold ([0-9]+),.*/\1 \2 \3/' <<<"$line")
        s=$((b + x)); tl=$((tl + l)); ts=$((ts + s)); tb=$((tb + b))
        awk -v n="$(basename "$log" .csv)" -v p="$policy" -v l="$l" -v s="$s" -v b="$b" 'BEGIN {
            printf "| %s | %s | %d | %d | %+.1f %% | %.2f | %.2f |\n", n, p, l, s, 100 * (s - l) / l, (s ? b / s : 0), b / l }'
    done
    awk -v p="$policy" -v l="$tl" -v s="$ts" -v b="$tb" 'BEGIN {
        printf "| **all held out** | %s | %d | %d | %+.1f %% | %.2f | %.2f |\n", p, l, s, 100 * (s - l) / l, b / s, b / l }'
done
