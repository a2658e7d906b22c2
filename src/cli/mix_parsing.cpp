/// \file
/// \brief Declares `emtk mix`'s options on its SeqAn3 sub-parser.

#include "command_registry.hpp"
#include "em_parsing.hpp"
#include "mix_command.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void mix_declare(seqan3::argument_parser & parser, mix_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "fit a finite mixture (Gaussian, Poisson, negative binomial) by EM";
    info.synopsis.push_back("emtk mix [-k 3 | --k-range 1:8] [--family gaussian|poisson|negbin] "
                            "[-c COLUMN[,COLUMN...]] [--hard] [--seed S] [-t N] -o PREFIX values.tsv");
    info.description.push_back(
        "Reads numeric columns of a TSV/BED table (plain or gzip; '-' for stdin), fits a K-component mixture "
        "through emtk's EM core (k-means++ starts, restarts, optional SQUAREM acceleration) or chooses K by BIC "
        "over a range, and writes PREFIX.json (parameters, BIC table, objective trace, iterations, stop reason) "
        "and PREFIX.tsv (each row's most probable component, its posterior, and all posteriors).");
    info.description.push_back(
        "Columns are 1-based numbers or header names. Lines starting with '#', 'track' or 'browser' are skipped. "
        "The count families need one column of non-negative integers.");
    info.description.push_back(
        "Big inputs: stepwise EM (--stepwise) on complete data streams. The table is read once, front to back "
        "(plain, gzip or stdin alike), into an anonymous temporary file of doubles in $TMPDIR (8 bytes per value, "
        "removed on exit), and every pass reads its mini-batches back from there: memory stays bounded by the "
        "mini-batches and the model, not by the number of rows, and no option needs a seekable input. "
        "Posteriors are written block by block. Batch EM, the count families and --missing drop|model hold "
        "the values in memory (8 bytes per value).");
    info.examples.push_back("emtk mix --k-range 1:6 -c x,y -o out/example data/example.tsv");
    info.examples.push_back("emtk mix --family negbin -k 3 -c count -o out/counts data/example.tsv");
    info.examples.push_back("emtk mix --missing model -k 3 -c x,y --draws 5 -o out/gappy gappy.tsv");
    info.examples.push_back("emtk mix --model out/example.json -o new new.tsv");
    info.examples.push_back("zcat sample.regions.bed.gz | emtk mix -c 4 -k 4 -o sample -");

    parser.add_positional_option(a.input, "Table of values (TSV/BED, plain or .gz; '-' for stdin).");
    parser.add_option(a.output, 'o', "output",
                      "Output prefix: writes PREFIX.json and PREFIX.tsv. '-' writes the TSV to stdout.",
                      seqan3::option_spec::required);
    declare_reports(parser, a.json, a.multiqc, "Write the JSON summary here instead of PREFIX.json.");
    parser.add_option(a.model, '\0', "model",
                      "Do not fit: assign the rows with the model of a JSON summary written by emtk mix (its "
                      "columns, its missing-value policy), writing PREFIX.tsv as a fit does; the run summary "
                      "only with --json. The fit's options do not apply.");
    parser.add_option(a.k, 'k', "components", "Number of components K.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 128});
    parser.add_option(a.k_range, '\0', "k-range", "Fit every K in A:B and keep the lowest BIC (overrides -k).");
    parser.add_option(a.family, '\0', "family", "Component family.", seqan3::option_spec::standard,
                      seqan3::value_list_validator{"gaussian", "poisson", "negbin"});
    parser.add_option(a.columns, 'c', "columns",
                      "Columns to model: 1-based numbers or header names, comma-separated "
                      "(default: 1; 4 for .bed/.bed.gz files, the depth column of mosdepth's regions).");
    parser.add_option(a.covariance, '\0', "covariance", "Gaussian covariance for several columns.",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"full", "diag"});
    parser.add_flag(a.shared_variance, '\0', "shared-variance",
                    "Gaussian: one variance (covariance matrix) shared by all components.");
    parser.add_flag(a.hard, '\0', "hard",
                    "Classification EM: each row belongs wholly to its most probable component "
                    "(k-means is its equal-variance Gaussian case).");
    declare_em_options(parser, a.restarts, a.max_iter, a.tol, //
                       {"Random k-means++ starts; the best objective wins.", 10000,
                        "Maximum EM iterations per start.", 100000000,
                        "Convergence tolerance of the stop rule."});
    parser.add_option(a.screen, '\0', "screen",
                      "Restart screening: every start runs N EM iterations, the best one alone runs on to "
                      "convergence, the others stop (stop_reason screened). 0 = off; -1 (default) = 5 for a table "
                      "with missing entries (--missing model), off for a complete table.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{-1, 100000000});
    parser.add_option(a.min_iter, '\0', "min-iter", "Minimum EM iterations per start.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000000});
    parser.add_option(a.stop_rule, '\0', "stop-rule",
                      "absolute: |dL| < tol; relative: |dL| < tol*|L|; aitken: Aitken-extrapolated limit within tol.",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"absolute", "relative", "aitken"});
    parser.add_flag(a.accelerate, '\0', "accelerate", "SQUAREM acceleration of EM (Varadhan & Roland 2008).");
    declare_stepwise_options(parser, a.em_mode, a.batch_size, a.passes,
                             "for a Gaussian mixture of at least 1,000,000 rows (the count families: never)", "rows", "");
    parser.add_option(a.step_alpha, '\0', "step-alpha",
                      "Stepwise EM: step size (k+2)^-alpha of the k-th mini-batch, 0.5 < alpha <= 1.",
                      seqan3::option_spec::advanced);
    parser.add_option(a.polish, '\0', "polish", "Stepwise EM: batch EM iterations after the passes.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_option(a.ridge, '\0', "ridge",
                      "Variance floor added to each component's variance, relative to the column's variance.",
                      seqan3::option_spec::advanced);
    parser.add_option(a.missing, '\0', "missing",
                      "Missing entries (empty field, NA, NaN, '.') in the fitted columns: error stops; drop leaves "
                      "the row out; model fits by EM on the observed values (marginal densities, conditional "
                      "expectations) and writes PREFIX.imputed.tsv, the input table with each missing entry "
                      "replaced by its conditional expectation under the fitted mixture (not with -o -).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"error", "drop", "model"});
    parser.add_option(a.draws, '\0', "draws",
                      "With --missing model: also write N multiple imputations PREFIX.imputed.1.tsv ... "
                      "PREFIX.imputed.N.tsv, draws from the conditional distribution (seeded by --seed).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 1000});
    declare_seed(parser, a.seed, "Random seed: same input and seed give the same output.");
    declare_threads(parser, a.threads, "Threads for the E-step (output is identical for any number).");
    declare_verbosity(parser, a.quiet, a.verbose);
}

namespace {

command_registrar const mix_registration{{"", "mix", "finite mixtures: Gaussian, Poisson, negative binomial",
                                          "emtk mix needs an input file and -o PREFIX (see 'emtk mix --help')", 0,
                                          parse_and_run<mix_arguments, mix_declare, mix_run>}};

} // namespace

} // namespace emtk::cli
