#!/usr/bin/python3
"""Scores reference-panel imputation against the truth (bench/impute_ref_vs_beagle.sh).

Usage: impute_ref_evaluate.py TRUTH.vcf.gz STUDY.vcf.gz IMPUTED.vcf.gz [NAME]

Scored: every genotype of the truth at the markers that are not typed in the study (matched by
position). Per minor-allele-frequency bin (MAF of the truth in the study samples) and overall:
the number of genotypes, discordance (imputed GT's ALT count != true ALT count; a marker missing
from the output counts as discordant for all samples) and dosage r2 (squared Pearson correlation
of FORMAT/DS, or GP-derived dosage, with the true ALT count, pooled over the bin's genotypes).
"""
import gzip
import math
import sys

BINS = [(0, 0.01), (0.01, 0.05), (0.05, 0.2), (0.2, 0.5000001)]


def records(path):
    with gzip.open(path, 'rt') as f:
        for line in f:
            if line.startswith('#'):
                continue
            yield line.rstrip('\n').split('\t')


def alt_count(gt):
    a = gt.replace('|', '/').split('/')
    return sum(1 for x in a if x not in ('0', '.'))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    truth, study, imputed = sys.argv[1:4]
    name = sys.argv[4] if len(sys.argv) > 4 else imputed
    typed = {int(r[1]) for r in records(study)}
    out = {}
    for r in records(imputed):
        fmt = r[8].split(':')
        gi = fmt.index('GT')
        di = fmt.index('DS') if 'DS' in fmt else -1
        pi = fmt.index('GP') if 'GP' in fmt else -1
        calls, doses = [], []
        for s in r[9:]:
            f = s.split(':')
            calls.append(alt_count(f[gi]))
            if di >= 0:
                doses.append(float(f[di]))
            elif pi >= 0:
                p = [float(x) for x in f[pi].split(',')]
                doses.append(p[1] + 2 * p[2])
            else:
                doses.append(float(calls[-1]))
        out[int(r[1])] = (calls, doses)
    stats = [[0, 0, 0.0, 0.0, 0.0, 0.0, 0.0] for _ in BINS + [None]]
    for r in records(truth):
        pos = int(r[1])
        if pos in typed:
            continue
        g = [alt_count(x) for x in r[9:]]
        n = len(g)
        af = sum(g) / (2 * n)
        maf = min(af, 1 - af)
        b = next(i for i, (lo, hi) in enumerate(BINS) if lo <= maf < hi)
        calls, doses = out.get(pos, ([None] * n, [af * 2] * n))
        for st in (stats[b], stats[-1]):
            for x, c, d in zip(g, calls, doses):
                st[0] += 1
                st[1] += c != x
                st[2] += x
                st[3] += d
                st[4] += x * x
                st[5] += d * d
                st[6] += x * d
    print('bin\tgenotypes\tdiscordance\tdosage_r2\tname')
    labels = [f'MAF[{lo:g},{min(hi, 0.5):g})' for lo, hi in BINS] + ['overall']
    for lab, st in zip(labels, stats):
        n = st[0]
        if n == 0:
            print(f'{lab}\t0\tNA\tNA\t{name}')
            continue
        cov = st[6] / n - st[2] / n * st[3] / n
        vx = st[4] / n - (st[2] / n) ** 2
        vd = st[5] / n - (st[3] / n) ** 2
        r2 = cov * cov / (vx * vd) if vx > 0 and vd > 0 else float('nan')
        print(f'{lab}\t{n}\t{st[1] / n:.5f}\t{r2:.4f}\t{name}')


if __name__ == '__main__':
    main()
