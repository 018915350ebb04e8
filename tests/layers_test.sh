#!/bin/sh
# Each layer includes only its own headers and those of the layers below it:
#   util <- kitchen, ssh <- run <- cli
# (The link check, brigade_layer_check_* in CMakeLists.txt, catches calls; this catches
# headers, including inline code and types that never reach the linker.)
set -eu
root=$1
status=0
check() {
  layer=$1
  allowed=$2
  for file in $(find "$root/src/$layer" "$root/include/brigade/$layer" -name '*.[ch]pp'); do
    grep -Hn '#include' "$file" | while IFS= read -r line; do
      case $line in
        *'#include "'*)
          name=${line#*#include \"}
          case $name in
            */*) echo "$line: a private header of another folder"; exit 1 ;;
          esac ;;
        *'#include <brigade/'*)
          used=${line#*#include <brigade/}
          used=${used%%/*}
          case " $allowed " in
            *" $used "*) ;;
            *) echo "$line: the $layer layer may include only: $allowed"; exit 1 ;;
          esac ;;
      esac
    done || status=1
  done
}
check util "util"
check kitchen "util kitchen"
check ssh "util ssh"
check run "util kitchen ssh run"
check cli "util kitchen ssh run cli"
if grep -n '#include <brigade/' "$root/src/main.cpp" | grep -v '<brigade/\(cli\|util\)/'; then
  echo "src/main.cpp: the thin shell includes only cli and util"
  status=1
fi
exit $status
