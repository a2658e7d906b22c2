#pragma once
/// \file
/// \brief Seeded, splittable random streams.
///
/// Reproducibility rule (ARCHITECTURE.md): results never depend on the thread count. So random
/// numbers are never drawn from a generator shared between threads; instead every unit of work
/// that needs randomness (a restart, a chunk of items, a simulated sample) gets its own stream,
/// `rng{seed, stream_id}`, whose sequence depends only on (seed, stream_id).
///
/// Generator: xoshiro256** (Blackman & Vigna 2018, public-domain algorithm), state seeded through
/// SplitMix64 from (seed, stream). Distributions are implemented here rather than taken from
/// <random>, whose distribution algorithms differ between standard libraries: the same seed gives
/// the same numbers with any compiler.

#include <array>
#include <cstdint>
#include <span>

namespace emtk {

class rng
{
public:
    using result_type = std::uint64_t;

    /// \brief The stream `stream` of the generator family `seed`.
    explicit rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept;

    /// \brief A child stream, independent of this one and of its other children.
    [[nodiscard]] rng split(std::uint64_t child) const noexcept;

    /// \brief 64 random bits (UniformRandomBitGenerator, usable with std::shuffle).
    result_type operator()() noexcept;
    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~result_type{0}; }

    /// \brief Uniform on [0, 1) with 53 random bits.
    double uniform() noexcept;
    /// \brief Uniform integer on [0, n), n > 0 (Lemire's unbiased multiply-shift).
    std::uint64_t below(std::uint64_t n) noexcept;
    /// \brief Standard normal (Marsaglia polar method).
    double normal() noexcept;
    /// \brief Normal with mean `mu` and standard deviation `sd`.
    double normal(double mu, double sd) noexcept { return mu + sd * normal(); }
    /// \brief Gamma(shape, scale=1) (Marsaglia & Tsang 2000; shape < 1 by the boost U^(1/a)).
    double gamma(double shape) noexcept;
    /// \brief Poisson(lambda): inversion for lambda < 30, otherwise the PTRS transformed rejection
    /// of Hörmann (1993).
    std::uint64_t poisson(double lambda) noexcept;
    /// \brief Negative binomial with mean `mean` and size (dispersion) `size`: Poisson(Gamma).
    std::uint64_t negative_binomial(double mean, double size) noexcept;
    /// \brief Index drawn with probability proportional to `weights` (non-negative, sum > 0).
    std::size_t categorical(std::span<double const> weights) noexcept;

private:
    rng() = default;
    std::array<std::uint64_t, 4> s_{};
    std::uint64_t seed_ = 0, stream_ = 0;
    bool has_spare_ = false;
    double spare_ = 0;
};

/// \brief SplitMix64 step (Steele, Lea & Flood 2014): a well-mixed 64-bit hash of `x`.
[[nodiscard]] std::uint64_t splitmix64(std::uint64_t & x) noexcept;

} // namespace emtk
