#!/bin/sh
# The Debian package, as an operator gets it: built with CPack from this build, installed with
# dpkg -i, run from /usr/bin, removed. Needs root and dpkg; a machine where a brigade package
# is installed already is left alone (reported as skipped).
set -eu
build=$1
if [ "$(id -u)" -ne 0 ] || ! command -v dpkg >/dev/null 2>&1 || ! command -v cpack >/dev/null 2>&1; then
  echo "BRIGADE-TEST-SKIPPED: needs root, dpkg and cpack"
  exit 0
fi
if dpkg-query -W -f='${Status}' brigade 2>/dev/null | grep -q 'install ok installed'; then
  echo "BRIGADE-TEST-SKIPPED: a brigade package is installed on this machine; not touching it"
  exit 0
fi
rm -f "$build"/brigade_*_amd64.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/brigade_*_amd64.deb)
trap 'dpkg -r brigade >/dev/null 2>&1 || true' EXIT
dpkg -i "$deb" >/dev/null
fail() { echo "package test: $*" >&2; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q 'libssh2-1' || fail "Depends lacks libssh2-1"
dpkg-deb -f "$deb" Recommends | grep -q 'openssh-client' || fail "Recommends lacks openssh-client"
/usr/bin/brigade --version | grep -q '^brigade [0-9]' || fail "brigade --version"
/usr/bin/brigade list nodes -k /usr/share/doc/brigade/examples/kitchen | grep -q 'api01.example.com' ||
  fail "list nodes on the example kitchen"
/usr/libexec/brigade/littlechef/fix -l | grep -q 'role:ROLE' || fail "fix under LittleChef's name"
[ -r /usr/share/bash-completion/completions/brigade ] || fail "no bash completion installed"
[ -r /usr/share/zsh/vendor-completions/_brigade ] || fail "no zsh completion installed"
bash -c '. /usr/share/bash-completion/completions/brigade && complete -p brigade' >/dev/null ||
  fail "the bash completion file does not register a completion for brigade"
[ -r /usr/share/doc/brigade/fix-events.schema.json ] || fail "no JSON schema of fix --json installed"
[ -r /usr/share/man/man1/brigade.1.gz ] || fail "no compressed man page installed"
if command -v man >/dev/null 2>&1; then
  [ "$(man -w brigade)" = /usr/share/man/man1/brigade.1.gz ] || fail "man -w brigade: $(man -w brigade 2>&1)"
  MANWIDTH=80 man -P cat brigade 2>/dev/null | grep -q 'SYNOPSIS' || fail "man brigade does not render"
fi
dpkg -r brigade >/dev/null
[ ! -e /usr/bin/brigade ] || fail "/usr/bin/brigade is still there after dpkg -r"
trap - EXIT
echo "package test: $(basename "$deb") installed, ran and was removed"
