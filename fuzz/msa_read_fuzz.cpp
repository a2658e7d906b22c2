/// \file
/// \brief Fuzz target: Stockholm / aligned FASTA (`--seed-msa`). Every alignment read is built
/// into a model as `emtk hmm train --seed-msa` does and written as HMMER3/f (write_hmmer asserts
/// that the model is valid).
#include "fuzz_file.hpp"

#include <emtk/hmm/build.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/util/error.hpp>

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const * data, std::size_t size)
{
    using namespace emtk;
    std::string const path = fuzz::write_input(data, size, ".sto");
    hmm::msa aln;
    try
    {
        aln = hmm::read_msa(path);
    }
    catch (user_error const &)
    {
        return 0;
    }
    if (aln.columns() > 2000 || aln.size() > 200) // keep each input fast; the reader was exercised
        return 0;
    try
    {
        hmm::build_options opt;
        opt.effn_rule = hmm::effective_number::entropy;
        hmm::build_result const b = hmm::build_profile_hmm(aln, opt);
        hmm::hmmer_model m;
        m.hmm = b.hmm;
        m.alphabet = aln.type;
        m.name = "fuzz";
        std::ostringstream out;
        hmm::write_hmmer(out, m);
    }
    catch (user_error const &)
    {
    }
    return 0;
}
