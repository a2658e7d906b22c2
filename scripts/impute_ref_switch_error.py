#!/usr/bin/env python3
"""Switch error of a phased imputation output at the study's typed heterozygous markers (issue 20).

    impute_ref_switch_error.py TRUTH.vcf.gz STUDY.vcf.gz OUTPUT.vcf.gz [LABEL]

TRUTH: the simulation's phased genotypes of the study samples (scripts/impute_ref_simulate.sh);
STUDY: the typed genotypes (their positions are the markers scored); OUTPUT: phased GT at those
positions (emtk impute --ref, Beagle). Per sample, over the consecutive heterozygous markers where
truth and output agree on the genotype, a switch is a change of the output's phase relative to the
truth's. Prints: label, heterozygous pairs, switches, switch error rate.
"""
import gzip
import sys


def records(path, keep=None):
    with gzip.open(path, 'rt') as f:
        for line in f:
            if line.startswith('#'):
                continue
            c = line.rstrip('\n').split('\t')
            pos = int(c[1])
            if keep is not None and pos not in keep:
                continue
            gi = c[8].split(':').index('GT')
            yield pos, [x.split(':')[gi] for x in c[9:]]


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    truth, study, out = sys.argv[1:4]
    label = sys.argv[4] if len(sys.argv) > 4 else out
    typed = {p for p, _ in records(study)}
    t = dict(records(truth, typed))
    o = dict(records(out, typed))
    n = len(next(iter(t.values())))
    last = [None] * n  # phase of the last scored heterozygote: output h1 == truth h1
    pairs = switches = 0
    for pos in sorted(typed):
        if pos not in t or pos not in o:
            continue
        for i in range(n):
            a, b = t[pos][i], o[pos][i]
            if '|' not in a or '|' not in b:
                continue
            a1, a2 = a.split('|')
            b1, b2 = b.split('|')
            if a1 == a2 or {a1, a2} != {b1, b2}:
                continue
            same = a1 == b1
            if last[i] is not None:
                pairs += 1
                switches += last[i] != same
            last[i] = same
    print(f'{label}\t{pairs}\t{switches}\t{switches / max(pairs, 1):.5f}')


if __name__ == '__main__':
    main()
