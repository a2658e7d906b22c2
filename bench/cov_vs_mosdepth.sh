#!/usr/bin/env bash
# emtk cov against mosdepth -n --by 1000 on the same simulated BAM and thread count, one run each:
# wall time ratio, peak memory (GNU time -v), depth agreement, and the copy-number accuracy of
# emtk cov --segment on the simulation's truth.
#
#   bash bench/cov_vs_mosdepth.sh [-g GENOME_BP] [-d DEPTH] [-n CNVS] [-t THREADS] [-s SEED]
#   EMTK=/path/to/emtk bash bench/cov_vs_mosdepth.sh
#
# Defaults: a 20 Mb genome in 4 chromosomes at 20x with 24 CNVs (CN 0, 1, 3, 4; 20-200 kb), 2
# threads. The simulation is made once into bench-out/cov_sim_g*_d*_n*_s*/ and reused. Target:
# emtk cov (depth + mixture + HMM) at most 1.0x mosdepth's time.
set -euo pipefail
cd "$(dirname "$0")/.."
G=20000000 D=20 N=24 T=2 SEED=1
while getopts "g:d:n:t:s:" o; do
  case $o in g) G=$OPTARG ;; d) D=$OPTARG ;; n) N=$OPTARG ;; t) T=$OPTARG ;; s) SEED=$OPTARG ;; *) exit 2 ;; esac
done
EMTK=${EMTK:-build/emtk}
[[ -x $EMTK ]] || { echo "cov_vs_mosdepth.sh: $EMTK not found (build emtk first)" >&2; exit 1; }
for tool in mosdepth /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "cov_vs_mosdepth.sh: $tool is not installed" >&2; exit 1; }
done
OUT=bench-out/cov_sim_g${G}_d${D}_n${N}_s${SEED}
if [[ ! -s $OUT/sample.bam.bai ]]; then
  echo "simulating into $OUT (once) ..."
  bash scripts/cov_simulate.sh -g "$G" -c 4 -n "$N" -d "$D" -s "$SEED" -t "$T" "$OUT"
fi
R=$OUT/run
mkdir -p "$R"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# measure LABEL CMD...: wall seconds and peak RSS (kB) of one run.
measure() {
  local label=$1
  shift
  /usr/bin/time -v "$@" 2>"$R/$label.time" >/dev/null
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$R/$label.time")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$R/$label.time")
  printf '%s %s %s\n' "$label" "$wall" "$rss"
}
{
  measure mosdepth mosdepth -n --by 1000 -t "$T" "$R/md" "$OUT/sample.bam"
  measure emtk_cov "$EMTK" cov -t "$T" -w 1000 -o "$R/emtk" "$OUT/sample.bam"
  measure emtk_cov_segment "$EMTK" cov -t "$T" -w 1000 --segment -o "$R/emtk_seg" "$OUT/sample.bam"
} | tee "$R/times.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk 'NR == 1 { mw = $2; mm = $3 } NR > 1 { printf "%-18s time ratio %.2fx mosdepth (%.2f s vs %.2f s), peak memory %.1f MB vs %.1f MB\n", $1, $2 / mw, $2, mw, $3 / 1024, mm / 1024 }' "$R/times.txt"
paste <(gzip -dc "$R/emtk.windows.bed.gz" | grep -v '^#' | cut -f1-4) <(gzip -dc "$R/md.regions.bed.gz") |
  awk '{ if ($1 != $5 || $2 != $6 || $3 != $7) bad++; d = $4 - $8; if (d < 0) d = -d; if (d > m) m = d }
       END { printf "depth vs mosdepth: %d windows, largest difference %.4f, %d misplaced\n", NR, m, bad }'
/usr/bin/python3 scripts/cov_evaluate.py "$R/emtk_seg.windows.bed.gz" "$R/emtk_seg.segments.bed" "$OUT/truth.bed"
