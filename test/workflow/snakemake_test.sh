#!/usr/bin/env bash
# Workflow test (issues 7, 19): `snakemake --lint` reports nothing on workflow/Snakefile; the
# workflow runs with Debian's snakemake (-j 2) on the example data; its outputs are checked (the
# GFF3 of the annotation with gt gff3validator, the coverage states, the mosdepth files, the imputed
# VCF, a log and a benchmark per rule); and each scattered result equals an unscattered run made
# here (byte for byte: depths, windows, segments, VCF records) -- checks that are the test's, not
# the user's workflow's.
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

SNAKEFILE=$ROOT/workflow/Snakefile
CONFIG=$ROOT/config/config.yaml
check "the catalog's layout: workflow/Snakefile, workflow/rules/*.smk, workflow/envs/*.yaml, config/config.yaml" \
  bash -c "test -s '$SNAKEFILE' && test -s '$CONFIG' && ls '$ROOT'/workflow/rules/*.smk '$ROOT'/workflow/envs/*.yaml >/dev/null"
# --lint (in a scratch directory: Snakemake leaves .snakemake/ where it runs).
mkdir -p "$WORK/lint"
lint=$(snakemake -s "$SNAKEFILE" --configfile "$CONFIG" --directory "$WORK/lint" --lint 2>&1) && lint_rc=0 || lint_rc=$?
check_eq "snakemake --lint: no lint (exit status, output)" "$lint_rc $(printf '%s' "$lint" | grep -v '^Congratulations, your workflow is in a good condition!$' | head -n 5)" "0 "
check "every rule has a log and a benchmark" bash -c \
  "for f in '$ROOT'/workflow/rules/*.smk; do awk '/^rule /{ if (r && !(l && b)) { print r; bad = 1 } r = \$2; l = b = 0 }
     /^    log:/{ l = 1 } /^    benchmark:/{ b = 1 } END { if (r && !(l && b)) { print r; bad = 1 } exit bad }' \"\$f\" || exit 1; done"

OUT=$WORK/out
run snakemake -s "$SNAKEFILE" --configfile "$CONFIG" -j 2 --directory "$OUT" --config repo="$ROOT" emtk="$EMTK" -q
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

# cov: gathered = one run over the whole BAM (made here, not by the workflow)
W=$(awk '/^  window:/ { print $2 }' "$CONFIG")
CHROMS=$(awk -F'[][]' '/^  chromosomes: \["chr/ { gsub(/[" ]/, "", $2); print $2 }' "$CONFIG")
mkdir -p unscattered
run "$EMTK" cov -q --seed 1 -w "$W" --chroms "$CHROMS" -o unscattered/all "$ROOT/data/cov/sample.bam"
check_status "unscattered cov over the whole BAM (-w $W --chroms $CHROMS): exit status 0" 0
gzip -dc unscattered/all.windows.bed.gz | grep -v '^#' | cut -f 1-4 >unscattered/depth.bed
run "$EMTK" cov -q --seed 1 --segment --depth-bed -o unscattered/sample unscattered/depth.bed
check_status "unscattered cov states: exit status 0" 0
check_same_file "cov: gathered depths = one run over the whole BAM" "$OUT/cov/sample.depth.bed" unscattered/depth.bed
check_same_file "cov: segments from the gathered depths = unscattered" "$OUT/cov/sample.segments.bed" unscattered/sample.segments.bed
check "cov: windows from the gathered depths = unscattered" \
  cmp <(gzip -dc "$OUT/cov/sample.windows.bed.gz") <(gzip -dc unscattered/sample.windows.bed.gz)
check "cov: windows.bed.gz is indexed (tabix)" test -s "$OUT/cov/sample.windows.bed.gz.tbi"
check "cov: segments on both chromosomes" bash -c "cut -f 1 '$OUT/cov/sample.segments.bed' | sort -u | tr '\n' ' ' | grep -q 'chr1 chr2'"
check_eq "cov: per chromosome, the mosdepth summary's chromosome line = the whole-BAM run's" \
  "$(for c in ${CHROMS//,/ }; do awk -v c="$c" '$1 == c' "$OUT/cov/sample/$c.mosdepth.summary.txt"; done | md5sum)" \
  "$(awk 'NR > 1 && $1 !~ /_region$/ && $1 !~ /^total/' unscattered/all.mosdepth.summary.txt | md5sum)"

# impute: concatenated = one run over the whole file (made here)
run "$EMTK" impute -q -t 2 --seed 1 -o unscattered/imputed.vcf.gz "$OUT/impute/input.vcf.gz"
check_status "unscattered impute: exit status 0" 0
check "impute: bcftools reads the concatenated VCF, both chromosomes, no ./. left" bash -c \
  "bcftools view -H '$OUT/impute/imputed.vcf.gz' | cut -f 1 | sort -u | tr '\n' ' ' | grep -q '1 2' &&
   ! bcftools query -f '[%GT\t]\n' '$OUT/impute/imputed.vcf.gz' | grep -q '\./\.'"
check "impute: records of the pieces = the unscattered run" bash -c \
  "cmp <(bcftools view -H '$OUT/impute/imputed.vcf.gz') <(bcftools view -H unscattered/imputed.vcf.gz)"
check "impute: intermediate files removed (temp)" bash -c "! test -e '$OUT/impute/chr2.vcf.gz' && ! test -e '$OUT/impute/rename.txt'"

# logs per rule, seed passed through
check "a log file per rule" bash -c "ls '$OUT'/logs/hmm_train.log '$OUT'/logs/cov_states_sample.log '$OUT'/logs/impute_1.log >/dev/null"
check "a benchmark per rule (Snakemake's table)" bash -c \
  "for f in '$OUT'/benchmarks/hmm_train.tsv '$OUT'/benchmarks/cov_depth_sample_chr1.tsv '$OUT'/benchmarks/impute_concat.tsv; do head -n 1 \"\$f\" | grep -q '^s' || exit 1; done"
check "--seed reaches emtk (JSON summary)" bash -c "grep -q '\"seed\": 1' '$OUT/hmm/model.json'"

t_summary
