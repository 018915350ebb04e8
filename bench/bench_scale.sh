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
# HashKnownHosts no, parallel 1024) records every node, in the order the handshakes finished;
# each size's file holds its nodes' lines, and the hashed file is that file through
# `ssh-keygen -H` (one salt a line, as HashKnownHosts yes writes it). Two last rows are the
# hashed lookup's worst cases: a file in no order at all (shuffled), and the largest file for a
# run of the smallest size (others: lines of hosts outside the run). Measured runs use
# StrictHostKeyChecking yes. Brigade sets up at most 128 connections at once (--max-startups);
# the last row lets every node in flight do so (fix-s1024), as before that bound. One sshd on 2
# cores cannot finish 1024 handshakes at once within ssh's usual 10 s (pdsh, fix-s1024):
# ConnectTimeout is 120 s (the testbed, not the tools); MaxStartups as in scripts/lib/fleet.sh.
#
# Columns: cli_ms/node is the CPU of brigade (or pdsh and its ssh processes) per node; sshd_ms
# per node is the server's (the floor every client pays); report_ms is report.json's write time
# (from run.log's close to report.json's mtime); fail counts nodes that did not end ok; q_ovf
# counts the kernel's accept-queue overflows meanwhile (TcpExtListenOverflows: the testbed's
# health, 0 when every connection was taken at once).
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
overflows() { awk '/^TcpExt:/ {if (!h) {for (i = 1; i <= NF; i++) n[i] = $i; h = 1} else {for (i = 1; i <= NF; i++) if (n[i] == "ListenOverflows") print $i}}' /proc/net/netstat; }
smallest=$(tr ' ' '\n' <<<"$sizes" | sort -n | head -n 1)

# The same sshd listening on 16 ports, the nodes spread over them. sshd listens with a backlog
# of 128 (SSH_LISTEN_BACKLOG, compiled in): 1024 connections arriving at once on one port
# overflow the kernel's accept queue (TcpExtListenOverflows), their SYNs are dropped and retried
# up to 63 s later, some are reset. A fleet of real hosts has a queue on every host; here, 16
# listening sockets give 2048 places. 16 is sshd's most (MAX_LISTEN_SOCKS).
ports=()
while [ ${#ports[@]} -lt 16 ]; do
  port=$(fleet_free_port)
  [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
done
kill "$sshd_pid"
for _ in $(seq 1 100); do [ ! -e "$dir/sshd.pid" ] && break; sleep 0.05; done
sed -i '/^ListenAddress /d' "$dir/sshd_config"
printf 'ListenAddress 127.0.0.1:%s\n' "${ports[@]}" >>"$dir/sshd_config"
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 1 100); do [ -s "$dir/sshd.pid" ] && break; sleep 0.05; done
sshd_pid=$(cat "$dir/sshd.pid")
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[15]}") 2>/dev/null && break; sleep 0.05; done

# One Host section a node, ahead of the fleet's `Host *.fleet.test` (the first value wins).
{
  i=0
  while read -r host; do
    printf 'Host %s\n  HostKeyAlias %s\n  Port %s\n' "$host" "$host" "${ports[i++ % 16]}"
  done <"$dir/hosts"
  # HashKnownHosts no: Debian's /etc/ssh/ssh_config says yes, and the plain file must be plain.
  sed 's|^  HostKeyAlias fleet-sshd$|  HashKnownHosts no|; s|^  StrictHostKeyChecking yes$|  StrictHostKeyChecking STRICT|' \
    "$dir/ssh_config"
} >"$dir/ssh_config.scale"
use_strict() { sed "s|STRICT|$1|" "$dir/ssh_config.scale" >"$dir/ssh_config"; }

sshd_cpu() { awk -v t="$ticks" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$sshd_pid/stat"; }

# The first n hosts as selectors of 500 names each (one argument may not exceed 128 KiB).
selectors() { head -n "$1" "$dir/hosts" | paste -d, $(printf -- '- %.0s' $(seq 1 500)) | sed 's/,*$//; s/^/node:/'; }

run_brigade() { # what n parallel [startups] -> brigade's stdout/stderr in $dir/out, $dir/err
  local what=$1 n=$2 p=$3 startups=${4:-128} limit="" nodes
  [ -z "$nofile" ] || limit="ulimit -S -n $nofile;"
  mapfile -t nodes < <(selectors "$n")
  case $what in
    exec) set -- exec -k "$dir/kitchen" --timeout 300 --parallel "$p" --max-startups "$startups" \
      "${nodes[@]}" -- echo ok ;;
    fix) set -- fix -k "$dir/kitchen" --yes --quiet --timeout 300 --parallel "$p" \
      --max-startups "$startups" "${nodes[@]}" ;;
  esac
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" \
    bash -c "$limit exec \"\$0\" \"\$@\"" "$root/build/brigade" "$@" >"$dir/out" 2>"$dir/err" || true
}

# The run's wall time, whatever /usr/bin/time wrote first ("Command exited with …").
wall_of() { tail -n 1 "$dir/time" | cut -d' ' -f1; }

# Why nodes failed, the three most common reasons, to stderr (a table with failures says why).
reasons() {
  grep '^FAILED ' "$dir/err" | sed 's/^FAILED [^:]*: //' | sort | uniq -c | sort -rn | head -n 3 |
    sed "s/^/  $1: /" >&2 || true
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
  printf '%-6s %-5s %-10s %-8s %8s %11s %11s %8s %9s %5s %6s\n' \
    nodes par tool known_hosts wall_s cli_ms/node sshd_ms/node rss_MiB report_ms fail q_ovf
}
row() { # n p tool known_hosts wall user sys rss sshd report fail overflows
  printf '%-6s %-5s %-10s %-8s %8.2f %11.2f %11.2f %8.1f %9s %5d %6d\n' "$1" "$2" "$3" "$4" "$5" \
    "$(echo "scale=4; 1000 * ($6 + $7) / $1" | bc)" "$(echo "scale=4; 1000 * $9 / $1" | bc)" \
    "$(echo "scale=1; $8 / 1024" | bc)" "${10}" "${11}" "${12}"
}

measure() { # what n p known_hosts-kind [startups] -> one row
  local what=$1 n=$2 p=$3 kind=$4 startups=${5:-} before after wall user sys rss report=- queue
  local tool=$what${startups:+-s$startups}
  cp "$dir/known_hosts.$kind.$n" "$dir/known_hosts"
  sync
  sleep 1
  before=$(sshd_cpu)
  queue=$(overflows)
  run_brigade "$what" "$n" "$p" "$startups"
  after=$(sshd_cpu)
  queue=$(($(overflows) - queue))
  read -r wall user sys rss < <(tail -n 1 "$dir/time")
  [ "$what" = exec ] || report=$(report_ms)
  reasons "$tool $n $p $kind"
  row "$n" "$p" "$tool" "$kind" "$wall" "$user" "$sys" "$rss" "$(echo "$after - $before" | bc)" \
    "$report" "$(failures "$n")" "$queue"
}

# First contact: every node's key recorded by Brigade itself.
use_strict accept-new
: >"$dir/known_hosts"
run_brigade exec "$largest" 1024
echo "first contact: $largest nodes recorded (accept-new, parallel 1024) in $(wall_of) s," \
  "$(failures "$largest") failed; known_hosts: $(wc -l <"$dir/known_hosts") lines"
reasons "first contact"
grep -q '^|' "$dir/known_hosts" && { echo "bench: the first contact wrote hashed lines" >&2; exit 1; }
cp "$dir/known_hosts" "$dir/known_hosts.all"
# For each size, the lines of its own nodes (in the order they were recorded), plain and hashed.
for n in $sizes; do
  head -n "$n" "$dir/hosts" | sed 's/$/ /' >"$dir/hosts.prefix"
  grep -F -f "$dir/hosts.prefix" "$dir/known_hosts.all" >"$dir/known_hosts.plain.$n"
  cp "$dir/known_hosts.plain.$n" "$dir/known_hosts.hashed.$n"
  ssh-keygen -q -H -f "$dir/known_hosts.hashed.$n" >/dev/null 2>&1
  rm -f "$dir/known_hosts.hashed.$n.old"
  shuf "$dir/known_hosts.hashed.$n" >"$dir/known_hosts.shuffled.$n"
done
# Lines of hosts outside the run: the largest file's hashed lines for a run of the smallest size.
cp "$dir/known_hosts.hashed.$largest" "$dir/known_hosts.others.$smallest"
use_strict yes

# The kitchen sent once to every node: the measured fix runs find it unchanged.
cp "$dir/known_hosts.all" "$dir/known_hosts"
run_brigade fix "$largest" 1024
echo "first deploy: kitchen sent to $largest nodes in $(wall_of) s, $(failures "$largest") failed"
reasons "first deploy"
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
# The worst cases for hashed lookups: a file in no order, and a file that holds many more hosts
# than the run (every name of the run is tried on each of the others' lines).
top=$(tr ' ' '\n' <<<"$parallels" | sort -n | tail -n 1)
measure exec "$largest" "$top" shuffled
[ "$smallest" = "$largest" ] || measure exec "$smallest" "$top" others
# Every node in flight setting up its connection at once (--max-startups as high as --parallel),
# as before there was a bound: what the bound saves.
measure fix "$largest" "$top" plain "$top"

# pdsh (one ssh process a node) on the same files, for the ratio.
for p in $parallels; do
  cp "$dir/known_hosts.plain.$smallest" "$dir/known_hosts"
  head -n "$smallest" "$dir/hosts" >"$dir/hosts.pdsh"
  sync
  sleep 1
  before=$(sshd_cpu)
  queue=$(overflows)
  PDSH_RCMD_TYPE=ssh PDSH_SSH_ARGS_APPEND="-F $dir/ssh_config" /usr/bin/time -f '%e %U %S %M' \
    -o "$dir/time" pdsh -f "$p" -w "^$dir/hosts.pdsh" 'echo ok' >"$dir/out" 2>"$dir/err" || true
  after=$(sshd_cpu)
  read -r wall user sys rss < <(tail -n 1 "$dir/time")
  row "$smallest" "$p" pdsh plain "$wall" "$user" "$sys" "$rss" "$(echo "$after - $before" | bc)" - \
    $((smallest - $(grep -c ': ok$' "$dir/out" || true))) $(($(overflows) - queue))
done
