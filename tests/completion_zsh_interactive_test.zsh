# The zsh completion as a user meets it: an interactive zsh on a pseudo-terminal (zsh/zpty),
# compinit finding completion/_brigade on fpath, TAB pressed after a partial word. The screen
# must show the kitchen's names. Every read is bounded; the shell is killed at the end.
brigade=$1
source_dir=$2
zmodload zsh/zpty || { print "BRIGADE-TEST-SKIPPED: zsh/zpty is not available"; exit 0 }
scratch=$(mktemp -d) || exit 1
trap 'zpty -d shell 2>/dev/null; rm -rf $scratch' EXIT
mkdir $scratch/bin && ln -s $brigade $scratch/bin/brigade

zpty -b shell "env -i HOME=$scratch TERM=dumb PATH=$scratch/bin:/usr/bin:/bin zsh -f -i"
# Everything up to a marker printed after the given keys; the screen as one string.
screen=''
type_and_read() {
  local keys=$1 chunk marker="--done-$RANDOM--"
  zpty -w -n shell "$keys"
  sleep 0.5  # let completion run before the marker's line is typed
  zpty -w shell $'\C-e\C-u'"print -r -- ${marker}"
  screen=''
  for i in {1..100}; do
    zpty -r -t shell chunk 2>/dev/null && screen+=$chunk
    [[ $screen == *"${marker}"$'\r'* || $screen == *"${marker}"$'\n'* ]] && return 0
    sleep 0.05
  done
  print -r -- "no answer from the interactive zsh after typing '$keys'; screen: $screen" >&2
  return 1
}
failed=0
expect_on_screen() {
  local keys=$1; shift
  type_and_read "$keys" || { failed=1; return }
  local want
  for want in "$@"; do
    if [[ $screen != *$want* ]]; then
      print -r -- "zsh: after '${keys//$'\t'/<TAB>}' the screen lacks '$want':" >&2
      print -r -- "$screen" >&2
      failed=1
    fi
  done
}

zpty -w shell "PS1='%% '; cd ${(q)source_dir}; fpath=(completion \$fpath)"
zpty -w shell "autoload -U compinit && compinit -u -D && zstyle ':completion:*' list-rows-first true"
type_and_read '' || exit 1
expect_on_screen $'brigade -k conf/kitchen fix node:api\t\t' api01.example.com api02.example.com
expect_on_screen $'brigade -k conf/kitchen fix nodes_with_tag:can\t' 'nodes_with_tag:canary '
expect_on_screen $'brigade -k conf/kitchen fix --env prod\t' 'production '
expect_on_screen $'brigade -k conf/kitchen li\t' 'list '
exit $failed
