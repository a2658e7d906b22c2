// Benchmark of the steps of `emtk hmm train` before EM (issue 17 point 2): sequence weights and
// the choice of the central start sequence, on a FASTA file. Prints seconds and a summary of the
// weights (Neff, the central sequence). bench/hmm_train_weights.sh builds and runs it; see
// bench/README.md ("hmm train: weighting before EM").
//   hmm_train_weights FILE.fa [auto|exact|lsh] [table]   exact / lsh: force that mode at any N;
//   table: also print index, neighbours, centrality per sequence
#include <emtk/hmm/train.hpp>
#include <emtk/seq/sequence.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>

int main(int argc, char ** argv)
{
    if (argc < 2)
    {
        std::fprintf(stderr, "usage: %s FILE.fa [auto|exact|lsh] [table]\n", argv[0]);
        return 2;
    }
    auto const set = emtk::seq::read_sequences(argv[1], std::nullopt);
    emtk::hmm::kmer_options o;
    if (argc > 2 && std::strcmp(argv[2], "exact") == 0)
        o.exact_limit = set.seqs.size();
    if (argc > 2 && std::strcmp(argv[2], "lsh") == 0)
        o.exact_limit = 0;
    auto const t0 = std::chrono::steady_clock::now();
    auto const sim = emtk::hmm::kmer_similarities(set, o);
    double const s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double neff = 0;
    for (double n : sim.neighbours)
        neff += 1.0 / n;
    std::size_t best = 0;
    for (std::size_t i = 1; i < set.seqs.size(); ++i)
        if (sim.centrality[i] > sim.centrality[best])
            best = i;
    std::printf("N %zu  method %s  seconds %.3f  Neff %.2f  most central %s  candidate pairs %zu\n", set.seqs.size(),
                sim.exact ? "exact" : "lsh", s, neff, set.seqs[best].name.c_str(), sim.candidate_pairs);
    std::fflush(stdout);
    for (std::size_t i = 0; argc > 3 && i < sim.neighbours.size(); ++i)
        std::printf("%zu\t%g\t%g\n", i, sim.neighbours[i], sim.centrality[i]);
    return 0;
}
