#!/usr/bin/env bash
# Benchmark of the profile-HMM Baum-Welch E-step (issue 3): the scaled probability-space kernel
# (include/emtk/hmm/scaled_dp.hpp) and the float SIMD kernel at each level (estep_simd.hpp, issue 17)
# against the log-space reference, 1 and 2 threads, and the
# workspace memory for L = 35,000, M = 500. See bench/README.md ("hmm E-step").
# Usage: bench/hmm_estep.sh [--repeats N] [--quick]
#   BUILD_DIR=/path/to/dir bench/hmm_estep.sh     build elsewhere (default: build-bench-estep/)
# The machine should be otherwise idle: the 2-thread speed-up needs two free cores.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench-estep}"

run() { echo "+ $*" >&2; "$@"; }
run cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
run cmake --build "$build" --target emtk_bench_estep -- -j2
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
run "$build/bench/emtk_bench_estep" "$@"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
