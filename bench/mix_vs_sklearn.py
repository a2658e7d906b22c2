#!/usr/bin/python3
"""Benchmark `emtk mix` against scikit-learn's GaussianMixture on the same data.

Run it through bench/mix_vs_sklearn.sh, which installs what is missing and builds emtk.
This file must run under Debian's /usr/bin/python3 (python3-sklearn, python3-numpy).

What it does
  1. Simulates N values (default 10^6) from a known 1-D Gaussian mixture with a fixed seed and
     writes them to a one-column TSV (no header) in the output directory (default bench-out/).
  2. Fits them with `emtk mix` (-t 1, -t 2, each with and without --accelerate) and with
     sklearn's GaussianMixture (same K, full covariance, same tolerance, same max_iter, one start,
     the same initialisation scheme), each run as its own process under /usr/bin/time.
  3. Prints one table (tool, threads, wall s, fit s, peak MB, iterations, final log-likelihood),
     the time ratios emtk/sklearn, the log-likelihood differences (emtk - sklearn) and the exact
     commands, and writes the same text to OUT/mix_vs_sklearn.txt.

Matching the two tools
  * Tolerance. sklearn stops when |change of the MEAN per-sample log-likelihood| < tol.
    `emtk mix --stop-rule absolute` stops when |change of the TOTAL log-likelihood| < tol, so emtk
    gets --tol = tol * N.
  * Initialisation. sklearn's init_params='k-means++' (1.2) puts responsibility 1 on the K seed
    points only (every component starts at one data point with covariance = reg_covar = 1e-6).
    emtk seeds by greedy k-means++ and then does one M-step from the hard assignment of *every* point to
    its nearest seed. The sklearn worker reproduces emtk's scheme (init "matched": sklearn's own
    kmeans_plusplus seeds, nearest-seed hard assignment, sklearn's own M-step); that is the
    reference row. A row with sklearn's built-in 'k-means++' is added for information.
    The random streams differ (numpy vs emtk), so the seeds themselves are not the same points.
  * Final log-likelihood. sklearn: gm.score(X) * N (the total log-likelihood under the final
    parameters, natural log). emtk: "log_likelihood" from PREFIX.json.
  * Regularisation. sklearn adds reg_covar = 1e-6 to every covariance; emtk has its own variance
    floor. Neither matters for well-separated simulated data.
  * Threads. Debian's numpy uses the reference BLAS (single-threaded); sklearn's OpenMP (libgomp)
    parts use all cores unless OMP_NUM_THREADS says otherwise. sklearn runs twice: with the
    environment as given (default threading) and with OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
    MKL_NUM_THREADS = 1. The table shows what threadpoolctl reported inside the worker.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The simulated mixture (1-D): weights, means, standard deviations.
TRUE_WEIGHTS = (0.5, 0.3, 0.2)
TRUE_MEANS = (0.0, 5.0, 12.0)
TRUE_SDS = (1.0, 1.5, 2.0)

SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---------------------------------------------------------------------------------------------
# sklearn worker: runs in its own process so that wall time and peak memory are its own.
# ---------------------------------------------------------------------------------------------
def sklearn_worker(argv):
    p = argparse.ArgumentParser(prog="mix_vs_sklearn.py sklearn-worker")
    p.add_argument("--input", required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--tol", type=float, required=True)
    p.add_argument("--max-iter", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--init", choices=["matched", "k-means++", "kmeans"], required=True)
    p.add_argument("--json", required=True)
    a = p.parse_args(argv)

    t_start = time.perf_counter()
    import numpy as np
    from sklearn.cluster import kmeans_plusplus
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_info
    t_import = time.perf_counter()

    X = np.loadtxt(a.input, dtype=np.float64, delimiter="\t", ndmin=2)
    if X.shape[1] != 1:
        X = X[:, :1]
    X = np.ascontiguousarray(X)
    n = X.shape[0]
    t_read = time.perf_counter()

    class MatchedInitGM(GaussianMixture):
        """GaussianMixture initialised as emtk does: greedy k-means++ seeds (the best of
        2 + floor(ln K) D²-sampled candidates per centre, sklearn's kmeans_plusplus default and
        emtk's), then one M-step from the hard assignment of every point to its nearest seed.
        (emtk measures distances on coordinates divided by each column's sd; in 1-D that changes
        nothing.)"""

        def _initialize_parameters(self, X, random_state):
            centers, _ = kmeans_plusplus(X, self.n_components, random_state=random_state)
            d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            labels = d2.argmin(axis=1)
            resp = np.zeros((X.shape[0], self.n_components))
            resp[np.arange(X.shape[0]), labels] = 1.0
            self._initialize(X, resp)

    common = dict(n_components=a.k, covariance_type="full", tol=a.tol, max_iter=a.max_iter,
                  n_init=1, random_state=a.seed)
    if a.init == "matched":
        gm = MatchedInitGM(init_params="k-means++", **common)  # init_params is overridden
    else:
        gm = GaussianMixture(init_params=a.init, **common)

    t0 = time.perf_counter()
    gm.fit(X)  # includes initialisation, as emtk's fit time does
    t1 = time.perf_counter()
    ll = float(gm.score(X)) * n  # mean log-likelihood under the final parameters, times n
    t_end = time.perf_counter()

    order = np.argsort(gm.means_[:, 0])
    out = {
        "n": int(n),
        "log_likelihood": ll,
        "lower_bound_mean": float(gm.lower_bound_),
        "iterations": int(gm.n_iter_),
        "converged": bool(gm.converged_),
        "stop_reason": "converged" if gm.converged_ else "max_iter",
        "components": [
            {"weight": float(gm.weights_[j]), "mean": [float(gm.means_[j, 0])],
             "variance": float(gm.covariances_[j, 0, 0])}
            for j in order
        ],
        "timings": {"import_s": t_import - t_start, "read_s": t_read - t_import,
                    "fit_s": t1 - t0, "score_s": t_end - t1, "total_s": t_end - t_start},
        "threadpools": [{k: d.get(k) for k in ("user_api", "internal_api", "num_threads")}
                        for d in threadpool_info()],
    }
    Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------
def make_data(path, n, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    comp = rng.choice(len(TRUE_WEIGHTS), size=n, p=TRUE_WEIGHTS)
    x = rng.normal(np.asarray(TRUE_MEANS)[comp], np.asarray(TRUE_SDS)[comp])
    tmp = path.with_suffix(".tmp")
    # Six decimals, like real measurements. Both readers convert the same decimal text with a
    # correctly rounded parser, so both tools fit exactly the same doubles.
    np.savetxt(tmp, x, fmt="%.6f", delimiter="\t")
    tmp.rename(path)


def true_model_ll(path):
    """Log-likelihood of the data under the generating mixture (a sanity anchor)."""
    import numpy as np
    x = np.loadtxt(path, dtype=np.float64)
    w, m, s = (np.asarray(v)[None, :] for v in (TRUE_WEIGHTS, TRUE_MEANS, TRUE_SDS))
    logp = np.log(w) - 0.5 * np.log(2 * np.pi) - np.log(s) - 0.5 * ((x[:, None] - m) / s) ** 2
    mx = logp.max(axis=1, keepdims=True)
    return float((mx[:, 0] + np.log(np.exp(logp - mx).sum(axis=1))).sum())


def timed_run(cmd, env_extra, time_file, cwd):
    """Run cmd under /usr/bin/time; return (wall seconds, peak RSS MB, returncode, stderr)."""
    env = dict(os.environ)
    env.update(env_extra)
    full = ["/usr/bin/time", "-f", "%M", "-o", str(time_file)] + cmd
    t0 = time.perf_counter()
    r = subprocess.run(full, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    wall = time.perf_counter() - t0
    peak_mb = None
    try:
        lines = [l for l in Path(time_file).read_text().splitlines() if l.strip()]
        peak_mb = int(lines[-1]) / 1024.0  # %M is in KiB
    except (OSError, ValueError, IndexError):
        pass
    return wall, peak_mb, r.returncode, r.stderr


def first_key(d, *keys):
    for k in keys:
        if isinstance(d, dict) and k in d and d[k] is not None:
            return d[k]
    return None


def emtk_summary(j):
    """Pull what the table needs out of emtk's PREFIX.json, tolerating small naming differences."""
    ll = first_key(j, "log_likelihood", "loglik", "logLik")
    if ll is None:
        for key in ("trace", "log_likelihood_trace", "objective_trace"):
            if isinstance(j.get(key), list) and j[key]:
                ll = j[key][-1]
                break
    # "timings" at the top level, or under "run" (where emtk keeps what differs between runs).
    timings = first_key(j, "timings", "timing") or first_key(j.get("run") or {}, "timings") or {}
    return {
        "log_likelihood": ll,
        "iterations": first_key(j, "iterations", "n_iter"),
        "stop_reason": first_key(j, "stop_reason"),
        "fit_s": first_key(timings, "fit_s", "fit"),
        "read_s": first_key(timings, "read_s", "read"),
        "components": j.get("components"),
        "timings": timings,
    }


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "sklearn-worker":
        return sklearn_worker(sys.argv[2:])

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="number of values (default 10^6)")
    p.add_argument("--k", type=int, default=3, help="number of components (default 3)")
    p.add_argument("--tol", type=float, default=1e-3,
                   help="sklearn tol on the mean log-likelihood (default 1e-3); emtk gets tol*n")
    p.add_argument("--max-iter", type=int, default=1000, help="for both tools (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="fit seed for both tools (default 1)")
    p.add_argument("--data-seed", type=int, default=20240601, help="seed of the simulated data")
    p.add_argument("--repeats", type=int, default=3,
                   help="runs per configuration; times are medians (default 3)")
    p.add_argument("--threads", default="1,2", help="emtk thread counts (default 1,2)")
    p.add_argument("--emtk", default=str(REPO / "build" / "emtk"), help="emtk binary")
    p.add_argument("--out", default=str(REPO / "bench-out"), help="output directory")
    p.add_argument("--skip-emtk", action="store_true", help="sklearn side only")
    p.add_argument("--no-builtin-init", action="store_true",
                   help="skip the extra sklearn row with its built-in init_params='k-means++'")
    p.add_argument("--ll-slack", type=float, default=1e-6,
                   help="'no worse' allows emtk - sklearn >= -ll_slack * n (default 1e-6)")
    p.add_argument("--no-reference", action="store_true",
                   help="skip the one sklearn run at --ref-tol that estimates the attainable "
                        "maximum log-likelihood")
    p.add_argument("--ref-tol", type=float, default=1e-10,
                   help="sklearn tol of the reference run (default 1e-10)")
    p.add_argument("--ll-seeds", type=int, default=5,
                   help="also fit with this many seeds (seed, seed+1, ...; emtk -t 2 with and "
                        "without --accelerate, sklearn init=matched; untimed) and compare the "
                        "log-likelihoods seed by seed (default 5; 0 = skip)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 when a target is missed (time ratio or log-likelihood)")
    a = p.parse_args()

    py = "/usr/bin/python3"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"mix_values_n{a.n}_s{a.data_seed}_f6.tsv"
    if not data.exists():
        print(f"# simulating {a.n} values -> {data}", flush=True)
        make_data(data, a.n, a.data_seed)
    n = a.n
    emtk_tol = a.tol * n
    script = str(Path(__file__).resolve())

    # ---- configurations ------------------------------------------------------------------
    configs = []  # dict(name, tool, threads, cmd, env, json)
    if not a.skip_emtk:
        if not (os.path.isfile(a.emtk) and os.access(a.emtk, os.X_OK)):
            print(f"error: {a.emtk} not found (build emtk, or pass --skip-emtk)", file=sys.stderr)
            return 1
        for accel in (False, True):
            for t in [int(x) for x in a.threads.split(",") if x]:
                prefix = out / f"emtk_t{t}{'_acc' if accel else ''}"
                cmd = [a.emtk, "mix", "-k", str(a.k), "--family", "gaussian", "-c", "1",
                       "--stop-rule", "absolute", "--tol", f"{emtk_tol:.17g}",
                       "--max-iter", str(a.max_iter), "--restarts", "1", "--seed", str(a.seed),
                       "-t", str(t)] + (["--accelerate"] if accel else []) + \
                      ["-o", str(prefix), str(data)]
                configs.append(dict(name="emtk mix" + (" --accelerate" if accel else ""),
                                    tool="emtk", threads=str(t), cmd=cmd, env={},
                                    json=Path(str(prefix) + ".json")))
    sk_runs = [("matched", "default", {}), ("matched", "1", SINGLE_THREAD_ENV)]
    if not a.no_builtin_init:
        sk_runs.append(("k-means++", "default", {}))
    for init, thr, env in sk_runs:
        jpath = out / f"sklearn_{init.replace('+', 'p')}_t{thr}.json"
        cmd = [py, script, "sklearn-worker", "--input", str(data), "--k", str(a.k),
               "--tol", repr(a.tol), "--max-iter", str(a.max_iter), "--seed", str(a.seed),
               "--init", init, "--json", str(jpath)]
        configs.append(dict(name=f"sklearn GaussianMixture init={init}", tool="sklearn",
                            threads=thr, cmd=cmd, env=env, json=jpath, init=init))

    if not a.no_reference:
        jpath = out / "sklearn_reference.json"
        cmd = [py, script, "sklearn-worker", "--input", str(data), "--k", str(a.k),
               "--tol", repr(a.ref_tol), "--max-iter", str(100 * a.max_iter),
               "--seed", str(a.seed), "--init", "matched", "--json", str(jpath)]
        configs.append(dict(name=f"sklearn reference tol={a.ref_tol:g}", tool="reference",
                            threads="default", cmd=cmd, env={}, json=jpath, init="matched"))

    load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # ---- runs (interleaved across repeats so drift hits every configuration alike) -----------
    for c in configs:
        c["walls"], c["peaks"], c["fits"], c["results"], c["error"] = [], [], [], [], None
    for rep in range(a.repeats):
        for c in configs:
            if c["error"] or (c["tool"] == "reference" and rep > 0):
                continue
            print(f"# run {rep + 1}/{a.repeats}: {c['name']} threads={c['threads']}", flush=True)
            if c["json"].exists():
                c["json"].unlink()
            wall, peak, rc, err = timed_run(c["cmd"], c["env"], out / "time.out", REPO)
            if rc != 0 or not c["json"].exists():
                c["error"] = f"exit {rc}: " + " | ".join(err.strip().splitlines()[-3:])
                print(f"#   FAILED: {c['error']}", flush=True)
                continue
            j = json.loads(c["json"].read_text())
            s = emtk_summary(j) if c["tool"] == "emtk" else {
                "timings": j["timings"],
                "log_likelihood": j["log_likelihood"], "iterations": j["iterations"],
                "stop_reason": j["stop_reason"], "fit_s": j["timings"]["fit_s"],
                "read_s": j["timings"]["read_s"], "components": j["components"],
                "threadpools": j.get("threadpools")}
            c["walls"].append(wall)
            c["peaks"].append(peak)
            c["fits"].append(s["fit_s"])
            c["results"].append(s)

    # ---- report -----------------------------------------------------------------------------
    def med(xs):
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    for c in configs:
        c["wall"] = med(c["walls"])
        c["fit"] = med(c["fits"])
        c["peak"] = max([x for x in c["peaks"] if x is not None], default=None)
        c["res"] = c["results"][0] if c["results"] else None
        c["ll"] = c["res"]["log_likelihood"] if c["res"] else None
        lls = {r["log_likelihood"] for r in c["results"]}
        c["ll_varies"] = len(lls) > 1

    L = []
    L.append("emtk mix vs scikit-learn GaussianMixture")
    L.append(f"data: {data} ({n} values, 1 column; simulated from weights {TRUE_WEIGHTS}, "
             f"means {TRUE_MEANS}, sds {TRUE_SDS}, data seed {a.data_seed})")
    try:
        L.append(f"log-likelihood of the data under the generating mixture: {true_model_ll(data):.3f}")
    except Exception as e:  # noqa: BLE001 - informational only
        L.append(f"(true-model log-likelihood not computed: {e})")
    L.append(f"K={a.k}; sklearn tol={a.tol:g} on the mean log-likelihood = emtk --stop-rule "
             f"absolute --tol {emtk_tol:g} on the total; max_iter={a.max_iter}; one start; "
             f"seed {a.seed}")
    L.append(f"load average before the runs: {load0}; after: "
             + " ".join(f"{x:.2f}" for x in os.getloadavg())
             + " (other work on the machine inflates and scatters the times)")
    L.append(f"host: {os.cpu_count()} logical CPUs; times are medians of {a.repeats} runs; "
             "peak MB = max RSS from /usr/bin/time -f %M")
    L.append("wall s = whole command (emtk: read TSV + fit + write outputs; sklearn: python start, "
             "imports, np.loadtxt, fit, score)")
    L.append("fit s  = emtk: timings.fit_s in its JSON (initialisation + EM + row posteriors); "
             "sklearn: perf_counter around gm.fit (initialisation + EM)")
    L.append("")
    hdr = f"{'tool':<40} {'threads':>7} {'wall s':>8} {'fit s':>8} {'peak MB':>8} " \
          f"{'iters':>6} {'stop':>10} {'final log-likelihood':>22} {'minus max LL':>13}"
    L.append(hdr)
    L.append("-" * len(hdr))
    refrun = next((c for c in configs if c["tool"] == "reference" and not c["error"]), None)
    llmax = None
    if refrun:
        llmax = max(c["ll"] for c in configs if c["ll"] is not None)
    for c in configs:
        if c["error"]:
            L.append(f"{c['name']:<40} {c['threads']:>7}  FAILED ({c['error']})")
            continue
        r = c["res"]
        L.append(f"{c['name']:<40} {c['threads']:>7} {fmt(c['wall'], '8.3f')} "
                 f"{fmt(c['fit'], '8.3f'):>8} {fmt(c['peak'], '8.1f'):>8} "
                 f"{fmt(r['iterations'], '6d'):>6} {str(r['stop_reason']):>10} "
                 f"{fmt(c['ll'], '22.4f'):>22} "
                 f"{fmt(c['ll'] - llmax if llmax is not None else None, '13.4f'):>13}"
                 + ("  (varies across repeats!)" if c["ll_varies"] else ""))
    if llmax is not None:
        L.append(f"minus max LL = final log-likelihood minus the best one in the table "
                 f"({llmax:.4f}; the reference run at tol={a.ref_tol:g} estimates the attainable "
                 "maximum; loose stops end below it)")
    for c in configs:
        t = c["res"].get("timings") if c["res"] else None
        if c["tool"] == "emtk" and t:
            rest = t["total_s"] - t["read_s"] - t["fit_s"] if None not in (
                t.get("total_s"), t.get("read_s"), t.get("fit_s")) else None
            L.append(f"{c['name']} t={c['threads']}: read {fmt(t.get('read_s'), '.3f')} s, fit "
                     f"{fmt(t.get('fit_s'), '.3f')} s, total {fmt(t.get('total_s'), '.3f')} s "
                     f"(of which outside read+fit, e.g. writing PREFIX.tsv: {fmt(rest, '.3f')} s) "
                     "(emtk's own timings, first run)")
        if c["tool"] != "emtk" and t:
            L.append(f"{c['name']} t={c['threads']}: python start+imports "
                     f"{t['import_s']:.3f} s, np.loadtxt {t['read_s']:.3f} s, fit "
                     f"{t['fit_s']:.3f} s, score {t['score_s']:.3f} s (first run)")
    L.append("")

    ok = True
    met = []
    ref = next((c for c in configs if c["tool"] == "sklearn" and c.get("init") == "matched"
                and c["threads"] == "default" and not c["error"]), None)
    ref1 = next((c for c in configs if c["tool"] == "sklearn" and c.get("init") == "matched"
                 and c["threads"] == "1" and not c["error"]), None)
    emtk_rows = [c for c in configs if c["tool"] == "emtk" and not c["error"]]
    if ref and emtk_rows:
        L.append("emtk / sklearn (reference: sklearn init=matched, default threads; "
                 "target: time ratio <= 0.05, log-likelihood difference >= "
                 f"-{a.ll_slack:g}*n = -{a.ll_slack * n:g})")
        h2 = f"{'emtk run':<40} {'threads':>7} {'wall ratio':>10} {'fit ratio':>10} " \
             f"{'fit ratio vs sk 1-thr':>22} {'LL emtk - sklearn':>18} {'per value':>11}  verdict"
        L.append(h2)
        L.append("-" * len(h2))
        for c in emtk_rows:
            wr = c["wall"] / ref["wall"] if c["wall"] and ref["wall"] else None
            fr = c["fit"] / ref["fit"] if c["fit"] is not None and ref["fit"] else None
            fr1 = c["fit"] / ref1["fit"] if ref1 and c["fit"] is not None and ref1["fit"] else None
            dll = c["ll"] - ref["ll"] if c["ll"] is not None else None
            verdict = []
            verdict.append("wall " + ("ok" if wr is not None and wr <= 0.05 else "MISS"))
            verdict.append("fit " + ("ok" if fr is not None and fr <= 0.05 else
                                      ("n/a" if fr is None else "MISS")))
            ll_ok = dll is not None and dll >= -a.ll_slack * n
            verdict.append("LL " + ("ok" if ll_ok else "WORSE"))
            if wr is not None and wr <= 0.05 and ll_ok:
                met.append(f"{c['name']} -t {c['threads']}")
            else:
                ok = False
            L.append(f"{c['name']:<40} {c['threads']:>7} {fmt(wr, '10.4f'):>10} "
                     f"{fmt(fr, '10.4f'):>10} {fmt(fr1, '22.4f'):>22} {fmt(dll, '18.4f'):>18} "
                     f"{fmt(dll / n if dll is not None else None, '11.2e'):>11}  "
                     + ", ".join(verdict))
        L.append("")
    elif not emtk_rows:
        L.append("(no emtk runs: ratios not computed)")
        L.append("")

    # ---- log-likelihood over several seeds ----------------------------------------------------
    sweep_cmds = []
    if a.ll_seeds > 0 and emtk_rows and ref:
        seeds = list(range(a.seed, a.seed + a.ll_seeds))
        kinds = [c for c in configs if c["tool"] == "emtk" and c["threads"] == "2"] or \
            [c for c in configs if c["tool"] == "emtk"]
        kinds = [c for c in kinds if not c["error"]]
        kinds = list({c["name"]: c for c in kinds}.values()) + [ref]
        table = {}  # (name, seed) -> (ll, iterations)
        for c in kinds:
            for sd in seeds:
                if sd == a.seed and c["res"]:
                    table[c["name"], sd] = (c["ll"], c["res"]["iterations"])
                    continue
                cmd = list(c["cmd"])
                cmd[cmd.index("--seed") + 1] = str(sd)
                jpath = out / f"seed{sd}_{c['json'].name}"
                if c["tool"] == "emtk":
                    i = cmd.index("-o")
                    cmd[i + 1] = str(jpath)[:-len(".json")]
                else:
                    cmd[cmd.index("--json") + 1] = str(jpath)
                print(f"# seed {sd}: {c['name']}", flush=True)
                sweep_cmds.append((c["env"], cmd))
                if jpath.exists():
                    jpath.unlink()
                _, _, rc, err = timed_run(cmd, c["env"], out / "time.out", REPO)
                if rc != 0 or not jpath.exists():
                    table[c["name"], sd] = (None, None)
                    continue
                j = json.loads(jpath.read_text())
                r = emtk_summary(j) if c["tool"] == "emtk" else j
                table[c["name"], sd] = (r["log_likelihood"], r["iterations"])
        L.append(f"log-likelihood by seed (one start each, same stop rule; threads as in the "
                 f"names; 'no worse' = emtk - sklearn >= -{a.ll_slack * n:g}):")
        def short(c):
            return (c["name"].replace("sklearn GaussianMixture init=", "sklearn init=")
                    + f" -t {c['threads']}")
        h3 = f"{'seed':>5} " + " ".join(f"{short(c)[:32]:>32}" for c in kinds) + "  iterations (same order)"
        L.append(h3)
        L.append("-" * len(h3))
        for sd in seeds:
            L.append(f"{sd:>5} " + " ".join(f"{fmt(table[c['name'], sd][0], '32.2f'):>32}"
                                            for c in kinds)
                     + "  " + "/".join(fmt(table[c["name"], sd][1], "d") for c in kinds))
        for c in kinds[:-1]:
            diffs = [table[c["name"], sd][0] - table[ref["name"], sd][0] for sd in seeds
                     if table[c["name"], sd][0] is not None and table[ref["name"], sd][0] is not None]
            best_e = max((table[c["name"], sd][0] for sd in seeds
                          if table[c["name"], sd][0] is not None), default=None)
            best_s = max((table[ref["name"], sd][0] for sd in seeds
                          if table[ref["name"], sd][0] is not None), default=None)
            if diffs:
                nok = sum(d >= -a.ll_slack * n for d in diffs)
                L.append(f"{c['name']} - sklearn: median {statistics.median(diffs):.2f}, "
                         f"min {min(diffs):.2f}, max {max(diffs):.2f}; no worse on {nok}/"
                         f"{len(diffs)} seeds; best over seeds: emtk {best_e:.2f} vs sklearn "
                         f"{best_s:.2f} (diff {best_e - best_s:.2f})")
        L.append("")

    # Fitted components, one line per run, sorted by mean.
    L.append("fitted components (weight / mean / variance, sorted by mean):")
    for c in configs:
        if c["error"] or not c["res"] or not c["res"].get("components"):
            continue
        parts = []
        comps = c["res"]["components"]
        try:
            def mean_of(x):
                m = x.get("mean")
                return m[0] if isinstance(m, list) else m

            def var_of(x):
                v = first_key(x, "variance", "covariance", "var")
                while isinstance(v, list):
                    v = v[0]
                return v
            for x in sorted(comps, key=mean_of):
                parts.append(f"{x['weight']:.4f}/{mean_of(x):.4f}/{var_of(x):.4f}")
        except Exception:  # noqa: BLE001 - emtk's layout may differ; print raw
            parts = [json.dumps(comps)]
        L.append(f"  {c['name'] + ' t=' + c['threads']:<50} " + "  ".join(parts))
    L.append(f"  {'generating mixture':<50} " + "  ".join(
        f"{w:.4f}/{m:.4f}/{s * s:.4f}" for w, m, s in zip(TRUE_WEIGHTS, TRUE_MEANS, TRUE_SDS)))
    tp = next((c["res"].get("threadpools") for c in configs
               if c["tool"] == "sklearn" and c["res"] and c["threads"] == "default"), None)
    tp1 = next((c["res"].get("threadpools") for c in configs
                if c["tool"] == "sklearn" and c["res"] and c["threads"] == "1"), None)
    L.append("")
    L.append(f"sklearn thread pools (threadpoolctl), default env: {json.dumps(tp)}")
    L.append(f"sklearn thread pools (threadpoolctl), pinned env:  {json.dumps(tp1)}")
    L.append("")
    L.append("commands (run from " + str(REPO) + "):")
    for c in configs:
        env = " ".join(f"{k}={v}" for k, v in c["env"].items())
        L.append("  " + (env + " " if env else "") + "/usr/bin/time -f %M " + shlex.join(c["cmd"]))
    if sweep_cmds:
        L.append("  seed sweep: the same commands with --seed, -o/--json changed:")
        for env, cmd in sweep_cmds:
            e = " ".join(f"{k}={v}" for k, v in env.items())
            L.append("    " + (e + " " if e else "") + shlex.join(cmd))
    L.append("")
    if not emtk_rows:
        L.append("targets: not evaluated (no emtk runs)")
    else:
        L.append("targets (wall ratio <= 0.05 and LL no worse) met by: "
                 + ("; ".join(met) if met else "no emtk run")
                 + ("" if ok else " (see the verdicts above)"))

    text = "\n".join(L) + "\n"
    print()
    print(text, end="")
    (out / "mix_vs_sklearn.txt").write_text(text)
    print(f"# written: {out / 'mix_vs_sklearn.txt'}")
    failed = any(c["error"] for c in configs)
    if failed:
        return 1
    if a.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
