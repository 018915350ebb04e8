#!/usr/bin/env bash
# `echo ok` on N nodes of a local fleet (one loopback sshd, N names) through brigade exec and,
# in the same run, pdsh, parallel-ssh and xargs -P ssh: wall time, client CPU of the whole
# process tree, sshd CPU, peak RSS, failures, and each ratio to brigade. Prints a table.
#
#   bench/bench_exec.sh                      # N = 100 500 1000, parallel 32 128
#   BENCH_SIZES="100" BENCH_PARALLEL="32" bench/bench_exec.sh
#   BENCH_TOOLS="brigade brigade-fix brigade-fix-again pdsh" bench/bench_exec.sh   # deploy overhead
#   BENCH_ROUNDS=3 ...                       # each row the median of 3 interleaved rounds
#
# brigade-fix is `brigade fix node:all` with converge command `echo ok` on a fresh node work path
# (the kitchen is sent); brigade-fix-again repeats it (the kitchen is unchanged, not sent).
# BENCH_WORK_ROOT (default /tmp/brigade-fleet) is where the nodes' work paths go: the nodes
# unpack the kitchen there, so its file system's speed shows in brigade-fix (a tmpfs such as
# /dev/shm/brigade-fleet leaves out the disk). Each brigade-fix run gets work paths no run has
# used, and none is removed before the end: on ext4, creating files seconds after thousands were
# removed costs the kernel a scan of the freshly freed inodes, which no real node pays.
#
# The sshd-CPU floor is sshd's CPU time divided by the cores: no client can finish sooner.
# Brigade runs with --timeout 60: a node that hangs shows in the fail column instead of holding
# the table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=${BENCH_SIZES:-"100 500 1000"}
parallels=${BENCH_PARALLEL:-"32 128"}
tools=${BENCH_TOOLS:-"brigade pdsh parallel-ssh xargs-ssh"}
rounds=${BENCH_ROUNDS:-1}
work_root=${BENCH_WORK_ROOT:-/tmp/brigade-fleet}

# shellcheck source=lib.sh
source bench/lib.sh
bench_prepare pdsh pssh time
bench_fleet "$sizes" "$work_root"
mkdir -p "$dir/kitchen/cookbooks/bench/recipes"
echo "log 'bench'" >"$dir/kitchen/cookbooks/bench/recipes/default.rb"
sshd_pid=$(cat "$dir/sshd.pid")
ticks=$(getconf CLK_TCK)
cores=$(nproc)

# sshd's CPU: the listener's own plus every reaped connection process and its shells.
sshd_cpu() { awk -v t="$ticks" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$sshd_pid/stat"; }

run_tool() { # tool n parallel -> command on stdout of `$dir/out`
  local tool=$1 n=$2 p=$3
  head -n "$n" "$dir/hosts" >"$dir/hosts.$n"
  case $tool in
    brigade)
      "$root/build/brigade" exec -k "$dir/kitchen" --timeout 60 --parallel "$p" \
        $(sed 's/^/node:/' "$dir/hosts.$n" | paste -sd, | sed 's/,node:/,/g') -- echo ok ;;
    brigade-fix)
      "$root/build/brigade" fix -k "$dir/kitchen" --yes --timeout 60 --parallel "$p" \
        $(sed 's/^/node:/' "$dir/hosts.$n" | paste -sd, | sed 's/,node:/,/g') ;;
    brigade-fix-again)
      "$root/build/brigade" fix -k "$dir/kitchen" --yes --timeout 60 --parallel "$p" \
        $(sed 's/^/node:/' "$dir/hosts.$n" | paste -sd, | sed 's/,node:/,/g') ;;
    pdsh)
      PDSH_RCMD_TYPE=ssh PDSH_SSH_ARGS_APPEND="-F $dir/ssh_config" \
        pdsh -f "$p" -w "^$dir/hosts.$n" 'echo ok' ;;
    parallel-ssh)
      parallel-ssh -p "$p" -t 0 -h "$dir/hosts.$n" -x "-F $dir/ssh_config" -P 'echo ok' |
        grep -v '\[SUCCESS\]\|\[FAILURE\]' ;;
    xargs-ssh)
      xargs -P "$p" -I{} sh -c "ssh -F $dir/ssh_config {} 'echo ok' | sed 's/^/{}: /'" <"$dir/hosts.$n" ;;
  esac
}

printf '%-6s %-5s %-13s %7s %8s %8s %8s %7s %7s %7s %5s %9s %9s\n' \
  nodes par tool "wall_s" "cli_cpu" "ms/node" "sshd_s" "floor" "w/floor" "rss_MiB" "fail" "wall_x" "cpu_x"
for n in $sizes; do
  for p in $parallels; do
    for tool in $tools; do : >"$dir/m.$tool"; done
    # Rounds interleave the tools, so that a slow spell of the machine hits all of them.
    for round in $(seq 1 "$rounds"); do
      for tool in $tools; do
        if [ "$tool" = brigade-fix ]; then
          sed -i "s|^node_work_path = .*|node_work_path = $work_root/$n-$p-$round/{node}|" "$dir/kitchen/littlechef.cfg"
        fi
        sync
        sleep 1
        before=$(sshd_cpu)
        /usr/bin/time -f '%e %U %S %M' -o "$dir/time" bash -c "$(declare -f run_tool); dir=$dir root=$root work_root=$work_root; run_tool $tool $n $p" \
          >"$dir/out" 2>"$dir/err" || true
        after=$(sshd_cpu)
        read -r wall user sys rss <"$dir/time"
        ok=$(grep -c ': ok$\|: deployed' "$dir/out" || true)
        echo "$wall $(echo "$user + $sys" | bc) $(echo "$after - $before" | bc) $rss $((n - ok))" >>"$dir/m.$tool"
      done
    done
    column_of() { cut -d' ' -f"$2" "$dir/m.$1" | median; }
    brigade_wall=$(column_of brigade 1)
    brigade_cpu=$(column_of brigade 2)
    for tool in $tools; do
      wall=$(column_of "$tool" 1)
      cpu=$(column_of "$tool" 2)
      sshd=$(column_of "$tool" 3)
      rss=$(column_of "$tool" 4)
      fail=$(cut -d' ' -f5 "$dir/m.$tool" | sort -n | tail -n 1)
      floor=$(echo "scale=3; $sshd / $cores" | bc)
      printf '%-6s %-5s %-13s %7.2f %8.2f %8.2f %8.2f %7.2f %7.2f %7.1f %5d %9.2f %9.1f\n' \
        "$n" "$p" "$tool" "$wall" "$cpu" "$(echo "scale=3; 1000 * $cpu / $n" | bc)" "$sshd" "$floor" \
        "$(echo "scale=3; $wall / $floor" | bc)" "$(echo "scale=1; $rss / 1024" | bc)" "$fail" \
        "$(echo "scale=3; $wall / $brigade_wall" | bc)" \
        "$(echo "scale=3; $cpu / ($brigade_cpu + 0.001)" | bc)"
    done
  done
done

# Memory at a high parallelism: brigade alone, every node of the largest size in flight.
sleep 1
/usr/bin/time -f '%M' -o "$dir/time" bash -c "$(declare -f run_tool); dir=$dir root=$root; run_tool brigade $largest 256" >"$dir/out" 2>"$dir/err" || true
echo
echo "brigade peak RSS at parallel 256, $largest nodes: $(echo "scale=1; $(cat "$dir/time") / 1024" | bc) MiB ($(grep -c ': ok$' "$dir/out" || true) ok)"
echo "wall_x, cpu_x: the tool's wall time and client CPU divided by brigade's in the same row group"
[ "$rounds" -eq 1 ] || echo "each row: medians of $rounds interleaved rounds (fail: the most of any round)"
