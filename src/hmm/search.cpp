// emtk hmm search's library part: models prepared for search, targets streamed in batches, the
// (model, target) pairs of a batch scored in parallel, hits kept in input order, E-values at the
// end. See include/emtk/hmm/search.hpp for the scores, thresholds, memory and determinism.
#include "domain_float.hpp"
#include "domain_posterior.hpp"

#include <emtk/hmm/calibrate.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/work_queue.hpp>

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cmath>
#include <future>
#include <limits>
#include <numbers>

namespace emtk::hmm {

search_model::search_model(hmmer_model model, std::string const & /*source*/) : model_{std::move(model)}
{
    if (!model_.stats) // as emtk hmm train calibrates (HMMER's p7_Calibrate defaults)
        model_.stats = calibrate(model_.hmm, model_.alphabet);
    if (model_.compo.size() != static_cast<std::size_t>(model_.hmm.K))
        model_.compo = hmmer_composition(model_.hmm);
    scorer_ = std::make_unique<hmmer_scorer>(model_.hmm, model_.alphabet);
    filter_ = std::make_unique<search_filter>(*scorer_, model_.compo, model_.alphabet);
    // The float odds of the default path; the double odds (--max, float fallback) on demand.
    float_ = std::make_unique<detail::float_profile>(scorer_->configured());
}

bool search_model::filtered_bits(std::span<std::uint8_t const> x, filter_options const & o, double & bits,
                                 detail::float_pass * forward) const
{
    bits = -std::numeric_limits<double>::infinity();
    double correction = 0;
    if (!filter_->passes_before_forward(x, *model_.stats, o, correction))
        return false;
    if (o.max || !forward || x.empty())
        bits = sequence_bits(x);
    else // the float Forward, kept for domains() (HMMER's pipeline also scores its survivors in float)
        bits = float_sequence_bits(x, *forward);
    // F3 on the bias-corrected Forward score (p7_pipeline.c); the reported score stays uncorrected.
    return o.max || forward_pvalue(bits - correction, *model_.stats) <= o.F3;
}

search_model::~search_model() = default;
search_model::search_model(search_model &&) noexcept = default;
search_model & search_model::operator=(search_model &&) noexcept = default;

double search_model::sequence_bits(std::span<std::uint8_t const> x) const { return scorer_->forward_bits(x); }

double search_model::float_sequence_bits(std::span<std::uint8_t const> x, detail::float_pass & pass) const
{
    std::size_t const L = x.size();
    if (L == 0)
        return sequence_bits(x);
    detail::special_probs const t{special_transitions(scorer_->configured(), L)};
    return (detail::forward_float(*float_, t, x, pass, false) - null1_score(L, L)) / std::numbers::ln2;
}

double search_model::pvalue(double bits) const noexcept { return forward_pvalue(bits, *model_.stats); }

std::array<double, 2> model_cutoff_scores(hmmer_model const & m, model_cutoff c, std::string const & source)
{
    if (c == model_cutoff::none)
        return {0, 0};
    auto const & line = c == model_cutoff::ga ? m.ga : c == model_cutoff::tc ? m.tc : m.nc;
    char const * tag = c == model_cutoff::ga ? "GA" : c == model_cutoff::tc ? "TC" : "NC";
    if (!line)
        throw option_input_error(located_message(
            source, 0,
            "model " + m.name + " has no " + tag + " line (needed by " +
                field_name(c == model_cutoff::ga ? "cut_ga" : c == model_cutoff::tc ? "cut_tc" : "cut_nc") +
                "): use " + field_name("bits") + "/" + field_name("dom_bits") + " or a model with Pfam's score cutoffs"));
    return *line;
}

std::vector<search_model> load_search_models(std::string const & path)
{
    hmmer_reader reader{path};
    std::vector<search_model> out;
    hmmer_model m;
    while (reader.next(m))
        out.emplace_back(std::move(m), path);
    if (out.empty())
        throw_input_error(path, 0, "no models in the file (expected HMMER3 profile HMMs)");
    return out;
}

void configure_allocator_for_search() noexcept
{
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

namespace {

/// The result of one (model, target) pair of a batch.
struct pair_result
{
    double bits = 0, pvalue = 1;
    bool kept = false;
    std::vector<domain_hit> domains;
    domain_counts counts;
};

/// Whether a sequence passes the reporting threshold with search space `z`.
bool sequence_passes(search_options const & o, double bits, double pvalue, double z) noexcept
{
    if (o.bits)
        return bits >= *o.bits;
    return pvalue * z <= o.evalue;
}

/// The options of model `m`: with a cutoff, its GA/TC/NC scores replace -T/--domT/--incT/--incdomT.
search_options model_options(search_options const & o, hmmer_model const & m, std::string const & source)
{
    search_options r = o;
    if (o.cutoff != model_cutoff::none)
    {
        auto const [seq, dom] = model_cutoff_scores(m, o.cutoff, source);
        r.bits = r.inc_bits = seq;
        r.dom_bits = r.incdom_bits = dom;
    }
    return r;
}

} // namespace

search_result search(std::span<search_model const> models, std::string const & models_source,
                     seq::sequence_reader & targets, search_options const & options)
{
    search_result result;
    result.models.resize(models.size());
    std::vector<search_options> per_model;
    for (auto const & sm : models)
        per_model.push_back(model_options(options, sm.model(), models_source));
    for (std::size_t m = 0; m < models.size(); ++m)
    {
        auto const & hm = models[m].model();
        result.models[m].name = hm.name;
        result.models[m].accession = hm.accession;
        result.models[m].description = hm.description;
        result.models[m].M = hm.hmm.M;
    }
    int const threads = options.threads > 0 ? options.threads : 1;
    std::vector<seq::sequence> batch, next;
    std::vector<pair_result> pairs;
    bool checked_alphabet = false;
    // Reads one batch into `out`; returns its residues.
    auto read_batch = [&](std::vector<seq::sequence> & out) {
        out.clear();
        std::size_t residues = 0;
        seq::sequence s;
        while (out.size() < options.batch_sequences && residues < options.batch_residues && targets.next(s))
        {
            if (!checked_alphabet)
            {
                for (auto const & sm : models)
                    if (sm.model().alphabet != targets.type())
                        throw option_input_error(located_message(
                            targets.source(), 0,
                            "the targets are " + std::string{seq::alphabet::get(targets.type()).name()} +
                                " sequences but model " + sm.model().name + " in " + models_source + " is " +
                                std::string{seq::alphabet::get(sm.model().alphabet).name()} + " (use " +
                                field_name("alphabet") + " to force the targets' alphabet)"));
                checked_alphabet = true;
            }
            residues += s.dsq.size();
            out.push_back(std::move(s));
        }
        return residues;
    };
    // With more than one thread, the next batch is read (one more thread, mostly waiting on I/O and
    // parsing) while the current one is scored; the reader is used by one thread at a time, and
    // a reading error surfaces, as without overlap, before the next batch is scored.
    bool const overlap = threads > 1;
    std::size_t residues = read_batch(batch);
    for (;;)
    {
        if (batch.empty())
            break;
        std::future<std::size_t> ahead;
        if (overlap)
            ahead = std::async(std::launch::async, [&] { return read_batch(next); });
        std::uint64_t const first_index = result.targets;
        result.targets += batch.size();
        result.residues += residues;
        // A lower bound of the final Z: a pair failing with it fails at the end too.
        double const z_now = options.Z.value_or(static_cast<double>(result.targets));

        std::size_t const nb = batch.size();
        pairs.assign(models.size() * nb, pair_result{});
        // Pairs are claimed one at a time from a shared counter by `threads` workers
        // (util::run_claimed, not OpenMP: workers that finish block in join() instead of spinning
        // at a barrier, which on a loaded machine took CPU from the reader thread); results go to
        // their pair's slot, so the output does not depend on the number of threads.
        std::vector<detail::float_pass> forward(std::min<std::size_t>(static_cast<std::size_t>(threads), pairs.size()));
        util::run_claimed(pairs.size(), static_cast<std::size_t>(threads), [&](std::size_t t, std::size_t w) {
            // Worker w's Forward pass, from the filter to the domains.
            auto const m = t / nb, q = t % nb;
            search_model const & sm = models[m];
            pair_result & r = pairs[t];
            if (!sm.filtered_bits(batch[q].dsq, options.filter, r.bits, &forward[w]))
                return; // r.kept stays false
            r.pvalue = sm.pvalue(r.bits);
            r.kept = sequence_passes(per_model[m], r.bits, r.pvalue, z_now);
            if (r.kept && options.domains)
            {
                r.domains = sm.domains(batch[q].dsq, &r.counts, options.filter.max, &forward[w]);
                r.kept = !r.domains.empty(); // no region of core occupancy: HMMER drops it too
            }
        });
        // Keep the passing pairs, model by model, in input order.
        for (std::size_t m = 0; m < models.size(); ++m)
            for (std::size_t q = 0; q < nb; ++q)
            {
                pair_result & r = pairs[m * nb + q];
                if (!r.kept)
                    continue;
                sequence_hit h;
                h.index = first_index + q;
                h.name = batch[q].name;
                h.description = batch[q].description;
                h.length = batch[q].dsq.size();
                h.bits = r.bits;
                h.pvalue = r.pvalue;
                h.domains = std::move(r.domains);
                h.counts = r.counts;
                result.models[m].hits.push_back(std::move(h));
            }
        if (options.on_batch)
            options.on_batch(result.targets, result.residues);
        if (overlap)
            residues = ahead.get();
        else
            residues = read_batch(next);
        std::swap(batch, next);
    }
    if (!checked_alphabet) // the reader throws for a file without records; this is a bug guard
        throw_input_error(targets.source(), 0, "no sequences in the file");

    // Final thresholds with the final Z, then domain E-values with domZ.
    result.Z = options.Z.value_or(static_cast<double>(result.targets));
    for (std::size_t m = 0; m < result.models.size(); ++m)
    {
        model_hits & mh = result.models[m];
        search_options const & mo = per_model[m];
        std::erase_if(mh.hits, [&](sequence_hit const & h) {
            return !sequence_passes(mo, h.bits, h.pvalue, result.Z);
        });
        mh.domZ = options.domZ.value_or(static_cast<double>(mh.hits.size()));
        for (auto & h : mh.hits)
        {
            h.evalue = h.pvalue * result.Z;
            h.included = mo.inc_bits ? h.bits >= *mo.inc_bits : h.evalue <= mo.inc_evalue;
            domain_hit * best = nullptr;
            bool any = false;
            for (auto & d : h.domains)
            {
                d.c_evalue = d.pvalue * mh.domZ;
                d.i_evalue = d.pvalue * result.Z;
                d.reported = mo.dom_bits ? d.bits >= *mo.dom_bits : d.c_evalue <= mo.dom_evalue;
                d.included = h.included && (mo.incdom_bits ? d.bits >= *mo.incdom_bits : d.c_evalue <= mo.incdom_evalue);
                any = any || d.reported;
                if (!best || d.bits > best->bits)
                    best = &d;
            }
            if (!any && best)
                best->reported = true;
            for (auto & d : h.domains)
                d.included = d.included && d.reported;
        }
    }
    return result;
}

} // namespace emtk::hmm
