/// \file
/// \brief `emtk hmm search`: read the models, stream the targets through hmm::search()
/// (include/emtk/hmm/search.hpp), write the readable table (stdout) and the TSV tables.

#include "common.hpp"
#include "hmm_search.hpp"

#include <emtk/hmm/search.hpp>
#include <emtk/seq/reader.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

namespace emtk::cli {

namespace {

std::string fixed(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string general(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

std::string or_dash(std::string const & s) { return s.empty() ? std::string{"-"} : s; }

std::size_t reported_domains(hmm::sequence_hit const & h)
{
    std::size_t n = 0;
    for (auto const & d : h.domains)
        n += d.reported;
    return n;
}

void write_tblout(std::ostream & out, hmm::search_result const & r)
{
    out << "target\tquery\taccession\ttarget_length\tquery_length\tscore\tevalue\tpvalue\tdomains\n";
    for (auto const & m : r.models)
        for (auto const & h : m.hits)
            out << h.name << '\t' << m.name << '\t' << or_dash(m.accession) << '\t' << h.length << '\t' << m.M << '\t'
                << fixed(h.bits, 2) << '\t' << general(h.evalue) << '\t' << general(h.pvalue) << '\t'
                << reported_domains(h) << '\n';
}

void write_domtblout(std::ostream & out, hmm::search_result const & r)
{
    out << "target\tquery\taccession\ttarget_length\tquery_length\tscore\tevalue\tdomain\tn_domains\t"
           "domain_score\tc_evalue\ti_evalue\thmm_from\thmm_to\tali_from\tali_to\tenv_from\tenv_to\n";
    for (auto const & m : r.models)
        for (auto const & h : m.hits)
        {
            std::size_t const n = reported_domains(h);
            std::size_t k = 0;
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                out << h.name << '\t' << m.name << '\t' << or_dash(m.accession) << '\t' << h.length << '\t' << m.M
                    << '\t' << fixed(h.bits, 2) << '\t' << general(h.evalue) << '\t' << ++k << '\t' << n << '\t'
                    << fixed(d.bits, 2) << '\t' << general(d.c_evalue) << '\t' << general(d.i_evalue) << '\t'
                    << d.hmm_from << '\t' << d.hmm_to << '\t' << d.ali_from << '\t' << d.ali_to << '\t' << d.env_from
                    << '\t' << d.env_to << '\n';
            }
        }
}

void write_table(std::ostream & out, hmm::search_result const & r, std::string const & targets)
{
    char line[512];
    for (auto const & m : r.models)
    {
        out << "Query: " << m.name << "  [M=" << m.M << "]";
        if (!m.accession.empty())
            out << "  " << m.accession;
        out << '\n';
        if (!m.description.empty())
            out << "Description: " << m.description << '\n';
        out << "Hits (scores as hmmsearch --max --nonull2, in target order):\n";
        std::snprintf(line, sizeof line, "  %10s %8s %5s %8s  %-20s %s\n", "E-value", "score", "#dom", "length",
                      "target", "description");
        out << line;
        if (m.hits.empty())
            out << "  [no hits above the reporting threshold]\n";
        for (auto const & h : m.hits)
        {
            std::snprintf(line, sizeof line, "  %10.2g %8.1f %5zu %8zu  %-20s ", h.evalue, h.bits, reported_domains(h),
                          h.length, h.name.c_str());
            out << line << h.description << '\n';
            std::size_t k = 0;
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                std::snprintf(line, sizeof line,
                              "      domain %zu: score %.1f  c-Evalue %.2g  i-Evalue %.2g  hmm %d-%d  ali %zu-%zu  "
                              "env %zu-%zu\n",
                              ++k, d.bits, d.c_evalue, d.i_evalue, d.hmm_from, d.hmm_to, d.ali_from, d.ali_to,
                              d.env_from, d.env_to);
                out << line;
            }
        }
        out << '\n';
    }
    out << "# " << r.targets << " targets (" << r.residues << " residues) from " << (targets == "-" ? "<stdin>" : targets)
        << " searched with " << r.models.size() << (r.models.size() == 1 ? " model" : " models") << ", Z = "
        << general(r.Z) << '\n';
}

} // namespace

void hmm_search_run(hmm_search_arguments const & a)
{
    stopwatch clock;
    apply_verbosity(a.quiet, a.verbose);
    hmm::search_options opt;
    if (!(a.evalue > 0))
        throw usage_error("-E must be > 0");
    if (!(a.dom_evalue > 0))
        throw usage_error("--domE must be > 0");
    if (a.Z_set && !(a.Z > 0))
        throw usage_error("-Z must be > 0");
    if (a.domZ_set && !(a.domZ > 0))
        throw usage_error("--domZ must be > 0");
    if (a.tblout == "-" && a.domtblout == "-")
        throw usage_error("--tblout and --domtblout cannot both be '-' (stdout)");
    opt.evalue = a.evalue;
    opt.dom_evalue = a.dom_evalue;
    if (a.bits_set)
        opt.bits = a.bits;
    if (a.dom_bits_set)
        opt.dom_bits = a.dom_bits;
    if (a.Z_set)
        opt.Z = a.Z;
    if (a.domZ_set)
        opt.domZ = a.domZ;
    opt.domains = !a.no_domains;
    opt.threads = a.threads;
    std::optional<seq::alphabet_type> forced;
    if (!a.alphabet.empty())
        forced = seq::alphabet::parse(a.alphabet);

    // Output files first: a bad directory fails before the work; they vanish if anything fails.
    std::unique_ptr<atomic_output_file> tbl, domtbl;
    if (!a.tblout.empty())
        tbl = std::make_unique<atomic_output_file>(a.tblout);
    if (!a.domtblout.empty())
        domtbl = std::make_unique<atomic_output_file>(a.domtblout);

    std::vector<hmm::search_model> const models = hmm::load_search_models(a.models);
    log::info("read " + std::to_string(models.size()) + (models.size() == 1 ? " model" : " models") + " from " +
              a.models);
    seq::sequence_reader targets{a.targets, forced};
    hmm::search_result const r = hmm::search(models, a.models, targets, opt);
    std::size_t nhits = 0;
    for (auto const & m : r.models)
        nhits += m.hits.size();
    log::info("searched " + std::to_string(r.targets) + " targets (" + std::to_string(r.residues) +
              " residues): " + std::to_string(nhits) + " hits in " + fixed(clock.seconds(), 2) + " s");

    if (tbl)
    {
        write_tblout(tbl->stream(), r);
        tbl->commit();
    }
    if (domtbl)
    {
        write_domtblout(domtbl->stream(), r);
        domtbl->commit();
    }
    if (a.tblout != "-" && a.domtblout != "-")
    {
        write_table(std::cout, r, a.targets);
        std::cout.flush();
    }
}

} // namespace emtk::cli
