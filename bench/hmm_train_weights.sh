#!/usr/bin/env bash
# Issue 17 point 2: the steps of `emtk hmm train` before EM — sequence weights and the central
# start sequence (include/emtk/hmm/weighting.hpp) — at N = 5,000, 50,000 and 200,000 sequences
# emitted from Pfam's Pkinase model (hmmemit, fixed seed), in the default mode (all pairs up to
# 2,000 sequences, MinHash LSH above) and in exact (all-pairs) mode, which gives the results emtk
# gave for every N before (same algorithm, faster intersection); and the recall of neighbour pairs of LSH mode against exact mode on a
# redundant set (5,000 sequences: 1,000 emitted ones and 4 near-copies each, one of them a
# fragment). See bench/README.md ("hmm train: weighting before EM").
#   bash bench/hmm_train_weights.sh [N...]         (default: 5000 50000 200000)
#   EXACT_MAX=10000 bash bench/hmm_train_weights.sh   exact mode up to this N (default 5000:
#                                                     it is O(N^2), ~25 s at 5,000 on one core)
# Needs hmmer + hmmer-examples and a build in build/ (the libraries the program links with).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$repo/build}"
work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-weights.XXXXXX")
trap 'rm -rf "$work"' EXIT
sizes=("$@")
((${#sizes[@]})) || sizes=(5000 50000 200000)
exact_max=${EXACT_MAX:-5000}
py=/usr/bin/python3

cmake --build "$build" --target emtk_hmm >&2
# bench/CMakeLists.txt is not this benchmark's to change: build the program against the libraries.
g++ -O2 -std=c++20 -fopenmp -I"$repo/include" "$here/hmm_train_weights.cpp" "$build/libemtk_hmm.a" \
  "$build/libemtk_em.a" "$build/libemtk_seq.a" "$build/libemtk_util.a" -lz -lbz2 -o "$work/weights"
hmmbuild -o /dev/null "$work/Pkinase.hmm" /usr/share/doc/hmmer/examples/tutorial/Pkinase.sto

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(git -C "$repo" rev-parse --short HEAD)  load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${sizes[@]}"; do
  hmmemit -N "$n" --seed 42 -o "$work/pk$n.fa" "$work/Pkinase.hmm"
  echo "+ hmmemit -N $n --seed 42 Pkinase.hmm; /usr/bin/time hmm_train_weights pk$n.fa"
  /usr/bin/time -f "  wall %e s, peak RSS %M KB" "$work/weights" "$work/pk$n.fa" 2>&1
  if ((n <= exact_max)); then
    /usr/bin/time -f "  wall %e s, peak RSS %M KB" "$work/weights" "$work/pk$n.fa" exact 2>&1
  fi
done
# Recall of LSH mode on a redundant set.
hmmemit -N 1000 --seed 42 -o "$work/base.fa" "$work/Pkinase.hmm"
"$py" "$here/hmm_train_weights.py" redundant "$work/base.fa" "$work/red.fa" 7
"$work/weights" "$work/red.fa" exact table >"$work/exact.tsv"
"$work/weights" "$work/red.fa" lsh table >"$work/lsh.tsv"
echo "+ redundant set (1,000 emitted + 4 near-copies each): exact vs lsh"
head -1 "$work/exact.tsv"
head -1 "$work/lsh.tsv"
"$py" "$here/hmm_train_weights.py" recall "$work/exact.tsv" "$work/lsh.tsv"
