/// \file
/// \brief Describing missingness and imputing missing entries from a fitted mixture (missing.hpp).

#include "gaussian_model.hpp"
#include "model_base.hpp"

#include <emtk/mix/missing.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <map>
#include <string>

namespace emtk::mix {

missingness describe_missing(dataset const & data)
{
    missingness out;
    out.per_column.assign(data.d, 0);
    std::map<std::string, std::uint64_t> count; // pattern as a string of 0/1 flags
    std::string key(data.d, '\0');
    for (std::size_t i = 0; i < data.n; ++i)
    {
        std::size_t miss = 0;
        for (std::size_t j = 0; j < data.d; ++j)
        {
            key[j] = data.is_missing(i, j) ? char{1} : char{0};
            out.per_column[j] += static_cast<std::uint64_t>(key[j]);
            miss += static_cast<std::size_t>(key[j]);
        }
        ++count[key];
        out.rows_with_missing += miss > 0 ? 1 : 0;
        if (miss == data.d)
        {
            ++out.rows_all_missing;
            if (out.all_missing_lines.size() < 20)
                out.all_missing_lines.push_back(data.line(i));
        }
    }
    std::vector<std::pair<std::string, std::uint64_t>> v(count.begin(), count.end());
    std::stable_sort(v.begin(), v.end(), [](auto const & a, auto const & b) { return a.second > b.second; });
    for (auto const & [p, c] : v)
    {
        out.patterns.emplace_back(p.begin(), p.end());
        out.pattern_rows.push_back(c);
    }
    return out;
}

std::vector<double> impute(dataset const & data, mixture const & m, int draw, std::uint64_t seed, int threads)
{
    std::vector<double> out(data.values);
    if (!data.has_missing())
        return out;
    std::size_t const d = data.d, k = m.components.size();
    rng const base = rng{seed, 0x696d70757465ULL}.split(static_cast<std::uint64_t>(std::max(draw, 0)));
    // Rows are independent; each draw uses the stream (seed, draw, row): any thread count gives
    // the same values.
    if (m.fam == family::gaussian)
    {
        detail::gaussian_model model{data, detail::options_for(m)};
        auto p = model.from_public(m);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
        for (std::size_t i = 0; i < data.n; ++i)
        {
            if (!std::any_of(data.missing.begin() + static_cast<std::ptrdiff_t>(i * d),
                             data.missing.begin() + static_cast<std::ptrdiff_t>((i + 1) * d),
                             [](std::uint8_t v) { return v != 0; }))
                continue;
            if (draw < 0)
                model.impute_row(i, p, nullptr, out.data() + i * d);
            else
            {
                rng gen = base.split(i);
                model.impute_row(i, p, &gen, out.data() + i * d);
            }
        }
        return out;
    }
    // Counts (one column): a missing count has nothing observed beside it, so its conditional
    // distribution is the mixture itself; its expectation Σ_k w_k μ_k.
    std::vector<double> w(k);
    double mean = 0;
    for (std::size_t c = 0; c < k; ++c)
    {
        w[c] = m.components[c].weight;
        mean += w[c] * m.components[c].mean.at(0);
    }
    for (std::size_t i = 0; i < data.n; ++i)
    {
        if (!data.is_missing(i, 0))
            continue;
        if (draw < 0)
        {
            out[i] = mean;
            continue;
        }
        rng gen = base.split(i);
        auto const & c = m.components[gen.categorical(w)];
        out[i] = static_cast<double>(m.fam == family::poisson ? gen.poisson(c.mean[0])
                                                              : gen.negative_binomial(c.mean[0], c.size));
    }
    return out;
}

} // namespace emtk::mix
