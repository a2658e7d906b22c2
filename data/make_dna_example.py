#!/usr/bin/env python3
"""Write the DNA example of scripts/demo.sh and the README: a synthetic repeat family and a small
genome carrying copies of it on both strands, with the truth.

Python 3 standard library only; a fixed seed makes the files reproducible.

  repeat_family.fa     40 unaligned members of a family: each a copy of one random 250-bp ancestor
                       with 12% substitutions and, per position, 1% single-base deletions and 1%
                       insertions of 1-3 bases (the training set of `emtk hmm train`).
  genome.fa            two chromosomes (chrA 100 kb, chrB 60 kb) of background DNA (A, T 0.29 each;
                       C, G 0.21 each) carrying 24 further copies (18% substitutions, same indel
                       rates; a third of them truncated to 50-100% of their length), half of them
                       reverse-complemented.
  genome_repeats.bed   where the 24 copies are (BED6: chrom, start (0-based), end, name, 0, strand).

Usage: python3 data/make_dna_example.py [OUTPUT_DIR]   (default: the directory of this script)
"""

import os
import random
import sys

SEED = 20261122
ANCESTOR_LENGTH = 250
FAMILY_SIZE = 40
FAMILY_SUBSTITUTION = 0.12
GENOME_SUBSTITUTION = 0.18
INDEL_RATE = 0.01
CHROMOSOMES = [("chrA", 100_000, 15), ("chrB", 60_000, 9)]  # name, background length, copies
BACKGROUND = {"A": 0.29, "C": 0.21, "G": 0.21, "T": 0.29}
COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}


def background(rng, n):
    bases, weights = zip(*BACKGROUND.items())
    return "".join(rng.choices(bases, weights, k=n))


def mutate(rng, seq, substitution):
    out = []
    for base in seq:
        u = rng.random()
        if u < INDEL_RATE:  # single-base deletion
            continue
        if u < 2 * INDEL_RATE:  # insertion of 1-3 random bases before this one
            out.append(background(rng, rng.randint(1, 3)))
        if rng.random() < substitution:
            base = rng.choice([b for b in "ACGT" if b != base])
        out.append(base)
    return "".join(out)


def revcomp(seq):
    return "".join(COMPLEMENT[b] for b in reversed(seq))


def write_fasta(path, records):
    with open(path, "w", encoding="ascii") as f:
        for name, desc, seq in records:
            f.write(f">{name}{' ' + desc if desc else ''}\n")
            for i in range(0, len(seq), 60):
                f.write(seq[i:i + 60] + "\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(SEED)
    ancestor = "".join(rng.choice("ACGT") for _ in range(ANCESTOR_LENGTH))
    family = [(f"rep{i + 1}", "synthetic repeat family member", mutate(rng, ancestor, FAMILY_SUBSTITUTION))
              for i in range(FAMILY_SIZE)]
    write_fasta(os.path.join(out_dir, "repeat_family.fa"), family)

    chromosomes, bed = [], []
    copy_id = 0
    for name, length, copies in CHROMOSOMES:
        # copies at sorted random positions of the background, at least 500 bp apart
        cuts = sorted(rng.sample(range(0, length, 500), copies))
        seq, last = [], 0
        pos = 0
        for cut in cuts:
            piece = background(rng, cut - last)
            seq.append(piece)
            pos += len(piece)
            last = cut
            copy_id += 1
            element = mutate(rng, ancestor, GENOME_SUBSTITUTION)
            if copy_id % 3 == 0:  # truncated copy: a random 50-100% piece
                keep = rng.randint(len(element) // 2, len(element))
                start = rng.randint(0, len(element) - keep)
                element = element[start:start + keep]
            strand = "+" if copy_id % 2 else "-"
            if strand == "-":
                element = revcomp(element)
            bed.append((name, pos, pos + len(element), f"copy{copy_id}", 0, strand))
            seq.append(element)
            pos += len(element)
        seq.append(background(rng, length - last))
        chromosomes.append((name, "synthetic chromosome", "".join(seq)))
    write_fasta(os.path.join(out_dir, "genome.fa"), chromosomes)
    with open(os.path.join(out_dir, "genome_repeats.bed"), "w", encoding="ascii") as f:
        for row in bed:
            f.write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
