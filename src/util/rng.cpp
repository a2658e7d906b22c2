#include <emtk/util/rng.hpp>

#include <cmath>
#include <numbers>

namespace emtk {

std::uint64_t splitmix64(std::uint64_t & x) noexcept
{
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

namespace {
__extension__ typedef unsigned __int128 uint128; // GCC/Clang extension, for Lemire's method
inline std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
} // namespace

rng::rng(std::uint64_t seed, std::uint64_t stream) noexcept : seed_{seed}, stream_{stream}
{
    // Mix seed and stream id so that (seed, stream) pairs map to unrelated states.
    std::uint64_t x = seed;
    std::uint64_t h = splitmix64(x);
    std::uint64_t y = h ^ (stream * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL);
    for (auto & w : s_)
        w = splitmix64(y);
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0)
        s_[0] = 1;
}

rng rng::split(std::uint64_t child) const noexcept
{
    std::uint64_t x = seed_ ^ 0xA0761D6478BD642FULL;
    std::uint64_t derived_seed = splitmix64(x) ^ stream_;
    x = derived_seed;
    return rng{splitmix64(x), child};
}

rng::result_type rng::operator()() noexcept
{
    std::uint64_t const result = rotl(s_[1] * 5, 7) * 9;
    std::uint64_t const t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double rng::uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

std::uint64_t rng::below(std::uint64_t n) noexcept
{
    // Lemire (2019), "Fast random integer generation in an interval".
    uint128 m = static_cast<uint128>((*this)()) * n;
    auto l = static_cast<std::uint64_t>(m);
    if (l < n)
    {
        std::uint64_t t = (0 - n) % n;
        while (l < t)
        {
            m = static_cast<uint128>((*this)()) * n;
            l = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

double rng::normal() noexcept
{
    if (has_spare_)
    {
        has_spare_ = false;
        return spare_;
    }
    double u, v, s;
    do
    {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
}

double rng::gamma(double shape) noexcept
{
    if (shape < 1.0)
    {
        double u = uniform();
        while (u == 0.0)
            u = uniform();
        return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
    }
    double const d = shape - 1.0 / 3.0;
    double const c = 1.0 / std::sqrt(9.0 * d);
    for (;;)
    {
        double x, v;
        do
        {
            x = normal();
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = uniform();
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
            return d * v;
    }
}

std::uint64_t rng::poisson(double lambda) noexcept
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda < 30.0)
    {
        // Inversion by sequential search.
        double p = std::exp(-lambda);
        double cdf = p;
        double u = uniform();
        std::uint64_t k = 0;
        while (u > cdf && k < 1000)
        {
            ++k;
            p *= lambda / static_cast<double>(k);
            cdf += p;
        }
        return k;
    }
    // PTRS (Hörmann 1993, "The transformed rejection method for generating Poisson random
    // variables", Insurance: Mathematics and Economics 12:39-45).
    double const slam = std::sqrt(lambda);
    double const loglam = std::log(lambda);
    double const b = 0.931 + 2.53 * slam;
    double const a = -0.059 + 0.02483 * b;
    double const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double const vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;)
    {
        double u = uniform() - 0.5;
        double v = uniform();
        double us = 0.5 - std::fabs(u);
        double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return static_cast<std::uint64_t>(k);
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
            -lambda + k * loglam - std::lgamma(k + 1.0))
            return static_cast<std::uint64_t>(k);
    }
}

std::uint64_t rng::negative_binomial(double mean, double size) noexcept
{
    return poisson(gamma(size) * mean / size);
}

std::size_t rng::categorical(std::span<double const> weights) noexcept
{
    double total = 0;
    for (double w : weights)
        total += w;
    double u = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i)
    {
        if (u < weights[i])
            return i;
        u -= weights[i];
    }
    // Round-off: return the last index with positive weight.
    for (std::size_t i = weights.size(); i-- > 0;)
        if (weights[i] > 0)
            return i;
    return 0;
}

} // namespace emtk
