#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk hmm search` (issue 4, protein targets): the readable table, --tblout and
# --domtblout (header, true tabs, one row per hit/domain), determinism across thread counts, stdin
# and gzip targets, exact error messages with no output left behind, and (when HMMER and Debian's
# hmmer-examples are installed) the issue's check against `hmmsearch --max --nonull2` on Pkinase.
#
#   bash test/cli/hmm_search_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
ROOT=$(cd "$CLI_DIR/../.." && pwd)
t_init "${1:-}"
# EMTK_TEST_BADINPUT_ONLY=1: only the bad-input tests (the sanitizer job, scripts/test.sh).
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}

E="[emtk] error:"
MODEL=$ROOT/models/globins45.hmm # calibrated by emtk hmm train (models/README.md)
TARGETS=$ROOT/data/globins45.fa
TUT=/usr/share/doc/hmmer/examples/tutorial

# shuffle_fasta SEED: each record's residues shuffled (Fisher-Yates, awk's rand), names prefixed
# "shuf_"; one residue line per record on stdin.
shuffle_fasta() {
  awk -v seed="$1" 'BEGIN { srand(seed) } /^>/ { name = substr($1, 2); next }
    { n = length($0); for (i = 1; i <= n; i++) a[i] = substr($0, i, 1)
      for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = a[i]; a[i] = a[j]; a[j] = t }
      s = ""; for (i = 1; i <= n; i++) s = s a[i]; print ">shuf_" name; print s }'
}
# one_line_fasta FILE: records with their residues on one line.
one_line_fasta() {
  awk '/^>/ { if (s != "") print s; print; s = ""; next } { s = s $0 } END { if (s != "") print s }' "$1"
}

one_line_fasta "$TARGETS" >seqs.fa
shuffle_fasta 11 <seqs.fa >decoys.fa
cat seqs.fa decoys.fa >targets.fa
gzip -c targets.fa >targets.fa.gz
n_seqs=$(grep -c '>' seqs.fa)

# ---- help ----------------------------------------------------------------------------------------

run "$EMTK" hmm search --help
check_status "hmm search --help: exit 0" 0
check "hmm search --help shows an example" grep -q 'emtk hmm search .*--tblout' "$(out_file)"
run "$EMTK" hmm --help
check "hmm --help lists search" grep -q 'search' "$(out_file)"

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- outputs -------------------------------------------------------------------------------------

run "$EMTK" hmm search --tsv hits.tsv --domtsv doms.tsv "$MODEL" targets.fa
check_status "search: exit 0" 0
check_stderr_one_line_starting "search: only the summary line on stderr" "[emtk] searched "
cp "$(out_file)" table1.txt
check_eq "tblout header" "$(head -n 1 hits.tsv)" \
  "$(printf 'target\tquery\taccession\ttarget_length\tquery_length\tscore\tevalue\tpvalue\tdomains')"
check_eq "domtblout header" "$(head -n 1 doms.tsv)" \
  "$(printf 'target\tquery\taccession\ttarget_length\tquery_length\tscore\tevalue\tdomain\tn_domains\tdomain_score\tc_evalue\ti_evalue\thmm_from\thmm_to\tali_from\tali_to\tenv_from\tenv_to')"
check "tblout: 9 tab-separated fields on every line" awk -F'\t' 'NF != 9 { exit 1 }' hits.tsv
check "domtblout: 18 tab-separated fields, coordinates ordered" awk -F'\t' 'NR > 1 {
    if (NF != 18) exit 1
    if (!($17 <= $15 && $15 <= $16 && $16 <= $18 && $18 <= $4)) exit 1
    if (!(1 <= $13 && $13 <= $14 && $14 <= $5)) exit 1 }' doms.tsv
# Every globin is found with a strong score; decoys, if any, are weak.
check_eq "tblout: every globin reported" \
  "$(awk -F'\t' 'NR > 1 && $1 !~ /^shuf_/ && $7 + 0 < 1e-10' hits.tsv | wc -l | tr -d ' ')" "$n_seqs"
check "tblout: no decoy below E = 0.01" awk -F'\t' 'NR > 1 && $1 ~ /^shuf_/ && $7 + 0 < 0.01 { exit 1 }' hits.tsv
check "tblout: E-values default threshold 10" awk -F'\t' 'NR > 1 && $7 + 0 > 10 { exit 1 }' hits.tsv
check "report names the query and lists the hits" grep -q '^Query:       globins45  \[M=' table1.txt
check_eq "report and tsv list the same targets" \
  "$(awk '/^Scores for complete/ { on = 1; next } on && /^$/ { exit } on && $1 ~ /^[0-9]/ { print $9 }' table1.txt | sort)" \
  "$(awk -F'\t' 'NR > 1 { print $1 }' hits.tsv | sort)"
check "domtblout: one row per reported domain" awk -F'\t' 'NR == FNR { if (FNR > 1) want[$1] = $9; next }
    FNR > 1 { got[$1]++ } END { for (t in want) if (got[t] != want[t]) exit 1 }' hits.tsv doms.tsv

# Determinism: -t 2, stdin and gzip give the same bytes.
run "$EMTK" hmm search -t 2 --tsv hits2.tsv --domtsv doms2.tsv "$MODEL" targets.fa.gz
check_same_file "tblout: -t 2 and gzip input give identical bytes" hits.tsv hits2.tsv
check_same_file "domtblout: -t 2 and gzip input give identical bytes" doms.tsv doms2.tsv
run_in targets.fa "$EMTK" hmm search --tsv hits3.tsv "$MODEL" -
check_same_file "tblout: stdin targets give identical bytes" hits.tsv hits3.tsv
run "$EMTK" hmm search --tsv - "$MODEL" targets.fa
check_same_file "--tblout - writes the table to stdout" hits.tsv "$(out_file)"

# Thresholds.
run "$EMTK" hmm search -E 1e-20 --tsv e.tsv "$MODEL" targets.fa
check "-E 1e-20 keeps only E <= 1e-20" awk -F'\t' 'NR > 1 && $7 + 0 > 1e-20 { exit 1 } END { exit NR < 2 }' e.tsv
run "$EMTK" hmm search -T 100 --tsv t.tsv "$MODEL" targets.fa
check "-T 100 keeps only scores >= 100" awk -F'\t' 'NR > 1 && $6 + 0 < 100 { exit 1 } END { exit NR < 2 }' t.tsv
run "$EMTK" hmm search -Z 1000000 --tsv z.tsv "$MODEL" seqs.fa
check "-Z scales the E-values: E = P x Z" awk -F'\t' 'NR > 1 { r = $7 / ($8 * 1e6); if (r < 0.99 || r > 1.01) exit 1 }' z.tsv

# GFF3 and BED6 of the reported domains.
run "$EMTK" hmm search --domtsv gd.tsv --gff3 doms.gff3 --bed doms.bed "$MODEL" targets.fa
check_status "--gff3 --bed: exit 0" 0
n_doms=$(($(wc -l <gd.tsv) - 1))
check_eq "GFF3: one protein_hmm_match per reported domain" "$(grep -c $'\tprotein_hmm_match\t' doms.gff3)" "$n_doms"
check_eq "BED6: one line per reported domain" "$(wc -l <doms.bed | tr -d ' ')" "$n_doms"
check "BED6: ali coordinates (0-based start), strand '.'" bash -c \
  "diff <(awk -F'\t' 'NR > 1 { print \$1, \$15 - 1, \$16 }' gd.tsv | sort) <(awk -F'\t' '\$6 == \".\" { print \$1, \$2, \$3 }' doms.bed | sort)"
if command -v gt >/dev/null 2>&1; then
  check "protein GFF3 passes gt gff3validator" bash -c "gt gff3validator doms.gff3 >/dev/null"
fi

fi # BADINPUT_ONLY

# ---- errors: one line, exit 1, no output -----------------------------------------------------------

printf 'not a model\n' >bad.hmm
head -n 40 "$MODEL" >trunc.hmm
grep -v '^STATS' "$MODEL" >nostats.hmm
printf '>d\nACGTACGTTAGCATCGATCGATCGAGCTAGCTAGCATCGA\n' >dna.fa
: >empty.fa
printf '>p1\nMKVLAAGW\n>p2\nMKV-LA\n' >inval.fa
expect_error "not a HMMER3 file" 1 \
  "$E bad.hmm:1: expected a HMMER3 header line ('HMMER3/f [...]'), found 'not'" out \
  "$EMTK" hmm search --tsv out.tsv bad.hmm targets.fa
expect_error "truncated model" 1 \
  "$E trunc.hmm:41: file ends inside a model (model 'globins45'): expected the transition line of node 7" out \
  "$EMTK" hmm search --tsv out.tsv trunc.hmm targets.fa
expect_error "alphabet mismatch" 1 \
  "$E dna.fa: the targets are DNA sequences but model globins45 in $MODEL is amino (use --alphabet to force the targets' alphabet)" out \
  "$EMTK" hmm search --tsv out.tsv "$MODEL" dna.fa
expect_error "empty target file" 1 "$E empty.fa: empty file: no sequences" out \
  "$EMTK" hmm search --tsv out.tsv "$MODEL" empty.fa
expect_error "invalid residue" 1 \
  "$E inval.fa: record 2 (p2): position 4: '-' is not an amino-acid residue (alphabet guessed from the first records)" out \
  "$EMTK" hmm search --tsv out.tsv --domtsv out.json "$MODEL" inval.fa

expect_error "--F1 outside [0, 1]" 2 "$E Validation failed for option --F1: Value 2 is not in range [0,1]." out \
  "$EMTK" hmm search --F1 2 --tsv out.tsv "$MODEL" targets.fa

if [[ $BADINPUT_ONLY != 1 ]]; then
# A model without STATS lines is calibrated as emtk hmm train does: same hits and scores, E-values
# within the calibration's sampling error.
run "$EMTK" hmm search --tsv nostats.tsv nostats.hmm targets.fa
check_status "model without STATS: calibrated, exit 0" 0
check "model without STATS: same targets and scores, E-values within 1.5x" \
  awk -F'\t' 'NR == FNR { if (FNR > 1) { s[$1] = $6; e[$1] = $7 } next }
    FNR > 1 { n++; if (!($1 in s) || s[$1] != $6) exit 1; r = $7 / e[$1]; if (r < 1) r = 1 / r; if (r > 1.5) exit 1 }
    END { exit n != length(s) }' hits.tsv nostats.tsv
fi # BADINPUT_ONLY

if [[ $BADINPUT_ONLY != 1 ]]; then
# ---- the issue's check: HMMER's Pkinase.hmm against the Pkinase seeds plus shuffled decoys ----------

if command -v hmmsearch >/dev/null 2>&1 && [[ -f $TUT/Pkinase.hmm && -f $TUT/Pkinase.sto ]]; then
  awk '!/^#/ && !/^\/\// && NF == 2 { s[$1] = s[$1] $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END { for (i = 1; i <= n; i++) { x = s[order[i]]; gsub(/[.-]/, "", x); print ">" order[i]; print toupper(x) } }' \
    "$TUT/Pkinase.sto" >pk_seeds.fa
  shuffle_fasta 7 <pk_seeds.fa >pk_decoys.fa
  cat pk_seeds.fa pk_decoys.fa >pk.fa
  hmmsearch --max --nonull2 --cpu 1 -Z 1000 --tblout pk_hmmer.tbl -o /dev/null "$TUT/Pkinase.hmm" pk.fa
  run "$EMTK" hmm search --max -Z 1000 --tsv pk_emtk.tsv "$TUT/Pkinase.hmm" pk.fa
  check_status "Pkinase: exit 0" 0
  grep -v '^#' pk_hmmer.tbl | awk '{ print $1, $5, $6 }' | sort >pk_h.txt
  awk -F'\t' 'NR > 1 { print $1, $7, $6 }' pk_emtk.tsv | sort >pk_e.txt
  check "Pkinase: every sequence HMMER reports is reported, score within 0.5 bits, E-value within 2x" \
    awk 'NR == FNR { e[$1] = $2; s[$1] = $3; next }
      { if (!($1 in e)) { print "missing " $1; exit 1 }
        d = $3 - s[$1]; if (d < 0) d = -d; r = $2 / e[$1]; if (r < 1) r = 1 / r
        if (d > 0.5 || r > 2) { print $1 ": hmmer " $3 " " $2 ", emtk " s[$1] " " e[$1]; exit 1 } }' pk_e.txt pk_h.txt
  check_eq "Pkinase: the same hits below E = 0.01" "$(awk '$2 + 0 < 0.01 { print $1 }' pk_e.txt)" \
    "$(awk '$2 + 0 < 0.01 { print $1 }' pk_h.txt)"
  check "Pkinase: all seeds below E = 0.01, no decoy" \
    awk -v n="$(grep -c '>' pk_seeds.fa)" '$2 + 0 < 0.01 { if ($1 ~ /^shuf_/) exit 1; k++ } END { exit k != n }' pk_e.txt
  # Default pipelines on both sides (filters on): the same hits below E = 0.01; and the filters only
  # remove targets, so every emtk hit scores as with --max (within 0.01 bits: the survivors' Forward
  # runs in float, src/hmm/domain_float.hpp).
  hmmsearch --nonull2 --cpu 1 -Z 1000 --tblout pk_hmmer_f.tbl -o /dev/null "$TUT/Pkinase.hmm" pk.fa
  run "$EMTK" hmm search -Z 1000 --tsv pk_emtk_f.tsv "$TUT/Pkinase.hmm" pk.fa
  check_eq "Pkinase, default filters: the same hits below E = 0.01 as hmmsearch's default pipeline" \
    "$(awk -F'\t' 'NR > 1 && $7 + 0 < 0.01 { print $1 }' pk_emtk_f.tsv | sort)" \
    "$(grep -v '^#' pk_hmmer_f.tbl | awk '$5 + 0 < 0.01 { print $1 }' | sort)"
  check "Pkinase: the filtered hits are a subset of --max's, with the same scores (0.01 bits)" \
    awk -F'\t' 'NR == FNR { s[$1] = $6; next } FNR > 1 { d = s[$1] - $6; if (!($1 in s) || d > 0.01 || d < -0.01) exit 1 }' pk_emtk.tsv pk_emtk_f.tsv
  run env EMTK_SIMD=scalar "$EMTK" hmm search -Z 1000 --tsv pk_emtk_scalar.tsv "$TUT/Pkinase.hmm" pk.fa
  check_same_file "Pkinase: the scalar kernels (EMTK_SIMD=scalar) give identical bytes" pk_emtk_f.tsv pk_emtk_scalar.tsv
  run env EMTK_SIMD=sse4.1 "$EMTK" hmm search -Z 1000 --tsv pk_emtk_sse.tsv "$TUT/Pkinase.hmm" pk.fa
  check_same_file "Pkinase: the SSE4.1 kernels give identical bytes" pk_emtk_f.tsv pk_emtk_sse.tsv
else
  echo "ok - Pkinase comparison with hmmsearch # SKIP HMMER or hmmer-examples not installed"
fi

fi # BADINPUT_ONLY

t_summary
