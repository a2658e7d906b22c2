/// \file
/// \brief Reading HMMER3/a … HMMER3/f text (see include/emtk/hmm/hmmer_io.hpp).
///
/// The reader is line-based and needs no look-ahead: a model starts at its "HMMER3/x" line and ends
/// at "//". Fields are split on white space, as HMMER's own parser does. Every error names the
/// file, the line and what was expected; a file that ends inside a model names the missing line.

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <cctype>
#include <cmath>
#include <memory>
#include <cstdio>
#include <string_view>

namespace emtk::hmm {

namespace {

/// Tolerance of the row sums of a file: 5 decimals of each −log p give a relative error of at
/// most 5e-6 per probability, HMMER's float storage ~1e-7; 1e-3 also lets hand-edited files pass.
constexpr double sum_tolerance = 1e-3;

std::vector<std::string_view> split(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size())
    {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            ++i;
        std::size_t const b = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            ++i;
        if (i > b)
            out.push_back(line.substr(b, i - b));
    }
    return out;
}

std::string_view rest_after_tag(std::string_view line, std::string_view tag)
{
    auto const p = line.find(tag);
    std::string_view r = line.substr(p + tag.size());
    while (!r.empty() && (r.front() == ' ' || r.front() == '\t'))
        r.remove_prefix(1);
    while (!r.empty() && (r.back() == ' ' || r.back() == '\t' || r.back() == '\r'))
        r.remove_suffix(1);
    return r;
}

std::string format_sum(double s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", s);
    return buf;
}

/// The state of reading one model: the reader, the model name for messages.
struct parser
{
    line_reader & in;
    std::string name;
    std::string_view line;
    std::vector<std::string_view> f;

    [[noreturn]] void fail(std::string const & what) const { throw_input_error(in.path(), in.line_number(), what); }
    [[noreturn]] void fail_at(std::uint64_t line_no, std::string const & what) const
    {
        throw_input_error(in.path(), line_no, what);
    }

    std::string model() const { return name.empty() ? std::string{} : " (model '" + name + "')"; }

    /// Next line, split into fields; a file that ends here names the missing line.
    void expect_line(std::string const & what)
    {
        if (!in.next(line))
            fail_at(in.line_number() + 1, "file ends inside a model" + model() + ": expected " + what);
        f = split(line);
    }

    int integer(std::string_view tok, std::string const & what) const
    {
        double v = 0;
        if (!parse_double(tok, v) || v != std::floor(v) || std::fabs(v) > 2e9)
            fail("expected " + what + " (an integer), found '" + std::string{tok} + "'");
        return static_cast<int>(v);
    }

    double real(std::string_view tok, std::string const & what) const
    {
        while (!tok.empty() && tok.back() == ';') // Pfam writes "GA 25.00 25.00;"
            tok.remove_suffix(1);
        double v = 0;
        if (!parse_double(tok, v))
            fail("expected " + what + " (a number), found '" + std::string{tok} + "'");
        return v;
    }

    /// "*" → 0, otherwise exp(−x) for a number x ≥ 0.
    double prob(std::string_view tok, std::string const & row, std::size_t field) const
    {
        if (tok == "*")
            return 0.0;
        double v = 0;
        if (!parse_double(tok, v) || v < 0)
            fail(row + ": field " + std::to_string(field) + " is '" + std::string{tok} +
                 "', expected a negative natural log probability (a number >= 0, or '*' for 0)");
        return std::exp(-v);
    }

    /// Reads fields [first, first+n) of the current line as probabilities into out.
    void probs(std::size_t first, std::span<double> out, std::string const & row) const
    {
        for (std::size_t x = 0; x < out.size(); ++x)
            out[x] = prob(f[first + x], row, first + x + 1);
    }

    /// Checks that a group sums to 1 and renormalises it exactly.
    void check_sum(std::span<double> g, std::string const & what) const
    {
        double s = 0;
        for (double p : g)
            s += p;
        if (!(std::fabs(s - 1.0) <= sum_tolerance))
            fail(what + " sum to " + format_sum(s) + ", expected 1" + model());
        for (double & p : g)
            p /= s;
    }

    void check_transitions(transition_row & t, int k) const
    {
        std::string const node = "node " + std::to_string(k);
        check_sum(std::span<double>{t.data() + t_mm, 3}, node + ": match transitions (m->m m->i m->d)");
        check_sum(std::span<double>{t.data() + t_im, 2}, node + ": insert transitions (i->m i->i)");
        check_sum(std::span<double>{t.data() + t_dm, 2}, node + ": delete transitions (d->m d->d)");
    }

    void need_fields(std::size_t n, std::string const & what) const
    {
        if (f.size() != n)
            fail(what + ": expected " + std::to_string(n) + " fields, found " + std::to_string(f.size()) + model());
    }

    bool yes_no(std::string_view tag) const
    {
        if (f.size() >= 2 && (f[1] == "yes" || f[1] == "YES" || f[1] == "Yes"))
            return true;
        if (f.size() >= 2 && (f[1] == "no" || f[1] == "NO" || f[1] == "No"))
            return false;
        fail(std::string{tag} + " line: expected 'yes' or 'no'");
    }
};

} // namespace

bool read_hmmer(line_reader & in, hmmer_model & out)
{
    parser p{in, {}, {}, {}};
    // Skip blank lines before a model; the end of the input here is the normal end.
    for (;;)
    {
        if (!in.next(p.line))
            return false;
        p.f = split(p.line);
        if (!p.f.empty())
            break;
    }
    std::string_view const magic = p.f[0];
    if (magic.starts_with("HMMER2"))
        p.fail("this is a HMMER2 file; expected HMMER3 (convert it with HMMER's 'hmmconvert')");
    if (magic.size() != 8 || !magic.starts_with("HMMER3/") || magic[7] < 'a' || magic[7] > 'f')
        p.fail("expected a HMMER3 header line ('HMMER3/f [...]'), found '" + std::string{magic.substr(0, 40)} + "'");

    out = hmmer_model{};
    out.format_version = magic[7];
    char const v = out.format_version;
    bool has_alph = false, has_rf = false, has_mm = false, has_cons = false, has_cs = false, has_map = false;
    int stats_seen = 0;
    hmmer_stats stats;

    // Header lines, up to and including "HMM".
    for (;;)
    {
        p.expect_line("a header line or the 'HMM' line");
        if (p.f.empty())
            continue;
        std::string_view const t = p.f[0];
        auto need = [&](std::size_t n) {
            if (p.f.size() < n)
                p.fail(std::string{t} + " line: expected " + std::to_string(n - 1) + " value(s) after the tag");
        };
        if (t == "HMM")
            break;
        if (t == "NAME")
        {
            need(2);
            out.name = std::string{p.f[1]};
            p.name = out.name;
        }
        else if (t == "ACC")
        {
            need(2);
            out.accession = std::string{p.f[1]};
        }
        else if (t == "DESC")
            out.description = std::string{rest_after_tag(p.line, "DESC")};
        else if (t == "LENG")
        {
            need(2);
            out.hmm.M = p.integer(p.f[1], "the model length on the LENG line");
            if (out.hmm.M < 1)
                p.fail("LENG line: expected a model length >= 1");
        }
        else if (t == "MAXL")
        {
            need(2);
            out.max_length = p.integer(p.f[1], "the maximum length on the MAXL line");
        }
        else if (t == "ALPH")
        {
            need(2);
            std::string_view const a = p.f[1];
            auto eq = [&](std::string_view b) {
                if (a.size() != b.size())
                    return false;
                for (std::size_t i = 0; i < a.size(); ++i)
                    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i])
                        return false;
                return true;
            };
            if (eq("amino"))
                out.alphabet = seq::alphabet_type::amino;
            else if (eq("dna"))
                out.alphabet = seq::alphabet_type::dna;
            else if (eq("rna"))
                out.alphabet = seq::alphabet_type::rna;
            else
                p.fail("unknown alphabet '" + std::string{a} + "' on the ALPH line: expected amino, DNA or RNA");
            has_alph = true;
        }
        else if (t == "RF")
            has_rf = p.yes_no(t);
        else if (t == "MM")
            has_mm = p.yes_no(t);
        else if (t == "CONS")
            has_cons = p.yes_no(t);
        else if (t == "CS")
            has_cs = p.yes_no(t);
        else if (t == "MAP")
            has_map = p.yes_no(t);
        else if (t == "DATE")
            out.date = std::string{rest_after_tag(p.line, "DATE")};
        else if (t == "COM")
        {
            std::string_view r = rest_after_tag(p.line, "COM");
            if (r.starts_with('['))
            {
                auto const close = r.find(']');
                r = close == std::string_view::npos ? r : rest_after_tag(r, r.substr(0, close + 1));
            }
            out.command_log.emplace_back(r);
        }
        else if (t == "NSEQ")
        {
            need(2);
            out.nseq = p.integer(p.f[1], "the number of sequences on the NSEQ line");
        }
        else if (t == "EFFN")
        {
            need(2);
            out.effn = p.real(p.f[1], "the effective number of sequences on the EFFN line");
        }
        else if (t == "CKSUM")
        {
            need(2);
            double c = p.real(p.f[1], "the checksum on the CKSUM line");
            if (c < 0 || c > 4294967295.0 || c != std::floor(c))
                p.fail("CKSUM line: expected an unsigned 32-bit integer");
            out.checksum = static_cast<std::uint32_t>(c);
        }
        else if (t == "GA" || t == "TC" || t == "NC")
        {
            need(2);
            std::array<double, 2> c{};
            c[0] = p.real(p.f[1], "a score threshold on the " + std::string{t} + " line");
            // Nucleotide models (Dfam) carry one value; HMMER then uses it for both.
            c[1] = p.f.size() >= 3 ? p.real(p.f[2], "a score threshold on the " + std::string{t} + " line") : c[0];
            (t == "GA" ? out.ga : t == "TC" ? out.tc : out.nc) = c;
        }
        else if (t == "STATS")
        {
            if (v == 'a')
            { // 3/a: STATS LOCAL VLAMBDA|VMU|FTAU value
                if (p.f.size() < 4 || p.f[1] != "LOCAL")
                    p.fail("STATS line: expected 'STATS LOCAL VLAMBDA|VMU|FTAU value'");
                double const x = p.real(p.f[3], "a value on the STATS line");
                if (p.f[2] == "VLAMBDA")
                    stats.msv_lambda = stats.viterbi_lambda = stats.forward_lambda = x, stats_seen |= 1;
                else if (p.f[2] == "VMU")
                    stats.msv_mu = stats.viterbi_mu = x, stats_seen |= 2;
                else if (p.f[2] == "FTAU")
                    stats.forward_tau = x, stats_seen |= 4;
                else
                    p.fail("STATS line: expected VLAMBDA, VMU or FTAU, found '" + std::string{p.f[2]} + "'");
            }
            else
            {
                if (p.f.size() < 5 || p.f[1] != "LOCAL")
                    p.fail("STATS line: expected 'STATS LOCAL MSV|VITERBI|FORWARD mu lambda'");
                double const a = p.real(p.f[3], "mu or tau on the STATS line");
                double const b = p.real(p.f[4], "lambda on the STATS line");
                if (p.f[2] == "MSV")
                    stats.msv_mu = a, stats.msv_lambda = b, stats_seen |= 1;
                else if (p.f[2] == "VITERBI")
                    stats.viterbi_mu = a, stats.viterbi_lambda = b, stats_seen |= 2;
                else if (p.f[2] == "FORWARD")
                    stats.forward_tau = a, stats.forward_lambda = b, stats_seen |= 4;
                else
                    p.fail("STATS line: expected MSV, VITERBI or FORWARD, found '" + std::string{p.f[2]} + "'");
            }
        }
        else if (t == "//" || t.starts_with("HMMER"))
            p.fail("expected the 'HMM' line that starts the model's body" + p.model());
        else
            out.other_header_lines.emplace_back(p.line); // BM, SM and anything newer
    }
    std::uint64_t const hmm_line = in.line_number();
    if (out.name.empty())
        p.fail("no NAME line before the 'HMM' line: every model needs a name");
    if (out.hmm.M < 1)
        p.fail("no LENG line before the 'HMM' line" + p.model());
    if (!has_alph)
        p.fail("no ALPH line before the 'HMM' line" + p.model());
    if (stats_seen != 0 && stats_seen != 7)
        p.fail("incomplete STATS: a model needs all three STATS LOCAL lines (MSV, VITERBI, FORWARD) or none" + p.model());
    if (stats_seen == 7)
        out.stats = stats;

    auto const & abc = seq::alphabet::get(out.alphabet);
    int const M = out.hmm.M;
    int const K = abc.K();
    auto const Ks = static_cast<std::size_t>(K);
    {
        std::string expected;
        for (int x = 0; x < K; ++x)
            expected += abc.symbol(x);
        std::string found;
        for (std::size_t i = 1; i < p.f.size(); ++i)
            found += std::string{p.f[i]};
        for (auto & c : found)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (found != expected)
            p.fail_at(hmm_line, "the 'HMM' line lists residues '" + found + "', expected '" + expected + "' for ALPH " +
                                    std::string{abc.name()} + p.model());
    }
    out.hmm = profile_hmm{M, K};
    auto & h = out.hmm;
    p.expect_line("the transition header line (m->m m->i m->d i->m i->i d->m d->d)");

    p.expect_line("the COMPO line or the node 0 insert emission line");
    if (!p.f.empty() && p.f[0] == "COMPO")
    {
        p.need_fields(Ks + 1, "COMPO line");
        out.compo.resize(Ks);
        p.probs(1, out.compo, "COMPO line");
        p.check_sum(out.compo, "COMPO line: the composition values");
        p.expect_line("the node 0 insert emission line");
    }
    p.need_fields(Ks, "node 0 insert emission line");
    p.probs(0, h.insert(0), "node 0 insert emissions");
    p.check_sum(h.insert(0), "node 0: insert emissions");
    p.expect_line("the node 0 transition line");
    p.need_fields(n_transitions, "node 0 transition line");
    p.probs(0, h.t[0], "node 0 transitions");
    p.check_transitions(h.t[0], 0);

    // Match line fields after the K emissions: MAP, then CONS (3/e on), RF, MM (3/f on), CS.
    std::size_t const n_annot = 3 + (v >= 'e' ? 1 : 0) + (v >= 'f' ? 1 : 0);
    std::string const annot_names = v >= 'f' ? "MAP CONS RF MM CS" : v >= 'e' ? "MAP CONS RF CS" : "MAP RF CS";
    if (has_rf)
        out.rf.reserve(static_cast<std::size_t>(M));
    for (int k = 1; k <= M; ++k)
    {
        std::string const node = "node " + std::to_string(k);
        p.expect_line("the match emission line of node " + std::to_string(k) + " of " + std::to_string(M));
        if (!p.f.empty() && p.f[0] == "//")
            p.fail("model ends at node " + std::to_string(k - 1) + " but LENG says " + std::to_string(M) + p.model());
        if (p.f.empty() || p.f[0] != std::to_string(k))
            p.fail("expected the match emission line of node " + std::to_string(k) + " (starting with " +
                   std::to_string(k) + "), found '" + std::string{p.f.empty() ? "" : p.f[0]} + "'" + p.model());
        if (p.f.size() != 1 + Ks + n_annot)
            p.fail(node + " match line: expected " + std::to_string(1 + Ks + n_annot) + " fields (node number, " +
                   std::to_string(K) + " emissions, " + annot_names + "), found " + std::to_string(p.f.size()) + p.model());
        p.probs(1, h.match(k), node + " match emissions");
        p.check_sum(h.match(k), node + ": match emissions");
        std::size_t a = 1 + Ks;
        if (has_map)
            out.map.push_back(p.f[a] == "-" ? 0 : p.integer(p.f[a], "the MAP column of node " + std::to_string(k)));
        ++a;
        if (v >= 'e')
        {
            if (has_cons)
                out.consensus += p.f[a][0];
            ++a;
        }
        if (has_rf)
            out.rf += p.f[a][0];
        ++a;
        if (v >= 'f')
        {
            if (has_mm)
                out.mm += p.f[a][0];
            ++a;
        }
        if (has_cs)
            out.cs += p.f[a][0];

        p.expect_line("the insert emission line of node " + std::to_string(k));
        p.need_fields(Ks, node + " insert emission line");
        p.probs(0, h.insert(k), node + " insert emissions");
        p.check_sum(h.insert(k), node + ": insert emissions");

        p.expect_line("the transition line of node " + std::to_string(k));
        p.need_fields(n_transitions, node + " transition line");
        p.probs(0, h.t[static_cast<std::size_t>(k)], node + " transitions");
        p.check_transitions(h.t[static_cast<std::size_t>(k)], k);
    }
    p.expect_line("the closing '//'");
    if (p.f.empty() || p.f[0] != "//")
        p.fail("expected the closing '//' after node " + std::to_string(M) + ", found '" +
               std::string{p.f.empty() ? "" : p.f[0]} + "'" + p.model());

    // Boundary conventions (HMMER writes them; a hand-edited file may break them).
    auto & t0 = h.t[0];
    auto & tM = h.t[static_cast<std::size_t>(M)];
    if (tM[t_md] != 0.0)
        p.fail("node " + std::to_string(M) + " (the last) has m->d = " + format_sum(tM[t_md]) +
               ", expected '*' (there is no delete state after the last node)" + p.model());
    t0[t_dm] = 1.0, t0[t_dd] = 0.0;
    tM[t_dm] = 1.0, tM[t_dd] = 0.0;
    h.null = hmmer_background(out.alphabet);
    if (!has_cons || v < 'e')
        out.consensus = hmmer_consensus(h, out.alphabet); // as HMMER does for legacy files
    if (auto const problem = profile_hmm_problem(h, 1e-6))
        p.fail(*problem + p.model());
    return true;
}

hmmer_reader::hmmer_reader(std::string const & path) : in_{std::make_unique<line_reader>(path)} {}
hmmer_reader::~hmmer_reader() = default;

bool hmmer_reader::next(hmmer_model & out) { return read_hmmer(*in_, out); }

std::vector<hmmer_model> read_hmmer_all(std::string const & path)
{
    line_reader in{path};
    std::vector<hmmer_model> models;
    hmmer_model m;
    while (read_hmmer(in, m))
        models.push_back(std::move(m));
    if (models.empty())
        throw_input_error(path, 0, "no profile HMM in the file: expected HMMER3 text ('HMMER3/f [...]')");
    return models;
}

} // namespace emtk::hmm
