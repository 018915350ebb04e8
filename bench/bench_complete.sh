#!/usr/bin/env bash
# What shell completion costs on a large kitchen: `brigade complete …` (what the bash and zsh
# completions ask) and the bash completion function end to end, on a generated kitchen of N
# nodes (a tenth of them tagged) and 500 roles. Median of RUNS runs each, in milliseconds;
# `brigade list nodes` (which loads the whole kitchen) beside them for the ratio.
#
#   bench/bench_complete.sh [NODES] [RUNS]     # defaults: 10000 20
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_prepare
nodes=${1:-10000}
runs=${2:-20}
dir=$(mktemp -d /tmp/brigade-bench-complete-XXXXXX)
trap 'rm -rf "$dir"' EXIT
kitchen=$dir/kitchen
mkdir -p "$kitchen/nodes" "$kitchen/roles" "$kitchen/environments" "$kitchen/cookbooks/app/recipes"
printf '[userinfo]\nuser = root\n' > "$kitchen/littlechef.cfg"
echo '{}' > "$kitchen/environments/production.json"
: > "$kitchen/cookbooks/app/recipes/default.rb"
for ((r = 0; r < 500; r++)); do
  printf '{"name": "role%03d", "run_list": ["recipe[app]", "recipe[app::r%d]"]}\n' "$r" "$r" \
    > "$kitchen/roles/role$(printf %03d "$r").json"
done
for ((n = 0; n < nodes; n++)); do
  if ((n % 10 == 0)); then tags=', "tags": ["rack'$((n % 40))'"]'; else tags=''; fi
  printf '{"chef_environment": "production", "run_list": ["role[role%03d]"]%s}\n' \
    $((n % 500)) "$tags" > "$kitchen/nodes/node$(printf %05d "$n").example.com.json"
done
brigade=$PWD/build/brigade
time_ms() {  # COMMAND...: the median wall time of RUNS runs, ms
  local i start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
  done | median | awk '{ printf "%.1f", $1 / 1000 }'
}
bash_complete() {  # the completion function, as readline calls it, for `brigade fix node:node0012`
  bash -c 'source completion/brigade.bash; COMP_LINE="brigade -k '"$kitchen"' fix node:node0012";
           COMP_POINT=${#COMP_LINE}; COMP_WORDS=('"$brigade"' -k '"$kitchen"' fix node : node0012);
           COMP_CWORD=6; _brigade; echo "${#COMPREPLY[@]}"'
}
printf '%-44s %10s\n' "WHAT ($nodes nodes, 500 roles)" "MEDIAN MS"
printf '%-44s %10s\n' "brigade complete nodes node0012" "$(time_ms "$brigade" complete -k "$kitchen" nodes node0012)"
printf '%-44s %10s\n' "brigade complete nodes (all $nodes)" "$(time_ms "$brigade" complete -k "$kitchen" nodes)"
printf '%-44s %10s\n' "brigade complete roles" "$(time_ms "$brigade" complete -k "$kitchen" roles)"
printf '%-44s %10s\n' "brigade complete recipes" "$(time_ms "$brigade" complete -k "$kitchen" recipes)"
printf '%-44s %10s\n' "brigade complete tags" "$(time_ms "$brigade" complete -k "$kitchen" tags)"
printf '%-44s %10s\n' "bash: fix node:node0012<TAB> (end to end)" "$(time_ms bash_complete)"
printf '%-44s %10s\n' "brigade list nodes (the whole kitchen loaded)" "$(time_ms "$brigade" list nodes -k "$kitchen")"
