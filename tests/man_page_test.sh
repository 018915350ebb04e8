#!/bin/sh
# The man page renders without a warning, and names every option every command's --help has.
set -eu
brigade=$1
page=$2
if ! command -v man >/dev/null 2>&1; then
  echo "BRIGADE-TEST-SKIPPED: needs man (man-db)"
  exit 0
fi
warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "man page: warnings while rendering:" >&2
  echo "$warnings" >&2
  exit 1
fi
text=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b)
missing=0
for command in "" fix exec "list nodes" "list roles" "list environments" "list hooks" complete \
               "list warnings" ssh-config init; do
  # shellcheck disable=SC2086
  options=$("$brigade" $command --help | grep -oE '^  -[-A-Za-z,]+' | tr ',' '\n' | sed 's/^ *//')
  for option in $options; do
    if ! printf '%s\n' "$text" | grep -qF -- "$option"; then
      echo "man page: '$option' of 'brigade $command' is not in it" >&2
      missing=1
    fi
  done
done
exit $missing
