#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk mix --stepwise` (stepwise / mini-batch EM, issue 17): the mode is chosen and
# reported, the fit agrees with batch EM, output is identical for any thread count and follows the
# seed, and bad settings are usage errors.
#
#   bash test/cli/mix_stepwise_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"

E="[emtk] error:"

# 60,000 values from 0.3 N(0, 1) + 0.7 N(4, 1.5²) (awk, fixed seed; any draw has these properties).
awk 'BEGIN { srand(7); print "x"
  for (i = 0; i < 60000; i++) {
    r = sqrt(-2 * log(1 - rand())); a = 6.283185307179586 * rand(); z = r * cos(a)
    if (rand() < 0.3) printf "%.5f\n", z; else printf "%.5f\n", 4 + 1.5 * z } }' >v.tsv

json_num() { awk -v k="\"$2\":" '$1 == k { v = $2; sub(/,$/, "", v); print v; exit }' "$1"; }

# Batch (auto below 1,000,000 rows) and stepwise on the same data.
run "$EMTK" mix -k 2 --seed 3 -o batch v.tsv
check_status "batch: exit 0" 0
check_eq "below the threshold, auto runs batch EM" "$(json_num batch.json em_mode)" '"batch"'
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 -o sw v.tsv
check_status "stepwise: exit 0" 0
check_eq "--stepwise on runs stepwise EM" "$(json_num sw.json em_mode)" '"stepwise"'
check "the JSON has the stepwise summary (30 updates a pass)" \
  awk '$1 == "\"updates\":" { u = $2 + 0 } $1 == "\"passes\":" { p = $2 + 0 } END { exit !(p >= 2 && u == 30 * p) }' sw.json
ll_b=$(json_num batch.json log_likelihood)
ll_s=$(json_num sw.json log_likelihood)
check "stepwise log-likelihood per value within 1e-4 of batch EM's ($ll_s vs $ll_b)" \
  awk -v a="$ll_s" -v b="$ll_b" 'BEGIN { d = (b - a) / 60000; exit !(d < 1e-4 && d > -1e-9) }'
check "the same components: weights and means within 0.02" \
  awk 'FNR == 1 { f++ } $1 == "\"weight\":" { w[f, ++nw[f]] = $2 + 0 } $1 == "\"mean\":" { gsub(/[\[\],]/, "", $2); m[f, ++nm[f]] = $2 + 0 }
       END { for (c = 1; c <= 2; c++) { if ((w[1,c] - w[2,c])^2 > 0.0004 || (m[1,c] - m[2,c])^2 > 0.0004) exit 1 } exit !(nw[1] == 2 && nw[2] == 2) }' batch.json sw.json

# Thread count and seed.
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 -t 2 -o sw2 v.tsv
check_same_file "stepwise -t 1 = -t 2 (posteriors)" sw.tsv sw2.tsv
check_eq "stepwise -t 1 = -t 2 (pass objectives)" "$(grep -A30 pass_objective sw2.json | head -n 12)" "$(grep -A30 pass_objective sw.json | head -n 12)"
run "$EMTK" mix -k 2 --seed 4 --stepwise on --batch-size 2000 -o sw4 v.tsv
if cmp -s <(grep -A3 pass_objective sw.json) <(grep -A3 pass_objective sw4.json); then
  not_ok "another seed draws other mini-batches"
else
  ok "another seed draws other mini-batches"
fi

# Streaming input (mix/rows.hpp): a stepwise fit on complete data reads the table once into a
# spool file and streams its blocks; --missing drop reads it into memory instead. Both run the same
# arithmetic on the same doubles, so the tolerance is zero: identical posteriors. Gzip and stdin
# are streamed too and give the same bytes.
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 --missing drop -o mem v.tsv
check_status "stepwise in memory (--missing drop): exit 0" 0
check_same_file "streamed and in-memory stepwise fits agree (identical posteriors)" sw.tsv mem.tsv
check_eq "streamed and in-memory: the same log-likelihood" "$(json_num mem.json log_likelihood)" "$ll_s"
gzip -c v.tsv >v.tsv.gz
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 -t 2 -o gz v.tsv.gz
check_same_file "gzip input, -t 2: the same posteriors" sw.tsv gz.tsv
run bash -c "cat v.tsv | '$EMTK' mix -k 2 --seed 3 --stepwise on --batch-size 2000 -o pipe -"
check_status "stdin: exit 0" 0
check_same_file "stdin: the same posteriors" sw.tsv pipe.tsv
head -c "$(($(stat -c %s v.tsv.gz) / 2))" v.tsv.gz >cut.tsv.gz
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 -o cut cut.tsv.gz
check_status "truncated gzip, stepwise: exit 1" 1
check_stderr_one_line_starting "truncated gzip, stepwise: one line naming file and line" "$E cut.tsv.gz:" \
  "truncated gzip file (unexpected end of data)"
check "truncated gzip, stepwise: no output file" no_outputs cut

# Polish: batch iterations after the passes.
run "$EMTK" mix -k 2 --seed 3 --stepwise on --batch-size 2000 --polish 50 -o pol v.tsv
check "with --polish, the polish iterations are reported" \
  awk '$1 == "\"polish_iterations\":" { exit !($2 + 0 >= 2) }' pol.json
check "with --polish, the log-likelihood is batch EM's to 1e-6 per value" \
  awk -v a="$(json_num pol.json log_likelihood)" -v b="$ll_b" 'BEGIN { d = (b - a) / 60000; exit !(d < 1e-6 && d > -1e-6) }'

# Usage errors.
awk 'BEGIN { print "n"; for (i = 0; i < 50; i++) print i % 7 }' >c.tsv
expect_error "stepwise with a count family" 2 \
  "$E stepwise EM applies to the gaussian family (the count families fit distinct values)" bad \
  "$EMTK" mix -k 2 --family poisson --stepwise on -o bad c.tsv
expect_error "--step-alpha outside (0.5, 1]" 2 "$E --step-alpha must be in (0.5, 1]" bad \
  "$EMTK" mix -k 2 --stepwise on --step-alpha 0.5 -o bad v.tsv
run "$EMTK" mix -k 2 --stepwise maybe -o bad v.tsv
check_status "--stepwise maybe: usage error" 2

t_summary
