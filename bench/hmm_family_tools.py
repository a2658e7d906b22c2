#!/usr/bin/env python3
"""Helpers for bench/hmm_train_vs_hmmbuild.sh (standard library only).

  split    ALN.sto OUTDIR [EVERY [HELD]] ungapped train/held-out split of a Stockholm alignment:
           record i (0-based, file order) is held out when i % EVERY == HELD (default EVERY 4,
           HELD EVERY-1: 25% held out; another HELD gives a second split of the same size);
           writes OUTDIR/train.fa, OUTDIR/heldout.fa, OUTDIR/all.fa, OUTDIR/train.sto (the
           training rows of the true alignment, for hmmbuild)
  decoys   IN.fa N SEED > OUT.fa        N shuffled copies (residue composition kept) of the records
  recall   REF.sto TEST.sto             sum-of-pairs recall of TEST against REF: the fraction of
           residue pairs aligned in REF (two upper-case residues in one column; lower-case residues
           and '.'-columns are inserts, not aligned) that TEST aligns too (same rule); prints one number
  lost     REF.sto TEST.sto [HELD.fa]   where REF's aligned pairs go in TEST: prints "ok insert
           misaligned", the fractions of REF's pairs that TEST aligns (= recall), leaves unaligned
           because at least one of the two residues is an insert (lower case) in TEST, and aligns
           to two different columns; with HELD.fa also the recall over the pairs whose two residues
           both belong to records of HELD.fa (held-out sequences: no model saw their alignment)
Stockholm files may be gzipped (name ending in .gz).
"""
import gzip
import random
import sys


def read_stockholm(path):
    rows, order, gc = {}, [], {}
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("# STOCKHOLM") or line.startswith("//"):
                continue
            if line.startswith("#=GC"):
                parts = line.split()
                gc[parts[1]] = gc.get(parts[1], "") + parts[2]
                continue
            if line.startswith("#"):
                continue
            name, seq = line.split()
            if name not in rows:
                rows[name] = ""
                order.append(name)
            rows[name] += seq
    return order, rows, gc


def ungapped(s):
    return "".join(c for c in s if c.isalpha()).upper()


def write_fasta(path, items):
    with open(path, "w") as f:
        for name, seq in items:
            f.write(">" + name + "\n")
            for i in range(0, len(seq), 60):
                f.write(seq[i:i + 60] + "\n")


def cmd_split(aln, outdir, every=4, held_residue=None):
    order, rows, gc = read_stockholm(aln)
    r = every - 1 if held_residue is None else held_residue
    train = [n for i, n in enumerate(order) if i % every != r]
    held = [n for i, n in enumerate(order) if i % every == r]
    write_fasta(outdir + "/train.fa", [(n, ungapped(rows[n])) for n in train])
    write_fasta(outdir + "/heldout.fa", [(n, ungapped(rows[n])) for n in held])
    write_fasta(outdir + "/all.fa", [(n, ungapped(rows[n])) for n in order])
    width = max(len(n) for n in order) + 2
    with open(outdir + "/train.sto", "w") as f:
        f.write("# STOCKHOLM 1.0\n")
        for n in train:
            f.write(n.ljust(width) + rows[n] + "\n")
        if "RF" in gc:
            f.write("#=GC RF".ljust(width) + gc["RF"] + "\n")
        f.write("//\n")
    print(len(train), len(held))


def read_fasta(path):
    out, name, seq = [], None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                if name is not None:
                    out.append((name, "".join(seq)))
                name, seq = line[1:].split()[0], []
            elif line:
                seq.append(line)
    if name is not None:
        out.append((name, "".join(seq)))
    return out


def cmd_decoys(fa, n, seed):
    rng = random.Random(seed)
    recs = read_fasta(fa)
    for i in range(n):
        name, seq = recs[i % len(recs)]
        s = list(seq)
        rng.shuffle(s)
        print(">decoy%d_%s" % (i + 1, name))
        print("".join(s))


def aligned_pairs(path):
    columns = {}
    for residue, col in residue_columns(path).items():
        if col is not None:
            columns.setdefault(col, []).append(residue)
    pairs = set()
    for members in columns.values():
        members.sort()
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                pairs.add((members[a], members[b]))
    return pairs


def cmd_recall(ref, test):
    r, t = aligned_pairs(ref), aligned_pairs(test)
    print("%.4f" % (len(r & t) / len(r) if r else 0.0))


def residue_columns(path):
    """(name, residue number) -> column of an upper-case residue, None for an insert residue."""
    order, rows, _ = read_stockholm(path)
    where = {}
    for name in order:
        pos = 0
        for col, c in enumerate(rows[name]):
            if c.isalpha():
                pos += 1
                where[(name, pos)] = col if c.isupper() else None
    return where


def cmd_lost(ref, test, held=None):
    r, t = residue_columns(ref), residue_columns(test)
    held_names = set(name for name, _ in read_fasta(held)) if held else set()
    columns = {}
    for key, col in r.items():
        if col is not None:
            columns.setdefault(col, []).append(key)
    ok = ins = mis = held_ok = held_n = 0
    for members in columns.values():
        cols = [t.get(key) for key in members]
        for a in range(len(cols)):
            for b in range(a + 1, len(cols)):
                both_held = members[a][0] in held_names and members[b][0] in held_names
                held_n += both_held
                if cols[a] is None or cols[b] is None:
                    ins += 1
                elif cols[a] == cols[b]:
                    ok += 1
                    held_ok += both_held
                else:
                    mis += 1
    n = max(1, ok + ins + mis)
    out = "%.4f %.4f %.4f" % (ok / n, ins / n, mis / n)
    if held:
        out += " %.4f" % (held_ok / max(1, held_n))
    print(out)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "split":
        cmd_split(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 4,
                  int(sys.argv[5]) if len(sys.argv) > 5 else None)
    elif cmd == "decoys":
        cmd_decoys(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "recall":
        cmd_recall(sys.argv[2], sys.argv[3])
    elif cmd == "lost":
        cmd_lost(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        sys.exit(__doc__)
