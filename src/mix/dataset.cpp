#include <emtk/mix/dataset.hpp>

#include <algorithm>
#include <numeric>

namespace emtk::mix {

std::size_t count_distinct_rows(dataset const & data)
{
    std::vector<std::size_t> order(data.n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto less = [&](std::size_t a, std::size_t b) {
        return std::lexicographical_compare(data.row(a), data.row(a) + data.d, data.row(b), data.row(b) + data.d);
    };
    std::sort(order.begin(), order.end(), less);
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < order.size(); ++i)
        if (i == 0 || less(order[i - 1], order[i]))
            ++distinct;
    return distinct;
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
