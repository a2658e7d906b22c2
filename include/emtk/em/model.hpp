#pragma once
/// \file
/// \brief What a model must provide to be fitted by em::fit (ARCHITECTURE.md, "The EM core").

#include <emtk/util/rng.hpp>

#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

namespace emtk::em {

/// \brief A model for em::fit.
///
/// - `params_type`: the parameters θ (copyable).
/// - `stats_type`: expected sufficient statistics, a sum over items; `s += other` merges.
/// - `item_count()`: number of items (sequences, windows, samples, data points).
/// - `make_stats(θ)`: zero statistics shaped for θ.
/// - `expect(i, θ, s)`: E-step for item i: adds its expected statistics to s and returns its
///   log-likelihood log p(x_i | θ). Called concurrently for different items with different `s`:
///   it must not modify the model.
/// - `maximize(s, θ)`: M-step (MAP when the model has priors): θ ← argmax Q(θ) + log p(θ).
/// - `log_prior(θ)`: log p(θ) (0 for maximum likelihood); objective = Σ_i log p(x_i|θ) + log p(θ).
/// - `initialize(r, θ)`: one random start from the stream r.
/// initialize/maximize may throw em::degenerate_error.
template <typename M>
concept model = requires(M const & m,
                         typename M::params_type & p,
                         typename M::params_type const & cp,
                         typename M::stats_type & s,
                         typename M::stats_type const & cs,
                         std::size_t i,
                         rng & r) {
    { m.item_count() } -> std::convertible_to<std::size_t>;
    { m.make_stats(cp) } -> std::same_as<typename M::stats_type>;
    { m.expect(i, cp, s) } -> std::convertible_to<double>;
    s += cs;
    m.maximize(cs, p);
    { m.log_prior(cp) } -> std::convertible_to<double>;
    m.initialize(r, p);
};

/// \brief A model that can run the E-step over a range of consecutive items in one call,
/// `expect_range(begin, end, θ, s)` (returns the summed log-likelihood), typically to vectorise.
/// em::e_step then calls it once per chunk instead of calling expect() per item; it must give the
/// same statistics as the per-item calls up to floating-point summation order.
template <typename M>
concept range_model = model<M> && requires(M const & m,
                                           typename M::params_type const & cp,
                                           typename M::stats_type & s,
                                           std::size_t i) {
    { m.expect_range(i, i, cp, s) } -> std::convertible_to<double>;
};

/// \brief A model whose parameters map to and from an unconstrained real vector (log of variances,
/// log-ratios of weights, …): every real vector must map back to valid parameters. Such models
/// can be accelerated with SQUAREM, which extrapolates in that vector space.
template <typename M>
concept vector_model = model<M> && requires(M const & m,
                                            typename M::params_type & p,
                                            typename M::params_type const & cp,
                                            std::vector<double> const & v) {
    { m.to_vector(cp) } -> std::same_as<std::vector<double>>;
    m.from_vector(v, p);
};

/// \brief A model whose statistics can be sent between processes (em::dist, distributed.hpp):
/// `pack(s, out)` appends a self-delimiting encoding of s to `out` (counts stored as doubles are
/// exact below 2^53); `unpack(in, s)` reads one encoding from the front of `in` into `s` (made by
/// make_stats for the same parameters) and returns the number of doubles read. unpack(pack(s))
/// must reproduce s bit for bit: the distributed E-step merges the unpacked statistics and must
/// give the single-process result exactly.
template <typename M>
concept packable_model = model<M> && requires(M const & m,
                                              typename M::stats_type const & cs,
                                              typename M::stats_type & s,
                                              std::vector<double> & out,
                                              std::span<double const> in) {
    m.pack(cs, out);
    { m.unpack(in, s) } -> std::convertible_to<std::size_t>;
};

} // namespace emtk::em
