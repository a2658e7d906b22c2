// Baum-Welch counts sent between MPI ranks (em::packable_model): pack_counts/unpack_counts must
// reproduce the counts bit for bit (the distributed E-step then equals the single-process one).
#include <emtk/em/model.hpp>
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cstring>

using namespace emtk::hmm;

static_assert(emtk::em::packable_model<hmm_training_model>);

TEST_CASE("hmm pack: counts survive pack and unpack bit for bit", "[hmm][pack]")
{
    emtk::rng r{17};
    hmm_counts c{12, 4};
    for (auto & row : c.t)
        for (auto & v : row)
            v = r.uniform() * 1e3;
    for (auto * vec : {&c.mat, &c.ins, &c.enter, &c.exit_m, &c.exit_d})
        for (auto & v : *vec)
            v = r.uniform() / 3.0;
    c.exit_i = 0.125;
    for (auto & v : c.special)
        v = r.uniform();
    c.flank = {1.5, 2.5, 1e-300};
    c.sequences = 37;
    std::vector<double> buf;
    pack_counts(c, buf);
    hmm_counts back{12, 4};
    CHECK(unpack_counts(buf, back) == buf.size());
    std::vector<double> again;
    pack_counts(back, again);
    REQUIRE(again.size() == buf.size());
    CHECK(std::memcmp(again.data(), buf.data(), buf.size() * sizeof(double)) == 0);
    CHECK(back.sequences == 37);
    hmm_counts short_one{12, 4};
    CHECK_THROWS(unpack_counts(std::span<double const>{buf}.subspan(0, buf.size() - 1), short_one));
}
