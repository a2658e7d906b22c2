#include <emtk/em/logspace.hpp>
#include <emtk/hmm/dp_matrix.hpp>

#include <algorithm>

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
    // Grow only: a smaller shape keeps the storage (and the values) of a larger one, so that reusing
    // the matrix for sequences of varying length never reallocates or refills it; a larger one gets
    // fresh storage without copying the old values (the caller writes what it reads).
    std::size_t const n = 3 * (L + 1) * static_cast<std::size_t>(M + 1);
    if (cells_.size() < n)
    {
        cells_ = decltype(cells_){};
        cells_.resize(n);
    }
    if (specials_.size() < L + 1)
    {
        specials_ = decltype(specials_){};
        specials_.resize(L + 1);
    }
}

void dp_matrix::reshape_boundary(std::size_t L, int M)
{
    reshape(L, M);
    std::fill(row(0), row(0) + 3 * (static_cast<std::size_t>(M) + 1), em::log_zero);
    specials_[0].fill(em::log_zero);
    for (std::size_t i = 1; i <= L; ++i)
        mat(i, 0) = del(i, 0) = em::log_zero;
}

} // namespace emtk::hmm
