// The consistency aligner of `emtk hmm train --consistency pair` on its own (bench/README.md,
// "Consistency realignment"): reads unaligned sequences, writes their consistency alignment as
// aligned FASTA (pair-HMM posteriors, two consistency rounds, progressive alignment), e.g. for
// hmmbuild, to compare with MAFFT / T-Coffee + hmmbuild. The pair-HMM's match emissions: the
// alphabet's substitution model (BLOSUM62 for protein, as `emtk hmm train`), or with `--mixture`
// the default prior's Dirichlet mixture (the first version's).
//   emtk_bench_consistency_msa [--mixture] train.fa > out.afa
#include <emtk/hmm/consistency.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/sequence.hpp>

#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

int main(int argc, char ** argv)
{
    using namespace emtk;
    bool const mixture = argc == 3 && std::string_view{argv[1]} == "--mixture";
    if (argc != 2 && !mixture)
    {
        std::cerr << "usage: emtk_bench_consistency_msa [--mixture] SEQUENCES\n";
        return 1;
    }
    try
    {
        seq::sequence_set const set = seq::read_sequences(argv[argc - 1]);
        std::vector<hmm::digital_sequence> xs;
        for (auto const & s : set.seqs)
            xs.emplace_back(s.dsq.data(), s.dsq.size());
        hmm::pair_hmm const h = mixture ? hmm::pair_hmm::from_mixture(hmm::make_prior(hmm::prior_kind::standard, set.type).em)
                                        : hmm::pair_hmm::for_alphabet(set.type);
        hmm::posterior_set post;
        post.n = xs.size();
        for (auto const & x : xs)
            post.lengths.push_back(x.size());
        post.pairs.resize(post.n * post.n);
        for (std::size_t x = 0; x < post.n; ++x)
            for (std::size_t y = x + 1; y < post.n; ++y)
            {
                post.at(x, y) = hmm::pair_hmm_posterior(h, xs[x], xs[y]);
                post.at(y, x) = post.at(x, y).transposed(xs[y].size());
            }
        for (int round = 0; round < 2; ++round)
            post = hmm::consistency_transform(post, 2);
        hmm::msa const a = hmm::to_msa(hmm::progressive_alignment(post), xs);
        auto const & abc = seq::alphabet::get(set.type);
        for (std::size_t s = 0; s < a.rows.size(); ++s)
        {
            std::cout << '>' << set.seqs[s].name << '\n';
            for (auto c : a.rows[s])
                std::cout << (c == hmm::msa_gap ? '-' : abc.symbol(c));
            std::cout << '\n';
        }
    }
    catch (std::exception const & e)
    {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
