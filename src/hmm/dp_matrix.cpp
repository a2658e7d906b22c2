#include <emtk/em/logspace.hpp>
#include <emtk/hmm/dp_matrix.hpp>

namespace emtk::hmm {

void dp_matrix::reset(std::size_t L, int M)
{
    L_ = L;
    M_ = M;
    cells_.assign(3 * (L + 1) * static_cast<std::size_t>(M + 1), em::log_zero);
    std::array<double, n_special_states> none;
    none.fill(em::log_zero);
    specials_.assign(L + 1, none);
}

void dp_matrix::reshape(std::size_t L, int M)
{
    L_ = L;
    M_ = M;
    cells_.resize(3 * (L + 1) * static_cast<std::size_t>(M + 1));
    specials_.resize(L + 1);
}

} // namespace emtk::hmm
