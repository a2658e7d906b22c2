// Benchmark of the Baum-Welch E-step for profile HMMs (issue 3): the scaled probability-space
// kernel (scaled_dp.hpp) and the float SIMD kernel at every level the CPU has (estep_simd.hpp, issue
// 17) against the log-space reference (counts.hpp), on 1 and 2 threads, and the
// workspace memory for a 35,000-residue sequence with M = 500. See bench/README.md.
//
// Usage: emtk_bench_estep [--repeats N] [--quick]
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

/// One E-step over all sequences as em::fit does it: fixed chunks of `chunk` sequences, each summed
/// sequentially by one thread, merged in chunk order. `expect` runs one sequence.
template <class Ws, class Expect>
double e_step(seqs const & xs, int M, int K, int threads, std::size_t chunk, hmm_counts & total, Expect expect)
{
    std::size_t const n_chunks = (xs.size() + chunk - 1) / chunk;
    std::vector<hmm_counts> part(n_chunks, hmm_counts{M, K});
    std::vector<double> ll(n_chunks, 0.0);
#pragma omp parallel num_threads(threads)
    {
        Ws ws; // one workspace per thread
#pragma omp for schedule(dynamic, 1)
        for (std::size_t c = 0; c < n_chunks; ++c)
            for (std::size_t i = c * chunk; i < std::min(xs.size(), (c + 1) * chunk); ++i)
                ll[c] += expect(xs[i], part[c], ws);
    }
    total = hmm_counts{M, K};
    double sum = 0;
    for (std::size_t c = 0; c < n_chunks; ++c)
    {
        total += part[c];
        sum += ll[c];
    }
    return sum;
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

struct ref_ws
{
    dp_matrix f, b;
};

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
    int repeats = 3;
    bool quick = false;
    for (int a = 1; a < argc; ++a)
    {
        if (std::strcmp(argv[a], "--repeats") == 0 && a + 1 < argc)
            repeats = std::max(1, std::atoi(argv[++a]));
        else if (std::strcmp(argv[a], "--quick") == 0)
            quick = true;
        else
        {
            std::fprintf(stderr, "usage: %s [--repeats N] [--quick]\n", argv[0]);
            return 2;
        }
    }
    residue_sets const sets = residue_sets_of(emtk::seq::alphabet::get(emtk::seq::alphabet_type::amino));
    int const M = 200, K = 20;
    std::size_t const n_seqs = quick ? 100 : 400, n_ref = quick ? 5 : 20, chunk = 16;
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
                "(%zu residues, mean length %.0f), chunks of %zu, best of %d runs\n",
                M, n_seqs, residues, static_cast<double>(residues) / static_cast<double>(n_seqs), chunk, repeats);
    std::printf("# cells = residues x M; one cell = forward + backward + expected counts\n");
    std::printf("# machine check: a compute-only loop runs %.2fx faster on 2 threads than on 1 (about 2 when two "
                "cores are free)\n", machine_speedup(repeats));
    std::printf("%-22s %-13s %7s %9s %9s %14s %9s %12s %12s\n", "configuration", "kernel", "threads", "wall s", "cpu s",
                "Mcells/s/thr", "speed-up", "max|dLL|rel", "counts rel");
    for (int cfg = 0; cfg < 2; ++cfg)
    {
        profile_options po;
        po.local = cfg == 1;
        po.multihit = cfg == 1;
        char const * name = cfg == 0 ? "glocal unihit (train)" : "local multihit";
        profile const p = make_profile(hmm, sets, po);
        prob_profile const pp = make_prob_profile(p);
        auto scaled = [&](std::vector<std::uint8_t> const & x, hmm_counts & c, estep_workspace & ws) {
            return scaled_expected_counts(pp, x, c, 1.0, ws);
        };
        auto reference = [&](std::vector<std::uint8_t> const & x, hmm_counts & c, ref_ws & ws) {
            return expected_counts(p, x, c, 1.0, ws.f, ws.b);
        };
        // Accuracy on the subset.
        hmm_counts cref, csub;
        double const lref = e_step<ref_ws>(sub, M, K, 1, chunk, cref, reference);
        double tref = 1e300, cref_cpu = 0;
        for (int k = 0; k < std::max(1, repeats / 3); ++k)
        {
            double const t = seconds([&] { e_step<ref_ws>(sub, M, K, 1, chunk, cref, reference); });
            if (t < tref)
                tref = t, cref_cpu = last_cpu;
        }
        double const lsub = e_step<estep_workspace>(sub, M, K, 1, chunk, csub, scaled);
        double const cells_ref = static_cast<double>(sub_residues) * M;
        std::printf("%-22s %-13s %7d %9.3f %9.3f %14.2f %9s %12s %12s\n", name, "log", 1, tref, cref_cpu,
                    cells_ref / tref / 1e6, "", "(ref)", "(ref)");
        std::printf("%-22s %-13s %7s %9s %9s %14s %9s %12.2e %12.2e\n", name, "scaled", "subset", "", "", "", "",
                    std::fabs(lsub - lref) / std::fabs(lref), max_rel(csub, cref));
        // 1- and 2-thread runs interleaved, best of `repeats` each: on a shared machine both get
        // the same chances of a quiet moment. "scaled" is the double kernel; "float/LEVEL" the
        // SIMD float kernel (estep_simd.hpp) at each level this CPU has (the training E-step runs
        // the best one, with the double kernel as its fallback).
        struct kernel_row
        {
            std::string name;
            std::function<double(std::vector<std::uint8_t> const &, hmm_counts &, estep_workspace &)> run;
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
                double const lf = e_step<estep_workspace>(sub, M, K, 1, chunk, cf, kr.run);
                std::printf("%-22s %-13s %7s %9s %9s %14s %9s %12.2e %12.2e\n", name, kr.name.c_str(), "subset", "",
                            "", "", "", std::fabs(lf - lref) / std::fabs(lref), max_rel(cf, cref));
            }
            std::array<double, 2> best{1e300, 1e300}, cpu{}, ll{};
            int const max_threads = kr.two_threads ? 2 : 1;
            for (int k = 0; k < repeats; ++k)
                for (int threads = 1; threads <= max_threads; ++threads)
                {
                    hmm_counts c;
                    double l = 0;
                    double const t = seconds([&] { l = e_step<estep_workspace>(xs, M, K, threads, chunk, c, kr.run); });
                    auto const at = static_cast<std::size_t>(threads - 1);
                    if (t < best[at])
                        best[at] = t, cpu[at] = last_cpu;
                    ll[at] = l;
                }
            double const cells = static_cast<double>(residues) * M;
            for (int threads = 1; threads <= max_threads; ++threads)
            {
                auto const at = static_cast<std::size_t>(threads - 1);
                char speed[32] = "";
                if (threads == 2)
                    std::snprintf(speed, sizeof speed, "%.2fx", best[0] / best[1]);
                std::printf("%-22s %-13s %7d %9.3f %9.3f %14.2f %9s %12s %12s   (log L = %.6f; %.2f Mcells per cpu s)\n",
                            name, kr.name.c_str(), threads, best[at], cpu[at], cells / best[at] / 1e6 / threads, speed,
                            "", "", ll[at], cells / cpu[at] / 1e6);
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
    return 0;
}
