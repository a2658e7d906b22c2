#!/usr/bin/env bash
# Simulates genotypes with realistic linkage disequilibrium for `emtk impute` (issue 6).
#
#   scripts/impute_simulate.sh OUTDIR [HAPLOTYPES [LENGTH_BP [RATE_PER_BP [MASK [SEED]]]]]
#
# Defaults: 1000 haplotypes (500 diploid samples) over 2,000,000 bp, theta = rho = 4e-4 per bp,
# 5% of the genotypes masked, seed 1. Runs Debian's `scrm` coalescent simulator
#   scrm HAPLOTYPES 1 -t THETA -r RHO LENGTH -l 100000 -seed SEED -p 10
# (theta = rho = RATE_PER_BP x LENGTH; -l 100000: the sequentially Markov approximation with a
# 100 kb window, which scrm's authors show to be indistinguishable from the exact coalescent for
# these statistics), pairs haplotypes 2i-1, 2i into sample i and writes
#   OUTDIR/truth.vcf.gz    all genotypes (phased)
#   OUTDIR/masked.vcf.gz   the same, each genotype set to ./. with probability MASK
# both bgzipped and indexed (.tbi). Same arguments, same files.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
haps=${2:-1000}
length=${3:-2000000}
rate=${4:-4e-4}
mask=${5:-0.05}
seed=${6:-1}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
for tool in scrm bgzip tabix; do
  command -v "$tool" >/dev/null || { echo "impute_simulate.sh: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
theta=$(awk -v r="$rate" -v l="$length" 'BEGIN { printf "%.6g", r * l }')
scrm "$haps" 1 -t "$theta" -r "$theta" "$length" -l 100000 -seed "$seed" -p 10 >"$out/scrm.out"
"$py" "$here/impute_ms2vcf.py" "$out/scrm.out" "$length" "$mask" "$seed" "$out/truth.vcf" "$out/masked.vcf"
rm -f "$out/scrm.out"
for f in truth masked; do
  bgzip -f "$out/$f.vcf"
  tabix -f -p vcf "$out/$f.vcf.gz"
done
echo "impute_simulate.sh: $((haps / 2)) samples, $(zcat "$out/truth.vcf.gz" | grep -vc '^#') sites -> $out/truth.vcf.gz, $out/masked.vcf.gz" >&2
