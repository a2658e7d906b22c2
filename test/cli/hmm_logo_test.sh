#!/usr/bin/env bash
# CLI tests for `emtk hmm logo` (issue 4): an SVG that parses as XML, model selection by name,
# exact errors, no partial output.
#
#   bash test/cli/hmm_logo_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"
E="[emtk] error:"

# A model to draw: trained here on a small DNA family (awk, fixed seed).
awk 'BEGIN { srand(4); nt = "ACGT"; for (i = 1; i <= 40; i++) anc = anc substr(nt, int(rand() * 4) + 1, 1)
  for (s = 1; s <= 12; s++) { out = ""; for (i = 1; i <= 40; i++) { c = substr(anc, i, 1); if (rand() < 0.1) c = substr(nt, int(rand() * 4) + 1, 1); out = out c }
    printf ">d%d\n%s\n", s, out } }' >dna.fa
"$EMTK" hmm train -q --name first -o a.hmm dna.fa
"$EMTK" hmm train -q --name second --seed 2 -o b.hmm dna.fa
cat a.hmm b.hmm >two.hmm

run "$EMTK" hmm logo --help
check_status "hmm logo --help: exit 0" 0
check "hmm logo --help shows an example" grep -q 'emtk hmm logo -o .*\.svg' "$(out_file)"

run "$EMTK" hmm logo -o logo.svg two.hmm
check_status "logo: exit 0" 0
check "logo: an SVG document" grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' logo.svg
check "logo: the first model's name" grep -q 'first  (M = 40, DNA' logo.svg
if py=$(json_python); then
  check "logo: well-formed XML" "$py" -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' logo.svg
fi
run "$EMTK" hmm logo --name second -o - two.hmm
check_status "logo --name, to stdout: exit 0" 0
check "logo --name: the named model" grep -q 'second  (M = 40, DNA' "$(out_file)"

expect_error "unknown model name" 1 "$E two.hmm: no model named 'third'" x "$EMTK" hmm logo --name third -o x.svg two.hmm
printf 'not a model\n' >bad.hmm
expect_error "not a HMMER file" 1 "$E bad.hmm:1: expected a HMMER3 header line ('HMMER3/f [...]'), found 'not'" x \
  "$EMTK" hmm logo -o x.svg bad.hmm
check "no SVG left by the failed runs" test ! -e x.svg
expect_error "hmm logo without arguments" 2 "$E emtk hmm logo needs a model file and -o logo.svg (see 'emtk hmm logo --help')" x \
  "$EMTK" hmm logo

t_summary
