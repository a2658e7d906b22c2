/// \file
/// \brief `emtk hmm search`: read the models, stream the targets through hmm::search()
/// (include/emtk/hmm/search.hpp), write the main report (stdout or -o) and the tables in HMMER's
/// layouts (include/emtk/hmm/hmmer_tables.hpp), emtk's TSV tables, GFF3, BED and -A.

#include "common.hpp"
#include "hmm_search.hpp"
#include "run_summary.hpp"

#include <emtk/hmm/hits_io.hpp>
#include <emtk/hmm/hmmer_tables.hpp>
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
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

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

void write_tsv(std::ostream & out, hmm::search_result const & r)
{
    out << "target\tquery\taccession\ttarget_length\tquery_length\tscore\tevalue\tpvalue\tdomains\n";
    for (auto const & m : r.models)
        for (auto const & h : m.hits)
            out << h.name << '\t' << m.name << '\t' << or_dash(m.accession) << '\t' << h.length << '\t' << m.M << '\t'
                << fixed(h.bits, 2) << '\t' << general(h.evalue) << '\t' << general(h.pvalue) << '\t'
                << reported_domains(h) << '\n';
}

void write_domtsv(std::ostream & out, hmm::search_result const & r)
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

/// Whether an argument is a thread option (left out of the tables' "Option settings": any -t
/// gives the same bytes); `takes_value` tells whether the next argument is its value.
bool thread_option(std::string const & arg, bool & takes_value)
{
    takes_value = arg == "-t" || arg == "--threads" || arg == "--cpu";
    return takes_value || (arg.starts_with("-t") && arg.size() > 2 && !arg.starts_with("--")) ||
           arg.starts_with("--threads=") || arg.starts_with("--cpu=");
}

/// The footer and report header fields of HMMER's outputs.
hmm::hmmer_run_info run_info(hmm_search_arguments const & a)
{
    hmm::hmmer_run_info info;
    info.version = version_line();
    info.query_file = a.models;
    info.target_file = a.targets;
    std::vector<std::string> const & cl = command_line();
    for (std::size_t i = 0; i < cl.size(); ++i)
    {
        bool takes_value = false;
        if (thread_option(cl[i], takes_value))
        {
            i += takes_value ? 1 : 0;
            continue;
        }
        info.options += (info.options.empty() ? "" : " ") + cl[i];
    }
    std::error_code ec;
    info.current_dir = std::filesystem::current_path(ec).string();
    info.date = hmm::hmmer_date(output_date());
    info.output_file = a.output;
    info.msa_file = a.msa;
    info.tblout_file = a.tblout;
    info.domtblout_file = a.domtblout;
    info.dfamtblout_file = a.dfamtblout;
    return info;
}

} // namespace

namespace {

/// The optional output files of a search, opened before the work (a bad directory fails early)
/// and removed unless committed.
struct search_outputs
{
    std::unique_ptr<atomic_output_file> tbl, domtbl, dfamtbl, tsv, domtsv, gff3, bed, json, report, msa;
    bool stdout_taken = false; ///< one of them writes to stdout (then the main report does not)

    explicit search_outputs(hmm_search_arguments const & a)
    {
        int dashes = 0;
        for (auto const * f : {&a.tblout, &a.domtblout, &a.dfamtblout, &a.tsv, &a.domtsv, &a.gff3, &a.bed})
            dashes += *f == "-";
        if (dashes > 1)
            throw usage_error("only one of --tblout, --domtblout, --dfamtblout, --tsv, --domtsv, --gff3 and --bed can "
                              "write to stdout ('-')");
        if (dashes == 1 && a.output == "-")
            throw usage_error("-o - and a table on stdout ('-') exclude each other");
        stdout_taken = dashes == 1;
        auto open = [](std::string const & f) {
            return f.empty() ? nullptr : std::make_unique<atomic_output_file>(f);
        };
        tbl = open(a.tblout), domtbl = open(a.domtblout), dfamtbl = open(a.dfamtblout);
        tsv = open(a.tsv), domtsv = open(a.domtsv), gff3 = open(a.gff3), bed = open(a.bed);
        json = open(a.json);
        msa = open(a.msa);
        if (!a.output.empty() && a.output != "-")
            report = open(a.output);
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
std::uint64_t hit_count(Result const & r)
{
    std::uint64_t nhits = 0;
    for (auto const & m : r.models)
        nhits += m.hits.size();
    return nhits;
}

/// Runs `search(on_batch)` (hmm::search or hmm::search_dna) under a progress bar and logs its one-line
/// summary: "searched N <targets> (R <residues>): H hits in S s".
template <typename Search>
auto run_with_progress(Search && search, std::string const & targets, std::string const & residues,
                       stopwatch const & clock)
{
    progress_bar bar{"emtk hmm search: targets", 0};
    auto r = search([&](std::uint64_t n, std::uint64_t res) { bar.update(n, std::to_string(res) + " " + residues); });
    bar.finish();
    log::summary("searched " + std::to_string(r.targets) + " " + targets + " (" + std::to_string(r.residues) + " " +
                 residues + "): " + std::to_string(hit_count(r)) + " hits in " + fixed(clock.seconds(), 2) + " s");
    return r;
}

/// The main report: to -o's file, or to stdout unless a table took it.
template <typename Result>
void write_main_report(search_outputs & outs, Result const & r, hmm::hmmer_run_info const & info, bool noali)
{
    hmm::hmmer_report_options const ro{!noali};
    search_outputs::put(outs.report, [&](std::ostream & o) { hmm::write_hmmer_report(o, r, info, ro); });
    if (!outs.report && !outs.stdout_taken)
    {
        hmm::write_hmmer_report(std::cout, r, info, ro);
        std::cout.flush();
    }
}

template <typename Result>
void write_search_summary(hmm_search_arguments const & a, search_outputs & outs, Result const & r, bool dna,
                          double Z, stopwatch const & clock)
{
    std::uint64_t const nhits = hit_count(r);
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
        summary_run(j, a.cpu_set ? a.cpu : a.threads, {{"total_s", clock.seconds()}});
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

int threads_of(hmm_search_arguments const & a) { return a.cpu_set ? a.cpu : a.threads; }

hmm::model_cutoff cutoff_of(hmm_search_arguments const & a)
{
    if (a.cut_ga + a.cut_tc + a.cut_nc > 1)
        throw usage_error("--cut_ga, --cut_tc and --cut_nc exclude each other");
    if ((a.cut_ga || a.cut_tc || a.cut_nc) && (a.bits_set || a.dom_bits_set || a.inc_bits_set || a.incdom_bits_set))
        throw usage_error("--cut_ga/--cut_tc/--cut_nc replace -T, --domT, --incT and --incdomT: give one or the other");
    return a.cut_ga ? hmm::model_cutoff::ga : a.cut_tc ? hmm::model_cutoff::tc
           : a.cut_nc ? hmm::model_cutoff::nc : hmm::model_cutoff::none;
}

void run_dna(hmm_search_arguments const & a, std::vector<hmm::search_model> const & models,
             seq::sequence_reader & targets, search_outputs & outs, stopwatch const & clock)
{
    if (!a.domtblout.empty() || !a.domtsv.empty())
        throw usage_error("--domtblout and --domtsv are for protein searches: DNA hits are single alignments (use "
                          "--tblout, --dfamtblout or --tsv)");
    if (!a.msa.empty())
        throw usage_error("-A is for protein searches (DNA hits: use --gff3 or --bed)");
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
    opt.threads = threads_of(a);
    opt.inc_evalue = a.inc_evalue;
    if (a.inc_bits_set)
        opt.inc_bits = a.inc_bits;
    opt.cutoff = cutoff_of(a);
    opt.filter.max = a.max; // issue 15: nhmmer's filter thresholds; --max turns them off
    hmm::dna_search_result const r = run_with_progress(
        [&](auto on_batch) {
            opt.on_batch = on_batch;
            return hmm::search_dna(models, a.models, targets, opt);
        },
        "DNA targets", "residues, strands counted", clock);
    hmm::hmmer_run_info const info = run_info(a);
    search_outputs::put(outs.tbl, [&](std::ostream & o) { hmm::write_hmmer_tblout(o, r, info); });
    search_outputs::put(outs.dfamtbl, [&](std::ostream & o) { hmm::write_hmmer_dfamtblout(o, r, info); });
    search_outputs::put(outs.tsv, [&](std::ostream & o) { write_dna_tblout(o, r); });
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
    write_main_report(outs, r, info, a.noali);
}

void run_protein(hmm_search_arguments const & a, std::vector<hmm::search_model> const & models,
                 seq::sequence_reader & targets, search_outputs & outs, stopwatch const & clock)
{
    if (a.watson || a.crick || a.nonull2)
        throw usage_error("--watson, --crick and --nonull2 apply to DNA models (these models are protein models)");
    if (!a.dfamtblout.empty())
        throw usage_error("--dfamtblout is for DNA searches (use --tblout and --domtblout)");
    if (a.no_domains && (!a.domtblout.empty() || !a.domtsv.empty() || !a.msa.empty()))
        throw usage_error("--no-domains excludes --domtblout, --domtsv and -A (they list domains)");
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
    opt.threads = threads_of(a);
    opt.inc_evalue = a.inc_evalue;
    opt.incdom_evalue = a.incdom_evalue;
    if (a.inc_bits_set)
        opt.inc_bits = a.inc_bits;
    if (a.incdom_bits_set)
        opt.incdom_bits = a.incdom_bits;
    opt.cutoff = cutoff_of(a);
    opt.filter = {a.F1, a.F2, a.F3, !a.nobias, a.max}; // issue 15's filter cascade
    hmm::search_result const r = run_with_progress(
        [&](auto on_batch) {
            opt.on_batch = on_batch;
            return hmm::search(models, a.models, targets, opt);
        },
        "targets", "residues", clock);
    hmm::hmmer_run_info const info = run_info(a);
    search_outputs::put(outs.tbl, [&](std::ostream & o) { hmm::write_hmmer_tblout(o, r, info); });
    search_outputs::put(outs.domtbl, [&](std::ostream & o) { hmm::write_hmmer_domtblout(o, r, info); });
    search_outputs::put(outs.tsv, [&](std::ostream & o) { write_tsv(o, r); });
    search_outputs::put(outs.domtsv, [&](std::ostream & o) { write_domtsv(o, r); });
    if (outs.msa) // as hmmsearch: no file when no domain is included
    {
        std::ostringstream sto;
        if (hmm::write_included_stockholm(sto, r) == 0)
            log::warning("-A " + a.msa + ": no domain satisfies the inclusion thresholds; no alignment saved");
        else
            search_outputs::put(outs.msa, [&](std::ostream & o) { o << sto.str(); });
    }
    search_outputs::put(outs.gff3, [&](std::ostream & o) { hmm::write_gff3(o, r); });
    search_outputs::put(outs.bed, [&](std::ostream & o) { hmm::write_bed(o, r); });
    write_search_summary(a, outs, r, false, r.Z, clock);
    write_main_report(outs, r, info, a.noali);
}

} // namespace

void hmm_search_run(hmm_search_arguments const & a)
{
    hmm::configure_allocator_for_search(); // before any thread (peak memory, search.hpp)
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
    if (!(a.inc_evalue > 0) || !(a.incdom_evalue > 0))
        throw usage_error("--incE and --incdomE must be > 0");
    if (a.cpu_set && a.threads != 1 && a.threads != a.cpu)
        throw usage_error("-t and --cpu are the same option: give one");
    std::optional<seq::alphabet_type> forced;
    if (!a.alphabet.empty())
        forced = seq::alphabet::parse(a.alphabet);
    for (auto const * f : {&a.tblout, &a.domtblout, &a.dfamtblout, &a.tsv, &a.domtsv, &a.gff3, &a.bed, &a.json,
                           &a.multiqc, &a.output, &a.msa})
    {
        check_output_path(*f, a.targets, "target file");
        check_output_path(*f, a.models, "model file");
    }
    if (a.json == "-" || a.multiqc == "-")
        throw usage_error("--json and --multiqc need a file name (not '-')");
    if (a.msa == "-")
        throw usage_error("-A needs a file name (not '-')");

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
