#!/usr/bin/env bash
# The run summary schema (src/cli/run_summary.hpp, issue 7): every tool's --json has the common
# members in order and types, and --multiqc writes MultiQC custom content (table) that names the
# sample and holds numbers. Tools without their data installed are skipped with a note.
#
#   bash test/cli/run_summary_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
ROOT=$(cd "$CLI_DIR/../.." && pwd)
t_init "${1:-}"

if ! PY=$(json_python); then
  printf 'ok - run summaries # SKIP python3 not installed\n'
  t_summary
fi

# check_summary TOOL JSON MQC: the schema's members and the MultiQC file.
check_summary() {
  local tool=$1 json=$2 mqc=$3 msg
  if msg=$("$PY" - "$tool" "$json" "$mqc" <<'PY' 2>&1
import json, sys
tool, path, mqc = sys.argv[1:4]
d = json.load(open(path))
keys = list(d)
head = ["schema", "tool", "version", "commit", "seed", "inputs", "records"]
assert keys[:len(head)] == head, f"first members {keys[:len(head)]}"
assert d["schema"] == "emtk-run-summary/1", d["schema"]
assert d["tool"] == tool, d["tool"]
assert d["seed"] is None or isinstance(d["seed"], int)
assert isinstance(d["inputs"], list) and d["inputs"] and all(isinstance(x, str) for x in d["inputs"])
r = d["records"]
assert isinstance(r["used"], int) and isinstance(r["skipped"], int) and isinstance(r["skipped_reasons"], dict)
assert sum(r["skipped_reasons"].values()) <= r["skipped"] or not r["skipped_reasons"]
assert isinstance(d["iterations"], int)
assert isinstance(d["stop_reason"], str)
assert isinstance(d["objective_trace"], list)
assert keys[-1] == "run", f"last member {keys[-1]}"
run = d["run"]
assert isinstance(run["command_line"], list) and run["command_line"][0].endswith("emtk")
assert isinstance(run["threads"], int) and run["mpi_ranks"] == 1
assert "total_s" in run["timings"]
m = json.load(open(mqc))
assert m["plot_type"] == "table" and m["id"].startswith("emtk_") and m["section_name"].startswith("emtk ")
assert len(m["data"]) == 1
for sample, metrics in m["data"].items():
    assert metrics and all(isinstance(v, (int, float)) for v in metrics.values()), metrics
PY
  ); then
    ok "$tool: --json follows emtk-run-summary/1, --multiqc is MultiQC table content"
  else
    not_ok "$tool: --json follows emtk-run-summary/1, --multiqc is MultiQC table content" "$msg"
  fi
}

"$EMTK" hmm train -q --json train.json --multiqc train_mqc.json -o m.hmm "$ROOT/data/globins45.fa"
check_summary "emtk hmm train" train.json train_mqc.json
check "hmm train: MultiQC sample named after the input" grep -q '"globins45": {' train_mqc.json

"$EMTK" hmm search -q --json search.json --multiqc search_mqc.json "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa" >/dev/null
check_summary "emtk hmm search" search.json search_mqc.json
check "hmm search: no seed (no randomness), records = 45 targets" bash -c \
  "grep -q '\"seed\": null' search.json && grep -q '\"used\": 45' search.json"

"$EMTK" mix -q -k 2 -c x,y --seed 1 --multiqc mix_mqc.json -o mx "$ROOT/data/example.tsv"
check_summary "emtk mix" mx.json mix_mqc.json

if [[ -f $ROOT/data/cov/sample.bam ]] && "$EMTK" cov --help >/dev/null 2>&1; then
  "$EMTK" cov -q --seed 1 --multiqc cov_mqc.json -o cv "$ROOT/data/cov/sample.bam"
  check_summary "emtk cov" cv.json cov_mqc.json
fi
if [[ -f $ROOT/data/impute/example.vcf.gz ]] && "$EMTK" impute --help >/dev/null 2>&1; then
  "$EMTK" impute -q --seed 1 --json imp.json --multiqc imp_mqc.json -o imp.vcf.gz "$ROOT/data/impute/example.vcf.gz"
  check_summary "emtk impute" imp.json imp_mqc.json
fi

"$EMTK" hmm align -q --json align.json --multiqc align_mqc.json -o a.sto "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
check_summary "emtk hmm align" align.json align_mqc.json
check "hmm align: records = 45 sequences, 141 model states, accuracy in (0, 1]" "$PY" -c "
import json; d = json.load(open('align.json'))
assert d['records']['used'] == 45 and d['model_length'] == 141 and d['columns'] >= 141
assert 0 < d['expected_accuracy'] <= 1 and d['residues'] > 0"

"$EMTK" hmm emit -q -N 7 --seed 3 --json emit.json --multiqc emit_mqc.json -o e.fa "$ROOT/models/globins45.hmm"
check_summary "emtk hmm emit" emit.json emit_mqc.json
check "hmm emit: seed 3, 7 sequences whose residues are those of the FASTA" "$PY" -c "
import json; d = json.load(open('emit.json'))
seq = ''.join(l.strip() for l in open('e.fa') if not l.startswith('>'))
assert d['seed'] == 3 and d['sequences'] == 7 and d['residues'] == len(seq), d"

"$EMTK" hmm logo -q --json logo.json --multiqc logo_mqc.json -o l.svg "$ROOT/models/globins45.hmm"
check_summary "emtk hmm logo" logo.json logo_mqc.json
check "hmm logo: 141 states in 3 rows of 60" "$PY" -c "
import json; d = json.load(open('logo.json'))
assert d['model_length'] == 141 and d['rows'] == 3, d"

# A result summary on stderr by default (one "[emtk] " line, no warning), nothing with -q.
run_quiet_and_default() { # NAME CMD... (CMD without -q): stderr has one summary line; with -q nothing
  local name=$1 err
  shift
  err=$("${@}" 2>&1 >/dev/null) || true
  if [[ $(printf '%s\n' "$err" | grep -c '^\[emtk\] ') -eq 1 && $err != *warning:* && $err != *error:* ]]; then
    ok "$name: one result summary line on stderr by default"
  else
    not_ok "$name: one result summary line on stderr by default" "$err"
  fi
  err=$("$@" -q 2>&1 >/dev/null) || true
  check "$name: -q silences it" test -z "$err"
}
run_quiet_and_default "mix" "$EMTK" mix -k 2 -c x,y --seed 1 -o sm "$ROOT/data/example.tsv"
run_quiet_and_default "hmm search" "$EMTK" hmm search "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
run_quiet_and_default "hmm align" "$EMTK" hmm align -o sa.sto "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
run_quiet_and_default "hmm emit" "$EMTK" hmm emit -o se.fa "$ROOT/models/globins45.hmm"
run_quiet_and_default "hmm logo" "$EMTK" hmm logo -o sl.svg "$ROOT/models/globins45.hmm"
run_quiet_and_default "hmm train" "$EMTK" hmm train -o st.hmm "$ROOT/data/globins45.fa"
if [[ -f $ROOT/data/cov/sample.bam ]]; then
  run_quiet_and_default "cov" "$EMTK" cov --seed 1 -o sc "$ROOT/data/cov/sample.bam"
fi
if [[ -f $ROOT/data/impute/example.vcf.gz ]]; then
  run_quiet_and_default "impute" "$EMTK" impute --seed 1 -o si.vcf.gz "$ROOT/data/impute/example.vcf.gz"
fi

expect_error "--json - is refused" 2 "[emtk] error: --json and --multiqc need a file name (not '-')" \
  out "$EMTK" hmm search --json - "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
expect_error "hmm emit: --json - is refused" 2 "[emtk] error: --json and --multiqc need a file name (not '-')" \
  e2.fa "$EMTK" hmm emit --json - -o e2.fa "$ROOT/models/globins45.hmm"
expect_error "hmm align: --json over the input is refused" 2 \
  "[emtk] error: output $ROOT/data/globins45.fa would overwrite the input file" \
  a2.sto "$EMTK" hmm align --json "$ROOT/data/globins45.fa" -o a2.sto "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
expect_error "--multiqc into a missing directory fails before the work" 1 \
  "[emtk] error: nodir/x_mqc.json: cannot write: directory 'nodir' does not exist" \
  out "$EMTK" hmm train -o out.hmm --multiqc nodir/x_mqc.json "$ROOT/data/globins45.fa"
check "no model left behind" test ! -e out.hmm

t_summary
