/// \file
/// \brief Declares `emtk hmm train`'s options on its SeqAn3 sub-parser.

#include "em_parsing.hpp"
#include "command_registry.hpp"
#include "hmm_train.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void hmm_train_declare(seqan3::argument_parser & parser, hmm_train_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "train a profile HMM from unaligned sequences (Baum-Welch, MAP-EM)";
    info.synopsis.push_back("emtk hmm train [--length M] [--restarts N] [--seed-seq NAME | --seed-msa ALN | "
                            "--seed-hmm HMM] [--prior none|laplace|default] [--surgery] [-t N] [--seed S] "
                            "[--json FILE] -o model.hmm seqs.fa");
    info.description.push_back(
        "Trains a Plan7 profile HMM (HMMER 3's architecture) directly from unaligned FASTA/FASTQ sequences "
        "(plain or gzip; '-' for stdin) by log-space Baum-Welch with Dirichlet priors (MAP-EM: the log posterior "
        "never decreases), through emtk's EM core. Near-duplicate sequences are down-weighted (k-mer cluster "
        "weights) and the weights are scaled by entropy weighting as hmmbuild does, so the model stays general "
        "enough to find remote family members; the effective number is written as EFFN. Each start first runs "
        "EM with HMMER's posterior-mean match emissions (as hmmbuild estimates), then the MAP-EM phase whose "
        "objective is checked and reported.");
    info.description.push_back(
        "The model is written as HMMER3/f text with NAME, LENG, ALPH, CONS, NSEQ, EFFN, DATE, COMPO and "
        "calibrated STATS LOCAL MSV/VITERBI/FORWARD lines, so HMMER's hmmsearch, hmmalign, hmmstat and "
        "hmmconvert use it as they use hmmbuild's models. DATE is the current time, or SOURCE_DATE_EPOCH when "
        "that is set (reproducible builds): same input, --seed and date give byte-identical files for any -t.");
    info.description.push_back(
        "Starts: by default from the most central sequence of the set (the one sharing most k-mers with the "
        "others); --restarts N adds N-1 random starts of the same length (the best log posterior wins); "
        "--seed-seq, --seed-msa (Stockholm or aligned FASTA) and --seed-hmm choose the start instead.");
    info.examples.push_back("emtk hmm train -t 2 --json globins.json -o globins.hmm data/globins45.fa");
    info.examples.push_back("emtk hmm train --surgery --restarts 4 --seed 7 -o family.hmm family.fa.gz");
    info.examples.push_back("emtk hmm train --seed-msa seed.sto -o family.hmm family.fa && hmmsearch family.hmm db.fa");

    parser.add_positional_option(a.input, "Unaligned sequences: FASTA or FASTQ, plain or .gz; '-' for stdin. No option "
                                          "needs a seekable file: with stepwise EM, 20,000 or more sequences are read "
                                          "once into a temporary file in $TMPDIR and streamed from it (--stream-min).");
    parser.add_option(a.output, 'o', "output", "Output model, HMMER3/f text ('-' for stdout).",
                      seqan3::option_spec::required);
    declare_reports(parser, a.json, a.multiqc, "Write a JSON run summary here (objective trace, iterations, timings).");
    parser.add_option(a.name, 'n', "name", "Model NAME (default: the input file name without extensions).");
    parser.add_option(a.alphabet, '\0', "alphabet", "Alphabet of the sequences (default: guessed from the data).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"amino", "dna", "rna"});
    parser.add_option(a.length, 'L', "length",
                      "Model length M (default: the median sequence length, or the seed's length).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.seed_seq, '\0', "seed-seq", "Start from the record with this name (M = its length).");
    parser.add_option(a.seed_msa, '\0', "seed-msa",
                      "Start from a model built from this alignment (Stockholm or aligned FASTA).");
    parser.add_option(a.seed_hmm, '\0', "seed-hmm", "Start from the first model of this HMMER3 file.");
    parser.add_option(a.prior, '\0', "prior",
                      "Dirichlet priors: default (HMMER's: 9-component mixture for amino-acid match emissions), "
                      "laplace (+1), none (maximum likelihood).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"default", "laplace", "none"});
    declare_em_options(parser, a.restarts, a.max_iter, a.tol, //
                       {"Starts; the best log posterior wins.", 10000,
                        "Maximum EM iterations per start and phase (posterior-mean, MAP) and per surgery round.", 1000000,
                        "Stop when the log posterior changes by less than tol x |log posterior|."});
    parser.add_option(a.anneal, '\0', "anneal",
                      "Noise-annealing EM steps per start (SAM-style decaying noise on the expected counts; 0 = off).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_option(a.anneal_noise, '\0', "anneal-noise",
                      "Initial annealing noise per parameter row, as a fraction of the effective sequence number.",
                      seqan3::option_spec::advanced);
    parser.add_flag(a.no_mean_phase, '\0', "no-mean-phase",
                    "Skip the posterior-mean EM phase (hmmbuild's match-emission estimator) that runs before "
                    "the MAP-EM phase of every start.",
                    seqan3::option_spec::advanced);
    parser.add_option(a.consensus_starts, '\0', "consensus-starts",
                      "Consensus of starts: short fits from this many of the most central sequences; the start "
                      "whose alignment of the training set the others agree with most is trained (0 = off, "
                      "fewer than 3 = off).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 1000});
    parser.add_option(a.consensus_iter, '\0', "consensus-iter",
                      "EM iterations per phase of each candidate's short fit in the consensus of starts.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 1000});
    parser.add_option(a.realign, '\0', "realign",
                      "After training, align the training set with the model (fragments may end early), build a "
                      "model from that alignment (as --seed-msa) and train from it (retrain, the default) or take "
                      "it as built (rebuild); see --realign-keep. Needs the consensus of starts (not with a seed, "
                      "--length or streamed input). off = no realignment.",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"off", "retrain", "rebuild"});
    parser.add_option(a.realign_keep, '\0', "realign-keep",
                      "Which model --realign keeps: always (the realigned one), better (the one whose "
                      "alignment the consensus-of-starts candidates agree with more) or accuracy (the one whose "
                      "alignment of the training set has the larger sum of match-state posteriors).",
                      seqan3::option_spec::advanced, seqan3::value_list_validator{"always", "better", "accuracy"});
    parser.add_option(a.realign_anneal, '\0', "realign-anneal",
                      "With --realign retrain and --realign-keep accuracy, retrain a second time from the same "
                      "built model with this many noise-annealing M-steps (noise on the expected counts, decaying "
                      "to 0; --anneal-noise sets its start, --seed its draws) and keep that model when its "
                      "alignment of the training set has the largest sum of match-state posteriors. 0 = off.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1000});
    parser.add_option(a.realign_anneal_draws, '\0', "realign-anneal-draws",
                      "How many annealed retrains --realign-anneal runs, each with its own noise draws (from "
                      "--seed), side by side; the one with the largest sum of match-state posteriors is kept when "
                      "it beats the other models.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 16});
    parser.add_option(a.realign_anneal_vary, '\0', "realign-anneal-vary",
                      "How --realign-anneal-draws' draws differ: seed (each its own noise draws) or steps (draw d "
                      "anneals for --realign-anneal times d + 1 M-steps, the same noise seed).",
                      seqan3::option_spec::advanced, seqan3::value_list_validator{"seed", "steps"});
    parser.add_option(a.consistency_start, '\0', "consistency-start",
                      "With --realign retrain and --realign-keep accuracy, for 3 to N training sequences (and at "
                      "most 5e7 pair-HMM cells), also train a second pipeline from the BLOSUM62 pair-HMM consistency "
                      "alignment (its built model by EM, then that model's realignment retrained) and keep its "
                      "model when its sum of match-state posteriors is the largest. 0 = off.",
                      seqan3::option_spec::advanced);
    parser.add_option(a.consistency, '\0', "consistency",
                      "After --realign (with --realign-keep accuracy), also align the training set by "
                      "consistency (pairwise residue-match posteriors from a pair-HMM, the model, or both; two "
                      "consistency rounds; progressive alignment), build and retrain a model from it, and keep it "
                      "when its alignment of the training set has the largest sum of match-state posteriors. "
                      "Skipped above 100 training sequences.",
                      seqan3::option_spec::advanced, seqan3::value_list_validator{"off", "pair", "profile", "both"});
    parser.add_option(a.consistency_keep, '\0', "consistency-keep",
                      "Which rule decides whether --consistency's model replaces the kept one: accuracy (its "
                      "alignment's sum of match-state posteriors, as --realign-keep accuracy) or pairs (the "
                      "expected number of correctly aligned residue pairs of each model's alignment of the "
                      "training set under the consistency posteriors).",
                      seqan3::option_spec::advanced, seqan3::value_list_validator{"accuracy", "pairs"});
    parser.add_option(a.surgery, '\0', "surgery-rounds",
                      "Model surgery rounds: drop match states used by under half of the (weighted) sequences, "
                      "add match states where an insert state is used by over half, refit (0 = off).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 100});
    parser.add_flag(a.surgery_flag, '\0', "surgery", "Model surgery with up to 3 rounds (--surgery-rounds 3).");
    declare_stepwise_options(parser, a.em_mode, a.batch_size, a.passes, "from 20,000 sequences on", "sequences",
                             " per phase");
    parser.add_option(a.polish, '\0', "polish",
                      "Stepwise EM: batch EM iterations after the passes of each phase (0 = none).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_option(a.stream_min, '\0', "stream-min",
                      "Stepwise EM: inputs of at least N sequences are not held in memory but parsed once into a "
                      "temporary file in $TMPDIR (one byte per residue) and streamed from it; the weights, the start "
                      "and the consensus of starts then use a seeded sample of 2,000 sequences. Works for plain, "
                      "gzip and stdin input alike (no option needs a seekable file). With --stepwise auto the "
                      "threshold is at least 20,000.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{2.0, 1e15});
    parser.add_flag(a.no_weights, '\0', "no-weights", "Give every sequence weight 1 (no near-duplicate down-weighting).");
    parser.add_option(a.weight_id, '\0', "weight-id",
                      "Shared k-mer fraction above which two sequences count as near-duplicates.",
                      seqan3::option_spec::advanced);
    parser.add_option(a.effn, '\0', "effn",
                      "Effective sequence number: rescale the sequence weights to sum to this (smaller values "
                      "let the prior weigh more: a more general model). 0 = entropy weighting.",
                      seqan3::option_spec::advanced);
    parser.add_flag(a.no_entropy, '\0', "no-entropy-weighting",
                    "Keep the sum of the cluster weights as the effective number (no entropy weighting).");
    parser.add_option(a.ere, '\0', "ere",
                      "Entropy weighting's target mean relative entropy per match state, bits "
                      "(default 0.59 amino, 0.62 DNA/RNA, as hmmbuild).",
                      seqan3::option_spec::advanced);
    declare_seed(parser, a.seed, "Random seed: same input and seed give the same model.");
    declare_threads(parser, a.threads);
    declare_verbosity(parser, a.quiet, a.verbose);
}

namespace {

command_registrar const train_registration{
    {"hmm", "train", "train a profile HMM from unaligned sequences, HMMER3/f output",
     "emtk hmm train needs sequences and -o model.hmm (see 'emtk hmm train --help')", 10,
     parse_and_run<hmm_train_arguments, hmm_train_declare, hmm_train_run>, "",
     "seed_sequence=--seed-seq,weight_identity=--weight-id,effective_number=--effn,re_target=--ere"}};

} // namespace

} // namespace emtk::cli
