#!/usr/bin/env bash
# Benchmark `emtk mix` against scikit-learn's GaussianMixture on 10^6 simulated values.
# See bench/README.md. Usage: bench/mix_vs_sklearn.sh [options of bench/mix_vs_sklearn.py]
#   e.g. bench/mix_vs_sklearn.sh --repeats 5      bench/mix_vs_sklearn.sh --skip-emtk
#
# Installs what is missing (Debian/Ubuntu: python3-sklearn python3-numpy time, via apt-get),
# builds emtk in Release if build/emtk does not exist (or EMTK=/path/to/emtk to use another
# binary), then runs bench/mix_vs_sklearn.py under Debian's /usr/bin/python3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

# ---- system packages ----------------------------------------------------------------------
need=()
for pkg in python3-sklearn python3-numpy time; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    need+=("$pkg")
  fi
done
if ((${#need[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "error: missing ${need[*]} and no apt-get; install scikit-learn, numpy and GNU time" \
         "for /usr/bin/python3 by hand" >&2
    exit 1
  fi
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to install ${need[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "# installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# ---- emtk ---------------------------------------------------------------------------------
emtk="${EMTK:-$repo/build/emtk}"
skip_emtk=0
for arg in "$@"; do [[ $arg == --skip-emtk ]] && skip_emtk=1; done
if ((!skip_emtk)) && [[ -z ${EMTK:-} ]]; then
  if [[ ! -x $emtk ]]; then
    echo "# building emtk (Release) in $repo/build" >&2
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
    cmake --build build
  fi
  bt="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null || true)"
  if [[ $bt != Release ]]; then
    echo "# warning: build/ is configured as '${bt:-unset}', not Release: timings are not" \
         "representative (rm -rf build, or EMTK=/path/to/release/emtk)" >&2
  fi
fi

exec /usr/bin/python3 "$here/mix_vs_sklearn.py" --emtk "$emtk" "$@"
