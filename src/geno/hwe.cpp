/// \file
/// \brief Per-site allele-frequency EM (see include/emtk/geno/hwe.hpp).

#include <emtk/geno/hwe.hpp>
#include <emtk/util/error.hpp>

#include <cmath>

namespace emtk::geno {

hwe_stats & hwe_stats::operator+=(hwe_stats const & o)
{
    EMTK_ASSERT(alt.size() == o.alt.size(), "hwe_stats shapes differ");
    for (std::size_t j = 0; j < alt.size(); ++j)
        alt[j] += o.alt[j];
    samples += o.samples;
    return *this;
}

hwe_model::hwe_model(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers) :
    genotypes_{genotypes}, n_samples_{n_samples}, n_markers_{n_markers}
{
    EMTK_ASSERT(genotypes.size() == n_samples * n_markers, "genotype matrix size mismatch");
}

hwe_stats hwe_model::make_stats(params_type const & p) const
{
    hwe_stats s;
    s.alt.assign(p.size(), 0.0);
    return s;
}

double hwe_model::expect(std::size_t i, params_type const & p, stats_type & s) const
{
    std::int8_t const * g = genotypes_.data() + i * n_markers_;
    double ll = 0;
    for (std::size_t m = 0; m < n_markers_; ++m)
    {
        double const q = p[m];
        switch (g[m])
        {
        case 0: ll += 2 * std::log1p(-q); break;
        case 1:
            ll += std::log(2 * q * (1 - q));
            s.alt[m] += 1;
            break;
        case 2:
            ll += 2 * std::log(q);
            s.alt[m] += 2;
            break;
        default: s.alt[m] += 2 * q; break;
        }
    }
    s.samples += 1;
    return ll;
}

void hwe_model::maximize(stats_type const & s, params_type & p) const
{
    if (!(s.samples > 0))
        return;
    for (std::size_t m = 0; m < p.size(); ++m)
        p[m] = s.alt[m] / (2 * s.samples);
}

void hwe_model::initialize(rng &, params_type & p) const
{
    p.assign(n_markers_, 0.5);
}

void hwe_model::genotype_probabilities(double p, double out[3]) noexcept
{
    out[0] = (1 - p) * (1 - p);
    out[1] = 2 * p * (1 - p);
    out[2] = p * p;
}

} // namespace emtk::geno
