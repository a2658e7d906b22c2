#!/usr/bin/env bash
# emtk impute --ref against Beagle 5 (Debian `beagle`) on the same panel, study and map, same
# threads, one run each (issue 20). Benchmarks are not tests: nothing here asserts a time.
#
#   bench/impute_ref_vs_beagle.sh EMTK_BINARY [OUTDIR [THREADS [PANEL_HAPS... ]]]
#
# Defaults: OUTDIR bench-out/impute_ref, 2 threads, panels of 1000 and 5000 haplotypes. For each
# panel size: scripts/impute_ref_simulate.sh OUTDIR/hN N 200 2000000 0.05 1 (scrm, 2 Mb,
# 200 study samples typed at 5% of the markers, array-like: panel MAF >= 5%; map at 1 cM/Mb), then
#   emtk impute --ref panel.vcf.gz --map plink.map -t THREADS -o emtk.vcf.gz study.vcf.gz
#   beagle ref=panel.vcf.gz gt=study.vcf.gz map=plink.map out=beagle nthreads=THREADS
# each under /usr/bin/time -v, scored by scripts/impute_ref_evaluate.py at the untyped markers
# (discordance and dosage r2 by MAF bin). Prints one table per panel and the ratios emtk / beagle.
# SEED=N in the environment sets the simulation's seed (default 1). EMTK_VARIANTS="name:options;..."
# also runs emtk impute --ref with those extra options (as emtk_NAME, scored and printed the same way).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
emtk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:-bench-out/impute_ref}
seed=${SEED:-1}
threads=${3:-2}
shift $(($# < 3 ? $# : 3))
panels=("$@")
[[ ${#panels[@]} -gt 0 ]] || panels=(1000 5000)
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
command -v beagle >/dev/null || { echo "impute_ref_vs_beagle.sh: beagle is not installed (scripts/setup.sh bench)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "impute_ref_vs_beagle.sh: /usr/bin/time (GNU time) is needed" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

seconds() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$1"; }
user_s() { awk -F': ' '/User time \(seconds\)/ { print $2 }' "$1"; }
peak_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

for n in "${panels[@]}"; do
  d=$out/h$n
  "$root/scripts/impute_ref_simulate.sh" "$d" "$n" 200 2000000 0.05 "$seed"
  cd "$d"
  /usr/bin/time -v -o emtk.time "$emtk" impute --ref panel.vcf.gz --map plink.map -t "$threads" --json emtk.json \
    -o emtk.vcf.gz study.vcf.gz >emtk.log 2>&1
  tools=(emtk)
  IFS=';' read -r -a variants <<<"${EMTK_VARIANTS:-}"
  for v in "${variants[@]}"; do
    [[ -n $v ]] || continue
    read -r -a vopt <<<"${v#*:}"
    /usr/bin/time -v -o "emtk_${v%%:*}.time" "$emtk" impute --ref panel.vcf.gz --map plink.map -t "$threads" "${vopt[@]}" \
      -o "emtk_${v%%:*}.vcf.gz" study.vcf.gz >"emtk_${v%%:*}.log" 2>&1
    tools+=("emtk_${v%%:*}")
  done
  /usr/bin/time -v -o beagle.time beagle ref=panel.vcf.gz gt=study.vcf.gz map=plink.map out=beagle \
    nthreads="$threads" >beagle.stdout 2>&1
  for t in "${tools[@]}" beagle; do
    "$py" "$root/scripts/impute_ref_evaluate.py" truth.vcf.gz study.vcf.gz "$t.vcf.gz" "$t" >"$t.eval"
  done
  printf '# seed %s, panel %s haplotypes, 200 study samples, %s markers (%s typed), %s threads, load average %s\n' "$seed" "$n" \
    "$(zcat truth.vcf.gz | grep -vc '^#')" "$(zcat study.vcf.gz | grep -vc '^#')" "$threads" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
  printf 'tool\twall_s\tuser_s\tpeak_MB\n'
  for t in "${tools[@]}" beagle; do
    printf '%s\t%s\t%s\t%s\n' "$t" "$(seconds "$t.time")" "$(user_s "$t.time")" "$(peak_mb "$t.time")"
  done
  paste emtk.eval beagle.eval | awk -F'\t' 'NR == 1 { print "bin\tgenotypes\temtk_discordance\temtk_r2\tbeagle_discordance\tbeagle_r2"; next }
    { print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $8 "\t" $9 }'
  awk -v e="$(seconds emtk.time)" -v b="$(seconds beagle.time)" -v em="$(peak_mb emtk.time)" -v bm="$(peak_mb beagle.time)" \
    -v ed="$(awk -F'\t' '$1 == "overall" { print $3 }' emtk.eval)" -v bd="$(awk -F'\t' '$1 == "overall" { print $3 }' beagle.eval)" \
    'BEGIN { printf "ratios emtk/beagle: wall %.2f, memory %.2f, discordance %.2f\n", e / b, em / bm, ed / bd }'
  for t in "${tools[@]:1}"; do
    echo "# $t: by MAF bin (genotypes, discordance, r2), then user CPU ratio to beagle"
    cut -f 1-4 "$t.eval"
    awk -v e="$(user_s "$t.time")" -v b="$(user_s beagle.time)" 'BEGIN { printf "user CPU %s/beagle: %.2f\n", "'"$t"'", e / b }'
  done
  cd "$out"
done
