#!/usr/bin/env bash
# Simulates a reference panel and an array-typed study for `emtk impute --ref` (issue 20).
#
#   scripts/impute_ref_simulate.sh OUTDIR [PANEL_HAPS [STUDY_SAMPLES [LENGTH_BP [TYPED [SEED]]]]]
#
# Defaults: 1000 panel haplotypes, 200 study samples, 2,000,000 bp, 5% of the markers typed, seed 1.
# One scrm run (theta = rho = 4e-4 per bp, as scripts/impute_simulate.sh) of PANEL_HAPS +
# 2 x STUDY_SAMPLES haplotypes, split by scripts/impute_ref_simulate.py into
#   OUTDIR/panel.vcf.gz  (+ .tbi)  the panel, phased
#   OUTDIR/study.vcf.gz  (+ .tbi)  the study at the typed markers (MAF >= 5% in the panel), unphased
#   OUTDIR/truth.vcf.gz  (+ .tbi)  the study at every marker, phased
#   OUTDIR/plink.map               PLINK map, 1 cM/Mb
# Same arguments, same files.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
panel=${2:-1000}
study=${3:-200}
length=${4:-2000000}
typed=${5:-0.05}
seed=${6:-1}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
for tool in scrm bgzip tabix; do
  command -v "$tool" >/dev/null || { echo "impute_ref_simulate.sh: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
theta=$(awk -v l="$length" 'BEGIN { printf "%.6g", 4e-4 * l }')
scrm $((panel + 2 * study)) 1 -t "$theta" -r "$theta" "$length" -l 100000 -seed "$seed" -p 10 >"$out/scrm.out"
"$py" "$here/impute_ref_simulate.py" "$out/scrm.out" "$length" "$panel" "$typed" "$seed" "$out"
rm -f "$out/scrm.out"
for f in panel study truth; do
  bgzip -f "$out/$f.vcf"
  tabix -f -p vcf "$out/$f.vcf.gz"
done
echo "impute_ref_simulate.sh: panel $panel haplotypes, study $study samples, $(zcat "$out/truth.vcf.gz" | grep -vc '^#') markers, $(zcat "$out/study.vcf.gz" | grep -vc '^#') typed -> $out" >&2
