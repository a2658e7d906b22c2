#include <emtk/util/format.hpp>

#include <cmath>

namespace emtk {

void append_uint(std::string & out, std::uint64_t v)
{
    char buf[20];
    int n = 20;
    do
    {
        buf[--n] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    out.append(buf + n, static_cast<std::size_t>(20 - n));
}

void append_probability(std::string & out, double p, int decimals)
{
    if (std::isnan(p))
    {
        out += "nan";
        return;
    }
    static constexpr std::uint64_t pow10[] = {1,      10,      100,      1000,      10000,
                                              100000, 1000000, 10000000, 100000000, 1000000000};
    decimals = decimals < 1 ? 1 : (decimals > 9 ? 9 : decimals);
    std::uint64_t const scale = pow10[decimals];
    p = p < 0 ? 0 : (p > 1 ? 1 : p);
    // p >= 0, so adding 0.5 and truncating rounds half away from zero, like llround.
    auto v = static_cast<std::uint64_t>(p * static_cast<double>(scale) + 0.5);
    if (v >= scale)
    {
        out.push_back('1');
        return;
    }
    if (v == 0)
    {
        out.push_back('0');
        return;
    }
    int digits = decimals;
    while (v % 10 == 0) // strip trailing zeros
    {
        v /= 10;
        --digits;
    }
    char buf[12] = {'0', '.'};
    for (int i = digits + 1; i >= 2; --i)
    {
        buf[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    out.append(buf, static_cast<std::size_t>(digits) + 2);
}

} // namespace emtk
