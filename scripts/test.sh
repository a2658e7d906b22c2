#!/usr/bin/env bash
# The README's second command (and what CI runs through .ci/run): install what is missing, build
# emtk (Release, in build/), run the whole test suite, then build an optimised (-O2 -g) tree with
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
bash scripts/setup.sh test

section "Test suite (Release, build/)"
ctest --test-dir build --output-on-failure --no-tests=error -j2

section "Workflow test (snakemake --lint and -j 2 on workflow/Snakefile)"
bash test/workflow/snakemake_test.sh build/emtk

section "MPI build (-DEMTK_MPI=ON, build-mpi/) and the MPI test (test/mpi/mpi_test.sh)"
bash scripts/setup.sh --build-only --build-dir build-mpi -DEMTK_MPI=ON -DEMTK_BUILD_TESTS=OFF
bash test/mpi/mpi_test.sh build-mpi/emtk build/emtk

section "Sanitizer build (RelWithDebInfo, -DEMTK_SANITIZE=ON, build-sanitize/)"
bash scripts/setup.sh --build-only --build-dir build-sanitize --build-type RelWithDebInfo -DEMTK_SANITIZE=ON

section "Unit tests and fuzz-target replays under AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/)"
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
