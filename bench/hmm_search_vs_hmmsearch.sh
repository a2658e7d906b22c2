#!/usr/bin/env bash
# Issues 4 and 15's speed benchmark: `emtk hmm search` against `hmmsearch` (protein) and `nhmmer`
# (DNA, both strands), both sides with their default settings (filters on) and the same threads,
# on the same models and targets: wall and CPU time (medians of REPEATS runs, default 5), their
# ratios, peak memory (/usr/bin/time -v) and recall of HMMER's hits.
#
#   bash bench/hmm_search_vs_hmmsearch.sh [N_MEMBERS] [N_DECOYS] [GENOME_MB]  (default 200 50000 2)
#   EMTK=/path/to/emtk THREADS=2 REPEATS=5 DNA=0 KEEP=/tmp/dir bash bench/hmm_search_vs_hmmsearch.sh
#
# Protein targets: N_MEMBERS sequences emitted from HMMER's tutorial Pkinase.hmm (`hmmemit -N N
# --seed 1`, local fragments with flanks, as hmmemit emits by default) plus N_DECOYS decoys, half
# of them shuffled copies of the members (composition kept) and half i.i.d. from HMMER's amino
# background with the members' lengths (Python's random, fixed seed). Scores: hmmsearch's default
# subtracts null2, emtk does not (hmmsearch --nonull2 is run as well for the score comparison);
# -Z is the target count. Recall: hmmsearch's hits at E < 0.01 that emtk reports at E < 0.01.
# DNA (DNA=0 skips it): Dfam's MADE1.hmm (HMMER's tutorial) against the tutorial's dna_target.fa (330 kb of human
# chr1) plus a random chromosome of GENOME_MB megabases (uniform bases, awk's rand with a fixed
# seed) into which 100 `hmmemit` MADE1 copies are inserted, half of them reverse-complemented:
# emtk (default filters) against `nhmmer --cpu THREADS` (its default filters) and `nhmmer --max` (no filters, as
# emtk --max), with the hits at E < 1e-3 and how many inserted copies each tool finds.
# Library (LIB=0 skips it): LIB_MODELS (24) DNA models built by `hmmbuild --dna` from random
# families (a random consensus of 60-300 bases, 25 copies with 12% substitutions and 3% gaps,
# Python's random, fixed seed), against a random chromosome of GENOME_MB megabases with 5 copies
# of each family's consensus (15% substitutions, alternate strands): `emtk hmm search LIB GENOME`
# against `nhmmer --cpu THREADS LIB GENOME` (both read the models in turn), hits at E < 1e-3 and
# recall of nhmmer's (same family, strand, 50% reciprocal overlap).
# Then the library plus MADE1.hmm against (b)'s genome.fa, the same genome as (b) (needs DNA=1).
# Needs HMMER (hmmsearch, hmmemit, nhmmer, hmmbuild), Debian's hmmer-examples and /usr/bin/python3;
# emtk from build/emtk by default.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
emtk="${EMTK:-$repo/build/emtk}"
threads="${THREADS:-2}"
repeats="${REPEATS:-5}"
[[ "$repeats" =~ ^[1-9][0-9]*$ ]] || { echo "REPEATS must be a positive integer" >&2; exit 2; }
n_emit="${1:-200}"
n_decoy="${2:-50000}"
genome_mb="${3:-2}"
model=/usr/share/doc/hmmer/examples/tutorial/Pkinase.hmm
dna_model=/usr/share/doc/hmmer/examples/tutorial/MADE1.hmm
dna_target=/usr/share/doc/hmmer/examples/tutorial/dna_target.fa
for tool in hmmsearch hmmemit nhmmer /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install hmmer hmmer-examples time)" >&2; exit 1; }
done
[[ -x $emtk ]] || { echo "no emtk binary at $emtk (build it, or set EMTK)" >&2; exit 1; }
[[ -f $model ]] || { echo "no $model (apt-get install hmmer-examples)" >&2; exit 1; }
if [[ -n ${KEEP:-} ]]; then # KEEP=DIR: work in DIR and keep the data (profiling)
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-search.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
cd "$work"

hmmemit -N "$n_emit" --seed 1 "$model" |
  awk '/^>/ { if (s != "") print s; print; s = ""; next } { s = s $0 } END { if (s != "") print s }' >emitted.fa
/usr/bin/python3 - "$n_decoy" <<'PY' >decoys.fa
import random, sys
n = int(sys.argv[1])
random.seed(3)
members = [l.strip() for l in open("emitted.fa") if not l.startswith(">")]
aa = "ACDEFGHIKLMNPQRSTVWY"
# HMMER's amino background (p7_AminoFrequencies, Swiss-Prot 50.8)
bg = [0.0787945, 0.0151600, 0.0535222, 0.0668298, 0.0397062, 0.0695071, 0.0229198, 0.0590092, 0.0594422,
      0.0963728, 0.0237718, 0.0414386, 0.0482904, 0.0395639, 0.0540978, 0.0683364, 0.0540687, 0.0673417,
      0.0114135, 0.0304133]
for i in range(n):
    m = members[i % len(members)]
    if i % 2 == 0:
        s = list(m); random.shuffle(s); name = "shuf_%d" % i
    else:
        s = random.choices(aa, weights=bg, k=len(m)); name = "rand_%d" % i
    print(">" + name); print("".join(s))
PY
cat emitted.fa decoys.fa >targets.fa
n=$(grep -c '>' targets.fa)
residues=$(awk '!/^>/ { r += length($0) } END { print r }' targets.fa)

# timed NAME CMD...: runs CMD REPEATS times (default 5), each under /usr/bin/time -v; prints
# "wall_seconds peak_kB cpu_seconds": the median wall and the median CPU (user + system) over the
# runs, and the largest peak RSS. Runs of well under a second vary by 20-50% from one to the next on
# a shared machine; the median of several is the figure the ratios use. The last run's outputs are
# kept (every run writes the same files).
timed() {
  local name=$1 i
  shift
  : >"$name.runs"
  for ((i = 0; i < repeats; i++)); do
    /usr/bin/time -v "$@" >"$name.stdout" 2>"$name.time"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
      /User time \(seconds\)|System time \(seconds\)/ { cpu += $2 }
      /Maximum resident set size/ { kb = $2 } END { printf "%.2f %d %.2f\n", s, kb, cpu }' "$name.time" >>"$name.runs"
  done
  awk '{ w[NR] = $1; k = ($2 > k ? $2 : k); c[NR] = $3 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { printf "%.2f %d %.2f\n", median(w, NR), k, median(c, NR) }' "$name.runs"
}

read -r t_emtk m_emtk c_emtk < <(timed emtk "$emtk" hmm search -t "$threads" -Z "$n" --tsv emtk.tsv --domtsv emtk.dom.tsv "$model" targets.fa)
read -r t_hmmer m_hmmer c_hmmer < <(timed hmmer hmmsearch --cpu "$threads" -Z "$n" --tblout hmmer.tbl --domtblout hmmer.dom -o /dev/null "$model" targets.fa)
read -r t_nn m_nn c_nn < <(timed hmmernn hmmsearch --nonull2 --cpu "$threads" -Z "$n" --tblout hmmer_nn.tbl -o /dev/null "$model" targets.fa)
read -r t_emax m_emax c_emax < <(timed emtkmax "$emtk" hmm search --max -t "$threads" -Z "$n" --tsv emtk_max.tsv "$model" targets.fa)

grep -v '^#' hmmer.tbl | awk '{ print $1, $5, $6 }' | sort >h.txt
grep -v '^#' hmmer_nn.tbl | awk '{ print $1, $5, $6 }' | sort >hnn.txt
awk -F'\t' 'NR > 1 { print $1, $7, $6 }' emtk.tsv | sort >e.txt
awk -F'\t' 'NR > 1 { print $1, $7, $6 }' emtk_max.tsv | sort >emax.txt
agree=$(join hnn.txt e.txt | awk '{ d = $3 - $5; if (d < 0) d = -d; if (d > md) md = d; k++ }
  END { printf "%d hits common with hmmsearch --nonull2, max |score difference| %.3f bits", k, md }')
h01=$(awk '$2 + 0 < 0.01' h.txt | wc -l)
e01=$(awk '$2 + 0 < 0.01' e.txt | wc -l)
emax01=$(awk '$2 + 0 < 0.01' emax.txt | wc -l)
both01=$(join <(awk '$2 + 0 < 0.01' h.txt) <(awk '$2 + 0 < 0.01' e.txt) | wc -l)
decoys_h=$(awk '$2 + 0 < 0.01 && $1 ~ /^(shuf|rand)_/' h.txt | wc -l)
decoys_e=$(awk '$2 + 0 < 0.01 && $1 ~ /^(shuf|rand)_/' e.txt | wc -l)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(hmmsearch -h | sed -n 2p | sed 's/^# *//')  emtk SIMD: ${EMTK_SIMD:-best}"
echo "# Pkinase.hmm (M=$(awk '$1 == "LENG" { print $2; exit }' "$model")) vs $n targets ($residues residues: $n_emit hmmemit + $n_decoy shuffled/random), threads $threads, median of $repeats runs"
printf '%-40s %9s %9s %12s %8s\n' tool wall_s cpu_s peak_MB "E<0.01"
printf '%-40s %9s %9s %12s %8s\n' "emtk hmm search -t $threads" "$t_emtk" "$c_emtk" "$(mb "$m_emtk")" "$e01"
printf '%-40s %9s %9s %12s %8s\n' "hmmsearch --cpu $threads" "$t_hmmer" "$c_hmmer" "$(mb "$m_hmmer")" "$h01"
printf '%-40s %9s %9s %12s %8s\n' "emtk hmm search --max -t $threads" "$t_emax" "$c_emax" "$(mb "$m_emax")" "$emax01"
printf '%-40s %9s %9s %12s %8s\n' "hmmsearch --nonull2 --cpu $threads" "$t_nn" "$c_nn" "$(mb "$m_nn")" "$(awk '$2 + 0 < 0.01' hnn.txt | wc -l)"
echo "ratio emtk/hmmsearch: wall $(ratio "$t_emtk" "$t_hmmer"), CPU $(ratio "$c_emtk" "$c_hmmer"), peak memory $(ratio "$m_emtk" "$m_hmmer")"
echo "recall of hmmsearch's hits at E < 0.01: $both01 of $h01 ($(awk -v a="$both01" -v b="$h01" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b }')); decoys at E < 0.01: hmmsearch $decoys_h, emtk $decoys_e"
echo "agreement: $agree"
[[ ${DNA:-1} == 0 ]] && exit 0

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

read -r t_edna m_edna c_edna < <(timed edna "$emtk" hmm search -t "$threads" --tsv emtk_dna.tsv "$dna_model" genome.fa)
read -r t_nh m_nh c_nh < <(timed nh nhmmer --cpu "$threads" --tblout nh.tbl -o /dev/null "$dna_model" genome.fa)
read -r t_nhmax m_nhmax c_nhmax < <(timed nhmax nhmmer --max --cpu "$threads" --tblout nhmax.tbl -o /dev/null "$dna_model" genome.fa)

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
echo "# MADE1.hmm (M=80, MAXL 426) vs dna_target.fa + ${genome_mb} Mb random chromosome with 100 inserted copies ($dna_residues residues, both strands searched), threads $threads, median of $repeats runs"
printf '%-40s %9s %9s %12s %10s %14s\n' tool wall_s cpu_s peak_MB "E<1e-3" copies_found
printf '%-40s %9s %9s %12s %10s %14s\n' "emtk hmm search -t $threads" "$t_edna" "$c_edna" "$(mb "$m_edna")" "$(wc -l <e3.txt)" "$(copies_found e3.txt)/100"
printf '%-40s %9s %9s %12s %10s %14s\n' "nhmmer --cpu $threads" "$t_nh" "$c_nh" "$(mb "$m_nh")" "$(wc -l <nh.e3.txt)" "$(copies_found nh.e3.txt)/100"
printf '%-40s %9s %9s %12s %10s %14s\n' "nhmmer --max --cpu $threads" "$t_nhmax" "$c_nhmax" "$(mb "$m_nhmax")" "$(wc -l <nhmax.e3.txt)" "$(copies_found nhmax.e3.txt)/100"
echo "ratio emtk/nhmmer: wall $(ratio "$t_edna" "$t_nh"), CPU $(ratio "$c_edna" "$c_nh"), peak memory $(ratio "$m_edna" "$m_nh")"
echo "nhmmer's hits with E < 1e-3 found by emtk (50% reciprocal overlap, same strand): $recall"

[[ ${LIB:-1} == 0 ]] && exit 0

# ---- (c) a library of DNA models against a genome: emtk against nhmmer -------------------------

lib_models="${LIB_MODELS:-24}"
/usr/bin/python3 - "$lib_models" "$genome_mb" 5 <<'PY'
import random, sys
n_models, genome_mb, copies = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
random.seed(11)
B = "ACGT"
cons = []
with open("lib.sto", "w") as st:
    for m in range(n_models):
        L = random.randint(60, 300)
        c = "".join(random.choice(B) for _ in range(L))
        cons.append(c)
        st.write("# STOCKHOLM 1.0\n#=GF ID fam%02d\n" % m)
        for s in range(25):
            row = [random.choice(B) if random.random() < 0.12 else x for x in c]
            row = ["-" if random.random() < 0.03 else x for x in row]
            st.write("fam%02d_s%02d %s\n" % (m, s, "".join(row)))
        st.write("//\n")
n = int(genome_mb * 1e6)
g = random.choices(B, k=n)
comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
ins = []
for m, c in enumerate(cons):
    for k in range(copies):
        cp = "".join(random.choice(B) if random.random() < 0.15 else x for x in c)
        strand = "+" if k % 2 == 0 else "-"
        if strand == "-":
            cp = "".join(comp[x] for x in reversed(cp))
        ins.append((random.randrange(n), cp, m, strand))
ins.sort()
out, pos, at = [], 0, 0
with open("lib_truth.txt", "w") as t:
    for p, cp, m, strand in ins:
        out.append("".join(g[at:p])); pos += p - at; at = p
        t.write("fam%02d\t%d\t%d\t%s\n" % (m, pos + 1, pos + len(cp), strand))
        out.append(cp); pos += len(cp)
    out.append("".join(g[at:]))
seq = "".join(out)
with open("lib_genome.fa", "w") as f:
    f.write(">lib_chr\n")
    for i in range(0, len(seq), 60):
        f.write(seq[i:i + 60] + "\n")
PY
hmmbuild --dna -o /dev/null lib.hmm lib.sto
# lib_run NAME HMM GENOME TITLE: emtk and nhmmer (default settings, THREADS) with every model of HMM
# against GENOME; prints the table, the ratios and the recall of nhmmer's hits at E < 1e-3 (same
# model, target and strand, 50% reciprocal overlap).
lib_run() {
  local name=$1 hmm=$2 genome=$3 title=$4 te me ce tn mn cn recall
  read -r te me ce < <(timed "e$name" "$emtk" hmm search -t "$threads" --tsv "emtk_$name.tsv" "$hmm" "$genome")
  read -r tn mn cn < <(timed "n$name" nhmmer --cpu "$threads" --tblout "n$name.tbl" -o /dev/null "$hmm" "$genome")
  # "query/target strand lo hi" at E < 1e-3
  awk -F'\t' 'NR > 1 && $12 + 0 < 1e-3 { lo = $6 < $7 ? $6 : $7; hi = $6 < $7 ? $7 : $6; print $2 "/" $1, $11, lo, hi }' "emtk_$name.tsv" >"e$name.txt"
  awk '!/^#/ && $13 + 0 < 1e-3 { lo = $7 < $8 ? $7 : $8; hi = $7 < $8 ? $8 : $7; print $3 "/" $1, $12, lo, hi }' "n$name.tbl" >"n$name.txt"
  recall=$(awk 'NR == FNR { n++; q[n] = $1; s[n] = $2; lo[n] = $3; hi[n] = $4; next }
    { k++; for (i = 1; i <= n; i++) if (q[i] == $1 && s[i] == $2) { a = lo[i] > $3 ? lo[i] : $3; b = hi[i] < $4 ? hi[i] : $4
        if (b - a + 1 >= 0.5 * ($4 - $3 + 1) && b - a + 1 >= 0.5 * (hi[i] - lo[i] + 1)) { f++; break } } }
    END { printf "%d of %d", f, k }' "e$name.txt" "n$name.txt")
  echo
  echo "# $title, both strands, threads $threads, median of $repeats runs"
  printf '%-40s %9s %9s %12s %10s\n' tool wall_s cpu_s peak_MB "E<1e-3"
  printf '%-40s %9s %9s %12s %10s\n' "emtk hmm search -t $threads" "$te" "$ce" "$(mb "$me")" "$(wc -l <"e$name.txt")"
  printf '%-40s %9s %9s %12s %10s\n' "nhmmer --cpu $threads" "$tn" "$cn" "$(mb "$mn")" "$(wc -l <"n$name.txt")"
  echo "ratio emtk/nhmmer: wall $(ratio "$te" "$tn"), CPU $(ratio "$ce" "$cn"), peak memory $(ratio "$me" "$mn")"
  echo "nhmmer's hits with E < 1e-3 found by emtk (same model and strand, 50% reciprocal overlap): $recall"
}

lib_run lib lib.hmm lib_genome.fa "$lib_models DNA models (hmmbuild --dna, M $(awk '$1 == "LENG" { print $2 }' lib.hmm | sort -n | sed -n '1p;$p' | paste -sd-)) vs a ${genome_mb} Mb random chromosome with $((5 * lib_models)) inserted copies"

# ---- (c) on (b)'s genome: the library plus MADE1.hmm against genome.fa ------------------------
# The same genome as (b) (dna_target.fa + the GENOME_MB chromosome with the MADE1 copies); the 24
# random families have no copies there, so most of the work is the filters' on 25 models; the hits
# at E < 1e-3 are MADE1's.
cat lib.hmm "$dna_model" >lib_made1.hmm
lib_run libb lib_made1.hmm genome.fa "$((lib_models + 1)) DNA models (the library + MADE1.hmm) vs (b)'s genome ($dna_residues residues)"
