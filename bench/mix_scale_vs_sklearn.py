#!/usr/bin/python3
"""Helpers of bench/mix_scale_vs_sklearn.sh (emtk mix at scale vs scikit-learn). Run under Debian's
/usr/bin/python3 (numpy, scikit-learn). Each fit is its own process so that its time and peak
memory can be measured alone:

    mix_scale_vs_sklearn.py gmm DATA SAMPLE K SEED OUT.json   # GaussianMixture on the first SAMPLE rows
    mix_scale_vs_sklearn.py mbk DATA SAMPLE K SEED OUT.json   # MiniBatchKMeans on the first SAMPLE rows
    mix_scale_vs_sklearn.py eval DATA MODEL.json...           # log-likelihood of each model on all rows
    mix_scale_vs_sklearn.py report RESULTS.tsv                # the Markdown table of bench/README.md

DATA is a table written by bench/mix_scale_gen.py (a header line, then tab-separated values). Its
rows are independent draws, so the first SAMPLE rows are a random sample of them. A model file
holds {"components": [{"weight", "mean", "covariance" (d×d, row-major) | "variance" (d)}]}, the
layout of the JSON summary of `emtk mix`, so the same evaluator scores every method.
MiniBatchKMeans is scored as the Gaussian mixture its clusters define: weights = cluster
fractions, means = centres, full covariance = the within-cluster covariance (on the sample).
"""
import json
import sys

import numpy as np

CHUNK_BYTES = 64 << 20


def read_blocks(path, limit=None):
    """Yields the rows of DATA (after its header line) as (m, d) float arrays, CHUNK_BYTES at a time,
    at most `limit` rows in all."""
    with open(path, "rb") as f:
        d = len(f.readline().split(b"\t"))
        rest, seen = b"", 0
        while True:
            buf = f.read(CHUNK_BYTES)
            data = rest + buf
            cut = data.rfind(b"\n") + 1 if buf else len(data)
            rest = data[cut:]
            if cut > 0:
                # numpy's text parser; sep=" " also splits at tabs and newlines.
                x = np.fromstring(data[:cut], dtype=np.float64, sep=" ").reshape(-1, d)
                if limit is not None and seen + len(x) >= limit:
                    yield x[: limit - seen]
                    return
                seen += len(x)
                yield x
            if not buf:
                return


def read_rows(path, limit):
    return np.concatenate(list(read_blocks(path, limit)))


def components_json(weights, means, covs):
    return {"components": [{"weight": float(w), "mean": [float(v) for v in m], "covariance": [float(v) for v in c.ravel()]}
                           for w, m, c in zip(weights, means, covs)]}


def fit_gmm(path, sample, k, seed, out):
    from sklearn.mixture import GaussianMixture
    x = read_rows(path, sample)
    g = GaussianMixture(n_components=k, covariance_type="full", tol=1e-6, max_iter=1000, random_state=seed).fit(x)
    res = components_json(g.weights_, g.means_, g.covariances_)
    res.update(rows=len(x), iterations=int(g.n_iter_), converged=bool(g.converged_))
    with open(out, "w") as f:
        json.dump(res, f)


def fit_mbk(path, sample, k, seed, out):
    from sklearn.cluster import MiniBatchKMeans
    x = read_rows(path, sample)
    km = MiniBatchKMeans(n_clusters=k, batch_size=4096, n_init=3, random_state=seed).fit(x)
    lab, d = km.labels_, x.shape[1]
    weights, covs = [], []
    for c in range(k):
        xc = x[lab == c]
        weights.append(len(xc) / len(x))
        covs.append(np.atleast_2d(np.cov(xc, rowvar=False, bias=True)) + 1e-9 * np.eye(d))
    res = components_json(weights, km.cluster_centers_, covs)
    res.update(rows=len(x), iterations=int(km.n_iter_), converged=True)
    with open(out, "w") as f:
        json.dump(res, f)


def load_model(path):
    with open(path) as f:
        comps = json.load(f)["components"]
    w = np.array([c["weight"] for c in comps])
    mu = np.array([c["mean"] for c in comps])
    d = mu.shape[1]
    covs = []
    for c in comps:
        if "covariance" in c and len(c["covariance"]) == d * d:
            covs.append(np.array(c["covariance"]).reshape(d, d))
        else:
            covs.append(np.diag(c.get("variance", c.get("covariance"))))
    # log w_k - log|2πΣ_k|/2 and the Cholesky factor of Σ_k^{-1} per component.
    consts, prec_chol = [], []
    for wk, s in zip(w, covs):
        l = np.linalg.cholesky(s)
        consts.append(np.log(wk) - 0.5 * d * np.log(2 * np.pi) - np.sum(np.log(np.diag(l))))
        prec_chol.append(np.linalg.inv(l))
    return mu, np.array(consts), prec_chol


def log_likelihood(path, models):
    ll = np.zeros(len(models))
    n, d = 0, 0
    for x in read_blocks(path):
        n, d = n + len(x), x.shape[1]
        for q, (mu, consts, pc) in enumerate(models):
            lp = np.empty((len(x), len(consts)))
            for c in range(len(consts)):
                z = (x - mu[c]) @ pc[c].T
                lp[:, c] = consts[c] - 0.5 * np.einsum("ij,ij->i", z, z)
            m = lp.max(axis=1)
            ll[q] += np.sum(m + np.log(np.exp(lp - m[:, None]).sum(axis=1)))
    return ll, n, d


def evaluate(path, model_paths):
    ll, n, d = log_likelihood(path, [load_model(p) for p in model_paths])
    for p, v in zip(model_paths, ll):
        print(json.dumps({"model": p, "rows": n, "columns": d, "log_likelihood": v,
                          "per_row": v / n, "per_value": v / (n * d)}))


def report(results):
    rows = [line.rstrip("\n").split("\t") for line in open(results)]
    head, rows = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(head)}
    print("| data | method | rows fitted | wall (s) | CPU (s) | peak RSS (MB) | log-likelihood per value | vs emtk |")
    print("|---|---|---|---|---|---|---|---|")
    emtk = {r[col["data"]]: float(r[col["ll_per_value"]]) for r in rows if r[col["method"]] == "emtk mix"}
    for r in rows:
        v = float(r[col["ll_per_value"]])
        ref = emtk.get(r[col["data"]])
        diff = "" if ref is None or r[col["method"]] == "emtk mix" else f"{v - ref:+.2e}"
        print(f"| {r[col['data']]} | {r[col['method']]} | {r[col['rows_fitted']]} | {float(r[col['wall_s']]):.1f} | "
              f"{float(r[col['cpu_s']]):.1f} | {float(r[col['rss_kb']]) / 1024:.0f} | {v:.6f} | {diff} |")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("gmm", "mbk"):
        (fit_gmm if cmd == "gmm" else fit_mbk)(args[0], int(args[1]), int(args[2]), int(args[3]), args[4])
    elif cmd == "eval":
        evaluate(args[0], args[1:])
    elif cmd == "report":
        report(args[0])
    else:
        sys.exit(f"unknown command {cmd!r}; see the docstring")
