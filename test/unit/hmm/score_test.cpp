// HMMER-compatible scoring (score.hpp): null model, the three kernels against independent
// computations (log-space forward/Viterbi, a brute-force MSV), filter bounds, P-values, and
// Forward bit scores against hmmsearch's on HMMER's globin tutorial data when installed.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/hmm/viterbi.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;

namespace {

constexpr double ln2 = std::numbers::ln2;
std::string const tutorial = "/usr/share/doc/hmmer/examples/tutorial/";

std::vector<std::uint8_t> random_codes(emtk::rng & r, std::size_t L, int Kp)
{
    std::vector<std::uint8_t> x(L);
    for (auto & c : x)
        c = static_cast<std::uint8_t>(r.below(static_cast<std::uint64_t>(Kp)));
    return x;
}

/// Σ log f(x_i) + null1: the null model's full log-probability of x.
double null_logp(hmmer_scorer const & s, digital_sequence x)
{
    double v = null1_score(x.size(), x.size());
    for (auto c : x)
        v += s.configured().xsc[c];
    return v;
}

/// Brute-force MSV (generic_msv.c's model): every labelling of the residues with N, J, C or a
/// match state, parsed greedily (consecutive M_k, M_{k+1} continue a hit: that beats a new hit,
/// whose E → J → B → M costs are all < 0).
double brute_msv_nats(hmmer_scorer const & s, digital_sequence x)
{
    profile const & p = s.configured();
    int const M = p.M;
    std::size_t const L = x.size();
    double const Ld = static_cast<double>(L), Md = M;
    double const loop = std::log(Ld / (Ld + 3)), move = std::log(3 / (Ld + 3)), tbm = std::log(2 / (Md * (Md + 1)));
    int const nlab = M + 3; // 0 = N, 1 = J, 2 = C, 3 + (k−1) = M_k
    std::vector<int> lab(L, 0);
    double best = emtk::em::log_zero;
    for (;;)
    {
        // Validate and score: N* (hit (J* hit)*) C*.
        double sc = 0;
        int phase = 0; // 0 before first hit, 1 in a hit, 2 in J, 3 in C
        int prevk = -1;
        bool ok = true, any = false;
        for (std::size_t i = 0; i < L && ok; ++i)
        {
            int const l = lab[i];
            if (l >= 3)
            {
                int const k = l - 2;
                double const e = p.match_score(k, x[i]) - p.xsc[x[i]];
                if (phase == 1 && k == prevk + 1)
                    sc += e; // M → M = 1
                else
                {
                    if (phase == 0)
                        sc += move; // N → B
                    else if (phase == 1)
                        sc += -ln2 + move; // E → J (no J residue), J → B
                    else if (phase == 2)
                        sc += move; // J → B
                    else
                        ok = false;
                    sc += tbm + e;
                }
                phase = 1;
                prevk = k;
                any = true;
            }
            else if (l == 0)
            {
                ok = phase == 0;
                sc += loop;
            }
            else if (l == 1)
            {
                if (phase == 1)
                    sc += -ln2; // E → J
                else if (phase != 2)
                    ok = false;
                phase = 2;
                sc += loop;
            }
            else
            {
                if (phase == 1)
                    sc += -ln2; // E → C
                else if (phase != 3)
                    ok = false;
                phase = 3;
                sc += loop;
            }
        }
        ok = ok && any && phase != 2;
        if (ok)
        {
            if (phase == 1)
                sc += -ln2; // E → C with no C residue
            best = std::max(best, sc + move); // C → T
        }
        std::size_t i = 0;
        while (i < L && ++lab[i] == nlab)
            lab[i++] = 0;
        if (i == L)
            break;
    }
    return best;
}

profile_hmm random_amino_model(emtk::rng & r, int M)
{
    profile_hmm h = random_profile_hmm(r, M, 20);
    return h;
}

} // namespace

TEST_CASE("score: null1 is HMMER's geometric length model", "[hmm][score]")
{
    // p7_bg_NullOne: L log(Lt/(Lt+1)) + log(1/(Lt+1)).
    CHECK(null1_score(0, 10) == Approx(-std::log(11.0)).epsilon(1e-14));
    CHECK(null1_score(200, 200) == Approx(200 * std::log(200.0 / 201.0) - std::log(201.0)).epsilon(1e-14));
    CHECK(null1_score(5, 7) == Approx(5 * std::log(7.0 / 8.0) - std::log(8.0)).epsilon(1e-14));
    // A probability distribution over lengths: Σ_L (1 − p1) p1^L = 1.
    double total = 0;
    for (std::size_t L = 0; L < 5000; ++L)
        total += std::exp(null1_score(L, 50));
    CHECK(total == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("score: Forward and Viterbi kernels equal the log-space DP on the HMMER-configured profile", "[hmm][score]")
{
    emtk::rng r{20240601};
    for (int trial = 0; trial < 6; ++trial)
    {
        int const M = 1 + static_cast<int>(r.below(12));
        profile_hmm const h = random_amino_model(r, M);
        hmmer_scorer const s(h, alphabet_type::amino);
        profile const & p = s.configured();
        std::size_t const L = 1 + r.below(40);
        auto const x = random_codes(r, L, p.Kp); // includes degenerate codes
        INFO("trial " << trial << " M " << M << " L " << L);
        dp_matrix mx;
        double const fwd = forward(p, x, mx);
        double const vit = viterbi_fill(p, x, mx);
        double const base = null_logp(s, x);
        CHECK(s.forward_bits(x) == Approx((fwd - base) / ln2).epsilon(1e-9).margin(1e-9));
        CHECK(s.viterbi_bits(x) == Approx((vit - base) / ln2).epsilon(1e-12).margin(1e-10));
        CHECK(s.viterbi_bits(x) <= s.forward_bits(x) + 1e-9);
    }
}

TEST_CASE("score: the configuration is HMMER's local multi-hit search profile", "[hmm][score]")
{
    emtk::rng r{7};
    profile_hmm h = random_amino_model(r, 9);
    h.null.assign(20, 0.05); // must be ignored: HMMER's background is the null model
    hmmer_scorer const s(h, alphabet_type::amino);
    profile const & p = s.configured();
    CHECK(p.options.local);
    CHECK(p.options.multihit);
    CHECK(p.options.entry == local_entry::occupancy);
    auto const bg = hmmer_background(alphabet_type::amino);
    for (int c = 0; c < 20; ++c)
    {
        CHECK(p.xsc[static_cast<std::size_t>(c)] == Approx(std::log(bg[static_cast<std::size_t>(c)])));
        for (int k = 0; k <= p.M; ++k)
            CHECK(p.insert_score(k, c) == p.xsc[static_cast<std::size_t>(c)]); // insert log-odds 0
    }
    // A degenerate code scores the background-weighted mean log-odds of its members (B = {D, N}).
    auto const & abc = emtk::seq::alphabet::get(alphabet_type::amino);
    int const B = abc.code('B'), D = abc.code('D'), N = abc.code('N');
    auto const d = static_cast<std::size_t>(D), n = static_cast<std::size_t>(N);
    double const lod = std::log(h.match(3)[d] / bg[d]), lon = std::log(h.match(3)[n] / bg[n]);
    double const expect = (bg[d] * lod + bg[n] * lon) / (bg[d] + bg[n]);
    CHECK(p.match_score(3, B) - p.xsc[static_cast<std::size_t>(B)] == Approx(expect).epsilon(1e-12));
}

TEST_CASE("score: MSV equals a brute force over all labellings of tiny cases", "[hmm][score]")
{
    emtk::rng r{31337};
    for (int trial = 0; trial < 8; ++trial)
    {
        int const M = 1 + static_cast<int>(r.below(3));
        profile_hmm const h = random_profile_hmm(r, M, 4);
        hmmer_scorer const s(h, alphabet_type::dna);
        std::size_t const L = 1 + r.below(5);
        auto const x = random_codes(r, L, 4);
        INFO("trial " << trial << " M " << M << " L " << L);
        double const brute = (brute_msv_nats(s, x) - null1_score(L, L)) / ln2;
        CHECK(s.msv_bits(x) == Approx(brute).epsilon(1e-12).margin(1e-12));
    }
}

TEST_CASE("score: filter scores stay within HMMER's -3 nat approximation of the exact ones", "[hmm][score]")
{
    emtk::rng r{4242};
    profile_hmm const h = random_amino_model(r, 30);
    hmmer_scorer const s(h, alphabet_type::amino);
    auto const bg = hmmer_background(alphabet_type::amino);
    for (int trial = 0; trial < 10; ++trial)
    {
        std::size_t const L = 20 + r.below(200);
        std::vector<std::uint8_t> x(L);
        for (auto & c : x)
            c = static_cast<std::uint8_t>(r.categorical(bg));
        double const Ld = static_cast<double>(L);
        // Filter path score = exact path score − (flank residues)·log(L/(L+3)) − 3 nats, flank ≤ L.
        double const lo = -3.0 / ln2, hi = (-3.0 + Ld * std::log((Ld + 3) / Ld)) / ln2;
        double const dv = s.viterbi_bits(x, score_mode::filter) - s.viterbi_bits(x, score_mode::exact);
        CHECK(dv >= lo - 1e-9);
        CHECK(dv <= hi + 1e-9);
        // MSV also rounds each score to 1/3 bit: allow 1/6 bit per term of the best path (≤ L + 3 terms).
        double const dm = s.msv_bits(x, score_mode::filter) - s.msv_bits(x, score_mode::exact);
        CHECK(dm >= lo - (Ld + 3) / 6);
        CHECK(dm <= hi + (Ld + 3) / 6);
        // The MSV filter's score before the null model is a whole number of 1/3 bits, minus 3 nats.
        double const units = (s.msv_bits(x, score_mode::filter) * ln2 + null1_score(L, L) + 3.0) * 3.0 / ln2;
        CHECK(units == Approx(std::round(units)).margin(1e-6));
    }
}

TEST_CASE("score: P-values are HMMER's Gumbel and exponential survival functions", "[hmm][score]")
{
    double const mu = -10.0, lambda = 0.7, tau = -4.0;
    CHECK(gumbel_survival(mu, mu, lambda) == Approx(1.0 - std::exp(-1.0)));
    CHECK(exponential_survival(tau, tau, lambda) == 1.0);
    CHECK(exponential_survival(tau - 5, tau, lambda) == 1.0);
    CHECK(exponential_survival(tau + std::log(10.0) / lambda, tau, lambda) == Approx(0.1));
    // Far tail: 1 − exp(−e^{−y}) ≈ e^{−y}, without cancellation.
    CHECK(gumbel_survival(mu + 100, mu, lambda) == Approx(std::exp(-70.0)).epsilon(1e-9));
    double prev_g = 2, prev_e = 2;
    for (double x = -40; x <= 80; x += 0.25)
    {
        double const g = gumbel_survival(x, mu, lambda), e = exponential_survival(x, tau, lambda);
        CHECK(g >= 0);
        CHECK(g <= 1);
        CHECK(e >= 0);
        CHECK(e <= 1);
        CHECK(g <= prev_g);
        CHECK(e <= prev_e);
        prev_g = g, prev_e = e;
    }
    hmmer_stats const st{-9.0, 0.7, -10.0, 0.71, -4.0, 0.72};
    CHECK(msv_pvalue(5.0, st) == gumbel_survival(5.0, -9.0, 0.7));
    CHECK(viterbi_pvalue(5.0, st) == gumbel_survival(5.0, -10.0, 0.71));
    CHECK(forward_pvalue(5.0, st) == exponential_survival(5.0, -4.0, 0.72));
}

TEST_CASE("score: Forward bit scores of globins equal hmmsearch's", "[hmm][score][interop]")
{
    auto const hmm_path = tutorial + "globins4.hmm", fa = tutorial + "globins45.fa";
    if (!std::filesystem::exists(hmm_path) || !std::filesystem::exists(fa))
    {
        WARN("hmmer-examples not installed (" << hmm_path << "): skipped; test.sh installs it");
        return;
    }
    auto const model = read_hmmer_all(hmm_path).at(0);
    hmmer_scorer const s(model.hmm, model.alphabet);
    auto const seqs = emtk::seq::read_sequences(fa, alphabet_type::amino);
    // Values of `hmmsearch --max --nonull2 -Z 1 --domZ 1 --tblout` (HMMER 3.3.2), printed to 0.1 bit.
    std::map<std::string, double> expected{{"MYG_ESCGI", 218.5}, {"HBB_MANSP", 212.0}, {"HBA_MACFA", 195.9},
                                           {"HBB2_TRICR", 115.9}, {"MYG_MUSAN", 121.6}, {"HBA4_SALIR", 138.8}};
    if (std::system("hmmsearch -h > /dev/null 2>&1") == 0)
    {
        std::string file = "emtk_score_";
        file += std::to_string(::getpid());
        file += ".tbl";
        auto const tbl = std::filesystem::temp_directory_path() / file;
        std::string const cmd = "hmmsearch --max --nonull2 -Z 1 --domZ 1 --tblout '" + tbl.string() + "' -o /dev/null '" +
                                hmm_path + "' '" + fa + "'";
        REQUIRE(std::system(cmd.c_str()) == 0);
        std::ifstream in{tbl};
        std::string line;
        while (std::getline(in, line))
        {
            if (line.empty() || line[0] == '#')
                continue;
            std::istringstream is{line};
            std::string name, acc, qname, qacc;
            double evalue = 0, score = 0;
            is >> name >> acc >> qname >> qacc >> evalue >> score;
            expected[name] = score;
        }
        std::filesystem::remove(tbl);
        CHECK(expected.size() == seqs.seqs.size());
    }
    else
        WARN("hmmsearch not on the PATH: compared with stored scores only");
    int compared = 0;
    for (auto const & q : seqs.seqs)
    {
        auto const it = expected.find(q.name);
        if (it == expected.end())
            continue;
        INFO(q.name);
        double const f = s.forward_bits(q.dsq);
        CHECK(std::abs(f - it->second) <= 0.05 + 1e-6); // hmmsearch prints one decimal
        // Viterbi ≤ Forward; and these true hits overflow the MSV filter's byte range, as in HMMER.
        CHECK(s.viterbi_bits(q.dsq) <= f);
        CHECK(s.msv_bits(q.dsq, score_mode::filter) < s.msv_bits(q.dsq));
        ++compared;
    }
    CHECK(compared >= 6);
}
