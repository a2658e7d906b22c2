#!/usr/bin/env python3
"""Random unlinked genotypes as VCF on stdout, for memory and scaling runs of `emtk impute`.

Usage: impute_random_vcf.py SAMPLES SITES [MISSING_FRACTION [SEED]]

One contig "1", sites every 20 bp, biallelic A/C, each site's ALT frequency uniform in
[0.02, 0.5], genotypes binomial (Hardy-Weinberg), a MISSING_FRACTION (default 0.05) of them
set to ./. at random. There is no linkage disequilibrium: use scripts/impute_simulate.sh for
accuracy; this is for memory and time at sizes scrm would take long to simulate.

Example (issue 6's 1,000 samples x 50,000 markers):
  /usr/bin/python3 scripts/impute_random_vcf.py 1000 50000 | bgzip > big.vcf.gz
"""
import sys

import numpy as np


def main(argv):
    if len(argv) < 3 or len(argv) > 5:
        sys.stderr.write(__doc__)
        return 2
    n, m = int(argv[1]), int(argv[2])
    missing = float(argv[3]) if len(argv) > 3 else 0.05
    seed = int(argv[4]) if len(argv) > 4 else 5
    rng = np.random.default_rng(seed)
    out = sys.stdout
    out.write("##fileformat=VCFv4.2\n##contig=<ID=1,length=%d>\n" % (20 * m + 1000))
    out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
              + "\t".join("S%d" % (i + 1) for i in range(n)) + "\n")
    codes = np.array(["0/0", "0/1", "1/1", "./."])
    for j in range(m):
        p = rng.uniform(0.02, 0.5)
        g = rng.binomial(2, p, n)
        g[rng.random(n) < missing] = 3
        out.write("1\t%d\t.\tA\tC\t.\tPASS\t.\tGT\t" % ((j + 1) * 20) + "\t".join(codes[g]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
