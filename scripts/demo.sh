#!/usr/bin/env bash
# The README's first command: install what is missing, build emtk (Release, in build/), and run the
# main job on the example data in data/. Outputs go to demo-out/ (git-ignored).
#
# usage: bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n=== %s ===\n' "$*"; }
run() { printf '+ %s\n' "$*"; "$@"; }

# Print a short summary of a PREFIX.json written by `emtk mix`. Uses python3's standard library when
# there is a python3; otherwise shows the matching lines of the JSON.
summarise() {
  local json=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$json" <<'PY'
import json, sys

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    doc = json.load(f)

def find(node, names):
    """Value of the first of names found (in that order of preference), searching breadth-first."""
    for name in names:
        queue = [node]
        while queue:
            cur = queue.pop(0)
            if isinstance(cur, dict):
                if name in cur:
                    return cur[name]
                queue.extend(cur.values())
            elif isinstance(cur, list):
                queue.extend(cur)
    return None

def fmt(v, digits=6):
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x, 4) for x in v) + "]"
    return str(v)

shown = 0
for label, names in [
    ("family", ["family"]),
    ("selected K", ["selected_k", "best_k", "k", "K", "n_components"]),
    ("log-likelihood", ["log_likelihood", "loglik", "loglikelihood"]),
    ("BIC", ["bic", "BIC"]),
    ("iterations", ["iterations", "n_iter"]),
    ("stop reason", ["stop_reason", "stop"]),
]:
    v = find(doc, names)
    if v is not None and not isinstance(v, (dict, list)):
        print(f"  {label:15s} {fmt(v)}")
        shown += 1

comps = find(doc, ["components"])
if isinstance(comps, list) and comps and isinstance(comps[0], dict):
    for i, c in enumerate(comps, 1):
        parts = [f"{k}={fmt(v)}" for k, v in c.items() if not isinstance(v, dict)]
        print(f"  component {i}: " + "  ".join(parts))
        shown += 1
else:
    for label, names in [("weights", ["weights", "weight", "pi"]), ("means", ["means", "mean", "mu"])]:
        v = find(doc, names)
        if v is not None:
            print(f"  {label:15s} {fmt(v)}")
            shown += 1

if shown == 0:
    print("  (no familiar keys; top-level keys: " + ", ".join(map(str, doc)) + ")"
          if isinstance(doc, dict) else "  (unexpected JSON layout)")
PY
  else
    echo "  (python3 not found: showing the JSON's key lines)"
    grep -E '"(family|selected_k|k|weights?|means?|iterations|stop_reason)"' "$json" | head -n 20 || true
  fi
}

section "Set-up: dependencies and Release build (scripts/setup.sh)"
bash scripts/setup.sh

if [[ ! -s data/example.tsv ]]; then
  section "Generating data/example.tsv"
  run python3 data/make_example.py
fi

mkdir -p demo-out

section "emtk mix: 2-D Gaussian mixture on columns x,y, K chosen by BIC over 1..6"
run build/emtk mix --k-range 1:6 -c x,y --seed 1 -o demo-out/example data/example.tsv
summarise demo-out/example.json

section "emtk mix: negative-binomial mixture, K=3, on column count"
run build/emtk mix --family negbin -k 3 -c count --seed 1 -o demo-out/counts data/example.tsv
summarise demo-out/counts.json

section "First rows of demo-out/example.tsv (row, component, posterior, p1..pK)"
head -n 5 demo-out/example.tsv

section "emtk hmm train: a profile HMM from 45 unaligned globins (data/globins45.fa)"
run build/emtk hmm train -t 2 --seed 1 --json demo-out/globins45.json -o demo-out/globins45.hmm data/globins45.fa
sed -n '1,/^HMM /p' demo-out/globins45.hmm | grep -v '^HMM '
if command -v python3 >/dev/null 2>&1; then
  python3 - demo-out/globins45.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"  sequences {d['input']['sequences']} (effective {d['input']['effective_sequences']:.1f}), "
      f"model length {d['model']['length']}, start {d['start']}, {d['iterations']} EM iterations "
      f"({d['stop_reason']}), log posterior {d['objective']:.2f}")
PY
fi
section "emtk hmm search: the kept model (models/globins45.hmm) against the globins"
run build/emtk hmm search -t 2 --tsv demo-out/globins45.hits.tsv models/globins45.hmm data/globins45.fa >demo-out/globins45.hits.txt
sed -n '/^Query:/,$p' demo-out/globins45.hits.txt | head -n 9
awk -F'\t' 'NR > 1 { n++ } END { printf "  %d hits in demo-out/globins45.hits.tsv\n", n }' demo-out/globins45.hits.tsv

if command -v hmmsearch >/dev/null 2>&1; then
  section "HMMER's hmmsearch with the emtk model against the same sequences"
  run hmmsearch --noali --tblout demo-out/globins45.tbl -o /dev/null demo-out/globins45.hmm data/globins45.fa
  awk '!/^#/ { n++; if ($5 < 1e-5) s++ } END { printf "  %d sequences reported, %d with E < 1e-5\n", n, s }' demo-out/globins45.tbl
fi

section "emtk hmm train + search: a DNA repeat model annotating a genome, both strands (data/genome.fa)"
run build/emtk hmm train -t 2 --seed 1 -o demo-out/repeat.hmm data/repeat_family.fa
run build/emtk hmm search -t 2 -E 1e-3 --gff3 demo-out/genome.repeats.gff3 --bed demo-out/genome.repeats.bed \
  demo-out/repeat.hmm data/genome.fa >demo-out/genome.repeats.txt
sed -n '/^Query:/,$p' demo-out/genome.repeats.txt | head -n 7
# How many of the 24 true copies (data/genome_repeats.bed) a hit covers by half or more, same strand.
awk -F'\t' 'NR == FNR { n++; c[n] = $1; s[n] = $2; e[n] = $3; st[n] = $6; next }
  { for (i = 1; i <= n; i++) if (c[i] == $1 && st[i] == $6) {
      a = s[i] > $2 ? s[i] : $2; b = e[i] < $3 ? e[i] : $3
      if (b - a >= 0.5 * (e[i] - s[i])) found[i] = 1 } }
  END { for (i = 1; i <= n; i++) k += found[i]
        printf "  %d of %d true copies found on their strand (demo-out/genome.repeats.bed)\n", k, n }' \
  data/genome_repeats.bed demo-out/genome.repeats.bed
if command -v gt >/dev/null 2>&1; then
  run gt gff3validator demo-out/genome.repeats.gff3
fi

section "emtk cov: depth in 1-kb windows and copy-number states of data/cov/sample.bam (CN 0, 1, 3, 4 simulated)"
run build/emtk cov --segment -t 2 --seed 1 -o demo-out/sample data/cov/sample.bam
cat demo-out/sample.segments.bed
if [[ -x /usr/bin/python3 ]]; then
  run /usr/bin/python3 scripts/cov_evaluate.py demo-out/sample.windows.bed.gz demo-out/sample.segments.bed data/cov/truth.bed
fi

section "emtk impute: missing genotypes of data/impute/example.vcf.gz (100 samples, 5% masked)"
run build/emtk impute -t 2 --seed 1 --json demo-out/imputed.json -o demo-out/imputed.vcf.gz data/impute/example.vcf.gz
zcat demo-out/imputed.vcf.gz | awk '!/^##/ && n++ < 3' | cut -c 1-150
if command -v python3 >/dev/null 2>&1; then
  run python3 scripts/impute_evaluate.py data/impute/example.truth.vcf.gz data/impute/example.vcf.gz \
    demo-out/imputed.vcf.gz
fi

section "Outputs"
for f in demo-out/example.json demo-out/example.tsv demo-out/counts.json demo-out/counts.tsv \
         demo-out/globins45.hmm demo-out/globins45.json demo-out/globins45.hits.tsv \
         demo-out/repeat.hmm demo-out/genome.repeats.gff3 demo-out/genome.repeats.bed \
         demo-out/sample.windows.bed.gz demo-out/sample.segments.bed demo-out/sample.svg demo-out/sample.json \
         demo-out/imputed.vcf.gz demo-out/imputed.json; do
  printf '  %s\n' "$f"
done
echo
echo "True parameters of data/example.tsv: see the top of data/make_example.py or README.md."
