#pragma once
/// \file
/// \brief The run summary every tool writes with `--json FILE` (one schema), and the MultiQC
/// custom-content file of `--multiqc FILE`.
///
/// Schema "emtk-run-summary/1": a JSON object whose first members are
///   "schema"   "emtk-run-summary/1"
///   "tool"     e.g. "emtk hmm train"
///   "version", "commit"
///   "seed"     the --seed used (null for a tool that draws no random numbers)
///   "inputs"   the input files, as given
///   "records"  {"used": N, "skipped": N, "skipped_reasons": {"why": N, …}} — the tool's unit of
///              input (sequences, targets, windows, rows, genotype records)
/// then the tool's own members, which always include
///   "iterations"       EM iterations of the reported fit (0 for tools without EM)
///   "stop_reason"      "converged", "max_iter", … ("none" for tools without EM)
///   "objective_trace"  the objective after every iteration ([] without EM)
/// and last
///   "run"      {"command_line": [...], "threads": N, "mpi_ranks": N, "timings": {"…_s": s, "total_s": s}}
/// Everything that may differ between two runs of the same command (times, command line) lives
/// under "run". test/cli/run_summary_test.sh checks every tool against this list.
///
/// MultiQC (https://multiqc.info, "Custom content"): `--multiqc FILE` writes
///   {"id": "emtk_<tool>", "section_name": "emtk <tool>", "description": …, "plot_type": "table",
///    "pconfig": {"id": …, "title": …}, "data": {"<sample>": {"<metric>": value, …}}}
/// with the tool's headline numbers; MultiQC picks it up when the name ends in `_mqc.json`.
/// The sample name is the input file's name without directories and the usual extensions.

#include <emtk/em/options.hpp>
#include <emtk/util/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emtk::cli {

/// \brief Records used and skipped, with the reasons for skipping.
struct record_counts
{
    std::uint64_t used = 0;
    std::uint64_t skipped = 0;
    std::vector<std::pair<std::string, std::uint64_t>> skipped_reasons;
};

/// \brief Writes "schema", "tool", "version", "commit", "seed", "inputs" (opens nothing: call
/// inside the summary object, first).
void summary_head(json_writer & j, std::string_view tool, std::optional<std::uint64_t> seed,
                  std::vector<std::string> const & inputs);
/// \brief Writes "records".
void summary_records(json_writer & j, record_counts const & r);
/// \brief Writes "iterations": 0, "stop_reason": "none", "objective_trace": [] (tools without EM).
void summary_no_em(json_writer & j);
/// \brief Writes "em_mode": "batch" | "stepwise" and, for stepwise EM, "stepwise": {batch size, step
/// exponent, passes, mini-batch updates, objective kind, convergence, polish iterations, pass objectives}.
void summary_em_mode(json_writer & j, em::stepwise_summary const & s);
/// \brief Writes one restart's "objective" (null when it degenerated or diverged), "iterations",
/// "stop_reason" and, when not empty, "message" (inside the restart's object).
void summary_restart(json_writer & j, em::restart_summary const & s, std::string const & message);
/// \brief Writes the "run" member (last): command line, threads, MPI ranks and the timings (in
/// seconds; give "total_s" last).
void summary_run(json_writer & j, int threads, std::vector<std::pair<std::string, double>> const & timings);

/// \brief Fails before the work, as check_output_path does, when `--json`/`--multiqc` (either may
/// be empty = not asked) is "-" (usage_error: they need a file name), would overwrite one of
/// `inputs`, or goes into a missing directory.
void check_summary_paths(std::string const & json, std::string const & multiqc,
                         std::vector<std::string> const & inputs);

/// \brief Writes the whole run summary of a tool without EM (hmm align, emit, logo) to `path`
/// (atomically): the head and records, summary_no_em, then the tool's own members written by
/// `body`, then "run" with one "total_s" timing.
void write_no_em_summary(std::string const & path, std::string_view tool, std::optional<std::uint64_t> seed,
                         std::vector<std::string> const & inputs, record_counts const & records,
                         std::function<void(json_writer &)> const & body, int threads, double total_s);

/// \brief A sample name from an input path: the file name without directories and without
/// .gz/.bgz, then one of .fa/.fasta/.fq/.fastq/.bam/.cram/.vcf/.bcf/.tsv/.bed/.txt ("stdin" for "-").
[[nodiscard]] std::string sample_name(std::string const & path);

/// \brief One headline number of a tool for MultiQC.
struct multiqc_metric
{
    std::string name;
    double value = 0;
};

/// \brief Writes the MultiQC custom-content file (atomically). `tool` is e.g. "hmm train".
void write_multiqc(std::string const & path, std::string_view tool, std::string_view description,
                   std::string const & sample, std::vector<multiqc_metric> const & metrics);

} // namespace emtk::cli
