/// \file
/// \brief Stockholm and A2M writers of text alignments (see alignment_io.hpp).

#include <emtk/hmm/alignment_io.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <ostream>
#include <unordered_map>

namespace emtk::hmm {

namespace {

void pad_to(std::ostream & out, std::string const & s, std::size_t width)
{
    out << s;
    for (std::size_t n = s.size(); n < width + 2; ++n)
        out << ' ';
}

} // namespace

void write_stockholm(std::ostream & out, text_alignment const & a, stockholm_options const & opt)
{
    EMTK_ASSERT(a.names.size() == a.rows.size(), "write_stockholm: names and rows differ");
    std::size_t const width = a.rf.size();
    std::size_t name_w = std::string{"#=GC RF"}.size();
    for (auto const & n : a.names)
        name_w = std::max(name_w, n.size() + (opt.posteriors ? std::string{"#=GR  PP"}.size() : 0));
    std::size_t const block = opt.block_width == 0 ? std::max<std::size_t>(width, 1) : opt.block_width;
    out << "# STOCKHOLM 1.0\n\n";
    for (std::size_t from = 0; from < std::max<std::size_t>(width, 1); from += block)
    {
        if (from > 0)
            out << '\n';
        for (std::size_t s = 0; s < a.rows.size(); ++s)
        {
            pad_to(out, a.names[s], name_w);
            out << a.rows[s].substr(from, block) << '\n';
            if (opt.posteriors)
            {
                pad_to(out, "#=GR " + a.names[s] + " PP", name_w);
                out << a.pp[s].substr(from, block) << '\n';
            }
        }
        pad_to(out, "#=GC RF", name_w);
        out << a.rf.substr(from, block) << '\n';
    }
    out << "//\n";
}

void write_a2m(std::ostream & out, text_alignment const & a)
{
    constexpr std::size_t line = 60;
    for (std::size_t s = 0; s < a.rows.size(); ++s)
    {
        out << '>' << a.names[s];
        if (s < a.descriptions.size() && !a.descriptions[s].empty())
            out << ' ' << a.descriptions[s];
        out << '\n';
        std::string text;
        text.reserve(a.rows[s].size());
        for (char c : a.rows[s])
            if (c != '.')
                text.push_back(c);
        for (std::size_t from = 0; from < text.size(); from += line)
            out << text.substr(from, line) << '\n';
        if (text.empty())
            out << '\n';
    }
}

std::optional<std::string> stockholm_name_problem(std::vector<std::string> const & names)
{
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t s = 0; s < names.size(); ++s)
    {
        auto const & n = names[s];
        if (n.empty())
            return "record " + std::to_string(s + 1) + " has an empty name";
        if (std::any_of(n.begin(), n.end(), [](char c) { return c == ' ' || c == '\t'; }))
            return "record " + std::to_string(s + 1) + " (" + n + "): a name with white space";
        auto [it, fresh] = seen.emplace(n, s);
        if (!fresh)
            return "sequence name '" + n + "' appears twice (records " + std::to_string(it->second + 1) + " and " +
                   std::to_string(s + 1) + "): alignment rows need unique names";
    }
    return std::nullopt;
}

} // namespace emtk::hmm
