// Consistency checks of a read sequence set (include/emtk/seq/sequence.hpp).
#include <emtk/seq/sequence.hpp>
#include <emtk/util/error.hpp>

namespace emtk::seq {

namespace {

/// True when a record of ≥ 10 residues is ≥ 90% A, C, G, T, U, N.
bool looks_nucleic(alphabet const & abc, sequence const & s)
{
    if (s.dsq.size() < 10)
        return false;
    std::size_t n = 0;
    for (auto c : s.dsq)
    {
        char const sym = abc.symbol(c);
        n += sym == 'A' || sym == 'C' || sym == 'G' || sym == 'T' || sym == 'U' || sym == 'N';
    }
    return 10 * n >= 9 * s.dsq.size();
}

} // namespace

std::optional<std::string> mixed_alphabet_problem(sequence_set const & set)
{
    if (set.type != alphabet_type::amino)
        return std::nullopt;
    auto const & abc = alphabet::get(set.type);
    std::size_t nucleic = set.seqs.size(), protein = set.seqs.size();
    for (std::size_t i = 0; i < set.seqs.size() && (nucleic == set.seqs.size() || protein == set.seqs.size()); ++i)
    {
        if (looks_nucleic(abc, set.seqs[i]))
        {
            if (nucleic == set.seqs.size())
                nucleic = i;
        }
        else if (protein == set.seqs.size() && set.seqs[i].dsq.size() >= 10)
            protein = i;
    }
    if (nucleic == set.seqs.size() || protein == set.seqs.size())
        return std::nullopt;
    auto rec = [&](std::size_t i) { return "record " + std::to_string(i + 1) + " (" + set.seqs[i].name + ")"; };
    return (set.source.empty() ? std::string{"sequences"} : set.source) + ": " + rec(nucleic) +
           " looks like nucleotides but " + rec(protein) + " is protein: mixed alphabets (use " + field_name("alphabet") +
           " to force one)";
}

} // namespace emtk::seq
