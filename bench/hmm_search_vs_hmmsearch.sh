#!/usr/bin/env bash
# Issue 4's speed benchmark: `emtk hmm search` against `hmmsearch --max --cpu 1` (protein) and
# against `nhmmer` (DNA, both strands) on the same models and targets, one run each: wall time,
# their ratio, peak memory (/usr/bin/time -v), and how far the results agree.
#
#   bash bench/hmm_search_vs_hmmsearch.sh [N_EMITTED] [N_DECOYS] [GENOME_MB]  (default 2000 2000 2)
#   EMTK=/path/to/emtk THREADS=1 bash bench/hmm_search_vs_hmmsearch.sh
#
# Targets: N_EMITTED sequences emitted from HMMER's tutorial Pkinase.hmm (`hmmemit -N N --seed 1`,
# local fragments with flanks, as hmmemit emits by default) plus N_DECOYS shuffled copies of them
# (awk Fisher-Yates, composition kept). Both tools score with the full Forward (no prefilter) and
# without null2 (hmmsearch --nonull2) so that the numbers are comparable; -Z is the target count.
# DNA: Dfam's MADE1.hmm (HMMER's tutorial) against the tutorial's dna_target.fa (330 kb of human
# chr1) plus a random chromosome of GENOME_MB megabases (uniform bases, awk's rand with a fixed
# seed) into which 100 `hmmemit` MADE1 copies are inserted, half of them reverse-complemented:
# emtk against `nhmmer --cpu 1` (its default filters) and `nhmmer --max --cpu 1` (no filters, as
# emtk), with the hits at E < 1e-3 and how many inserted copies each tool finds.
# Needs HMMER (hmmsearch, hmmemit, nhmmer) and Debian's hmmer-examples; emtk from build/emtk by default.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
emtk="${EMTK:-$repo/build/emtk}"
threads="${THREADS:-1}"
n_emit="${1:-2000}"
n_decoy="${2:-2000}"
genome_mb="${3:-2}"
model=/usr/share/doc/hmmer/examples/tutorial/Pkinase.hmm
dna_model=/usr/share/doc/hmmer/examples/tutorial/MADE1.hmm
dna_target=/usr/share/doc/hmmer/examples/tutorial/dna_target.fa
for tool in hmmsearch hmmemit nhmmer /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install hmmer hmmer-examples time)" >&2; exit 1; }
done
[[ -x $emtk ]] || { echo "no emtk binary at $emtk (build it, or set EMTK)" >&2; exit 1; }
[[ -f $model ]] || { echo "no $model (apt-get install hmmer-examples)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-search.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

hmmemit -N "$n_emit" --seed 1 "$model" |
  awk '/^>/ { if (s != "") print s; print; s = ""; next } { s = s $0 } END { if (s != "") print s }' >emitted.fa
awk -v n="$n_decoy" 'BEGIN { srand(3) } /^>/ { name = substr($1, 2); next }
  k < n { k++; m = length($0); for (i = 1; i <= m; i++) a[i] = substr($0, i, 1)
    for (i = m; i > 1; i--) { j = int(rand() * i) + 1; t = a[i]; a[i] = a[j]; a[j] = t }
    s = ""; for (i = 1; i <= m; i++) s = s a[i]; print ">shuf_" name; print s }' emitted.fa >decoys.fa
cat emitted.fa decoys.fa >targets.fa
n=$(grep -c '>' targets.fa)
residues=$(awk '!/^>/ { r += length($0) } END { print r }' targets.fa)

# timed NAME CMD...: runs CMD under /usr/bin/time -v; prints "seconds peak_kB".
timed() {
  local name=$1
  shift
  /usr/bin/time -v "$@" >"$name.stdout" 2>"$name.time"
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { kb = $2 } END { printf "%.2f %d\n", s, kb }' "$name.time"
}

read -r t_emtk m_emtk < <(timed emtk "$emtk" hmm search -t "$threads" -Z "$n" --tsv emtk.tsv --domtsv emtk.dom.tsv "$model" targets.fa)
read -r t_hmmer m_hmmer < <(timed hmmer hmmsearch --max --nonull2 --cpu "$threads" -Z "$n" --tblout hmmer.tbl --domtblout hmmer.dom -o /dev/null "$model" targets.fa)

grep -v '^#' hmmer.tbl | awk '{ print $1, $5, $6 }' | sort >h.txt
awk -F'\t' 'NR > 1 { print $1, $7, $6 }' emtk.tsv | sort >e.txt
agree=$(join h.txt e.txt | awk '{ d = $3 - $5; if (d < 0) d = -d; if (d > md) md = d; k++ }
  END { printf "%d common hits, max |score difference| %.3f bits", k, md }')
h01=$(awk '$2 + 0 < 0.01' h.txt | wc -l)
e01=$(awk '$2 + 0 < 0.01' e.txt | wc -l)
both01=$(join <(awk '$2 + 0 < 0.01' h.txt) <(awk '$2 + 0 < 0.01' e.txt) | wc -l)

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(hmmsearch -h | sed -n 2p | sed 's/^# *//')"
echo "# Pkinase.hmm (M=$(awk '$1 == "LENG" { print $2; exit }' "$model")) vs $n targets ($residues residues: $n_emit hmmemit + $n_decoy shuffled), threads $threads"
printf '%-40s %9s %12s\n' tool wall_s peak_MB
printf '%-40s %9s %12.1f\n' "emtk hmm search" "$t_emtk" "$(awk -v k="$m_emtk" 'BEGIN { print k / 1024 }')"
printf '%-40s %9s %12.1f\n' "hmmsearch --max --nonull2 --cpu $threads" "$t_hmmer" "$(awk -v k="$m_hmmer" 'BEGIN { print k / 1024 }')"
echo "time ratio emtk/hmmsearch: $(awk -v a="$t_emtk" -v b="$t_hmmer" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
echo "agreement: $agree; hits with E < 0.01: hmmsearch $h01, emtk $e01, both $both01"

# ---- DNA: emtk against nhmmer -------------------------------------------------------------------

hmmemit -N 100 --seed 2 "$dna_model" |
  awk '/^>/ { if (s != "") print s; s = ""; next } { s = s $0 } END { if (s != "") print s }' >copies.txt
awk -v mb="$genome_mb" 'BEGIN { srand(5); n = int(mb * 1e6); split("A C G T", b, " ")
    while ((getline line < "copies.txt") > 0) copy[++nc] = line
    # insertion points: nc sorted random positions
    for (i = 1; i <= nc; i++) pos[i] = int(rand() * n)
    for (i = 2; i <= nc; i++) { v = pos[i]; j = i - 1; while (j >= 1 && pos[j] > v) { pos[j + 1] = pos[j]; j-- } pos[j + 1] = v }
    print ">random_chr"; out = ""; at = 0; k = 1; len = 0
    for (p = 0; p < n; p++) {
      while (k <= nc && pos[k] == p) {
        c = copy[k]; strand = (k % 2) ? "+" : "-"
        if (strand == "-") { r = ""; for (q = length(c); q >= 1; q--) { x = substr(c, q, 1)
            r = r (x == "A" ? "T" : x == "C" ? "G" : x == "G" ? "C" : "A") } c = r }
        printf "%d\t%d\t%s\n", len + 1, len + length(c), strand > "truth.txt"
        out = out c; len += length(c); k++ }
      out = out b[int(rand() * 4) + 1]; len++
      if (length(out) >= 60) { print substr(out, 1, 60); out = substr(out, 61) } }
    while (length(out) > 0) { print substr(out, 1, 60); out = substr(out, 61) } }' >random_chr.fa
cat "$dna_target" random_chr.fa >genome.fa
dna_residues=$(awk '!/^>/ { r += length($0) } END { print r }' genome.fa)

read -r t_edna m_edna < <(timed edna "$emtk" hmm search -t "$threads" --tsv emtk_dna.tsv "$dna_model" genome.fa)
read -r t_nh m_nh < <(timed nh nhmmer --cpu "$threads" --tblout nh.tbl -o /dev/null "$dna_model" genome.fa)
read -r t_nhmax m_nhmax < <(timed nhmax nhmmer --max --cpu "$threads" --tblout nhmax.tbl -o /dev/null "$dna_model" genome.fa)

# hits at E < 1e-3 as "target strand lo hi"; copies found = inserted copies overlapped by >= 50%.
awk -F'\t' 'NR > 1 && $12 + 0 < 1e-3 { lo = $6 < $7 ? $6 : $7; hi = $6 < $7 ? $7 : $6; print $1, $11, lo, hi }' emtk_dna.tsv >e3.txt
for f in nh nhmax; do
  awk '!/^#/ && $13 + 0 < 1e-3 { lo = $7 < $8 ? $7 : $8; hi = $7 < $8 ? $8 : $7; print $1, $12, lo, hi }' $f.tbl >$f.e3.txt
done
copies_found() {
  awk 'NR == FNR { if ($1 == "random_chr") { n++; s[n] = $2; lo[n] = $3; hi[n] = $4 } next }
    { for (i = 1; i <= n; i++) if (s[i] == $3) { a = lo[i] > $1 ? lo[i] : $1; b = hi[i] < $2 ? hi[i] : $2
        if (b - a + 1 >= 0.5 * ($2 - $1 + 1)) { f++; break } } }
    END { print f + 0 }' "$1" truth.txt
}
# recall of nhmmer's E < 1e-3 hits by emtk (50% reciprocal overlap, same strand)
recall=$(awk 'NR == FNR { n++; t[n] = $1; s[n] = $2; lo[n] = $3; hi[n] = $4; next }
  { k++; for (i = 1; i <= n; i++) if (t[i] == $1 && s[i] == $2) { a = lo[i] > $3 ? lo[i] : $3; b = hi[i] < $4 ? hi[i] : $4
      if (b - a + 1 >= 0.5 * ($4 - $3 + 1) && b - a + 1 >= 0.5 * (hi[i] - lo[i] + 1)) { f++; break } } }
  END { printf "%d of %d", f, k }' e3.txt nh.e3.txt)

echo
echo "# MADE1.hmm (M=80, MAXL 426) vs dna_target.fa + ${genome_mb} Mb random chromosome with 100 inserted copies ($dna_residues residues, both strands searched), threads $threads"
printf '%-40s %9s %12s %10s %14s\n' tool wall_s peak_MB "E<1e-3" copies_found
printf '%-40s %9s %12.1f %10s %14s\n' "emtk hmm search" "$t_edna" "$(awk -v k="$m_edna" 'BEGIN { print k / 1024 }')" "$(wc -l <e3.txt)" "$(copies_found e3.txt)/100"
printf '%-40s %9s %12.1f %10s %14s\n' "nhmmer --cpu $threads" "$t_nh" "$(awk -v k="$m_nh" 'BEGIN { print k / 1024 }')" "$(wc -l <nh.e3.txt)" "$(copies_found nh.e3.txt)/100"
printf '%-40s %9s %12.1f %10s %14s\n' "nhmmer --max --cpu $threads" "$t_nhmax" "$(awk -v k="$m_nhmax" 'BEGIN { print k / 1024 }')" "$(wc -l <nhmax.e3.txt)" "$(copies_found nhmax.e3.txt)/100"
echo "time ratio emtk/nhmmer: $(awk -v a="$t_edna" -v b="$t_nh" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'), emtk/nhmmer --max: $(awk -v a="$t_edna" -v b="$t_nhmax" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
echo "nhmmer's hits with E < 1e-3 found by emtk (50% reciprocal overlap, same strand): $recall"
