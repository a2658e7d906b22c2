#include "run_summary.hpp"

#include "common.hpp"

#include <emtk/em/distributed.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/version.hpp>

#include <array>

namespace emtk::cli {

void summary_head(json_writer & j, std::string_view tool, std::optional<std::uint64_t> seed,
                  std::vector<std::string> const & inputs)
{
    j.field("schema", "emtk-run-summary/1");
    j.field("tool", tool);
    j.field("version", version_string);
    j.field("commit", git_commit);
    if (seed)
        j.field("seed", *seed);
    else
        j.key("seed").null();
    j.key("inputs").value(inputs);
}

void summary_records(json_writer & j, record_counts const & r)
{
    j.key("records").begin_object();
    j.field("used", r.used);
    j.field("skipped", r.skipped);
    j.key("skipped_reasons").begin_object();
    for (auto const & [why, n] : r.skipped_reasons)
        j.field(why, n);
    j.end_object();
    j.end_object();
}

void summary_no_em(json_writer & j)
{
    j.field("iterations", 0);
    j.field("stop_reason", "none");
    j.key("objective_trace").value(std::vector<double>{});
}

void summary_restart(json_writer & j, em::restart_summary const & s, std::string const & message)
{
    if (s.reason == em::stop_reason::degenerate || s.reason == em::stop_reason::diverged)
        j.key("objective").null();
    else
        j.field("objective", s.objective);
    j.field("iterations", s.iterations);
    j.field("stop_reason", em::to_string(s.reason));
    if (!message.empty())
        j.field("message", message);
}

void summary_em_mode(json_writer & j, em::stepwise_summary const & s)
{
    j.field("em_mode", s.used ? "stepwise" : "batch");
    if (!s.used)
        return;
    j.key("stepwise").begin_object();
    j.field("batch_size", static_cast<std::uint64_t>(s.batch_size));
    j.field("alpha", s.alpha);
    j.field("passes", s.passes);
    j.field("updates", static_cast<std::uint64_t>(s.updates));
    j.field("objective", s.held_out > 0 ? "held-out" : "full pass");
    j.field("held_out", static_cast<std::uint64_t>(s.held_out));
    j.field("converged", s.converged);
    j.field("polish_iterations", s.polish_iterations);
    j.key("pass_objective").value(s.pass_objective);
    j.end_object();
}

void summary_run(json_writer & j, int threads, std::vector<std::pair<std::string, double>> const & timings)
{
    j.key("run").begin_object();
    j.key("command_line").value(command_line());
    j.field("threads", threads);
    j.field("mpi_ranks", em::dist::size());
    j.key("timings").begin_object();
    for (auto const & [name, s] : timings)
        j.field(name, s);
    j.end_object();
    j.end_object();
}

void check_summary_paths(std::string const & json, std::string const & multiqc,
                         std::vector<std::string> const & inputs)
{
    if (json == "-" || multiqc == "-")
        throw usage_error("--json and --multiqc need a file name (not '-')");
    for (std::string const * out : {&json, &multiqc})
        for (auto const & in : inputs)
            check_output_path(*out, in);
}

void write_no_em_summary(std::string const & path, std::string_view tool, std::optional<std::uint64_t> seed,
                         std::vector<std::string> const & inputs, record_counts const & records,
                         std::function<void(json_writer &)> const & body, int threads, double total_s)
{
    atomic_output_file f{path};
    {
        json_writer j{f.stream()};
        j.begin_object();
        summary_head(j, tool, seed, inputs);
        summary_records(j, records);
        summary_no_em(j);
        body(j);
        summary_run(j, threads, {{"total_s", total_s}});
        j.end_object();
    }
    f.commit();
}

std::string sample_name(std::string const & path)
{
    if (path == "-" || path.empty())
        return "stdin";
    std::string s = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    auto strip = [&](std::string_view ext) {
        if (s.size() > ext.size() && s.compare(s.size() - ext.size(), ext.size(), ext) == 0)
        {
            s.resize(s.size() - ext.size());
            return true;
        }
        return false;
    };
    (void)(strip(".gz") || strip(".bgz"));
    for (std::string_view ext : std::array<std::string_view, 12>{".fa", ".fasta", ".fq", ".fastq", ".bam", ".cram",
                                                                 ".vcf", ".bcf", ".tsv", ".bed", ".txt", ".fna"})
        if (strip(ext))
            break;
    return s;
}

void write_multiqc(std::string const & path, std::string_view tool, std::string_view description,
                   std::string const & sample, std::vector<multiqc_metric> const & metrics)
{
    std::string id = "emtk_";
    for (char c : tool)
        id.push_back(c == ' ' ? '_' : c);
    atomic_output_file f{path};
    {
        json_writer j{f.stream()};
        j.begin_object();
        j.field("id", id);
        j.field("section_name", "emtk " + std::string{tool});
        j.field("description", description);
        j.field("plot_type", "table");
        j.key("pconfig").begin_object();
        j.field("id", id + "_table");
        j.field("title", "emtk " + std::string{tool});
        j.end_object();
        j.key("data").begin_object();
        j.key(sample).begin_object();
        for (auto const & m : metrics)
            j.field(m.name, m.value);
        j.end_object();
        j.end_object();
        j.end_object();
    }
    f.commit();
}

} // namespace emtk::cli
