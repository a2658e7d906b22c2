#!/usr/bin/env bash
# Issue 4's speed benchmark (protein part): `emtk hmm search` against `hmmsearch --max --cpu 1` on
# the same model and targets, one run each: wall time, their ratio, peak memory (/usr/bin/time -v),
# and how far the scores agree.
#
#   bash bench/hmm_search_vs_hmmsearch.sh [N_EMITTED] [N_DECOYS]      (default 2000 2000)
#   EMTK=/path/to/emtk THREADS=1 bash bench/hmm_search_vs_hmmsearch.sh
#
# Targets: N_EMITTED sequences emitted from HMMER's tutorial Pkinase.hmm (`hmmemit -N N --seed 1`,
# local fragments with flanks, as hmmemit emits by default) plus N_DECOYS shuffled copies of them
# (awk Fisher-Yates, composition kept). Both tools score with the full Forward (no prefilter) and
# without null2 (hmmsearch --nonull2) so that the numbers are comparable; -Z is the target count.
# Needs HMMER (hmmsearch, hmmemit) and Debian's hmmer-examples; emtk from build/emtk by default.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
emtk="${EMTK:-$repo/build/emtk}"
threads="${THREADS:-1}"
n_emit="${1:-2000}"
n_decoy="${2:-2000}"
model=/usr/share/doc/hmmer/examples/tutorial/Pkinase.hmm
for tool in hmmsearch hmmemit /usr/bin/time; do
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

read -r t_emtk m_emtk < <(timed emtk "$emtk" hmm search -t "$threads" -Z "$n" --tblout emtk.tsv --domtblout emtk.dom.tsv "$model" targets.fa)
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
