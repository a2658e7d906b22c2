#include <emtk/util/format.hpp>

#include <charconv>
#include <cmath>

namespace emtk {

char * write_uint(char * out, std::uint64_t v) noexcept
{
    char buf[20];
    int n = 20;
    do
    {
        buf[--n] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = n; i < 20; ++i)
        *out++ = buf[i];
    return out;
}

char * write_probability(char * out, double p, int decimals) noexcept
{
    if (std::isnan(p))
    {
        *out++ = 'n';
        *out++ = 'a';
        *out++ = 'n';
        return out;
    }
    static constexpr std::uint64_t pow10[] = {1,      10,      100,      1000,      10000,
                                              100000, 1000000, 10000000, 100000000, 1000000000};
    decimals = decimals < 1 ? 1 : (decimals > 9 ? 9 : decimals);
    std::uint64_t const scale = pow10[decimals];
    p = p < 0 ? 0 : (p > 1 ? 1 : p);
    // p >= 0, so adding 0.5 and truncating rounds half away from zero, like llround.
    auto v = static_cast<std::uint64_t>(p * static_cast<double>(scale) + 0.5);
    if (v >= scale || v == 0)
    {
        *out++ = v == 0 ? '0' : '1';
        return out;
    }
    int digits = decimals;
    while (v % 10 == 0) // strip trailing zeros
    {
        v /= 10;
        --digits;
    }
    out[0] = '0';
    out[1] = '.';
    for (int i = digits + 1; i >= 2; --i)
    {
        out[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return out + digits + 2;
}

void append_uint(std::string & out, std::uint64_t v)
{
    char buf[24];
    out.append(buf, write_uint(buf, v));
}

void append_probability(std::string & out, double p, int decimals)
{
    char buf[16];
    out.append(buf, write_probability(buf, p, decimals));
}

std::string format_fixed(double v, int decimals)
{
    char buf[400]; // the longest fixed form of a double (1.8e308 with 17 decimals) fits
    auto const r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    return std::string(buf, r.ptr);
}

std::string format_general(double v, int digits)
{
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
    return std::string(buf, r.ptr);
}

} // namespace emtk
