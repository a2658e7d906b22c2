#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs and bash -c snippets are single-quoted on purpose
# CLI tests for `emtk mix` (issue 2): outputs, exit codes, exact error messages, no partial output,
# determinism across thread counts.
#
#   bash test/cli/mix_test.sh build/emtk test/cli
#
# All data are generated here with awk (srand with a fixed seed). mawk and gawk draw different
# numbers, so the checks are about properties that hold for any draw (well-separated clusters),
# and the exact error messages only ever quote hand-written data.
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"
# EMTK_TEST_BADINPUT_ONLY=1: only the bad-input tests (the sanitizer job, scripts/test.sh).
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}

E="[emtk] error:"

# ---- data ----------------------------------------------------------------------------------------

# gen N SEED SEP: header x, y, count; row i (0-based) comes from cluster i % 3, whose x ~ N(c*SEP, 1),
# y ~ N(c*SEP/2, 1) and count ~ Poisson(2, 20, 60).
gen() {
  awk -v n="$1" -v seed="$2" -v sep="$3" 'BEGIN {
    srand(seed); print "x\ty\tcount"
    for (i = 0; i < n; i++) {
      c = i % 3; m = c * sep
      r = sqrt(-2 * log(1 - rand())); a = 6.283185307179586 * rand()
      lam = (c == 0 ? 2 : (c == 1 ? 20 : 60)); L = exp(-lam); p = 1; k = 0
      do { k++; p *= rand() } while (p > L)
      printf "%.4f\t%.4f\t%d\n", m + r * cos(a), m / 2 + r * sin(a), k - 1
    }
  }'
}

gen 600 5 10 >s.tsv    # three clusters 10 sd apart
gen 9000 21 6 >det.tsv # more rows than one E-step chunk (4096): exercises the parallel reduction
# Two overlapping 1-D clusters (3 sd apart): plain EM needs ~100 iterations, enough to tell the stop
# rules and SQUAREM apart.
awk 'BEGIN { srand(1); for (i = 0; i < 500; i++) printf "%.4f\n", (i % 2) * 3 + sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }' >ov.tsv

# Fraction of rows whose component is the generating cluster (components are sorted by mean).
agreement() {
  awk -F'\t' 'NR > 1 { n++; if ($2 == (NR - 2) % 3 + 1) a++ } END { printf "%.4f", (n ? a / n : 0) }' "$1"
}

# ---- the binary and its command line ---------------------------------------------------------------

run "$EMTK" --version
check_status "--version: exit 0" 0
if grep -Eqx 'emtk [0-9]+\.[0-9]+\.[0-9]+ \(commit [^)]+\)' "$(out_file)" && [[ $(wc -l <"$(out_file)") -eq 1 ]]; then
  ok "--version prints 'emtk X.Y.Z (commit ...)'"
else
  not_ok "--version prints 'emtk X.Y.Z (commit ...)'" "$(last_run)"
fi

run "$EMTK" mix --help
check_status "mix --help: exit 0" 0
check "mix --help shows the synopsis and examples (emtk mix ... -o ...)" \
  grep -Eq '^ +emtk mix .*-o [^ ]+ ' "$(out_file)"
check "mix --help documents -o, -k, --k-range, --family, -c, --hard, --seed, -t" \
  awk 'index($0, "-o, --output") { a++ } index($0, "-k, --components") { a++ } index($0, "--k-range") { a++ }
       index($0, "--family") { a++ } index($0, "-c, --columns") { a++ } index($0, "--hard") { a++ }
       index($0, "--seed") { a++ } index($0, "-t, --threads") { a++ } END { exit !(a >= 8) }' "$(out_file)"

run "$EMTK" frobnicate
check_status "unknown subcommand: exit 2" 2
check_stderr_one_line_starting "unknown subcommand: one error line naming the subcommands" "$E" "[mix,hmm"

run "$EMTK" mix --bogus -o p s.tsv
check_status "unknown option: exit 2" 2
check_stderr_one_line_starting "unknown option: one error line naming it" "$E" "--bogus"
check "unknown option: no output" no_outputs p

expect_error "missing -o" 2 "$E Option -o/--output is required but not set." p "$EMTK" mix -k 3 s.tsv
run "$EMTK" mix -k 3 -o p
check_status "missing input file argument: exit 2" 2
check_stderr_one_line_starting "missing input file argument: one error line" "$E" "positional"
run "$EMTK" mix -k 3 -o p s.tsv s.tsv
check_status "two input files: exit 2" 2

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- a 1-D Gaussian fit --------------------------------------------------------------------------

run "$EMTK" mix -k 3 -c x -o g s.tsv
check_status "gaussian 1-D, K=3: exit 0" 0
check_stderr_one_line_starting "gaussian 1-D: only the summary line on stderr (no progress bar off a terminal)" "[emtk] K = 3, "
check "gaussian 1-D: nothing on stdout" test ! -s "$(out_file)"
check_eq "gaussian 1-D: TSV header has true tabs" "$(head -n 1 g.tsv)" $'row\tcomponent\tposterior\tp1\tp2\tp3'
check_tsv "gaussian 1-D: one valid line per data row" g.tsv 3 600
check_eq "gaussian 1-D: components 1, 2, 3 all used" "$(awk -F'\t' 'NR > 1 { print $2 }' g.tsv | sort -u | tr '\n' ' ')" "1 2 3 "
check_eq "gaussian 1-D: every row in its generating cluster" "$(agreement g.tsv)" "1.0000"
check_eq "gaussian 1-D: JSON k" "$(json_top g.json k)" 3
check_eq "gaussian 1-D: JSON stop_reason" "$(json_top g.json stop_reason)" '"converged"'
check_eq "gaussian 1-D: JSON family" "$(json_top g.json family)" '"gaussian"'
check_eq "gaussian 1-D: JSON covariance" "$(json_top g.json covariance)" '"univariate"'
check_eq "gaussian 1-D: JSON seed (default 1)" "$(json_top g.json seed)" 1
check_eq "gaussian 1-D: JSON input rows" "$(json_section g.json input | json_values rows)" 600
check_eq "gaussian 1-D: JSON input columns" "$(json_section g.json input | json_values columns)" '["x"]'
for key in log_likelihood objective bic n_params iterations objective_trace bic_table components run; do
  check "gaussian 1-D: JSON has \"$key\"" grep -q "^  \"$key\": " g.json
done
check "gaussian 1-D: JSON \"run\" is the last top-level member" json_run_is_last g.json
check_json_parses "gaussian 1-D: JSON parses (python3 json)" g.json
check_eq "gaussian 1-D: 3 components with weights ~1/3" \
  "$(json_section g.json components | json_values weight | awk '$1 > 0.30 && $1 < 0.37 { n++ } END { print n + 0 }')" 3
check_eq "gaussian 1-D: component means ~0, 10, 20 in increasing order" \
  "$(json_section g.json components | json_values mean | tr -d '[]' |
     awk '{ if ($1 > (NR - 1) * 10 - 0.5 && $1 < (NR - 1) * 10 + 0.5) n++ } END { print n + 0 }')" 3
check_eq "gaussian 1-D: component variances ~1" \
  "$(json_section g.json components | json_values variance | tr -d '[]' | awk '$1 > 0.7 && $1 < 1.4 { n++ } END { print n + 0 }')" 3
trace=$(json_top g.json objective_trace || true)
check "gaussian 1-D: objective trace non-decreasing" \
  awk -v t="$trace" 'BEGIN { gsub(/[][ ]/, "", t); n = split(t, v, ","); if (n < 1) exit 1
    for (i = 2; i <= n; i++) if (v[i] + 0 < v[i - 1] - 1e-9 * (v[i - 1] < 0 ? -v[i - 1] : v[i - 1])) exit 1 }'
check "gaussian 1-D: log_likelihood is the last objective of the trace" \
  awk_true 'last - ll < 1e-6 && ll - last < 1e-6' "ll=$(json_top g.json log_likelihood)" \
  "last=$(printf '%s' "$trace" | tr -d '[] ' | awk -F, '{ print $NF }')"
check_eq "gaussian 1-D: iterations = length of the trace" \
  "$(json_top g.json iterations)" "$(printf '%s' "$trace" | tr -d '[] ' | awk -F, '{ print NF }')"
check_eq "gaussian 1-D: bic_table has the one K fitted" "$(json_section g.json bic_table | json_values k | tr '\n' ' ')" "3 "
check_eq "gaussian 1-D: n_params = 3 means + 3 variances + 2 weights" "$(json_top g.json n_params)" 8
check "gaussian 1-D: bic = -2 logL + n_params log(n)" \
  awk_true 'bic - (-2 * ll + 8 * log(600)) < 1e-6 && bic - (-2 * ll + 8 * log(600)) > -1e-6' \
  "bic=$(json_top g.json bic)" "ll=$(json_top g.json log_likelihood)"

run "$EMTK" mix -k 3 -c x -v -o gv s.tsv
check_status "-v: exit 0" 0
check "-v: logs the rows read and the fit on stderr" \
  awk 'index($0, "[emtk] read 600 rows") == 1 { a = 1 } index($0, "[emtk] K = 3, log-likelihood") == 1 { b = 1 } END { exit !(a && b) }' "$(err_file)"
check_same_file "-v: same TSV as without it" gv.tsv g.tsv

run "$EMTK" mix -k 3 -c x --seed 7 -o gs s.tsv
check_status "--seed 7: exit 0" 0
check_eq "--seed 7: recorded in the JSON" "$(json_top gs.json seed)" 7

# ---- model selection -----------------------------------------------------------------------------

run "$EMTK" mix --k-range 1:5 -c x -o kr s.tsv
check_status "--k-range 1:5: exit 0" 0
check_eq "--k-range 1:5: BIC picks the true K" "$(json_top kr.json k)" 3
check_eq "--k-range 1:5: bic_table lists K = 1..5" "$(json_section kr.json bic_table | json_values k | tr '\n' ' ')" "1 2 3 4 5 "
check_eq "--k-range 1:5: chosen BIC is the smallest in the table" \
  "$(json_section kr.json bic_table | json_values bic | sort -g | head -n 1)" "$(json_top kr.json bic)"
check_tsv "--k-range 1:5: TSV for the chosen K" kr.tsv 3 600

run "$EMTK" mix --k-range 1:4 -c x,y -o kr2 s.tsv
check_eq "--k-range 1:4 on two columns picks the true K" "$(json_top kr2.json k)" 3

run "$EMTK" mix --k-range 1:4 --family poisson -c count -o krp s.tsv
check_eq "--k-range 1:4 --family poisson picks the true K" "$(json_top krp.json k)" 3

# A single far outlier: K >= 2 collapses onto it, K = 1 fits; the scan reports the failures.
awk 'BEGIN { for (i = 0; i < 100; i++) printf "%.2f\n", i / 100; print 1000 }' >outlier.tsv
run "$EMTK" mix --k-range 1:3 -o ko outlier.tsv
check_status "--k-range with collapsing K: exit 0" 0
check_eq "--k-range with collapsing K: keeps the K that fits" "$(json_top ko.json k)" 1
check_eq "--k-range with collapsing K: failed K listed with status and message" \
  "$(json_section ko.json bic_table | json_values status | tr '\n' ' ')" '"ok" "failed" "failed" '
expect_error "every start collapses" 1 \
  "$E outlier.tsv: no fit succeeded with K = 3 (3 starts): a component collapsed onto a single value of column 1 (its variance 0 is below the floor 0.00979); try fewer components or a larger --ridge" \
  kc "$EMTK" mix -k 3 -o kc outlier.tsv

# ---- families and options ------------------------------------------------------------------------

run "$EMTK" mix -k 3 --family poisson -c count -o po s.tsv
check_status "poisson: exit 0" 0
check_tsv "poisson: valid TSV" po.tsv 3 600
check "poisson: >= 97% of rows in their generating cluster" awk_true 'a >= 0.97' "a=$(agreement po.tsv)"
check_eq "poisson: JSON family" "$(json_top po.json family)" '"poisson"'
check_eq "poisson: rates ~2, 20, 60" \
  "$(json_section po.json components | json_values rate |
     awk '{ t = (NR == 1 ? 2 : (NR == 2 ? 20 : 60)); if ($1 > 0.8 * t && $1 < 1.2 * t) n++ } END { print n + 0 }')" 3
check "poisson: JSON has no Gaussian fields" bash -c '! grep -q "\"covariance\"\|\"shared_variance\"" po.json'

run "$EMTK" mix -k 3 --family negbin -c count -o nb s.tsv
check_status "negbin: exit 0" 0
check_tsv "negbin: valid TSV" nb.tsv 3 600
check "negbin: >= 97% of rows in their generating cluster" awk_true 'a >= 0.97' "a=$(agreement nb.tsv)"
check_eq "negbin: JSON family" "$(json_top nb.json family)" '"negbin"'
check_eq "negbin: each component has mean, size and variance" \
  "$(json_section nb.json components | json_values size | wc -l)/$(json_section nb.json components | json_values mean | wc -l)" "3/3"

run "$EMTK" mix -k 3 --hard -c x -o hd s.tsv
check_status "--hard: exit 0" 0
check_tsv "--hard: valid TSV" hd.tsv 3 600
check "--hard: posteriors are exactly 0 or 1" \
  awk -F'\t' 'NR > 1 { if ($3 != 1) exit 1; for (j = 4; j <= NF; j++) if ($j != 0 && $j != 1) exit 1 }' hd.tsv
check_eq "--hard: JSON hard" "$(json_top hd.json hard)" true
check_eq "--hard: same classes as the soft fit on separated data" \
  "$(cut -f 1,2 hd.tsv | md5sum)" "$(cut -f 1,2 g.tsv | md5sum)"

run "$EMTK" mix -k 3 -c x,y -o xy s.tsv
check_status "-c x,y: exit 0" 0
check_tsv "-c x,y: valid TSV" xy.tsv 3 600
check_eq "-c x,y: every row in its generating cluster" "$(agreement xy.tsv)" "1.0000"
check_eq "-c x,y: JSON columns" "$(json_section xy.json input | json_values columns)" '["x", "y"]'
check_eq "-c x,y: JSON covariance full" "$(json_top xy.json covariance)" '"full"'
check_eq "-c x,y: each component has a 2x2 covariance" \
  "$(json_section xy.json components | json_values covariance | awk -F, 'NF == 4 { n++ } END { print n + 0 }')" 3
run "$EMTK" mix -k 3 -c 1,2 -o xy12 s.tsv
check_status "-c 1,2: exit 0" 0
check_same_file "-c 1,2 and -c x,y: same TSV" xy12.tsv xy.tsv
check "-c 1,2 and -c x,y: same JSON (but for run)" cmp -s <(json_strip_run xy12.json) <(json_strip_run xy.json)
run "$EMTK" mix -k 3 -c y,x -o yx s.tsv
check_eq "-c y,x: JSON columns in the order asked" "$(json_section yx.json input | json_values columns)" '["y", "x"]'

run "$EMTK" mix -k 3 -c x,y --covariance diag -o dg s.tsv
check_status "--covariance diag: exit 0" 0
check_tsv "--covariance diag: valid TSV" dg.tsv 3 600
check_eq "--covariance diag: JSON covariance" "$(json_top dg.json covariance)" '"diagonal"'
check_eq "--covariance diag: each component has 2 variances" \
  "$(json_section dg.json components | json_values variance | awk -F, 'NF == 2 { n++ } END { print n + 0 }')" 3
check_eq "--covariance diag: n_params = 2 + 3*2 + 3*2" "$(json_top dg.json n_params)" 14

run "$EMTK" mix -k 3 -c x --shared-variance -o sv s.tsv
check_status "--shared-variance: exit 0" 0
check_tsv "--shared-variance: valid TSV" sv.tsv 3 600
check_eq "--shared-variance: JSON shared_variance" "$(json_top sv.json shared_variance)" true
check_eq "--shared-variance: one variance for all components" \
  "$(json_section sv.json components | json_values variance | sort -u | wc -l)" 1
check_eq "--shared-variance: n_params = 2 + 3 + 1" "$(json_top sv.json n_params)" 6
run "$EMTK" mix -k 3 -c x,y --shared-variance -o sv2 s.tsv
check_status "--shared-variance on two columns: exit 0" 0
check_eq "--shared-variance on two columns: one covariance matrix" \
  "$(json_section sv2.json components | json_values covariance | sort -u | wc -l)" 1

# Stop rules and SQUAREM on the overlapping data; the reference is a tight plain fit.
run "$EMTK" mix -k 2 --stop-rule absolute --tol 1e-10 --max-iter 5000 -o ref ov.tsv
check_status "reference fit (absolute, tol 1e-10): exit 0" 0
ll_ref=$(json_top ref.json log_likelihood || echo nan)
it_ref=$(json_top ref.json iterations || echo 0)
run "$EMTK" mix -k 2 -o rel ov.tsv
check_eq "default stop rule is relative" "$(json_top rel.json stop_rule)" '"relative"'

run "$EMTK" mix -k 2 --stop-rule absolute --tol 1e-2 -o abs2 ov.tsv
check_status "--stop-rule absolute: exit 0" 0
check_eq "--stop-rule absolute: recorded" "$(json_top abs2.json stop_rule)" '"absolute"'
check_eq "--stop-rule absolute: converged" "$(json_top abs2.json stop_reason)" '"converged"'
check "--stop-rule absolute: tol 1e-2 stops earlier than tol 1e-10" \
  awk_true 'a < b' "a=$(json_top abs2.json iterations)" "b=$it_ref"
check "--stop-rule absolute: the last change is below tol" \
  awk -v t="$(json_top abs2.json objective_trace)" 'BEGIN { gsub(/[][ ]/, "", t); n = split(t, v, ",")
    exit !(n >= 2 && v[n] - v[n - 1] < 1e-2 && v[n - 1] - v[n] < 1e-2) }'

run "$EMTK" mix -k 2 --stop-rule aitken --tol 1e-2 -o ait ov.tsv
check_status "--stop-rule aitken: exit 0" 0
check_eq "--stop-rule aitken: recorded" "$(json_top ait.json stop_rule)" '"aitken"'
check_eq "--stop-rule aitken: converged" "$(json_top ait.json stop_reason)" '"converged"'
check "--stop-rule aitken: tol 1e-2 stops within 5e-2 of the limit" \
  awk_true 'a - b < 0.05 && a - b > -0.05' "a=$(json_top ait.json log_likelihood)" "b=$ll_ref"

run "$EMTK" mix -k 2 --accelerate -o acc ov.tsv
check_status "--accelerate: exit 0" 0
check_eq "--accelerate: recorded" "$(json_top acc.json accelerate)" true
check_eq "--accelerate: converged" "$(json_top acc.json stop_reason)" '"converged"'
check_eq "--accelerate: objective never decreased" "$(json_top acc.json objective_decreases)" 0
check "--accelerate: fewer iterations than plain EM" \
  awk_true 'a < b' "a=$(json_top acc.json iterations)" "b=$(json_top rel.json iterations)"
check "--accelerate: same log-likelihood as the reference (within 1e-3)" \
  awk_true 'a - b < 1e-3 && a - b > -1e-3' "a=$(json_top acc.json log_likelihood)" "b=$ll_ref"
check_tsv "--accelerate: valid TSV" acc.tsv 2 500

run "$EMTK" mix -k 2 --max-iter 3 -o mi ov.tsv
check_status "--max-iter 3: exit 0" 0
check_eq "--max-iter 3: stop_reason max_iter" "$(json_top mi.json stop_reason)" '"max_iter"'
check_eq "--max-iter 3: 3 iterations" "$(json_top mi.json iterations)" 3
check_eq "--max-iter 3: the warning line, then the summary" "$(head -n 1 "$CAP/err")" \
  "[emtk] warning: K = 2: EM did not converge in 3 iterations (raise --max-iter or loosen --tol)"
run "$EMTK" mix -k 2 --max-iter 3 -q -o mq ov.tsv
check_stderr_empty "-q silences the warning"

# ---- input forms ---------------------------------------------------------------------------------

gzip -c s.tsv >s.tsv.gz
run "$EMTK" mix -k 3 -c x -o gz s.tsv.gz
check_status ".gz input: exit 0" 0
check_same_file ".gz input: same TSV as plain" gz.tsv g.tsv
check "gz input: same JSON as plain (but for run and file name)" \
  cmp -s <(json_strip_run gz.json | grep -v -e '^    "file": ' -e '^  "inputs": ') <(json_strip_run g.json | grep -v -e '^    "file": ' -e '^  "inputs": ')

# Several gzip members (as bgzip writes them).
{ head -n 300 s.tsv | gzip -c; tail -n +301 s.tsv | gzip -c; } >multi.tsv.gz
run "$EMTK" mix -k 3 -c x -o mg multi.tsv.gz
check_status "multi-member .gz: exit 0" 0
check_same_file "multi-member .gz: same TSV as plain" mg.tsv g.tsv

run_in s.tsv "$EMTK" mix -k 3 -c x -o si -
check_status "stdin '-': exit 0" 0
check_same_file "stdin '-': same TSV as the file" si.tsv g.tsv
check_eq "stdin '-': JSON input file" "$(json_section si.json input | json_values file)" '"-"'
run_in s.tsv.gz "$EMTK" mix -k 3 -c x -o sz -
check_same_file "gzip on stdin: same TSV as plain" sz.tsv g.tsv

run "$EMTK" mix -k 3 -c x -o - s.tsv
check_status "-o -: exit 0" 0
check "-o -: the TSV goes to stdout" cmp -s "$(out_file)" g.tsv
check "-o -: no file written" bash -c '! ls -A | grep -q "^-\|^\.-"'
run "$EMTK" mix -k 3 -c x -o - --json sj.json s.tsv
check "-o - --json F: TSV on stdout and the JSON in F" \
  bash -c "cmp -s '$(out_file)' g.tsv && cmp -s <(awk '/^  \"run\": \\{\$/ { exit } { print }' sj.json) <(awk '/^  \"run\": \\{\$/ { exit } { print }' g.json)"
run_in s.tsv "$EMTK" mix -k 3 -c x -o - -
check "stdin to stdout: same TSV" cmp -s "$(out_file)" g.tsv

awk -F'\t' 'BEGIN { OFS = "\t"; print "track name=depth"; print "# chrom start end depth" }
  NR > 1 { print "chr1", (NR - 2) * 100, (NR - 1) * 100, $1 }' s.tsv >s.bed
cut -f 1 s.tsv | tail -n +2 >x.txt
run "$EMTK" mix -k 3 -o bed s.bed
check_status "BED input (track and # lines): exit 0" 0
check_eq "BED input: column 4 by default" "$(json_section bed.json input | json_values columns)" '["column 4"]'
run "$EMTK" mix -k 3 -o xt x.txt
check_same_file "BED input: same TSV as the bare column" bed.tsv xt.tsv
gzip -c s.bed >s.bed.gz
run "$EMTK" mix -k 3 -o bedz s.bed.gz
check_same_file ".bed.gz input: column 4 by default too" bedz.tsv xt.tsv

sed 's/$/\r/' s.tsv >crlf.tsv
run "$EMTK" mix -k 3 -c x -o cr crlf.tsv
check_same_file "CRLF line ends: same TSV" cr.tsv g.tsv
tr '\t' ' ' <s.tsv >spaces.txt
run "$EMTK" mix -k 3 -c x -o sp spaces.txt
check_same_file "space-separated columns: same TSV" sp.tsv g.tsv
head -c -1 s.tsv >nonl.tsv
run "$EMTK" mix -k 3 -c x -o nn nonl.tsv
check_same_file "no newline at the end: same TSV" nn.tsv g.tsv

mkdir -p sub/dir
run "$EMTK" mix -k 3 -c x -o sub/dir/res s.tsv
check "output prefix in a subdirectory: both files there" test -s sub/dir/res.tsv -a -s sub/dir/res.json

# ---- determinism ---------------------------------------------------------------------------------

# det_check DESC ARGS...: -t 1 and -t 2 give a byte-identical TSV and the same JSON but for "run".
det_check() {
  local desc=$1
  shift
  local rc1 rc2
  run "$EMTK" mix "$@" -t 1 -o d1 det.tsv
  rc1=$RC
  run "$EMTK" mix "$@" -t 2 -o d2 det.tsv
  rc2=$RC
  if [[ $rc1 -ne 0 || $rc2 -ne 0 ]]; then
    not_ok "determinism, $desc: both runs succeed" "exit status $rc1 and $rc2" "$(last_run)"
    return
  fi
  check_same_file "determinism, $desc: -t 1 and -t 2 give the same TSV" d1.tsv d2.tsv
  if cmp -s <(json_strip_run d1.json) <(json_strip_run d2.json); then
    ok "determinism, $desc: -t 1 and -t 2 give the same JSON (but for run)"
  else
    not_ok "determinism, $desc: -t 1 and -t 2 give the same JSON (but for run)" \
      "$(diff <(json_strip_run d1.json) <(json_strip_run d2.json) | head -n 10)"
  fi
}

det_check "gaussian 1-D" -k 3 -c x
check_eq "determinism: the run object records the thread count" \
  "$(json_section d1.json run | json_values threads)/$(json_section d2.json run | json_values threads)" "1/2"
det_check "gaussian 2-D full" -k 3 -c x,y --max-iter 200 -q
det_check "--accelerate" -k 3 -c x --accelerate
det_check "--k-range" --k-range 2:4 -c x --restarts 2 --max-iter 150 -q
det_check "--k-range --accelerate, 2-D" --k-range 1:3 -c x,y --accelerate --max-iter 200 -q
det_check "negbin" -k 3 --family negbin -c count
det_check "--hard --covariance diag" -k 3 -c x,y --hard --covariance diag
cp d2.tsv d2_first.tsv
run "$EMTK" mix -k 3 -c x,y --hard --covariance diag -t 2 -o d2 det.tsv
check_same_file "determinism: the same -t 2 run twice gives the same TSV" d2.tsv d2_first.tsv

fi # BADINPUT_ONLY

# ---- bad input: exit 1, one exact line, no output --------------------------------------------------

printf 'x\n1.5\n2.5\n3.5\nabc\n4.5\n' >abc.tsv
expect_error "non-numeric value" 1 "$E abc.tsv:5: column 1 (x): expected a finite number, found 'abc'" \
  p "$EMTK" mix -k 2 -o p abc.tsv
printf '1.5\n2.5\ninf\n4.5\n' >inf.tsv
expect_error "non-finite value, no header" 1 "$E inf.tsv:3: column 1: expected a finite number, found 'inf'" \
  p "$EMTK" mix -k 2 -o p inf.tsv
printf 'a\tb\n1\t2,5\n' >comma.tsv
expect_error "decimal comma" 1 "$E comma.tsv:2: column 2 (b): expected a finite number, found '2,5'" \
  p "$EMTK" mix -k 1 -c b -o p comma.tsv
gzip -c abc.tsv >abc.tsv.gz
expect_error "non-numeric value in a .gz" 1 "$E abc.tsv.gz:5: column 1 (x): expected a finite number, found 'abc'" \
  p "$EMTK" mix -k 2 -o p abc.tsv.gz
run_in abc.tsv "$EMTK" mix -k 2 -o p -
check_status "non-numeric value on stdin: exit 1" 1
check_stderr_is "non-numeric value on stdin: message names <stdin>" \
  "$E <stdin>:5: column 1 (x): expected a finite number, found 'abc'"
check "non-numeric value on stdin: no output" no_outputs p

printf 'x\ty\n1\t2\n3\t\n4\t5\n' >empty_field.tsv
expect_error "missing value (empty field)" 1 "$E empty_field.tsv:3: column 2 (y): missing value (empty field); expected a number" \
  p "$EMTK" mix -k 2 -c y -o p empty_field.tsv
printf 'x\ty\n1\t2\n3\tNA\n4\t5\n' >na.tsv
expect_error "missing value (NA)" 1 "$E na.tsv:3: column 2 (y): missing value 'NA'; expected a number" \
  p "$EMTK" mix -k 2 -c y -o p na.tsv
printf 'x\ty\n1\t2\n3\n4\t5\n' >short.tsv
expect_error "short line" 1 "$E short.tsv:3: column 2 (y): missing value (the line has only 1 column)" \
  p "$EMTK" mix -k 2 -c y -o p short.tsv
expect_error "unknown column name" 1 "$E short.tsv:1: no column named 'z' in the header (columns: x, y)" \
  p "$EMTK" mix -k 2 -c x,z -o p short.tsv
expect_error "column number past the last column" 1 "$E s.tsv:1: column 9 requested but the line has 3 columns" \
  p "$EMTK" mix -k 2 -c 9 -o p s.tsv

: >empty.tsv
expect_error "empty file" 1 "$E empty.tsv: no data: the input is empty" p "$EMTK" mix -k 2 -o p empty.tsv
printf '# only a comment\n\n' >comment.tsv
expect_error "only comments and blank lines" 1 "$E comment.tsv: no data: the input is empty" \
  p "$EMTK" mix -k 2 -o p comment.tsv
printf 'x\n' >header.tsv
expect_error "header only (empty column)" 1 "$E header.tsv: no data rows: the selected column is empty" \
  p "$EMTK" mix -k 2 -o p header.tsv
printf 'x\ty\n' >header2.tsv
expect_error "header only, two columns" 1 "$E header2.tsv: no data rows: the selected columns are empty" \
  p "$EMTK" mix -k 2 -c x,y -o p header2.tsv
run_in empty.tsv "$EMTK" mix -k 2 -o p -
check_stderr_is "empty stdin" "$E <stdin>: no data: the input is empty"

printf 'x\n1\n2\n1\n2\n' >two.tsv
expect_error "K larger than the number of distinct values" 1 \
  "$E two.tsv: K = 3 components but column 'x' has only 2 distinct values; use at most 2" \
  p "$EMTK" mix -k 3 -o p two.tsv
printf '1\n2\n1\n2\n' >two_nohdr.tsv
expect_error "K larger than the number of distinct values, no header" 1 \
  "$E two_nohdr.tsv: K = 3 components but column 1 has only 2 distinct values; use at most 2" \
  p "$EMTK" mix -k 3 -o p two_nohdr.tsv
printf 'x\ty\n1\t2\n1\t2\n1\t2\n' >one_row.tsv
expect_error "K larger than the number of distinct rows, two columns" 1 \
  "$E one_row.tsv: K = 2 components but column 'x', column 'y' have only 1 distinct row; use at most 1" \
  p "$EMTK" mix -k 2 -c x,y -o p one_row.tsv
# A range reaching past the number of distinct values: the impossible K are listed as failed.
run "$EMTK" mix --k-range 1:4 -o krd two.tsv
check_status "--k-range reaching past the distinct values: exit 0" 0
check_eq "--k-range reaching past the distinct values: K = 2 collapses, K = 3, 4 listed as failed" \
  "$(json_section krd.json bic_table | json_values status | tr '\n' ' ')" '"ok" "failed" "failed" "failed" '
check "--k-range reaching past the distinct values: message" grep -q 'K = 3 exceeds the 2 distinct values of the data' krd.json
rm -f krd.json krd.tsv
expect_error "--k-range starting past the number of distinct values" 1 \
  "$E two.tsv: K = 3 components but column 'x' has only 2 distinct values; use at most 2" \
  p "$EMTK" mix --k-range 3:4 -o p two.tsv

printf 'count\n1\n2\n1.5\n2\n' >frac.tsv
expect_error "non-integer count, poisson" 1 \
  "$E frac.tsv:4: column 'count': the poisson family needs non-negative integer counts, found 1.5" \
  p "$EMTK" mix -k 1 --family poisson -o p frac.tsv
printf '1\n2\n-1\n2\n' >neg.tsv
expect_error "negative count, negbin" 1 \
  "$E neg.tsv:3: column 1: the negbin family needs non-negative integer counts, found -1" \
  p "$EMTK" mix -k 1 --family negbin -o p neg.tsv
expect_error "negative count, poisson" 1 \
  "$E neg.tsv:3: column 1: the poisson family needs non-negative integer counts, found -1" \
  p "$EMTK" mix -k 1 --family poisson -o p neg.tsv
printf 'x\n4\n4\n4\n4\n' >const.tsv
expect_error "constant column, gaussian" 1 \
  "$E const.tsv: column 'x' has the same value in every row: a Gaussian mixture needs values that vary" \
  p "$EMTK" mix -k 1 -o p const.tsv
run "$EMTK" mix -k 1 --family poisson -o cp const.tsv
check_status "constant column, poisson K=1: fits (exit 0)" 0

expect_error "nonexistent input file" 1 "$E no_such_file.tsv: cannot open: No such file or directory" \
  p "$EMTK" mix -k 2 -o p no_such_file.tsv
expect_error "output directory does not exist" 1 "$E no_dir/p.tsv: cannot write: directory 'no_dir' does not exist" \
  no_dir/p "$EMTK" mix -k 3 -c x -o no_dir/p s.tsv
check "output directory does not exist: not created" test ! -e no_dir
run "$EMTK" mix -k 3 -c x -o jd --json no_dir/j.json s.tsv
check_status "--json into a missing directory: exit 1" 1
check_stderr_is "--json into a missing directory: message" "$E no_dir/j.json: cannot write: directory 'no_dir' does not exist"
check "--json into a missing directory: no PREFIX.tsv and no temporary file" no_outputs jd
mkdir isdir.tsv
run "$EMTK" mix -k 3 -c x -o isdir s.tsv
check_status "PREFIX.tsv is a directory: exit 1" 1
check_stderr_is "PREFIX.tsv is a directory: message" "$E isdir.tsv: cannot write: is a directory"
check "PREFIX.tsv is a directory: left empty, no JSON, no temporary file" \
  bash -c '[[ -d isdir.tsv && -z $(ls -A isdir.tsv) && ! -e isdir.json ]] && ! compgen -G ".isdir.*.tmp.*" >/dev/null'

gen 3000 3 10 | gzip -c >big.tsv.gz
head -c "$(($(stat -c %s big.tsv.gz) / 2))" big.tsv.gz >trunc.tsv.gz
expect_error "truncated .gz" 1 "$E trunc.tsv.gz:1438: truncated gzip file (unexpected end of data)" \
  p "$EMTK" mix -k 3 -c x -o p trunc.tsv.gz
head -c 20 big.tsv.gz >trunc20.tsv.gz
expect_error "truncated .gz (20 bytes)" 1 "$E trunc20.tsv.gz:1: truncated gzip file (unexpected end of data)" \
  p "$EMTK" mix -k 3 -c x -o p trunc20.tsv.gz
# A broken trailer (CRC and length zeroed): the message quotes zlib, so check its start only.
[[ -f s.tsv.gz ]] || gzip -c s.tsv >s.tsv.gz
size=$(stat -c %s s.tsv.gz)
{ head -c "$((size - 8))" s.tsv.gz; printf '\0\0\0\0\0\0\0\0'; } >crc.tsv.gz
run "$EMTK" mix -k 3 -c x -o p crc.tsv.gz
check_status ".gz with a bad CRC: exit 1" 1
check_stderr_one_line_starting ".gz with a bad CRC: one line" "$E crc.tsv.gz: corrupt gzip data ("
check ".gz with a bad CRC: no output" no_outputs p

# ---- usage errors: exit 2 ------------------------------------------------------------------------

expect_error "more than one column with --family poisson" 2 \
  "$E the poisson family models one column of counts; 2 columns were selected" \
  p "$EMTK" mix -k 2 --family poisson -c x,count -o p s.tsv
for r in 5:2 abc 0:3 3 1:200 2:; do
  expect_error "--k-range $r" 2 "$E --k-range expects A:B with 1 <= A <= B <= 128, got '$r'" \
    p "$EMTK" mix --k-range "$r" -o p s.tsv
done
expect_error "-c 0" 2 "$E column numbers are 1-based: 0 is not a column" p "$EMTK" mix -k 2 -c 0 -o p s.tsv
expect_error "--shared-variance with poisson" 2 "$E --shared-variance applies to the gaussian family only" \
  p "$EMTK" mix -k 2 --family poisson -c count --shared-variance -o p s.tsv
expect_error "--tol 0" 2 "$E --tol must be > 0" p "$EMTK" mix -k 2 --tol 0 -o p s.tsv
# --min-iter above --max-iter is capped at --max-iter (the default --min-iter is 2, so --max-iter 1 works).
run "$EMTK" mix -k 2 --max-iter 1 -o mi1 s.tsv
check_status "--max-iter 1 with the default --min-iter: exit 0" 0
check_eq "--max-iter 1: one iteration" "$(json_top mi1.json iterations)" 1
rm -f mi1.json mi1.tsv

# Rejected by SeqAn's validators: the wording is SeqAn's, so check the option and the value.
for bad in "--family foo|--family|foo" "-k 0|-k/--components|0" "-k 200|-k/--components|200" \
  "-k abc|-k|abc" "-t 0|-t/--threads|0" "--covariance banana|--covariance|banana" \
  "--stop-rule never|--stop-rule|never" "--restarts 0|--restarts|0"; do
  IFS='|' read -r args opt val <<<"$bad"
  # shellcheck disable=SC2086 # split ARGS on purpose
  run "$EMTK" mix $args -o p s.tsv
  check_status "$args: exit 2" 2
  check_stderr_one_line_starting "$args: one error line naming the option and the value" "$E" "$opt" "$val"
  check "$args: no output" no_outputs p
done

# ---- a failed run leaves existing outputs alone -----------------------------------------------------

printf 'sentinel tsv\n' >keep.tsv
printf 'sentinel json\n' >keep.json
run "$EMTK" mix -k 2 -o keep abc.tsv
check_status "existing outputs, bad input: exit 1" 1
run "$EMTK" mix -k 3 -o keep outlier.tsv
check_status "existing outputs, failed fit: exit 1" 1
run "$EMTK" mix -k 3 -c x -o keep --json no_dir/keep.json s.tsv
check_status "existing outputs, JSON not writable: exit 1" 1
check_eq "existing PREFIX.tsv untouched by failed runs" "$(cat keep.tsv)" "sentinel tsv"
check_eq "existing PREFIX.json untouched by failed runs" "$(cat keep.json)" "sentinel json"
check "no temporary files left beside the outputs" bash -c '! compgen -G ".keep.*.tmp.*" >/dev/null'
if [[ $BADINPUT_ONLY != 1 ]]; then
  run "$EMTK" mix -k 3 -c x -o keep s.tsv
  check_same_file "a successful run replaces existing outputs" keep.tsv g.tsv
fi # BADINPUT_ONLY
check "no temporary file left anywhere after all runs" bash -c '! find . -name ".*.tmp.*" | grep -q .'

t_summary
