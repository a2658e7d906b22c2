// The main report of a search in hmmsearch's / nhmmer's layout, and the Stockholm alignment of
// included domains (-A): see include/emtk/hmm/hmmer_tables.hpp. Layout after HMMER 3.3
// src/p7_tophits.c (p7_tophits_Targets, p7_tophits_Domains), src/p7_alidisplay.c
// (p7_alidisplay_Print) and src/p7_pipeline.c (p7_pli_Statistics); read, not copied.
#include <emtk/hmm/alignment_io.hpp>
#include <emtk/hmm/hmmer_tables.hpp>

#include "hmmer_text.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace emtk::hmm {

namespace {

std::string const rule = "# - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -\n";

void report_header(std::ostream & out, hmmer_run_info const & info, char const * what)
{
    out << "# " << info.program << " :: " << what << '\n' << "# " << info.version << '\n' << rule;
    auto line = [&](char const * label, std::string const & v) {
        if (!v.empty())
            out << detail::printf_string("# %-32s %s\n", label, v.c_str());
    };
    line("query HMM file:", info.query_file);
    line("target sequence database:", info.target_file);
    line("output directed to file:", info.output_file);
    line("MSA of all hits saved to file:", info.msa_file);
    line("per-seq hits tabular output:", info.tblout_file);
    line("per-dom hits tabular output:", info.domtblout_file);
    line("hits output in Dfam format:", info.dfamtblout_file);
    out << rule << '\n';
}

void query_block(std::ostream & out, std::string const & name, std::string const & acc, std::string const & desc, int M)
{
    out << detail::printf_string("Query:       %s  [M=%d]\n", name.c_str(), M);
    if (!acc.empty())
        out << "Accession:   " << acc << '\n';
    if (!desc.empty())
        out << "Description: " << desc << '\n';
}

std::string truncated(std::string const & s, std::size_t w) { return s.size() <= w ? s : s.substr(0, w); }

/// HMMER's four-line alignment display, in blocks of the width left by the names and coordinates.
void print_alignment(std::ostream & out, domain_alignment const & a, std::string const & model, std::string const & target,
                     domain_hit const & d, std::size_t width)
{
    int const namew = static_cast<int>(std::max(model.size(), target.size()));
    int coordw = 0;
    for (std::size_t v : {static_cast<std::size_t>(d.hmm_from), static_cast<std::size_t>(d.hmm_to), d.ali_from, d.ali_to})
        coordw = std::max(coordw, static_cast<int>(std::to_string(v).size()));
    long const room = static_cast<long>(width) - namew - 2 * coordw - 5;
    std::size_t const aliw = room < 20 ? a.model.size() : static_cast<std::size_t>(room);
    std::size_t k = static_cast<std::size_t>(d.hmm_from), i = d.ali_from; // next model position / residue
    for (std::size_t from = 0; from < a.model.size(); from += aliw)
    {
        std::size_t const n = std::min(aliw, a.model.size() - from);
        std::size_t k1 = k, i1 = i, k2 = k, i2 = i;
        bool any_k = false, any_i = false;
        for (std::size_t c = from; c < from + n; ++c)
        {
            if (a.model[c] != '.')
            {
                if (!any_k)
                    k1 = k;
                k2 = k++;
                any_k = true;
            }
            if (a.target[c] != '-')
            {
                if (!any_i)
                    i1 = i;
                i2 = i++;
                any_i = true;
            }
        }
        if (!any_k)
            k1 = k2 = k - 1;
        if (!any_i)
            i1 = i2 = i - 1;
        out << detail::printf_string("  %*s %*zu %s %-*zu\n", namew, model.c_str(), coordw, k1, a.model.substr(from, n).c_str(), coordw, k2);
        out << detail::printf_string("  %*s %s\n", namew + coordw + 1, "", a.match.substr(from, n).c_str());
        out << detail::printf_string("  %*s %*zu %s %-*zu\n", namew, target.c_str(), coordw, i1, a.target.substr(from, n).c_str(), coordw, i2);
        out << detail::printf_string("  %*s %s PP\n", namew + coordw + 1, "", a.pp.substr(from, n).c_str());
        out << '\n';
    }
}

void statistics(std::ostream & out, std::size_t models, int M, std::uint64_t targets, std::uint64_t residues, double Z,
                double domZ, bool z_given, bool domz_given)
{
    out << "Internal pipeline statistics summary:\n-------------------------------------\n";
    out << detail::printf_string("%-26s %16zu  (%d nodes)\n", "Query model(s):", models, M);
    out << detail::printf_string("%-26s %16llu  (%llu residues searched)\n", "Target sequences:", static_cast<unsigned long long>(targets),
               static_cast<unsigned long long>(residues));
    out << detail::printf_string("%-26s %16.0f  %s\n", "Initial search space (Z):", Z,
               z_given ? "[as set by -Z on cmdline]" : "[actual number of targets]");
    out << detail::printf_string("%-26s %16.0f  %s\n", "Domain search space  (domZ):", domZ,
               domz_given ? "[as set by --domZ on cmdline]" : "[number of targets reported over threshold]");
}

} // namespace

void write_hmmer_report(std::ostream & out, search_result const & r, hmmer_run_info const & info,
                        hmmer_report_options const & opt)
{
    report_header(out, info, "search profile(s) against a sequence database");
    for (auto const & m : r.models)
    {
        query_block(out, m.name, m.accession, m.description, m.M);
        std::vector<std::size_t> const order = hmmer_order(m.hits);
        std::size_t namew = 8;
        for (auto const & h : m.hits)
            namew = std::max(namew, h.name.size());
        auto const nw = static_cast<int>(namew);
        std::size_t const descw = std::max<std::size_t>(32, opt.width > namew + 61 ? opt.width - namew - 61 : 0);
        out << "Scores for complete sequences (score includes all domains):\n";
        out << detail::printf_string("  %22s  %22s  %8s\n", " --- full sequence ---", " --- best 1 domain ---", "-#dom-");
        out << detail::printf_string("  %9s %6s %5s  %9s %6s %5s  %5s %2s  %-*s %s\n", "E-value", " score", " bias", "E-value", " score",
                   " bias", "  exp", "N", nw, "Sequence", "Description");
        out << detail::printf_string("  %9s %6s %5s  %9s %6s %5s  %5s %2s  %-*s %s\n", "-------", "------", "-----", "-------", "------",
                   "-----", " ----", "--", nw, "--------", "-----------");
        bool threshold_shown = false;
        for (std::size_t i : order)
        {
            sequence_hit const & h = m.hits[i];
            if (!h.included && !threshold_shown)
            {
                out << "  ------ inclusion threshold ------\n";
                threshold_shown = true;
            }
            domain_hit const * d = detail::best_domain(h);
            out << detail::printf_string("%c %9.2g %6.1f %5.1f  %9.2g %6.1f %5.1f  %5.1f %2d  %-*s %s\n", ' ', h.evalue, h.bits, 0.0,
                       d ? d->i_evalue : h.evalue, d ? d->bits : h.bits, 0.0, h.counts.expected,
                       detail::reported_count(h), nw, h.name.c_str(), truncated(h.description, descw).c_str());
        }
        if (m.hits.empty())
            out << "\n   [No hits detected that satisfy reporting thresholds]\n";
        out << "\n\nDomain annotation for each sequence" << (opt.alignments ? " (and alignments)" : "") << ":\n";
        for (std::size_t i : order)
        {
            sequence_hit const & h = m.hits[i];
            out << ">> " << h.name << "  " << truncated(h.description, opt.width > h.name.size() + 4 ? opt.width - h.name.size() - 4 : 0) << '\n';
            if (detail::reported_count(h) == 0)
            {
                out << "   [No individual domains that satisfy reporting thresholds (although complete target did)]\n\n";
                continue;
            }
            out << "   #    score  bias  c-Evalue  i-Evalue hmmfrom  hmm to    alifrom  ali to    envfrom  env to     acc\n";
            out << " ---   ------ ----- --------- --------- ------- -------    ------- -------    ------- -------    ----\n";
            int nd = 0;
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                out << detail::printf_string(" %3d %c %6.1f %5.1f %9.2g %9.2g %7d %7d %c%c %7zu %7zu %c%c %7zu %7zu %c%c %4.2f\n", ++nd,
                           d.included ? '!' : '?', d.bits, 0.0, d.c_evalue, d.i_evalue, d.hmm_from, d.hmm_to,
                           d.hmm_from == 1 ? '[' : '.', d.hmm_to == m.M ? ']' : '.', d.ali_from, d.ali_to,
                           d.ali_from == 1 ? '[' : '.', d.ali_to == h.length ? ']' : '.', d.env_from, d.env_to,
                           d.env_from == 1 ? '[' : '.', d.env_to == h.length ? ']' : '.', d.accuracy);
            }
            if (!opt.alignments)
            {
                out << '\n';
                continue;
            }
            out << "\n  Alignments for each domain:\n";
            nd = 0;
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                out << detail::printf_string("  == domain %d  score: %.1f bits;  conditional E-value: %.2g\n", ++nd, d.bits, d.c_evalue);
                print_alignment(out, d.alignment, m.name, h.name, d, opt.width);
            }
            out << '\n';
        }
        if (m.hits.empty())
            out << "\n   [No targets detected that satisfy reporting thresholds]\n";
        out << "\n\n";
        statistics(out, 1, m.M, r.targets, r.residues, r.Z, m.domZ, false, false);
        out << "//\n";
    }
    out << "[ok]\n";
}

void write_hmmer_report(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info,
                        hmmer_report_options const &)
{
    report_header(out, info, "search a DNA model, alignment, or sequence against a DNA database");
    for (auto const & m : r.models)
    {
        query_block(out, m.name, m.accession, m.description, m.M);
        std::vector<std::size_t> const order = hmmer_order(m.hits);
        std::size_t namew = 8, posw = 6;
        for (auto const & h : m.hits)
            namew = std::max(namew, h.name.size()), posw = std::max(posw, std::to_string(h.length).size());
        auto const nw = static_cast<int>(namew);
        auto const pw = static_cast<int>(posw);
        out << "Scores for complete hits:\n";
        out << detail::printf_string("  %9s %6s %5s  %-*s %*s %*s  %s\n", "E-value", " score", " bias", nw, "Sequence", pw, "start", pw,
                   "end", "Description");
        out << detail::printf_string("  %9s %6s %5s  %-*s %*s %*s  %s\n", "-------", "------", "-----", nw, "--------", pw, "-----", pw,
                   "-----", "-----------");
        bool threshold_shown = false;
        for (std::size_t i : order)
        {
            dna_hit const & h = m.hits[i];
            if (!h.included && !threshold_shown)
            {
                out << "  ------ inclusion threshold ------\n";
                threshold_shown = true;
            }
            out << detail::printf_string("%c %9.2g %6.1f %5.1f  %-*s %*zu %*zu  %s\n", ' ', h.evalue, h.bits, h.bias, nw, h.name.c_str(),
                       pw, h.ali_from, pw, h.ali_to, h.description.c_str());
        }
        if (m.hits.empty())
            out << "\n   [No hits detected that satisfy reporting thresholds]\n";
        out << "\n\nAnnotation for each hit:\n";
        for (std::size_t i : order)
        {
            dna_hit const & h = m.hits[i];
            out << ">> " << h.name << "  " << h.description << '\n';
            out << "    score  bias    Evalue   hmmfrom    hmm to     alifrom    ali to      envfrom    env to       sq len      acc\n";
            out << "   ------ ----- ---------   -------   -------    --------- ---------    --------- ---------    ---------    ----\n";
            out << detail::printf_string(" %c %6.1f %5.1f %9.2g   %7d   %7d %c%c %9zu %9zu %c%c %9zu %9zu %c%c %9zu    %4.2f\n\n",
                       h.included ? '!' : '?', h.bits, h.bias, h.evalue, h.hmm_from, h.hmm_to,
                       h.hmm_from == 1 ? '[' : '.', h.hmm_to == m.M ? ']' : '.', h.ali_from, h.ali_to,
                       std::min(h.ali_from, h.ali_to) == 1 ? '[' : '.', std::max(h.ali_from, h.ali_to) == h.length ? ']' : '.',
                       h.env_from, h.env_to, std::min(h.env_from, h.env_to) == 1 ? '[' : '.',
                       std::max(h.env_from, h.env_to) == h.length ? ']' : '.', h.length, h.accuracy);
        }
        out << "\n\nInternal pipeline statistics summary:\n-------------------------------------\n";
        out << detail::printf_string("%-26s %16d  (%d nodes)\n", "Query model(s):", 1, m.M);
        out << detail::printf_string("%-26s %16llu  (%llu residues searched, both strands counted)\n", "Target sequences:",
                   static_cast<unsigned long long>(r.targets), static_cast<unsigned long long>(r.residues));
        out << detail::printf_string("%-26s %16zu\n", "Total number of hits:", m.hits.size());
        out << "//\n";
    }
    out << "[ok]\n";
}

text_alignment included_domains_alignment(model_hits const & m)
{
    struct row
    {
        std::string name;
        domain_hit const * d;
    };
    std::vector<row> rows;
    for (std::size_t i : hmmer_order(m.hits))
        for (auto const & d : m.hits[i].domains)
            if (d.included)
                rows.push_back({m.hits[i].name + "/" + std::to_string(d.ali_from) + "-" + std::to_string(d.ali_to), &d});
    auto const M = static_cast<std::size_t>(m.M);
    // Per row: the residue (or '-') of each match state 1 … M and the inserts after each (0 … M).
    std::vector<std::string> match(rows.size(), std::string(M + 1, '-')), mpp(rows.size(), std::string(M + 1, '.'));
    std::vector<std::vector<std::string>> ins(rows.size(), std::vector<std::string>(M + 1)),
        ipp(rows.size(), std::vector<std::string>(M + 1));
    std::vector<std::size_t> width(M + 1, 0);
    for (std::size_t r = 0; r < rows.size(); ++r)
    {
        domain_alignment const & a = rows[r].d->alignment;
        auto k = static_cast<std::size_t>(rows[r].d->hmm_from);
        for (std::size_t c = 0; c < a.model.size(); ++c)
        {
            if (a.model[c] == '.')
            {
                ins[r][k - 1] += a.target[c]; // insert after node k − 1 (k is the next match state)
                ipp[r][k - 1] += a.pp[c];
                continue;
            }
            match[r][k] = a.target[c];
            mpp[r][k] = a.pp[c];
            ++k;
        }
        for (std::size_t j = 0; j <= M; ++j)
            width[j] = std::max(width[j], ins[r][j].size());
    }
    text_alignment t;
    for (std::size_t j = 0; j <= M; ++j)
    {
        if (j > 0)
            t.rf += 'x';
        t.rf += std::string(width[j], '.');
    }
    for (std::size_t r = 0; r < rows.size(); ++r)
    {
        std::string text, pp;
        for (std::size_t j = 0; j <= M; ++j)
        {
            if (j > 0)
                text += match[r][j], pp += mpp[r][j];
            text += ins[r][j] + std::string(width[j] - ins[r][j].size(), '.');
            pp += ipp[r][j] + std::string(width[j] - ipp[r][j].size(), '.');
        }
        t.names.push_back(rows[r].name);
        t.descriptions.emplace_back();
        t.rows.push_back(std::move(text));
        t.pp.push_back(std::move(pp));
    }
    return t;
}

std::size_t write_included_stockholm(std::ostream & out, search_result const & r)
{
    std::size_t n = 0;
    for (auto const & m : r.models)
    {
        text_alignment const t = included_domains_alignment(m);
        if (t.rows.empty())
            continue;
        n += t.rows.size();
        write_stockholm(out, t);
    }
    return n;
}

} // namespace emtk::hmm
