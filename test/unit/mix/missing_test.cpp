// Mixtures fitted to incomplete data (issue 18): observed-data EM, imputation, the reader of
// missing markers, and the invariants (monotone objective, thread-count independence, complete
// data unchanged).
//
// Recovery tolerance (stated): every mean and covariance entry within 5 standard errors of the
// truth. For component k with weight w_k, n rows and a fraction f of entries missing completely at
// random, we take n_k = n w_k (1 - f)² as the effective number of rows (the rows where both
// coordinates of a pair are observed, a lower bound on the information EM uses); then
// SE(μ_a) = sqrt(Σ_aa / n_k) and SE(Σ_ab) = sqrt((Σ_ab² + Σ_aa Σ_bb) / n_k) (normal theory).

#include <catch2/catch.hpp>

#include "mix/gaussian_model.hpp"
#include "mix/fit_checks.hpp"

#include <emtk/mix/missing.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

using namespace emtk;
using namespace emtk::mix;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

struct truth
{
    std::vector<double> w;
    std::vector<std::vector<double>> mu;  // K × d
    std::vector<std::vector<double>> cov; // K × d×d
};

// 3 components in 3 dimensions, overlapping but distinguishable.
truth three_by_three()
{
    return {{0.5, 0.3, 0.2},
            {{0, 0, 0}, {4, -2, 1}, {-3, 3, 4}},
            {{1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0},
             {1.5, -0.6, 0.0, -0.6, 1.0, 0.4, 0.0, 0.4, 2.0},
             {0.8, 0.0, 0.3, 0.0, 1.2, -0.5, 0.3, -0.5, 1.5}}};
}

dataset simulate(truth const & t, std::size_t n, std::uint64_t seed)
{
    rng gen{seed};
    std::size_t const d = t.mu[0].size();
    dataset out;
    out.n = n;
    out.d = d;
    for (std::size_t j = 0; j < d; ++j)
        out.names.push_back(std::string(1, static_cast<char>('a' + j)));
    std::vector<std::vector<double>> chol;
    for (auto const & c : t.cov) // Cholesky of each covariance
    {
        std::vector<double> L(d * d, 0.0);
        for (std::size_t a = 0; a < d; ++a)
            for (std::size_t b = 0; b <= a; ++b)
            {
                double s = c[a * d + b];
                for (std::size_t e = 0; e < b; ++e)
                    s -= L[a * d + e] * L[b * d + e];
                L[a * d + b] = a == b ? std::sqrt(s) : s / L[b * d + b];
            }
        chol.push_back(L);
    }
    std::vector<double> z(d);
    for (std::size_t i = 0; i < n; ++i)
    {
        std::size_t k = gen.categorical(t.w);
        for (auto & v : z)
            v = gen.normal();
        for (std::size_t a = 0; a < d; ++a)
        {
            double v = t.mu[k][a];
            for (std::size_t b = 0; b <= a; ++b)
                v += chol[k][a * d + b] * z[b];
            out.values.push_back(v);
        }
    }
    return out;
}

// Hides each entry with probability f (a row keeps at least one entry unless keep_one is false).
dataset hide(dataset data, double f, std::uint64_t seed, bool keep_one = true)
{
    rng gen{seed, 99};
    data.missing.assign(data.n * data.d, 0);
    for (std::size_t i = 0; i < data.n; ++i)
    {
        std::size_t hidden = 0;
        for (std::size_t j = 0; j < data.d; ++j)
            if (gen.uniform() < f)
            {
                data.missing[i * data.d + j] = 1;
                ++hidden;
            }
        if (keep_one && hidden == data.d)
            data.missing[i * data.d] = 0;
        for (std::size_t j = 0; j < data.d; ++j)
            if (data.missing[i * data.d + j])
                data.values[i * data.d + j] = nan_v;
    }
    return data;
}

mixture_options gauss(int k, covariance_type c = covariance_type::full)
{
    mixture_options o;
    o.k = k;
    o.cov = c;
    o.em.restarts = 3;
    o.em.seed = 5;
    o.em.tol = 1e-9;
    o.em.max_iter = 2000;
    return o;
}

using test::check_monotone;

std::string temp_file(std::string const & name, std::string const & text)
{
    auto p = std::filesystem::temp_directory_path() / ("emtk_missing_test_" + name);
    std::ofstream{p} << text;
    return p.string();
}

} // namespace

// [heavy]: 20,000 rows and ten BIC fits at tol 1e-9 (about 40 s in Release, two minutes under the
// sanitizers): ctest label "heavy", run by CI in the Release suite only (test/CMakeLists.txt). The
// next test case runs the same paths (select_by_bic on data with missing entries) on 3,000 rows
// for the sanitizer build.
TEST_CASE("20% missing: means and covariances within 5 standard errors, K by BIC as on complete data",
          "[mix][missing][recovery][heavy]")
{
    truth const t = three_by_three();
    std::size_t const n = 20000;
    double const f = 0.2;
    dataset const full = simulate(t, n, 31);
    dataset const gappy = hide(full, f, 31);
    auto fit = fit_mixture(gappy, gauss(3));
    check_monotone(fit);
    REQUIRE(fit.model.components.size() == 3);
    // Components are sorted by the mean of x1: truth order is (-3, 0, 4) → indices 2, 0, 1.
    std::size_t const order[] = {2, 0, 1};
    for (std::size_t c = 0; c < 3; ++c)
    {
        std::size_t const k = order[c];
        auto const & got = fit.model.components[c];
        double const nk = static_cast<double>(n) * t.w[k] * (1 - f) * (1 - f);
        CHECK(got.weight == Approx(t.w[k]).margin(5 * std::sqrt(t.w[k] * (1 - t.w[k]) / (n * (1 - f)))));
        for (std::size_t a = 0; a < 3; ++a)
        {
            double const se = std::sqrt(t.cov[k][a * 3 + a] / nk);
            CHECK(got.mean[a] == Approx(t.mu[k][a]).margin(5 * se));
            for (std::size_t b = 0; b < 3; ++b)
            {
                double const s = t.cov[k][a * 3 + b];
                double const se_c = std::sqrt((s * s + t.cov[k][a * 3 + a] * t.cov[k][b * 3 + b]) / nk);
                CHECK(got.covariance[a * 3 + b] == Approx(s).margin(5 * se_c));
            }
        }
    }
    auto sel_full = select_by_bic(full, gauss(1), 1, 5);
    auto sel_gappy = select_by_bic(gappy, gauss(1), 1, 5);
    REQUIRE(sel_full.best >= 0);
    REQUIRE(sel_gappy.best >= 0);
    CHECK(sel_full.ks[static_cast<std::size_t>(sel_full.best)] == 3);
    CHECK(sel_gappy.ks[static_cast<std::size_t>(sel_gappy.best)] == 3);
}

TEST_CASE("K by BIC with 20% missing entries on 3,000 rows: the K of the complete data", "[mix][missing][bic]")
{
    dataset const full = simulate(three_by_three(), 3000, 33);
    dataset const gappy = hide(full, 0.2, 33);
    auto sel_full = select_by_bic(full, gauss(1), 1, 4);
    auto sel_gappy = select_by_bic(gappy, gauss(1), 1, 4);
    REQUIRE(sel_full.best >= 0);
    REQUIRE(sel_gappy.best >= 0);
    REQUIRE(sel_gappy.fits.size() == 4);
    CHECK(sel_full.ks[static_cast<std::size_t>(sel_full.best)] == 3);
    CHECK(sel_gappy.ks[static_cast<std::size_t>(sel_gappy.best)] == 3);
    for (auto const & f : sel_gappy.fits)
        if (f.ok)
            check_monotone(f);
}

TEST_CASE("an all-zero mask gives the same bits as no mask", "[mix][missing][identity]")
{
    dataset data = simulate(three_by_three(), 3000, 4);
    dataset masked = data;
    masked.missing.assign(data.n * data.d, 0);
    for (auto c : {covariance_type::full, covariance_type::diagonal})
    {
        auto a = fit_mixture(data, gauss(3, c));
        auto b = fit_mixture(masked, gauss(3, c));
        REQUIRE(a.ok);
        REQUIRE(b.ok);
        CHECK(a.trace == b.trace);
        CHECK(a.log_likelihood == b.log_likelihood);
        for (std::size_t k = 0; k < 3; ++k)
        {
            CHECK(a.model.components[k].mean == b.model.components[k].mean);
            CHECK(a.model.components[k].covariance == b.model.components[k].covariance);
        }
    }
}

TEST_CASE("objective never decreases with missing values, for every option", "[mix][missing][invariant]")
{
    dataset const gappy = hide(simulate(three_by_three(), 4000, 8), 0.3, 8);
    for (auto c : {covariance_type::full, covariance_type::diagonal})
        for (bool shared : {false, true})
            for (bool hard : {false, true})
                for (bool acc : {false, true})
                {
                    auto o = gauss(3, c);
                    o.shared_variance = shared;
                    o.hard = hard;
                    o.em.accelerate = acc;
                    INFO("cov " << to_string(c) << " shared " << shared << " hard " << hard << " squarem " << acc);
                    auto fit = fit_mixture(gappy, o);
                    check_monotone(fit);
                    CHECK(std::isfinite(fit.log_likelihood));
                    double w = 0;
                    for (auto const & comp : fit.model.components)
                        w += comp.weight;
                    CHECK(w == Approx(1.0).epsilon(1e-12));
                }
}

TEST_CASE("K = 1: observed-data log-likelihood increases and the fit matches complete-case moments on MCAR",
          "[mix][missing][k1]")
{
    dataset const full = simulate(truth{{1.0}, {{1, 2}}, {{2.0, 1.2, 1.2, 1.5}}}, 20000, 12);
    dataset const gappy = hide(full, 0.3, 12);
    auto fit = fit_mixture(gappy, gauss(1));
    check_monotone(fit);
    auto const & c = fit.model.components[0];
    // n_eff = 20000 × 0.7² ≈ 9800: SE(μ) ≈ 0.015, SE(Σ) ≈ 0.03; 5 SE margins.
    CHECK(c.mean[0] == Approx(1).margin(0.07));
    CHECK(c.mean[1] == Approx(2).margin(0.06));
    CHECK(c.covariance[0] == Approx(2.0).margin(0.15));
    CHECK(c.covariance[1] == Approx(1.2).margin(0.12));
    CHECK(c.covariance[3] == Approx(1.5).margin(0.11));
}

TEST_CASE("a row missing every column is kept: posterior = weights, no likelihood", "[mix][missing][allmissing]")
{
    dataset data = hide(simulate(three_by_three(), 2000, 3), 0.1, 3);
    dataset with = data;
    with.values.insert(with.values.begin() + 5 * 3, {nan_v, nan_v, nan_v});
    with.missing.insert(with.missing.begin() + 5 * 3, {1, 1, 1});
    ++with.n;
    auto a = fit_mixture(data, gauss(3));
    auto b = fit_mixture(with, gauss(3));
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    CHECK(a.trace == b.trace); // the empty row changes nothing in the fit
    CHECK(a.bic == b.bic);
    auto post = posteriors(with, b.model);
    REQUIRE(post.size() == with.n * 3);
    for (std::size_t k = 0; k < 3; ++k)
        CHECK(post[5 * 3 + k] == b.model.components[k].weight);
    CHECK(log_likelihood(with, b.model) == Approx(log_likelihood(data, b.model)).epsilon(1e-12));
    auto imp = impute(with, b.model, -1, 1);
    for (std::size_t a2 = 0; a2 < 3; ++a2)
    {
        double m = 0;
        for (auto const & c : b.model.components)
            m += c.weight * c.mean[a2];
        CHECK(imp[5 * 3 + a2] == Approx(m).epsilon(1e-12));
    }
}

TEST_CASE("imputation is the conditional mean; observed entries are untouched", "[mix][missing][impute]")
{
    mixture m;
    m.d = 2;
    m.components.push_back(component{1.0, {1.0, 2.0}, {2.0, 1.2, 1.2, 1.5}, 0});
    dataset data;
    data.n = 3;
    data.d = 2;
    data.names = {"a", "b"};
    data.values = {0.5, nan_v, nan_v, 4.0, 3.0, 1.0};
    data.missing = {0, 1, 1, 0, 0, 0};
    auto imp = impute(data, m, -1, 1);
    CHECK(imp[0] == 0.5);
    CHECK(imp[1] == Approx(2.0 + 1.2 / 2.0 * (0.5 - 1.0)).epsilon(1e-12));
    CHECK(imp[2] == Approx(1.0 + 1.2 / 1.5 * (4.0 - 2.0)).epsilon(1e-12));
    CHECK(imp[3] == 4.0);
    CHECK(imp[4] == 3.0);
    CHECK(imp[5] == 1.0);
    // Draws: the conditional distribution's mean and variance (Σ_22 − Σ_21²/Σ_11 = 0.78).
    double s = 0, s2 = 0;
    int const draws = 4000;
    for (int r = 0; r < draws; ++r)
    {
        double v = impute(data, m, r, 9)[1];
        s += v;
        s2 += v * v;
    }
    double const mean = s / draws, var = s2 / draws - mean * mean;
    CHECK(mean == Approx(1.7).margin(5 * std::sqrt(0.78 / draws)));
    CHECK(var == Approx(0.78).margin(5 * 0.78 * std::sqrt(2.0 / draws)));
    CHECK(impute(data, m, 3, 9) == impute(data, m, 3, 9));
    CHECK(impute(data, m, 3, 9) != impute(data, m, 4, 9));
}

TEST_CASE("missing values: identical results for 1 and 2 threads", "[mix][missing][determinism]")
{
    dataset const gappy = hide(simulate(three_by_three(), 9000, 21), 0.25, 21);
    auto o = gauss(3);
    o.em.chunk_size = 1024;
    o.em.threads = 1;
    auto a = fit_mixture(gappy, o);
    o.em.threads = 2;
    auto b = fit_mixture(gappy, o);
    REQUIRE(a.ok);
    CHECK(a.trace == b.trace);
    for (std::size_t k = 0; k < 3; ++k)
        CHECK(a.model.components[k].covariance == b.model.components[k].covariance);
    CHECK(posteriors(gappy, a.model, false, 1) == posteriors(gappy, a.model, false, 2));
    CHECK(impute(gappy, a.model, -1, 1, 1) == impute(gappy, a.model, -1, 1, 2));
    CHECK(impute(gappy, a.model, 2, 1, 1) == impute(gappy, a.model, 2, 1, 2));
}

TEST_CASE("grouped E-step over patterns = the row-by-row E-step", "[mix][missing][kernel]")
{
    // The chunk kernel (rows grouped by pattern, statistics per group mapped once) against
    // expect() row by row: the same sums up to round-off, for few patterns (counting sort, group
    // statistics) and many (8 columns at 50%: sort of (pattern, row) pairs, row-by-row statistics
    // for the small groups), full and diagonal, soft and hard.
    truth t8 = three_by_three();
    for (auto & mu : t8.mu)
        mu.insert(mu.end(), {1, -1, 0.5, 2, -2});
    for (auto & c : t8.cov)
    {
        std::vector<double> big(64, 0.0);
        for (std::size_t a = 0; a < 8; ++a)
            for (std::size_t b = 0; b < 8; ++b)
                big[a * 8 + b] = a < 3 && b < 3 ? c[a * 3 + b] : (a == b ? 1.0 + 0.1 * static_cast<double>(a) : 0.0);
        c = big;
    }
    for (auto const & [gappy, label] : {std::pair{hide(simulate(three_by_three(), 3000, 31), 0.3, 31), "3 columns"},
                                        std::pair{hide(simulate(t8, 3000, 32), 0.5, 32), "8 columns"}})
        for (auto c : {covariance_type::full, covariance_type::diagonal})
            for (bool hard : {false, true})
            {
                INFO(label << " cov " << to_string(c) << " hard " << hard);
                auto o = gauss(3, c);
                o.hard = hard;
                mix::detail::gaussian_model model{gappy, o};
                mix::detail::gauss_params p;
                rng gen{3};
                model.initialize(gen, p);
                auto rowwise = model.make_stats(p);
                double ll_rowwise = 0;
                for (std::size_t i = 0; i < gappy.n; ++i)
                    ll_rowwise += model.expect(i, p, rowwise);
                double scale = 0;
                for (double v : rowwise.v)
                    scale = std::max(scale, std::fabs(v));
                for (std::size_t chunk : {1000, 50}) // 50 rows: fewer rows than 8-column patterns
                {
                    auto grouped = model.make_stats(p);
                    double ll_grouped = 0;
                    for (std::size_t b = 0; b < gappy.n; b += chunk)
                        ll_grouped += model.expect_range(b, std::min(gappy.n, b + chunk), p, grouped);
                    CHECK(ll_grouped == Approx(ll_rowwise).epsilon(1e-12));
                    REQUIRE(grouped.v.size() == rowwise.v.size());
                    for (std::size_t j = 0; j < rowwise.v.size(); ++j)
                        CHECK(grouped.v[j] == Approx(rowwise.v[j]).margin(1e-11 * scale));
                }
            }
}

TEST_CASE("count families: a missing count is integrated out", "[mix][missing][counts]")
{
    rng gen{17};
    dataset obs, gappy;
    obs.d = gappy.d = 1;
    obs.names = gappy.names = {"count"};
    for (std::size_t i = 0; i < 3000; ++i)
    {
        double v = static_cast<double>(gen.poisson(i % 2 ? 3.0 : 30.0));
        if (i % 7 == 0)
        {
            gappy.values.push_back(nan_v);
            gappy.missing.push_back(1);
        }
        else
        {
            gappy.values.push_back(v);
            gappy.missing.push_back(0);
            obs.values.push_back(v);
        }
    }
    obs.n = obs.values.size();
    gappy.n = gappy.values.size();
    for (family fam : {family::poisson, family::negbin})
    {
        auto o = gauss(2);
        o.fam = fam;
        auto a = fit_mixture(obs, o);
        auto b = fit_mixture(gappy, o);
        REQUIRE(b.ok);
        CHECK(a.trace == b.trace);
        auto post = posteriors(gappy, b.model);
        CHECK(post[0] == b.model.components[0].weight);
        auto imp = impute(gappy, b.model, -1, 1);
        double m = 0;
        for (auto const & c : b.model.components)
            m += c.weight * c.mean[0];
        CHECK(imp[0] == Approx(m).epsilon(1e-12));
        auto draw = impute(gappy, b.model, 0, 1);
        CHECK(draw[0] == std::floor(draw[0]));
        CHECK(draw[1] == gappy.values[1]);
    }
}

TEST_CASE("reader: markers, drop, bad fields, a column with no value", "[mix][missing][reader]")
{
    std::string const p = temp_file("a.tsv", "# comment\nid\tx\ty\nr1\t1.5\t2\nr2\tNA\t3\nr3\t2.5\t\nr4\t.\tNaN\nr5\t4\t5\n");
    auto t = read_incomplete_table(p, {"x", "y"}, missing_policy::model);
    REQUIRE(t.data.n == 5);
    CHECK(t.data.is_missing(1, 0));
    CHECK(t.data.is_missing(2, 1));
    CHECK(t.data.is_missing(3, 0));
    CHECK(t.data.is_missing(3, 1));
    CHECK_FALSE(t.data.is_missing(4, 0));
    CHECK(t.data.line(3) == 6);
    auto g = describe_missing(t.data);
    CHECK(g.per_column == std::vector<std::uint64_t>{2, 2});
    CHECK(g.rows_with_missing == 3);
    CHECK(g.rows_all_missing == 1);
    REQUIRE(g.patterns.size() == 4);
    CHECK(g.pattern_rows[0] == 2); // the complete pattern is the most frequent
    std::vector<double> completed = t.data.values;
    for (std::size_t i = 0; i < completed.size(); ++i)
        if (t.data.missing[i])
            completed[i] = 7.25;
    std::ostringstream out;
    write_imputed_table(out, t, completed);
    CHECK(out.str() == "# comment\nid\tx\ty\nr1\t1.5\t2\nr2\t7.25\t3\nr3\t2.5\t7.25\nr4\t7.25\t7.25\nr5\t4\t5\n");

    auto d = read_incomplete_table(p, {"x", "y"}, missing_policy::drop);
    CHECK(d.data.n == 2);
    CHECK(d.dropped_rows == 3);
    CHECK_FALSE(d.data.has_missing());

    CHECK_THROWS_WITH(read_incomplete_table(p, {"x", "y"}, missing_policy::error),
                      Catch::Contains(":4: column 2 (x): missing value 'NA'; expected a number"));
    std::string const q = temp_file("b.tsv", "x\ty\n1\t2\n?\t3\n");
    CHECK_THROWS_WITH(read_incomplete_table(q, {"x", "y"}, missing_policy::model),
                      Catch::Contains(":3: column 1 (x): expected a finite number or a missing marker"));
    std::string const r = temp_file("c.tsv", "x\ty\n1\tNA\n2\t\n");
    CHECK_THROWS_WITH(read_incomplete_table(r, {"x", "y"}, missing_policy::model),
                      Catch::Contains(":2: column 'y' (column 2): every value is missing"));
    std::filesystem::remove(p);
    std::filesystem::remove(q);
    std::filesystem::remove(r);
}

TEST_CASE("restart screening: on by default with missing entries, off for complete data", "[mix][missing][screen]")
{
    dataset const full = simulate(three_by_three(), 6000, 41);
    dataset const gappy = hide(full, 0.2, 41);
    auto o = gauss(3);
    CHECK(o.screen == -1);
    CHECK(screen_iterations(o, true) == missing_screen_iterations);
    CHECK(screen_iterations(o, false) == 0);

    // Missing entries: the losing starts stop after the screening iterations.
    auto screened = fit_mixture(gappy, o);
    check_monotone(screened);
    REQUIRE(screened.restarts.size() == 3);
    int n_screened = 0;
    for (auto const & s : screened.restarts)
        if (s.reason == em::stop_reason::screened)
        {
            ++n_screened;
            CHECK(s.iterations == missing_screen_iterations);
        }
    CHECK(n_screened == 2);
    CHECK(screened.restarts[static_cast<std::size_t>(screened.best_restart)].reason == em::stop_reason::converged);
    // ... and on these distinguishable components it finds the optimum of full restarts (reached
    // from another start: equal to the stop rule's precision, ~1e-4 in the means, where their
    // standard errors are ~0.02).
    o.screen = 0;
    auto all = fit_mixture(gappy, o);
    check_monotone(all);
    for (auto const & s : all.restarts)
        CHECK(s.reason != em::stop_reason::screened);
    CHECK(screened.log_likelihood == Approx(all.log_likelihood).epsilon(1e-9));
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t a = 0; a < 3; ++a)
            CHECK(screened.model.components[k].mean[a] == Approx(all.model.components[k].mean[a]).margin(1e-3));

    // Complete data: the default does not screen (results as before screening existed) ...
    o.screen = -1;
    auto complete = fit_mixture(full, o);
    o.screen = 0;
    auto complete_off = fit_mixture(full, o);
    CHECK(complete.trace == complete_off.trace);
    CHECK(complete.model.components[0].covariance == complete_off.model.components[0].covariance);
    for (auto const & s : complete.restarts)
        CHECK(s.reason != em::stop_reason::screened);
    // ... unless asked to.
    o.screen = 2;
    auto complete_on = fit_mixture(full, o);
    check_monotone(complete_on);
    int on = 0;
    for (auto const & s : complete_on.restarts)
        on += s.reason == em::stop_reason::screened ? 1 : 0;
    CHECK(on == 2);
}

TEST_CASE("E-step threads for missing entries: one more thread per e_step_work_per_thread of work", "[mix][missing][threads]")
{
    // 10^5 rows, d = 5, K = 3: 1.08e7 units, below one thread's share: 1 thread.
    CHECK(e_step_threads(100'000, 5, 3, 2) == 1);
    CHECK(e_step_threads(100'000, 5, 3, 1) == 1);
    // 10^6 rows: 1.08e8 units = 6.4 shares.
    CHECK(e_step_threads(1'000'000, 5, 3, 2) == 2);
    CHECK(e_step_threads(1'000'000, 5, 3, 16) == 6);
    CHECK(e_step_threads(0, 5, 3, 4) == 1);
}
