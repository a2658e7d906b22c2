#include <emtk/mix/dataset.hpp>

#include <algorithm>
#include <numeric>

namespace emtk::mix {

std::size_t count_distinct_rows(dataset const & data, std::size_t limit)
{
    std::vector<std::size_t> seen; // indices of distinct rows found so far
    for (std::size_t i = 0; i < data.n && seen.size() < limit; ++i)
    {
        bool is_new = std::none_of(seen.begin(), seen.end(), [&](std::size_t r) {
            return std::equal(data.row(i), data.row(i) + data.d, data.row(r));
        });
        if (is_new)
            seen.push_back(i);
    }
    return seen.size();
}

weighted_values collapse_values(dataset const & data)
{
    weighted_values out;
    std::vector<std::uint32_t> order(data.n);
    std::iota(order.begin(), order.end(), std::uint32_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return data.values[a * data.d] < data.values[b * data.d]; });
    out.index_of_row.resize(data.n);
    for (std::uint32_t r : order)
    {
        double v = data.values[r * data.d];
        if (out.value.empty() || out.value.back() != v)
        {
            out.value.push_back(v);
            out.count.push_back(0);
        }
        out.count.back() += 1;
        out.index_of_row[r] = static_cast<std::uint32_t>(out.value.size() - 1);
    }
    return out;
}

} // namespace emtk::mix
