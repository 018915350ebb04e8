#!/bin/sh
# The demo fleet's converge step: what chef-solo would do, in a few visible lines.
# Usage: converge.sh NODE WORK_PATH
node=$1
work=$2
echo "Starting converge of $node"
echo "Run list: $(grep -o 'role\[[^]]*\]\|recipe\[[^]]*\]' "$work/node.json" | paste -sd, -)"
for step in packages templates services; do
  sleep 0.1
  echo "  * $step up to date"
done
# One node of the demo fails, so that the summary has something to show.
case $node in
  node0013.*)
    echo "ERROR: service[nginx] failed to restart: port 80 already in use" >&2
    exit 1
    ;;
esac
echo "Converge of $node complete"
