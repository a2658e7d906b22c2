/// \file
/// \brief Fuzz target: HMMER3/f text. Every model read is written back and read again (the two
/// must agree on M and name) and scored in HMMER's search configuration on a short fixed
/// sequence (Forward and Viterbi scores must be numbers, Viterbi ≤ Forward).
#include "fuzz_file.hpp"

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>

#include <cmath>
#include <sstream>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const * data, std::size_t size)
{
    using namespace emtk;
    std::string const path = fuzz::write_input(data, size, ".hmm");
    std::vector<hmm::hmmer_model> models;
    try
    {
        models = hmm::read_hmmer_all(path);
    }
    catch (user_error const &)
    {
        return 0;
    }
    for (hmm::hmmer_model const & m : models)
    {
        std::ostringstream out;
        try
        {
            hmm::write_hmmer(out, m);
        }
        catch (user_error const &)
        {
            continue;
        }
        std::string const text = out.str();
        std::string const again =
            fuzz::write_input(reinterpret_cast<std::uint8_t const *>(text.data()), text.size(), ".hmm");
        std::vector<hmm::hmmer_model> const back = hmm::read_hmmer_all(again); // must not throw
        if (back.size() != 1 || back[0].hmm.M != m.hmm.M || back[0].name != m.name)
            std::abort();

        hmm::hmmer_scorer const scorer(m.hmm, m.alphabet);
        std::vector<std::uint8_t> x(17);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<std::uint8_t>((i * 7) % static_cast<std::size_t>(m.hmm.K));
        double const f = scorer.forward_bits(x);
        double const v = scorer.viterbi_bits(x);
        if (std::isnan(f) || std::isnan(v) || v > f + 1e-6 * (1 + std::fabs(f)))
            std::abort();
    }
    return 0;
}
