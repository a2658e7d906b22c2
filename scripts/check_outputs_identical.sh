#!/usr/bin/env bash
# Runs the same emtk commands with two emtk binaries (on the demo data in data/ and a few
# variations of each tool's options, including bad-input and usage errors) and compares every
# output file, stdout, stderr and exit status byte for byte.
#
#   bash scripts/check_outputs_identical.sh OLD_EMTK NEW_EMTK [WORKDIR]
#
# Only run-time fields are masked before comparing: the "timings" seconds and the "commit" of a
# JSON run summary, the commit in version lines (also inside VCF headers), and "N.NN s" durations
# in log lines. Compressed outputs (.gz) are compared decompressed (a different commit in a VCF
# header changes the compressed bytes and the .tbi offsets, nothing else). Each binary is run as `emtk` (a symlink on
# PATH) so the recorded command lines are the same; SOURCE_DATE_EPOCH fixes dates in outputs.
# Exit status 0 when everything is identical, 1 otherwise (the differing files are listed).
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 OLD_EMTK NEW_EMTK [WORKDIR]" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OLD=$(realpath "$1")
NEW=$(realpath "$2")
WORK=${3:-$(mktemp -d)}
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
export SOURCE_DATE_EPOCH=1700000000

# The commands, one per line, run from the output directory; data paths are relative to $D.
commands() {
  cat <<'EOF'
emtk mix --k-range 1:6 -c x,y --seed 1 -o mix_xy $D/example.tsv
emtk mix --family negbin -k 3 -c count --seed 1 -o mix_nb $D/example.tsv
emtk mix --family poisson --k-range 1:4 -c count --seed 2 --restarts 3 -t 2 --json mix_pois_summary.json -o mix_pois $D/example.tsv
emtk mix -k 2 -c x --seed 1 --max-iter 5 --tol 1e-3 --multiqc mix_mqc.json -o mix_x $D/example.tsv
emtk mix -k 2 -c x --max-iter 0 -o bad $D/example.tsv
emtk mix -k 2 -c x --tol 0 -o bad $D/example.tsv
emtk mix -k 2 -c nope -o bad $D/example.tsv
emtk mix -k 2 -c x -o $D/example.tsv $D/example.tsv
emtk hmm train -t 2 --seed 1 --json globins45.json -o globins45.hmm $D/globins45.fa
emtk hmm train -t 2 --seed 1 -o repeat.hmm $D/repeat_family.fa
emtk hmm train -q --seed 2 --restarts 2 --max-iter 30 --json r2.json -o r2.hmm $D/repeat_family.fa
emtk hmm train -q --surgery --max-iter 30 --json surg.json -o surg.hmm $D/repeat_family.fa
emtk hmm train -q --anneal 3 --max-iter 20 --json ann.json -o ann.hmm $D/repeat_family.fa
emtk hmm train -q --no-mean-phase --prior none --max-iter 20 --json nmp.json -o nmp.hmm $D/repeat_family.fa
emtk hmm train -q --stepwise on --batch-size 10 --passes 3 --json sw.json -o sw.hmm $D/globins45.fa
emtk hmm train -q --length 40 --max-iter 20 --multiqc train_mqc.json -o l40.hmm $D/globins45.fa
emtk hmm train -q --seed-hmm repeat.hmm --max-iter 10 --json sh.json -o sh.hmm $D/repeat_family.fa
emtk hmm train --max-iter 0 -o bad.hmm $D/globins45.fa
emtk hmm train --tol -1 -o bad.hmm $D/globins45.fa
emtk hmm train --restarts 0 -o bad.hmm $D/globins45.fa
emtk hmm train -o $D/globins45.fa $D/globins45.fa
emtk hmm search -t 2 --tsv globins45.hits.tsv globins45.hmm $D/globins45.fa
emtk hmm search -t 2 -E 1e-3 --gff3 genome.repeats.gff3 --bed genome.repeats.bed repeat.hmm $D/genome.fa
emtk hmm align -q -o globins45.sto globins45.hmm $D/globins45.fa
emtk hmm emit -q -N 10 --seed 3 -o emitted.fa globins45.hmm
emtk hmm logo -o logo.svg globins45.hmm
emtk cov --segment -t 2 --seed 1 -o sample $D/cov/sample.bam
emtk cov -t 1 --seed 1 --free --multiqc cov_mqc.json -o sample_free $D/cov/sample.bam
emtk cov --family poisson --segment --restarts 2 -o sample_pois $D/cov/sample.bam
emtk cov --family gaussian --max-iter 50 --tol 1e-4 -o sample_gauss $D/cov/sample.bam
emtk cov --region chr1:100001-200000 -w 500 --json reg_summary.json -o sample_reg $D/cov/sample.bam
emtk cov -x -Q 10 -w 700 --free --segment -o sample_fast $D/cov/sample.bam
emtk cov --depth-bed --segment --read-length 100 -o dbed sample_md.regions.bed.gz
emtk cov -w 0 -o bad $D/cov/sample.bam
emtk cov --tol 0 -o bad $D/cov/sample.bam
emtk cov --max-iter 0 -o bad $D/cov/sample.bam
emtk cov --family foo -o bad $D/cov/sample.bam
emtk cov --ploidy 7 --max-cn 6 -o bad $D/cov/sample.bam
emtk cov --cn0-mean 2 -o bad $D/cov/sample.bam
emtk cov -o bad -F 4095 $D/cov/sample.bam
emtk impute -t 2 --seed 1 --json imputed.json -o imputed.vcf.gz $D/impute/example.vcf.gz
emtk impute --max-iter 0 -o bad.vcf.gz $D/impute/example.vcf.gz
EOF
}

run_all() {
  local bin=$1 out=$2
  rm -rf "$out"
  mkdir -p "$out/bin" "$out/files"
  ln -s "$bin" "$out/bin/emtk"
  # A mosdepth-style regions file for --depth-bed, the same for both runs.
  if command -v mosdepth >/dev/null 2>&1; then
    (cd "$out/files" && mosdepth -n --by 1000 sample_md "$ROOT/data/cov/sample.bam")
  fi
  local i=0 line
  while IFS= read -r line; do
    i=$((i + 1))
    local cmd=${line//\$D/$ROOT/data}
    set +e
    (cd "$out/files" && PATH="$out/bin:$PATH" bash -c "$cmd" >"../cmd$i.stdout" 2>"../cmd$i.stderr")
    echo $? >"$out/cmd$i.status"
    set -e
  done < <(commands)
  rm -f "$out"/files/sample_md.*
}

# Masks run-time fields in place (JSON timings and commit, log durations).
normalise() {
  local f
  while IFS= read -r -d '' f; do
    case $f in
      *.gz|*.tbi|*.bam|*.bai) continue ;;
    esac
    sed -i -E -e 's/("[a-z_]+_s": )[-0-9.e+]+/\1T/' -e 's/("commit": )"[^"]*"/\1"C"/' \
      -e 's/[0-9]+(\.[0-9]+)? s\b/T s/g' -e 's/commit [0-9a-f]{7,}(-dirty)?/commit C/g' "$f"
  done < <(find "$1" -type f -print0)
}

run_all "$OLD" "$WORK/old"
run_all "$NEW" "$WORK/new"
for d in old new; do
  # Compressed outputs are compared by content (bgzip blocks are deterministic, but keep it robust).
  while IFS= read -r -d '' gz; do gzip -dc "$gz" >"$gz.txt" 2>/dev/null || true; done \
    < <(find "$WORK/$d/files" -name '*.gz' -print0)
  normalise "$WORK/$d"
done

status=0
if diff -r -q --exclude=bin --exclude='*.gz' --exclude='*.tbi' "$WORK/old" "$WORK/new"; then
  n=$(find "$WORK/old/files" -type f | wc -l)
  echo "identical: $(commands | wc -l) commands, $n output files (.gz decompressed), stdout, stderr and exit status ($WORK)"
else
  status=1
  echo "DIFFERENT (see diff -r $WORK/old $WORK/new)"
fi
exit $status
