#!/usr/bin/python3
"""Turns scrm/ms output into a truth VCF and a masked copy for `emtk impute` (scripts/impute_simulate.sh).

Usage: impute_ms2vcf.py MS_OUTPUT LENGTH MASK_FRACTION SEED TRUTH.vcf MASKED.vcf

Haplotypes 2i and 2i+1 of the (single) replicate become diploid sample i (phased in the truth).
Positions: ms positions in (0, 1) times LENGTH, rounded up to an integer; a site that would fall on
the previous site's position is moved one base to the right (positions stay strictly increasing).
Masking: each genotype independently becomes './.' with probability MASK_FRACTION, drawn from
Python's Mersenne Twister seeded with SEED (portable across platforms).
"""
import math
import random
import sys


def read_ms(path):
    positions, haplotypes = [], []
    with open(path) as f:
        lines = [line.rstrip('\n') for line in f]
    i = 0
    while i < len(lines) and not lines[i].startswith('//'):
        i += 1
    if i == len(lines):
        sys.exit(f'{path}: no replicate ("//") in the ms output')
    i += 1
    seg = int(lines[i].split(':')[1])
    i += 1
    if seg > 0:
        positions = [float(x) for x in lines[i].split(':')[1].split()]
        i += 1
    while i < len(lines) and lines[i].strip():
        haplotypes.append(lines[i].strip())
        i += 1
    return positions, haplotypes


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    ms, length, mask, seed, truth_path, masked_path = sys.argv[1:]
    length, mask, seed = int(length), float(mask), int(seed)
    positions, haps = read_ms(ms)
    if len(haps) % 2:
        sys.exit('an even number of haplotypes is needed')
    n = len(haps) // 2
    pos, last = [], 0
    for p in positions:
        x = max(1, math.ceil(p * length))
        if x <= last:
            x = last + 1
        pos.append(x)
        last = x
    rnd = random.Random(seed)
    header = ['##fileformat=VCFv4.2',
              f'##contig=<ID=1,length={max(length, last)}>',
              '##source=emtk scripts/impute_simulate.sh (scrm coalescent)',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t' +
              '\t'.join(f'S{i + 1}' for i in range(n))]
    with open(truth_path, 'w') as t, open(masked_path, 'w') as m:
        t.write('\n'.join(header) + '\n')
        m.write('\n'.join(header) + '\n')
        for j, x in enumerate(pos):
            fixed = f'1\t{x}\tsnp{j + 1}\tA\tC\t.\tPASS\t.\tGT'
            true_gt = [f'{haps[2 * i][j]}|{haps[2 * i + 1][j]}' for i in range(n)]
            masked_gt = ['./.' if rnd.random() < mask else g for g in true_gt]
            t.write(fixed + '\t' + '\t'.join(true_gt) + '\n')
            m.write(fixed + '\t' + '\t'.join(masked_gt) + '\n')


if __name__ == '__main__':
    main()
