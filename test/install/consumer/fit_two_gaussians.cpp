// Fits a 2-component Gaussian mixture through emtk's public API (emtk::mix) to data drawn here
// from known parameters and checks that they are recovered. Exit 0 when they are, 1 otherwise.
#include <emtk/mix/mixture.hpp>
#include <emtk/version.hpp>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

namespace {

struct truth
{
    double weight, mean, sd;
};

bool near(char const * what, double got, double want, double tol)
{
    bool const ok = std::abs(got - want) <= tol;
    std::printf("%-8s %9.4f (true %7.4f, tolerance %.2f)%s\n", what, got, want, tol, ok ? "" : "  <-- off");
    return ok;
}

} // namespace

int main()
{
    // Two well-separated components; 4,000 draws put the sampling error of every estimate far
    // below the tolerances checked (about 0.02 for the means, 0.01 for the weights).
    truth const comp[2] = {{0.3, -2.0, 1.0}, {0.7, 3.0, 0.5}};
    std::mt19937_64 gen{20261205};
    std::uniform_real_distribution<double> unif{0.0, 1.0};
    emtk::mix::dataset data;
    data.n = 4000;
    data.d = 1;
    data.names = {"x"};
    data.values.reserve(data.n);
    for (std::size_t i = 0; i < data.n; ++i)
    {
        truth const & t = unif(gen) < comp[0].weight ? comp[0] : comp[1];
        // Box-Muller, so the draws do not depend on the standard library's normal_distribution.
        double const u1 = 1.0 - unif(gen), u2 = unif(gen);
        double const z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
        data.values.push_back(t.mean + t.sd * z);
    }

    emtk::mix::mixture_options opt;
    opt.k = 2;
    opt.em.seed = 7;
    opt.em.restarts = 3;
    emtk::mix::mixture_fit const fit = emtk::mix::fit_mixture(data, opt);
    std::printf("emtk %s: ok=%d iterations=%d log-likelihood=%.3f\n", emtk::version_string, fit.ok ? 1 : 0,
                fit.iterations, fit.log_likelihood);
    if (!fit.ok || fit.model.components.size() != 2)
    {
        std::printf("fit failed: %s\n", fit.message.c_str());
        return 1;
    }
    bool ok = fit.decreases == 0;
    for (int c = 0; c < 2; ++c) // components come sorted by mean, as comp[]
    {
        emtk::mix::component const & m = fit.model.components[c];
        ok &= near("weight", m.weight, comp[c].weight, 0.03);
        ok &= near("mean", m.mean.at(0), comp[c].mean, 0.1);
        ok &= near("sd", std::sqrt(m.covariance.at(0)), comp[c].sd, 0.1);
    }
    // Posteriors: each row's sum is 1.
    std::vector<double> const post = emtk::mix::posteriors(data, fit.model);
    for (std::size_t i = 0; i < data.n; ++i)
        ok &= std::abs(post[2 * i] + post[2 * i + 1] - 1.0) < 1e-9;
    std::puts(ok ? "recovered" : "NOT recovered");
    return ok ? 0 : 1;
}
