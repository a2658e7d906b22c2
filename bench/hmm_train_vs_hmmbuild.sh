#!/usr/bin/env bash
# Issue 3's accuracy benchmark: a profile HMM trained by `emtk hmm train` from UNALIGNED sequences
# against `hmmbuild` from the TRUE (Pfam seed) alignment of the same sequences, on HMMER's tutorial
# families (Debian package hmmer-examples). One row per family and model.
#
#   bash bench/hmm_train_vs_hmmbuild.sh [FAMILY...]      (default: Pkinase fn3)
#   EMTK=/path/to/emtk EMTK_ARGS="--surgery" bash bench/hmm_train_vs_hmmbuild.sh
#   bash bench/hmm_train_vs_hmmbuild.sh /usr/share/doc/hmmer/examples/testsuite/RRM_1.sto.gz
#   bash bench/hmm_train_vs_hmmbuild.sh all              (every Pfam family of hmmer-examples)
#   SPLIT=1 KEEP=/tmp/models bash bench/hmm_train_vs_hmmbuild.sh all   (another split; keep the models
#                                                 and emtk's JSON summaries)
# A FAMILY is a name in hmmer-examples' tutorial directory or the path of a Stockholm file
# (.sto, or .sto.gz); the row is labelled with the file name without extensions. `all` stands for
# every Stockholm file of hmmer-examples' tutorial and testsuite directories that is a Pfam
# family (an "#=GF AC PF..." line), and by default runs only the two aligners issue 16 compares
# against (ALIGNERS="mafft t_coffee"; set ALIGNERS to choose others, e.g. ALIGNERS="" for none).
# After the family rows, one MEAN row per model (its train column: the number of families): the mean of recall, ins_lost, mis, held_rec,
# time_s and cpu_s over the families, held-out found and decoys summed, the largest max_E.
#
# Per family (bench/hmm_family_tools.py): the Pfam seed alignment's records, ungapped, are split
# 75% train / 25% held out (record i held out when i % 4 == SPLIT; SPLIT=3 unless set, so SPLIT=1
# gives a second split to check a change on); emtk trains on train.fa, hmmbuild
# builds from the training rows of the true alignment (train.sto). Then, for each model:
#   heldout   held-out sequences hmmsearch finds at E < 0.01 (targets: the held-out sequences
#             plus 1000 shuffled decoys, composition kept; -Z = number of targets) / held out
#   decoys    decoys with E < 0.01
#   recall    sum-of-pairs recall of `hmmalign MODEL all.fa` against the Pfam seed alignment: the
#             fraction of residue pairs Pfam aligns (upper case, same column) that hmmalign aligns
#   time_s    wall seconds to build/train the model (for MSA rows: align + hmmbuild)
#   cpu_s     user + system CPU seconds of the same (children included; /usr/bin/time)
# For each multiple aligner installed (MAFFT, MUSCLE, Clustal Omega, ProbCons, T-Coffee, Kalign;
# scripts/setup.sh --deps-only bench installs them), one more row per family shows what a user
# without a trusted alignment does today: align train.fa with the tool (mafft --localpair
# --maxiterate 1000 = L-INS-i, muscle -align, clustalo, probcons, t_coffee in its default mode,
# kalign), then hmmbuild from that alignment: the same unaligned input emtk gets.
# Installs hmmer and hmmer-examples when missing (apt-get); builds emtk (Release) when build/emtk
# does not exist.
set -euo pipefail
# mafft's driver script reads /dev/null as an empty file: when /dev/null is not the null device (seen
# on a shared machine where something had replaced it by a regular file), rerun this script in a
# private mount namespace with the real device bound over it (root only; as bench/hmm_train_scale.sh).
if [[ ! -c /dev/null ]]; then
  if [[ -z ${EMTK_BENCH_NULLFIX:-} && $EUID -eq 0 ]] && command -v unshare >/dev/null; then
    nulldir=$(mktemp -d "${TMPDIR:-/tmp}/emtk-null.XXXXXX")
    mknod -m 666 "$nulldir/null" c 1 3
    echo "[bench] /dev/null is not a character device: running in a mount namespace with the null device bound over it" >&2
    exec unshare --mount bash -c 'mount --bind "$1" /dev/null && rm -f "$1" && rmdir "${1%/null}" && EMTK_BENCH_NULLFIX=1 exec bash "${@:2}"' \
      bash "$nulldir/null" "$0" "$@"
  fi
  echo "error: /dev/null is not a character device (mafft needs it empty); fix it or run as root" >&2
  exit 1
fi
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
# cpu FILE CMD...: runs CMD, appending its user and system CPU seconds (children included) to FILE.
cpu() { local f=$1; shift; /usr/bin/time -a -o "$f" -f '%U %S' "$@"; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $("$emtk" --version)  $(hmmbuild -h | sed -n 2p | sed 's/^# *//')"
echo "# split: record i held out when i % 4 == ${SPLIT:-3}"
echo "# emtk: $emtk hmm train -t ${THREADS:-2} ${extra[*]} -o emtk.hmm train.fa   hmmbuild: hmmbuild --cpu ${THREADS:-2} hb.hmm train.sto"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-11s %5s %5s %9s %10s %7s %7s %8s %6s %8s %8s %7s\n' family model train M heldout max_E decoys recall ins_lost mis held_rec time_s cpu_s
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
  read -r ntrain nheld < <("$py" "$tools" split "$ref" "$d" 4 "${SPLIT:-3}")
  "$py" "$tools" decoys "$d/all.fa" 1000 17 >"$d/decoys.fa"
  cat "$d/heldout.fa" "$d/decoys.fa" >"$d/targets.fa"
  ntargets=$((nheld + 1000))
  s=$(date +%s.%N)
  cpu "$d/emtk.cpu" "$emtk" hmm train -q -t "${THREADS:-2}" "${extra[@]}" --json "$d/emtk.json" -o "$d/emtk.hmm" "$d/train.fa"
  t_emtk=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  s=$(date +%s.%N)
  cpu "$d/hmmbuild.cpu" hmmbuild --cpu "${THREADS:-2}" -o /dev/null "$d/hmmbuild.hmm" "$d/train.sto"
  t_hb=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  models=(emtk hmmbuild)
  # Unsupervised peers: an MSA tool on the unaligned training sequences, then hmmbuild.
  for tool in "${aligners[@]}"; do
    command -v "$tool" >/dev/null || continue
    s=$(date +%s.%N)
    if ! case $tool in
      mafft) cpu "$d/$tool+hb.cpu" mafft --quiet --localpair --maxiterate 1000 --thread "${THREADS:-2}" "$d/train.fa" >"$d/$tool.afa" 2>"$d/$tool.err" ;;
      muscle) cpu "$d/$tool+hb.cpu" muscle -align "$d/train.fa" -output "$d/$tool.afa" -threads "${THREADS:-2}" >/dev/null 2>&1 ;;
      clustalo) cpu "$d/$tool+hb.cpu" clustalo --threads "${THREADS:-2}" --force -i "$d/train.fa" -o "$d/$tool.afa" ;;
      probcons) cpu "$d/$tool+hb.cpu" probcons "$d/train.fa" >"$d/$tool.afa" 2>/dev/null ;;
      t_coffee) (cd "$d" && cpu "$d/$tool+hb.cpu" env HOME_4_TCOFFEE="$d" TMP_4_TCOFFEE="$d" t_coffee -n_core 1 -quiet -output fasta_aln \
                   -outfile "$d/$tool.afa" -in "$d/train.fa" >/dev/null 2>&1) ;;
      kalign) cpu "$d/$tool+hb.cpu" kalign -i "$d/train.fa" -f fasta -o "$d/$tool.afa" >/dev/null 2>&1 ;;
    esac || ! cpu "$d/$tool+hb.cpu" hmmbuild --informat afa --cpu "${THREADS:-2}" -o /dev/null "$d/$tool+hb.hmm" "$d/$tool.afa" >>"$d/$tool.err" 2>&1; then
      # A failing aligner gets a row saying so (and no MEAN row); the other methods go on.
      printf '%-10s %-11s %5d %5s   failed (the aligner or hmmbuild exited with an error: %s)\n' "$fam" "$tool+hb" "$ntrain" - \
        "$(grep -v '^ *$' "$d/$tool.err" 2>/dev/null | tail -n 1)"
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
    c=$(awk '{ s += $1 + $2 } END { printf "%.1f", s }' "$d/$model.cpu")
    printf '%-10s %-11s %5d %5s %9s %10s %7d %7s %8s %6s %8s %8.1f %7s\n' "$fam" "$model" "$ntrain" \
      "$(awk '$1 == "LENG" { print $2; exit }' "$m")" "$found/$nheld" "$maxe" "$decoys" "$recall" "$ins" "$mis" \
      "$held_recall" "$t" "$c"
    echo "$model $found $nheld $maxe $decoys $recall $ins $mis $held_recall $t $c" >>"$rows"
  done
  # KEEP=DIR keeps each family's models (DIR/FAMILY/*.hmm) and emtk's JSON run summary
  # (DIR/FAMILY/emtk.json: e.g. what --realign chose), e.g. to diff two emtk builds.
  if [[ -n ${KEEP:-} ]]; then mkdir -p "$KEEP/$fam" && cp "$d"/*.hmm "$d/emtk.json" "$KEEP/$fam/"; fi
done
# MEAN row per model, in the order the models first appear.
awk '{ if (!($1 in n)) order[++m] = $1; n[$1]++; f[$1] += $2; h[$1] += $3; if ($4 > mx[$1]) mx[$1] = $4
       d[$1] += $5; r[$1] += $6; i[$1] += $7; s[$1] += $8; hr[$1] += $9; t[$1] += $10; c[$1] += $11 }
     END { for (j = 1; j <= m; j++) { k = order[j]
             printf "%-10s %-11s %5s %5s %9s %10.2g %7d %7.4f %8.4f %6.4f %8.4f %8.1f %7.1f\n", "MEAN", k, n[k], "-",
                    f[k] "/" h[k], mx[k], d[k], r[k] / n[k], i[k] / n[k], s[k] / n[k], hr[k] / n[k], t[k] / n[k], c[k] / n[k] } }' "$rows"
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
