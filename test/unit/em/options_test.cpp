#include <emtk/em/options.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace emtk::em;

TEST_CASE("options: documented defaults", "[em][options]")
{
    options const o;
    CHECK(o.max_iter == 1000);
    CHECK(o.min_iter == 2);
    CHECK(o.tol == 1e-8);
    CHECK(o.rule == stop_rule::relative);
    CHECK(o.restarts == 1);
    CHECK(o.seed == 1);
    CHECK(o.threads == 1);
    CHECK_FALSE(o.accelerate);
    CHECK(o.chunk_size == 1024);
    CHECK(o.screen_iterations == 0);
    CHECK(o.decrease_tol == 1e-9);
    CHECK_FALSE(o.on_iteration);
}

TEST_CASE("options: stop_rule names round-trip", "[em][options]")
{
    for (auto rule : {stop_rule::absolute, stop_rule::relative, stop_rule::aitken})
    {
        stop_rule parsed = rule == stop_rule::aitken ? stop_rule::absolute : stop_rule::aitken;
        REQUIRE(parse_stop_rule(to_string(rule), parsed));
        CHECK(parsed == rule);
    }
    CHECK(std::string{to_string(stop_rule::absolute)} == "absolute");
    CHECK(std::string{to_string(stop_rule::relative)} == "relative");
    CHECK(std::string{to_string(stop_rule::aitken)} == "aitken");
}

TEST_CASE("options: unknown stop_rule names are rejected and leave the output alone", "[em][options]")
{
    for (std::string bad : {"", "Aitken", "abs", "relative ", "none"})
    {
        stop_rule out = stop_rule::relative;
        CAPTURE(bad);
        CHECK_FALSE(parse_stop_rule(bad, out));
        CHECK(out == stop_rule::relative);
    }
}

TEST_CASE("options: stop_reason names", "[em][options]")
{
    CHECK(std::string{to_string(stop_reason::converged)} == "converged");
    CHECK(std::string{to_string(stop_reason::max_iter)} == "max_iter");
    CHECK(std::string{to_string(stop_reason::diverged)} == "diverged");
    CHECK(std::string{to_string(stop_reason::degenerate)} == "degenerate");
}

TEST_CASE("options: a default fit_result reports no success", "[em][options]")
{
    fit_result<double> const r;
    CHECK_FALSE(r.ok());
    CHECK(r.best_restart == -1);
    CHECK(r.objective == -INFINITY);
    CHECK(r.trace.empty());
    CHECK(r.decreases == 0);
}

TEST_CASE("options: check_options rejects a negative screening count and accepts 0 and more", "[em][options]")
{
    options o;
    CHECK_NOTHROW(check_options(o));
    o.screen_iterations = 5;
    CHECK_NOTHROW(check_options(o));
    o.screen_iterations = -1;
    CHECK_THROWS_WITH(check_options(o), Catch::Contains("screen_iterations must be >= 0"));
    CHECK(std::string{to_string(stop_reason::screened)} == "screened");
}
