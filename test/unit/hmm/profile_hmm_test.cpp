#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

using namespace emtk::hmm;

TEST_CASE("profile_hmm: a new model and random models are valid", "[hmm][model]")
{
    profile_hmm const h{5, 4};
    CHECK_FALSE(profile_hmm_problem(h));
    emtk::rng r{11};
    for (int M : {1, 2, 7})
        for (int K : {4, 20})
        {
            auto const g = random_profile_hmm(r, M, K);
            INFO("M = " << M << ", K = " << K << ": " << profile_hmm_problem(g).value_or("ok"));
            CHECK_FALSE(profile_hmm_problem(g));
        }
}

TEST_CASE("profile_hmm: problems are reported with the node and the row", "[hmm][model]")
{
    profile_hmm h{3, 4};
    h.t[2][t_mm] = 0.5;
    auto msg = profile_hmm_problem(h);
    REQUIRE(msg);
    CHECK(*msg == "node 2: match transitions sum to 0.5 (or one is outside [0, 1])");
    normalize(h);
    CHECK_FALSE(profile_hmm_problem(h));

    h.insert(0)[1] = 0.9;
    msg = profile_hmm_problem(h);
    REQUIRE(msg);
    CHECK(msg->rfind("node 0: insert emissions sum to", 0) == 0);
    normalize(h);
    CHECK_FALSE(profile_hmm_problem(h));

    h.t[3][t_md] = 0.1; // the last node has no next delete state
    h.t[3][t_mm] = 0.9;
    msg = profile_hmm_problem(h);
    REQUIRE(msg);
    CHECK(msg->find("last node") != std::string::npos);
    normalize(h);
    CHECK(h.t[3][t_md] == 0);
    CHECK_FALSE(profile_hmm_problem(h));
}

TEST_CASE("profile_hmm: bad sizes throw", "[hmm][model]")
{
    CHECK_THROWS_AS((profile_hmm{0, 4}), std::invalid_argument);
    CHECK_THROWS_AS((profile_hmm{3, 0}), std::invalid_argument);
}
