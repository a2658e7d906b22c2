#!/usr/bin/env bash
# Issue 7's MPI benchmark: `emtk hmm train` on 1 and on 2 MPI ranks (1 thread each) on the same
# input, one run each: wall time, the speed-up, peak memory of one rank, and whether the models are
# identical (they must be: the E-step merges chunk statistics in chunk order on every rank).
#
#   bash bench/hmm_train_mpi.sh [N_SEQS]                 (default 400)
#   EMTK_MPI_BIN=build-mpi/emtk bash bench/hmm_train_mpi.sh
#
# Input: N_SEQS sequences emitted by HMMER's tutorial Pkinase.hmm (`hmmemit -N N --seed 1`,
# M = 260 nodes); `emtk hmm train --length 260` so that both runs do the same work. Needs an emtk
# built with -DEMTK_MPI=ON (scripts/test.sh builds one in build-mpi/), Open MPI, HMMER and Debian's
# hmmer-examples.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
emtk="${EMTK_MPI_BIN:-$repo/build-mpi/emtk}"
n="${1:-400}"
model=/usr/share/doc/hmmer/examples/tutorial/Pkinase.hmm
for tool in mpirun hmmemit /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install openmpi-bin hmmer time)" >&2; exit 1; }
done
[[ -x $emtk ]] || { echo "no MPI emtk at $emtk (bash scripts/setup.sh --build-only --build-dir build-mpi -DEMTK_MPI=ON)" >&2; exit 1; }
"$emtk" --version | grep -q MPI || { echo "$emtk was built without MPI (-DEMTK_MPI=ON)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export SOURCE_DATE_EPOCH=1700000000
mpirun_cmd=(mpirun --oversubscribe --mca btl self,vader --bind-to none -np)
[[ $(id -u) -eq 0 ]] && mpirun_cmd=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader --bind-to none -np)

hmmemit -N "$n" --seed 1 "$model" >seqs.fa
residues=$(awk '!/^>/ { r += length($0) } END { print r }' seqs.fa)

# timed NAME CMD...: wall seconds of CMD.
timed() {
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$name.stdout" 2>"$name.stderr"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
args=(hmm train -q -t 1 --seed 1 --length 260 -o)
t1=$(timed r1 "${mpirun_cmd[@]}" 1 /usr/bin/time -f '%M' -o r1.mem "$emtk" "${args[@]}" r1.hmm seqs.fa)
t2=$(timed r2 "${mpirun_cmd[@]}" 2 "$emtk" "${args[@]}" r2.hmm seqs.fa)
same=$(cmp -s r1.hmm r2.hmm && echo "identical" || echo "DIFFERENT")

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(mpirun --version | head -n 1)  $(nproc) cores"
echo "# emtk hmm train --length 260 on $n hmmemit Pkinase sequences ($residues residues), 1 thread per rank"
printf '%-22s %9s\n' ranks wall_s
printf '%-22s %9s\n' "1" "$t1"
printf '%-22s %9s\n' "2" "$t2"
echo "speed-up 2 ranks / 1 rank: $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", a / b }'); models: $same"
echo "peak memory of the 1-rank run: $(awk '{ printf "%.1f MB", $1 / 1024 }' r1.mem) (each rank holds all the sequences)"
echo "command: bash bench/hmm_train_mpi.sh $n"
