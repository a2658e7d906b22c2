// A domain's alignment in HMMER's display conventions: see domain_display.hpp.
#include "domain_display.hpp"

#include <cctype>

namespace emtk::hmm::detail {

domain_alignment display_alignment(profile const & p, std::string const & consensus, seq::alphabet const & abc,
                                   digital_sequence x, alignment_trace const & v)
{
    domain_alignment a;
    std::size_t first = v.path.size(), last = 0;
    for (std::size_t s = 0; s < v.path.size(); ++s)
        if (v.path[s].state == state_type::M)
        {
            first = std::min(first, s);
            last = s;
        }
    if (first == v.path.size())
        return a;
    auto pp_char = [](double pp) { return posterior_code(pp); };
    for (std::size_t s = first; s <= last; ++s)
    {
        trace_step const & t = v.path[s];
        double const pp = s < v.pp.size() ? v.pp[s] : 0.0;
        auto const k = static_cast<std::size_t>(t.k);
        char const cons = k >= 1 && k <= consensus.size() ? consensus[k - 1] : 'x';
        if (t.state == state_type::M)
        {
            int const c = x[t.i - 1];
            char const r = abc.symbol(c);
            a.model += cons;
            a.target += r;
            if (std::toupper(static_cast<unsigned char>(cons)) == r)
                a.match += cons;
            else
                a.match += p.match_score(t.k, c) > p.xsc[static_cast<std::size_t>(c)] ? '+' : ' ';
            a.pp += pp_char(pp);
        }
        else if (t.state == state_type::I)
        {
            a.model += '.';
            a.target += static_cast<char>(std::tolower(static_cast<unsigned char>(abc.symbol(x[t.i - 1]))));
            a.match += ' ';
            a.pp += pp_char(pp);
        }
        else if (t.state == state_type::D)
        {
            a.model += cons;
            a.target += '-';
            a.match += ' ';
            a.pp += '.';
        }
    }
    return a;
}

} // namespace emtk::hmm::detail
