#!/usr/bin/env python3
"""Write data/example.tsv, the small example data set used by scripts/demo.sh and the README.

Python 3 standard library only; a fixed seed makes the file reproducible.

Columns: id  x  y  count   (tab-separated, one header line, 1500 rows)

True generating parameters (also listed in README.md):

  x, y  -- a 3-component 2-D Gaussian mixture (full covariances, two of them correlated):
      component  weight  mean (x, y)   covariance [[var_x, cov_xy], [cov_xy, var_y]]
      1          0.50    ( 0.0, 0.0)   [[1.0,  0.6], [ 0.6, 1.0]]   (correlation +0.6)
      2          0.30    ( 8.0, 3.0)   [[2.0, -0.8], [-0.8, 1.0]]   (correlation -0.57)
      3          0.20    ( 2.0, 9.0)   [[0.5,  0.0], [ 0.0, 2.0]]   (uncorrelated)

  count -- a 3-component negative-binomial mixture, drawn independently of (x, y):
      component  weight  mean  size (dispersion r; variance = mean + mean^2 / r)
      1          0.40    10    20
      2          0.35    30    20
      3          0.25    60    20
    sampled as a gamma-Poisson mixture: lambda ~ Gamma(shape=r, scale=mean/r), count ~ Poisson(lambda).

Every row draws its (x, y) component and its count component independently, with the weights above.
x and y are printed with 4 decimals, count as an integer, id as r0001 ... r1500.

Usage: python3 data/make_example.py [OUTPUT]   (default: example.tsv beside this script)
"""

import math
import os
import random
import sys

SEED = 20240501
N_ROWS = 1500

# (weight, mean_x, mean_y, var_x, cov_xy, var_y)
GAUSSIANS = [
    (0.50, 0.0, 0.0, 1.0, 0.6, 1.0),
    (0.30, 8.0, 3.0, 2.0, -0.8, 1.0),
    (0.20, 2.0, 9.0, 0.5, 0.0, 2.0),
]

# (weight, mean, size)
NEGBINS = [
    (0.40, 10.0, 20.0),
    (0.35, 30.0, 20.0),
    (0.25, 60.0, 20.0),
]


def pick(rng, weights):
    """Index of a component drawn with the given weights (which sum to 1)."""
    u = rng.random()
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if u < acc:
            return i
    return len(weights) - 1


def poisson(rng, lam):
    """Poisson(lam) by Knuth's product-of-uniforms method.

    The product method needs exp(-lam) to stay far from underflow and costs O(lam) uniforms, so
    large means are split: Poisson(a + b) = Poisson(a) + Poisson(b) for independent draws.
    """
    total = 0
    while lam > 200.0:
        total += poisson(rng, 200.0)
        lam -= 200.0
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return total + k


def negbin(rng, mean, size):
    """Negative binomial with the given mean and size, as a gamma-Poisson mixture."""
    lam = rng.gammavariate(size, mean / size)
    return poisson(rng, lam)


def gaussian_2d(rng, mx, my, vx, cxy, vy):
    """One draw from N((mx, my), [[vx, cxy], [cxy, vy]]) through the Cholesky factor."""
    l11 = math.sqrt(vx)
    l21 = cxy / l11
    l22 = math.sqrt(vy - l21 * l21)
    z1 = rng.normalvariate(0.0, 1.0)
    z2 = rng.normalvariate(0.0, 1.0)
    return mx + l11 * z1, my + l21 * z1 + l22 * z2


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "example.tsv")
    rng = random.Random(SEED)
    g_weights = [g[0] for g in GAUSSIANS]
    n_weights = [n[0] for n in NEGBINS]
    lines = ["id\tx\ty\tcount"]
    for row in range(1, N_ROWS + 1):
        _, mx, my, vx, cxy, vy = GAUSSIANS[pick(rng, g_weights)]
        x, y = gaussian_2d(rng, mx, my, vx, cxy, vy)
        _, mean, size = NEGBINS[pick(rng, n_weights)]
        count = negbin(rng, mean, size)
        lines.append(f"r{row:04d}\t{x:.4f}\t{y:.4f}\t{count}")
    with open(out, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}: {N_ROWS} rows, seed {SEED}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
