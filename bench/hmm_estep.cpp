// Benchmark of the Baum-Welch E-step for profile HMMs (issue 3): the scaled probability-space
// kernel (scaled_dp.hpp) and the float SIMD kernel at every level the CPU has (estep_simd.hpp, issue
// 17) against the log-space reference (counts.hpp), on 1 and 2 threads, and the
// workspace memory for a 35,000-residue sequence with M = 500. See bench/README.md.
//
// The timed E-steps run through em::e_step (the scheduler of `emtk hmm train`: chunks of 16
// sequences, dynamic OpenMP schedule, chunk statistics merged in chunk order) over a training-sized
// set (default 5,000 sequences, about 1 s per E-step on one thread for the AVX2 float kernel).
//
// Usage: emtk_bench_estep [--repeats N] [--seqs N] [--kernel NAME] [--quick]
//   --kernel NAME   time only the kernels whose name contains NAME (e.g. avx2); the accuracy rows
//                   on the 20-sequence subset are printed for every kernel
#include <emtk/em/e_step.hpp>
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/estep_simd.hpp>
#include <emtk/hmm/scaled_dp.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace emtk::hmm;
using seqs = std::vector<std::vector<std::uint8_t>>;

namespace {

/// Process CPU seconds of the last seconds() call (all threads): with other load on the machine,
/// wall time overstates the work, CPU time does not.
double last_cpu = 0;

/// Wall-clock seconds of f().
double seconds(std::function<void()> const & f)
{
    std::clock_t const c0 = std::clock();
    auto const t0 = std::chrono::steady_clock::now();
    f();
    last_cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// One sequence's E-step with a given kernel: adds its counts, returns log P.
using kernel_fn = std::function<double(std::vector<std::uint8_t> const &, hmm_counts &, estep_workspace &)>;

/// The E-step of a kernel over a set as an em::model, so that em::e_step schedules it exactly as
/// `emtk hmm train` does (hmm_training_model::expect: one thread_local workspace per thread).
struct bench_model
{
    struct params_type
    {
    };
    using stats_type = hmm_counts;
    seqs const * xs = nullptr;
    int M = 0, K = 0;
    kernel_fn run;
    std::size_t item_count() const { return xs->size(); }
    stats_type make_stats(params_type const &) const { return hmm_counts{M, K}; }
    double expect(std::size_t i, params_type const &, stats_type & s) const
    {
        thread_local estep_workspace ws;
        return run((*xs)[i], s, ws);
    }
    void maximize(stats_type const &, params_type &) const {}
    double log_prior(params_type const &) const { return 0; }
    void initialize(emtk::rng &, params_type &) const {}
};

/// One E-step over all sequences through em::e_step with `threads` threads and chunks of `chunk`.
double e_step(seqs const & xs, int M, int K, int threads, std::size_t chunk, hmm_counts & total, kernel_fn run)
{
    bench_model const m{&xs, M, K, std::move(run)};
    emtk::em::options opt;
    opt.threads = threads;
    opt.chunk_size = chunk;
    return emtk::em::e_step(m, bench_model::params_type{}, total, opt);
}

/// The median of v (v not empty).
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    std::size_t const n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Speed-up of a compute-only loop (no memory traffic) on 2 threads over 1, best of `repeats`:
/// what the machine offers right now (about 2 on two free cores; less when other jobs run).
double machine_speedup(int repeats)
{
    std::array<double, 2> best{1e300, 1e300};
    volatile double sink = 0;
    for (int k = 0; k < repeats; ++k)
        for (int threads : {1, 2})
        {
            double const t = seconds([&] {
                double total = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : total)
                for (int i = 0; i < 32; ++i)
                {
                    double x = 0;
                    for (int j = 0; j < 1000000; ++j)
                        x += 1e-9 * static_cast<double>(j ^ i);
                    total += x;
                }
                sink = sink + total;
            });
            auto const at = static_cast<std::size_t>(threads - 1);
            best[at] = std::min(best[at], t);
        }
    return best[0] / best[1];
}

double max_rel(hmm_counts const & a, hmm_counts const & b)
{
    double w = 0;
    auto upd = [&](double x, double y) { w = std::max(w, std::fabs(x - y) / (std::fabs(y) + 1e-12)); };
    for (std::size_t k = 0; k < a.t.size(); ++k)
        for (std::size_t j = 0; j < a.t[k].size(); ++j)
            upd(a.t[k][j], b.t[k][j]);
    for (std::size_t j = 0; j < a.mat.size(); ++j)
        upd(a.mat[j], b.mat[j]), upd(a.ins[j], b.ins[j]);
    for (std::size_t j = 0; j < a.special.size(); ++j)
        upd(a.special[j], b.special[j]);
    for (std::size_t k = 0; k < a.enter.size(); ++k)
        upd(a.enter[k], b.enter[k]), upd(a.exit_m[k], b.exit_m[k]), upd(a.exit_d[k], b.exit_d[k]);
    return w;
}

} // namespace

int main(int argc, char ** argv)
{
    int repeats = 5;
    bool quick = false;
    std::size_t n_seqs = 0;
    std::string only;
    for (int a = 1; a < argc; ++a)
    {
        if (std::strcmp(argv[a], "--repeats") == 0 && a + 1 < argc)
            repeats = std::max(1, std::atoi(argv[++a]));
        else if (std::strcmp(argv[a], "--seqs") == 0 && a + 1 < argc)
            n_seqs = static_cast<std::size_t>(std::max(20, std::atoi(argv[++a])));
        else if (std::strcmp(argv[a], "--kernel") == 0 && a + 1 < argc)
            only = argv[++a];
        else if (std::strcmp(argv[a], "--quick") == 0)
            quick = true;
        else
        {
            std::fprintf(stderr, "usage: %s [--repeats N] [--seqs N] [--kernel NAME] [--quick]\n", argv[0]);
            return 2;
        }
    }
    residue_sets const sets = residue_sets_of(emtk::seq::alphabet::get(emtk::seq::alphabet_type::amino));
    int const M = 200, K = 20;
    if (n_seqs == 0)
        n_seqs = quick ? 200 : 5000;
    std::size_t const n_ref = quick ? 5 : 20, chunk = 16; // chunk: train_options::chunk_size
    emtk::rng r{20240917};
    profile_hmm const hmm = random_profile_hmm(r, M, K);
    seqs xs;
    std::size_t residues = 0;
    for (std::size_t i = 0; i < n_seqs; ++i)
    {
        emtk::rng ri{20240917, i + 1};
        xs.push_back(emit_sequence(hmm, ri));
        residues += xs.back().size();
    }
    seqs const sub(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(n_ref));
    std::size_t sub_residues = 0;
    for (auto const & x : sub)
        sub_residues += x.size();
    std::printf("# emtk hmm E-step benchmark: random amino model M = %d, %zu emitted sequences "
                "(%zu residues, mean length %.0f); em::e_step with chunks of %zu (as emtk hmm train); "
                "%d runs per row, 1 and 2 threads alternating\n",
                M, n_seqs, residues, static_cast<double>(residues) / static_cast<double>(n_seqs), chunk, repeats);
    std::printf("# cells = residues x M; one cell = forward + backward + expected counts; Mcells/s per thread from "
                "wall time (best and median run); speed-up = 1-thread wall / 2-thread wall (best; median)\n");
    std::printf("# machine check: a compute-only loop runs %.2fx faster on 2 threads than on 1 (about 2 when two "
                "cores are free)\n", machine_speedup(repeats));
    std::printf("%-22s %-13s %7s %9s %9s %10s %10s %15s %12s %12s\n", "configuration", "kernel", "threads", "wall s",
                "cpu s", "Mc/s/thr", "(median)", "speed-up", "max|dLL|rel", "counts rel");
    struct target
    {
        std::string name;
        double one = 0, two = 0, speedup = 0, speedup_median = 0;
    };
    std::vector<target> targets;
    for (int cfg = 0; cfg < 2; ++cfg)
    {
        profile_options po;
        po.local = cfg == 1;
        po.multihit = cfg == 1;
        char const * name = cfg == 0 ? "glocal unihit (train)" : "local multihit";
        profile const p = make_profile(hmm, sets, po);
        prob_profile const pp = make_prob_profile(p);
        kernel_fn const scaled = [&](std::vector<std::uint8_t> const & x, hmm_counts & c, estep_workspace & ws) {
            return scaled_expected_counts(pp, x, c, 1.0, ws);
        };
        kernel_fn const reference = [&](std::vector<std::uint8_t> const & x, hmm_counts & c, estep_workspace &) {
            thread_local dp_matrix f, b;
            return expected_counts(p, x, c, 1.0, f, b);
        };
        // Accuracy on the subset.
        hmm_counts cref, csub;
        double const lref = e_step(sub, M, K, 1, chunk, cref, reference);
        double tref = 1e300, cref_cpu = 0;
        for (int k = 0; k < std::max(1, repeats / 3); ++k)
        {
            double const t = seconds([&] { e_step(sub, M, K, 1, chunk, cref, reference); });
            if (t < tref)
                tref = t, cref_cpu = last_cpu;
        }
        double const lsub = e_step(sub, M, K, 1, chunk, csub, scaled);
        double const cells_ref = static_cast<double>(sub_residues) * M;
        std::printf("%-22s %-13s %7d %9.3f %9.3f %10.2f %10s %15s %12s %12s\n", name, "log", 1, tref, cref_cpu,
                    cells_ref / tref / 1e6, "", "", "(ref)", "(ref)");
        std::printf("%-22s %-13s %7s %9s %9s %10s %10s %15s %12.2e %12.2e\n", name, "scaled", "subset", "", "", "", "",
                    "", std::fabs(lsub - lref) / std::fabs(lref), max_rel(csub, cref));
        // 1- and 2-thread runs alternating, `repeats` each: on a shared machine both get the same
        // chances of a quiet moment. "scaled" is the double kernel; "float/LEVEL" the SIMD float
        // kernel (estep_simd.hpp) at each level this CPU has (the training E-step runs the best
        // one, with the double kernel as its fallback).
        struct kernel_row
        {
            std::string name;
            kernel_fn run;
            bool two_threads;
        };
        std::vector<kernel_row> kernels{{"scaled", scaled, true}};
        for (simd_level l : {simd_level::scalar, simd_level::sse41, simd_level::avx2})
        {
            if (l > simd_supported())
                continue;
            kernels.push_back({std::string("float/") + simd_name(l),
                               [&pp, l](std::vector<std::uint8_t> const & x, hmm_counts & c, estep_workspace & ws) {
                                   auto const ll = fast_expected_counts_checked(pp, x, c, 1.0, ws, scaled_check_tol, l);
                                   return ll ? *ll : 0.0;
                               },
                               l == simd_supported()});
        }
        for (auto const & kr : kernels)
        {
            if (kr.name != "scaled")
            {
                hmm_counts cf;
                double const lf = e_step(sub, M, K, 1, chunk, cf, kr.run);
                std::printf("%-22s %-13s %7s %9s %9s %10s %10s %15s %12.2e %12.2e\n", name, kr.name.c_str(), "subset",
                            "", "", "", "", "", std::fabs(lf - lref) / std::fabs(lref), max_rel(cf, cref));
            }
            if (!only.empty() && kr.name.find(only) == std::string::npos)
                continue;
            std::array<std::vector<double>, 2> wall, cpu;
            std::array<double, 2> ll{};
            int const max_threads = kr.two_threads ? 2 : 1;
            for (int k = 0; k < repeats; ++k)
                for (int threads = 1; threads <= max_threads; ++threads)
                {
                    hmm_counts c;
                    double l = 0;
                    double const t = seconds([&] { l = e_step(xs, M, K, threads, chunk, c, kr.run); });
                    auto const at = static_cast<std::size_t>(threads - 1);
                    wall[at].push_back(t);
                    cpu[at].push_back(last_cpu);
                    ll[at] = l;
                }
            double const cells = static_cast<double>(residues) * M;
            for (int threads = 1; threads <= max_threads; ++threads)
            {
                auto const at = static_cast<std::size_t>(threads - 1);
                double const best = *std::min_element(wall[at].begin(), wall[at].end());
                double const med = median(wall[at]);
                double const best_cpu = *std::min_element(cpu[at].begin(), cpu[at].end());
                char speed[48] = "";
                if (threads == 2)
                {
                    double const s_best = *std::min_element(wall[0].begin(), wall[0].end()) / best;
                    double const s_med = median(wall[0]) / med;
                    std::snprintf(speed, sizeof speed, "%.2fx (%.2fx)", s_best, s_med);
                    if (kr.two_threads && kr.name != "scaled")
                        targets.push_back({std::string(name) + " " + kr.name,
                                           cells / *std::min_element(wall[0].begin(), wall[0].end()) / 1e6,
                                           cells / best / 1e6 / 2, s_best, s_med});
                }
                std::printf("%-22s %-13s %7d %9.3f %9.3f %10.2f %10.2f %15s %12s %12s   (log L = %.6f; %.2f Mcells "
                            "per cpu s)\n",
                            name, kr.name.c_str(), threads, best, best_cpu, cells / best / 1e6 / threads,
                            cells / med / 1e6 / threads, speed, "", "", ll[at], cells / best_cpu / 1e6);
            }
        }
    }
    // Float kernel fallbacks (estep_simd.hpp, "Tilt"): the emitted set, and the same sequences
    // with a quarter of the model deleted from their middle (every path deletes ≥ M/4 nodes), with
    // the tilted table and without it (the plain table alone, as before the tilt).
    {
        profile_options po;
        po.local = false;
        po.multihit = false;
        prob_profile const pp = make_prob_profile(make_profile(hmm, sets, po));
        prob_profile plain = pp;
        plain.tilt.clear();
        plain.ftab_tilt.clear();
        seqs cut = xs;
        for (auto & x : cut)
        {
            std::size_t const from = x.size() / 3, n = std::min<std::size_t>(M / 4, x.size() - from - 1);
            x.erase(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(from + n));
        }
        auto fallbacks = [&](prob_profile const & q, seqs const & set) {
            estep_workspace ws;
            std::size_t n = 0;
            for (auto const & x : set)
            {
                hmm_counts c{M, K};
                estep_kernel used = estep_kernel::none;
                (void)fast_expected_counts_checked(q, x, c, 1.0, ws, scaled_check_tol, simd_active(), &used);
                n += used != estep_kernel::float_simd;
            }
            return n;
        };
        std::printf("# float kernel -> double fallbacks (glocal unihit, %zu sequences): emitted %zu (plain table "
                    "only: %zu); a quarter of the model deleted %zu (plain table only: %zu)\n",
                    xs.size(), fallbacks(pp, xs), fallbacks(plain, xs), fallbacks(pp, cut), fallbacks(plain, cut));
    }

    // Memory for a long sequence: L = 35,000, M = 500 (issue 3).
    {
        int const Mb = 500;
        std::size_t const Lb = quick ? 5000 : 35000;
        emtk::rng rb{7};
        profile_hmm const big = random_profile_hmm(rb, Mb, K);
        profile_options po;
        po.local = false;
        po.multihit = false;
        prob_profile const pp = make_prob_profile(make_profile(big, sets, po));
        std::vector<std::uint8_t> x;
        while (x.size() < Lb) // emitted domains, the training situation
        {
            auto const y = emit_sequence(big, rb);
            x.insert(x.end(), y.begin(), y.end());
        }
        x.resize(Lb);
        estep_workspace ws;
        hmm_counts c{Mb, K};
        double ll = 0;
        double const t = seconds([&] { ll = scaled_expected_counts(pp, x, c, 1.0, ws); });
        double const full = 3.0 * 8 * (Mb + 1) * static_cast<double>(Lb + 1);
        std::printf("# long sequence: M = %d, L = %zu, glocal unihit: log L = %.3f, %.2f s wall, %.2f s cpu "
                    "(%.2f Mcells/s, checkpointed)\n", Mb, Lb, ll, t, last_cpu, static_cast<double>(Lb) * Mb / t / 1e6);
        std::printf("# workspace peak %zu bytes (%.2f MB; documented bound %zu bytes); one full matrix of 3 "
                    "doubles per cell: %.0f MB, the log-space reference's two matrices: %.0f MB\n",
                    ws.bytes(), static_cast<double>(ws.bytes()) / 1e6, estep_workspace::bound(Mb, sets.Kp(), Lb, 0),
                    full / 1e6, 2 * full / 1e6);
    }
    // The issue-17 targets: >= 200 Mcells/s per thread (forward + backward + counts, float) and
    // >= 1.8x on 2 threads, for the kernel `emtk hmm train` runs (the best SIMD level).
    for (auto const & t : targets)
        std::printf("# TARGET %s: 1 thread %.1f Mcells/s (>= 200: %s); 2 threads %.1f Mcells/s per thread, "
                    "speed-up %.2fx best, %.2fx median (>= 1.8: %s)\n",
                    t.name.c_str(), t.one, t.one >= 200 ? "yes" : "NO", t.two, t.speedup, t.speedup_median,
                    t.speedup >= 1.8 ? "yes" : "NO");
    return 0;
}
