#!/usr/bin/env bash
# The README's second command (and what CI runs through .ci/run): install what is missing, build
# emtk (Release, in build/), run the whole test suite, then build an optimised (-O2 -g1) tree with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/) and run the unit tests and the
# bad-input CLI tests of cov and impute (with leak detection) under it.
# In between, the example workflow runs with snakemake (test/workflow/snakemake_test.sh) and an MPI
# build (build-mpi/) runs test/mpi/mpi_test.sh (mpirun -np 2 = one process).
# Exits non-zero if any step or any test fails, and if a ctest run finds no test at all.
#
# usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n=== %s ===\n' "$*"; }

# Sanitizer settings for everything below (catch_discover_tests also runs the test binaries at
# build time, so they must be in force for the build as well as for ctest).
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1

section "Set-up: dependencies and Release build (scripts/setup.sh)"
bash scripts/setup.sh --deps-only test
# build/ and build-mpi/ compile every source with the same command line except the four of src/em
# (EMTK_MPI; MPI's include directories stay private to emtk_em): both go through a ccache private
# to this run (depend mode; paths relative to the checkout), so the MPI build takes the Release
# objects instead of compiling them again (about 580 CPU s). A cache hit needs the same command
# line and the same bytes of the source and of every header it read. build-sanitize/ does not use it.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  CCACHE_DIR=$(mktemp -d)
  trap 'rm -rf "$CCACHE_DIR"' EXIT
  export CCACHE_DIR CCACHE_BASEDIR=$PWD CCACHE_DEPEND=1 CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
bash scripts/setup.sh --build-only ${launcher[@]+"${launcher[@]}"}

section "Test suite (Release, build/)"
ctest --test-dir build --output-on-failure --no-tests=error -j2

section "Workflow test (snakemake --lint and -j 2 on workflow/Snakefile)"
bash test/workflow/snakemake_test.sh build/emtk

section "MPI build (-DEMTK_MPI=ON, build-mpi/) and the MPI test (test/mpi/mpi_test.sh)"
bash scripts/setup.sh --build-only --build-dir build-mpi -DEMTK_MPI=ON -DEMTK_BUILD_TESTS=OFF ${launcher[@]+"${launcher[@]}"}
if ((${#launcher[@]})); then ccache --show-stats | grep -E "Hits|Misses" || true; fi
bash test/mpi/mpi_test.sh build-mpi/emtk build/emtk

section "Sanitizer build (RelWithDebInfo, -DEMTK_SANITIZE=ON, build-sanitize/)"
# -g1 for -g: line tables and inlined-call records only, which is all the sanitizers' reports need
# (every frame still names file:line, inlined frames included), and no variable or type
# information, whose generation is about a quarter of this build's compile time (bench/README.md
# "CI time").
bash scripts/setup.sh --build-only --build-dir build-sanitize --build-type RelWithDebInfo -DEMTK_SANITIZE=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

section "Unit tests and fuzz-target replays under AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/)"
# Label "unit", not "heavy": the [heavy] statistical-recovery cases ran in the Release suite above
# (test/CMakeLists.txt).
ctest --test-dir build-sanitize -L "^(unit|fuzz)$" --output-on-failure --no-tests=error -j2

section "Bad-input CLI tests under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer (build-sanitize/emtk)"
# Every bad input of cov, impute, mix and hmm (truncated/short/bad VCF records, CRAM without its
# reference, malformed tables, models, alignments, sequences, fitted-model JSON ...) must fail
# cleanly with no leak report (ASAN_OPTIONS=detect_leaks=1 above): the scripts' bad-input sections
# only (EMTK_TEST_BADINPUT_ONLY=1), not their fits, to keep the job short.
for t in cov impute mix mix_missing mix_predict hmm_train hmm_align hmm_emit hmm_search; do
  EMTK_TEST_BADINPUT_ONLY=1 bash "test/cli/${t}_test.sh" build-sanitize/emtk test/cli
done

section "All tests passed"
