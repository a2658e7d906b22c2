#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk mix --missing` (issue 18): incomplete tables fitted by EM, imputed tables,
# multiple imputations, determinism across thread counts, complete data unchanged, bad input.
#
#   bash test/cli/mix_missing_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"
# EMTK_TEST_BADINPUT_ONLY=1: only the bad-input tests (the sanitizer job, scripts/test.sh).
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}

E="[emtk] error:"

# ---- data ----------------------------------------------------------------------------------------

# gen N SEED: id, x, y, count; row i from cluster i % 3 (x ~ N(8c, 1), y ~ N(4c + x/2, 1), count ~
# Poisson(3, 20, 50)). Well-separated clusters: the checks hold for any awk's random numbers.
gen() {
  awk -v n="$1" -v seed="$2" 'BEGIN {
    srand(seed); print "id\tx\ty\tcount"
    for (i = 0; i < n; i++) {
      c = i % 3
      r = sqrt(-2 * log(1 - rand())); a = 6.283185307179586 * rand()
      x = 8 * c + r * cos(a); y = 4 * c + (x - 8 * c) / 2 + r * sin(a)
      lam = (c == 0 ? 3 : (c == 1 ? 20 : 50)); L = exp(-lam); p = 1; k = 0
      do { k++; p *= rand() } while (p > L)
      printf "r%d\t%.4f\t%.4f\t%d\n", i + 1, x, y, k - 1
    }
  }'
}
gen 900 3 >full.tsv
# Gaps: x missing ("NA") in every 5th row, y empty in every 7th, count "." in every 11th; every
# 35th row (file lines 36, 71, ...; 25 rows) misses both x and y, so it has nothing observed in x,y.
awk -F'\t' -v OFS='\t' 'NR > 1 { i = NR - 1
    if (i % 5 == 0) $2 = "NA"; if (i % 7 == 0) $3 = ""; if (i % 11 == 0) $4 = "." }
  { print }' full.tsv >gaps.tsv

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- complete data: --missing model changes nothing ---------------------------------------------

run "$EMTK" mix -k 3 -c x,y --seed 2 -q -o ref full.tsv
check_status "complete data, default: exit 0" 0
run "$EMTK" mix -k 3 -c x,y --seed 2 -q --missing model -o mod full.tsv
check_status "complete data, --missing model: exit 0" 0
check_same_file "complete data: PREFIX.tsv identical with --missing model" ref.tsv mod.tsv
check "complete data: JSON identical apart from the 'missing' object and 'run'" \
  cmp <(json_strip_run ref.json) <(json_strip_run mod.json | awk '/^  "missing": \{$/ { skip = 1; next }
                                                                  skip && /^  },?$/ { skip = 0; next } !skip')
check_same_file "complete data: PREFIX.imputed.tsv is the input" full.tsv mod.imputed.tsv
check "complete data, default: no 'missing' object in the JSON" bash -c '! grep -q "\"missing\"" ref.json'

# ---- an incomplete table ---------------------------------------------------------------------------

run "$EMTK" mix -k 3 -c x,y --seed 2 --missing model -o g gaps.tsv
check_status "--missing model: exit 0" 0
check "--missing model: PREFIX.tsv has a row for every input row" \
  awk 'END { exit !(NR == 901) }' g.tsv
check "--missing model: the imputed table has every line and every column of the input" \
  awk -F'\t' 'NR == FNR { n[FNR] = NF; lines = FNR; next } { if (NF != n[FNR]) bad = 1; m = FNR }
              END { exit !(!bad && m == lines) }' gaps.tsv g.imputed.tsv
check "--missing model: observed entries unchanged, every gap of x,y filled with a number, count kept" \
  awk -F'\t' 'NR == FNR { v[FNR] = $0; next }
    { split(v[FNR], a, "\t")
      if ($1 != a[1] || $4 != a[4]) bad = 1
      for (j = 2; j <= 3; j++) {
        if (a[j] == "NA" || a[j] == "" || a[j] == ".") { if ($j !~ /^-?[0-9.]+(e-?[0-9]+)?$/) bad = 1 }
        else if ($j != a[j]) bad = 1 } }
    END { exit bad }' gaps.tsv g.imputed.tsv
# Rows with x missing: line 11 (r10, cluster 0, x near 0) and line 21 (r20,
# cluster 1, x near 8): the imputed x lies in the row's cluster (± 4, the next one is 8 away).
check "--missing model: imputed x of r10 (cluster 0) and r20 (cluster 1) lie in their clusters" \
  awk -F'\t' 'NR == 11 && !($2 > -4 && $2 < 4) { bad = 1 } NR == 21 && !($2 > 4 && $2 < 12) { bad = 1 }
               END { exit bad }' g.imputed.tsv
check_eq "JSON: missing entries per column" "$(json_section g.json missing | json_values x | head -1),$(json_section g.json missing | json_values y | head -1)" "180,128"
check_eq "JSON: rows with nothing observed" "$(json_section g.json missing | json_values rows_all_missing)" "25"
check_eq "JSON: objective never decreased" "$(json_top g.json objective_decreases)" "0"
check "JSON: four missingness patterns, counts summing to the rows" \
  awk '/"n_patterns": 4/ { p = 1 } /"rows": [0-9]+/ && /^        / { gsub(/[^0-9]/, ""); s += $0 } END { exit !(p && s == 900) }' g.json
check_json_parses "JSON parses" g.json
check "stderr: the row with nothing observed is reported with its line" \
  grep -q 'warning.*25 rows have no observed value in the fitted columns (lines 36, 71, 106,' "$(err_file)"
# Its posteriors are the mixing weights (p1..p3 of row 35 equal the weights to 6 decimals).
weights=$(json_section g.json components | json_values weight | tr '\n' ' ')
check "a row with nothing observed (line 36) has the mixing weights as posteriors" \
  awk -F'\t' -v w="$weights" 'NR == 36 { split(w, a, " ")
    for (k = 1; k <= 3; k++) if ((a[k] - $(k + 3)) > 5e-7 || (a[k] - $(k + 3)) < -5e-7) bad = 1
    exit bad }' g.tsv

for cov in "--covariance diag" "--shared-variance" "--hard" "--accelerate"; do
  # shellcheck disable=SC2086 # the option pair is split on purpose
  run "$EMTK" mix -k 3 -c x,y --seed 2 -q --missing model $cov -o o gaps.tsv
  check_status "--missing model $cov: exit 0" 0
  check_eq "--missing model $cov: objective never decreased" "$(json_top o.json objective_decreases)" "0"
done
run "$EMTK" mix --k-range 1:5 -c x,y --seed 2 -q --missing model -o kr gaps.tsv
check_eq "--k-range on gaps: BIC picks K = 3" "$(json_top kr.json k)" "3"

# ---- threads, seeds and multiple imputations ----------------------------------------------------

run "$EMTK" mix -k 3 -c x,y --seed 2 -q --missing model --draws 2 -t 1 -o t1 gaps.tsv
run "$EMTK" mix -k 3 -c x,y --seed 2 -q --missing model --draws 2 -t 2 -o t2 gaps.tsv
check_status "--draws 2 -t 2: exit 0" 0
for f in tsv imputed.tsv imputed.1.tsv imputed.2.tsv; do
  check_same_file "-t 1 and -t 2: PREFIX.$f identical" "t1.$f" "t2.$f"
done
check "-t 1 and -t 2: JSON identical apart from 'run'" cmp <(json_strip_run t1.json | sed 's/"t1\./"t2./g') <(json_strip_run t2.json)
check "--draws: the two imputations differ" bash -c '! cmp -s t1.imputed.1.tsv t1.imputed.2.tsv'
check "--draws: a draw keeps the observed entries" \
  awk -F'\t' 'NR == FNR { v[FNR] = $2; next } v[FNR] != "NA" && $2 != v[FNR] { bad = 1 } END { exit bad }' \
  gaps.tsv t1.imputed.1.tsv
run "$EMTK" mix -k 3 -c x,y --seed 3 -q --missing model --draws 1 -o s3 gaps.tsv
check "--draws: another seed gives another draw" bash -c '! cmp -s t1.imputed.1.tsv s3.imputed.1.tsv'

# ---- restart screening (--screen) ----------------------------------------------------------------

check_eq "--missing model: starts screened after 5 iterations by default" "$(json_top t1.json screen_iterations)" "5"
check_eq "--missing model: two of the three starts stopped as screened" \
  "$(json_section t1.json starts | json_values stop_reason | grep -c screened)" "2"
check_eq "--missing model: the kept start converged" "$(json_top t1.json stop_reason)" '"converged"'
run "$EMTK" mix -k 3 -c x,y --seed 2 -q --missing model --screen 0 -o sc0 gaps.tsv
check_status "--screen 0: exit 0" 0
check_eq "--screen 0: no start screened, no screen_iterations in the JSON" "$(json_strip_run sc0.json | grep -c screen || true)" "0"
check "--screen 0: the same optimum as screened starts on these separated clusters (log-likelihood to 1e-7)" \
  awk_true 'a - b < 1e-7 * -b && b - a < 1e-7 * -b' "a=$(json_top t1.json log_likelihood)" "b=$(json_top sc0.json log_likelihood)"
run "$EMTK" mix -k 3 -c x,y --seed 2 -q --screen 2 -o scf full.tsv
check_status "--screen 2 on a complete table: exit 0" 0
check_eq "--screen 2 on a complete table: screen_iterations 2" "$(json_top scf.json screen_iterations)" "2"
check "complete table, default: no screening" bash -c '! grep -q screen ref.json'
expect_error "--screen -2" 2 "$E Validation failed for option --screen: Value -2 is not in range [-1,100000000]." \
  scbad "$EMTK" mix -k 3 -c x,y --screen -2 -o scbad gaps.tsv

# ---- counts and --missing drop -----------------------------------------------------------------------

run "$EMTK" mix --family poisson -k 3 -c count --seed 2 -q --missing model -o pc gaps.tsv
check_status "poisson with missing counts: exit 0" 0
check "poisson: a missing count is imputed by the mixture mean Σ w·rate" \
  awk -F'\t' -v w="$(json_section pc.json components | json_values weight | tr '\n' ' ')" \
    -v r="$(json_section pc.json components | json_values rate | tr '\n' ' ')" \
    'NR == 12 { split(w, a, " "); split(r, b, " "); m = 0; for (k = 1; k <= 3; k++) m += a[k] * b[k]
                d = $4 - m; exit !(d < 1e-6 * m && d > -1e-6 * m) }' pc.imputed.tsv

run "$EMTK" mix -k 3 -c x,y --seed 2 -v --missing drop -o dr gaps.tsv
check_status "--missing drop: exit 0" 0
check "--missing drop: says how many rows were dropped" grep -q 'dropped 283 rows with a missing value' "$(err_file)"
check "--missing drop: PREFIX.tsv has the complete rows only" awk 'END { exit !(NR == 618) }' dr.tsv
check "--missing drop: no imputed table" test ! -e dr.imputed.tsv

fi # BADINPUT_ONLY

# ---- bad input -------------------------------------------------------------------------------------

awk -F'\t' -v OFS='\t' 'NR > 1 { $3 = "NA" } { print }' full.tsv >noy.tsv
expect_error "a column entirely missing" 1 \
  "$E noy.tsv:2: column 'y' (column 3): every value is missing; a column needs observed values to be fitted" \
  bad "$EMTK" mix -k 3 -c x,y --missing model -o bad noy.tsv
check_no_outputs "a column entirely missing: no imputed table" bad bad.imputed.tsv
printf 'x\ty\n1\t2\n?\t3\n4\t5\n' >q.tsv
expect_error "unknown missing marker, --missing error" 1 \
  "$E q.tsv:3: column 1 (x): expected a finite number, found '?'" bad "$EMTK" mix -k 1 -c x,y -o bad q.tsv
expect_error "unknown missing marker, --missing model" 1 \
  "$E q.tsv:3: column 1 (x): expected a finite number or a missing marker (empty, NA, NaN, .), found '?'" \
  bad "$EMTK" mix -k 1 -c x,y --missing model -o bad q.tsv
check_no_outputs "unknown missing marker: no imputed table" bad bad.imputed.tsv
expect_error "a missing value with --missing error (the default)" 1 \
  "$E gaps.tsv:6: column 2 (x): missing value 'NA'; expected a number" bad "$EMTK" mix -k 3 -c x,y -o bad gaps.tsv
expect_error "--draws without --missing model" 2 "$E --draws needs --missing model" \
  bad "$EMTK" mix -k 3 -c x,y --draws 2 -o bad gaps.tsv

t_summary
