/// \file
/// \brief AFL++ target (a program, not a libFuzzer function: SeqAn3 3.2 builds only with GCC, and
/// libFuzzer needs clang): FASTA/FASTQ, plain or gzip, read with the alphabet guessed and forced
/// to each alphabet. `read_sequences` promises that only user_error leaves it; any other exception
/// escapes main and aborts, which AFL++ records as a crash.
#include <emtk/seq/sequence.hpp>
#include <emtk/util/error.hpp>

#include <cstdlib>
#include <optional>

int main(int argc, char ** argv)
{
    using namespace emtk;
    if (argc != 2)
        return 2;
    std::optional<seq::alphabet_type> const forced[] = {std::nullopt, seq::alphabet_type::amino,
                                                        seq::alphabet_type::dna, seq::alphabet_type::rna};
    for (auto const & f : forced)
    {
        try
        {
            seq::sequence_set const s = seq::read_sequences(argv[1], f);
            if (s.seqs.empty())
                std::abort(); // "no sequences" is an error, never an empty set
            for (seq::sequence const & r : s.seqs)
                if (r.dsq.empty())
                    std::abort(); // so is a record without residues
            (void)seq::mixed_alphabet_problem(s);
        }
        catch (user_error const &)
        {
        }
    }
    return 0;
}
