/// \file
/// \brief Writing HMMER3/f text (see include/emtk/hmm/hmmer_io.hpp), and the derived annotation
/// the writer needs: consensus line, mean composition, HMMER's background, DATE text.
///
/// Column layout follows the files HMMER 3.x writes (tutorial/globins4.hmm): numbers right-aligned
/// in 8-character fields after one space, node numbers in 7. HMMER's parser only splits on white
/// space, so the widths are for human readers.

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace emtk::hmm {

std::vector<double> hmmer_background(seq::alphabet_type a)
{
    if (a != seq::alphabet_type::amino)
        return std::vector<double>(4, 0.25);
    // Swiss-Prot 50.8 residue frequencies, the amino null model of HMMER 3 (p7_AminoFrequencies),
    // in the order A C D E F G H I K L M N P Q R S T V W Y. They sum to 1 within 1e-7; we
    // renormalise so that profile_hmm_problem() accepts them at any tolerance.
    std::vector<double> f{0.0787945, 0.0151600, 0.0535222, 0.0668298, 0.0397062, 0.0695071, 0.0229198,
                          0.0590092, 0.0594422, 0.0963728, 0.0237718, 0.0414386, 0.0482904, 0.0395639,
                          0.0540978, 0.0683364, 0.0540687, 0.0673417, 0.0114135, 0.0304133};
    double s = 0;
    for (double x : f)
        s += x;
    for (double & x : f)
        x /= s;
    return f;
}

std::string hmmer_consensus(profile_hmm const & hmm, seq::alphabet_type a)
{
    auto const & abc = seq::alphabet::get(a);
    double const upper = a == seq::alphabet_type::amino ? 0.5 : 0.9;
    std::string out;
    out.reserve(static_cast<std::size_t>(hmm.M));
    for (int k = 1; k <= hmm.M; ++k)
    {
        auto const row = hmm.match(k);
        auto const best = std::max_element(row.begin(), row.end()); // first maximum, as esl_vec_FArgMax
        char const c = abc.symbol(static_cast<int>(best - row.begin()));
        out.push_back(*best >= upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::vector<double> hmmer_composition(profile_hmm const & hmm)
{
    auto const K = static_cast<std::size_t>(hmm.K);
    std::vector<double> c(K, 0.0);
    auto add = [&](std::span<double const> row, double w) {
        if (!(w > 0) || !std::isfinite(w))
            return;
        for (std::size_t x = 0; x < K; ++x)
            c[x] += w * row[x];
    };
    auto const & t = hmm.t;
    if (t[0][t_im] > 0)
        add(hmm.insert(0), t[0][t_mi] / t[0][t_im]);
    double mocc = t[0][t_mm] + t[0][t_mi]; // 1 − P(B → D1)
    for (int k = 1; k <= hmm.M; ++k)
    {
        if (k > 1)
            mocc = mocc * (t[k - 1][t_mm] + t[k - 1][t_mi]) + (1.0 - mocc) * t[k - 1][t_dm];
        add(hmm.match(k), mocc);
        if (t[k][t_im] > 0)
            add(hmm.insert(k), mocc * t[k][t_mi] / t[k][t_im]);
    }
    double s = 0;
    for (double x : c)
        s += x;
    for (double & x : c)
        x = s > 0 ? x / s : 1.0 / static_cast<double>(K);
    return c;
}

std::string hmmer_date(std::time_t t)
{
    std::tm tm{};
    gmtime_r(&t, &tm);
    static constexpr char const * days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr char const * months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %s %2d %02d:%02d:%02d %d", days[tm.tm_wday % 7], months[tm.tm_mon % 12],
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
    return buf;
}

namespace {

/// Appends " %8.5f" of −ln p, or "        *" for p = 0. p ≥ 1 (round-off included) is written as
/// 0.00000, never "-0.00000".
void put_prob(std::string & s, double p)
{
    char buf[32];
    if (!(p > 0))
        std::snprintf(buf, sizeof buf, " %8s", "*");
    else
    {
        double v = -std::log(p);
        if (!(v > 0))
            v = 0.0;
        std::snprintf(buf, sizeof buf, " %8.5f", v);
    }
    s += buf;
}

void put_row(std::string & s, std::span<double const> row)
{
    for (double p : row)
        put_prob(s, p);
}

void tag(std::string & s, char const * name, std::string const & value)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-5s ", name);
    s += buf;
    s += value;
    s += '\n';
}

std::string num(char const * fmt, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string one_line(std::string v)
{
    std::replace(v.begin(), v.end(), '\n', ' ');
    std::replace(v.begin(), v.end(), '\r', ' ');
    return v;
}

} // namespace

void write_hmmer(std::ostream & out, hmmer_model const & m)
{
    auto const & h = m.hmm;
    auto const & abc = seq::alphabet::get(m.alphabet);
    if (m.name.empty() || std::any_of(m.name.begin(), m.name.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
        throw user_error("HMMER3 model name '" + m.name + "' must be one word (no white space)");
    EMTK_ASSERT(h.K == abc.K(), "write_hmmer: the model's K does not match its alphabet");
    EMTK_ASSERT(h.M >= 1, "write_hmmer: empty model");
    auto const problem = profile_hmm_problem(h, 1e-4);
    EMTK_ASSERT(!problem, problem ? problem->c_str() : "");
    auto const M = static_cast<std::size_t>(h.M);
    auto length_ok = [M](std::size_t n) { return n == 0 || n == M; };
    EMTK_ASSERT(length_ok(m.rf.size()) && length_ok(m.mm.size()) && length_ok(m.consensus.size()) &&
                    length_ok(m.cs.size()) && length_ok(m.map.size()),
                "write_hmmer: an annotation line does not have M characters");
    EMTK_ASSERT(m.compo.empty() || m.compo.size() == static_cast<std::size_t>(h.K), "write_hmmer: COMPO needs K values");

    std::string const cons = m.consensus.empty() ? hmmer_consensus(h, m.alphabet) : m.consensus;
    std::vector<double> const compo = m.compo.empty() ? hmmer_composition(h) : m.compo;

    std::string s;
    s.reserve(static_cast<std::size_t>(h.M + 2) * static_cast<std::size_t>(h.K + 10) * 27 + 1024);
    s += "HMMER3/f [emtk | HMMER3/f text]\n";
    tag(s, "NAME", m.name);
    if (!m.accession.empty())
        tag(s, "ACC", one_line(m.accession));
    if (!m.description.empty())
        tag(s, "DESC", one_line(m.description));
    tag(s, "LENG", std::to_string(h.M));
    if (m.max_length)
        tag(s, "MAXL", std::to_string(*m.max_length));
    tag(s, "ALPH", std::string{abc.name()});
    tag(s, "RF", m.rf.empty() ? "no" : "yes");
    tag(s, "MM", m.mm.empty() ? "no" : "yes");
    tag(s, "CONS", "yes");
    tag(s, "CS", m.cs.empty() ? "no" : "yes");
    tag(s, "MAP", m.map.empty() ? "no" : "yes");
    if (!m.date.empty())
        tag(s, "DATE", one_line(m.date));
    for (std::size_t i = 0; i < m.command_log.size(); ++i)
    {
        std::string com{"["};
        com += std::to_string(i + 1);
        com += "] ";
        com += one_line(m.command_log[i]);
        tag(s, "COM", com);
    }
    if (m.nseq)
        tag(s, "NSEQ", std::to_string(*m.nseq));
    if (m.effn)
        tag(s, "EFFN", num("%f", *m.effn));
    if (m.checksum)
        tag(s, "CKSUM", std::to_string(*m.checksum));
    auto cutoff = [&](char const * name, std::optional<std::array<double, 2>> const & c) {
        if (c)
        {
            std::string v = num("%.2f", (*c)[0]);
            v += ' ';
            v += num("%.2f", (*c)[1]);
            v += ';';
            tag(s, name, v);
        }
    };
    cutoff("GA", m.ga);
    cutoff("TC", m.tc);
    cutoff("NC", m.nc);
    if (m.stats)
    {
        auto stat = [&](char const * what, double a, double b) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "STATS LOCAL %-8s%9.4f%9.5f\n", what, a, b);
            s += buf;
        };
        stat("MSV", m.stats->msv_mu, m.stats->msv_lambda);
        stat("VITERBI", m.stats->viterbi_mu, m.stats->viterbi_lambda);
        stat("FORWARD", m.stats->forward_tau, m.stats->forward_lambda);
    }

    s += "HMM     ";
    for (int x = 0; x < h.K; ++x)
    {
        s += "     ";
        s += abc.symbol(x);
        s += "   ";
    }
    s += "\n            m->m     m->i     m->d     i->m     i->i     d->m     d->d\n";
    s += "  COMPO ";
    put_row(s, compo);
    s += "\n        ";
    put_row(s, h.insert(0));
    s += "\n        ";
    put_row(s, h.t[0]);
    s += '\n';
    char buf[32];
    for (int k = 1; k <= h.M; ++k)
    {
        auto const i = static_cast<std::size_t>(k - 1);
        std::snprintf(buf, sizeof buf, "%7d", k);
        s += buf;
        put_row(s, h.match(k));
        if (m.map.empty())
            std::snprintf(buf, sizeof buf, " %6s", "-");
        else
            std::snprintf(buf, sizeof buf, " %6d", m.map[i]);
        s += buf;
        for (auto const * line : {&cons, &m.rf, &m.mm, &m.cs})
        {
            s += ' ';
            s += line->empty() ? '-' : (*line)[i];
        }
        s += "\n        ";
        put_row(s, h.insert(k));
        s += "\n        ";
        put_row(s, h.t[static_cast<std::size_t>(k)]);
        s += '\n';
    }
    s += "//\n";
    out << s;
}

void write_hmmer_file(std::string const & path, std::span<hmmer_model const> models)
{
    atomic_output_file file{path};
    for (auto const & m : models)
        write_hmmer(file.stream(), m);
    file.commit();
}

} // namespace emtk::hmm
