#!/usr/bin/env bash
# Install what emtk needs (Debian/Ubuntu, apt-get) and build it with CMake + Ninja.
#
# usage: scripts/setup.sh [--deps-only | --build-only] [--build-dir DIR] [--build-type TYPE]
#                         [-DVAR=VALUE ...] [GROUP ...]
#
#   (no options)       install missing packages, then configure + build a Release tree in build/
#   --deps-only        install missing packages, do not build
#   --build-only       skip the package check, only configure + build
#   --build-dir DIR    build tree to use (default: build)
#   --build-type TYPE  CMAKE_BUILD_TYPE (default: Release)
#   -DVAR=VALUE        passed on to cmake's configure step (e.g. -DEMTK_SANITIZE=ON)
#   GROUP              extra package groups: bench (python3-sklearn python3-numpy beagle mafft muscle
#                      clustalo probcons t-coffee kalign r-cran-amelia r-cran-mice),
#                      test (hmmer hmmer-examples genometools samtools tabix mosdepth bwa dwgsim bcftools scrm
#                      libopenmpi-dev openmpi-bin snakemake man-db multiqc ccache)
#
# Packages are checked with dpkg-query first; apt-get runs only when something is missing, so a
# second run is fast. Without apt-get (not Debian/Ubuntu) the script lists what is needed and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

# Base packages. libgomp (OpenMP) comes with gcc via build-essential.
BASE_PACKAGES=(build-essential cmake ninja-build pkg-config git libseqan3-dev libhts-dev catch2 zlib1g-dev)
BENCH_PACKAGES=(python3-sklearn python3-numpy beagle mafft muscle clustalo probcons t-coffee kalign r-cran-amelia r-cran-mice)
# Peers for the tests: HMMER reads our models and its example models are read by ours; genometools
# validates our GFF3; samtools/bwa/dwgsim/mosdepth simulate and check coverage; bcftools/tabix/scrm
# simulate and check genotypes; Open MPI builds and runs the MPI test (test/mpi/); snakemake runs
# the example workflow (test/workflow/); man-db renders the installed man pages and dpkg-shlibdeps
# (dpkg-dev, with build-essential) derives the .deb's Depends (test/install/); MultiQC's mosdepth
# module reads emtk cov's mosdepth files. ccache lets scripts/test.sh's MPI build reuse the
# Release build's objects.
TEST_PACKAGES=(hmmer hmmer-examples genometools samtools tabix mosdepth bwa dwgsim bcftools scrm
  libopenmpi-dev openmpi-bin snakemake man-db multiqc ccache)

deps=1
build=1
build_dir=build
build_type=Release
cmake_args=()
groups=()

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

while (($#)); do
  case "$1" in
    --deps-only) build=0 ;;
    --build-only) deps=0 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --build-dir=*) build_dir=${1#*=} ;;
    --build-type) build_type=${2:?--build-type needs a value}; shift ;;
    --build-type=*) build_type=${1#*=} ;;
    -D*) cmake_args+=("$1") ;;
    -h|--help) usage; exit 0 ;;
    bench) groups+=(bench) ;;
    test) groups+=(test) ;;
    *) echo "setup.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[setup] %s\n' "$*"; }

is_installed() {
  # shellcheck disable=SC2016  # ${Status} is dpkg-query's field, not a shell variable
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == *"ok installed" ]]
}

install_deps() {
  local wanted=("${BASE_PACKAGES[@]}") g
  for g in ${groups[@]+"${groups[@]}"}; do
    case "$g" in
      bench) wanted+=("${BENCH_PACKAGES[@]}") ;;
      test) wanted+=("${TEST_PACKAGES[@]}") ;;
    esac
  done

  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup.sh: apt-get not found: this script installs dependencies on Debian/Ubuntu only." >&2
    echo "Install the equivalents of these Debian packages with your system's package manager:" >&2
    printf '  %s\n' "${wanted[@]}" >&2
    echo "(a C++20 compiler (g++ >= 12 or clang >= 15) with OpenMP, CMake >= 3.25, Ninja, pkg-config," >&2
    echo " git, SeqAn 3.2+, htslib, Catch2 v2, zlib), then build with:" >&2
    echo "  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build" >&2
    exit 1
  fi

  local missing=() p
  for p in "${wanted[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "all packages present: ${wanted[*]}"
    return 0
  fi

  log "will install (apt-get): ${missing[*]}"
  local as_root=(env DEBIAN_FRONTEND=noninteractive)
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
    else
      echo "setup.sh: not root and sudo not found; as root, run:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
  fi
  "${as_root[@]}" apt-get update </dev/null
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
  log "installed: ${missing[*]}"
}

build_tree() {
  local dir=$1 type=$2
  shift 2
  # A tree configured earlier with another generator (e.g. Makefiles) cannot be reconfigured with
  # Ninja; drop its cache (not the sources, not other files) and configure afresh.
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    log "$dir was configured with another generator; clearing its CMake cache"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  log "configure $dir ($type${*:+ $*})"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@"
  log "build $dir"
  cmake --build "$dir" -j"$(nproc)"
}

if ((deps)); then
  install_deps
fi
if ((build)); then
  build_tree "$build_dir" "$build_type" ${cmake_args[@]+"${cmake_args[@]}"}
fi
