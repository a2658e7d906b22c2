#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk impute` (issue 6): outputs (GT/DS/GP/INFO, index), observed genotypes kept,
# pass-through records, determinism across thread counts, bad inputs (one-line errors, no output).
#
#   bash test/cli/impute_test.sh build/emtk test/cli
#   EMTK_TEST_BADINPUT_ONLY=1 bash test/cli/impute_test.sh ...   # only the bad-input tests (the
#                                                                # sanitizer job runs them with LSan)
#
# Data: data/impute/example.vcf.gz (100 samples, 473 sites, 5% masked; scripts/impute_simulate.sh)
# and small hand-written VCFs. Fits are kept short (-K 4, few iterations): the checks are about
# the file, not the accuracy (scripts/impute_evaluate.py and bench/ measure that).
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
EX=$(cd "$CLI_DIR/../../data/impute" && pwd)/example.vcf.gz
t_init "${1:-}"

E="[emtk] error:"
FAST=(-K 4 --max-iter 5 --restarts 2)

# body FILE: the VCF records (plain or gzip), without the header.
body() { gzip -cdf "$1" | grep -v '^#'; }

HDR='##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n##contig=<ID=2,length=1000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n'
BADINPUT_ONLY=${EMTK_TEST_BADINPUT_ONLY:-0}
if [[ $BADINPUT_ONLY != 1 ]]; then

# ---- a normal run --------------------------------------------------------------------------------

run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 --json a.json -o a.vcf.gz "$EX"
check_status "example: exit status 0" 0
check_stderr_one_line_starting "example: only the summary line on stderr" "[emtk] imputed "
check "example: bgzipped output and .tbi index" test -s a.vcf.gz -a -s a.vcf.gz.tbi
check_json_parses "example: JSON summary parses" a.json
check_eq "example: tool in the summary" "$(json_top a.json tool)" '"emtk impute"'
check_eq "example: windows in the summary (473 sites, window 200, overlap 40)" \
  "$(json_section a.json windows | json_values first_site | tr '\n' ' ')" "1 144 288 "

# Every observed genotype kept exactly, every missing one filled, DS/GP for all samples.
msg=$(paste <(body "$EX") <(body a.vcf.gz) | awk -F'\t' '
  { n = (NF - 0) / 2; in_n = 0 }
  {
    # input fields 1..n, output fields n+1..2n (both files have the same number of columns)
    split($0, f, "\t"); half = NF / 2
    if (f[2] != f[half + 2]) { print "record " NR ": positions differ"; exit 1 }
    split(f[half + 9], fmt, ":")
    if (f[half + 9] != "GT:DS:GP") { print "record " NR ": FORMAT is " f[half + 9]; exit 1 }
    if (f[half + 8] !~ /AF=/ || f[half + 8] !~ /IMP_N=/) { print "record " NR ": INFO " f[half + 8]; exit 1 }
    for (i = 10; i <= half; i++) {
      gin = f[i]; split(f[half + i], v, ":")
      if (gin != "./." && v[1] != gin) { print "record " NR " sample " i - 9 ": observed " gin " became " v[1]; exit 1 }
      if (v[1] ~ /\./) { print "record " NR " sample " i - 9 ": still missing"; exit 1 }
      split(v[3], p, ",")
      s = p[1] + p[2] + p[3]
      if (s < 0.997 || s > 1.003) { print "record " NR ": GP sums to " s; exit 1 }
      d = p[2] + 2 * p[3]
      if (d - v[2] > 0.003 || v[2] - d > 0.003) { print "record " NR ": DS " v[2] " != GP dosage " d; exit 1 }
      if (gin != "./.") { a = substr(gin, 1, 1) + substr(gin, 3, 1); if (v[2] != a) { print "observed DS " v[2] " for " gin; exit 1 } }
    }
  }') && ok "example: observed genotypes unchanged; missing filled; GP sums to 1; DS = GP dosage" ||
  not_ok "example: observed genotypes unchanged; missing filled; GP sums to 1; DS = GP dosage" "$msg"
check_eq "example: as many records as the input" "$(body a.vcf.gz | wc -l)" "$(body "$EX" | wc -l)"
imputed=$(json_section a.json genotypes | json_values imputed | head -n 1)
check_eq "example: genotypes imputed = ./. in the input" "$imputed" "$(body "$EX" | tr '\t' '\n' | grep -c '^\./\.$')"
if command -v bcftools >/dev/null; then
  check "example: bcftools view reads the output" bash -c 'bcftools view -H a.vcf.gz >/dev/null'
  check "example: bcftools +fill-tags reads the output" bash -c 'bcftools +fill-tags a.vcf.gz -- -t AN,AC | bcftools view -H >/dev/null'
  check "example: bcftools uses the index (--region)" bash -c '[[ $(bcftools view -H -r 1:1-50000 a.vcf.gz | wc -l) -gt 0 ]]'
fi

# ---- determinism across threads, BCF, stdin/stdout --------------------------------------------------

run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 -t 2 --json b.json -o b.vcf.gz "$EX"
check_status "-t 2: exit status 0" 0
check_eq "-t 1 and -t 2: identical records" "$(body a.vcf.gz | md5sum)" "$(body b.vcf.gz | md5sum)"
check_eq "-t 1 and -t 2: identical summaries (without the run section)" \
  "$(json_strip_run a.json | grep -v '"file"\|"index"' | md5sum)" "$(json_strip_run b.json | grep -v '"file"\|"index"' | md5sum)"
run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 -o c.bcf "$EX"
check "BCF output with a .csi index" test -s c.bcf -a -s c.bcf.csi
if command -v bcftools >/dev/null; then
  check_eq "BCF output: same records as the VCF output" "$(bcftools view -H c.bcf | md5sum)" "$(body a.vcf.gz | md5sum)"
fi
run_in "$EX" "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 -o - -
check_status "stdin to stdout: exit status 0" 0
check_eq "stdin to stdout: same records" "$(grep -v '^#' "$(out_file)" | md5sum)" "$(body a.vcf.gz | md5sum)"
run "$EMTK" impute --seed 2 "${FAST[@]}" -o d.vcf "$EX"
check "another --seed gives other posteriors" bash -c '! cmp -s <(grep -v "^#" d.vcf) <(gzip -cd a.vcf.gz | grep -v "^#")'
run "$EMTK" impute -t 2 --json def.json -o def.vcf.gz "$EX"
check_status "default settings: exit status 0" 0
check_eq "default settings: K 12, 1 start, 10 iterations; 5 template rounds of 40 templates, last 3 averaged (geno/impute.hpp)" \
  "$(json_section def.json model | json_values clusters) $(json_section def.json model | json_values restarts) $(json_section def.json model | json_values max_iter) $(json_section def.json model | json_values rounds) $(json_section def.json model | json_values templates) $(json_section def.json model | json_values average)" "12 1 10 5 40 3"
check_eq "default settings: every window refined in 5 rounds" \
  "$(json_section def.json windows | grep -c '"mean_jump"')" "$(( 5 * $(json_section def.json windows | grep -c '"core_first_site"') ))"
check_eq "default settings: every window has a haploid pass (geno/haploid.hpp), 200 states" \
  "$(json_section def.json windows | grep -c '"switches"') $(json_section def.json model | json_values states)" \
  "$(json_section def.json windows | grep -c '"core_first_site"') 200"
run "$EMTK" impute -t 2 --haploid-states 0 --json h0.json -o h0.vcf.gz "$EX"
check_eq "--haploid-states 0: no haploid pass in the summary" "$(json_section h0.json windows | grep -c '"switches"' || true)" "0"
check "--haploid-states 0: other posteriors than the default run" bash -c '! cmp -s <(gzip -cd h0.vcf.gz | grep -v "^#") <(gzip -cd def.vcf.gz | grep -v "^#")'
run "$EMTK" impute -t 2 --haploid-weight 0 -o hw0.vcf.gz "$EX"
check_eq "--haploid-weight 0 is --haploid-states 0" "$(body hw0.vcf.gz | md5sum)" "$(body h0.vcf.gz | md5sum)"
# The blend of the two stages (geno/haploid.hpp step 6): geometric at weight 0.6 by default, linear on request.
run "$EMTK" impute -t 2 --haploid-blend linear --haploid-weight 0.5 -o hlin.vcf.gz "$EX"
check_status "--haploid-blend linear: exit status 0" 0
check "--haploid-blend linear: other posteriors than the default (geometric)" bash -c '! cmp -s <(gzip -cd hlin.vcf.gz | grep -v "^#") <(gzip -cd def.vcf.gz | grep -v "^#")'
run "$EMTK" impute -t 1 --haploid-blend linear --haploid-weight 0.5 -o hlin1.vcf.gz "$EX"
check_eq "--haploid-blend linear: identical for -t 1 and -t 2" "$(body hlin1.vcf.gz | md5sum)" "$(body hlin.vcf.gz | md5sum)"
run "$EMTK" impute -t 2 --haploid-blend geometric --haploid-weight 0.6 -o hgeo.vcf.gz "$EX"
check_eq "--haploid-blend geometric --haploid-weight 0.6 is the default" "$(body hgeo.vcf.gz | md5sum)" "$(body def.vcf.gz | md5sum)"
# Pure fastPHASE (--refine 0): no template round, other posteriors; still identical for any -t.
run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 --refine 0 --json f0.json -o f0.vcf.gz "$EX"
check_status "--refine 0: exit status 0" 0
check_eq "--refine 0: no template round in the summary" \
  "$(json_section f0.json model | json_values rounds) $(json_section f0.json windows | grep -c '"mean_jump"' || true)" "0 0"
check "--refine 0: other posteriors than the refined run" bash -c '! cmp -s <(gzip -cd f0.vcf.gz | grep -v "^#") <(gzip -cd a.vcf.gz | grep -v "^#")'
run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 --refine 0 -t 2 -o f2.vcf.gz "$EX"
check_eq "--refine 0: -t 1 and -t 2 identical" "$(body f0.vcf.gz | md5sum)" "$(body f2.vcf.gz | md5sum)"
check_eq "refined run: template rounds in the summary, EM objective never decreased" \
  "$(json_section a.json windows | grep -c '"mean_jump"') $(json_top a.json objective_decreases)" "15 0"
# Phase (bcftools reads the GTs): the example is phased, so its imputed calls are too; heterozygotes
# take the orientation of the model's haplotype draw (both orientations occur), or 0|1 without one.
# imputed_gts IN OUT: the output GT of every call missing in IN (bcftools query, one a line).
imputed_gts() { paste <(bcftools query -f '[%GT\n]' "$1") <(bcftools query -f '[%GT\n]' "$2") | awk '$1 == "./." { print $2 }'; }
if command -v bcftools >/dev/null 2>&1; then
  check_eq "phased input: every imputed call phased (bcftools query)" \
    "$(imputed_gts "$EX" a.vcf.gz | grep -c '/' || true) $(imputed_gts "$EX" a.vcf.gz | wc -l)" "0 $imputed"
  check_eq "phased input: imputed heterozygotes in both orientations (the model's draw)" \
    "$(imputed_gts "$EX" a.vcf.gz | grep -E '^(0\|1|1\|0)$' | sort -u | tr '\n' ' ')" "0|1 1|0 "
  gzip -cd "$EX" | sed '/^#/!s#|#/#g' >unphased.vcf
  run "$EMTK" impute "${FAST[@]}" --window 200 --overlap 40 -o u.vcf.gz unphased.vcf
  check_status "unphased input: exit status 0" 0
  check_eq "unphased input: every imputed call unphased (bcftools query)" \
    "$(imputed_gts unphased.vcf u.vcf.gz | grep -c '|' || true)" "0"
  check_eq "unphased input: the same genotypes, DS and GP as the phased run" \
    "$(bcftools query -f '[%GT:%DS:%GP\t]\n' u.vcf.gz | tr '|' '/' | sed 's#1/0#0/1#g' | md5sum)" \
    "$(bcftools query -f '[%GT:%DS:%GP\t]\n' a.vcf.gz | tr '|' '/' | sed 's#1/0#0/1#g' | md5sum)"
  run "$EMTK" impute "${FAST[@]}" --refine 0 --window 200 --overlap 40 -o p0.vcf.gz "$EX"
  check_eq "--refine 0 (no haplotype draw): imputed heterozygotes phased 0|1" \
    "$(imputed_gts "$EX" p0.vcf.gz | grep -E '^(0\|1|1\|0|0/1)$' | sort -u | tr '\n' ' ')" "0|1 "
else
  not_ok "bcftools is installed (scripts/setup.sh test installs it)"
fi
run "$EMTK" impute --method hwe --json h.json -o h.vcf "$EX"
check_status "--method hwe: exit status 0" 0
check_eq "--method hwe: every missing genotype filled" "$(grep -v '^#' h.vcf | cut -f 10- | tr '\t' '\n' | grep -c '^\./\.' || true)" "0"
run "$EMTK" impute "${FAST[@]}" --region 1:1-60000 -o r.vcf "$EX"
check_status "--region: exit status 0" 0
check "--region: only records in 1:1-60000" bash -c 'n=$(grep -vc "^#" r.vcf); last=$(grep -v "^#" r.vcf | tail -n 1 | cut -f 2); [[ $n -gt 0 && $last -le 60000 ]]'

# ---- pass-through records and documented behaviours ------------------------------------------------

printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t./.\t1/1\n1\t6\t.\tA\tC,G\t.\t.\t.\tGT\t0/2\t./.\t1/1\n1\t7\t.\tA\tC\t.\t.\t.\tGT\t./.\t./.\t./.\n1\t8\t.\tA\tC\t.\t.\t.\tGT\t0\t1\t.\n1\t9\t.\tA\tC\t.\t.\t.\tGT\t./1\t0|1\t./.\n1\t10\t.\tA\tC\t.\t.\t.\t.\t.\t.\t.\n' >mixed.vcf
run "$EMTK" impute -K 2 --json m.json -o m.vcf mixed.vcf
check_status "mixed records: exit status 0" 0
check_eq "mixed: multiallelic, all-missing, haploid and GT-less records unchanged" \
  "$(grep -v '^#' m.vcf | sed -n '3,5p;7p' | md5sum)" "$(grep -v '^#' mixed.vcf | sed -n '3,5p;7p' | md5sum)"
check_eq "mixed: phased observed call kept, half-missing and missing calls imputed phased like it" \
  "$(grep -v '^#' m.vcf | sed -n 6p | cut -f 10- | awk -F'\t' '{ split($1, a, ":"); split($2, b, ":"); split($3, c, ":"); print (a[1] ~ /^[01]\|[01]$/), b[1], (c[1] ~ /^[01]\|[01]$/) }')" "1 0|1 1"
check_eq "mixed: unphased records' imputed calls unphased" \
  "$(grep -v '^#' m.vcf | sed -n '1,2p' | cut -f 10- | tr '\t' '\n' | cut -d: -f 1 | grep -c '|' || true)" "0"
rec=$(json_section m.json record_details)
check_eq "mixed: counts (read, imputed, multiallelic, no GT, haploid, all missing, duplicate positions)" \
  "$(printf '%s\n' "$rec" | json_values read) $(printf '%s\n' "$rec" | json_values imputed) $(printf '%s\n' "$rec" | json_values count | tr '\n' ' ')" \
  "7 3 1 1 1 1 1 "
check_eq "mixed: schema records (used, skipped = multiallelic + no GT + haploid + all missing)" \
  "$(json_section m.json records | json_values used) $(json_section m.json records | json_values skipped)" "3 4"
check_eq "mixed: half-missing calls counted" "$(json_section m.json genotypes | json_values count | head -n 1)" "1"
printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n1\t6\t.\tA\tC\t.\t.\t.\tGT\t1/1\t0/0\t./.\n' >allmiss.vcf
run "$EMTK" impute -K 2 --json s.json -o s.vcf allmiss.vcf
check_status "a sample with every genotype missing: exit status 0" 0
check_eq "a sample with every genotype missing: one warning (then the summary line)" \
  "$(grep -c '^\[emtk\] warning: 1 sample(s) have no observed genotype' "$CAP/err")" 1
check_eq "a sample with every genotype missing: counted in the summary" \
  "$(json_section s.json genotypes | json_values count | tail -n 1)" "1"

fi # BADINPUT_ONLY

# ---- bad input -----------------------------------------------------------------------------------

printf '##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n1\t5\t.\tA\tC\t.\t.\t.\t.\t.\n' >nogt.vcf
expect_error "no GT in the header" 1 "$E nogt.vcf: no FORMAT/GT field declared in the header: nothing to impute" \
  out "$EMTK" impute -o out.vcf.gz nogt.vcf
printf "$HDR"'1\t10\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t1/1\n' >unsorted.vcf
expect_error "unsorted records" 1 \
  "$E unsorted.vcf: record 2 (1:5): the records are not sorted: position 5 comes after 10 (bcftools sort)" \
  out "$EMTK" impute -o out.vcf.gz unsorted.vcf
printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n2\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t1/1\n1\t7\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t1/1\n' >contigs.vcf
expect_error "a contig that reappears" 1 \
  "$E contigs.vcf: record 3 (1:7): contig '1' appears again after another contig: the records are not sorted (bcftools sort)" \
  out "$EMTK" impute -o out.vcf.gz contigs.vcf
printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n1\t6\t.\tA\tC\t.\t.\t.\tGT\t0/1\n' >short.vcf
run "$EMTK" impute -o out.vcf.gz short.vcf
check_status "a record with too few columns: exit status 1" 1
check_stderr_one_line_starting "a record with too few columns: one line naming the file and record" "$E short.vcf: record 2"
check "a record with too few columns: no output" bash -c '! compgen -G "out.vcf.gz*" >/dev/null && ! compgen -G ".out.vcf.gz*" >/dev/null'
printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n1\t6\t.\tA\tC\t.\t.\t.\tGT\t0/3\t0/0\t./.\n' >badgt.vcf
expect_error "a GT allele beyond the ALT alleles" 1 \
  "$E badgt.vcf: record 2 (1:6): GT allele index out of range for a biallelic site" out "$EMTK" impute -o out.vcf.gz badgt.vcf
gzip -cd "$EX" >full.vcf
head -c 30000 full.vcf >trunc.vcf
run "$EMTK" impute -o out.vcf.gz trunc.vcf
check_status "a plain VCF cut in a record: exit status 1" 1
check_stderr_one_line_starting "a plain VCF cut in a record: one line naming the file" "$E trunc.vcf: record "
head -c 9000 "$EX" >trunc.vcf.gz
run "$EMTK" impute -o out.vcf.gz trunc.vcf.gz
check_status "truncated BGZF: exit status 1" 1
check_stderr_one_line_starting "truncated BGZF: one line naming the file" "$E trunc.vcf.gz: record "
check "truncated BGZF: no output, no temporary file" bash -c '! compgen -G "out.vcf.gz*" >/dev/null && ! compgen -G ".out.vcf.gz*" >/dev/null'
expect_error "missing input" 1 "$E nothing.vcf: cannot open: No such file or directory" \
  out "$EMTK" impute -o out.vcf.gz nothing.vcf
printf 'not a vcf\n' >text.txt
run "$EMTK" impute -o out.vcf.gz text.txt
check_status "not a VCF: exit status 1" 1
check_stderr_one_line_starting "not a VCF: one line" "$E text.txt: "
expect_error "--overlap >= --window" 2 "$E --overlap must be smaller than --window" \
  out "$EMTK" impute --window 10 --overlap 10 -o out.vcf.gz "$EX"
expect_error "--haploid-blend not linear or geometric" 2 \
  "$E Validation failed for option --haploid-blend: Value mean is not one of [linear,geometric]." \
  out "$EMTK" impute --haploid-blend mean -o out.vcf.gz "$EX"
expect_error "--refine-overlap >= --refine-window" 2 "$E --refine-overlap must be smaller than --refine-window" \
  out "$EMTK" impute --refine-window 50 --refine-overlap 60 -o out.vcf.gz "$EX"
expect_error "--region on stdin" 2 "$E --region needs an indexed file, not stdin" \
  out "$EMTK" impute --region 1 -o out.vcf.gz -
[[ -f mixed.vcf ]] || printf "$HDR"'1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\t./.\n' >mixed.vcf
expect_error "--region without an index" 1 \
  "$E mixed.vcf: --region needs an index (mixed.vcf.tbi or .csi): make one with 'bcftools index'" \
  out "$EMTK" impute --region 1 -o out.vcf.gz mixed.vcf
expect_error "output directory missing" 1 "$E nodir/out.vcf.gz: cannot write: directory 'nodir' does not exist" \
  out "$EMTK" impute -o nodir/out.vcf.gz "$EX"
run "$EMTK" impute
check_status "no arguments: exit status 2" 2
check_stderr_is "no arguments: usage line" "$E emtk impute needs an input VCF/BCF and -o OUTPUT (see 'emtk impute --help')"
run "$EMTK" impute --help
check "--help shows an example" grep -q "emtk impute -o imputed.vcf.gz data/impute/example.vcf.gz" "$(out_file)"
check "--help documents --refine 0 (pure fastPHASE)" grep -q "\-\-refine 0" "$(out_file)"

t_summary
