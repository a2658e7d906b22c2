// HMMER's tabular output formats (--tblout, --domtblout, --dfamtblout): see
// include/emtk/hmm/hmmer_tables.hpp. Layouts after HMMER 3.3 src/p7_tophits.c
// (p7_tophits_TabularTargets, _TabularDomains, _TabularXfam, _TabularTail; read, not copied).
#include <emtk/hmm/hmmer_tables.hpp>

#include "hmmer_text.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <utility>

namespace emtk::hmm {

namespace {

char const * or_dash(std::string const & s) { return s.empty() ? "-" : s.c_str(); }

int width_of(std::size_t least, std::size_t longest) { return static_cast<int>(std::max(least, longest)); }

template <typename Hits, typename Get>
std::size_t longest(Hits const & models, Get get)
{
    std::size_t w = 0;
    for (auto const & m : models)
        for (auto const & h : m.hits)
            w = std::max(w, get(h).size());
    return w;
}

/// The widths of the query name and accession columns: max(20, longest name), max(least_acc, longest accession).
template <typename Result>
std::pair<int, int> query_widths(Result const & r, std::size_t least_acc)
{
    std::size_t qn = 0, qa = 0;
    for (auto const & m : r.models)
        qn = std::max(qn, m.name.size()), qa = std::max(qa, m.accession.size());
    return {width_of(20, qn), width_of(least_acc, qa)};
}

std::string const & hit_name(sequence_hit const & h) { return h.name; }
std::string const & dna_name(dna_hit const & h) { return h.name; }

template <typename Hit>
std::vector<std::size_t> order_of(std::vector<Hit> const & hits)
{
    std::vector<std::size_t> o(hits.size());
    std::iota(o.begin(), o.end(), std::size_t{0});
    std::stable_sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) {
        if (hits[a].pvalue != hits[b].pvalue)
            return hits[a].pvalue < hits[b].pvalue;
        if (hits[a].bits != hits[b].bits)
            return hits[a].bits > hits[b].bits;
        return hits[a].name < hits[b].name;
    });
    return o;
}

} // namespace

std::vector<std::size_t> hmmer_order(std::vector<sequence_hit> const & hits) { return order_of(hits); }
std::vector<std::size_t> hmmer_order(std::vector<dna_hit> const & hits) { return order_of(hits); }

void write_hmmer_table_footer(std::ostream & out, hmmer_run_info const & info)
{
    out << "#\n"
        << "# Program:         " << or_dash(info.program) << '\n'
        << "# Version:         " << or_dash(info.version) << '\n'
        << "# Pipeline mode:   SEARCH\n"
        << "# Query file:      " << (info.query_file.empty() ? "[none]" : info.query_file) << '\n'
        << "# Target file:     " << (info.target_file.empty() ? "[none]" : info.target_file) << '\n'
        << "# Option settings: " << info.options << '\n'
        << "# Current dir:     " << (info.current_dir.empty() ? "[unknown]" : info.current_dir) << '\n'
        << "# Date:            " << info.date << '\n'
        << "# [ok]\n";
}

void write_hmmer_tblout(std::ostream & out, search_result const & r, hmmer_run_info const & info)
{
    int const tw = width_of(20, longest(r.models, hit_name));
    int const taw = 10; // emtk targets carry no accession: "-"
    auto const [qw, qaw] = query_widths(r, 10);
    out << detail::printf_string("#%*s %22s %22s %33s\n", tw + qw + taw + qaw + 2, "", "--- full sequence ----", "--- best 1 domain ----",
               "--- domain number estimation ----");
    out << detail::printf_string("#%-*s %-*s %-*s %-*s %9s %6s %5s %9s %6s %5s %5s %3s %3s %3s %3s %3s %3s %3s %s\n", tw - 1,
               " target name", taw, "accession", qw, "query name", qaw, "accession", "  E-value", " score", " bias",
               "  E-value", " score", " bias", "exp", "reg", "clu", " ov", "env", "dom", "rep", "inc",
               "description of target");
    out << detail::printf_string("#%*s %*s %*s %*s %9s %6s %5s %9s %6s %5s %5s %3s %3s %3s %3s %3s %3s %3s %s\n", tw - 1,
               "-------------------", taw, "----------", qw, "--------------------", qaw, "----------", "---------",
               "------", "-----", "---------", "------", "-----", "---", "---", "---", "---", "---", "---", "---",
               "---", "---------------------");
    for (auto const & m : r.models)
        for (std::size_t i : hmmer_order(m.hits))
        {
            sequence_hit const & h = m.hits[i];
            domain_hit const * d = detail::best_domain(h);
            out << detail::printf_string("%-*s %-*s %-*s %-*s %9.2g %6.1f %5.1f %9.2g %6.1f %5.1f %5.1f %3d %3d %3d %3d %3d %3d %3d %s\n",
                       tw, h.name.c_str(), taw, "-", qw, m.name.c_str(), qaw, or_dash(m.accession), h.evalue, h.bits,
                       0.0, d ? d->i_evalue : h.evalue, d ? d->bits : h.bits, 0.0, h.counts.expected,
                       h.counts.regions, h.counts.clustered, h.counts.overlaps, h.counts.envelopes,
                       static_cast<int>(h.domains.size()), detail::reported_count(h),
                       detail::included_count(h), or_dash(h.description));
        }
    write_hmmer_table_footer(out, info);
}

void write_hmmer_domtblout(std::ostream & out, search_result const & r, hmmer_run_info const & info)
{
    int const tw = width_of(20, longest(r.models, hit_name));
    int const taw = 10;
    auto const [qw, qaw] = query_widths(r, 10);
    out << detail::printf_string("#%*s %22s %40s %11s %11s %11s\n", tw + qw - 1 + 15 + taw + qaw, "", "--- full sequence ---",
               "-------------- this domain -------------", "hmm coord", "ali coord", "env coord");
    out << detail::printf_string("#%-*s %-*s %5s %-*s %-*s %5s %9s %6s %5s %3s %3s %9s %9s %6s %5s %5s %5s %5s %5s %5s %5s %4s %s\n",
               tw - 1, " target name", taw, "accession", "tlen", qw, "query name", qaw, "accession", "qlen",
               "E-value", "score", "bias", "#", "of", "c-Evalue", "i-Evalue", "score", "bias", "from", "to", "from",
               "to", "from", "to", "acc", "description of target");
    out << detail::printf_string("#%*s %*s %5s %*s %*s %5s %9s %6s %5s %3s %3s %9s %9s %6s %5s %5s %5s %5s %5s %5s %5s %4s %s\n",
               tw - 1, "-------------------", taw, "----------", "-----", qw, "--------------------", qaw,
               "----------", "-----", "---------", "------", "-----", "---", "---", "---------", "---------",
               "------", "-----", "-----", "-----", "-----", "-----", "-----", "-----", "----",
               "---------------------");
    for (auto const & m : r.models)
        for (std::size_t i : hmmer_order(m.hits))
        {
            sequence_hit const & h = m.hits[i];
            int const of = detail::reported_count(h);
            int nd = 0;
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                out << detail::printf_string("%-*s %-*s %5zu %-*s %-*s %5d %9.2g %6.1f %5.1f %3d %3d %9.2g %9.2g %6.1f %5.1f %5d %5d "
                           "%5zu %5zu %5zu %5zu %4.2f %s\n",
                           tw, h.name.c_str(), taw, "-", h.length, qw, m.name.c_str(), qaw, or_dash(m.accession), m.M,
                           h.evalue, h.bits, 0.0, ++nd, of, d.c_evalue, d.i_evalue, d.bits, 0.0, d.hmm_from, d.hmm_to,
                           d.ali_from, d.ali_to, d.env_from, d.env_to, d.accuracy, or_dash(h.description));
            }
        }
    write_hmmer_table_footer(out, info);
}

namespace {

int position_width(dna_search_result const & r)
{
    std::size_t w = 7;
    for (auto const & m : r.models)
        for (auto const & h : m.hits)
            w = std::max(w, std::to_string(h.length).size());
    return static_cast<int>(w);
}

} // namespace

void write_hmmer_tblout(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info)
{
    int const tw = width_of(20, longest(r.models, dna_name));
    int const taw = 10;
    auto const [qw, qaw] = query_widths(r, 10);
    int const pw = position_width(r);
    out << detail::printf_string("#%-*s %-*s %-*s %-*s %s %s %*s %*s %*s %*s %*s %6s %9s %6s %5s  %s\n", tw - 1, " target name", taw,
               "accession", qw, "query name", qaw, "accession", "hmmfrom", "hmm to", pw, "alifrom", pw, "ali to", pw,
               "envfrom", pw, "env to", pw, "sq len", "strand", "  E-value", " score", " bias",
               "description of target");
    out << detail::printf_string("#%*s %*s %*s %*s %s %s %*s %*s %*s %*s %*s %6s %9s %6s %5s %s\n", tw - 1, "-------------------", taw,
               "----------", qw, "--------------------", qaw, "----------", "-------", "-------", pw, "-------", pw,
               "-------", pw, "-------", pw, "-------", pw, "-------", "------", "---------", "------", "-----",
               "---------------------");
    for (auto const & m : r.models)
        for (std::size_t i : hmmer_order(m.hits))
        {
            dna_hit const & h = m.hits[i];
            out << detail::printf_string("%-*s %-*s %-*s %-*s %7d %7d %*zu %*zu %*zu %*zu %*zu %6s %9.2g %6.1f %5.1f  %s\n", tw,
                       h.name.c_str(), taw, "-", qw, m.name.c_str(), qaw, or_dash(m.accession), h.hmm_from, h.hmm_to,
                       pw, h.ali_from, pw, h.ali_to, pw, h.env_from, pw, h.env_to, pw, h.length,
                       h.strand == '+' ? "   +  " : "   -  ", h.evalue, h.bits, h.bias, or_dash(h.description));
        }
    write_hmmer_table_footer(out, info);
}

void write_hmmer_dfamtblout(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info)
{
    int const tw = width_of(20, longest(r.models, dna_name));
    auto const [qw, aw] = query_widths(r, 20);
    int const pw = position_width(r);
    out << "# hit scores\n# ----------\n#\n";
    out << detail::printf_string("# %-*s %-*s %-*s %6s %9s %5s  %s  %s %6s %*s %*s %*s %*s %*s   %s\n", tw - 1, "target name", aw, "acc",
               qw, "query name", "bits", "  e-value", " bias", "hmm-st", "hmm-en", "strand", pw, "ali-st", pw, "ali-en",
               pw, "env-st", pw, "env-en", pw, "sq-len", "description of target");
    out << detail::printf_string("# %-*s %-*s %-*s %6s %9s %5s %s %s %6s %*s %*s %*s %*s %*s   %s\n", tw - 1, "-------------------", aw,
               "-------------------", qw, "-------------------", "------", "---------", "-----", "-------", "-------",
               "------", pw, "-------", pw, "-------", pw, "-------", pw, "-------", pw, "-------",
               "---------------------");
    for (auto const & m : r.models)
        for (std::size_t i : hmmer_order(m.hits))
        {
            dna_hit const & h = m.hits[i];
            out << detail::printf_string("%-*s  %-*s %-*s %6.1f %9.2g %5.1f %7d %7d %s %*zu %*zu %*zu %*zu %*zu   %s\n", tw,
                       h.name.c_str(), aw, or_dash(m.accession), qw, m.name.c_str(), h.bits, h.evalue, h.bias,
                       h.hmm_from, h.hmm_to, h.strand == '+' ? "   +  " : "   -  ", pw, h.ali_from, pw, h.ali_to, pw,
                       h.env_from, pw, h.env_to, pw, h.length, or_dash(h.description));
        }
    write_hmmer_table_footer(out, info);
}

} // namespace emtk::hmm
