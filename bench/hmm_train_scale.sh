#!/usr/bin/env bash
# Issue 17's training benchmark (a): `emtk hmm train` on many sequences emitted from a Pfam model,
# stepwise (mini-batch) EM against batch EM and against the fastest unsupervised route a user has,
# `mafft --retree 1` (FFT-NS-1) + hmmbuild, on the same unaligned input.
#
#   bash bench/hmm_train_scale.sh [N...]        (default: 50000 200000)
#   MODEL=/path/to.hmm SUBSET=5000 THREADS=2 PEER_TIMEOUT=7200 bash bench/hmm_train_scale.sh 50000
#
# Data (hmmemit, seeded): N training sequences emitted from MODEL (default: HMMER's tutorial
# Pkinase.hmm, M = 255, sequences ~ 250-300 residues); 1000 held-out sequences emitted with their true
# alignment (`hmmemit -a`); 1000 decoys = the held-out sequences shuffled (composition kept).
# Rows, one per method and N:
#   time_s, rss_MB  wall time and peak resident memory (/usr/bin/time) of the whole route
#   heldout         held-out sequences hmmsearch finds at E < 0.01 (-Z 2000) / 1000
#   decoys          decoys at E < 0.01
#   sp_recall       sum-of-pairs recall of `hmmalign MODEL` on the first 200 held-out sequences
#                   against their true (emitted) alignment (bench/hmm_family_tools.py recall)
# For N, emtk runs with its defaults (stepwise mode by itself from 20,000 sequences on); the batch
# vs stepwise comparison is on the first SUBSET training sequences (--stepwise off / on), where
# batch EM is affordable: issue 17 asks for held-out and SP recall within 0.01 of batch EM there.
# The peer gets PEER_TIMEOUT seconds (default 3 h); a peer that runs out of time or memory is
# reported as such, not left out.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bash "$repo/scripts/setup.sh" --deps-only test bench >&2
emtk="${EMTK:-$repo/build/emtk}"
[[ -x $emtk ]] || bash "$repo/scripts/setup.sh" --build-only >&2
model="${MODEL:-/usr/share/doc/hmmer/examples/tutorial/Pkinase.hmm}"
threads="${THREADS:-2}"
subset="${SUBSET:-5000}"
timeout_s="${PEER_TIMEOUT:-10800}"
py=/usr/bin/python3
tools="$here/hmm_family_tools.py"
sizes=("$@")
((${#sizes[@]})) || sizes=(50000 200000)
work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Held-out set and decoys, shared by every row.
hmmemit -a -N 1000 --seed 7 -o "$work/heldout.sto" "$model"
esl_free_split() { # STO OUT.fa FIRST_N OUT.sto: ungapped FASTA of all records; the first FIRST_N rows as Stockholm
  PYTHONPATH="$here" "$py" - "$@" <<'EOF'
import sys
from hmm_family_tools import read_stockholm, ungapped, write_fasta
src, fa, n, sto = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
order, rows, _ = read_stockholm(src)
write_fasta(fa, [(name, ungapped(rows[name])) for name in order])
with open(sto, "w") as f:
    f.write("# STOCKHOLM 1.0\n" + "".join("%s %s\n" % (name, rows[name]) for name in order[:n]) + "//\n")
EOF
}
esl_free_split "$work/heldout.sto" "$work/heldout.fa" 200 "$work/truth200.sto"
PYTHONPATH="$here" "$py" -c 'import sys; from hmm_family_tools import read_fasta, write_fasta; write_fasta(sys.argv[2], read_fasta(sys.argv[1])[:200])' "$work/heldout.fa" "$work/held200.fa"
"$py" "$tools" decoys "$work/heldout.fa" 1000 17 >"$work/decoys.fa"
cat "$work/heldout.fa" "$work/decoys.fa" >"$work/targets.fa"

measure() { # LOG CMD...: runs CMD under /usr/bin/time; prints "wall_s rss_MB", or "timeout -" /
  local log=$1 rc=0 # "exit:RC -" (e.g. killed for memory) when it did not finish
  shift
  /usr/bin/time -f '%e %M' -o "$log.time" timeout "$timeout_s" "$@" >"$log.out" 2>"$log.err" || rc=$?
  if ((rc == 0)); then
    awk '{ printf "%.1f %.0f\n", $1, $2 / 1024 }' "$log.time"
  elif ((rc == 124)); then
    echo "timeout -"
  else
    echo "exit:$rc -"
  fi
}
quality() { # MODEL.hmm: "heldout decoys sp_recall"
  local m=$1
  hmmsearch --cpu "$threads" -Z 2000 --tblout "$m.tbl" -o /dev/null "$m" "$work/targets.fa"
  local found decoys recall
  found=$(awk '!/^#/ && $1 !~ /^decoy/ && $5 < 0.01 { n++ } END { print n + 0 }' "$m.tbl")
  decoys=$(awk '!/^#/ && $1 ~ /^decoy/ && $5 < 0.01 { n++ } END { print n + 0 }' "$m.tbl")
  hmmalign "$m" "$work/held200.fa" >"$m.sto"
  recall=$("$py" "$tools" recall "$work/truth200.sto" "$m.sto")
  echo "$found/1000 $decoys $recall"
}
row() { printf '%-8s %-24s %9s %8s %10s %7s %9s\n' "$@"; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(hmmbuild -h | sed -n 2p | sed 's/^# *//')  $(mafft --version 2>&1 | head -1)"
echo "# model $(basename "$model") (LENG $(awk '$1 == "LENG" { print $2; exit }' "$model")), threads $threads, peer timeout ${timeout_s} s"
echo "# emtk: emtk hmm train -q -t $threads [--stepwise on|off] -o emtk.hmm train.fa"
echo "# peer: mafft --retree 1 --thread $threads train.fa > aln.afa && hmmbuild --cpu $threads --informat afa peer.hmm aln.afa"
row N method time_s rss_MB heldout decoys sp_recall
for n in "${sizes[@]}"; do
  d="$work/n$n"
  mkdir -p "$d"
  hmmemit -N "$n" --seed 11 -o "$d/train.fa" "$model"
  PYTHONPATH="$here" "$py" -c 'import sys; from hmm_family_tools import read_fasta, write_fasta; write_fasta(sys.argv[2], read_fasta(sys.argv[1])[:int(sys.argv[3])])' "$d/train.fa" "$d/subset.fa" "$subset"
  read -r t r < <(measure "$d/emtk" "$emtk" hmm train -q -t "$threads" -o "$d/emtk.hmm" "$d/train.fa")
  if [[ $r == - ]]; then row "$n" "emtk (default)" "$t" - - - -; else
    read -r h dc sp < <(quality "$d/emtk.hmm"); row "$n" "emtk (default)" "$t" "$r" "$h" "$dc" "$sp"; fi
  read -r t r < <(measure "$d/peer" bash -c "mafft --quiet --retree 1 --thread $threads '$d/train.fa' >'$d/aln.afa' && hmmbuild --cpu $threads --informat afa -o /dev/null '$d/peer.hmm' '$d/aln.afa'")
  if [[ $r == - ]]; then row "$n" "mafft --retree 1+hmmbuild" "$t" - - - -; else
    read -r h dc sp < <(quality "$d/peer.hmm"); row "$n" "mafft --retree 1+hmmbuild" "$t" "$r" "$h" "$dc" "$sp"; fi
  if ((n > subset)); then
    for mode in off on; do
      read -r t r < <(measure "$d/sub_$mode" "$emtk" hmm train -q -t "$threads" --stepwise "$mode" -o "$d/sub_$mode.hmm" "$d/subset.fa")
      label="emtk $subset stepwise $mode"
      if [[ $r == - ]]; then row "$subset" "$label" "$t" - - - -; else
        read -r h dc sp < <(quality "$d/sub_$mode.hmm"); row "$subset" "$label" "$t" "$r" "$h" "$dc" "$sp"; fi
    done
  fi
  rm -f "$d/train.fa" "$d/aln.afa"
done
