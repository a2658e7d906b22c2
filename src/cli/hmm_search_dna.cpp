/// \file
/// \brief `emtk hmm search` on DNA: the TSV of nhmmer-style hits (--tsv)
/// (include/emtk/hmm/search_dna.hpp).

#include "hmm_search.hpp"

#include <emtk/hmm/search_dna.hpp>

#include <cstdio>
#include <ostream>

namespace emtk::cli {

namespace {

std::string num(char const * fmt, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string or_dash(std::string const & s) { return s.empty() ? std::string{"-"} : s; }

} // namespace

void write_dna_tblout(std::ostream & out, hmm::dna_search_result const & r)
{
    out << "target\tquery\taccession\thmm_from\thmm_to\tali_from\tali_to\tenv_from\tenv_to\ttarget_length\tstrand\t"
           "evalue\tscore\tbias\tdescription\n";
    for (auto const & m : r.models)
        for (auto const & h : m.hits)
            out << h.name << '\t' << m.name << '\t' << or_dash(m.accession) << '\t' << h.hmm_from << '\t' << h.hmm_to
                << '\t' << h.ali_from << '\t' << h.ali_to << '\t' << h.env_from << '\t' << h.env_to << '\t' << h.length
                << '\t' << h.strand << '\t' << num("%.3g", h.evalue) << '\t' << num("%.2f", h.bits) << '\t'
                << num("%.2f", h.bias) << '\t' << or_dash(h.description) << '\n';
}

} // namespace emtk::cli
