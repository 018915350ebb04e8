#!/usr/bin/env bash
# What node hooks cost: `brigade fix` over N nodes of a local fleet (one loopback sshd, N names)
# with a trivial node pre and post hook (/bin/true) against the same run without hooks, runs
# interleaved in one session (the machine is shared and noisy: compare the ratios). The kitchen
# is on the nodes already (a warm-up run sends it), so each deploy is one channel.
#
#   bench/bench_hooks.sh                                  # N = 500, parallel 32 128, 3 rounds
#   BENCH_SIZES="100 500" BENCH_PARALLEL="32" BENCH_ROUNDS=5 bench/bench_hooks.sh
#
# Columns: median wall and client CPU (the whole process tree, hooks included) of each variant,
# wall_x = with / without, +ms/node = the added wall time divided by the nodes (target: < 5 at
# parallel 32), hook_ms = the mean duration of one hook as the report gives it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=${BENCH_SIZES:-"500"}
parallels=${BENCH_PARALLEL:-"32 128"}
rounds=${BENCH_ROUNDS:-3}

# shellcheck source=lib.sh
source bench/lib.sh
bench_prepare time
bench_fleet "$sizes"
kitchen=$dir/kitchen
mkdir -p "$dir/hooks"
cat >"$dir/hooks/trivial.json" <<'JSON'
[{"name": "pre", "type": "predeployhook", "exec": "/bin/true"},
 {"name": "post", "type": "postdeployhook", "exec": "/bin/true"}]
JSON


deploy() { # n parallel -> "wall cpu" on stdout; fails the bench if a node did not deploy
  local n=$1 p=$2 wall user sys
  /usr/bin/time -f '%e %U %S' -o "$dir/time" "$root/build/brigade" fix -k "$kitchen" --yes \
    --parallel "$p" "node:$(head -n "$n" "$dir/hosts" | paste -sd,)" >"$dir/out" 2>"$dir/err" || {
    echo "bench: brigade fix failed:" >&2
    tail -5 "$dir/err" >&2
    exit 1
  }
  read -r wall user sys <"$dir/time"
  echo "$wall $(echo "$user + $sys" | bc)"
}

deploy "$largest" 128 >/dev/null # warm-up: the kitchen goes to every node once

printf '%-6s %-5s %9s %9s %9s %9s %7s %9s %8s\n' \
  nodes par wall_none wall_hook cpu_none cpu_hook wall_x +ms/node hook_ms
for n in $sizes; do
  for p in $parallels; do
    : >"$dir/none"
    : >"$dir/hook"
    : >"$dir/hook_ms"
    for _ in $(seq "$rounds"); do
      rm -rf "$kitchen/hooks"
      deploy "$n" "$p" >>"$dir/none"
      cp -r "$dir/hooks" "$kitchen/hooks"
      deploy "$n" "$p" >>"$dir/hook"
      # The mean duration of one hook run, from the report.
      # In the report only a hook has a "cancelled" key; its duration_s follows it.
      awk '/"cancelled": /{h = 1} h && /"duration_s"/{s += $2; n++; h = 0}
           END {printf "%.3f\n", 1000 * s / n}' "$kitchen/logs/latest/report.json" >>"$dir/hook_ms"
    done
    rm -rf "$kitchen/hooks"
    wall_none=$(cut -d' ' -f1 "$dir/none" | median)
    wall_hook=$(cut -d' ' -f1 "$dir/hook" | median)
    cpu_none=$(cut -d' ' -f2 "$dir/none" | median)
    cpu_hook=$(cut -d' ' -f2 "$dir/hook" | median)
    printf '%-6s %-5s %9.2f %9.2f %9.2f %9.2f %7.2f %9.2f %8.2f\n' "$n" "$p" "$wall_none" \
      "$wall_hook" "$cpu_none" "$cpu_hook" "$(echo "scale=3; $wall_hook / $wall_none" | bc)" \
      "$(echo "scale=3; 1000 * ($wall_hook - $wall_none) / $n" | bc)" "$(median <"$dir/hook_ms")"
  done
done
