#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk cov` (issue 5): depths equal mosdepth's, copy-number accuracy on simulations,
# outputs (bgzip + tabix, segments, JSON, SVG), determinism across thread counts, and every bad
# input: one line on stderr, exit 1 (2 for usage), no output file.
#
#   bash test/cli/cov_test.sh build/emtk test/cli
#   EMTK_TEST_BADINPUT_ONLY=1 bash test/cli/cov_test.sh ...   # only the bad-input tests (the
#                                                             # sanitizer job runs them with LSan)
#
# Uses data/cov/sample.bam (made by scripts/cov_simulate.sh -z, see data/cov/README.md). Peers:
# samtools (required), mosdepth, bgzip/tabix, dwgsim + bwa (simulation); checks needing a missing
# peer are skipped, not failed.
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
ROOT=$(cd "$CLI_DIR/../.." && pwd)
t_init "${1:-}"
BAM=$ROOT/data/cov/sample.bam
TRUTH=$ROOT/data/cov/truth.bed
E="[emtk] error:"
PY=/usr/bin/python3
have() { command -v "$1" >/dev/null 2>&1; }
skip() { printf 'ok - %s # SKIP %s\n' "$1" "$2"; }

# cov_outputs PREFIX: the four outputs and the index all exist.
cov_outputs() {
  [[ -s $1.windows.bed.gz && -s $1.windows.bed.gz.tbi && -f $1.segments.bed && -s $1.json && -s $1.svg ]]
}
# no_cov_outputs PREFIX: none of the outputs nor a temporary file.
check_no_cov_outputs() {
  check_no_outputs "$1: no output file" "$2" "$2.windows.bed.gz" "$2.windows.bed.gz.tbi" "$2.segments.bed" "$2.svg" \
    "$2.mosdepth.summary.txt" "$2.mosdepth.global.dist.txt" "$2.mosdepth.region.dist.txt"
}
MOSDEPTH_FILES=(mosdepth.summary.txt mosdepth.global.dist.txt mosdepth.region.dist.txt)
# same_mosdepth_files EMTK_PREFIX MOSDEPTH_PREFIX: the three files byte-identical.
same_mosdepth_files() {
  local f
  for f in "${MOSDEPTH_FILES[@]}"; do cmp -s "$1.$f" "$2.$f" || { echo "$f differs"; return 1; }; done
}
# compare_depth EMTK_WINDOWS MOSDEPTH_REGIONS: prints the number of windows and the largest difference;
# fails if the windows differ.
compare_depth() {
  paste <(gzip -dc "$1" | grep -v '^#' | cut -f1-4) <(gzip -dc "$2") |
    awk -F'\t' '{ if ($1 != $5 || $2 != $6 || $3 != $7) bad++; d = $4 - $8; if (d < 0) d = -d; if (d > m) m = d }
      END { printf "%d %.4f", NR, m; exit (bad > 0 || NR == 0) }'
}

BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}
if [[ $BADINPUT_ONLY != 1 ]]; then

# ---- command line ---------------------------------------------------------------------------------
run "$EMTK" cov --help
check_status "cov --help: exit 0" 0
check "cov --help shows an example" grep -q "emtk cov -t 2 --segment -o" "$(out_file)"
run "$EMTK" --help
check "emtk --help lists cov" grep -q "cov" "$(out_file)"

# ---- a run on the data/ BAM: outputs -----------------------------------------------------------------
run "$EMTK" cov -t 1 --segment -o one "$BAM"
check_status "cov --segment on data/cov/sample.bam: exit 0" 0
check "all outputs written (windows.bed.gz + .tbi, segments.bed, json, svg)" cov_outputs one
check_json_parses "PREFIX.json parses" one.json
n=$(gzip -dc one.windows.bed.gz | grep -vc '^#')
check_eq "600 windows of 1 kb (2 chromosomes of 300 kb)" "$n" 600
check "windows.bed.gz columns: chrom start end depth cn posterior" awk -F'\t' 'NR == 1 { exit !($0 == "#chrom\tstart\tend\tdepth\tcn\tposterior") }' <(gzip -dc one.windows.bed.gz)
if have tabix; then
  tabix one.windows.bed.gz chr2:34001-67000 >tbx.txt 2>&1 || true
  check_eq "tabix queries the index: chr2:34001-67000 has 33 windows, all CN 0" \
    "$(awk -F'\t' '$5 == 0' tbx.txt | wc -l)" 33
else
  skip "tabix queries the index" "tabix not installed"
fi
check "svg is an SVG document" grep -q "<svg" one.svg
hap=$(json_top one.json haploid_depth)
check "haploid depth ~6 (the data were simulated at 12x diploid)" awk_true "h > 5.5 && h < 6.5" "h=$hap"
check "JSON holds reads used and filtered, weights, BIC table, HMM trace" \
  bash -c 'grep -q "\"used\": " "$1" && grep -q "\"filtered_by_flag\": " "$1" && grep -q "\"weights\": \[" "$1" &&
           grep -q "\"bic_table\": \[" "$1" && grep -q "\"hmm\": {" "$1" && grep -q "\"objective_decreases\": 0" "$1"' _ one.json
check "JSON: 'run' is the last member" json_run_is_last one.json

# Accuracy on the data/ simulation (12x).
if [[ -x $PY ]]; then
  run "$PY" "$ROOT/scripts/cov_evaluate.py" one.windows.bed.gz one.segments.bed "$TRUTH" \
    --min-window-accuracy 0.98 --min-recall 0.9
  check_status "data/ simulation: >= 98% of windows and >= 90% of CNVs right ($(tr '\n' ' ' <"$(out_file)"))" 0
else
  skip "data/ simulation accuracy" "/usr/bin/python3 missing"
fi

# Determinism: the same outputs for 1 and 2 threads.
run "$EMTK" cov -t 2 --segment -o two "$BAM"
check_status "cov -t 2: exit 0" 0
gzip -dc one.windows.bed.gz >one.w
gzip -dc two.windows.bed.gz >two.w
check_same_file "windows identical for -t 1 and -t 2" one.w two.w
check_same_file "segments identical for -t 1 and -t 2" one.segments.bed two.segments.bed
json_strip_run one.json >one.j
json_strip_run two.json >two.j
check_same_file "JSON identical for -t 1 and -t 2 (without 'run')" one.j two.j

# Families, --free, --region.
for fam in poisson gaussian; do
  run "$EMTK" cov --family "$fam" -o "f_$fam" "$BAM"
  check_status "--family $fam: exit 0" 0
  if [[ -x $PY ]]; then
    run "$PY" "$ROOT/scripts/cov_evaluate.py" "f_$fam.windows.bed.gz" "f_$fam.segments.bed" "$TRUTH" --min-window-accuracy 0.97
    check_status "--family $fam: >= 97% of windows right ($(head -n 1 "$(out_file)"))" 0
  fi
done
run "$EMTK" cov --free -o free "$BAM"
check_status "--free: exit 0" 0
check "--free: the BIC table lists untied fits" grep -q '"model": "free"' free.json
run "$EMTK" cov --region chr1:100001-200000 -w 500 -o reg "$BAM"
check_status "--region chr1:100001-200000 -w 500: exit 0" 0
check_eq "--region: 200 windows of 500 bp, the first at 100000" \
  "$(gzip -dc reg.windows.bed.gz | grep -v '^#' | awk 'NR == 1 { s = $2 } END { print NR, s }')" "200 100000"

run "$EMTK" cov --exclude-chroms '^chr2$' -o excl "$BAM"
check_status "--exclude-chroms '^chr2\$': exit 0" 0
check_eq "--exclude-chroms: only chr1's 300 windows" "$(gzip -dc excl.windows.bed.gz | grep -v '^#' | cut -f1 | sort -u | tr '\n' ' ')$(gzip -dc excl.windows.bed.gz | grep -vc '^#')" "chr1 300"
run "$EMTK" cov --chroms chr2 -o only2 "$BAM"
check_eq "--chroms chr2: only chr2's 300 windows" "$(gzip -dc only2.windows.bed.gz | grep -v '^#' | cut -f1 | sort -u | tr '\n' ' ')$(gzip -dc only2.windows.bed.gz | grep -vc '^#')" "chr2 300"

# ---- depths equal mosdepth's ------------------------------------------------------------------------
if have mosdepth; then
  mosdepth -n --by 1000 md "$BAM"
  if cmp=$(compare_depth one.windows.bed.gz md.regions.bed.gz) && awk_true "m <= 0.01" "m=${cmp#* }"; then
    ok "depth = mosdepth -n --by 1000 to 0.01 (windows, largest difference: $cmp)"
  else
    not_ok "depth = mosdepth -n --by 1000 to 0.01" "$cmp"
  fi
  check "PREFIX.mosdepth.{summary,global.dist,region.dist}.txt = mosdepth -n --by 1000's, byte for byte" \
    same_mosdepth_files one md
  mosdepth -n -c chr2 --by 1000 md2 "$BAM"
  check "--chroms chr2: the mosdepth files = mosdepth -c chr2's" same_mosdepth_files only2 md2
  mosdepth -n -x -Q 10 --by 700 mdx "$BAM"
  run "$EMTK" cov -x -Q 10 -w 700 -o fast "$BAM"
  if cmp=$(compare_depth fast.windows.bed.gz mdx.regions.bed.gz) && awk_true "m <= 0.01" "m=${cmp#* }"; then
    ok "--fast-mode -Q 10 -w 700 = mosdepth -x -Q 10 --by 700 to 0.01 ($cmp)"
  else
    not_ok "--fast-mode -Q 10 -w 700 = mosdepth -x -Q 10 --by 700" "$cmp"
  fi
  check "--fast-mode -Q 10 -w 700: the mosdepth files = mosdepth's" same_mosdepth_files fast mdx
  printf 'chr1\t5000\t25000\nchr1\t20000\t61234\nchr2\t100\t300000\n' >win.bed
  mosdepth -n -F 1024 --by win.bed mdb "$BAM"
  run "$EMTK" cov -F 1024 --by win.bed -o byb "$BAM"
  if cmp=$(compare_depth byb.windows.bed.gz mdb.regions.bed.gz) && awk_true "m <= 0.01" "m=${cmp#* }"; then
    ok "--by BED (overlapping windows) -F 1024 = mosdepth to 0.01 ($cmp)"
  else
    not_ok "--by BED -F 1024 = mosdepth" "$cmp" "$(last_run)"
  fi
  check "--by BED: global and region distributions = mosdepth's (the windows' bases, overlaps twice)" bash -c \
    'cmp byb.mosdepth.global.dist.txt mdb.mosdepth.global.dist.txt && cmp byb.mosdepth.region.dist.txt mdb.mosdepth.region.dist.txt'
  # mosdepth 0.3 starts the minimum of the first CHROM_region, total and total_region rows at 0
  # (an uninitialised minimum); emtk writes the true minimum there. Everything else is equal.
  check "--by BED: summary = mosdepth's (but min of its first _region and total rows)" bash -c \
    "cmp <(awk -F'\t' -v OFS='\t' 'NR > 1 && (\$1 ~ /_region\$/ || \$1 ~ /^total/) { \$5 = \"-\" } 1' byb.mosdepth.summary.txt) \
         <(awk -F'\t' -v OFS='\t' 'NR > 1 && (\$1 ~ /_region\$/ || \$1 ~ /^total/) { \$5 = \"-\" } 1' mdb.mosdepth.summary.txt)"
  check_eq "--by BED: the windows' true minimum depth (chr1 5000-61234)" \
    "$(awk '$1 == "chr1_region" { print $5 }' byb.mosdepth.summary.txt)" \
    "$(samtools depth -a -r chr1:5001-61234 -G 1024 "$BAM" | awk 'NR == 1 || $3 < m { m = $3 } END { print m }')"
  if have multiqc; then
    # MultiQC's mosdepth module on emtk's files and on mosdepth's own (same sample name): same tables.
    mkdir -p mqc_emtk mqc_mosdepth
    for f in "${MOSDEPTH_FILES[@]}"; do cp "one.$f" "mqc_emtk/s.$f"; cp "md.$f" "mqc_mosdepth/s.$f"; done
    run multiqc -q -f -m mosdepth -o mqc_emtk/report mqc_emtk
    check_status "multiqc -m mosdepth on emtk's files: exit 0" 0
    multiqc -q -f -m mosdepth -o mqc_mosdepth/report mqc_mosdepth >/dev/null 2>&1 || true
    check_eq "multiqc: general statistics (mean, median, % >= 1/5/10x) of the sample" \
      "$(cut -f 2- mqc_emtk/report/multiqc_data/multiqc_general_stats.txt 2>/dev/null | tail -n 1 | tr '\t' ' ')" \
      "$(cut -f 2- mqc_mosdepth/report/multiqc_data/multiqc_general_stats.txt 2>/dev/null | tail -n 1 | tr '\t' ' ')"
    check "multiqc: the mean of 12.92 in its general statistics" \
      grep -q "12.92" mqc_emtk/report/multiqc_data/multiqc_general_stats.txt
    for t in mosdepth_perchrom mosdepth_cov_dist mosdepth_cumcov_dist; do
      check "multiqc: $t.txt = from mosdepth's files" \
        cmp mqc_emtk/report/multiqc_data/$t.txt mqc_mosdepth/report/multiqc_data/$t.txt
    done
  else
    skip "multiqc reads the mosdepth files" "multiqc not installed (scripts/setup.sh test installs it)"
  fi
  # --depth-bed: mosdepth's regions give the same calls as the BAM (read length 100).
  run "$EMTK" cov --depth-bed --segment --read-length 100 -o dbed md.regions.bed.gz
  check_status "--depth-bed md.regions.bed.gz: exit 0" 0
  check "--depth-bed: no mosdepth files (they need per-base depths)" bash -c '! compgen -G "dbed.mosdepth.*" >/dev/null'
  agree=$(paste <(gzip -dc one.windows.bed.gz | grep -v '^#') <(gzip -dc dbed.windows.bed.gz | grep -v '^#') |
    awk '{ n++; if ($5 == $11) a++ } END { printf "%.4f", a / n }')
  check "--depth-bed --segment: >= 99% of windows get the BAM run's CN ($agree)" awk_true "a >= 0.99" "a=$agree"
else
  skip "depth = mosdepth" "mosdepth not installed"
fi

# ---- a fresh simulation (scripts/cov_simulate.sh): 20x, CNVs of 20-80 kb ------------------------
if have dwgsim && have bwa && [[ -x $PY ]]; then
  if bash "$ROOT/scripts/cov_simulate.sh" -g 500000 -c 1 -n 4 -d 20 -m 20000:80000 -s 11 -t 2 sim >sim.log 2>&1; then
    run "$EMTK" cov -t 2 --segment --reference sim/ref.fa -o simrun sim/sample.bam
    check_status "simulation: cov --segment --reference (GC correction): exit 0" 0
    check "simulation: GC correction applied" grep -q '"applied": true' simrun.json
    run "$PY" "$ROOT/scripts/cov_evaluate.py" simrun.windows.bed.gz simrun.segments.bed sim/truth.bed \
      --min-window-accuracy 0.98 --min-recall 0.9
    check_status "simulation 20x: >= 98% of windows, >= 90% of CNVs ($(tr '\n' ' ' <"$(out_file)"))" 0
    samtools view -C -T sim/ref.fa -o sim.cram sim/sample.bam && samtools index sim.cram
    run "$EMTK" cov --reference sim/ref.fa --no-gc-correction -o cram sim.cram
    run "$EMTK" cov --no-gc-correction -o bam_nogc sim/sample.bam
    gzip -dc cram.windows.bed.gz >cram.w
    gzip -dc bam_nogc.windows.bed.gz >bam.w
    check_same_file "CRAM with --reference = BAM" cram.w bam.w
    run "$EMTK" cov -f sim/ref.fa --no-gc-correction -o cramf sim.cram
    gzip -dc cramf.windows.bed.gz >cramf.w
    check_same_file "CRAM with -f (mosdepth's --fasta) = with --reference" cramf.w cram.w
    check "CRAM: the mosdepth files as from the BAM" same_mosdepth_files cramf bam_nogc
    expect_error "-f and --reference naming different files" 2 \
      "$E -r/--reference and -f/--fasta name the same file (the reference); give one" \
      tworef "$EMTK" cov -f sim/ref.fa --reference other.fa -o tworef sim.cram
    expect_error "CRAM without --reference" 1 "$E sim.cram: CRAM input needs its reference: give --reference FASTA" \
      bad_cram "$EMTK" cov -o bad_cram sim.cram
    check_no_cov_outputs "CRAM without --reference" bad_cram
  else
    not_ok "cov_simulate.sh ran" "$(tail -n 5 sim.log)"
  fi
else
  skip "simulation" "dwgsim, bwa or /usr/bin/python3 missing"
fi

fi # BADINPUT_ONLY

# ---- bad input ------------------------------------------------------------------------------------
samtools sort -n -o byname.bam "$BAM" 2>/dev/null
expect_error "unsorted BAM" 1 \
  "$E byname.bam: not sorted by coordinate: read 'r0' at chr1:29506 comes after chr1:29716 (samtools sort)" \
  unsorted "$EMTK" cov -o unsorted byname.bam
check_no_cov_outputs "unsorted BAM" unsorted
cp "$BAM" noindex.bam
expect_error "--region on a BAM without index" 1 \
  "$E noindex.bam: --region needs an index (.bai/.csi/.crai): run 'samtools index noindex.bam'" \
  noidx "$EMTK" cov --region chr1:1-1000 -o noidx noindex.bam
check_no_cov_outputs "--region without index" noidx
head -c 900000 "$BAM" >trunc.bam
expect_error "truncated BAM" 1 "$E trunc.bam: truncated BAM: the BGZF end-of-file marker is missing" \
  trunc "$EMTK" cov -o trunc trunc.bam
check_no_cov_outputs "truncated BAM" trunc
expect_error "no record passes the filters" 1 \
  "$E $BAM: no record passed the filters (77568 records on the selected chromosomes: 0 excluded by flags -F 1796, 77568 below -Q 255)" \
  nopass "$EMTK" cov -Q 255 -o nopass "$BAM"
check_no_cov_outputs "no record passes" nopass
expect_error "window size 0" 2 "$E -w/--window must be at least 1 bp" w0 "$EMTK" cov -w 0 -o w0 "$BAM"
check_no_cov_outputs "window size 0" w0
expect_error "unknown chromosome in --region" 1 "$E $BAM: --region: chromosome 'chrX' is not in the header" \
  badreg "$EMTK" cov --region chrX:1-100 -o badreg "$BAM"
expect_error "malformed --region" 2 \
  "$E --region expects CHROM, CHROM:START or CHROM:START-END (1-based, START <= END), got 'chr1:9-2'" \
  badreg2 "$EMTK" cov --region chr1:9-2 -o badreg2 "$BAM"
expect_error "invalid --exclude-chroms" 2 "$E --exclude-chroms: '(chr' is not a valid (POSIX extended) regular expression" \
  badre "$EMTK" cov --exclude-chroms '(chr' -o badre "$BAM"
printf 'not a bam\n' >junk.bam
expect_error "not an alignment file" 1 "$E junk.bam: not a BAM, CRAM or SAM file" junk "$EMTK" cov -o junk junk.bam
check_no_cov_outputs "not an alignment file" junk
expect_error "missing input" 1 "$E missing.bam: cannot open: No such file or directory" miss "$EMTK" cov -o miss missing.bam
expect_error "output directory missing" 1 "$E nodir/x.windows.bed.gz: cannot write: directory 'nodir' does not exist" \
  nodir/x "$EMTK" cov -o nodir/x "$BAM"
# A CRAM (made without a reference: no_ref) read without a reference, or with a missing one.
samtools view -C --output-fmt-option no_ref=1 -o noref.cram "$BAM" 2>/dev/null
expect_error "CRAM without a reference" 1 "$E noref.cram: CRAM input needs its reference: give --reference FASTA" \
  cram_noref "$EMTK" cov -o cram_noref noref.cram
check_no_cov_outputs "CRAM without a reference" cram_noref
expect_error "CRAM with a missing reference file (-f)" 1 "$E missing.fa: cannot use as the CRAM reference (FASTA with .fai)" \
  cram_missing "$EMTK" cov -f missing.fa -o cram_missing noref.cram
check_no_cov_outputs "CRAM with a missing reference" cram_missing
printf 'chr1\t10\n' >bad_by.bed
run "$EMTK" cov --by bad_by.bed -o bad_by "$BAM"
check_status "--by BED with a short line: exit status 1" 1
check_stderr_one_line_starting "--by BED with a short line: one line naming the file" "$E bad_by.bed"
check_no_cov_outputs "--by BED with a short line" bad_by

t_summary
