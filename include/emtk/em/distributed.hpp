#pragma once
/// \file
/// \brief The E-step across processes (MPI), for builds with -DEMTK_MPI=ON; a single process
/// otherwise. Standard-library only: MPI itself appears in src/em/distributed.cpp alone.
///
/// Model. `mpirun -np R emtk …` starts R identical processes (ranks). Every rank reads the same
/// input and runs the same program; em::e_step() gives each rank the chunks c with
/// c mod R = rank, computes them (with its OpenMP threads), and then every rank receives every
/// chunk's statistics (allgather) and merges them **in chunk order**, exactly as the
/// single-process E-step does. The merged statistics, hence the M-step, the parameters and the
/// output, are bit-for-bit those of a single process with the same seed, for any R and any thread
/// count. Only rank 0 writes output files, stdout and messages (main.cpp).
///
/// Cost. Per E-step, each rank computes about 1/R of the items and receives all chunk statistics:
/// n_chunks × (size of the statistics + 2) doubles (for `emtk hmm train` with M = 250 over 20
/// residues and 16 sequences per chunk, about 100 kB per chunk). The E-step dominates when the
/// items are expensive (profile-HMM forward-backward: O(L·M) per sequence) and the reduction is
/// small next to it; for cheap items (mixture points) the exchange can dominate.
///
/// Models opt in by providing pack/unpack of their statistics (em::packable_model, model.hpp);
/// with a model that does not, every rank computes every chunk (correct, no speed-up).

#include <cstddef>
#include <span>
#include <vector>

namespace emtk::em::dist {

/// \brief Starts MPI for the lifetime of the object when built with EMTK_MPI (MPI_Init_thread,
/// funneled: only the main thread calls MPI); nothing otherwise. One per program, in main().
class session
{
public:
    session(int & argc, char **& argv);
    ~session();
    session(session const &) = delete;
    session & operator=(session const &) = delete;
};

/// \brief This process's rank (0 without MPI).
[[nodiscard]] int rank() noexcept;
/// \brief Number of ranks (1 without MPI).
[[nodiscard]] int size() noexcept;
/// \brief Whether this build has MPI support.
[[nodiscard]] bool built_with_mpi() noexcept;

/// \brief Every rank's `mine`, in rank order (collective: every rank must call it, in the same
/// order). Without MPI (or with one rank): `{mine}`.
[[nodiscard]] std::vector<std::vector<double>> allgather(std::vector<double> const & mine);

/// \brief Ends all ranks with `status` after rank `rank()` failed alone (MPI_Abort); exit(status)
/// without MPI.
[[noreturn]] void abort(int status);

} // namespace emtk::em::dist
