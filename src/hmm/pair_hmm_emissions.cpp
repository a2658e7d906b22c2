// Substitution models for the pair-HMM's match state (consistency.hpp, pair_hmm::blosum62,
// pair_hmm::nucleotide, pair_hmm::for_alphabet).
#include <emtk/hmm/consistency.hpp>

#include <emtk/util/error.hpp>

#include <array>
#include <cmath>
#include <utility>

namespace emtk::hmm {

namespace {

// BLOSUM62 (Henikoff & Henikoff 1992, PNAS 89:10915), the published log-odds scores in half-bit
// units, s(a,b) = round(2·log2(q_ab / (p_a p_b))), rows and columns in emtk's amino order
// ACDEFGHIKLMNPQRSTVWY (the matrix as distributed with BLAST and HMMER's Easel, "Entropy = 0.6979").
constexpr std::array<signed char, 400> blosum62_half_bits{
     4,  0, -2, -1, -2,  0, -2, -1, -1, -1, -1, -2, -1, -1, -1,  1,  0,  0, -3, -2, // A
     0,  9, -3, -4, -2, -3, -3, -1, -3, -1, -1, -3, -3, -3, -3, -1, -1, -1, -2, -2, // C
    -2, -3,  6,  2, -3, -1, -1, -3, -1, -4, -3,  1, -1,  0, -2,  0, -1, -3, -4, -3, // D
    -1, -4,  2,  5, -3, -2,  0, -3,  1, -3, -2,  0, -1,  2,  0,  0, -1, -2, -3, -2, // E
    -2, -2, -3, -3,  6, -3, -1,  0, -3,  0,  0, -3, -4, -3, -3, -2, -2, -1,  1,  3, // F
     0, -3, -1, -2, -3,  6, -2, -4, -2, -4, -3,  0, -2, -2, -2,  0, -2, -3, -2, -3, // G
    -2, -3, -1,  0, -1, -2,  8, -3, -1, -3, -2,  1, -2,  0,  0, -1, -2, -3, -2,  2, // H
    -1, -1, -3, -3,  0, -4, -3,  4, -3,  2,  1, -3, -3, -3, -3, -2, -1,  3, -3, -1, // I
    -1, -3, -1,  1, -3, -2, -1, -3,  5, -2, -1,  0, -1,  1,  2,  0, -1, -2, -3, -2, // K
    -1, -1, -4, -3,  0, -4, -3,  2, -2,  4,  2, -3, -3, -2, -2, -2, -1,  1, -2, -1, // L
    -1, -1, -3, -2,  0, -3, -2,  1, -1,  2,  5, -2, -2,  0, -1, -1, -1,  1, -1, -1, // M
    -2, -3,  1,  0, -3,  0,  1, -3,  0, -3, -2,  6, -2,  0,  0,  1,  0, -3, -4, -2, // N
    -1, -3, -1, -1, -4, -2, -2, -3, -1, -3, -2, -2,  7, -1, -2, -1, -1, -2, -4, -3, // P
    -1, -3,  0,  2, -3, -2,  0, -3,  1, -2,  0,  0, -1,  5,  1,  0, -1, -2, -2, -1, // Q
    -1, -3, -2,  0, -3, -2,  0, -3,  2, -2, -1,  0, -2,  1,  5, -1, -1, -3, -3, -2, // R
     1, -1,  0,  0, -2,  0, -1, -2,  0, -2, -1,  1, -1,  0, -1,  4,  1, -2, -3, -2, // S
     0, -1, -1, -1, -2, -2, -2, -1, -1, -1, -1,  0, -1, -1, -1,  1,  5,  0, -2, -2, // T
     0, -1, -3, -2, -1, -3, -3,  3, -2,  1,  1, -3, -2, -2, -3, -2,  0,  4, -3, -1, // V
    -3, -2, -4, -3,  1, -2, -2, -3, -3, -2, -1, -4, -4, -2, -3, -3, -2, -3, 11,  2, // W
    -2, -2, -3, -2,  3, -3,  2, -1, -2, -1, -1, -2, -3, -1, -2, -2, -2, -1,  2,  7, // Y
};

// BLOSUM62's background frequencies p_a (the marginals of Henikoff & Henikoff's joint frequencies,
// three digits, as published with the matrix), ACDEFGHIKLMNPQRSTVWY.
constexpr std::array<double, 20> blosum62_background{0.074, 0.025, 0.054, 0.054, 0.047, 0.074, 0.026,
                                                     0.068, 0.058, 0.099, 0.025, 0.045, 0.039, 0.034,
                                                     0.052, 0.057, 0.051, 0.073, 0.013, 0.032};

} // namespace

pair_hmm pair_hmm::from_joint(int K, std::vector<double> const & joint, std::vector<double> marginal)
{
    auto const k = static_cast<std::size_t>(K);
    if (marginal.empty())
    {
        marginal.assign(k, 0.0);
        for (std::size_t a = 0; a < k; ++a)
            for (std::size_t b = 0; b < k; ++b)
                marginal[a] += joint[a * k + b];
    }
    pair_hmm h;
    h.K = K;
    h.odds.resize(joint.size());
    for (std::size_t a = 0; a < k; ++a)
        for (std::size_t b = 0; b < k; ++b)
            h.odds[a * k + b] = joint[a * k + b] / (marginal[a] * marginal[b]);
    h.background = std::move(marginal);
    return h;
}

pair_hmm pair_hmm::blosum62()
{
    // Joint probabilities back from the rounded scores: q_ab ∝ p_a p_b 2^(s_ab / 2), normalised to
    // sum to 1 (Σ p_a p_b 2^(s_ab/2) = 1.038 before). What the rounding costs: each q_ab is off
    // from Henikoff & Henikoff's joint frequency by a factor within 2^(±1/4) (scores are rounded to
    // half bits) times the common normaliser; the result has a relative entropy of 0.736 bits per
    // pair against the published 0.698, P(a = b) = 0.339 (unit-tested). Solving instead for the
    // λ that makes Σ p_a p_b e^(λ s_ab) = 1 (λ = 0.3208, Karlin–Altschul style) gives 0.606 bits:
    // the half-bit scale is the matrix's own and lands closer.
    constexpr int K = 20;
    std::vector<double> joint(K * K);
    double z = 0;
    for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b)
        {
            auto const at = static_cast<std::size_t>(a * K + b);
            joint[at] = blosum62_background[static_cast<std::size_t>(a)] * blosum62_background[static_cast<std::size_t>(b)] *
                        std::exp2(0.5 * blosum62_half_bits[at]);
            z += joint[at];
        }
    for (double & v : joint)
        v /= z;
    return from_joint(K, joint);
}

pair_hmm pair_hmm::nucleotide(double identity, double transition_ratio)
{
    // Kimura's two-parameter picture on uniform base frequencies: a pair is identical with
    // probability `identity`; the rest splits into transitions (A↔G, C↔T/U: one partner per base)
    // and transversions (two partners per base) in the ratio transition_ratio : 1 of total
    // probability, so each transition pair has transition_ratio times twice a transversion pair's
    // probability. Codes: A C G T/U = 0 1 2 3. The defaults (0.7, ratio 1 of totals, i.e. a
    // transition pair twice as likely as a transversion pair) give 0.67 bits per pair, close to
    // BLOSUM62's 0.70: a divergence at which family members still align.
    if (!(identity > 0.25 && identity < 1) || !(transition_ratio > 0))
        throw usage_error("pair-HMM: nucleotide identity must be in (0.25, 1) and the transition ratio > 0");
    double const rest = 1 - identity;
    double const ts = rest * transition_ratio / (1 + transition_ratio); // total transition probability
    double const tv = rest - ts;
    std::vector<double> joint(16);
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
        {
            bool const transition = (a ^ b) == 2; // A(0)↔G(2), C(1)↔T(3)
            joint[static_cast<std::size_t>(a * 4 + b)] = a == b ? identity / 4 : transition ? ts / 4 : tv / 8;
        }
    return from_joint(4, joint);
}

pair_hmm pair_hmm::for_alphabet(seq::alphabet_type t)
{
    return t == seq::alphabet_type::amino ? blosum62() : nucleotide();
}

double pair_hmm::relative_entropy_bits() const
{
    // Σ_ab P(a,b) log2 odds(a,b) with P(a,b) = odds(a,b)·f_a·f_b.
    double h = 0;
    for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b)
        {
            double const o = odds[static_cast<std::size_t>(a * K + b)];
            double const p = o * background[static_cast<std::size_t>(a)] * background[static_cast<std::size_t>(b)];
            if (p > 0)
                h += p * std::log2(o);
        }
    return h;
}

} // namespace emtk::hmm
