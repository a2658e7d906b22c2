// The MPI layer of the E-step: see include/emtk/em/distributed.hpp. MPI appears only here.
#include <emtk/em/distributed.hpp>

#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#if defined(EMTK_MPI)
#include <mpi.h>
#endif

namespace emtk::em::dist {

#if defined(EMTK_MPI)

namespace {
bool started = false;
int my_rank = 0;
int n_ranks = 1;
} // namespace

session::session(int & argc, char **& argv)
{
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    started = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
}

session::~session()
{
    if (started)
        MPI_Finalize();
    started = false;
}

int rank() noexcept { return my_rank; }
int size() noexcept { return n_ranks; }
bool built_with_mpi() noexcept { return true; }

std::vector<std::vector<double>> allgather(std::vector<double> const & mine)
{
    if (n_ranks <= 1)
        return {mine};
    // Sizes first, then the data (MPI counts are int: a rank's share must stay below 2^31 doubles).
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::runtime_error("MPI allgather: more than 2^31 doubles from one rank");
    int const n = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(n_ranks)), displs(static_cast<std::size_t>(n_ranks));
    MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    long long total = 0;
    for (int r = 0; r < n_ranks; ++r)
    {
        displs[static_cast<std::size_t>(r)] = static_cast<int>(total);
        total += counts[static_cast<std::size_t>(r)];
    }
    if (total > std::numeric_limits<int>::max())
        throw std::runtime_error("MPI allgather: more than 2^31 doubles in one exchange");
    std::vector<double> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE, MPI_COMM_WORLD);
    std::vector<std::vector<double>> out(static_cast<std::size_t>(n_ranks));
    for (int r = 0; r < n_ranks; ++r)
    {
        auto const b = all.begin() + displs[static_cast<std::size_t>(r)];
        out[static_cast<std::size_t>(r)].assign(b, b + counts[static_cast<std::size_t>(r)]);
    }
    return out;
}

void abort(int status)
{
    if (started && n_ranks > 1)
        MPI_Abort(MPI_COMM_WORLD, status);
    std::exit(status);
}

#else

session::session(int &, char **&) {}
session::~session() = default;
int rank() noexcept { return 0; }
int size() noexcept { return 1; }
bool built_with_mpi() noexcept { return false; }
std::vector<std::vector<double>> allgather(std::vector<double> const & mine) { return {mine}; }
void abort(int status) { std::exit(status); }

#endif

} // namespace emtk::em::dist
