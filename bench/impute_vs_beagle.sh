#!/usr/bin/env bash
# emtk impute against Beagle 5 (Debian `beagle`) on the same masked genotypes, same threads, one
# run each (issue 6). Benchmarks are not tests: nothing here asserts a time.
#
#   bench/impute_vs_beagle.sh EMTK_BINARY [OUTDIR [THREADS [HAPLOTYPES [LENGTH_BP]]]]
#
# Defaults: OUTDIR bench-out/impute, 2 threads, 1000 haplotypes (500 samples) over 2 Mb
# (scripts/impute_simulate.sh: scrm, theta = rho = 4e-4 per bp, 5% of the genotypes masked).
# SEED=N in the environment sets the simulation's seed (default 1). EMTK_VARIANTS="name:options;..."
# also runs emtk impute with those extra options (as emtk_NAME, same table); NO_HWE=1 skips hwe;
# REUSE_DATA=1 keeps OUTDIR's truth.vcf.gz / masked.vcf.gz when both exist (simulated once per seed).
# Prints, for emtk impute (hapcluster), emtk impute --method hwe and beagle gt=...: wall time,
# user CPU time, peak resident memory (/usr/bin/time -v), discordance and dosage r2 at the masked genotypes
# (scripts/impute_evaluate.py, also by MAF bin), and the time ratio emtk / beagle.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
emtk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:-bench-out/impute}
threads=${3:-2}
haps=${4:-1000}
length=${5:-2000000}
seed=${SEED:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
command -v beagle >/dev/null || { echo "impute_vs_beagle.sh: beagle is not installed (scripts/setup.sh bench)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "impute_vs_beagle.sh: /usr/bin/time (GNU time) is needed" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -n ${REUSE_DATA:-} && -s $out/truth.vcf.gz && -s $out/masked.vcf.gz ]]; then
  echo "impute_vs_beagle.sh: reusing $out/truth.vcf.gz, $out/masked.vcf.gz" >&2
else
  "$root/scripts/impute_simulate.sh" "$out" "$haps" "$length" 4e-4 0.05 "$seed"
fi

# measure NAME CMD...: runs CMD under /usr/bin/time -v; leaves NAME.time.
measure() {
  local name=$1
  shift
  /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1
}
seconds() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$1"; }
user_s() { awk -F': ' '/User time \(seconds\)/ { print $2 }' "$1"; }
peak_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

cd "$out"
measure emtk "$emtk" impute -t "$threads" --json emtk.json -o emtk.vcf.gz masked.vcf.gz
tools=(emtk)
IFS=';' read -r -a variants <<<"${EMTK_VARIANTS:-}"
for v in "${variants[@]}"; do
  [[ -n $v ]] || continue
  read -r -a vopt <<<"${v#*:}"
  measure "emtk_${v%%:*}" "$emtk" impute -t "$threads" "${vopt[@]}" -o "emtk_${v%%:*}.vcf.gz" masked.vcf.gz
  tools+=("emtk_${v%%:*}")
done
if [[ -z ${NO_HWE:-} ]]; then
  measure hwe "$emtk" impute --method hwe -t "$threads" -o hwe.vcf.gz masked.vcf.gz
  tools+=(hwe)
fi
measure beagle beagle gt=masked.vcf.gz out=beagle nthreads="$threads"
tools+=(beagle)
for n in "${tools[@]}"; do
  "$py" "$root/scripts/impute_evaluate.py" truth.vcf.gz masked.vcf.gz "$n.vcf.gz" "$n" >"$n.eval"
done

printf '# seed %s, %s samples, %s sites, %s threads, load average %s\n' "$seed" "$((haps / 2))" \
  "$(zcat truth.vcf.gz | grep -vc '^#')" "$threads" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
printf 'tool\twall_s\tuser_s\tpeak_MB\tmasked\tdiscordance\tdosage_r2\n'
for n in "${tools[@]}"; do
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(seconds "$n.time")" "$(user_s "$n.time")" "$(peak_mb "$n.time")" "$(tail -n 1 "$n.eval" | cut -f 2-)"
done
awk -v e="$(seconds emtk.time)" -v b="$(seconds beagle.time)" -v eu="$(user_s emtk.time)" -v bu="$(user_s beagle.time)" \
  'BEGIN { printf "time ratio emtk/beagle: wall %.2f, user CPU %.2f\n", e / b, eu / bu }'
echo "# by MAF bin:"
for n in "${tools[@]}"; do [[ $n == hwe ]] || cat "$n.eval"; done
