#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
# CLI tests for `emtk impute --ref` (issue 20): output readable by bcftools (view, stats, query),
# phased GT consistent with the observed genotypes, the IMP flag, identical output for -t 1 and
# -t 2, marker matching (allele swaps, strand flips, "chr" prefixes, missing and mismatched
# markers), and bad input (unphased, unsorted or unindexed panel, no overlap, bad map): one error
# line, exit status 1, no output.
#
#   bash test/cli/impute_ref_test.sh build/emtk test/cli
#
# Data: a small scrm simulation made here (scripts/impute_ref_simulate.sh: 200 panel haplotypes,
# 20 study samples, 300 kb, 5% of the markers typed). Accuracy is measured by bench/, not here.
set -euo pipefail

CLI_DIR=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
ROOT=$(cd "$CLI_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$CLI_DIR/lib.sh"
t_init "${1:-}"
E="[emtk] error:"
for tool in scrm bgzip tabix bcftools; do
  command -v "$tool" >/dev/null || { echo "ok - skipped: $tool is not installed"; t_summary; }
done

"$ROOT/scripts/impute_ref_simulate.sh" sim 200 20 300000 0.05 3 2>/dev/null
P=sim/panel.vcf.gz
S=sim/study.vcf.gz
body() { gzip -cdf "$1" | grep -v '^#'; }
n_typed=$(body "$S" | wc -l)
n_panel=$(body "$P" | wc -l)

# ---- a normal run ---------------------------------------------------------------------------------

run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --json a1.json -o a1.vcf.gz "$S"
check_status "run: exit status 0" 0
check "run: bgzipped output and .tbi index" test -s a1.vcf.gz -a -s a1.vcf.gz.tbi
check_json_parses "run: JSON summary parses" a1.json
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 -o a2.vcf.gz "$S"
check_status "run -t 2: exit status 0" 0
check_eq "-t 1 and -t 2 give the same records" "$(body a1.vcf.gz | md5sum)" "$(body a2.vcf.gz | md5sum)"

# Shifted state blocks (--shift-blocks: phasing rounds; --impute-offsets: the imputation averaged
# over block offsets) and heterozygote flips after the switch passes (--het-flips). Small blocks so that the study's typed markers span several, and fewer
# states than panel haplotypes (with all of them in every block the boundaries change nothing).
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --shift-blocks 1 --impute-offsets 3 \
  --het-flips 2 --json o1.json -o o1.vcf.gz "$S"
check_status "shifted blocks: exit status 0" 0
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --ref-block 8 --ref-states 20 --shift-blocks 1 --impute-offsets 3 --het-flips 2 -o o2.vcf.gz "$S"
check_eq "shifted blocks: -t 1 and -t 2 give the same records" "$(body o1.vcf.gz | md5sum)" "$(body o2.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --shift-blocks 0 --impute-offsets 1 -o o0.vcf.gz "$S"
check "shifted blocks: other records than unshifted blocks" test "$(body o1.vcf.gz | md5sum)" != "$(body o0.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --shift-blocks 0 --impute-offsets 3 -o o3.vcf.gz "$S"
check "--impute-offsets 3 alone changes the records" test "$(body o3.vcf.gz | md5sum)" != "$(body o0.vcf.gz | md5sum)"
dosage_gt() { bcftools query -i 'INFO/IMP=0' -f '[%GT\n]' "$1" | awk '{ print substr($1, 1, 1) + substr($1, 3, 1) }' | md5sum; }
check_eq "shifted blocks: same genotypes at the typed markers, GP sums to 1" \
  "$(dosage_gt o1.vcf.gz) $(bcftools query -f '[%GP\n]' o1.vcf.gz |
     awk -F, '{ s = $1 + $2 + $3; if (s < 0.997 || s > 1.003) bad++ } END { print bad + 0 }')" "$(dosage_gt o0.vcf.gz) 0"
check_eq "JSON: shift_blocks, impute_offsets, het_flips" \
  "$(json_section o1.json model | json_values shift_blocks) $(json_section o1.json model | json_values impute_offsets) $(json_section o1.json model | json_values het_flips)" "true 3 2"
run "$EMTK" impute --ref "$P" --impute-offsets 0 -o bad.vcf.gz "$S"
check_status "--impute-offsets 0: usage error" 2
run "$EMTK" impute --ref "$P" --het-flips 9 -o bad.vcf.gz "$S"
check_status "--het-flips 9: usage error" 2
check "--het-flips 9: no output" test ! -e bad.vcf.gz

# State choice at the ends (--edge-context, default 1) and Ne by EM (--fit-ne, off by default).
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --edge-context 0 --json e0.json -o e0.vcf.gz "$S"
check_status "--edge-context 0: exit status 0" 0
check "--edge-context 0 changes the records" test "$(body e0.vcf.gz | md5sum)" != "$(body o0.vcf.gz | md5sum)"
check_eq "JSON: edge_context" "$(json_section e0.json model | json_values edge_context)" "false"
# More states at the contig's ends (--end-scale, default 2.5): 1 gives other records, -t 1 = -t 2.
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --end-scale 1 --json s1.json -o s1.vcf.gz "$S"
check_status "--end-scale 1: exit status 0" 0
check "--end-scale 1 changes the records" test "$(body s1.vcf.gz | md5sum)" != "$(body o0.vcf.gz | md5sum)"
check_eq "JSON: end_scale" "$(json_section s1.json model | json_values end_scale)" "1"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --ref-block 8 --ref-states 20 --end-scale 1 -o s2.vcf.gz "$S"
check_eq "--end-scale 1: -t 1 and -t 2 give the same records" "$(body s1.vcf.gz | md5sum)" "$(body s2.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --end-scale 0.5 -o bad.vcf.gz "$S"
check_status "--end-scale 0.5: usage error" 2
# More states at the ends in the later phasing round too (--viterbi-end-scale, default 1.25).
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --phase-states 2 --viterbi-end-scale 1 --json v1.json -o v1.vcf.gz "$S"
check_status "--viterbi-end-scale 1: exit status 0" 0
check_eq "JSON: viterbi_end_scale" "$(json_section v1.json model | json_values viterbi_end_scale)" "1"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --ref-block 8 --ref-states 20 --phase-states 2 --viterbi-end-scale 20 --json v3.json -o v3.vcf.gz "$S"
check "--viterbi-end-scale 20 changes the records (2 phase states: 35 typed markers)" test "$(body v3.vcf.gz | md5sum)" != "$(body v1.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --ref-block 8 --ref-states 20 --phase-states 2 --viterbi-end-scale 20 -o v4.vcf.gz "$S"
check_eq "--viterbi-end-scale 20: -t 1 and -t 2 give the same records" "$(body v3.vcf.gz | md5sum)" "$(body v4.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --viterbi-end-scale 0.5 -o bad.vcf.gz "$S"
check_status "--viterbi-end-scale 0.5: usage error" 2
check "--viterbi-end-scale 0.5: no output" test ! -e bad.vcf.gz
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --fit-ne 1 --json n1.json -o n1.vcf.gz "$S"
check_status "--fit-ne 1: exit status 0" 0
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --fit-ne 1 -o n2.vcf.gz "$S"
check_eq "--fit-ne 1: -t 1 and -t 2 give the same records" "$(body n1.vcf.gz | md5sum)" "$(body n2.vcf.gz | md5sum)"
check "--fit-ne 1: a fitted Ne per window in the JSON" grep -q '"ne": [0-9]' n1.json
check "--fit-ne 1 changes the records" test "$(body n1.vcf.gz | md5sum)" != "$(body a1.vcf.gz | md5sum)"
# Phase re-judged by the imputation's likelihood (--phase-mix, default 0.01; --phase-mix-margin,
# --phase-mix-soft): with every switch a candidate, no margin and the soft mixture, the records
# change against --phase-mix 0, -t 1 = -t 2, and the genotypes at the typed markers stay.
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix 0 -o m0.vcf.gz "$S"
check_status "--phase-mix 0: exit status 0" 0
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix 1e-9 --phase-mix-margin 0 --phase-mix-soft 1 \
  --json m1.json -o m1.vcf.gz "$S"
check_status "--phase-mix 1e-9 --phase-mix-soft 1: exit status 0" 0
check "--phase-mix changes the records" test "$(body m1.vcf.gz | md5sum)" != "$(body m0.vcf.gz | md5sum)"
check_eq "--phase-mix: same genotypes at the typed markers" "$(dosage_gt m1.vcf.gz)" "$(dosage_gt m0.vcf.gz)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --phase-mix 1e-9 --phase-mix-margin 0 --phase-mix-soft 1 -o m2.vcf.gz "$S"
check_eq "--phase-mix: -t 1 and -t 2 give the same records" "$(body m1.vcf.gz | md5sum)" "$(body m2.vcf.gz | md5sum)"
check_eq "JSON: phase_mix, phase_mix_margin, phase_mix_soft" \
  "$(json_section m1.json model | json_values phase_mix) $(json_section m1.json model | json_values phase_mix_margin) $(json_section m1.json model | json_values phase_mix_soft)" "1e-09 0 true"
run "$EMTK" impute --ref "$P" --phase-mix 2 -o bad.vcf.gz "$S"
check_status "--phase-mix 2: usage error" 2
check "--phase-mix 2: no output" test ! -e bad.vcf.gz
run "$EMTK" impute --ref "$P" --phase-mix-margin -1 -o bad.vcf.gz "$S"
check_status "--phase-mix-margin -1: usage error" 2
# Runs of exchanged heterozygotes and the re-imputed samples over two offsets (--phase-mix-runs,
# --phase-mix-offsets; session 16): with every switch a candidate and no margin, -t 1 = -t 2 and the
# typed genotypes stay; the defaults (1, 2) spelled out give the default's records. (This small
# simulation re-phases no sample, so the records do not change here; that the options off give
# session 15's records byte for byte was checked on the bench's files, bench/README.md.)
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix-runs 1 --phase-mix-offsets 2 -o r0.vcf.gz "$S"
check_status "--phase-mix-runs 1 --phase-mix-offsets 2: exit status 0" 0
check_eq "--phase-mix-runs 1 --phase-mix-offsets 2: the default's records" "$(body r0.vcf.gz | md5sum)" "$(body a1.vcf.gz | md5sum)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix 1e-9 --phase-mix-margin 0 --phase-mix-runs 2 \
  --phase-mix-offsets 2 --json r1.json -o r1.vcf.gz "$S"
check_status "--phase-mix-runs 2 --phase-mix-offsets 2: exit status 0" 0
check_eq "--phase-mix-runs: same genotypes at the typed markers" "$(dosage_gt r1.vcf.gz)" "$(dosage_gt m0.vcf.gz)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --phase-mix 1e-9 --phase-mix-margin 0 --phase-mix-runs 2 \
  --phase-mix-offsets 2 -o r2.vcf.gz "$S"
check_eq "--phase-mix-runs: -t 1 and -t 2 give the same records" "$(body r1.vcf.gz | md5sum)" "$(body r2.vcf.gz | md5sum)"
check_eq "JSON: phase_mix_runs, phase_mix_offsets" \
  "$(json_section r1.json model | json_values phase_mix_runs) $(json_section r1.json model | json_values phase_mix_offsets)" "2 2"
# --phase-mix-redraw (on by default): with 16 states (fewer than the 200 panel haplotypes, so that
# the state draws matter) it changes the records against --phase-mix-redraw 0.
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix 1e-9 --ref-states 16 --phase-mix-redraw 0 -o d0.vcf.gz "$S"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 1 --phase-mix 1e-9 --ref-states 16 --phase-mix-redraw 1 \
  --json d1.json -o d1.vcf.gz "$S"
check_status "--phase-mix-redraw 1: exit status 0" 0
check "--phase-mix-redraw 1 changes the records" test "$(body d1.vcf.gz | md5sum)" != "$(body d0.vcf.gz | md5sum)"
check_eq "--phase-mix-redraw: same genotypes at the typed markers" "$(dosage_gt d1.vcf.gz)" "$(dosage_gt m0.vcf.gz)"
run "$EMTK" impute --ref "$P" --map sim/plink.map -t 2 --phase-mix 1e-9 --ref-states 16 --phase-mix-redraw 1 \
  -o d2.vcf.gz "$S"
check_eq "--phase-mix-redraw: -t 1 and -t 2 give the same records" "$(body d1.vcf.gz | md5sum)" "$(body d2.vcf.gz | md5sum)"
check_eq "JSON: phase_mix_redraw" "$(json_section d1.json model | json_values phase_mix_redraw)" "true"
run "$EMTK" impute --ref "$P" --phase-mix-redraw 2 -o bad.vcf.gz "$S"
check_status "--phase-mix-redraw 2: usage error" 2
check "--phase-mix-redraw 2: no output" test ! -e bad.vcf.gz
run "$EMTK" impute --ref "$P" --phase-mix-runs 17 -o bad.vcf.gz "$S"
check_status "--phase-mix-runs 17: usage error" 2
check "--phase-mix-runs 17: no output" test ! -e bad.vcf.gz
run "$EMTK" impute --ref "$P" --phase-mix-offsets 0 -o bad.vcf.gz "$S"
check_status "--phase-mix-offsets 0: usage error" 2
check "--phase-mix-offsets 0: no output" test ! -e bad.vcf.gz

check "bcftools view reads the output" bcftools view -Ou -o /dev/null a1.vcf.gz
check_eq "bcftools stats: every panel marker written" \
  "$(bcftools stats a1.vcf.gz | awk -F'\t' '$1 == "SN" && $3 == "number of records:" { print $4 }')" "$n_panel"
check_eq "bcftools query: every GT phased" \
  "$(bcftools query -f '[%GT\n]' a1.vcf.gz | grep -vc '|' || true)" "0"
check_eq "IMP flag on the untyped markers only" \
  "$(bcftools query -i 'INFO/IMP=1' -f '%POS\n' a1.vcf.gz | wc -l)" "$((n_panel - n_typed))"
check_eq "GP sums to 1 (3 decimals) and DS = GP1 + 2 GP2" \
  "$(bcftools query -f '[%GP\t%DS\n]' a1.vcf.gz | awk -F'[,\t]' '{ s = $1 + $2 + $3; d = $2 + 2 * $3
     if (s < 0.997 || s > 1.003 || d - $4 > 0.004 || $4 - d > 0.004) bad++ } END { print bad + 0 }')" "0"
check_eq "typed markers: phased GT has the observed genotype" \
  "$(join -t $'\t' <(bcftools query -f '%POS[\t%GT]\n' "$S" | sort -k1,1) \
                   <(bcftools query -f '%POS[\t%GT]\n' a1.vcf.gz | sort -k1,1) |
     awk -F'\t' '{ n = (NF - 1) / 2
       for (i = 2; i <= n + 1; i++) { a = $i; b = $(i + n); gsub(/[\/|]/, "", a); gsub(/[\/|]/, "", b)
         if (substr(a, 1, 1) + substr(a, 2, 1) != substr(b, 1, 1) + substr(b, 2, 1)) bad++; seen++ } }
       END { print bad + 0, seen + 0 }')" "0 $((n_typed * 20))"
check_eq "JSON: every typed marker matched" \
  "$(json_section a1.json matching | json_values matched)" "$n_typed"

# ---- matching: swaps, strand flips, "chr" names ---------------------------------------------------

# Record k of the study: k % 5 == 1 alleles swapped (genotypes recoded), == 2 strand-flipped
# (complemented; only unambiguous SNPs), == 3 both; contig renamed chr1. The result must be the
# same records as the untouched study's (contig name aside).
gzip -cd "$S" | awk -F'\t' -v OFS='\t' '
  function comp(a) { return a == "A" ? "T" : a == "T" ? "A" : a == "C" ? "G" : "C" }
  /^##contig/ { sub(/ID=1,/, "ID=chr1,") }
  /^#/ { print; next }
  { k++; $1 = "chr1"; amb = (comp($4) == $5)
    if (k % 5 == 1 || (k % 5 == 3 && !amb)) {
      if (k % 5 == 3) { $4 = comp($4); $5 = comp($5); fs++ } else sw++
      t = $4; $4 = $5; $5 = t
      for (i = 10; i <= NF; i++) $i = ($i == "0/0") ? "1/1" : ($i == "1/1") ? "0/0" : $i
    } else if (k % 5 == 2 && !amb) { $4 = comp($4); $5 = comp($5); fl++ }
    print }
  END { print sw + 0, fl + 0, fs + 0 > "counts.txt" }' | bgzip >mod.vcf.gz
read -r n_sw n_fl n_fs <counts.txt
run "$EMTK" impute --ref "$P" --map sim/plink.map --json m.json -o m.vcf.gz mod.vcf.gz
check_status "swapped/flipped study, chr names: exit status 0" 0
check_eq "JSON: swaps, flips, flipped+swapped counted" \
  "$(json_section m.json matching | json_values swapped) $(json_section m.json matching | json_values strand_flipped) $(json_section m.json matching | json_values flipped_and_swapped)" \
  "$n_sw $n_fl $n_fs"
check "some swaps and flips were made" awk_true "a > 0 && b > 0 && c > 0" "a=$n_sw" "b=$n_fl" "c=$n_fs"
check_eq "swapped/flipped study: the same records (contig chr1)" \
  "$(body m.vcf.gz | sed 's/^chr1\t/1\t/' | md5sum)" "$(body a1.vcf.gz | md5sum)"

# Missing and mismatched markers: record 2 moved to a position the panel lacks, record 4 given
# alleles that match nothing; both dropped and counted.
gzip -cd "$S" | awk -F'\t' -v OFS='\t' '/^#/ { print; next }
  { k++ } k == 2 { $2 = $2 + 1 } k == 4 { $4 = "AC"; $5 = "G" } { print }' | bgzip >missing_in.vcf.gz
gzip -cd "$P" | awk -F'\t' 'NR > 1 && !/^#/ { print $2 }' >panel_pos.txt
moved=$(gzip -cd "$S" | awk -F'\t' '!/^#/ { k++ } k == 2 { print $2 + 1; exit }')
if grep -qx "$moved" panel_pos.txt; then exp_missing=0; else exp_missing=1; fi
run "$EMTK" impute --ref "$P" --cm-per-mb 1 --json miss.json -o miss.vcf.gz missing_in.vcf.gz
check_status "missing and mismatched markers: exit status 0" 0
check_eq "JSON: one allele mismatch and the moved marker dropped" \
  "$(json_section miss.json matching | json_values dropped_allele_mismatch) $(json_section miss.json matching | json_values dropped_not_in_panel)" \
  "1 $exp_missing"
check "warning names the dropped markers" grep -q "study markers left out" "$(err_file)"

# ---- multiallelic panel records: split per ALT, imputed, re-joined ----------------------------------

# Two panel records made triallelic with a new base: U (the untyped record with the most ALT
# alleles on second haplotypes), where every ALT on a second haplotype ("a|1") becomes the new
# allele, and T (the first typed record), where every REF on a second haplotype ("a|0") does. The
# study keeps T biallelic (REF and the first ALT): it matches T's first ALT, whose carriers are
# unchanged, so every other record must come out as with the biallelic panel.
gzip -cd "$S" | awk '!/^#/ { print $2 }' >typed_pos.txt
pos_t=$(head -n 1 typed_pos.txt)
pos_u=$(gzip -cd "$P" | awk -F'\t' 'NR == FNR { typed[$1] = 1; next } /^#/ || ($2 in typed) { next }
  { n = 0; for (i = 10; i <= NF; i++) n += substr($i, 3, 1) == "1"; if (n > best) { best = n; pos = $2 } }
  END { print pos }' typed_pos.txt -)
gzip -cd "$P" | awk -F'\t' -v OFS='\t' -v u="$pos_u" -v t="$pos_t" '
  !/^#/ && ($2 == u || $2 == t) { alt3 = "ACGT"; for (i = 1; i <= 4; i++) { b = substr(alt3, i, 1); if (b != $4 && b != $5) break }
    $5 = $5 "," b; from = $2 == u ? "1" : "0"; for (i = 10; i <= NF; i++) if (substr($i, 3, 1) == from) $i = substr($i, 1, 2) "2" }
  { print }' | bgzip >multi.vcf.gz
tabix -p vcf multi.vcf.gz
run "$EMTK" impute --ref multi.vcf.gz --map sim/plink.map -t 1 --json ma.json -o ma1.vcf.gz "$S"
check_status "multiallelic panel: exit status 0" 0
run "$EMTK" impute --ref multi.vcf.gz --map sim/plink.map -t 2 -o ma2.vcf.gz "$S"
check_eq "multiallelic panel: -t 1 and -t 2 give the same records" "$(body ma1.vcf.gz | md5sum)" "$(body ma2.vcf.gz | md5sum)"
check "multiallelic panel: bcftools view reads the output" bcftools view -Ou -o /dev/null ma1.vcf.gz
check_eq "multiallelic panel: one record per panel record (re-joined)" \
  "$(bcftools stats ma1.vcf.gz | awk -F'\t' '$1 == "SN" && $3 == "number of records:" { print $4 }')" "$n_panel"
check_eq "multiallelic panel: JSON counts the split records" \
  "$(json_section ma.json reference | json_values multiallelic_split)" "2"
check_eq "multiallelic panel: U and T keep their three alleles" \
  "$(bcftools query -i 'N_ALT == 2' -f '%POS\n' ma1.vcf.gz | sort -n | tr '\n' ' ')" \
  "$(printf '%s\n' "$pos_u" "$pos_t" | sort -n | tr '\n' ' ')"
check_eq "multiallelic panel: U imputed (IMP), T typed" \
  "$(bcftools query -i 'INFO/IMP=1 && N_ALT == 2' -f '%POS\n' ma1.vcf.gz)" "$pos_u"
check_eq "multiallelic panel: 2 DS, 6 GP summing to 1 and phased GT per sample at U and T" \
  "$(bcftools query -i 'N_ALT == 2' -f '[%GT\t%DS\t%GP\n]' ma1.vcf.gz | awk -F'\t' '{ nd = split($2, d, ","); ng = split($3, g, ",")
     s = 0; for (i = 1; i <= ng; i++) s += g[i]
     if (nd != 2 || ng != 6 || s < 0.995 || s > 1.005 || $1 !~ /^[0-2]\|[0-2]$/) bad++; n++ } END { print bad + 0, n }')" \
  "0 $((2 * 20))"
check "multiallelic panel: the new allele is imputed at U (some 2 in GT)" \
  awk_true "n > 0" "n=$(bcftools query -r "1:$pos_u" -f '[%GT\n]' ma1.vcf.gz | grep -c 2 || true)"
check_eq "multiallelic panel: T's observed genotype = copies of the first ALT in GT" \
  "$(paste <(bcftools query -r "1:$pos_t" -f '[%GT\n]' "$S") <(bcftools query -r "1:$pos_t" -f '[%GT\n]' ma1.vcf.gz) |
     awk -F'\t' '{ split($1, a, /[\/|]/); split($2, b, /[\/|]/); if (a[1] == ".") next
       if (a[1] + a[2] != (b[1] == 1) + (b[2] == 1)) bad++ } END { print bad + 0 }')" "0"
check_eq "multiallelic panel: every other record as with the biallelic panel" \
  "$(body ma1.vcf.gz | awk -F'\t' -v u="$pos_u" -v t="$pos_t" '$2 != u && $2 != t' | md5sum)" \
  "$(body a1.vcf.gz | awk -F'\t' -v u="$pos_u" -v t="$pos_t" '$2 != u && $2 != t' | md5sum)"
check "multiallelic panel: bcftools norm -m- splits the output" sh -c 'bcftools norm -m- -Ou -o /dev/null ma1.vcf.gz 2>/dev/null'

# ---- bad input: one line, exit 1, no output --------------------------------------------------------

bad_run() { # DESC SUBSTRING CMD...
  local desc=$1 sub=$2
  shift 2
  run "$@"
  check_status "$desc: exit status 1" 1
  check_stderr_one_line_starting "$desc: one error line" "$E" "$sub"
  check_no_outputs "$desc: no output left" bad bad.vcf.gz bad.vcf.gz.tbi
}

gzip -cd "$P" | awk -F'\t' -v OFS='\t' '!/^#/ { k++ } k == 3 { sub(/\|/, "/", $10) } { print }' | bgzip >unphased.vcf.gz
tabix -p vcf unphased.vcf.gz
bad_run "unphased panel" "unphased" "$EMTK" impute --ref unphased.vcf.gz -o bad.vcf.gz "$S"

bad_run "panel on stdin" "$E --ref: the panel cannot be read from stdin (it needs an index)" \
  "$EMTK" impute --ref - -o bad.vcf.gz "$S"

cp "$P" noindex.vcf.gz
bad_run "panel without index" "no index" "$EMTK" impute --ref noindex.vcf.gz -o bad.vcf.gz "$S"

# Unsorted: records 3 and 4 exchanged; an index copied from the sorted file (tabix refuses to
# index an unsorted file, so a stale index is how such a panel meets emtk).
gzip -cd "$P" | awk '/^#/ { print; next } { k++ } k == 3 { hold = $0; next } { print } k == 4 { print hold }' |
  bgzip >unsorted.vcf.gz
cp "$P.tbi" unsorted.vcf.gz.tbi
touch unsorted.vcf.gz.tbi
bad_run "unsorted panel" "not sorted" "$EMTK" impute --ref unsorted.vcf.gz -o bad.vcf.gz "$S"

gzip -cd "$S" | sed 's/^1\t/7\t/; s/ID=1,/ID=7,/' | bgzip >other.vcf.gz
bad_run "no overlap with the study" "no marker of the study matches" "$EMTK" impute --ref "$P" -o bad.vcf.gz other.vcf.gz

printf '1 m1 0.0\n' >bad.map
bad_run "bad genetic map" "bad.map:1:" "$EMTK" impute --ref "$P" --map bad.map -o bad.vcf.gz "$S"

t_summary
