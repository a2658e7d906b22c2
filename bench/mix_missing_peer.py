#!/usr/bin/env python3
"""One peer of bench/mix_missing_vs_imputers.py as a whole process, timed from outside like emtk:
reads the benchmark's TSV (header line, `NA` for a missing entry), imputes, writes the completed
table as TSV (header kept, values with 10 significant digits). Usage:
    mix_missing_peer.py iterative|mean INPUT.tsv OUTPUT.tsv SEED

Reading: the text with `NA` turned into `nan`, then numpy's C parser (np.loadtxt), the fastest
reader available here without pandas. Writing: np.savetxt, the usual numpy route.
"""
import io
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        header = f.readline().decode().rstrip("\n")
        body = f.read().replace(b"NA", b"nan")
    return header, np.loadtxt(io.BytesIO(body), delimiter="\t", ndmin=2)


def main():
    method, inp, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    header, x = read(inp)
    if method == "iterative":
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer
        xc = IterativeImputer(random_state=seed).fit_transform(x)
    elif method == "mean":
        xc = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    else:
        sys.exit("unknown method " + method)
    np.savetxt(out, xc, fmt="%.10g", delimiter="\t", header=header, comments="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
