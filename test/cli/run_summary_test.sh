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

expect_error "--json - is refused" 2 "[emtk] error: --json and --multiqc need a file name (not '-')" \
  out "$EMTK" hmm search --json - "$ROOT/models/globins45.hmm" "$ROOT/data/globins45.fa"
expect_error "--multiqc into a missing directory fails before the work" 1 \
  "[emtk] error: nodir/x_mqc.json: cannot write: directory 'nodir' does not exist" \
  out "$EMTK" hmm train -o out.hmm --multiqc nodir/x_mqc.json "$ROOT/data/globins45.fa"
check "no model left behind" test ! -e out.hmm

t_summary
