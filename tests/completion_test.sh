#!/usr/bin/env bash
# The bash completion driven in a real bash, as readline drives it (COMP_LINE, COMP_POINT,
# COMP_WORDS, COMP_CWORD), on the example kitchen.
set -euo pipefail
brigade=$1
source_dir=$2
cd "$source_dir"
# shellcheck source=../completion/brigade.bash
source completion/brigade.bash
failed=0
expect() {
  local line=$1 want=$2
  COMP_LINE=$line
  COMP_POINT=${#line}
  read -r -a COMP_WORDS <<< "$line"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_WORDS[0]=$brigade
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _brigade
  local got="${COMPREPLY[*]}"
  if [[ $got != "$want" ]]; then
    echo "completion of '$line': got '$got', want '$want'" >&2
    failed=1
  fi
}
k="brigade -k conf/kitchen"
expect "brigade " "list fix exec ssh-config init complete help"
expect "$k list " "nodes roles environments hooks warnings"
expect "$k fix node" "node: nodes_with_role: nodes_with_recipe: nodes_with_tag:"
expect "$k fix node:api" "api01.example.com api02.example.com"
expect "$k fix node:api01.example.com,db0" \
  "api01.example.com,db01.example.com api01.example.com,db01.staging.example.com"
expect "$k fix nodes_with_role:mon" "monitoring/agent"
expect "$k fix nodes_with_recipe:ngi" "nginx nginx::site"
expect "$k fix nodes_with_recipe:nginx::s" "site"
expect "$k fix nodes_with_tag:" "canary dummy"
expect "$k fix --env " "production staging"
expect "$k fix -e st" "staging"
expect "$k fix --no-" "--no-color --no-report"
expect "$k fix role:web/" "web/api web/front"
expect "$k exec role:" ""
expect "$k ssh-config api" "api01.example.com api02.example.com"
expect "$k fix --color a" "auto always"
expect "$k fix --max-st" "--max-startups"
expect "$k exec --max-startups " ""
expect "$k fix --lock-w" "--lock-wait"
expect "$k fix --lock-wait " ""
expect "$k exec --json-max-output " ""
# Without -k: the kitchen is found upwards from the current directory, as brigade finds it.
(cd conf/kitchen/nodes && expect "brigade fix node:build" "build.example.com")
exit $failed
