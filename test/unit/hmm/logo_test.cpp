#include <emtk/hmm/logo.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

using namespace emtk::hmm;

TEST_CASE("logo: stacks are the relative entropy, shared by emission probability", "[hmm][logo]")
{
    emtk::rng r{5};
    profile_hmm h = random_profile_hmm(r, 7, 20);
    // Node 1 = background exactly (0 bits); node 2 certain of one residue (log2(1/f) bits).
    auto const bg = hmmer_background(emtk::seq::alphabet_type::amino);
    std::copy(bg.begin(), bg.end(), h.match(1).begin());
    std::fill(h.match(2).begin(), h.match(2).end(), 0.0);
    h.match(2)[8] = 1.0; // K
    auto const cols = logo_columns(h, emtk::seq::alphabet_type::amino, bg);
    REQUIRE(cols.size() == 7);
    CHECK(cols[0].relative_entropy == Approx(0).margin(1e-12));
    CHECK(cols[1].relative_entropy == Approx(std::log2(1.0 / bg[8])).epsilon(1e-12));
    CHECK(cols[1].residues.back() == 'K');
    for (auto const & c : cols)
    {
        CHECK(c.residues.size() == 20);
        double const sum = std::accumulate(c.heights.begin(), c.heights.end(), 0.0);
        CHECK(sum == Approx(c.relative_entropy).margin(1e-12));
        for (std::size_t j = 1; j < c.heights.size(); ++j)
            CHECK(c.heights[j - 1] <= c.heights[j]);
    }
    hmmer_model m;
    m.hmm = h;
    m.name = "toy<1>";
    m.alphabet = emtk::seq::alphabet_type::amino;
    std::string const svg = logo_svg(m);
    CHECK(svg.find("toy&lt;1&gt;") != std::string::npos);
    CHECK(svg.find(">K</text>") != std::string::npos); // node 2's letter
    CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
}
