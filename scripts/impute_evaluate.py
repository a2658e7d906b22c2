#!/usr/bin/python3
"""Accuracy of imputed genotypes at the masked genotypes (emtk impute, issue 6).

Usage: impute_evaluate.py TRUTH.vcf[.gz] MASKED.vcf[.gz] IMPUTED.vcf[.gz|.bcf] [LABEL]

A masked genotype is one that is observed in TRUTH and missing ('./.', './1', ...) in MASKED.
Sites are matched by CHROM, POS, REF, ALT (and their order among records at one position).
For each masked genotype the imputed genotype (GT of IMPUTED, as an ALT count) and dosage (DS, or
the GT's ALT count when the file has no DS, as in Beagle's default output) are compared with the
truth. Printed: the number of masked genotypes, the discordance (fraction with imputed GT !=
true GT) and the dosage r² (squared Pearson correlation between DS and the true ALT count), over
all masked genotypes and by minor-allele-frequency bin (MAF of the site in TRUTH).
The last line is machine-readable: "overall<TAB>N<TAB>DISCORDANCE<TAB>R2".
"""
import gzip
import subprocess
import sys

BINS = [(0.0, 0.01), (0.01, 0.05), (0.05, 0.2), (0.2, 0.5001)]


def open_text(path):
    if path.endswith('.bcf'):
        return subprocess.run(['bcftools', 'view', path], check=True, capture_output=True,
                              text=True).stdout.splitlines()
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt') as f:
        return f.read().splitlines()


def gt_count(field):
    """ALT count of a biallelic GT, None if any allele is missing."""
    a = field.replace('|', '/').split('/')
    if len(a) != 2 or '.' in a:
        return None
    return int(a[0] != '0') + int(a[1] != '0')


def records(path):
    seen = {}
    for line in open_text(path):
        if line.startswith('#'):
            continue
        f = line.split('\t')
        key = (f[0], f[1], f[3], f[4])
        k = seen.get(key, 0)
        seen[key] = k + 1
        yield key + (k,), f


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    truth_path, masked_path, imputed_path = sys.argv[1:4]
    label = sys.argv[4] if len(sys.argv) == 5 else imputed_path
    masked = {}
    for key, f in records(masked_path):
        miss = [i for i, x in enumerate(f[9:]) if gt_count(x.split(':')[0]) is None]
        if miss:
            masked[key] = miss
    truth = {}
    for key, f in records(truth_path):
        if key in masked:
            g = [gt_count(x.split(':')[0]) for x in f[9:]]
            n = [x for x in g if x is not None]
            af = sum(n) / (2 * len(n)) if n else 0
            truth[key] = (g, min(af, 1 - af))
    pairs = []  # (maf, true, imputed gt, dosage)
    found = 0
    for key, f in records(imputed_path):
        if key not in masked or key not in truth:
            continue
        found += 1
        fmt = f[8].split(':')
        ds_i = fmt.index('DS') if 'DS' in fmt else None
        g, maf = truth[key]
        for i in masked[key]:
            if g[i] is None:
                continue
            v = f[9 + i].split(':')
            c = gt_count(v[0])
            d = float(v[ds_i]) if ds_i is not None and ds_i < len(v) and v[ds_i] != '.' else c
            pairs.append((maf, g[i], c, d))
    if found < len(masked):
        print(f'warning: {len(masked) - found} sites with masked genotypes are missing from {imputed_path}',
              file=sys.stderr)

    def stats(rows):
        n = len(rows)
        if n == 0:
            return 0, float('nan'), float('nan')
        disc = sum(1 for r in rows if r[2] != r[1]) / n
        mx = sum(r[1] for r in rows) / n
        my = sum(r[3] for r in rows) / n
        sxy = sum((r[1] - mx) * (r[3] - my) for r in rows)
        sxx = sum((r[1] - mx) ** 2 for r in rows)
        syy = sum((r[3] - my) ** 2 for r in rows)
        r2 = sxy * sxy / (sxx * syy) if sxx > 0 and syy > 0 else float('nan')
        return n, disc, r2

    print(f'# {label}: masked genotypes, discordance (imputed GT != true GT), dosage r2, by MAF bin')
    print('bin\tmasked\tdiscordance\tdosage_r2')
    for lo, hi in BINS:
        n, d, r2 = stats([r for r in pairs if lo <= r[0] < hi])
        print(f'MAF[{lo:g},{min(hi, 0.5):g})\t{n}\t{d:.5f}\t{r2:.4f}')
    n, d, r2 = stats(pairs)
    print(f'overall\t{n}\t{d:.5f}\t{r2:.4f}')


if __name__ == '__main__':
    main()
