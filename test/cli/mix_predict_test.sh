#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk mix --model FIT.json` (issue 19): assigning rows with a fitted mixture, as
# scikit-learn's predict/predict_proba. Predicting on the training table reproduces the fit's
# PREFIX.tsv byte for byte (every family, full/diag/shared covariance, --hard, --missing model and
# drop, -t 2); new rows get the posteriors scikit-learn computes from the same parameters; a bad
# model or table is one error line, exit status 1, no output.
#
#   bash test/cli/mix_predict_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
ROOT=$(cd "$CLI_DIR/../.." && pwd)
t_init "${1:-}"
# EMTK_TEST_BADINPUT_ONLY=1: only the bad-input tests (the sanitizer job, scripts/test.sh).
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}

E="[emtk] error:"
EX=$ROOT/data/example.tsv
PY=$(json_python) || PY=

# same_as_fit NAME FIT-OPTIONS...: fit, then predict on the same table; the TSVs are identical.
same_as_fit() {
  local name=$1
  shift
  "$EMTK" mix -q --seed 1 -o "fit_$name" "$@"
  run "$EMTK" mix -q -t 2 --model "fit_$name.json" -o "pred_$name" "${@: -1}"
  check_status "$name: exit 0" 0
  check "$name: the prediction on the training table is the fit's PREFIX.tsv" cmp "fit_$name.tsv" "pred_$name.tsv"
}
if [[ $BADINPUT_ONLY != 1 ]]; then
same_as_fit "gaussian 2-D full, K by BIC" --k-range 1:4 -c x,y "$EX"
same_as_fit "gaussian 2-D diag" -k 3 --covariance diag -c x,y "$EX"
same_as_fit "gaussian 1-D shared variance" -k 2 --shared-variance -c x "$EX"
same_as_fit "gaussian --hard" -k 3 --hard -c x,y "$EX"
same_as_fit "poisson" --family poisson -k 3 -c count "$EX"
same_as_fit "negbin" --family negbin -k 3 -c count "$EX"
awk -F'\t' -v OFS='\t' 'NR > 1 && NR % 5 == 0 { $2 = "NA" } NR > 1 && NR % 7 == 0 { $3 = "" } { print }' "$EX" >gaps.tsv
same_as_fit "--missing model" --missing model -k 3 -c x,y gaps.tsv
same_as_fit "--missing drop" --missing drop -k 3 -c x,y gaps.tsv
# Unnamed columns ("column 2") are found again by their number.
tail -n +2 "$EX" | cut -f 2,3 >noheader.tsv
same_as_fit "columns without a header" -k 3 -c 1,2 noheader.tsv

# New rows, other column order, extra columns; -o - writes the TSV to stdout; --json a summary.
awk -F'\t' -v OFS='\t' 'NR == 1 { print "note", "y", "x"; next } NR % 10 == 0 { print "n" NR, $3 + 0.5, $2 - 0.5 }' "$EX" >new.tsv
run "$EMTK" mix --model "fit_gaussian 2-D full, K by BIC.json" --json new.json -o - new.tsv
check_status "new rows: exit 0" 0
check_stderr_one_line_starting "new rows: one summary line" "[emtk] assigned 150 rows with the K = 3 gaussian model"
cp "$(out_file)" new_pred.tsv
check_eq "new rows: the fit's header" "$(head -n 1 new_pred.tsv)" $'row\tcomponent\tposterior\tp1\tp2\tp3'
check_eq "new rows: one line per row" "$(wc -l <new_pred.tsv)" 151
check "new rows: posteriors sum to 1, the component is the most probable" awk -F'\t' '
  NR > 1 { s = 0; m = 4; for (c = 4; c <= NF; c++) { s += $c; if ($c > $m) m = c }
           if (s < 0.99999 || s > 1.00001 || $2 != m - 3 || $3 != $m) exit 1 } END { exit NR != 151 }' new_pred.tsv

if [[ -n $PY ]]; then
  check "new rows: --json follows the run summary (predict mode, rows per component)" "$PY" -c "
import json; d = json.load(open('new.json'))
assert d['tool'] == 'emtk mix' and d['mode'] == 'predict' and d['k'] == 3 and d['records']['used'] == 150
assert sum(d['rows_per_component']) == 150 and list(d)[-1] == 'run' and d['log_likelihood'] < 0"
fi

# scikit-learn parity: a GaussianMixture given emtk's parameters predicts the same posteriors.
if /usr/bin/python3 -c 'import sklearn, numpy' >/dev/null 2>&1; then
  if msg=$(/usr/bin/python3 - "fit_gaussian 2-D full, K by BIC.json" new.tsv new_pred.tsv <<'PY' 2>&1
import json, sys
import numpy as np
from sklearn.mixture import GaussianMixture
fit, table, pred = sys.argv[1:4]
m = json.load(open(fit))
comps = m["components"]
k, d = len(comps), len(m["input"]["columns"])
g = GaussianMixture(n_components=k, covariance_type="full")
g.weights_ = np.array([c["weight"] for c in comps])
g.means_ = np.array([c["mean"] for c in comps])
g.covariances_ = np.array([np.array(c["covariance"]).reshape(d, d) for c in comps])
g.precisions_cholesky_ = np.array([np.linalg.cholesky(np.linalg.inv(c)) for c in g.covariances_])
rows = [l.rstrip("\n").split("\t") for l in open(table)]
col = {name: i for i, name in enumerate(rows[0])}
X = np.array([[float(r[col[c]]) for c in m["input"]["columns"]] for r in rows[1:]])
P = np.loadtxt(pred, skiprows=1, delimiter="\t")
assert np.array_equal(P[:, 1].astype(int) - 1, g.predict(X)), "predict differs"
err = np.abs(P[:, 3:] - g.predict_proba(X)).max()
assert err <= 6e-7, f"predict_proba differs by {err}"
PY
  ); then
    ok "scikit-learn: predict and predict_proba (to the 6 decimals written) from the same parameters"
  else
    not_ok "scikit-learn: predict and predict_proba (to the 6 decimals written) from the same parameters" "$msg"
  fi
else
  printf 'ok - scikit-learn parity # SKIP /usr/bin/python3 with sklearn not installed\n'
fi

fi # BADINPUT_ONLY

# ---- bad input -------------------------------------------------------------------------------------

M="fit_gaussian 2-D full, K by BIC.json"
if [[ $BADINPUT_ONLY == 1 ]]; then # the two models the checks below read
  "$EMTK" mix -q --seed 1 --k-range 1:4 -c x,y -o "${M%.json}" "$EX"
  "$EMTK" mix -q --seed 1 --family negbin -k 3 -c count -o fit_negbin "$EX"
fi
printf '{"tool": "emtk mix", "input": {"columns": ["x", "y"]},\n  "family": "gaussian", oops}\n' >bad.json
expect_error "model that is not JSON" 1 "$E bad.json:2: not valid JSON: expected a member name in quotes" \
  out "$EMTK" mix --model bad.json -o out "$EX"
"$EMTK" hmm emit -q -N 2 --json emit.json -o e.fa "$ROOT/models/globins45.hmm"
expect_error "JSON of another tool" 1 "$E emit.json: not a model written by emtk mix: \"tool\" is not \"emtk mix\"" \
  out "$EMTK" mix --model emit.json -o out "$EX"
sed 's/"weight": 0\./"weight": 1./' "$M" >weights.json
expect_error "weights that do not sum to 1" 1 "$E weights.json: \"weight\" of component 1 must be in (0, 1], got 1.511256" \
  out "$EMTK" mix --model weights.json -o out "$EX"
if [[ -n $PY ]]; then
"$PY" -c "
import json; d = json.load(open('''$M'''))
d['components'][1]['covariance'] = [1, 2, 2, 1]
json.dump(d, open('notpd.json', 'w'))
del d['components'][0]['mean']
json.dump(d, open('nomean.json', 'w'))"
expect_error "covariance not positive definite" 1 "$E notpd.json: \"covariance\" of component 2 is not positive definite" \
  out "$EMTK" mix --model notpd.json -o out "$EX"
expect_error "component without a mean" 1 \
  "$E nomean.json: not a model written by emtk mix: no member \"mean\" of component 1" \
  out "$EMTK" mix --model nomean.json -o out "$EX"
fi
cut -f 1,2,4 "$EX" >nox.tsv
expect_error "table without a fitted column" 1 \
  "$E nox.tsv:1: no column named 'y' in the header (columns: id, x, count)" \
  out "$EMTK" mix --model "$M" -o out nox.tsv
expect_error "-c selecting another number of columns" 1 "$E $EX: 1 column selected, the model has 2" \
  out "$EMTK" mix --model "$M" -c x -o out "$EX"
expect_error "missing model file" 1 "$E nothere.json: cannot open: No such file or directory" \
  out "$EMTK" mix --model nothere.json -o out "$EX"
expect_error "a fit option with --model" 2 \
  "$E --model assigns rows with the fitted model, whose settings are fixed: -k/--k-range, --family do not apply" \
  out "$EMTK" mix --model "$M" -k 4 --family poisson -o out "$EX"
expect_error "a count model on non-integer values" 1 \
  "$E $EX:2: column 'x': the negbin family needs non-negative integer counts, found 1.6333" \
  out "$EMTK" mix --model fit_negbin.json -c x -o out "$EX"

t_summary
