/// \file
/// \brief `emtk hmm search`: read the models, stream the targets through hmm::search()
/// (include/emtk/hmm/search.hpp), write the readable table (stdout) and the TSV tables.

#include "common.hpp"
#include "hmm_search.hpp"
#include "run_summary.hpp"

#include <emtk/hmm/hits_io.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/hmm/search_dna.hpp>
#include <emtk/seq/reader.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>

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

namespace {

/// The optional output files of a search, opened before the work (a bad directory fails early)
/// and removed unless committed.
struct search_outputs
{
    std::unique_ptr<atomic_output_file> tbl, domtbl, gff3, bed, json;
    bool stdout_taken = false; ///< one of them writes to stdout (then the readable table does not)

    explicit search_outputs(hmm_search_arguments const & a)
    {
        int dashes = 0;
        for (auto const * f : {&a.tblout, &a.domtblout, &a.gff3, &a.bed})
            dashes += *f == "-";
        if (dashes > 1)
            throw usage_error("only one of --tblout, --domtblout, --gff3 and --bed can write to stdout ('-')");
        stdout_taken = dashes == 1;
        auto open = [](std::string const & f) {
            return f.empty() ? nullptr : std::make_unique<atomic_output_file>(f);
        };
        tbl = open(a.tblout), domtbl = open(a.domtblout), gff3 = open(a.gff3), bed = open(a.bed);
        json = open(a.json);
    }

    template <typename Write>
    static void put(std::unique_ptr<atomic_output_file> & f, Write && write)
    {
        if (!f)
            return;
        write(f->stream());
        f->commit();
    }
};

/// The run summary (run_summary.hpp) and the MultiQC table of a search: per model its hits.
template <typename Result>
void write_search_summary(hmm_search_arguments const & a, search_outputs & outs, Result const & r, bool dna,
                          double Z, stopwatch const & clock)
{
    std::uint64_t nhits = 0;
    for (auto const & m : r.models)
        nhits += m.hits.size();
    search_outputs::put(outs.json, [&](std::ostream & o) {
        json_writer j{o};
        j.begin_object();
        summary_head(j, "emtk hmm search", std::nullopt, {a.models, a.targets});
        summary_records(j, record_counts{r.targets, 0, {}});
        summary_no_em(j);
        j.field("mode", dna ? "dna" : "protein");
        j.field("targets", r.targets);
        j.field("residues", r.residues);
        j.field("Z", Z);
        j.field("hits", nhits);
        j.key("models").begin_array();
        for (auto const & m : r.models)
        {
            j.begin_object();
            j.field("name", m.name);
            j.field("length", m.M);
            j.field("hits", static_cast<std::uint64_t>(m.hits.size()));
            j.end_object();
        }
        j.end_array();
        summary_run(j, a.threads, {{"total_s", clock.seconds()}});
        j.end_object();
    });
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm search",
                      dna ? "Profile-HMM hits on both strands (nhmmer's scoring)." : "Profile-HMM hits (hmmsearch's scoring).",
                      sample_name(a.targets),
                      {{"targets", static_cast<double>(r.targets)},
                       {"residues", static_cast<double>(r.residues)},
                       {"models", static_cast<double>(r.models.size())},
                       {"hits", static_cast<double>(nhits)}});
}

void run_dna(hmm_search_arguments const & a, std::vector<hmm::search_model> const & models,
             seq::sequence_reader & targets, search_outputs & outs, stopwatch const & clock)
{
    if (!a.domtblout.empty())
        throw usage_error("--domtblout is for protein searches: DNA hits are single alignments (use --tblout)");
    if (a.watson && a.crick)
        throw usage_error("--watson and --crick exclude each other (the default searches both strands)");
    hmm::dna_search_options opt;
    opt.evalue = a.evalue;
    if (a.bits_set)
        opt.bits = a.bits;
    if (a.Z_set)
        opt.Z_mb = a.Z;
    opt.top = !a.crick;
    opt.bottom = !a.watson;
    opt.bias = !a.nonull2;
    opt.window = static_cast<std::size_t>(a.window);
    opt.threads = a.threads;
    opt.filter.max = a.max; // issue 15: nhmmer's filter thresholds; --max turns them off
    progress_bar bar{"emtk hmm search: targets", 0};
    opt.on_batch = [&](std::uint64_t n, std::uint64_t res) { bar.update(n, std::to_string(res) + " residues (strands counted)"); };
    hmm::dna_search_result const r = hmm::search_dna(models, a.models, targets, opt);
    bar.finish();
    std::size_t nhits = 0;
    for (auto const & m : r.models)
        nhits += m.hits.size();
    log::info("searched " + std::to_string(r.targets) + " DNA targets (" + std::to_string(r.residues) +
              " residues, strands counted): " + std::to_string(nhits) + " hits in " + fixed(clock.seconds(), 2) + " s");
    search_outputs::put(outs.tbl, [&](std::ostream & o) { write_dna_tblout(o, r); });
    search_outputs::put(outs.gff3, [&](std::ostream & o) { hmm::write_gff3(o, r); });
    search_outputs::put(outs.bed, [&](std::ostream & o) { hmm::write_bed(o, r); });
    double Z = 0;
    for (auto const & m : r.models) // Z differs per model (residues / its max hit length): report the first's
    {
        Z = static_cast<double>(r.residues) / static_cast<double>(m.max_length);
        break;
    }
    if (opt.Z_mb)
        Z = *opt.Z_mb * 1e6 * ((opt.top ? 1 : 0) + (opt.bottom ? 1 : 0)) / static_cast<double>(r.models.front().max_length);
    write_search_summary(a, outs, r, true, Z, clock);
    if (!outs.stdout_taken)
    {
        write_dna_table(std::cout, r, a.targets);
        std::cout.flush();
    }
}

void run_protein(hmm_search_arguments const & a, std::vector<hmm::search_model> const & models,
                 seq::sequence_reader & targets, search_outputs & outs, stopwatch const & clock)
{
    if (a.watson || a.crick || a.nonull2)
        throw usage_error("--watson, --crick and --nonull2 apply to DNA models (these models are protein models)");
    hmm::search_options opt;
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
    opt.filter = {a.F1, a.F2, a.F3, !a.nobias, a.max}; // issue 15's filter cascade
    progress_bar bar{"emtk hmm search: targets", 0};
    opt.on_batch = [&](std::uint64_t n, std::uint64_t res) { bar.update(n, std::to_string(res) + " residues"); };
    hmm::search_result const r = hmm::search(models, a.models, targets, opt);
    bar.finish();
    std::size_t nhits = 0;
    for (auto const & m : r.models)
        nhits += m.hits.size();
    log::info("searched " + std::to_string(r.targets) + " targets (" + std::to_string(r.residues) +
              " residues): " + std::to_string(nhits) + " hits in " + fixed(clock.seconds(), 2) + " s");
    search_outputs::put(outs.tbl, [&](std::ostream & o) { write_tblout(o, r); });
    search_outputs::put(outs.domtbl, [&](std::ostream & o) { write_domtblout(o, r); });
    search_outputs::put(outs.gff3, [&](std::ostream & o) { hmm::write_gff3(o, r); });
    search_outputs::put(outs.bed, [&](std::ostream & o) { hmm::write_bed(o, r); });
    write_search_summary(a, outs, r, false, r.Z, clock);
    if (!outs.stdout_taken)
    {
        write_table(std::cout, r, a.targets);
        std::cout.flush();
    }
}

} // namespace

void hmm_search_run(hmm_search_arguments const & a)
{
    stopwatch clock;
    apply_verbosity(a.quiet, a.verbose);
    if (!(a.evalue > 0))
        throw usage_error("-E must be > 0");
    if (!(a.dom_evalue > 0))
        throw usage_error("--domE must be > 0");
    if (a.Z_set && !(a.Z > 0))
        throw usage_error("-Z must be > 0");
    if (a.domZ_set && !(a.domZ > 0))
        throw usage_error("--domZ must be > 0");
    std::optional<seq::alphabet_type> forced;
    if (!a.alphabet.empty())
        forced = seq::alphabet::parse(a.alphabet);
    for (auto const * f : {&a.tblout, &a.domtblout, &a.gff3, &a.bed, &a.json, &a.multiqc})
        check_output_path(*f, a.targets, "target file");
    if (a.json == "-" || a.multiqc == "-")
        throw usage_error("--json and --multiqc need a file name (not '-')");

    search_outputs outs{a};
    std::vector<hmm::search_model> const models = hmm::load_search_models(a.models);
    log::info("read " + std::to_string(models.size()) + (models.size() == 1 ? " model" : " models") + " from " +
              a.models);
    bool const dna = models.front().model().alphabet != seq::alphabet_type::amino;
    for (auto const & m : models)
        if ((m.model().alphabet != seq::alphabet_type::amino) != dna)
            throw user_error(a.models + ": mixes protein and nucleotide models (model " + m.model().name +
                             "): search them separately");
    seq::sequence_reader targets{a.targets, forced};
    if (dna)
        run_dna(a, models, targets, outs, clock);
    else
        run_protein(a, models, targets, outs, clock);
}

} // namespace emtk::cli
