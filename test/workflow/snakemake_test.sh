#!/usr/bin/env bash
# Workflow test (issue 7): runs workflows/Snakefile with Debian's snakemake (-j 2) on the example
# data and checks its outputs: the GFF3 of the annotation (gt gff3validator), the coverage states
# and the imputed VCF, and that each scattered result equals the unscattered one (the workflow's
# own *_check rules compare them; this test checks they ran and re-checks the key files).
#
#   bash test/workflow/snakemake_test.sh build/emtk
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../cli/lib.sh
source "$ROOT/test/cli/lib.sh"
t_init "${1:-}"

for tool in snakemake bcftools gt; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    not_ok "$tool is installed (scripts/setup.sh test installs it)"
    t_summary
  fi
done

OUT=$WORK/out
run snakemake -s "$ROOT/workflows/Snakefile" --configfile "$ROOT/workflows/config.yaml" -j 2 \
  --directory "$OUT" --config repo="$ROOT" emtk="$EMTK" -q
check_status "snakemake -j 2: the workflow runs to the end" 0
if [[ $RC -ne 0 ]]; then
  tail -n 30 "$(err_file)" | sed 's/^/#   /'
  for f in "$OUT"/logs/*.log; do [[ -s $f ]] && { echo "# $f:"; sed 's/^/#   /' "$f" | tail -n 5; }; done
fi

# hmm: model and annotation
check "hmm: the trained model is HMMER3/f" bash -c "head -n 1 '$OUT/hmm/model.hmm' | grep -q '^HMMER3/f'"
check "hmm: the GFF3 passes gt gff3validator" bash -c "gt gff3validator '$OUT/hmm/annotation.gff3' >/dev/null"
n_true=$(wc -l <"$ROOT/data/genome_repeats.bed" | tr -d ' ')
found=$(awk -F'\t' 'NR == FNR { n++; c[n] = $1; s[n] = $2; e[n] = $3; st[n] = $6; next }
  { for (i = 1; i <= n; i++) if (c[i] == $1 && st[i] == $6) { a = s[i] > $2 ? s[i] : $2; b = e[i] < $3 ? e[i] : $3
      if (b - a >= 0.5 * (e[i] - s[i])) f[i] = 1 } }
  END { for (i = 1; i <= n; i++) k += f[i]; print k + 0 }' "$ROOT/data/genome_repeats.bed" "$OUT/hmm/annotation.bed")
check "hmm: the annotation finds the true copies on their strand ($found of $n_true)" awk_true "f >= 0.9 * n" "f=$found" "n=$n_true"

# cov: gathered states = unscattered
check "cov: the workflow's scatter check passed" test -s "$OUT/cov/sample.scatter_check.txt"
check_same_file "cov: gathered depths = one run over the whole BAM" "$OUT/cov/sample.depth.bed" "$OUT/cov/unscattered/sample.depth.bed"
check_same_file "cov: segments from the gathered depths = unscattered" "$OUT/cov/sample.segments.bed" "$OUT/cov/unscattered/sample.segments.bed"
check "cov: windows.bed.gz is indexed (tabix)" test -s "$OUT/cov/sample.windows.bed.gz.tbi"
check "cov: segments on both chromosomes" bash -c "cut -f 1 '$OUT/cov/sample.segments.bed' | sort -u | tr '\n' ' ' | grep -q 'chr1 chr2'"

# impute: concatenated = unscattered
check "impute: the workflow's scatter check passed" test -s "$OUT/impute/scatter_check.txt"
check "impute: bcftools reads the concatenated VCF, both chromosomes, no ./. left" bash -c \
  "bcftools view -H '$OUT/impute/imputed.vcf.gz' | cut -f 1 | sort -u | tr '\n' ' ' | grep -q '1 2' &&
   ! bcftools query -f '[%GT\t]\n' '$OUT/impute/imputed.vcf.gz' | grep -q '\./\.'"
check "impute: records of the pieces = the unscattered run" bash -c \
  "cmp <(bcftools view -H '$OUT/impute/imputed.vcf.gz') <(bcftools view -H '$OUT/impute/unscattered.vcf.gz')"

# logs per rule, seed passed through
check "a log file per rule" bash -c "ls '$OUT'/logs/hmm_train.log '$OUT'/logs/cov_states_sample.log '$OUT'/logs/impute_1.log >/dev/null"
check "--seed reaches emtk (JSON summary)" bash -c "grep -q '\"seed\": 1' '$OUT/hmm/model.json'"

t_summary
