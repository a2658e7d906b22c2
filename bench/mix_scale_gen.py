#!/usr/bin/python3
"""Writes N rows drawn from a K = 4 Gaussian mixture, for the emtk mix scale benchmark.

    /usr/bin/python3 bench/mix_scale_gen.py N D SEED > values.tsv

One column (D = 1): weights 0.1 0.2 0.3 0.4, means 0 3 6 10, sds 1 0.7 1.2 1.5. D columns: the
same four components, the mean shifted by 0.5 per column and independent unit-variance noise.
A header line 'x1..xD', values with 4 decimals. Data come from a seeded numpy generator.
"""
import sys

import numpy as np

n, d, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
w = np.array([0.1, 0.2, 0.3, 0.4])
mu = np.array([0.0, 3.0, 6.0, 10.0])
sd = np.array([1.0, 0.7, 1.2, 1.5])
out = sys.stdout
out.write("\t".join(f"x{j + 1}" for j in range(d)) + "\n")
chunk = 1_000_000
fmt = "\t".join(["%.4f"] * d)
for start in range(0, n, chunk):
    m = min(chunk, n - start)
    z = rng.choice(4, size=m, p=w)
    x = mu[z][:, None] + 0.5 * np.arange(d)[None, :] + sd[z][:, None] * rng.standard_normal((m, d))
    np.savetxt(out, x, fmt=fmt)
