#!/usr/bin/env python3
"""Benchmark `emtk mix --missing model` against imputers (bench/README.md).

Simulates 5-column data from a 3-component full-covariance Gaussian mixture, hides entries
(MCAR at several rates, and one MAR pattern), writes one TSV per scenario and runs on it:
  emtk mix --missing model -k 3 --accelerate (imputation = conditional expectation under the fitted mixture),
    with its default 3 k-means++ starts, screened after 5 iterations ("emtk"), with one start
    ("emtk1", --restarts 1) and with 3 starts each run to convergence ("emtk-full", --screen 0),
  scikit-learn IterativeImputer (BayesianRidge, its defaults)      } bench/mix_missing_peer.py
  mean imputation                                                   }
  R Amelia II (m = 5 imputations, their mean is the point imputation),
  R mice (m = 5, default method pmm, their mean is the point imputation).
Timing is the same for every method: each runs as its own process (emtk, /usr/bin/python3,
Rscript), timed from outside as a whole, from reading the scenario's TSV to writing its completed
table (start-up, imports and the file reading and writing included), one after the other on the
same machine in one run, with the same thread budget (--threads: emtk -t, OMP/OpenBLAS/MKL
threads of numpy and R). Reported: wall time and CPU time (user + system, of the process and its
children). Then, untimed: the RMSE on the hidden entries and the parameter error (emtk: its own
fit; the others: a scikit-learn GaussianMixture(3, full) fitted to their completed table, the
usual two-step route).
"""
import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

W = np.array([0.5, 0.3, 0.2])
MU = np.array([[0.0, 0.0, 0.0, 0.0, 0.0],
               [3.0, -2.0, 1.0, 2.5, -1.0],
               [-2.0, 3.0, 2.5, -1.5, 2.0]])


def covariances():
    rng = np.random.default_rng(7)
    out = []
    for k in range(3):
        a = rng.normal(size=(5, 5))
        s = a @ a.T / 5 + 0.3 * np.eye(5)
        out.append(s * (0.6 + 0.3 * k))
    return np.array(out)


SIGMA = covariances()


def simulate(n, seed):
    rng = np.random.default_rng(seed)
    z = rng.choice(3, size=n, p=W)
    x = np.empty((n, 5))
    for k in range(3):
        idx = np.where(z == k)[0]
        x[idx] = rng.multivariate_normal(MU[k], SIGMA[k], size=len(idx))
    return x


def hide(x, scenario, seed):
    """Boolean mask of hidden entries. 'mcarP': each entry with probability P/100. 'mar':
    column 1 always observed; columns 2-5 hidden with probability logistic(-1.6 + 1.2 x1)
    (missingness depends on the observed first column only), about 25% of those entries."""
    rng = np.random.default_rng(seed + 1)
    n = x.shape[0]
    if scenario.startswith("mcar"):
        m = rng.random(x.shape) < int(scenario[4:]) / 100.0
    else:
        p = 1.0 / (1.0 + np.exp(-(-1.6 + 1.2 * x[:, 0])))
        m = np.zeros(x.shape, dtype=bool)
        m[:, 1:] = rng.random((n, 4)) < p[:, None]
    # Every row keeps at least one observed entry (Amelia and mice drop or refuse empty rows).
    empty = m.all(axis=1)
    m[empty, 0] = False
    return m


def write_table(path, x, m):
    with open(path, "w") as f:
        f.write("x1\tx2\tx3\tx4\tx5\n")
        for row, mrow in zip(x, m):
            f.write("\t".join("NA" if h else "%.6f" % v for v, h in zip(row, mrow)) + "\n")


def read_table(path):
    return np.loadtxt(path, delimiter="\t", skiprows=1)


def match_error(means, covs):
    """RMS error of component means and covariance entries, best of the 3! label permutations."""
    best = None
    for perm in itertools.permutations(range(3)):
        em = np.sqrt(np.mean((means[list(perm)] - MU) ** 2))
        ec = np.sqrt(np.mean((covs[list(perm)] - SIGMA) ** 2))
        if best is None or em < best[0]:
            best = (em, ec)
    return best


def gmm_error(xc, seed):
    from sklearn.mixture import GaussianMixture
    g = GaussianMixture(3, covariance_type="full", n_init=3, random_state=seed, tol=1e-6, max_iter=1000).fit(xc)
    return match_error(g.means_, g.covariances_)


R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
method <- args[1]; input <- args[2]; output <- args[3]; seed <- as.integer(args[4])
x <- read.delim(input, na.strings = "NA")
set.seed(seed)
if (method == "amelia") {
  suppressPackageStartupMessages(library(Amelia))
  a <- amelia(x, m = 5, p2s = 0)
  imp <- Reduce(`+`, lapply(a$imputations, as.matrix)) / 5
} else {
  suppressPackageStartupMessages(library(mice))
  mi <- mice(x, m = 5, printFlag = FALSE, seed = seed)
  imp <- Reduce(`+`, lapply(1:5, function(i) as.matrix(complete(mi, i)))) / 5
}
write.table(format(imp, digits = 10), output, sep = "\t", quote = FALSE, row.names = FALSE)
"""


def timed(cmd, env):
    """Runs cmd as a process; returns (wall seconds, CPU seconds of it and its children)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emtk", default="build/emtk")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=20241205)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--scenarios", default="mcar10,mcar20,mcar40,mar")
    ap.add_argument("--peers", default="emtk,emtk1,iterative,amelia,mice,mean")
    ap.add_argument("--out", default="bench-out/mix_missing")
    ap.add_argument("--check", action="store_true", help="exit 1 unless emtk has the lowest RMSE and the "
                    "shortest time among emtk, IterativeImputer, Amelia and mice in every scenario")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    commands = {}
    rscript = os.path.join(a.out, "impute.R")
    with open(rscript, "w") as f:
        f.write(R_SCRIPT)
    x = simulate(a.rows, a.seed)
    peers = a.peers.split(",")
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[v] = str(a.threads)
    peer_py = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mix_missing_peer.py")
    results = {}
    lines = ["# %d rows, threads %d, load average before %s" % (a.rows, a.threads, load())]
    print(lines[0], flush=True)
    for sc in a.scenarios.split(","):
        m = hide(x, sc, a.seed)
        path = os.path.join(a.out, "%s.tsv" % sc)
        write_table(path, x, m)
        for peer in peers:
            if peer in ("emtk", "emtk1", "emtk-full"):
                prefix = os.path.join(a.out, "%s.%s" % (sc, peer))
                # default: 3 starts, screened after 5 iterations; emtk-full runs every start to the end
                starts = {"emtk": [], "emtk1": ["--restarts", "1"], "emtk-full": ["--screen", "0"]}[peer]
                outp = prefix + ".imputed.tsv"
                cmd = [a.emtk, "mix", "--missing", "model", "-k", "3", "-c", "1,2,3,4,5", "--seed", "1",
                       "--accelerate", "-t", str(a.threads), "-q", "-o", prefix, path] + starts
            elif peer in ("iterative", "mean"):
                outp = os.path.join(a.out, "%s.%s.tsv" % (sc, peer))
                cmd = ["/usr/bin/python3", peer_py, peer, path, outp, str(a.seed)]
            else:
                outp = os.path.join(a.out, "%s.%s.tsv" % (sc, peer))
                cmd = ["Rscript", rscript, peer, path, outp, str(a.seed)]
            if os.path.exists(outp):
                os.remove(outp)
            wall, cpu = timed(cmd, env)
            commands.setdefault(peer, cmd)
            xc = read_table(outp)
            if peer in ("emtk", "emtk1", "emtk-full"):
                js = json.load(open(prefix + ".json"))
                comps = js["components"]
                perr = match_error(np.array([c["mean"] for c in comps]),
                                   np.array([np.array(c["covariance"]).reshape(5, 5) for c in comps]))
            else:
                perr = gmm_error(xc, a.seed)
            rmse = float(np.sqrt(np.mean((xc[m] - x[m]) ** 2)))
            results[(sc, peer)] = (rmse, perr[0], perr[1], wall, cpu)
            line = "%-7s %-10s RMSE %.4f  mean err %.4f  cov err %.4f  wall %.2f s  cpu %.2f s" % (
                sc, peer, rmse, perr[0], perr[1], wall, cpu)
            print(line, flush=True)
            lines.append(line)
    lines.append("# load average after %s" % load())
    print(lines[-1])
    with open(os.path.join(a.out, "report.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # Markdown table
    print("\n| scenario | tool | RMSE (hidden) | mean err | cov err | wall (s) | CPU (s) |\n|---|---|---|---|---|---|---|")
    for (sc, peer), (r, e1, e2, t, c) in results.items():
        print("| %s | %s | %.4f | %.4f | %.4f | %.2f | %.2f |" % (sc, peer, r, e1, e2, t, c))
    print("\nCommands (SCENARIO.tsv = %s/SCENARIO.tsv; environment %s):" % (
        a.out, " ".join("%s=%d" % (v, a.threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                           "MKL_NUM_THREADS"))))
    for peer, cmd in commands.items():
        print("  %-9s %s" % (peer, " ".join(cmd)))
    if a.check:
        bad = []
        for sc in a.scenarios.split(","):
            if (sc, "emtk") not in results:
                continue
            r0, _, _, t0, _ = results[(sc, "emtk")]
            for peer in peers:
                if peer.startswith("emtk") or (sc, peer) not in results:
                    continue
                r, _, _, t, _ = results[(sc, peer)]
                if r <= r0:
                    bad.append("%s: %s RMSE %.4f <= emtk %.4f" % (sc, peer, r, r0))
                if peer != "mean" and t <= t0:
                    bad.append("%s: %s time %.2f <= emtk %.2f" % (sc, peer, t, t0))
        for b in bad:
            print("MISSED: " + b, file=sys.stderr)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
