#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk hmm search` with DNA models (issue 4: genome annotation, both strands):
# the issue's comparison with nhmmer (MADE1.hmm x dna_target.fa from Debian's hmmer-examples),
# GFF3 accepted by genometools' `gt gff3validator`, BED6, invariants (the reverse complement of
# the target gives the mirrored hits; small windows give the same hits as one large window;
# identical output for -t 1 and -t 2; --watson/--crick), stdin and gzip targets, and exact
# error messages with no output left behind.
#
#   bash test/cli/hmm_search_dna_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
ROOT=$(cd "$CLI_DIR/../.." && pwd)
t_init "${1:-}"

E="[emtk] error:"
TUT=/usr/share/doc/hmmer/examples/tutorial
if [[ ! -f $TUT/MADE1.hmm || ! -f $TUT/dna_target.fa ]]; then
  not_ok "Debian's hmmer-examples is installed ($TUT/MADE1.hmm, dna_target.fa): scripts/setup.sh test installs it"
  t_summary
fi
MODEL=$TUT/MADE1.hmm
TARGET=$TUT/dna_target.fa

# one_line_fasta FILE: records with their residues on one line.
one_line_fasta() {
  awk '/^>/ { if (s != "") print s; print; s = ""; next } { s = s $0 } END { if (s != "") print s }' "$1"
}
# revcomp: reverse complement of one-line FASTA on stdin (names get "_rc").
revcomp() {
  local line
  while IFS= read -r line; do
    if [[ $line == '>'* ]]; then
      printf '%s_rc\n' "${line%% *}"
    else
      printf '%s\n' "$line" | rev | tr ACGTacgt TGCAtgca
    fi
  done
}
# hits_1e3 TBL: "strand from to evalue score" of the hits with E < 1e-3 (emtk's TSV).
hits_1e3() { awk -F'\t' 'NR > 1 && $12 + 0 < 1e-3 { print $11, $6, $7, $12, $13 }' "$1"; }

one_line_fasta "$TARGET" >target.fa
revcomp <target.fa >target_rc.fa
L=$(awk 'NR == 2 { print length($0) }' target.fa)

# ---- outputs -------------------------------------------------------------------------------------

run "$EMTK" hmm search --tsv hits.tsv --gff3 hits.gff3 --bed hits.bed "$MODEL" "$TARGET"
check_status "DNA search: exit 0" 0
check_stderr_one_line_starting "DNA search: only the summary line on stderr" "[emtk] searched "
cp "$(out_file)" table.txt
check "report names the model" grep -q '^Query:       MADE1  \[M=80\]' table.txt
check_eq "tblout header" "$(head -n 1 hits.tsv)" \
  "$(printf 'target\tquery\taccession\thmm_from\thmm_to\tali_from\tali_to\tenv_from\tenv_to\ttarget_length\tstrand\tevalue\tscore\tbias\tdescription')"
check "tblout: 15 tab-separated fields; + hits from <= to, - hits from >= to; hmm 1..80" awk -F'\t' 'NR > 1 {
  if (NF != 15) exit 1
  if ($11 == "+" && ($6 > $7 || $8 > $9)) exit 1
  if ($11 == "-" && ($6 < $7 || $8 < $9)) exit 1
  if ($11 != "+" && $11 != "-") exit 1
  if ($4 < 1 || $5 > 80 || $4 > $5 || $14 < 0) exit 1 }' hits.tsv
check "hits on both strands" awk -F'\t' 'NR > 1 { s[$11] = 1 } END { exit !(s["+"] && s["-"]) }' hits.tsv
n_hits=$(($(wc -l <hits.tsv) - 1))
check_eq "BED6: one line per hit" "$(wc -l <hits.bed | tr -d ' ')" "$n_hits"
check "BED6: 6 fields, 0-based half-open, score 0..1000, strand" awk -F'\t' '{
  if (NF != 6 || $2 < 0 || $2 >= $3 || $5 < 0 || $5 > 1000 || ($6 != "+" && $6 != "-")) exit 1 }' hits.bed
check_eq "GFF3: one feature per hit" "$(grep -vc '^#' hits.gff3)" "$n_hits"
check "GFF3: version line, sequence-region, 9 columns, start <= end" awk -F'\t' '
  NR == 1 { if ($0 != "##gff-version 3") exit 1; next }
  /^##sequence-region humanchr1_frag 1 330000$/ { r = 1; next }
  !/^#/ { if (NF != 9 || $4 > $5 || $3 != "nucleotide_match" || $9 !~ /^ID=hit[0-9]+;Name=MADE1;Target=MADE1 [0-9]+ [0-9]+ \+;evalue=/) exit 1 }
  END { exit !r }' hits.gff3
if command -v gt >/dev/null 2>&1; then
  check "GFF3 passes gt gff3validator (genometools)" bash -c "gt gff3validator hits.gff3 >/dev/null"
else
  not_ok "genometools (gt) is installed: scripts/setup.sh test installs it"
fi

# ---- the issue's comparison with nhmmer -----------------------------------------------------------

if command -v nhmmer >/dev/null 2>&1; then
  nhmmer --cpu 1 --tblout nh.tbl "$MODEL" "$TARGET" >/dev/null
  # nhmmer tblout: 7 ali from, 8 ali to, 12 strand, 13 E-value.
  awk '!/^#/ { print $12, $7, $8, $13 }' nh.tbl >nh_all.txt
  awk '$4 + 0 < 1e-3' nh_all.txt >nh_1e3.txt
  awk -F'\t' 'NR > 1 { print $11, $6, $7, $12 }' hits.tsv >emtk_all.txt
  # match A B: for each hit of file A, 1 if a hit of B on the same strand overlaps it by >= 50% of
  # both lengths (reciprocal overlap of the alignments).
  match_hits() {
    awk 'function lo(a, b) { return a < b ? a : b } function hi(a, b) { return a > b ? a : b }
      NR == FNR { n++; s[n] = $1; f[n] = lo($2, $3); t[n] = hi($2, $3); next }
      { a = lo($2, $3); b = hi($2, $3); m = 0
        for (i = 1; i <= n; i++) if (s[i] == $1) {
          ov = lo(b, t[i]) - hi(a, f[i]) + 1
          if (ov >= 0.5 * (b - a + 1) && ov >= 0.5 * (t[i] - f[i] + 1)) m = 1 }
        print m, $0 }' "$2" "$1"
  }
  n_nh=$(wc -l <nh_1e3.txt | tr -d ' ')
  found=$(match_hits nh_1e3.txt emtk_all.txt | awk '$1 == 1' | wc -l | tr -d ' ')
  check "nhmmer reports hits with E < 1e-3 ($n_nh)" awk_true "n >= 4" "n=$n_nh"
  check "emtk finds >= 95% of nhmmer's E < 1e-3 hits (50% reciprocal overlap, same strand): $found of $n_nh" \
    awk_true "f >= 0.95 * n" "f=$found" "n=$n_nh"
  awk '$4 + 0 < 1e-5' emtk_all.txt >emtk_1e5.txt
  extra=$(match_hits emtk_1e5.txt nh_all.txt | awk '$1 == 0' | wc -l | tr -d ' ')
  check_eq "no emtk hit with E < 1e-5 that nhmmer does not report" "$extra" 0
  # Scores of the common strong hits within 1.5 bits (emtk defines envelopes on its own windows).
  nhmmer --cpu 1 --tblout nhs.tbl "$MODEL" "$TARGET" >/dev/null
  awk '!/^#/ && $13 + 0 < 1e-3 { print $12, $7, $8, $14 }' nhs.tbl >nh_sc.txt
  hits_1e3 hits.tsv | awk '{ print $1, $2, $3, $5 }' >emtk_sc.txt
  check "scores of the E < 1e-3 hits within 1.5 bits of nhmmer's" awk '
    function lo(a, b) { return a < b ? a : b } function hi(a, b) { return a > b ? a : b }
    NR == FNR { n++; s[n] = $1; f[n] = lo($2, $3); t[n] = hi($2, $3); sc[n] = $4; next }
    { a = lo($2, $3); b = hi($2, $3); m = 0
      for (i = 1; i <= n; i++) if (s[i] == $1 && lo(b, t[i]) >= hi(a, f[i])) { m = 1; d = $4 - sc[i]; if (d < -1.5 || d > 1.5) bad = 1 }
      if (!m) bad = 1 }
    END { exit bad }' emtk_sc.txt nh_sc.txt
else
  not_ok "nhmmer (HMMER) is installed: scripts/setup.sh test installs it"
fi

# ---- invariants ----------------------------------------------------------------------------------

"$EMTK" hmm search -E 1e-3 --tsv rc.tsv "$MODEL" target_rc.fa >/dev/null
# A hit (s, from, to) on the target is (other strand, L - from + 1, L - to + 1) on its reverse complement.
check "reverse complement of the target: the same hits, strands and coordinates mirrored" bash -c '
  diff <(awk -F"\t" -v L='"$L"' "NR > 1 && \$12 + 0 < 1e-3 { print (\$11 == \"+\" ? \"-\" : \"+\"), L - \$6 + 1, L - \$7 + 1, \$4, \$5, \$13 }" rc.tsv | sort) \
       <(awk -F"\t" "NR > 1 && \$12 + 0 < 1e-3 { print \$11, \$6, \$7, \$4, \$5, \$13 }" hits.tsv | sort)'
"$EMTK" hmm search --window 1000 --tsv w1000.tsv "$MODEL" "$TARGET" >/dev/null
check "windows of 1 kb (overlapping by the max hit length) give the same hits with E < 1e-3" \
  bash -c "diff <(awk -F'\t' 'NR > 1 && \$12 + 0 < 1e-3' hits.tsv) <(awk -F'\t' 'NR > 1 && \$12 + 0 < 1e-3' w1000.tsv)"
"$EMTK" hmm search -t 2 --tsv t2.tsv --gff3 t2.gff3 "$MODEL" "$TARGET" >t2.txt
check_same_file "-t 2: the same tblout as -t 1" hits.tsv t2.tsv
check_same_file "-t 2: the same GFF3 as -t 1" hits.gff3 t2.gff3
check_same_file "-t 2: the same table as -t 1" table.txt t2.txt
# A MADE1 copy (hmmemit) whose halves also match the model apart on the minus strand (MADE1's ends
# are inverted repeats): its posterior region expects an end-then-begin 0.27-0.42 times, less
# than one domain spanning it, so it must stay one envelope (nhmmer: one hit, model 1-79, 23.8
# bits; split, it was reported as model 42-79 at 17.3 bits). The fixture is 3,120 bp of the
# bench's (b) genome around the copy (bench/hmm_search_vs_hmmsearch.sh); --window 1000 puts the
# copy across a window edge.
IR="$ROOT/test/cli/data/made1_inverted_repeat.fa"
for opts in "" "--max" "--window 1000"; do
  # shellcheck disable=SC2086 # opts is a list of options
  "$EMTK" hmm search $opts --crick --tsv ir.tsv "$MODEL" "$IR" >/dev/null
  check "inverted-repeat copy on the minus strand is one hit, model <= 2 .. >= 78, >= 23 bits (${opts:-default})" \
    awk -F'\t' 'NR > 1 && $11 == "-" && $4 <= 2 && $5 >= 78 && $13 >= 23 { f++ } NR > 1 && $11 == "-" && $6 >= 1501 && $6 <= 1588 { n++ }
      END { exit !(f == 1 && n == 1) }' ir.tsv
done
"$EMTK" hmm search --watson --tsv top.tsv "$MODEL" "$TARGET" >/dev/null
"$EMTK" hmm search --crick --tsv bottom.tsv "$MODEL" "$TARGET" >/dev/null
check "--watson: only + hits; --crick: only - hits" bash -c \
  "awk -F'\t' 'NR > 1 && \$11 != \"+\" { exit 1 }' top.tsv && awk -F'\t' 'NR > 1 && \$11 != \"-\" { exit 1 }' bottom.tsv"
check "--watson and --crick together find the E < 1e-3 hits of both strands" bash -c \
  "diff <(awk -F'\t' 'NR > 1 && \$12 + 0 < 1e-3 { print \$6, \$7, \$11 }' hits.tsv | sort) \
        <(awk -F'\t' 'FNR > 1 && \$12 + 0 < 1e-3 { print \$6, \$7, \$11 }' top.tsv bottom.tsv | sort)"
gzip -c target.fa >target.fa.gz
"$EMTK" hmm search -E 1e-3 --tsv gz.tsv "$MODEL" target.fa.gz >/dev/null
"$EMTK" hmm search -E 1e-3 --tsv stdin.tsv "$MODEL" - <target.fa >/dev/null
check "gzip targets: the hits with E <= 1e-3 of the plain file" bash -c \
  "diff <(awk -F'\t' 'NR == 1 || \$12 + 0 <= 1e-3' hits.tsv) gz.tsv"
check_same_file "stdin targets: the same hits as gzip" gz.tsv stdin.tsv
"$EMTK" hmm search --nonull2 -E 1e-3 --tsv nobias.tsv "$MODEL" "$TARGET" >/dev/null
check "--nonull2: bias 0 and scores >= the corrected ones" bash -c \
  "awk -F'\t' 'NR > 1 && \$14 != \"0.00\" { exit 1 }' nobias.tsv && [ \$(wc -l <nobias.tsv) -ge \$(wc -l <gz.tsv) ]"
"$EMTK" hmm search -Z 100 -E 1e-3 --tsv z.tsv "$MODEL" "$TARGET" >/dev/null
check "-Z 100 (Mb, both strands): E-values scaled by 200e6 / 660000" awk -F'\t' '
  NR == FNR { if (FNR > 1) e[$6 " " $7] = $12; next }
  FNR > 1 && ($6 " " $7) in e { r = $12 / e[$6 " " $7]; if (r < 300 || r > 306) bad = 1; n++ }
  END { exit bad || !n }' gz.tsv z.tsv

# ---- errors --------------------------------------------------------------------------------------

printf '>p\nMKVLAAGIVGLLLAAQQ\n' >prot.fa
expect_error "DNA model, protein targets" 1 \
  "$E prot.fa: the targets are amino sequences but model MADE1 in $MODEL is DNA (use --alphabet to force the targets' alphabet)" \
  out "$EMTK" hmm search --tsv out.tsv --gff3 out.gff3 "$MODEL" prot.fa
check "no GFF3 left behind" test ! -e out.gff3
expect_error "protein model, DNA targets" 1 \
  "$E target.fa: the targets are DNA sequences but model globins4 in $TUT/globins4.hmm is amino (use --alphabet to force the targets' alphabet)" \
  out "$EMTK" hmm search --tsv out.tsv "$TUT/globins4.hmm" target.fa
cat "$MODEL" "$TUT/globins4.hmm" >mixed.hmm
expect_error "protein and DNA models in one file" 1 \
  "$E mixed.hmm: mixes protein and nucleotide models (model globins4): search them separately" \
  out "$EMTK" hmm search --tsv out.tsv mixed.hmm target.fa
expect_error "--domtsv with DNA models" 2 \
  "$E --domtblout and --domtsv are for protein searches: DNA hits are single alignments (use --tblout, --dfamtblout or --tsv)" \
  out "$EMTK" hmm search --tsv out.tsv --domtsv out.dom "$MODEL" target.fa
check "no domtblout left behind" test ! -e out.dom
expect_error "--watson with --crick" 2 \
  "$E --watson and --crick exclude each other (the default searches both strands)" \
  out "$EMTK" hmm search --tsv out.tsv --watson --crick "$MODEL" target.fa
expect_error "--nonull2 with protein models" 2 \
  "$E --watson, --crick and --nonull2 apply to DNA models (these models are protein models)" \
  out "$EMTK" hmm search --nonull2 "$TUT/globins4.hmm" prot.fa
expect_error "two outputs on stdout" 2 \
  "$E only one of --tblout, --domtblout, --dfamtblout, --tsv, --domtsv, --gff3 and --bed can write to stdout ('-')" \
  out "$EMTK" hmm search --gff3 - --bed - "$MODEL" target.fa
: >empty.fa
expect_error "empty target file" 1 "$E empty.fa: empty file: no sequences" \
  out "$EMTK" hmm search --gff3 out.gff3 "$MODEL" empty.fa
check "no GFF3 left behind (empty targets)" test ! -e out.gff3
printf '>d\nACGTNNACGT\n>e\nACGT!ACG\n' >bad.fa
expect_error "invalid character in a target" 1 \
  "$E bad.fa: record 2 (e): position 5: '!' is not a DNA residue (alphabet guessed from the first records)" \
  out "$EMTK" hmm search --bed out.bed "$MODEL" bad.fa
check "no BED left behind" test ! -e out.bed
head -n 25 "$MODEL" >trunc.hmm
run "$EMTK" hmm search --gff3 out.gff3 trunc.hmm target.fa
check_status "truncated model: exit 1" 1
check_stderr_one_line_starting "truncated model: one line naming the file and line" "$E trunc.hmm:26: file ends inside a model"
check "truncated model: no GFF3" test ! -e out.gff3

# ---- filters (issue 15): the SSV/Viterbi/Forward windows lose none of the --max hits ---------------

run "$EMTK" hmm search --max --tsv dmax.tsv "$MODEL" "$TARGET"
check_status "--max: exit 0" 0
run "$EMTK" hmm search --tsv dfilt.tsv "$MODEL" "$TARGET"
# With the filters, the occupancy of a window that passes them reuses the Forward filter's pass,
# under the window's length model (as nhmmer's domain definition), where --max scans whole
# windows under the length model of W: envelopes, hence alignment ends, can move by a residue or
# two (on this target the filtered hits equal nhmmer's, --max's end one residue short on one).
check_eq "filters on: the same hits with E < 1e-3 as --max (target, strand)" \
  "$(awk -F'\t' 'NR > 1 && $12 + 0 < 1e-3 { print $1, $11 }' dfilt.tsv)" \
  "$(awk -F'\t' 'NR > 1 && $12 + 0 < 1e-3 { print $1, $11 }' dmax.tsv)"
check "filters on: their alignments within 3 residues of --max's" awk -F'\t' '
  NR == FNR { if (FNR > 1 && $12 + 0 < 1e-3) { n++; a[n] = $6; b[n] = $7 } next }
  FNR > 1 && $12 + 0 < 1e-3 { k++; d1 = $6 - a[k]; d2 = $7 - b[k]; if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
    if (d1 > 3 || d2 > 3) exit 1 }
  END { exit !(k == n && n > 0) }' dmax.tsv dfilt.tsv
run env EMTK_SIMD=scalar "$EMTK" hmm search --tsv dscalar.tsv "$MODEL" "$TARGET"
check_same_file "filters on: the scalar kernels give identical bytes" dfilt.tsv dscalar.tsv

t_summary
