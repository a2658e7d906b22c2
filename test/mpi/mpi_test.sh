#!/usr/bin/env bash
# MPI test (issue 7): an emtk built with -DEMTK_MPI=ON, run as `mpirun -np 2`, writes byte for byte
# what one process writes (and what the build without MPI writes) with the same seed: the E-steps
# are split over the ranks and merged in chunk order (include/emtk/em/distributed.hpp). Only rank
# 0 writes: stdout and stderr hold one copy. Run by scripts/test.sh after the MPI build.
#
#   bash test/mpi/mpi_test.sh build-mpi/emtk build/emtk
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../cli/lib.sh
source "$ROOT/test/cli/lib.sh"
MPI_EMTK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PLAIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
t_init "$MPI_EMTK"
export SOURCE_DATE_EPOCH=1700000000 # the DATE line of HMMER3 files

# mpirun as root (CI containers) needs its explicit consent; shared memory between the two ranks
# of one machine, no network transport.
MPIRUN=(mpirun --oversubscribe --mca btl self,vader -np)
if [[ $(id -u) -eq 0 ]]; then
  MPIRUN=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader -np)
fi

check "the MPI build says so in --version" bash -c "'$MPI_EMTK' --version | grep -q 'MPI'"

# strip_timing JSON: the run summary without wall-clock times (…_s), the command line and the
# output names and the number of ranks, which differ between the runs by design.
strip_timing() { grep -v -E '"[a-z_]+_s": |"command_line"|"commit"|"mpi_ranks"|"file"|"prefix"|"output[a-z_]*"' "$1"; }

# ---- emtk hmm train: sequences split over the ranks -----------------------------------------------
"$PLAIN" hmm train -q -t 1 --seed 3 --json plain.json -o plain.hmm "$ROOT/data/globins45.fa"
"$MPI_EMTK" hmm train -q -t 1 --seed 3 --json np1.json -o np1.hmm "$ROOT/data/globins45.fa"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train -t 1 --seed 3 --json np2.json -o np2.hmm "$ROOT/data/globins45.fa"
check_status "hmm train on 2 ranks: exit 0" 0
check_same_file "hmm train: 1 rank (MPI build) = the build without MPI" plain.hmm np1.hmm
check_same_file "hmm train: 2 ranks = 1 rank, byte for byte" np1.hmm np2.hmm
strip_timing np1.json >np1.notime.json
strip_timing np2.json >np2.notime.json
check_same_file "hmm train: the same JSON summary (timings aside)" np1.notime.json np2.notime.json
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train -t 2 --seed 3 -o np2t2.hmm "$ROOT/data/globins45.fa"
check_same_file "hmm train: 2 ranks x 2 threads = 1 rank" np1.hmm np2t2.hmm
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train -t 1 --seed 3 -o - "$ROOT/data/globins45.fa"
check_same_file "hmm train -o -: one copy of the model on stdout" np1.hmm "$(out_file)"

# ---- emtk mix: data points split over the ranks --------------------------------------------------
"$PLAIN" mix -q --k-range 1:4 -c x,y --seed 1 -o plain_mix "$ROOT/data/example.tsv"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" mix -q --k-range 1:4 -c x,y --seed 1 -o np2_mix "$ROOT/data/example.tsv"
check_status "mix on 2 ranks: exit 0" 0
check_same_file "mix: 2 ranks = the build without MPI (TSV)" plain_mix.tsv np2_mix.tsv
strip_timing plain_mix.json >plain_mix.notime.json
strip_timing np2_mix.json >np2_mix.notime.json
check_same_file "mix: the same JSON summary (timings aside)" plain_mix.notime.json np2_mix.notime.json
"$PLAIN" mix -q --family negbin -k 3 -c count --seed 1 -o plain_nb "$ROOT/data/example.tsv"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" mix -q --family negbin -k 3 -c count --seed 1 -o np2_nb "$ROOT/data/example.tsv"
check_same_file "mix negbin: 2 ranks = the build without MPI" plain_nb.tsv np2_nb.tsv

# ---- stepwise (mini-batch) EM: the mini-batches are split over the ranks ------------------------
# The mini-batch order comes from --seed alone (include/emtk/em/stepwise.hpp); each batch's E-step
# is split over the ranks and merged in chunk order, so 2 ranks write what 1 process writes.
"$PLAIN" mix -q -k 3 -c x,y --seed 2 --stepwise on --batch-size 64 --passes 4 -o plain_sw "$ROOT/data/example.tsv"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" mix -q -k 3 -c x,y --seed 2 --stepwise on --batch-size 64 --passes 4 -o np2_sw "$ROOT/data/example.tsv"
check_status "mix --stepwise on 2 ranks: exit 0" 0
check_same_file "mix --stepwise: 2 ranks = the build without MPI (TSV)" plain_sw.tsv np2_sw.tsv
strip_timing plain_sw.json >plain_sw.notime.json
strip_timing np2_sw.json >np2_sw.notime.json
check_same_file "mix --stepwise: the same JSON summary (timings aside)" plain_sw.notime.json np2_sw.notime.json
"$PLAIN" hmm train -q -t 1 --seed 3 --stepwise on --batch-size 16 --passes 3 -o plain_sw.hmm "$ROOT/data/globins45.fa"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train -t 1 --seed 3 --stepwise on --batch-size 16 --passes 3 -o np2_sw.hmm "$ROOT/data/globins45.fa"
check_status "hmm train --stepwise on 2 ranks: exit 0" 0
check_same_file "hmm train --stepwise: 2 ranks = the build without MPI" plain_sw.hmm np2_sw.hmm
# Streamed input (hmm/train_stream.hpp): every rank spools the input itself (gzip here) and reads
# its mini-batches back from its own spool; the model is the one process's.
gzip -c "$ROOT/data/globins45.fa" >g45.fa.gz
st_args=(-t 1 --seed 3 --stepwise on --stream-min 2 --batch-size 16 --passes 3 --name globins45)
"$PLAIN" hmm train -q "${st_args[@]}" -o plain_st.hmm "$ROOT/data/globins45.fa"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train "${st_args[@]}" -o np2_st.hmm g45.fa.gz
check_status "hmm train streamed (gzip) on 2 ranks: exit 0" 0
check_same_file "hmm train streamed: 2 ranks (gzip) = the build without MPI (plain)" plain_st.hmm np2_st.hmm

# ---- emtk cov: windows (data points of the mixture) and chromosomes (the HMM) split over the ranks
"$PLAIN" cov -q --segment --seed 1 -o plain_cov "$ROOT/data/cov/sample.bam"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" cov -q --segment --seed 1 -o np2_cov "$ROOT/data/cov/sample.bam"
check_status "cov on 2 ranks: exit 0" 0
check "cov: 2 ranks = the build without MPI (windows)" bash -c "cmp <(gzip -dc plain_cov.windows.bed.gz) <(gzip -dc np2_cov.windows.bed.gz)"
check_same_file "cov: 2 ranks = the build without MPI (segments)" plain_cov.segments.bed np2_cov.segments.bed
strip_timing plain_cov.json | grep -v '"inputs"' >plain_cov.notime.json
strip_timing np2_cov.json | grep -v '"inputs"' >np2_cov.notime.json
check_same_file "cov: the same JSON summary (run data aside)" plain_cov.notime.json np2_cov.notime.json

# ---- emtk impute: samples split over the ranks ---------------------------------------------------
"$PLAIN" impute -q -t 1 --seed 1 --json plain_imp.json -o plain_imp.vcf.gz "$ROOT/data/impute/example.vcf.gz"
run "${MPIRUN[@]}" 2 "$MPI_EMTK" impute -q -t 1 --seed 1 --json np2_imp.json -o np2_imp.vcf.gz "$ROOT/data/impute/example.vcf.gz"
check_status "impute on 2 ranks: exit 0" 0
check "impute: 2 ranks = the build without MPI (records)" bash -c \
  "cmp <(gzip -dc plain_imp.vcf.gz | grep -v '^##emtk') <(gzip -dc np2_imp.vcf.gz | grep -v '^##emtk')"
check "impute: the index is written (rank 0)" test -s np2_imp.vcf.gz.tbi

# ---- errors: one message, from rank 0 only --------------------------------------------------------
printf '>a\nACGT\n>b\nAC!T\n' >bad.fa
run "${MPIRUN[@]}" 2 "$MPI_EMTK" hmm train -o bad.hmm bad.fa
check "bad input on 2 ranks: non-zero exit" awk_true "rc != 0" "rc=$RC"
check_eq "bad input on 2 ranks: one error line (rank 0's)" "$(grep -c 'error' "$(err_file)")" 1
check "bad input on 2 ranks: no model written" test ! -e bad.hmm

t_summary
