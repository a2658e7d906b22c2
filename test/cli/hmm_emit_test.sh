#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk hmm emit` (issue 4): FASTA output, names, -N prefix property, --seed,
# model selection, local mode, exact error messages, no partial output; when HMMER's tutorial
# models are installed, emitting from one of them and aligning back with emtk hmm align.
#
#   bash test/cli/hmm_emit_test.sh build/emtk test/cli

set -euo pipefail

CLI_DIR=$(cd "${2:-$(dirname "${BASH_SOURCE[0]}")}" && pwd)
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"
# EMTK_TEST_BADINPUT_ONLY=1: only the bad-input tests (the sanitizer job, scripts/test.sh).
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}

E="[emtk] error:"
export SOURCE_DATE_EPOCH=1700000000

fam() {
  awk -v n="$1" -v len="$2" -v seed="$3" -v alpha="$4" 'BEGIN {
    srand(seed); K = length(alpha)
    for (i = 1; i <= len; i++) anc = anc substr(alpha, int(rand() * K) + 1, 1)
    for (s = 1; s <= n; s++) {
      out = ""
      for (i = 1; i <= len; i++) {
        c = substr(anc, i, 1)
        if (rand() < 0.1) c = substr(alpha, int(rand() * K) + 1, 1)
        out = out c
      }
      printf ">s%d\n%s\n", s, out
    }
  }'
}
# fa_rows FILE: "NAME SEQUENCE" per FASTA record.
fa_rows() {
  awk '/^>/ { if (name != "") print name, seq; name = substr($1, 2); seq = ""; next }
    { seq = seq $0 } END { if (name != "") print name, seq }' "$1"
}

fam 10 50 3 ACDEFGHIKLMNPQRSTVWY >prot.fa
fam 10 40 4 ACGT >dna.fa
run "$EMTK" hmm train -q --max-iter 20 -n prot -o prot.hmm prot.fa
check_status "setup: protein model" 0
run "$EMTK" hmm train -q --max-iter 20 -n dnafam -o dna.hmm dna.fa
check_status "setup: DNA model" 0
cat prot.hmm dna.hmm >two.hmm

# ---- help ----------------------------------------------------------------------------------------

run "$EMTK" hmm emit --help
check_status "hmm emit --help: exit 0" 0
check "hmm emit --help shows an example" grep -q 'emtk hmm emit .*-N' "$(out_file)"
expect_error "emtk hmm emit without arguments" 2 \
  "$E emtk hmm emit needs a model (see 'emtk hmm emit --help')" none "$EMTK" hmm emit

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- output --------------------------------------------------------------------------------------

run "$EMTK" hmm emit -q prot.hmm
check_status "emit: exit 0" 0
check_stderr_empty "emit -q: nothing on stderr"
cp "$(out_file)" default.fa
check_eq "10 sequences by default, named MODEL-sampleI" "$(grep '^>' default.fa | tr '\n' ' ')" \
  "$(for i in $(seq 1 10); do printf '>prot-sample%d ' "$i"; done)"
check_eq "amino-acid letters only, lines of at most 60" \
  "$(awk '!/^>/ && (length($0) > 60 || $0 !~ /^[ACDEFGHIKLMNPQRSTVWY]+$/)' default.fa | head -n 1)" ""
run "$EMTK" hmm emit -q -N 25 --seed 1 -o n25.fa prot.hmm
check_status "-N 25 -o: exit 0" 0
check_eq "-N 25: 25 records" "$(grep -c '^>' n25.fa)" "25"
check_eq "the first 10 of -N 25 are the default 10 (seed 1)" "$(fa_rows n25.fa | head -n 10)" "$(fa_rows default.fa)"
run "$EMTK" hmm emit -q -N 25 --seed 1 -o n25b.fa prot.hmm
check_same_file "same seed, same file" n25.fa n25b.fa
run "$EMTK" hmm emit -q -N 25 --seed 2 -o s2.fa prot.hmm
# -o /dev/null (or a FIFO) is written in place: renaming a temporary file onto it would replace the
# device by a regular file for the whole machine when run as root (atomic_file.hpp).
mkfifo emit.fifo
cat emit.fifo > from_fifo.fa &
run "$EMTK" hmm emit -q -N 25 --seed 2 -o emit.fifo prot.hmm
wait
check_same_file "-o FIFO: the same records as a file" s2.fa from_fifo.fa
check "-o FIFO: still a FIFO" test -p emit.fifo
# Only where /dev/null is a character device: some sandboxes (CI containers) provide another kind.
if [[ -c /dev/null ]]; then
  run "$EMTK" hmm emit -q -N 5 -o /dev/null prot.hmm
  check_status "-o /dev/null: exit 0" 0
  check "-o /dev/null: /dev/null is still a character device" test -c /dev/null
fi
check "another seed gives other sequences" bash -c '! cmp -s n25.fa s2.fa'
check "glocal samples are about the model length" awk_true "m > 35 && m < 70" \
  "m=$(fa_rows n25.fa | awk '{ n += length($2) } END { print n / NR }')"
run "$EMTK" hmm emit -q -N 40 --mode local -o local.fa prot.hmm
check_status "--mode local: exit 0" 0
check "local fragments are shorter on average" awk_true "l < g" \
  "l=$(fa_rows local.fa | awk '{ n += length($2) } END { print n / NR }')" \
  "g=$(fa_rows n25.fa | awk '{ n += length($2) } END { print n / NR }')"

run "$EMTK" hmm emit -q -N 3 --name dnafam two.hmm
check_eq "--name selects the second model" "$(grep '^>' "$(out_file)" | head -n 1)" ">dnafam-sample1"
check_eq "DNA model: ACGT only" "$(grep -v '^>' "$(out_file)" | tr -d 'ACGT\n')" ""
run "$EMTK" hmm emit -q -N 3 --index 2 two.hmm
check_eq "--index 2 selects the second model" "$(grep '^>' "$(out_file)" | head -n 1)" ">dnafam-sample1"

run "$EMTK" hmm emit -q -N 20 --seed 5 -o back.fa prot.hmm
run "$EMTK" hmm align -q -o back.sto prot.hmm back.fa
check_status "emitted sequences align back to their model" 0

fi # BADINPUT_ONLY

# ---- errors --------------------------------------------------------------------------------------

expect_error "--name of no model" 1 "$E two.hmm: no model named 'nope' (the file holds 2 models)" \
  out "$EMTK" hmm emit --name nope -o out.fa two.hmm
check_no_outputs "no out.fa after a failed selection" out out.fa
expect_error "--index past the end" 1 "$E two.hmm: no model number 3 (the file holds 2 models)" \
  out "$EMTK" hmm emit --index 3 -o out.fa two.hmm
expect_error "--name and --index together" 2 "$E --name and --index are exclusive: give one" \
  out "$EMTK" hmm emit --name prot --index 1 -o out.fa two.hmm
expect_error "missing model file" 1 "$E nothere.hmm: cannot open: No such file or directory" out "$EMTK" hmm emit -o out.fa nothere.hmm
printf 'not a model\n' >bad.hmm
run "$EMTK" hmm emit -o out.fa bad.hmm
check_status "not a HMMER3 file: exit 1" 1
check_stderr_one_line_starting "not a HMMER3 file: one line naming the file and line 1" "$E bad.hmm:1:"
check_no_outputs "no out.fa after the bad model" out out.fa
run "$EMTK" hmm emit -N 0 -o out.fa prot.hmm
check_status "-N 0: usage error" 2
check_no_outputs "no out.fa after -N 0" out out.fa

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- HMMER's tutorial models ---------------------------------------------------------------------

TUT=/usr/share/doc/hmmer/examples/tutorial
if [[ -f $TUT/globins4.hmm ]]; then
  run "$EMTK" hmm emit -q -N 5 --seed 3 -o glob.fa "$TUT/globins4.hmm"
  check_status "emit from HMMER's globins4.hmm" 0
  check_eq "named after the model" "$(head -n 1 glob.fa)" ">globins4-sample1"
else
  printf 'ok - emit from HMMER models # SKIP hmmer-examples not installed\n'
fi

fi # BADINPUT_ONLY

t_summary
