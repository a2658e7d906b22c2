#!/usr/bin/env bash
# Simulates a sample with known copy-number segments: random genome → haplotypes → reads
# (dwgsim) → alignments (bwa mem, samtools sort/index) → OUTDIR/sample.bam + truth.bed.
#
#   scripts/cov_simulate.sh [options] OUTDIR
#     -g SIZE    genome size in bp                 [2000000]
#     -c N       chromosomes                       [2]
#     -n N       CNV segments (CN 0, 1, 3, 4)      [8]
#     -d DEPTH   diploid depth                     [20]
#     -l LEN     read length (pairs, 350 bp apart) [100]
#     -m MIN:MAX CNV length range in bp            [20000:200000]
#     -s SEED    seed of the genome, CNVs and reads [1]
#     -t N       bwa/samtools threads              [2]
#     -k         keep the intermediate files (FASTA haplotypes, FASTQ)
#     -z         compact BAM (read names r<N>, constant base qualities, no aux tags): for data/
#
# Writes OUTDIR/ref.fa (+ .fai and bwa index), sample.bam, sample.bam.bai, truth.bed (chrom, start,
# end, CN). Needs /usr/bin/python3, dwgsim, bwa, samtools.
set -euo pipefail

G=2000000 C=2 N=8 D=20 L=100 RANGE=20000:200000 SEED=1 T=2 KEEP=0 COMPACT=0
while getopts "g:c:n:d:l:m:s:t:kz" o; do
  case $o in
    g) G=$OPTARG ;; c) C=$OPTARG ;; n) N=$OPTARG ;; d) D=$OPTARG ;; l) L=$OPTARG ;;
    m) RANGE=$OPTARG ;; s) SEED=$OPTARG ;; t) T=$OPTARG ;; k) KEEP=1 ;; z) COMPACT=1 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 1 ]] || { sed -n '2,20p' "$0"; exit 2; }
OUT=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in dwgsim bwa samtools; do
  command -v "$tool" >/dev/null || { echo "cov_simulate.sh: $tool is not installed" >&2; exit 1; }
done
mkdir -p "$OUT"
/usr/bin/python3 "$HERE/cov_simulate.py" "$OUT" --genome-size "$G" --chroms "$C" --cnvs "$N" \
  --min-len "${RANGE%%:*}" --max-len "${RANGE##*:}" --seed "$SEED"
samtools faidx "$OUT/ref.fa"
bwa index "$OUT/ref.fa" 2>/dev/null

# Each haplotype base is sequenced to DEPTH/2 (dwgsim -C is per base of sample.fa); no random
# reads (-y 0), no mutations (-r 0), 0.5% sequencing errors, pairs 350 ± 35 bp apart.
HAPDEPTH=$(awk -v d="$D" 'BEGIN { printf "%.4f", d / 2 }')
dwgsim -z "$SEED" -C "$HAPDEPTH" -1 "$L" -2 "$L" -d 350 -s 35 -r 0 -y 0 -e 0.005 -E 0.005 \
  "$OUT/sample.fa" "$OUT/reads" >/dev/null 2>&1
R1=$OUT/reads.bwa.read1.fastq.gz R2=$OUT/reads.bwa.read2.fastq.gz
if [[ $COMPACT -eq 1 ]]; then
  # Short names and constant qualities compress far better (the data/ BAM must stay small).
  for r in 1 2; do
    gzip -dc "$OUT/reads.bwa.read$r.fastq.gz" |
      awk 'NR % 4 == 1 { print "@r" (NR - 1) / 4; next } NR % 4 == 3 { print "+"; next }
           NR % 4 == 0 { gsub(/./, "I"); print; next } { print }' >"$OUT/compact$r.fq"
  done
  R1=$OUT/compact1.fq R2=$OUT/compact2.fq
fi
RG="@RG\tID:sim\tSM:sim$SEED"
if [[ $COMPACT -eq 1 ]]; then
  bwa mem -t "$T" -R "$RG" "$OUT/ref.fa" "$R1" "$R2" 2>/dev/null |
    samtools view -u -x MD -x XS -x AS -x NM -x MC -x RG -x SA -x XA - |
    samtools sort -@ "$T" -l 9 -o "$OUT/sample.bam" - 2>/dev/null
else
  bwa mem -t "$T" -R "$RG" "$OUT/ref.fa" "$R1" "$R2" 2>/dev/null |
    samtools sort -@ "$T" -o "$OUT/sample.bam" - 2>/dev/null
fi
samtools index "$OUT/sample.bam"
if [[ $KEEP -eq 0 ]]; then
  rm -f "$OUT"/reads.* "$OUT"/compact?.fq "$OUT/sample.fa"
fi
echo "cov_simulate.sh: $OUT/sample.bam ($(samtools view -c "$OUT/sample.bam") records), $(wc -l <"$OUT/truth.bed") CNVs in $OUT/truth.bed"
