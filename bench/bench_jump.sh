#!/usr/bin/env bash
# `echo ok` on N nodes behind one bastion with stock limits (MaxStartups 10:30:100, MaxSessions
# 10), in one run: brigade exec through the bastion, brigade exec to the same nodes directly, and
# `ssh -J` per node (xargs -P) through the same bastion. Wall time, client CPU of the whole
# process tree, failures, and each wall time's ratio to brigade's direct one. Prints a table.
#
#   bench/bench_jump.sh                          # N = 500, parallel 64 128
#   BENCH_SIZES="200" BENCH_PARALLEL="64" bench/bench_jump.sh
#   BENCH_ROUNDS=3 ...                           # each row the median of 3 interleaved rounds
#
# The nodes are names on one loopback sshd (scripts/lib/fleet.sh, its MaxStartups raised: it
# stands for many machines); the bastion is a second sshd with the same host key whose limits
# are sshd's defaults. Brigade runs with --timeout 120: a node that hangs shows in the fail
# column instead of holding the table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=${BENCH_SIZES:-"500"}
parallels=${BENCH_PARALLEL:-"64 128"}
tools=${BENCH_TOOLS:-"brigade-direct brigade-jump ssh-J"}
rounds=${BENCH_ROUNDS:-1}

# shellcheck source=lib.sh
source bench/lib.sh
bench_prepare time
bench_fleet "$sizes"

# The bastion: stock limits, TCP forwarding allowed, the fleet's keys.
bastion_port=$(fleet_free_port)
sed -e "s/^ListenAddress .*/ListenAddress 127.0.0.1:$bastion_port/" \
  -e "s|^PidFile .*|PidFile $dir/bastion.pid|" \
  -e '/^MaxStartups/d' -e '/^MaxSessions/d' "$dir/sshd_config" >"$dir/bastion_config"
printf 'MaxStartups 10:30:100\nMaxSessions 10\nAllowTcpForwarding yes\n' >>"$dir/bastion_config"
/usr/sbin/sshd -f "$dir/bastion_config" -E "$dir/bastion.log"
trap 'kill "$(cat "$dir/bastion.pid")" 2>/dev/null; fleet_stop "$dir"; rm -rf "${bench_removed_at_exit[@]}"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$bastion_port") 2>/dev/null && break
  sleep 0.05
done
{
  printf 'Host bastion\n  HostName 127.0.0.1\n  Port %s\n' "$bastion_port"
  sed -n '/^Host \*\.fleet\.test/,$p' "$dir/ssh_config" | sed '1d'
  sed -n '/^Host \*\.fleet\.test/,$p' "$dir/ssh_config"
  printf '  ProxyJump bastion\n'
} >"$dir/ssh_config.jump"
cp -r "$dir/kitchen" "$dir/kitchen-jump"
sed -i "s|^ssh-config = .*|ssh-config = $dir/ssh_config.jump|" "$dir/kitchen-jump/littlechef.cfg"

run_tool() { # tool n parallel
  local tool=$1 n=$2 p=$3
  head -n "$n" "$dir/hosts" >"$dir/hosts.$n"
  local selectors
  selectors=$(sed 's/^/node:/' "$dir/hosts.$n" | paste -sd, | sed 's/,node:/,/g')
  case $tool in
    brigade-direct)
      "$root/build/brigade" exec -k "$dir/kitchen" --timeout 120 --parallel "$p" "$selectors" -- echo ok ;;
    brigade-jump)
      "$root/build/brigade" exec -k "$dir/kitchen-jump" --timeout 120 --parallel "$p" "$selectors" -- echo ok ;;
    ssh-J)
      xargs -P "$p" -I{} sh -c "ssh -F $dir/ssh_config.jump {} 'echo ok' | sed 's/^/{}: /'" <"$dir/hosts.$n" ;;
  esac
}

printf '%-6s %-5s %-15s %7s %8s %8s %5s %9s\n' nodes par tool wall_s cli_cpu ms/node fail wall_x
for n in $sizes; do
  for p in $parallels; do
    for tool in $tools; do : >"$dir/m.$tool"; done
    for round in $(seq 1 "$rounds"); do
      for tool in $tools; do
        sleep 1
        /usr/bin/time -f '%e %U %S' -o "$dir/time" bash -c "$(declare -f run_tool); dir=$dir root=$root; run_tool $tool $n $p" \
          >"$dir/out" 2>"$dir/err" || true
        read -r wall user sys <"$dir/time"
        ok=$(grep -c ': ok$' "$dir/out" || true)
        echo "$wall $(echo "$user + $sys" | bc) $((n - ok))" >>"$dir/m.$tool"
      done
    done
    column_of() { cut -d' ' -f"$2" "$dir/m.$1" | median; }
    direct_wall=$(column_of brigade-direct 1)
    for tool in $tools; do
      wall=$(column_of "$tool" 1)
      cpu=$(column_of "$tool" 2)
      fail=$(cut -d' ' -f3 "$dir/m.$tool" | sort -n | tail -n 1)
      printf '%-6s %-5s %-15s %7.2f %8.2f %8.2f %5d %9.2f\n' "$n" "$p" "$tool" "$wall" "$cpu" \
        "$(echo "scale=3; 1000 * $cpu / $n" | bc)" "$fail" "$(echo "scale=3; $wall / $direct_wall" | bc)"
    done
  done
done
echo
echo "wall_x: the tool's wall time divided by brigade-direct's in the same row group"
echo "bastion: MaxStartups 10:30:100, MaxSessions 10; brigade-jump uses one session to it (--jump-max-channels 64 by default, more sessions only when one is full)"
[ "$rounds" -eq 1 ] || echo "each row: medians of $rounds interleaved rounds (fail: the most of any round)"
