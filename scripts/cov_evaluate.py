#!/usr/bin/python3
"""Accuracy of `emtk cov` on a simulation with known copy numbers (scripts/cov_simulate.sh).

  cov_evaluate.py PREFIX.windows.bed.gz PREFIX.segments.bed truth.bed [--ploidy 2] [--margin 1000]
                  [--min-window-accuracy A] [--min-recall R]

Prints two lines:
  windows: the fraction of windows away from breakpoints (no CNV boundary within --margin bp of the
           window) whose CN equals the truth (the CNV's CN inside a CNV, --ploidy outside);
  cnvs:    the fraction of true CNVs recovered as a segment of the same CN with at least 50%
           reciprocal overlap.
Exits 1 when a --min-* threshold is not met.
"""
import argparse
import gzip
import sys


def read_bed(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            yield line.rstrip("\n").split("\t")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("windows")
    ap.add_argument("segments")
    ap.add_argument("truth")
    ap.add_argument("--ploidy", type=int, default=2)
    ap.add_argument("--margin", type=int, default=1000)
    ap.add_argument("--min-window-accuracy", type=float, default=0)
    ap.add_argument("--min-recall", type=float, default=0)
    a = ap.parse_args()
    truth = [(f[0], int(f[1]), int(f[2]), int(f[3])) for f in read_bed(a.truth)]
    by_chrom = {}
    for t in truth:
        by_chrom.setdefault(t[0], []).append(t)

    good = total = 0
    for f in read_bed(a.windows):
        chrom, s, e, cn = f[0], int(f[1]), int(f[2]), int(f[4])
        want = a.ploidy
        near = False
        for _, ts, te, tcn in by_chrom.get(chrom, []):
            for b in (ts, te):
                if s - a.margin < b < e + a.margin:
                    near = True
            if ts <= s and e <= te:
                want = tcn
        if near:
            continue
        total += 1
        good += cn == want
    segs = [(f[0], int(f[1]), int(f[2]), int(f[3])) for f in read_bed(a.segments)]
    found = 0
    for chrom, ts, te, tcn in truth:
        for c, s, e, cn in segs:
            if c != chrom or cn != tcn:
                continue
            ov = min(e, te) - max(s, ts)
            if ov > 0 and ov >= 0.5 * (te - ts) and ov >= 0.5 * (e - s):
                found += 1
                break
    wacc = good / total if total else 0.0
    recall = found / len(truth) if truth else 1.0
    print("windows: %d/%d = %.4f with the true CN (away from breakpoints)" % (good, total, wacc))
    print("cnvs: %d/%d = %.4f recovered (same CN, 50%% reciprocal overlap)" % (found, len(truth), recall))
    if wacc < a.min_window_accuracy or recall < a.min_recall:
        sys.exit(1)


if __name__ == "__main__":
    main()
