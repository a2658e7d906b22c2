#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk and python programs are single-quoted on purpose
# CLI tests for `emtk hmm search`'s HMMER-compatible outputs (issue 15 point 4): --tblout,
# --domtblout and --dfamtblout parsed with the same code as the files hmmsearch/nhmmer write (awk,
# and a python parser using HMMER's rule "split on white space, the last column is free text"),
# the same targets at E < 0.01 (protein) and E < 1e-3 (DNA); HMMER's comment header and footer;
# --cut_ga on HMMER's Pkinase.hmm; EMBL and GenBank targets give the FASTA hits; -A read back by
# emtk and by hmmbuild; -o, --noali, inclusion marks; -t 1 = -t 2 = --cpu 2 bytes.
#
#   bash test/cli/hmm_search_hmmer_format_test.sh build/emtk test/cli
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"

E="[emtk] error:"
TUT=/usr/share/doc/hmmer/examples/tutorial
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=86400 # the footer's date, for byte comparisons

if [[ ! -f $TUT/Pkinase.hmm || ! -f $TUT/MADE1.hmm ]] || ! command -v hmmsearch >/dev/null 2>&1; then
  not_ok "HMMER and Debian's hmmer-examples are installed (scripts/setup.sh test installs them)"
  t_summary
fi

# ---- data: the Pkinase seeds plus shuffled decoys (as hmm_search_test.sh) -------------------------

awk '!/^#/ && !/^\/\// && NF == 2 { s[$1] = s[$1] $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END { for (i = 1; i <= n; i++) { x = s[order[i]]; gsub(/[.-]/, "", x); print ">" order[i] " seed " i " of Pkinase"; print toupper(x) } }' \
  "$TUT/Pkinase.sto" >seeds.fa
awk 'BEGIN { srand(7) } /^>/ { name = substr($1, 2); next }
  { n = length($0); for (i = 1; i <= n; i++) a[i] = substr($0, i, 1)
    for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = a[i]; a[i] = a[j]; a[j] = t }
    s = ""; for (i = 1; i <= n; i++) s = s a[i]; print ">shuf_" name; print s }' seeds.fa >decoys.fa
cat seeds.fa decoys.fa >pk.fa
n_seeds=$(grep -c '>' seeds.fa)

# HMMER's own files on the same input (default settings).
hmmsearch --cpu 1 --tblout h.tbl --domtblout h.dom -o /dev/null "$TUT/Pkinase.hmm" pk.fa

run "$EMTK" hmm search --tblout e.tbl --domtblout e.dom -o e.out -A e.sto "$TUT/Pkinase.hmm" pk.fa
check_status "protein: exit 0" 0
check_stderr_one_line_starting "protein: only the summary line on stderr" "[emtk] searched "
check "protein: nothing on stdout with -o" test ! -s "$(out_file)"

# ---- the same parsing code on both files -----------------------------------------------------------

# awk: non-comment lines, HMMER's documented columns. tblout: 1 target, 3 query, 5 E-value, 6 score;
# 19 columns or more (the description may hold spaces). domtblout: 1 target, 4 query, 6 qlen,
# 10/11 domain # of, 12 c-Evalue, 16-21 coordinates, 22 acc; 23 columns or more.
tbl_awk='!/^#/ { if (NF < 19 || $5 !~ /^[0-9.e+-]+$/ || $6 !~ /^-?[0-9]+\.[0-9]$/) { print "bad line " NR; exit 1 }
  if ($5 + 0 < 0.01) print $1, $3 }'
dom_awk='!/^#/ { if (NF < 23 || $10 > $11 || $16 > $17 || $18 > $19 || $20 > $21 || $17 > $6 || $22 > 1) { print "bad line " NR; exit 1 }
  if ($7 + 0 < 0.01) print $1, $4, $10, $11 }'
# parses AWK FILE: the awk program accepts every line of FILE (its output is not shown).
parses() { awk "$1" "$2" >/dev/null; }
check "tblout: HMMER's file parses with the awk code" parses "$tbl_awk" h.tbl
check "tblout: emtk's file parses with the awk code" parses "$tbl_awk" e.tbl
check_eq "tblout: the same targets at E < 0.01 (awk)" "$(awk "$tbl_awk" e.tbl | sort)" "$(awk "$tbl_awk" h.tbl | sort)"
check_eq "tblout: every seed, no decoy at E < 0.01" "$(awk "$tbl_awk" e.tbl | grep -vc '^shuf_')" "$n_seeds"
check "domtblout: emtk's file parses with the awk code" parses "$dom_awk" e.dom
check "domtblout: HMMER's file parses with the awk code" parses "$dom_awk" h.dom
check_eq "domtblout: the same domains (target, #, of) at E < 0.01" "$(awk "$dom_awk" e.dom | sort)" \
  "$(awk "$dom_awk" h.dom | sort)"

# python, HMMER's rule: split on white space at most (columns - 1) times; the last column is free text.
cat >parse.py <<'EOF'
import sys
path, ncol, evalue_col, thr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rows = []
for line in open(path):
    if line.startswith('#'):
        continue
    f = line.rstrip('\n').split(None, ncol - 1)
    if len(f) != ncol:
        sys.exit('%s: %d columns in %r' % (path, len(f), line))
    rows.append(f)
names = sorted({(f[0], f[2] if ncol in (19, 16) else f[3]) for f in rows if float(f[evalue_col]) < thr})
for n in names:
    print(*n)
print('descriptions:', sorted({f[-1] for f in rows})[:2])
EOF
if [[ -x $PY ]]; then
  check "tblout: emtk's file parses with the python parser" bash -c "'$PY' parse.py e.tbl 19 4 0.01 >/dev/null"
  check_eq "tblout: python gives the same targets for both files" "$("$PY" parse.py e.tbl 19 4 0.01 | grep -v '^descriptions')" \
    "$("$PY" parse.py h.tbl 19 4 0.01 | grep -v '^descriptions')"
  check_eq "domtblout: python gives the same targets for both files" "$("$PY" parse.py e.dom 23 6 0.01 | grep -v '^descriptions')" \
    "$("$PY" parse.py h.dom 23 6 0.01 | grep -v '^descriptions')"
  check "tblout: the description (with spaces) is the last column" bash -c \
    "'$PY' parse.py e.tbl 19 4 0.01 | grep -q \"descriptions: .*'seed 1 of Pkinase'\""
fi

# Layout: HMMER's header lines and rows at HMMER's widths (on the seeds, where both report the
# same sequences, so that the name columns have the same width), its footer lines in its order,
# rows sorted by E-value.
hmmsearch --cpu 1 --tblout hs.tbl --domtblout hs.dom -o /dev/null "$TUT/Pkinase.hmm" seeds.fa
"$EMTK" hmm search --tblout es.tbl --domtblout es.dom "$TUT/Pkinase.hmm" seeds.fa >/dev/null
check_eq "tblout: the header lines are HMMER's" "$(head -n 3 es.tbl)" "$(head -n 3 hs.tbl)"
check_eq "domtblout: the header lines are HMMER's" "$(head -n 3 es.dom)" "$(head -n 3 hs.dom)"
# Row layout: the best hit's row, every digit masked, is HMMER's character for character.
mask() { grep -v '^#' "$1" | head -n 1 | sed 's/[0-9]/9/g'; }
check_eq "tblout: the first row at HMMER's column widths" "$(mask es.tbl)" "$(mask hs.tbl)"
check_eq "domtblout: the first row at HMMER's column widths" "$(mask es.dom)" "$(mask hs.dom)"
check_eq "tblout: footer fields in HMMER's order" "$(grep '^# [A-Z]' e.tbl | cut -c1-19)" "$(grep '^# [A-Z]' h.tbl | cut -c1-19)"
check "tblout: footer ends with [ok], dated by SOURCE_DATE_EPOCH" bash -c \
  "tail -n 1 e.tbl | grep -qx '# \\[ok\\]' && grep -qx '# Date:            Fri Jan  2 00:00:00 1970' e.tbl"
check "tblout: sorted by E-value" awk '!/^#/ { if (n++ && $5 + 0 < prev) exit 1; prev = $5 + 0 }' e.tbl

# ---- the main report -----------------------------------------------------------------------------

check "report: hmmsearch's sections" bash -c "grep -q '^Scores for complete sequences (score includes all domains):' e.out &&
  grep -q '^Domain annotation for each sequence (and alignments):' e.out &&
  grep -q '^Internal pipeline statistics summary:' e.out && grep -q '^  == domain 1  score: ' e.out && tail -n 1 e.out | grep -qx '\\[ok\\]'"
check "report: the inclusion threshold line separates the seeds from the decoys" awk '
  /inclusion threshold/ { past = 1 } /^    [0-9]/ || /^     *[0-9]/ { if ($1 ~ /^[0-9]/ && NF >= 9) { if (!past && $9 ~ /^shuf_/) exit 1; if (past && $9 !~ /^shuf_/) exit 1 } }' e.out
check_eq "report: one '!' domain row per included domain of -A" "$(awk '$2 == "!" && $1 ~ /^[0-9]+$/' e.out | wc -l | tr -d ' ')" \
  "$(grep -vc '^#\|^$\|^//' e.sto)"
run "$EMTK" hmm search --noali "$TUT/Pkinase.hmm" pk.fa
check "--noali: no alignments" bash -c "! grep -q '== domain' '$(out_file)' && grep -q '^Domain annotation for each sequence:' '$(out_file)'"
run "$EMTK" hmm search --incE 1e-70 --incdomE 1e-70 "$TUT/Pkinase.hmm" pk.fa
check "--incE/--incdomE: weaker domains become '?'" bash -c "awk '\$2 == \"?\" && \$1 ~ /^[0-9]+\$/' '$(out_file)' | grep -q . &&
  awk '\$2 == \"!\" && \$1 ~ /^[0-9]+\$/' '$(out_file)' | grep -q ."

# ---- -A: read back by emtk and by hmmbuild --------------------------------------------------------

n_inc=$(awk '$2 == "!" && $1 ~ /^[0-9]+$/' e.out | wc -l | tr -d ' ')
check "-A: Stockholm with PP and RF lines" bash -c "head -n 1 e.sto | grep -qx '# STOCKHOLM 1.0' && grep -q '^#=GC RF' e.sto && tail -n 1 e.sto | grep -qx '//'"
check "-A: hmmbuild --hand reads it back: all rows, M match columns" bash -c \
  "hmmbuild --hand --amino back.hmm e.sto | awk '\$1 == 1 { exit !(\$3 == $n_inc && \$5 == 260) }'"
run "$EMTK" hmm train --seed-msa e.sto --max-iter 1 -o back_emtk.hmm seeds.fa
check_status "-A: emtk's Stockholm reader reads it back (hmm train --seed-msa)" 0
mlen=$(hmmbuild --amino back_hmmer.hmm e.sto | awk '$1 == 1 { print $5 }')
check_eq "-A: emtk's model from it has hmmbuild's number of match columns" "$(awk '$1 == "LENG" { print $2 }' back_emtk.hmm)" "$mlen"

run "$EMTK" hmm search -A none.sto --incE 1e-300 --tblout o.tbl "$TUT/Pkinase.hmm" decoys.fa
check_status "-A with nothing included: exit 0" 0
check "-A with nothing included: a warning (beside the summary line)" grep -qxF -- \
  "[emtk] warning: -A none.sto: no domain satisfies the inclusion thresholds; no alignment saved" "$CAP/err"
check "-A with nothing included: no file (as hmmsearch)" test ! -e none.sto

# ---- --cut_ga on HMMER's Pkinase.hmm ------------------------------------------------------------------

hmmsearch --cpu 1 --cut_ga --tblout hga.tbl -o /dev/null "$TUT/Pkinase.hmm" pk.fa
run "$EMTK" hmm search --cut_ga --tblout ega.tbl "$TUT/Pkinase.hmm" pk.fa
check_status "--cut_ga: exit 0" 0
check "--cut_ga: every reported score >= GA (70.3)" awk '!/^#/ && $6 + 0 < 70.3 { exit 1 }' ega.tbl
check_eq "--cut_ga: the same targets as hmmsearch --cut_ga" "$(grep -v '^#' ega.tbl | awk '{ print $1 }' | sort)" \
  "$(grep -v '^#' hga.tbl | awk '{ print $1 }' | sort)"
expect_error "--cut_ga on a model without GA" 1 \
  "$E $TUT/MADE1.hmm: model MADE1 has no GA line (needed by --cut_ga): use -T/--domT or a model with Pfam's score cutoffs" \
  o "$EMTK" hmm search --cut_ga --tblout o.tbl "$TUT/MADE1.hmm" "$TUT/dna_target.fa"
expect_error "--cut_ga with -T" 2 "$E --cut_ga/--cut_tc/--cut_nc replace -T, --domT, --incT and --incdomT: give one or the other" \
  o "$EMTK" hmm search --cut_ga -T 20 --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa

# ---- usage errors: one line, exit 2, no output ------------------------------------------------------

expect_error "--cut_ga with --cut_tc" 2 "$E --cut_ga, --cut_tc and --cut_nc exclude each other" \
  o "$EMTK" hmm search --cut_ga --cut_tc --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa
expect_error "-t and --cpu disagree" 2 "$E -t and --cpu are the same option: give one" \
  o "$EMTK" hmm search -t 2 --cpu 3 --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa
expect_error "--incE 0" 2 "$E --incE and --incdomE must be > 0" \
  o "$EMTK" hmm search --incE 0 --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa
expect_error "-o - with a table on stdout" 2 "$E -o - and a table on stdout ('-') exclude each other" \
  o "$EMTK" hmm search -o - --tblout - "$TUT/Pkinase.hmm" pk.fa
expect_error "-A -" 2 "$E -A needs a file name (not '-')" \
  o "$EMTK" hmm search -A - --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa
expect_error "--no-domains with --domtblout" 2 "$E --no-domains excludes --domtblout, --domtsv and -A (they list domains)" \
  o "$EMTK" hmm search --no-domains --domtblout o.dom --tblout o.tbl "$TUT/Pkinase.hmm" pk.fa
expect_error "-A with DNA models" 2 "$E -A is for protein searches (DNA hits: use --gff3 or --bed)" \
  o "$EMTK" hmm search -A o.sto --tblout o.tbl "$TUT/MADE1.hmm" "$TUT/dna_target.fa"

# ---- EMBL and GenBank targets -----------------------------------------------------------------------

# to_flat FMT: one-line FASTA on stdin to EMBL (with a feature table whose translation holds "SQ",
# which cuts SeqAn3's EMBL records) or GenBank (lower-case residues, numbered lines).
to_flat() {
  awk -v fmt="$1" '/^>/ { name = substr($1, 2); desc = $0; sub(/^>[^ ]* ?/, "", desc); next }
  { s = $0; n = length(s)
    if (fmt == "embl") {
      print "ID   " name "; SV 1; linear; protein; STD; PRO; " n " AA."; print "XX"; print "AC   X" NR ";"; print "XX"
      if (desc != "") print "DE   " desc
      print "FT   CDS             1.." n; print "FT                   /translation=\"MSQLK\""
      print "SQ   Sequence " n " AA;"
      for (i = 1; i <= n; i += 60) { l = "    "; for (j = i; j < i + 60 && j <= n; j += 10) l = l " " substr(s, j, 10); printf "%-70s%10d\n", l, (i + 59 < n ? i + 59 : n) }
    } else {
      printf "LOCUS       %-16s %11d aa            linear   PRI 01-JAN-2000\n", name, n
      if (desc != "") print "DEFINITION  " desc
      print "ACCESSION   X" NR; print "FEATURES             Location/Qualifiers"; print "     source          1.." n; print "ORIGIN"
      for (i = 1; i <= n; i += 60) { l = sprintf("%9d", i); for (j = i; j < i + 60 && j <= n; j += 10) l = l " " tolower(substr(s, j, 10)); print l }
    }
    print "//" }'
}
to_flat embl <pk.fa >pk.embl
to_flat genbank <pk.fa >pk.gb
gzip -c pk.gb >pk.gb.gz
"$EMTK" hmm search --tblout fa.tbl "$TUT/Pkinase.hmm" pk.fa >/dev/null
for f in pk.embl pk.gb.gz; do
  run "$EMTK" hmm search --tblout flat.tbl "$TUT/Pkinase.hmm" "$f"
  check_status "$f: exit 0" 0
  check_eq "$f: the same hits as FASTA (names, scores, descriptions)" "$(grep -v '^#' flat.tbl)" "$(grep -v '^#' fa.tbl)"
done
printf 'ID   x; SV 1\nSQ   Sequence 3 AA;\n     MKV\n' >trunc.embl
expect_error "EMBL record without //" 1 "$E trunc.embl: the file ends inside record x (line 1): expected a final '//' line" \
  o "$EMTK" hmm search --tblout o.tbl "$TUT/Pkinase.hmm" trunc.embl
printf 'LOCUS       y  3 aa\nDEFINITION  d\n//\n' >noorigin.gb
expect_error "GenBank record without ORIGIN" 1 "$E noorigin.gb:3: record y (line 1) ends without its 'ORIGIN' line" \
  o "$EMTK" hmm search --tblout o.tbl "$TUT/Pkinase.hmm" noorigin.gb

# ---- DNA: nhmmer's --tblout and --dfamtblout -----------------------------------------------------------

nhmmer --cpu 1 --tblout n.tbl --dfamtblout n.dfam -o /dev/null "$TUT/MADE1.hmm" "$TUT/dna_target.fa"
run "$EMTK" hmm search --tblout d.tbl --dfamtblout d.dfam "$TUT/MADE1.hmm" "$TUT/dna_target.fa"
check_status "DNA: exit 0" 0
dna_awk='!/^#/ { if (NF < 16 || ($12 != "+" && $12 != "-")) { print "bad line " NR; exit 1 }
  if ($13 + 0 < 1e-3) print $1, $3, $12 }'
dfam_awk='!/^#/ { if (NF < 15 || ($9 != "+" && $9 != "-")) { print "bad line " NR; exit 1 } if ($5 + 0 < 1e-3) print $1, $3, $9 }'
check "DNA tblout: both files parse with the awk code" bash -c "awk '$dna_awk' d.tbl >/dev/null && awk '$dna_awk' n.tbl >/dev/null"
check_eq "DNA tblout: the header lines are nhmmer's" "$(head -n 2 d.tbl)" "$(head -n 2 n.tbl)"
check_eq "DNA dfamtblout: the header lines are nhmmer's" "$(head -n 5 d.dfam)" "$(head -n 5 n.dfam)"
# The same copies at E < 1e-3: each nhmmer hit overlaps an emtk hit on the same strand.
check "DNA tblout: every nhmmer hit at E < 1e-3 overlaps an emtk hit on its strand" awk '
  function lo(a, b) { return a < b ? a : b } function hi(a, b) { return a > b ? a : b }
  /^#/ { next } FNR == NR { n++; s[n] = $12; a[n] = lo($7, $8); b[n] = hi($7, $8); next }
  $13 + 0 < 1e-3 { found = 0; for (i = 1; i <= n; i++) if (s[i] == $12 && a[i] <= hi($7, $8) && lo($7, $8) <= b[i]) found = 1
    if (!found) { print "missing " $0; exit 1 } }' d.tbl n.tbl
check "DNA dfamtblout: emtk's parses, as many rows as the tblout" bash -c \
  "awk '$dfam_awk' d.dfam >/dev/null && [[ \$(grep -vc '^#' d.dfam) == \$(grep -vc '^#' d.tbl) ]]"
if [[ -x $PY ]]; then
  check "DNA tblout and dfamtblout: python parses emtk's files" bash -c \
    "'$PY' parse.py d.tbl 16 12 1e-3 >/dev/null && '$PY' parse.py d.dfam 15 4 1e-3 >/dev/null"
fi
expect_error "--dfamtblout with protein models" 2 "$E --dfamtblout is for DNA searches (use --tblout and --domtblout)" \
  o "$EMTK" hmm search --dfamtblout o.dfam "$TUT/Pkinase.hmm" pk.fa

# ---- determinism: -t 1 = -t 2 = --cpu 2 --------------------------------------------------------------

# The same file names each time (the footer and report header name them); results moved aside.
for t in "-t 1" "-t 2" "--cpu 2"; do
  # shellcheck disable=SC2086 # $t is two words on purpose
  "$EMTK" hmm search $t --tblout x.tbl --domtblout x.dom -A x.sto -o x.out "$TUT/Pkinase.hmm" pk.fa
  k=${t//[^0-9a-z]/}
  for x in tbl dom sto out; do mv "x.$x" "$k.$x"; done
done
for x in tbl dom sto out; do
  check_same_file "-t 1 and -t 2: identical $x" "t1.$x" "t2.$x"
  check_same_file "-t 1 and --cpu 2: identical $x (thread options left out of the footer)" "t1.$x" "cpu2.$x"
done
for t in 1 2; do
  "$EMTK" hmm search -t $t --tblout x.tbl --dfamtblout x.dfam "$TUT/MADE1.hmm" "$TUT/dna_target.fa" >"d$t.out"
  mv x.tbl "d$t.tbl" && mv x.dfam "d$t.dfam"
done
check_same_file "DNA: -t 1 and -t 2: identical tblout" d1.tbl d2.tbl
check_same_file "DNA: -t 1 and -t 2: identical dfamtblout" d1.dfam d2.dfam
check_same_file "DNA: -t 1 and -t 2: identical report" d1.out d2.out

t_summary
