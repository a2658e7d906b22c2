#!/usr/bin/env python3
"""Helpers of bench/hmm_train_weights.sh (standard library only).

  redundant IN.fa OUT.fa SEED   each record of IN plus 4 near-copies: substitutions at a rate drawn
                                from 0-20% and, for one copy in four, a fragment of 70-100% length
  recall EXACT.tsv LSH.tsv      neighbour counts (columns: index, neighbours, centrality) of the
                                two modes: recall of neighbour pairs, Neff of each
"""
import random
import sys

AMINO = "ACDEFGHIKLMNPQRSTVWY"


def read_fasta(path):
    name, seq = None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(seq)
                name, seq = line[1:].split()[0], []
            elif line:
                seq.append(line)
    if name is not None:
        yield name, "".join(seq)


def redundant(src, dst, seed):
    rng = random.Random(seed)
    with open(dst, "w") as out:
        for name, s in read_fasta(src):
            out.write(f">{name}\n{s}\n")
            for c in range(4):
                rate = rng.uniform(0.0, 0.2)
                t = [rng.choice(AMINO) if rng.random() < rate else a for a in s]
                if c == 3:
                    n = max(10, int(len(t) * rng.uniform(0.7, 1.0)))
                    a = rng.randrange(len(t) - n + 1)
                    t = t[a:a + n]
                out.write(f">{name}_c{c}\n{''.join(t)}\n")


def table(path):
    rows = {}
    with open(path) as f:
        for line in f:
            p = line.split("\t")
            if len(p) == 3:
                rows[int(p[0])] = float(p[1])
    return rows


def recall(exact_path, lsh_path):
    e, l = table(exact_path), table(lsh_path)
    pairs_e = sum(v - 1 for v in e.values()) / 2
    pairs_l = sum(v - 1 for v in l.values()) / 2
    neff_e = sum(1 / v for v in e.values())
    neff_l = sum(1 / v for v in l.values())
    changed = sum(1 for i in e if e[i] != l[i])
    print(f"neighbour pairs exact {pairs_e:.0f}  lsh {pairs_l:.0f}  recall {pairs_l / max(pairs_e, 1):.4f}  "
          f"Neff exact {neff_e:.2f}  lsh {neff_l:.2f}  weights changed {changed} of {len(e)}")


if __name__ == "__main__":
    if sys.argv[1] == "redundant":
        redundant(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "recall":
        recall(sys.argv[2], sys.argv[3])
