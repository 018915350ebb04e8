# The bash completion under zsh's bashcompinit, as zsh's _bash_complete calls it (COMP_LINE,
# COMP_POINT, COMP_WORDS, COMP_CWORD set; zsh's compadd then keeps the words that match what
# is typed, so the whole word is offered).
brigade=$1
cd "$2" || exit 1
# -D: no dump file (compinit would write one, replacing what it is given with a file).
autoload -U compinit && compinit -u -D
autoload -U +X bashcompinit && bashcompinit
source completion/brigade.bash
failed=0
expect() {
  COMP_LINE=$1
  COMP_POINT=${#COMP_LINE}
  COMP_WORDS=(${=1})
  [[ $1 == *' ' ]] && COMP_WORDS+=('')
  COMP_WORDS[1]=$brigade
  COMP_CWORD=$(( ${#COMP_WORDS} - 1 ))
  COMPREPLY=()
  _brigade
  if [[ "${COMPREPLY[*]}" != "$2" ]]; then
    print -r -- "zsh completion of '$1': got '${COMPREPLY[*]}', want '$2'" >&2
    failed=1
  fi
}
k="brigade -k conf/kitchen"
expect "$k fix node:api" "node:api01.example.com node:api02.example.com"
expect "$k fix nodes_with_recipe:ngi" "nodes_with_recipe:nginx nodes_with_recipe:nginx::site"
expect "$k fix nodes_with_tag:" "nodes_with_tag:canary nodes_with_tag:dummy"
expect "$k fix --env " "production staging"
expect "$k list " "nodes roles environments hooks warnings"
expect "$k ssh-config api" "api01.example.com api02.example.com"
exit $failed
