/// \file
/// \brief `emtk hmm search` on DNA: the readable table and the TSV of nhmmer-style hits
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

void write_dna_table(std::ostream & out, hmm::dna_search_result const & r, std::string const & targets)
{
    char line[512];
    for (auto const & m : r.models)
    {
        out << "Query: " << m.name << "  [M=" << m.M << ", max hit length " << m.max_length << "]";
        if (!m.accession.empty())
            out << "  " << m.accession;
        out << '\n';
        if (!m.description.empty())
            out << "Description: " << m.description << '\n';
        out << "Hits (both strands; minus-strand hits run from > to, as nhmmer reports them):\n";
        std::snprintf(line, sizeof line, "  %10s %7s %6s  %-20s %10s %10s %6s  %-9s %s\n", "E-value", "score", "bias",
                      "target", "from", "to", "strand", "hmm", "acc");
        out << line;
        if (m.hits.empty())
            out << "  [no hits above the reporting threshold]\n";
        for (auto const & h : m.hits)
        {
            std::snprintf(line, sizeof line, "  %10.2g %7.1f %6.1f  %-20s %10zu %10zu %6c  %4d-%-4d %4.2f\n", h.evalue,
                          h.bits, h.bias, h.name.c_str(), h.ali_from, h.ali_to, h.strand, h.hmm_from, h.hmm_to,
                          h.accuracy);
            out << line;
        }
        out << '\n';
    }
    out << "# " << r.targets << " targets (" << r.residues << " residues, strands counted) from "
        << (targets == "-" ? "<stdin>" : targets) << " searched with " << r.models.size()
        << (r.models.size() == 1 ? " model" : " models") << "; Z = residues / max hit length\n";
}

} // namespace emtk::cli
