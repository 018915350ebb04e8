#!/usr/bin/env bash
# Brigade's kitchen sync against LittleChef's, in one run, on a generated kitchen of real shape
# (bench/gen_kitchen.py: 2,000 files, 15 MB, cookbooks with recipes, attributes, templates,
# files, specs, and a few binary files) and a loopback fleet. LittleChef's sync is its exact
# rsync line (Fabric's rsync_project as chef.py calls it: rsync -pthrz --delete with
# LittleChef's excludes, -q), one per node, as many at once as Brigade's --parallel.
#
#   bench/bench_sync.sh                       # 100 nodes, parallel 16
#   BENCH_NODES=1000 BENCH_PARALLEL=64 bench/bench_sync.sh
#   BENCH_FILES=4000 BENCH_MB=40 bench/bench_sync.sh
#
# Cases, in this order, each applied to the kitchen both tools deploy: first deploy, unchanged,
# one recipe line changed, a 1 MB file added, a file removed. Columns: bytes on the wire a node
# (both directions, TCP/IP included: the loopback interface of a network namespace of the
# benchmark's own, where the fleet's sshd and both tools run), wall time, client CPU (the
# tool's whole process tree), node CPU (sshd and everything it ran, a node), and Brigade's ratio
# to rsync. The converge command is `true`: this measures the sync and what a deploy costs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
nodes=${BENCH_NODES:-100}
parallel=${BENCH_PARALLEL:-16}
files=${BENCH_FILES:-2000}
megabytes=${BENCH_MB:-15}

if [ -z "${BENCH_IN_NETNS:-}" ]; then
  # shellcheck source=lib.sh
  source bench/lib.sh
  bench_prepare rsync iproute2 python3
  ns=brigade-bench-$$
  ip netns add "$ns"
  trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" env BENCH_IN_NETNS=1 "$0" "$@"
  exit
fi

source scripts/lib/fleet.sh
dir=$(mktemp -d /tmp/brigade-bench-sync-XXXXXX)
work=/tmp/brigade-bench-sync-work-$$
trap 'fleet_stop "$dir"; rm -rf "$dir" "$work"' EXIT
fleet_start "$dir" "$nodes" >/dev/null
kitchen=$dir/kitchen
python3 bench/gen_kitchen.py "$kitchen" "$files" "$megabytes"
printf '\n[deploy]\ncommand = true\n' >>"$kitchen/littlechef.cfg"
sed -i "s|^node_work_path = .*|node_work_path = $work/brigade/{node}|" "$kitchen/littlechef.cfg"
sshd_pid=$(cat "$dir/sshd.pid")
ticks=$(getconf CLK_TCK)
selector=$(sed 's/^/node:/' "$dir/hosts" | paste -sd, | sed 's/,node:/,/g')

wire() { cat /sys/class/net/lo/statistics/rx_bytes; }
sshd_cpu() { awk -v t="$ticks" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$sshd_pid/stat"; }

run_tool() {
  case $1 in
    brigade)
      "$root/build/brigade" fix -k "$kitchen" --yes --quiet --no-report --parallel "$parallel" \
        --timeout 600 "$selector" >/dev/null 2>"$dir/brigade.err" || { cat "$dir/brigade.err" >&2; false; } ;;
    rsync)
      # LittleChef 1.x: rsync_project(node_work_path, './cookbooks ./data_bags ./roles
      # ./site-cookbooks' (and ./environments), exclude=('*.svn', '.bzr*', '.git*', '.hg*'),
      # delete=True, extra_opts='-q'), which Fabric runs as rsync -pthrvz minus -v.
      (cd "$kitchen" && xargs -P "$parallel" -I{} rsync -pthrz --delete \
        --exclude '*.svn' --exclude '.bzr*' --exclude '.git*' --exclude '.hg*' -q \
        --rsh "ssh -F $dir/ssh_config" ./cookbooks ./data_bags ./roles ./environments \
        "{}:$work/rsync/{}/" <"$dir/hosts") ;;
  esac
}

# CPU of this shell's reaped children (and theirs), in seconds: bash's `times`, second line
# (run in this shell, not in a command substitution's subshell, which has no children).
children_cpu() {
  times >"$dir/times"
  tail -1 "$dir/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, "m");
    n += p[1] * 60 + substr(p[2], 1, length(p[2]) - 1) } printf "%.3f", n }'
}

measure() { # tool case
  local before_wire before_node start end
  before_wire=$(wire)
  before_node=$(sshd_cpu)
  children_cpu >"$dir/cpu.before"
  start=$(date +%s.%N)
  run_tool "$1" || echo "bench: $1 failed in case '$2'" >&2
  end=$(date +%s.%N)
  children_cpu >"$dir/cpu.after"
  awk -v tool="$1" -v c="$2" -v n="$nodes" -v b="$before_wire" -v a="$(wire)" \
    -v s="$start" -v e="$end" -v cb="$(cat "$dir/cpu.before")" -v ca="$(cat "$dir/cpu.after")" \
    -v nb="$before_node" -v na="$(sshd_cpu)" \
    'BEGIN { printf "%-18s %-8s %10.1f %8.2f %9.2f %9.2f\n", c, tool, (a - b) / n / 1024,
                    e - s, ca - cb, (na - nb) / n * 1000 }'
}

echo "# $nodes nodes, parallel $parallel, kitchen: $(find "$kitchen" -type f | wc -l) files," \
  "$(du -sb "$kitchen" | cut -f1) bytes; $(git describe --always --dirty)"
printf "%-18s %-8s %10s %8s %9s %9s\n" case tool "KB/node" "wall s" "client s" "node ms/n"
mkdir -p "$work/rsync"
recipe=$(find "$kitchen/cookbooks" -path '*/recipes/*.rb' | sort | head -1)
removed=$(find "$kitchen/cookbooks" -path '*/templates/*' -type f | sort | sed -n 2p)
for case in "first deploy" "unchanged" "one line changed" "1 MB file added" "a file removed"; do
  case $case in
    "one line changed") sed -i '3s/$/ # changed/' "$recipe" ;;
    "1 MB file added") head -c 1000000 /dev/urandom >"$kitchen/cookbooks/added.bin" ;;
    "a file removed") rm -f "$removed" ;;
  esac
  for tool in brigade rsync; do
    measure "$tool" "$case"
  done
done
