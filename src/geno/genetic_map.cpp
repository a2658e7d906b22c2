/// \file
/// \brief PLINK genetic map reading and interpolation (genetic_map.hpp).

#include <emtk/geno/genetic_map.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace emtk::geno {

namespace {

std::string strip_chr(std::string const & s) { return s.rfind("chr", 0) == 0 ? s.substr(3) : s; }

} // namespace

genetic_map genetic_map::constant(double cm_per_mb)
{
    genetic_map m;
    m.rate_ = cm_per_mb;
    m.constant_ = true;
    return m;
}

genetic_map genetic_map::read(std::string const & path, double fallback_cm_per_mb)
{
    genetic_map m;
    m.path_ = path;
    m.rate_ = fallback_cm_per_mb;
    m.constant_ = false;
    std::ifstream in{path};
    if (!in)
        throw user_error(path + ": cannot open the genetic map");
    std::string line;
    std::size_t ln = 0;
    while (std::getline(in, line))
    {
        ++ln;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream ss{line};
        std::string chrom, id, cm_s, bp_s, extra;
        if (!(ss >> chrom >> id >> cm_s >> bp_s) || (ss >> extra))
            throw user_error(path + ":" + std::to_string(ln) + ": expected 4 columns 'chrom id cM bp' (PLINK map)");
        double cm = 0;
        std::int64_t bp = 0;
        auto const r1 = std::from_chars(cm_s.data(), cm_s.data() + cm_s.size(), cm);
        auto const r2 = std::from_chars(bp_s.data(), bp_s.data() + bp_s.size(), bp);
        if (r1.ec != std::errc{} || r1.ptr != cm_s.data() + cm_s.size() || !(cm >= 0) || cm > 1e9)
            throw user_error(path + ":" + std::to_string(ln) + ": column 3 (cM) is not a non-negative number: '" + cm_s + "'");
        if (r2.ec != std::errc{} || r2.ptr != bp_s.data() + bp_s.size() || bp < 1)
            throw user_error(path + ":" + std::to_string(ln) + ": column 4 (bp) is not a positive integer: '" + bp_s + "'");
        auto & c = m.contigs_[strip_chr(chrom)];
        if (!c.bp.empty() && bp <= c.bp.back())
            throw user_error(path + ":" + std::to_string(ln) + ": positions of " + chrom +
                             " are not strictly increasing (sort the map by position)");
        if (!c.cm.empty() && cm < c.cm.back())
            throw user_error(path + ":" + std::to_string(ln) + ": cM decreases along " + chrom);
        c.bp.push_back(bp);
        c.cm.push_back(cm);
    }
    if (m.contigs_.empty())
        throw user_error(path + ": the genetic map has no marker line");
    return m;
}

genetic_map::contig_map const * genetic_map::find(std::string const & contig) const
{
    auto const it = contigs_.find(strip_chr(contig));
    return it == contigs_.end() ? nullptr : &it->second;
}

bool genetic_map::has_contig(std::string const & contig) const { return constant_ || find(contig) != nullptr; }

double genetic_map::position_cm(std::string const & contig, std::int64_t bp) const
{
    std::int64_t const one[1] = {bp};
    return positions_cm(contig, one).front();
}

std::vector<double> genetic_map::positions_cm(std::string const & contig, std::span<std::int64_t const> bp) const
{
    std::vector<double> out(bp.size());
    if (constant_)
    {
        for (std::size_t i = 0; i < bp.size(); ++i)
            out[i] = static_cast<double>(bp[i]) * rate_ * 1e-6;
        return out;
    }
    contig_map const * c = find(contig);
    if (!c)
        throw user_error(path_ + ": the genetic map has no line for contig " + contig);
    std::size_t const n = c->bp.size();
    double rate = rate_ * 1e-6; // cM per bp outside the map
    if (n > 1 && c->bp.back() > c->bp.front() && c->cm.back() > c->cm.front())
        rate = (c->cm.back() - c->cm.front()) / static_cast<double>(c->bp.back() - c->bp.front());
    for (std::size_t i = 0; i < bp.size(); ++i)
    {
        std::int64_t const x = bp[i];
        if (x <= c->bp.front())
            out[i] = c->cm.front() - static_cast<double>(c->bp.front() - x) * rate;
        else if (x >= c->bp.back())
            out[i] = c->cm.back() + static_cast<double>(x - c->bp.back()) * rate;
        else
        {
            auto const hi = static_cast<std::size_t>(std::upper_bound(c->bp.begin(), c->bp.end(), x) - c->bp.begin());
            std::size_t const lo = hi - 1;
            double const f = static_cast<double>(x - c->bp[lo]) / static_cast<double>(c->bp[hi] - c->bp[lo]);
            out[i] = c->cm[lo] + f * (c->cm[hi] - c->cm[lo]);
        }
    }
    return out;
}

} // namespace emtk::geno
