#!/usr/bin/python3
"""Random genome with known copy-number segments, for scripts/cov_simulate.sh.

Writes into OUTDIR:
  ref.fa       the reference: CHROMS chromosomes of random sequence (uniform ACGT, seeded)
  sample.fa    the sample's haplotypes: copy 1 of each chromosome without its CN-0 segments, copy 2
               without its CN-0 and CN-1 segments and with CN-3/CN-4 segments repeated in tandem
               (1 or 2 extra copies), so that every base of a segment of copy number c is present c
               times and every other base twice
  truth.bed    chrom, start, end, copy number (0-based half-open), the CNV segments, sorted

CNVs: --cnvs segments of --min-len..--max-len bp, copy numbers cycling through 0, 1, 3, 4 in a
random order, placed at random without overlap, at least --gap bp from each other and from the
chromosome ends. Python's random module with --seed: the same seed gives the same files.
"""
import argparse
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--genome-size", type=int, default=2_000_000)
    ap.add_argument("--chroms", type=int, default=2)
    ap.add_argument("--cnvs", type=int, default=8)
    ap.add_argument("--min-len", type=int, default=20_000)
    ap.add_argument("--max-len", type=int, default=200_000)
    ap.add_argument("--gap", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    size = a.genome_size // a.chroms
    names = ["chr%d" % (i + 1) for i in range(a.chroms)]
    seqs = {n: "".join(rnd.choices("ACGT", k=size)) for n in names}

    # Place CNVs: draw a chromosome and a position, reject overlaps (with the gap), give up after
    # many tries (the genome is too small for the request).
    cns = []
    while len(cns) < a.cnvs:
        block = [0, 1, 3, 4]
        rnd.shuffle(block)
        cns.extend(block)
    cns = cns[: a.cnvs]
    placed = {n: [] for n in names}
    for cn in cns:
        for _ in range(10000):
            n = rnd.choice(names)
            length = rnd.randint(a.min_len, a.max_len)
            lo, hi = a.gap, size - a.gap - length
            if hi <= lo:
                continue
            start = rnd.randint(lo, hi)
            end = start + length
            if all(end + a.gap <= s or start >= e + a.gap for s, e, _ in placed[n]):
                placed[n].append((start, end, cn))
                break
        else:
            sys.exit("cov_simulate.py: cannot place %d CNVs of %d-%d bp in a %d bp genome"
                     % (a.cnvs, a.min_len, a.max_len, a.genome_size))

    def wrap(f, name, s):
        f.write(">%s\n" % name)
        for i in range(0, len(s), 60):
            f.write(s[i:i + 60] + "\n")

    with open(a.outdir + "/ref.fa", "w") as f:
        for n in names:
            wrap(f, n, seqs[n])
    with open(a.outdir + "/sample.fa", "w") as f:
        for n in names:
            segs = sorted(placed[n])
            for hap in (1, 2):
                out, pos = [], 0
                for s, e, cn in segs:
                    out.append(seqs[n][pos:s])
                    piece = seqs[n][s:e]
                    if hap == 1:
                        copies = 0 if cn == 0 else 1
                    else:
                        copies = max(0, cn - 1)
                    out.append(piece * copies)
                    pos = e
                out.append(seqs[n][pos:])
                wrap(f, "%s_hap%d" % (n, hap), "".join(out))
    with open(a.outdir + "/truth.bed", "w") as f:
        for n in names:
            for s, e, cn in sorted(placed[n]):
                f.write("%s\t%d\t%d\t%d\n" % (n, s, e, cn))


if __name__ == "__main__":
    main()
