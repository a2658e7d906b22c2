#!/usr/bin/env bash
# `emtk mix` at scale against scikit-learn (issue 17, benchmark b): a K = 4 Gaussian mixture fitted
# to VALUES values (one column) and to ROWS rows × COLS columns, each method its own timed process
# (GNU time: wall, CPU = user + sys, peak RSS), every fit scored by its log-likelihood per value on
# the whole data set by one evaluator. See bench/README.md for the results and what they mean.
#
#   bash bench/mix_scale_vs_sklearn.sh                      # 10^8 values; 10^7 rows × 10 columns
#   bash bench/mix_scale_vs_sklearn.sh --values 1000000 --rows 100000 --sample 100000   # quick run
#
# Options (defaults in brackets):
#   --values N     values of the one-column data set [100000000]; 0 skips it
#   --rows N       rows of the multi-column data set [10000000]; 0 skips it
#   --cols D       columns of that data set [10]
#   --replicate F  each data set is F copies of N/F generated rows [10]: generating 10^8 values
#                  with numpy's text writer takes longer than fitting them. The batch-EM reference
#                  then runs on one copy, which has the same maximum likelihood per value.
#   --sample S     scikit-learn fits the first S rows (i.i.d. draws, so a random sample) [1000000]
#   --threads T    emtk threads [2]
#   --no-batch     skip the batch-EM reference (`emtk mix --stepwise off` on one copy)
#   --out DIR      data, fits, GNU time logs, results.tsv and report.md [bench-out/mix_scale]
# EMTK=/path/to/emtk selects the binary (default build/emtk). Every process runs under `nice`.
# Needs /usr/bin/python3 with numpy and scikit-learn (Debian: python3-sklearn) and GNU time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
emtk="${EMTK:-$repo/build/emtk}"
py=/usr/bin/python3
driver="$repo/bench/mix_scale_vs_sklearn.py"
values=100000000 rows=10000000 cols=10 replicate=10 sample=1000000 threads=2 batch=1
out="$repo/bench-out/mix_scale"
while (($#)); do
  case "$1" in
    --values) values=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --cols) cols=$2; shift 2 ;;
    --replicate) replicate=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-batch) batch=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$emtk" ]] || { echo "error: no emtk binary at $emtk (build it, or set EMTK)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "error: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
"$py" -c 'import numpy, sklearn' 2>/dev/null ||
  { echo "error: $py lacks numpy or scikit-learn (Debian: apt-get install python3-sklearn)" >&2; exit 1; }
mkdir -p "$out"
results="$out/results.tsv"
printf 'data\tmethod\trows_fitted\twall_s\tcpu_s\trss_kb\tll_per_value\tcommand\n' > "$results"

# timed NAME CMD...: runs CMD under nice and GNU time; leaves "wall cpu rss_kb" in $out/NAME.time.
timed() {
  local name=$1; shift
  echo "# $name: $*" >&2
  nice /usr/bin/time -f '%e %U %S %M' -o "$out/$name.time.raw" "$@"
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out/$name.time.raw" > "$out/$name.time"
  printf '%s\n' "$*" > "$out/$name.cmd"
}

# make_data FILE N D SEED: N rows of D columns (F copies of N/F generated rows); one copy in FILE.one.
make_data() {
  local file=$1 n=$2 d=$3 seed=$4
  [[ -s "$file" ]] && return 0
  (( n % replicate == 0 )) || { echo "error: $n rows are not a multiple of --replicate $replicate" >&2; exit 2; }
  nice "$py" "$repo/bench/mix_scale_gen.py" $((n / replicate)) "$d" "$seed" > "$file.one.tmp"
  mv "$file.one.tmp" "$file.one"
  { cat "$file.one"; for ((i = 1; i < replicate; i++)); do tail -n +2 "$file.one"; done; } > "$file.tmp"
  mv "$file.tmp" "$file"
}

# bench_set LABEL FILE N D
bench_set() {
  local label=$1 file=$2 n=$3 d=$4 tag
  tag=$(basename "$file" .tsv)
  local c; c=$(seq -s, 1 "$d")
  local models=() names=() fitted=()
  timed "$tag.emtk" "$emtk" mix -k 4 -c "$c" -t "$threads" -q -o "$out/$tag.emtk" "$file"
  models+=("$out/$tag.emtk.json"); names+=("emtk mix"); fitted+=("$n")
  if ((batch)); then
    local one=$file; ((replicate > 1)) && one=$file.one
    timed "$tag.batch" "$emtk" mix -k 4 -c "$c" -t "$threads" -q --stepwise off -o "$out/$tag.batch" "$one"
    models+=("$out/$tag.batch.json"); names+=("emtk mix --stepwise off (one copy)"); fitted+=($((n / replicate)))
  fi
  local s=$((sample < n ? sample : n))
  timed "$tag.gmm" "$py" "$driver" gmm "$file" "$s" 4 1 "$out/$tag.gmm.json"
  models+=("$out/$tag.gmm.json"); names+=("sklearn GaussianMixture"); fitted+=("$s")
  timed "$tag.mbk" "$py" "$driver" mbk "$file" "$s" 4 1 "$out/$tag.mbk.json"
  models+=("$out/$tag.mbk.json"); names+=("sklearn MiniBatchKMeans"); fitted+=("$s")
  echo "# scoring ${#models[@]} fits on $file" >&2
  nice "$py" "$driver" eval "$file" "${models[@]}" > "$out/$tag.eval.jsonl"
  local i=0 kind
  for m in "${models[@]}"; do
    kind=$(basename "$m" .json); kind=${kind##*.}
    read -r wall cpu rss < "$out/$tag.$kind.time"
    ll=$(sed -n "$((i + 1))p" "$out/$tag.eval.jsonl" | "$py" -c 'import json, sys; print(repr(json.load(sys.stdin)["per_value"]))')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "${names[i]}" "${fitted[i]}" "$wall" "$cpu" "$rss" "$ll" \
      "$(cat "$out/$tag.$kind.cmd")" >> "$results"
    i=$((i + 1))
  done
}

if ((values > 0)); then
  f="$out/values_n${values}_f${replicate}.tsv"
  make_data "$f" "$values" 1 1
  bench_set "$values values" "$f" "$values" 1
fi
if ((rows > 0)); then
  f="$out/rows_n${rows}_d${cols}_f${replicate}.tsv"
  make_data "$f" "$rows" "$cols" 2
  bench_set "$rows rows x $cols columns" "$f" "$rows" "$cols"
fi
"$py" "$driver" report "$results" | tee "$out/report.md"
