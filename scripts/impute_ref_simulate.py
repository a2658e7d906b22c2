#!/usr/bin/python3
"""Splits scrm/ms output into a reference panel, a study typed at a fraction of the markers, the
study's full truth and a PLINK map, for `emtk impute --ref` (scripts/impute_ref_simulate.sh).

Usage: impute_ref_simulate.py MS_OUTPUT LENGTH PANEL_HAPS TYPED_FRACTION SEED OUTDIR

Haplotypes 0..PANEL_HAPS-1 become the panel's samples (pairs, phased); the rest pair into the
study's samples. Positions: ms positions times LENGTH, rounded up, moved right past the previous
site. Alleles: REF/ALT drawn from ACGT per site (Python's Mersenne Twister seeded with SEED). Typed
markers (array-like): TYPED_FRACTION of all sites, drawn among the sites whose panel minor allele
frequency is at least 5%, written unphased ('0/1'). The map: one line every 50 kb at 1 cM/Mb (the
rate of impute_ref_simulate.sh's scrm run: rho = 4 N0 r per bp = 4e-4, N0 = 1e4, r = 1e-8).
Writes OUTDIR/panel.vcf, study.vcf, truth.vcf and plink.map.
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from impute_ms2vcf import read_ms  # noqa: E402


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    ms, length, panel_haps, frac, seed, out = sys.argv[1:]
    length, panel_haps, frac, seed = int(length), int(panel_haps), float(frac), int(seed)
    positions, haps = read_ms(ms)
    if panel_haps % 2 or (len(haps) - panel_haps) % 2 or len(haps) <= panel_haps:
        sys.exit('need even panel and study haplotype counts')
    rnd = random.Random(seed)
    pos, last = [], 0
    for p in positions:
        x = max(1, math.ceil(p * length))
        if x <= last:
            x = last + 1
        pos.append(x)
        last = x
    m = len(pos)
    n_panel = panel_haps // 2
    n_study = (len(haps) - panel_haps) // 2
    common = []
    for j in range(m):
        c = sum(1 for h in range(panel_haps) if haps[h][j] == '1')
        if min(c, panel_haps - c) >= 0.05 * panel_haps:
            common.append(j)
    k = min(len(common), max(1, round(frac * m)))
    typed = set(rnd.sample(common, k))
    alleles = []
    for j in range(m):
        a = rnd.sample('ACGT', 2)
        alleles.append(a)
    head = ['##fileformat=VCFv4.2', f'##contig=<ID=1,length={max(length, last)}>',
            '##source=emtk scripts/impute_ref_simulate.sh (scrm coalescent)',
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    cols = '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t'
    with open(os.path.join(out, 'panel.vcf'), 'w') as f:
        f.write('\n'.join(head) + '\n' + cols + '\t'.join(f'R{i + 1}' for i in range(n_panel)) + '\n')
        for j in range(m):
            gts = '\t'.join(f'{haps[2 * i][j]}|{haps[2 * i + 1][j]}' for i in range(n_panel))
            f.write(f'1\t{pos[j]}\tsnp{j + 1}\t{alleles[j][0]}\t{alleles[j][1]}\t.\tPASS\t.\tGT\t{gts}\n')
    with open(os.path.join(out, 'truth.vcf'), 'w') as t, open(os.path.join(out, 'study.vcf'), 'w') as s:
        names = '\t'.join(f'S{i + 1}' for i in range(n_study))
        t.write('\n'.join(head) + '\n' + cols + names + '\n')
        s.write('\n'.join(head) + '\n' + cols + names + '\n')
        for j in range(m):
            hs = [haps[panel_haps + 2 * i][j] + haps[panel_haps + 2 * i + 1][j] for i in range(n_study)]
            fixed = f'1\t{pos[j]}\tsnp{j + 1}\t{alleles[j][0]}\t{alleles[j][1]}\t.\tPASS\t.\tGT\t'
            t.write(fixed + '\t'.join(f'{h[0]}|{h[1]}' for h in hs) + '\n')
            if j in typed:
                s.write(fixed + '\t'.join('0/0' if h == '00' else '1/1' if h == '11' else '0/1' for h in hs) + '\n')
    with open(os.path.join(out, 'plink.map'), 'w') as f:
        for bp in range(1, max(length, last) + 50001, 50000):
            f.write(f'1\tm{bp}\t{bp / 1e6:.6f}\t{bp}\n')


if __name__ == '__main__':
    main()
