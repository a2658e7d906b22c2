#!/usr/bin/env bash
# Interop check: HMMER's own tools accept a HMMER3 file (e.g. one written by emtk).
# Usage: test/interop/hmmer_test.sh MODEL.hmm [EXPECTED_M]
# Not run by CMake yet (test/CMakeLists.txt globs only unit/ and cli/); the same checks run as the
# Catch2 case "hmmer_io: HMMER's hmmstat and hmmconvert accept our files" (skipped with a WARN when
# hmmstat is missing). Exit 0: passed or skipped (HMMER not installed); 1: failed.
set -euo pipefail
model=${1:?usage: hmmer_test.sh MODEL.hmm [EXPECTED_M]}
expected_m=${2:-}
if ! command -v hmmstat >/dev/null 2>&1 || ! command -v hmmconvert >/dev/null 2>&1; then
  echo "SKIP: hmmstat/hmmconvert not installed" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hmmstat "$model" > "$tmp/stat" || { echo "FAIL: hmmstat rejects $model" >&2; cat "$tmp/stat" >&2; exit 1; }
if [[ -n $expected_m ]]; then
  # data lines: idx name accession nseq eff_nseq M relent info p relE compKL
  m=$(awk '!/^#/ && NF >= 6 { print $6; exit }' "$tmp/stat")
  [[ $m == "$expected_m" ]] || { echo "FAIL: hmmstat reports M = $m, expected $expected_m" >&2; exit 1; }
fi
hmmconvert "$model" > "$tmp/conv" || { echo "FAIL: hmmconvert rejects $model" >&2; exit 1; }
head -1 "$tmp/conv" | grep -q '^HMMER3/f' || { echo "FAIL: hmmconvert output is not HMMER3/f" >&2; exit 1; }
echo "PASS: $model"
