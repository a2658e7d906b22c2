#!/usr/bin/env bash
# Benchmark of the profile-HMM Baum-Welch E-step (issue 3): the scaled probability-space kernel
# (include/emtk/hmm/scaled_dp.hpp) and the float SIMD kernel at each level (estep_simd.hpp, issue 17)
# against the log-space reference, 1 and 2 threads, and the
# workspace memory for L = 35,000, M = 500. See bench/README.md ("hmm E-step").
# The last lines ("# TARGET ...") give the two issue-17 figures: 1-thread Mcells/s and the 2-thread
# speed-up of the AVX2 float kernel over 5,000 sequences (about 1 s per E-step on one thread).
# Usage: bench/hmm_estep.sh [--repeats N] [--seqs N] [--kernel NAME] [--quick]
#   --kernel avx2    time only the best float kernel (the one the targets are about): ~1 min
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
