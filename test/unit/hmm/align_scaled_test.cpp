// The odds-space posterior decoding of alignment (src/hmm/align_scaled.hpp) against the log-space
// forward/backward/decode_posterior: the same posteriors to 1e-12 + 2e-13·L absolute and the same
// log-likelihood to 1e-9 relative, on glocal alignment profiles (I0, I_M) and on the training
// realignment's local-exit profile, long sequences included (rescaling); a profile that cannot
// emit the sequence is refused (align_one then falls back to log space).
#include "hmm/align_scaled.hpp"
#include "test_residues.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace emtk::hmm;

namespace {

double max_diff(std::vector<double> const & a, std::vector<double> const & b)
{
    REQUIRE(a.size() == b.size());
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::abs(a[i] - b[i]));
    return d;
}

void check_same(profile const & p, digital_sequence x)
{
    dp_matrix f, b;
    double const ll = forward(p, x, f);
    REQUIRE(std::isfinite(ll));
    backward(p, x, b);
    posterior const ref = decode_posterior(p, x, f, b, ll);
    detail::scaled_profile const sp{p};
    detail::scaled_workspace w;
    posterior pp;
    double sll = 0;
    REQUIRE(detail::scaled_posterior(sp, p, x, pp, sll, w));
    CHECK(std::abs(sll - ll) <= 1e-9 * std::max(1.0, std::abs(ll)));
    // Log space rounds each log_add to an ulp of |log value| (~4000 nats after 3000 residues), so
    // the two differ by ~1e-13 per residue in the posteriors' exponent (test: ~3e-10 at L = 3000).
    double const tol = 1e-12 + 2e-13 * static_cast<double>(x.size());
    REQUIRE(pp.L == ref.L);
    REQUIRE(pp.M == ref.M);
    CHECK(max_diff(pp.m, ref.m) < tol);
    CHECK(max_diff(pp.ins, ref.ins) < tol);
    CHECK(max_diff(pp.n, ref.n) < tol);
    CHECK(max_diff(pp.c, ref.c) < tol);
    CHECK(max_diff(pp.j, ref.j) < tol);
}

} // namespace

TEST_CASE("align_scaled: posteriors equal decode_posterior's", "[hmm][align]")
{
    emtk::rng r{31};
    for (int K : {4, 20})
        for (int M : {1, 9, 60})
        {
            profile_hmm const h = random_profile_hmm(r, M, K);
            profile glocal = make_profile(h, canonical_residue_sets(K), alignment_profile_options());
            profile local_exit = glocal; // train_realign.cpp's local_exit_traces profile
            for (std::size_t k = 1; k < local_exit.exit_m.size(); ++k)
                local_exit.exit_m[k] = local_exit.exit_d[k] = 0.0;
            for (int s = 0; s < 6; ++s)
            {
                emtk::rng rs{static_cast<std::uint64_t>(100 * K + M), static_cast<std::uint64_t>(s)};
                std::vector<std::uint8_t> x = emit_sequence(h, rs);
                if (s % 2) // random flanks, and on s = 5 a long random tail (many rescaled rows)
                {
                    auto const tail = test::random_sequence(rs, s == 5 ? 3000u : 7u, static_cast<int>(K));
                    x.insert(x.begin(), tail.begin(), tail.begin() + 3);
                    x.insert(x.end(), tail.begin(), tail.end());
                }
                if (x.empty())
                    continue;
                INFO("K " << K << ", M " << M << ", sequence " << s << ", L " << x.size());
                check_same(glocal, x);
                check_same(local_exit, x);
            }
        }
}

TEST_CASE("align_scaled: a null emission of probability 0 is refused and align falls back to log space", "[hmm][align]")
{
    emtk::rng r{32};
    profile_hmm const h = random_profile_hmm(r, 5, 4);
    profile p = make_profile(h, canonical_residue_sets(4), alignment_profile_options());
    p.xsc[0] = emtk::em::log_zero; // odds against the null undefined for code 0
    std::vector<std::uint8_t> const x{1, 0, 2, 3, 1};
    detail::scaled_profile const sp{p};
    CHECK_FALSE(sp.usable);
    detail::scaled_workspace w;
    posterior pp;
    double ll = 0;
    CHECK_FALSE(detail::scaled_posterior(sp, p, x, pp, ll, w));
    dp_matrix f;
    double const ref = forward(p, x, f);
    alignment_trace const t = align_sequence(p, x); // the log-space path
    CHECK(t.loglik == ref);
}
