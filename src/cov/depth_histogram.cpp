/// \file
/// \brief depth_histogram (include/emtk/cov/depth.hpp): per-base depth counts.

#include <emtk/cov/depth.hpp>

#include <algorithm>

namespace emtk::cov {

void depth_histogram::add_rare(std::int64_t d, std::uint64_t n)
{
    if (n == 0)
        return;
    length += n;
    sum += d * static_cast<std::int64_t>(n);
    if (d < 0)
    {
        negative += n;
        min_negative = std::min(min_negative, d);
        return;
    }
    auto const i = static_cast<std::size_t>(d);
    if (i >= bases.size())
        bases.resize(std::max<std::size_t>({i + 1, 2 * bases.size(), 64}), 0);
    bases[i] += n;
}

depth_histogram & depth_histogram::operator+=(depth_histogram const & o)
{
    if (o.bases.size() > bases.size())
        bases.resize(o.bases.size(), 0);
    for (std::size_t i = 0; i < o.bases.size(); ++i)
        bases[i] += o.bases[i];
    length += o.length;
    sum += o.sum;
    negative += o.negative;
    min_negative = std::min(min_negative, o.min_negative);
    return *this;
}

std::int64_t depth_histogram::min() const noexcept
{
    if (negative > 0)
        return min_negative;
    auto const it = std::find_if(bases.begin(), bases.end(), [](std::uint64_t n) { return n > 0; });
    return it == bases.end() ? 0 : it - bases.begin();
}

std::int64_t depth_histogram::max() const noexcept
{
    for (std::size_t i = bases.size(); i-- > 0;)
        if (bases[i] > 0)
            return static_cast<std::int64_t>(i);
    return negative > 0 ? min_negative : 0;
}

} // namespace emtk::cov
