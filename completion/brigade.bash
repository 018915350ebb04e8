# bash completion for brigade. Commands and options come from brigade's own --help, names
# (nodes, roles, recipes, tags, environments) from `brigade complete` on the kitchen in effect
# (-k DIR on the line, or the nearest littlechef.cfg upwards), so it stays right as the kitchen
# and Brigade change. Installed in /usr/share/bash-completion/completions/brigade; for
# LittleChef's name as well: complete -F _brigade fix

_brigade() {
  # Under zsh's bashcompinit this runs as zsh: ksh's rules make it read as bash (arrays from 0,
  # words split).
  [[ -n ${ZSH_VERSION-} ]] && emulate -L ksh
  local program=${COMP_WORDS[0]}
  # The word being completed, whole: bash splits words at ':' (COMP_WORDBREAKS), and
  # selectors are all colons.
  local line=${COMP_LINE:0:$COMP_POINT}
  local cur=${line##*[[:space:]]}
  local -a words
  # Split as the shell splits (set -f: no globbing), in bash and under zsh's bashcompinit.
  local before=${line%"$cur"}
  local globbing=1
  [[ $- == *f* ]] && globbing=
  set -f
  # shellcheck disable=SC2206
  words=($before)
  [[ -n $globbing ]] && set +f
  local kitchen=() command="" sub="" i prev=""
  [[ ${program##*/} == fix ]] && command=fix
  for ((i = 1; i < ${#words[@]}; i++)); do
    case ${words[i]} in
      -k|--kitchen) kitchen=(-k "${words[i + 1]}"); ((i++)) ;;
      --kitchen=*) kitchen=(-k "${words[i]#--kitchen=}") ;;
      -*) ;;
      *)
        if [[ -z $command ]]; then command=${words[i]}
        elif [[ $command == list && -z $sub ]]; then sub=${words[i]}
        fi ;;
    esac
  done
  (( ${#words[@]} > 1 )) && prev=${words[${#words[@]} - 1]}

  local -a reply=()
  _brigade_names() {  # WHAT PREFIX LEAD: names of the kitchen that start with PREFIX, after LEAD
    local name
    while IFS= read -r name; do
      reply+=("$3$name")
    done < <("$program" complete "${kitchen[@]}" "$1" "$2" 2>/dev/null)
  }
  case $prev in
    -k|--kitchen|--log-dir)
      compopt -o dirnames 2>/dev/null || true; COMPREPLY=(); return ;;
    --report|--log-mode|-p|-c|--parallel|--concurrency|-b|--batch-size|--max-fail|-t|--timeout|\
    --batch-by|--batch-wait|--keep-runs|--jump-max-channels|--jump-max-sessions|--max-startups|\
    --json-max-output|--lock-wait)
      COMPREPLY=(); return ;;
    -e|-E|--env)
      _brigade_names environments "$cur" ""; COMPREPLY=("${reply[@]}"); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --loglevel) COMPREPLY=($(compgen -W "auto trace debug info warn error fatal" -- "$cur")); return ;;
    --rerun) COMPREPLY=($(compgen -W "failed" -- "$cur")); return ;;
  esac

  if [[ $cur == -* ]]; then
    local help_of=()
    [[ -n $command && $command != help ]] && help_of=("$command")
    [[ -n $sub ]] && help_of+=("$sub")
    [[ ${program##*/} == fix ]] && help_of=()
    reply=($("$program" "${help_of[@]}" --help 2>/dev/null | grep -oE '^  -[-A-Za-z,]+' |
             tr ',' '\n' | sed 's/^ *//'))
    COMPREPLY=($(compgen -W "${reply[*]}" -- "$cur"))
    return
  fi

  if [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "list fix exec ssh-config init complete help" -- "$cur"))
    return
  fi
  case $command in
    list)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "nodes roles environments hooks warnings" -- "$cur"))
        return
      fi
      [[ $sub != nodes ]] && return ;;
    ssh-config) _brigade_names nodes "$cur" ""; COMPREPLY=("${reply[@]}"); return ;;
    help) COMPREPLY=($(compgen -W "list fix exec ssh-config init complete" -- "$cur")); return ;;
    fix|exec) ;;
    *) return ;;
  esac

  # Selectors (and fix's orders): KIND:NAME[,NAME…], the name after the last ',' completed.
  local kind=${cur%%:*} value=${cur#*:}
  if [[ $cur == *:* ]]; then
    local done_part="" last=$value
    if [[ $value == *,* ]]; then
      done_part=${value%,*},
      last=${value##*,}
    fi
    case $kind in
      node) _brigade_names nodes "$last" "$kind:$done_part" ;;
      nodes_with_role) _brigade_names roles "$last" "$kind:$done_part" ;;
      nodes_with_recipe) _brigade_names recipes "$last" "$kind:$done_part" ;;
      nodes_with_tag) _brigade_names tags "$last" "$kind:$done_part" ;;
      role) [[ $command == fix ]] && _brigade_names roles "$value" "role:" ;;
      recipe) [[ $command == fix ]] && _brigade_names recipes "$value" "recipe:" ;;
    esac
    # bash puts back only what follows the last ':' of the word (zsh, the whole word).
    local colon_prefix=${cur%"${cur##*:}"}
    [[ -n ${ZSH_VERSION-} ]] && colon_prefix=
    COMPREPLY=("${reply[@]#"$colon_prefix"}")
    return
  fi
  local kinds="node: nodes_with_role: nodes_with_recipe: nodes_with_tag:"
  [[ $command == fix ]] && kinds+=" role: recipe: ssh:"
  COMPREPLY=($(compgen -W "$kinds" -- "$cur"))
  compopt -o nospace 2>/dev/null || true
}

complete -F _brigade brigade
