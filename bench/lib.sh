# What the benchmark scripts share; source it from the repository root.
#   bench_prepare PACKAGE...   # set-up, brigade built, the Debian packages installed if missing
#   bench_fleet SIZES [PATH...] # a fleet as large as the largest size, in $dir (removed at exit,
#                              # with the PATHs); its kitchen converges with `echo ok`
#   median                     # the median of the numbers on stdin, one a line

bench_prepare() {
  scripts/setup
  cmake --build build -j"$(nproc)" --target brigade >/dev/null
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

bench_fleet() {
  local sizes=$1 n
  shift
  # shellcheck source=../scripts/lib/fleet.sh
  source scripts/lib/fleet.sh
  dir=$(mktemp -d /tmp/brigade-bench-XXXXXX)
  bench_removed_at_exit=("$dir" /tmp/brigade-fleet "$@")
  trap 'fleet_stop "$dir"; rm -rf "${bench_removed_at_exit[@]}"' EXIT
  largest=0
  for n in $sizes; do [ "$n" -gt "$largest" ] && largest=$n; done
  fleet_start "$dir" "$largest" >/dev/null
  printf '\n[deploy]\ncommand = echo ok\n' >>"$dir/kitchen/littlechef.cfg"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
