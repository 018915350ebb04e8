#!/usr/bin/env bash
# Brigade at fleet scale, on one loopback sshd: `brigade exec -- echo ok` and `brigade fix`
# (kitchen unchanged on the nodes) on N nodes at two parallelisms, every node under a known_hosts
# name of its own (a `Host` section with its HostKeyAlias per node, as fleets write them), with a
# known_hosts of N lines, plain and hashed; pdsh on the smallest size for the ratio. Prints a
# table: wall time, client CPU per node, sshd CPU per node, peak RSS, report.json write time,
# failures.
#
#   bench/bench_scale.sh                                   # N = 1000 5000 10000, parallel 128 1024
#   BENCH_SIZES="1000" BENCH_PARALLEL="128" bench/bench_scale.sh
#   BENCH_NOFILE= bench/bench_scale.sh                     # brigade under the shell's ulimit -n
#                                                          # (default: a soft limit of 1024)
#
# The known_hosts lines are Brigade's own: a first-contact run (StrictHostKeyChecking accept-new,
# parallel 1024) records every node, in the order the handshakes finished; the hashed file is
# that file through `ssh-keygen -H` (one salt a line, as HashKnownHosts yes writes it). A last
# row checks a hashed file in no order at all (shuf), the lookup's worst case. Measured runs use
# StrictHostKeyChecking yes. One sshd on 2 cores cannot finish 1024 handshakes at once within
# ssh's usual 10 s: ConnectTimeout is 120 s (the testbed, not Brigade); MaxStartups as in
# scripts/lib/fleet.sh.
#
# Columns: cli_ms/node is the CPU of brigade (or pdsh and its ssh processes) per node; sshd_ms
# per node is the server's (the floor every client pays); report_ms is report.json's write time
# (from run.log's close to report.json's mtime); fail counts nodes that did not end ok.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=${BENCH_SIZES:-"1000 5000 10000"}
parallels=${BENCH_PARALLEL:-"128 1024"}
nofile=${BENCH_NOFILE-1024}  # a soft limit brigade starts under; empty: the shell's
work_root=${BENCH_WORK_ROOT:-/tmp/brigade-fleet}

# shellcheck source=lib.sh
source bench/lib.sh
bench_prepare pdsh time
bench_fleet "$sizes" "$work_root"
sshd_pid=$(cat "$dir/sshd.pid")
ticks=$(getconf CLK_TCK)
smallest=$(tr ' ' '\n' <<<"$sizes" | sort -n | head -n 1)

# One Host section a node, ahead of the fleet's `Host *.fleet.test` (the first value wins).
{
  while read -r host; do printf 'Host %s\n  HostKeyAlias %s\n' "$host" "$host"; done <"$dir/hosts"
  sed 's|^  HostKeyAlias fleet-sshd$||; s|^  StrictHostKeyChecking yes$|  StrictHostKeyChecking STRICT|' \
    "$dir/ssh_config"
} >"$dir/ssh_config.scale"
use_strict() { sed "s|STRICT|$1|" "$dir/ssh_config.scale" >"$dir/ssh_config"; }

sshd_cpu() { awk -v t="$ticks" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$sshd_pid/stat"; }

# The first n hosts as selectors of 500 names each (one argument may not exceed 128 KiB).
selectors() { head -n "$1" "$dir/hosts" | paste -d, $(printf -- '- %.0s' $(seq 1 500)) | sed 's/,*$//; s/^/node:/'; }

run_brigade() { # what n parallel -> brigade's stdout/stderr in $dir/out, $dir/err
  local what=$1 n=$2 p=$3 limit="" nodes
  [ -z "$nofile" ] || limit="ulimit -S -n $nofile;"
  mapfile -t nodes < <(selectors "$n")
  case $what in
    exec) set -- exec -k "$dir/kitchen" --timeout 300 --parallel "$p" "${nodes[@]}" -- echo ok ;;
    fix) set -- fix -k "$dir/kitchen" --yes --quiet --timeout 300 --parallel "$p" "${nodes[@]}" ;;
  esac
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" \
    bash -c "$limit exec \"\$0\" \"\$@\"" "$root/build/brigade" "$@" >"$dir/out" 2>"$dir/err" || true
}

# n - (nodes the summary counts ok or deployed)
failures() {
  local n=$1 ok
  ok=$(grep -o '[0-9]* \(ok\|deployed\),' "$dir/err" | tail -n 1 | cut -d' ' -f1)
  echo $((n - ${ok:-0}))
}

report_ms() {
  local log
  log=$(readlink -f "$dir/kitchen/logs/latest")
  awk -v a="$(stat -c %.9Y "$log/run.log")" -v b="$(stat -c %.9Y "$log/report.json")" \
    'BEGIN {printf "%.0f", (b - a) * 1000}'
}

row_header() {
  printf '%-6s %-5s %-8s %-8s %8s %11s %11s %8s %9s %5s\n' \
    nodes par tool known_hosts wall_s cli_ms/node sshd_ms/node rss_MiB report_ms fail
}
row() { # n p tool known_hosts wall user sys rss sshd report fail
  printf '%-6s %-5s %-8s %-8s %8.2f %11.2f %11.2f %8.1f %9s %5d\n' "$1" "$2" "$3" "$4" "$5" \
    "$(echo "scale=4; 1000 * ($6 + $7) / $1" | bc)" "$(echo "scale=4; 1000 * $9 / $1" | bc)" \
    "$(echo "scale=1; $8 / 1024" | bc)" "${10}" "${11}"
}

measure() { # what n p known_hosts-kind -> one row
  local what=$1 n=$2 p=$3 kind=$4 before after wall user sys rss report=-
  cp "$dir/known_hosts.$kind" "$dir/known_hosts"
  sync
  sleep 1
  before=$(sshd_cpu)
  run_brigade "$what" "$n" "$p"
  after=$(sshd_cpu)
  read -r wall user sys rss <"$dir/time"
  [ "$what" = exec ] || report=$(report_ms)
  row "$n" "$p" "$what" "$kind" "$wall" "$user" "$sys" "$rss" "$(echo "$after - $before" | bc)" \
    "$report" "$(failures "$n")"
}

# First contact: every node's key recorded by Brigade itself.
use_strict accept-new
: >"$dir/known_hosts"
run_brigade exec "$largest" 1024
read -r first_wall _ _ _ <"$dir/time"
echo "first contact: $largest nodes recorded (accept-new, parallel 1024) in ${first_wall} s," \
  "$(failures "$largest") failed; known_hosts: $(wc -l <"$dir/known_hosts") lines"
cp "$dir/known_hosts" "$dir/known_hosts.plain"
cp "$dir/known_hosts" "$dir/known_hosts.hashed"
ssh-keygen -q -H -f "$dir/known_hosts.hashed" >/dev/null 2>&1
rm -f "$dir/known_hosts.hashed.old"
shuf "$dir/known_hosts.hashed" >"$dir/known_hosts.shuffled"
use_strict yes

# The kitchen sent once to every node: the measured fix runs find it unchanged.
cp "$dir/known_hosts.plain" "$dir/known_hosts"
run_brigade fix "$largest" 1024
read -r deploy_wall _ _ _ <"$dir/time"
echo "first deploy: kitchen sent to $largest nodes in ${deploy_wall} s, $(failures "$largest") failed"
[ -z "$nofile" ] || echo "brigade runs under ulimit -S -n $nofile (hard: $(ulimit -H -n))"
echo

row_header
for n in $sizes; do
  for p in $parallels; do
    for what in exec fix; do
      for kind in plain hashed; do
        measure "$what" "$n" "$p" "$kind"
      done
    done
  done
done
# The worst case for hashed lookups: a file in no order.
measure exec "$largest" "$(tr ' ' '\n' <<<"$parallels" | sort -n | tail -n 1)" shuffled

# pdsh (one ssh process a node) on the same files, for the ratio.
for p in $parallels; do
  cp "$dir/known_hosts.plain" "$dir/known_hosts"
  head -n "$smallest" "$dir/hosts" >"$dir/hosts.pdsh"
  sync
  sleep 1
  before=$(sshd_cpu)
  PDSH_RCMD_TYPE=ssh PDSH_SSH_ARGS_APPEND="-F $dir/ssh_config" /usr/bin/time -f '%e %U %S %M' \
    -o "$dir/time" pdsh -f "$p" -w "^$dir/hosts.pdsh" 'echo ok' >"$dir/out" 2>"$dir/err" || true
  after=$(sshd_cpu)
  read -r wall user sys rss <"$dir/time"
  row "$smallest" "$p" pdsh plain "$wall" "$user" "$sys" "$rss" "$(echo "$after - $before" | bc)" - \
    $((smallest - $(grep -c ': ok$' "$dir/out" || true)))
done
