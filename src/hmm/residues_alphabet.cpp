// The one file of the hmm module that calls the seq module's alphabet (see residues.hpp).
#include <emtk/hmm/residues.hpp>
#include <emtk/seq/alphabet.hpp>

namespace emtk::hmm {

residue_sets residue_sets_of(seq::alphabet const & abc)
{
    residue_sets s;
    s.K = abc.K();
    s.members.resize(static_cast<std::size_t>(abc.Kp()));
    for (int c = 0; c < abc.Kp(); ++c)
    {
        auto const e = abc.expands_to(c);
        s.members[static_cast<std::size_t>(c)].assign(e.begin(), e.end());
    }
    return s;
}

} // namespace emtk::hmm
