// GFF3 and BED6 of search hits: see include/emtk/hmm/hits_io.hpp for the conventions.
#include <emtk/hmm/hits_io.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace emtk::hmm {

namespace {

std::string percent(unsigned char c)
{
    char buf[4];
    std::snprintf(buf, sizeof buf, "%%%02X", c);
    return buf;
}

std::string general(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

std::string fixed1(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

int bed_score(double bits) { return static_cast<int>(std::clamp(std::round(bits), 0.0, 1000.0)); }

/// One feature, in the coordinates of the forward strand (start ≤ end, 1-based).
struct feature
{
    std::uint64_t target_index = 0;
    std::string const * target = nullptr;
    std::size_t target_length = 0;
    std::size_t start = 0, end = 0, env_start = 0, env_end = 0;
    char strand = '.';
    std::size_t model_index = 0;
    model_hits const * pm = nullptr;
    dna_model_hits const * dm = nullptr;
    int hmm_from = 0, hmm_to = 0;
    double bits = 0, evalue = 0, bias = 0;
    bool has_bias = false;
};

std::vector<feature> features(dna_search_result const & r)
{
    std::vector<feature> out;
    for (std::size_t m = 0; m < r.models.size(); ++m)
        for (auto const & h : r.models[m].hits)
        {
            feature f;
            f.target_index = h.index, f.target = &h.name, f.target_length = h.length;
            f.start = std::min(h.ali_from, h.ali_to), f.end = std::max(h.ali_from, h.ali_to);
            f.env_start = std::min(h.env_from, h.env_to), f.env_end = std::max(h.env_from, h.env_to);
            f.strand = h.strand, f.model_index = m, f.dm = &r.models[m];
            f.hmm_from = h.hmm_from, f.hmm_to = h.hmm_to, f.bits = h.bits, f.evalue = h.evalue;
            f.bias = h.bias, f.has_bias = true;
            out.push_back(f);
        }
    return out;
}

std::vector<feature> features(search_result const & r)
{
    std::vector<feature> out;
    for (std::size_t m = 0; m < r.models.size(); ++m)
        for (auto const & h : r.models[m].hits)
            for (auto const & d : h.domains)
            {
                if (!d.reported)
                    continue;
                feature f;
                f.target_index = h.index, f.target = &h.name, f.target_length = h.length;
                f.start = d.ali_from, f.end = d.ali_to, f.env_start = d.env_from, f.env_end = d.env_to;
                f.model_index = m, f.pm = &r.models[m];
                f.hmm_from = d.hmm_from, f.hmm_to = d.hmm_to, f.bits = d.bits, f.evalue = d.i_evalue;
                out.push_back(f);
            }
    return out;
}

void sort_features(std::vector<feature> & fs)
{
    std::stable_sort(fs.begin(), fs.end(), [](feature const & a, feature const & b) {
        if (a.target_index != b.target_index)
            return a.target_index < b.target_index;
        if (a.start != b.start)
            return a.start < b.start;
        if (a.end != b.end)
            return a.end < b.end;
        return a.model_index < b.model_index;
    });
}

void gff3(std::ostream & out, std::vector<feature> fs, char const * type)
{
    sort_features(fs);
    out << "##gff-version 3\n";
    for (std::size_t i = 0; i < fs.size(); ++i)
        if (i == 0 || fs[i].target_index != fs[i - 1].target_index)
            out << "##sequence-region " << gff3_escape_seqid(*fs[i].target) << " 1 " << fs[i].target_length << '\n';
    std::size_t id = 0;
    for (feature const & f : fs)
    {
        std::string const & model = f.dm ? f.dm->name : f.pm->name;
        std::string const & acc = f.dm ? f.dm->accession : f.pm->accession;
        out << gff3_escape_seqid(*f.target) << "\temtk\t" << type << '\t' << f.start << '\t' << f.end << '\t'
            << fixed1(f.bits) << '\t' << f.strand << "\t.\t"
            << "ID=hit" << ++id << ";Name=" << gff3_escape_value(model) << ";Target=" << gff3_escape_value(model, true)
            << ' ' << f.hmm_from << ' ' << f.hmm_to << (f.dm ? " +" : "") << ";evalue=" << general(f.evalue);
        if (f.has_bias)
            out << ";bias=" << fixed1(f.bias);
        if (!acc.empty())
            out << ";accession=" << gff3_escape_value(acc);
        out << ";env_start=" << f.env_start << ";env_end=" << f.env_end << '\n';
    }
}

void bed(std::ostream & out, std::vector<feature> fs)
{
    sort_features(fs);
    for (feature const & f : fs)
    {
        std::string const & model = f.dm ? f.dm->name : f.pm->name;
        out << *f.target << '\t' << f.start - 1 << '\t' << f.end << '\t' << model << '\t' << bed_score(f.bits) << '\t'
            << f.strand << '\n';
    }
}

} // namespace

std::string gff3_escape_seqid(std::string_view s)
{
    std::string out;
    for (char ch : s)
    {
        auto const c = static_cast<unsigned char>(ch);
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view{".:^*$@!+_?|-"}.find(ch) != std::string_view::npos;
        out += ok ? std::string(1, ch) : percent(c);
    }
    return out;
}

std::string gff3_escape_value(std::string_view s, bool space)
{
    std::string out;
    for (char ch : s)
    {
        auto const c = static_cast<unsigned char>(ch);
        bool const esc = c < 0x20 || c == 0x7f || ch == ';' || ch == '=' || ch == '&' || ch == ',' || ch == '%' ||
                         (space && ch == ' ');
        out += esc ? percent(c) : std::string(1, ch);
    }
    return out;
}

void write_gff3(std::ostream & out, dna_search_result const & r) { gff3(out, features(r), "nucleotide_match"); }
void write_gff3(std::ostream & out, search_result const & r) { gff3(out, features(r), "protein_hmm_match"); }
void write_bed(std::ostream & out, dna_search_result const & r) { bed(out, features(r)); }
void write_bed(std::ostream & out, search_result const & r) { bed(out, features(r)); }

} // namespace emtk::hmm
