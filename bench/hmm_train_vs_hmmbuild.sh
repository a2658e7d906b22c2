#!/usr/bin/env bash
# Issue 3's accuracy benchmark: a profile HMM trained by `emtk hmm train` from UNALIGNED sequences
# against `hmmbuild` from the TRUE (Pfam seed) alignment of the same sequences, on HMMER's tutorial
# families (Debian package hmmer-examples). One row per family and model.
#
#   bash bench/hmm_train_vs_hmmbuild.sh [FAMILY...]      (default: Pkinase fn3)
#   EMTK=/path/to/emtk EMTK_ARGS="--surgery" bash bench/hmm_train_vs_hmmbuild.sh
#   bash bench/hmm_train_vs_hmmbuild.sh /usr/share/doc/hmmer/examples/testsuite/RRM_1.sto.gz
#   bash bench/hmm_train_vs_hmmbuild.sh all              (every Pfam family of hmmer-examples)
# A FAMILY is a name in hmmer-examples' tutorial directory or the path of a Stockholm file
# (.sto, or .sto.gz); the row is labelled with the file name without extensions. `all` stands for
# every Stockholm file of hmmer-examples' tutorial and testsuite directories that is a Pfam
# family (an "#=GF AC PF..." line), and by default runs only the two aligners issue 16 compares
# against (ALIGNERS="mafft t_coffee"; set ALIGNERS to choose others, e.g. ALIGNERS="" for none).
# After the family rows, one MEAN row per model (its train column: the number of families): the mean of recall, ins_lost, mis, held_rec and
# time_s over the families, held-out found and decoys summed, the largest max_E.
#
# Per family (bench/hmm_family_tools.py): the Pfam seed alignment's records, ungapped, are split
# 75% train / 25% held out (record i held out when i % 4 == 3); emtk trains on train.fa, hmmbuild
# builds from the training rows of the true alignment (train.sto). Then, for each model:
#   heldout   held-out sequences hmmsearch finds at E < 0.01 (targets: the held-out sequences
#             plus 1000 shuffled decoys, composition kept; -Z = number of targets) / held out
#   decoys    decoys with E < 0.01
#   recall    sum-of-pairs recall of `hmmalign MODEL all.fa` against the Pfam seed alignment: the
#             fraction of residue pairs Pfam aligns (upper case, same column) that hmmalign aligns
#   time      wall seconds to build/train the model (for MSA rows: align + hmmbuild)
# For each multiple aligner installed (MAFFT, MUSCLE, Clustal Omega, ProbCons, T-Coffee, Kalign;
# scripts/setup.sh --deps-only bench installs them), one more row per family shows what a user
# without a trusted alignment does today: align train.fa with the tool (mafft --localpair
# --maxiterate 1000 = L-INS-i, muscle -align, clustalo, probcons, t_coffee in its default mode,
# kalign), then hmmbuild from that alignment: the same unaligned input emtk gets.
# Installs hmmer and hmmer-examples when missing (apt-get); builds emtk (Release) when build/emtk
# does not exist.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bash "$repo/scripts/setup.sh" --deps-only test >&2
emtk="${EMTK:-$repo/build/emtk}"
[[ -x $emtk ]] || bash "$repo/scripts/setup.sh" --build-only >&2
ex=/usr/share/doc/hmmer/examples/tutorial
py=/usr/bin/python3
tools="$here/hmm_family_tools.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/emtk-bench-hmm.XXXXXX")
trap 'rm -rf "$work"' EXIT
families=("$@")
((${#families[@]})) || families=(Pkinase fn3)
all_aligners="mafft muscle clustalo probcons t_coffee kalign"
if [[ ${families[*]} == all ]]; then
  families=()
  for f in "$ex"/*.sto "$ex"/../testsuite/*.sto "$ex"/../testsuite/*.sto.gz; do
    if [[ $(zcat -f "$f" | grep -cE '^#=GF AC +PF') -gt 0 ]]; then families+=("$(realpath "$f")"); fi
  done
  all_aligners="mafft t_coffee"
fi
read -r -a aligners <<<"${ALIGNERS-$all_aligners}"
rows="$work/rows"
: >"$rows"
read -r -a extra <<<"${EMTK_ARGS:-}"

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(hmmbuild -h | sed -n 2p | sed 's/^# *//')"
echo "# emtk: $emtk hmm train -t ${THREADS:-2} ${extra[*]} -o emtk.hmm train.fa   hmmbuild: hmmbuild --cpu ${THREADS:-2} hb.hmm train.sto"
printf '%-10s %-11s %5s %5s %9s %10s %7s %7s %8s %6s %8s %8s\n' family model train M heldout max_E decoys recall ins_lost mis held_rec time_s
for fam in "${families[@]}"; do
  if [[ -f $fam ]]; then
    ref="$fam"
    fam="$(basename "$fam")"
    fam="${fam%%.*}"
  else
    ref="$ex/$fam.sto"
  fi
  d="$work/$fam"
  mkdir -p "$d"
  read -r ntrain nheld < <("$py" "$tools" split "$ref" "$d")
  "$py" "$tools" decoys "$d/all.fa" 1000 17 >"$d/decoys.fa"
  cat "$d/heldout.fa" "$d/decoys.fa" >"$d/targets.fa"
  ntargets=$((nheld + 1000))
  s=$(date +%s.%N)
  "$emtk" hmm train -q -t "${THREADS:-2}" "${extra[@]}" -o "$d/emtk.hmm" "$d/train.fa"
  t_emtk=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  s=$(date +%s.%N)
  hmmbuild --cpu "${THREADS:-2}" -o /dev/null "$d/hmmbuild.hmm" "$d/train.sto"
  t_hb=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  models=(emtk hmmbuild)
  # Unsupervised peers: an MSA tool on the unaligned training sequences, then hmmbuild.
  for tool in "${aligners[@]}"; do
    command -v "$tool" >/dev/null || continue
    s=$(date +%s.%N)
    if ! case $tool in
      mafft) mafft --quiet --localpair --maxiterate 1000 --thread "${THREADS:-2}" "$d/train.fa" >"$d/$tool.afa" ;;
      muscle) muscle -align "$d/train.fa" -output "$d/$tool.afa" -threads "${THREADS:-2}" >/dev/null 2>&1 ;;
      clustalo) clustalo --threads "${THREADS:-2}" --force -i "$d/train.fa" -o "$d/$tool.afa" ;;
      probcons) probcons "$d/train.fa" >"$d/$tool.afa" 2>/dev/null ;;
      t_coffee) (cd "$d" && HOME_4_TCOFFEE="$d" TMP_4_TCOFFEE="$d" t_coffee -n_core 1 -quiet -output fasta_aln \
                   -outfile "$d/$tool.afa" -in "$d/train.fa" >/dev/null 2>&1) ;;
      kalign) kalign -i "$d/train.fa" -f fasta -o "$d/$tool.afa" >/dev/null 2>&1 ;;
    esac || ! hmmbuild --informat afa --cpu "${THREADS:-2}" -o /dev/null "$d/$tool+hb.hmm" "$d/$tool.afa" >/dev/null 2>&1; then
      # A failing aligner gets a row saying so (and no MEAN row); the other methods go on.
      printf '%-10s %-11s %5d %5s   failed (the aligner or hmmbuild exited with an error)\n' "$fam" "$tool+hb" "$ntrain" -
      continue
    fi
    declare "t_${tool}=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
    models+=("$tool+hb")
  done
  for model in "${models[@]}"; do
    m="$d/$model.hmm"
    hmmsearch --cpu "${THREADS:-2}" -Z "$ntargets" --tblout "$d/$model.tbl" -o /dev/null "$m" "$d/targets.fa"
    read -r found maxe < <(awk -v f="$d/heldout.fa" '
      BEGIN { while ((getline l < f) > 0) if (l ~ /^>/) { n = substr(l, 2); sub(/ .*/, "", n); want[n] = 1 } }
      !/^#/ && ($1 in want) { e[$1] = $5 }
      END { c = 0; mx = 0; for (n in want) { if ((n in e) && e[n] < 0.01) c++; v = (n in e) ? e[n] : 1e9; if (v > mx) mx = v }
            printf "%d %.2g\n", c, mx }' "$d/$model.tbl")
    decoys=$(awk '!/^#/ && $1 ~ /^decoy/ && $5 < 0.01 { n++ } END { print n + 0 }' "$d/$model.tbl")
    hmmalign "$m" "$d/all.fa" >"$d/$model.sto"
    read -r recall ins mis held_recall < <("$py" "$tools" lost "$ref" "$d/$model.sto" "$d/heldout.fa")
    case $model in
      emtk) t=$t_emtk ;;
      hmmbuild) t=$t_hb ;;
      *) v="t_${model%+hb}" && t=${!v} ;;
    esac
    printf '%-10s %-11s %5d %5s %9s %10s %7d %7s %8s %6s %8s %8.1f\n' "$fam" "$model" "$ntrain" \
      "$(awk '$1 == "LENG" { print $2; exit }' "$m")" "$found/$nheld" "$maxe" "$decoys" "$recall" "$ins" "$mis" \
      "$held_recall" "$t"
    echo "$model $found $nheld $maxe $decoys $recall $ins $mis $held_recall $t" >>"$rows"
  done
done
# MEAN row per model, in the order the models first appear.
awk '{ if (!($1 in n)) order[++m] = $1; n[$1]++; f[$1] += $2; h[$1] += $3; if ($4 > mx[$1]) mx[$1] = $4
       d[$1] += $5; r[$1] += $6; i[$1] += $7; s[$1] += $8; hr[$1] += $9; t[$1] += $10 }
     END { for (j = 1; j <= m; j++) { k = order[j]
             printf "%-10s %-11s %5s %5s %9s %10.2g %7d %7.4f %8.4f %6.4f %8.4f %8.1f\n", "MEAN", k, n[k], "-",
                    f[k] "/" h[k], mx[k], d[k], r[k] / n[k], i[k] / n[k], s[k] / n[k], hr[k] / n[k], t[k] / n[k] } }' "$rows"
