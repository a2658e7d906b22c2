#include <emtk/em/model.hpp>

#include "em/toy_models.hpp"

#include <catch2/catch.hpp>

#include <vector>

using emtk::em::model;
using emtk::em::vector_model;

namespace {

struct no_maximize
{
    using params_type = double;
    using stats_type = emtk::test::item_count_stats;
    std::size_t item_count() const { return 1; }
    stats_type make_stats(double const &) const { return {}; }
    double expect(std::size_t, double const &, stats_type &) const { return 0; }
    double log_prior(double const &) const { return 0; }
    void initialize(emtk::rng &, double &) const {}
};

struct unmergeable_stats
{
    int k = 0; // no operator+=
};
struct no_merge
{
    using params_type = double;
    using stats_type = unmergeable_stats;
    std::size_t item_count() const { return 1; }
    stats_type make_stats(double const &) const { return {}; }
    double expect(std::size_t, double const &, stats_type &) const { return 0; }
    void maximize(stats_type const &, double &) const {}
    double log_prior(double const &) const { return 0; }
    void initialize(emtk::rng &, double &) const {}
};

struct wrong_vector_type : emtk::test::geometric_model
{
    std::vector<float> to_vector(double const & x) const { return {static_cast<float>(x)}; }
    void from_vector(std::vector<double> const &, double &) const {}
};

} // namespace

TEST_CASE("model: the toy models satisfy the concepts they claim", "[em][model]")
{
    STATIC_REQUIRE(model<emtk::test::geometric_model>);
    STATIC_REQUIRE_FALSE(vector_model<emtk::test::geometric_model>);
    STATIC_REQUIRE(vector_model<emtk::test::geometric_vector_model>);
    STATIC_REQUIRE(model<emtk::test::gauss_mix>);
    STATIC_REQUIRE(vector_model<emtk::test::gauss_mix>);
}

TEST_CASE("model: incomplete types are rejected", "[em][model]")
{
    STATIC_REQUIRE_FALSE(model<no_maximize>);
    STATIC_REQUIRE_FALSE(model<no_merge>);
    STATIC_REQUIRE_FALSE(model<int>);
    // to_vector must return exactly std::vector<double>.
    STATIC_REQUIRE_FALSE(vector_model<wrong_vector_type>);
}

TEST_CASE("model: the Gaussian mixture toy's vector form round-trips", "[em][model]")
{
    emtk::test::gauss_mix m{{0.0, 1.0}};
    emtk::test::mix_params const p{0.3, -1.5, 2.25};
    emtk::test::mix_params q;
    m.from_vector(m.to_vector(p), q);
    CHECK(q.w == Approx(p.w).epsilon(1e-14));
    CHECK(q.mu1 == p.mu1);
    CHECK(q.mu2 == p.mu2);
    // Any real vector maps to valid parameters.
    m.from_vector({-800.0, 0.0, 0.0}, q);
    CHECK(q.w >= 0.0);
    m.from_vector({800.0, 0.0, 0.0}, q);
    CHECK(q.w <= 1.0);
}
