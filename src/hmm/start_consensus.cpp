// Consensus of candidate starts (include/emtk/hmm/start_consensus.hpp).
#include <emtk/hmm/start_consensus.hpp>

#include <algorithm>
#include <unordered_map>

namespace emtk::hmm {

namespace {

double choose2(std::uint64_t n) { return 0.5 * static_cast<double>(n) * static_cast<double>(n > 0 ? n - 1 : 0); }

} // namespace

double column_agreement(residue_columns const & a, residue_columns const & b)
{
    std::unordered_map<int, std::uint64_t> in_a;
    std::unordered_map<std::uint64_t, std::uint64_t> in_both;
    for (std::size_t s = 0; s < a.size(); ++s)
        for (std::size_t i = 0; i < a[s].size(); ++i)
        {
            int const ka = a[s][i];
            if (ka <= 0)
                continue;
            ++in_a[ka];
            int const kb = b[s][i];
            if (kb > 0)
                ++in_both[(static_cast<std::uint64_t>(ka) << 32) | static_cast<std::uint32_t>(kb)];
        }
    double total = 0, shared = 0;
    for (auto const & [k, n] : in_a)
        total += choose2(n);
    for (auto const & [k, n] : in_both)
        shared += choose2(n);
    return total > 0 ? shared / total : 0.0;
}

std::size_t consensus_medoid(std::vector<residue_columns> const & candidates)
{
    std::size_t const n = candidates.size();
    if (n < 2)
        return 0;
    std::vector<double> score(n, 0.0);
    for (std::size_t x = 0; x < n; ++x)
        for (std::size_t y = x + 1; y < n; ++y)
        {
            double const s = 0.5 * (column_agreement(candidates[x], candidates[y]) +
                                    column_agreement(candidates[y], candidates[x]));
            score[x] += s;
            score[y] += s;
        }
    return static_cast<std::size_t>(std::max_element(score.begin(), score.end()) - score.begin());
}

} // namespace emtk::hmm
