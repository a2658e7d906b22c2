/// \file
/// \brief Checks and digital conversion of sequence records (see record_builder.hpp).

#include "record_builder.hpp"

#include <emtk/util/error.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace emtk::seq::detail {

namespace {
/// std::isspace in the "C" locale (emtk never changes it): ' ', \t, \n, \v, \f, \r. Inline
/// instead of libc's call per residue, which took a third of the reading time (issue 15).
constexpr bool is_space(char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

/// "a DNA residue", "an RNA residue", "an amino-acid residue".
std::string_view residue_noun(alphabet_type t) noexcept
{
    switch (t)
    {
    case alphabet_type::dna: return "a DNA residue";
    case alphabet_type::rna: return "an RNA residue";
    case alphabet_type::amino: break;
    }
    return "an amino-acid residue";
}
} // namespace

std::string record_label(std::uint64_t number, std::string_view name)
{
    std::string out = "record " + std::to_string(number);
    if (!name.empty())
    {
        out += " (";
        out += name;
        out += ')';
    }
    return out;
}

std::string printable(char c)
{
    auto const u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
        return std::string{'\'', c, '\''};
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned>(u));
    return buf;
}

record_builder::record_builder(std::string path, std::optional<alphabet_type> forced)
    : source_{std::move(path)}, type_{forced}
{
}

void record_builder::add(std::uint64_t number, std::string header, std::string residues)
{
    ++added_;
    if (type_)
    {
        convert(number, header, residues);
        return;
    }
    pending_chars_ += residues.size();
    pending_.push_back({number, std::move(header), std::move(residues)});
    if (pending_.size() >= sample_records || pending_chars_ >= sample_chars)
        decide();
}

void record_builder::decide()
{
    decide_with({});
}

bool record_builder::pop(sequence & out)
{
    if (ready_.empty())
        return false;
    out = std::move(ready_.front());
    ready_.pop_front();
    return true;
}

void record_builder::end_of_input()
{
    if (!type_)
        decide();
    if (added_ == 0)
        throw_input_error(source_, 0, "no sequences in the file");
}

sequence record_builder::start_record(std::uint64_t number, std::string_view header) const
{
    // Header: first word = name, the rest (blanks trimmed) = description.
    std::string_view h = header;
    while (!h.empty() && is_space(h.front()))
        h.remove_prefix(1);
    while (!h.empty() && is_space(h.back()))
        h.remove_suffix(1);
    std::size_t name_end = 0;
    while (name_end < h.size() && !is_space(h[name_end]))
        ++name_end;
    sequence s;
    s.name = h.substr(0, name_end);
    std::string_view d = h.substr(name_end);
    while (!d.empty() && is_space(d.front()))
        d.remove_prefix(1);
    s.description = d;
    if (s.name.empty())
        throw_input_error(source_, 0, record_label(number, {}) + ": the header line has no sequence name");
    return s;
}

void record_builder::convert_part(std::uint64_t number, std::string const & name, std::string_view text,
                                  std::vector<std::uint8_t> & dsq, part_state & st) const
{
    alphabet const & abc = alphabet::get(*type_);
    for (char const c : text)
    {
        if (is_space(c))
            continue;
        ++st.position;
        if (st.star) // a residue after a '*': the '*' was not the last one
            throw_input_error(source_, 0,
                              record_label(number, name) + ": position " + std::to_string(st.star) +
                                  ": '*' (stop) inside the sequence; only a final '*' is accepted");
        int const x = abc.code(c);
        if (x >= 0)
        {
            dsq.push_back(static_cast<std::uint8_t>(x));
            continue;
        }
        if (c == '*')
        {
            st.star = st.position;
            continue;
        }
        throw_input_error(source_, 0,
                          record_label(number, name) + ": position " + std::to_string(st.position) + ": " +
                              printable(c) + " is not " + std::string{residue_noun(*type_)} +
                              (guessed_ ? " (alphabet guessed from the first records)" : ""));
    }
}

void record_builder::finish_part(std::uint64_t number, std::string const & name, part_state const & st) const
{
    if (st.position - (st.star ? 1 : 0) == 0)
        throw_input_error(source_, 0, record_label(number, name) + ": empty record: no residues after the header line");
}

void record_builder::decide_with(std::string_view more)
{
    if (type_)
        return;
    std::string sample;
    for (auto const & p : pending_)
        sample.append(p.residues, 0, std::min(p.residues.size(), sample_chars - sample.size()));
    sample.append(more.substr(0, std::min(more.size(), sample_chars - sample.size())));
    type_ = guess_alphabet(sample).value_or(alphabet_type::amino);
    guessed_ = true;
    for (auto const & p : pending_)
        convert(p.number, p.header, p.residues);
    pending_.clear();
    pending_.shrink_to_fit();
}

void record_builder::convert(std::uint64_t number, std::string const & header, std::string const & residues)
{
    sequence s = start_record(number, header);

    auto fail = [&](std::string const & what) {
        throw_input_error(source_, 0, record_label(number, s.name) + ": " + what);
    };
    // The last non-blank character may be a stop codon '*' (dropped).
    std::size_t end = residues.size();
    while (end > 0 && is_space(residues[end - 1]))
        --end;
    if (end > 0 && residues[end - 1] == '*')
        --end;

    alphabet const & abc = alphabet::get(*type_);
    s.dsq.resize(end); // written through a pointer, cut to size at the end (no push_back checks)
    std::uint8_t * const out = s.dsq.data();
    std::uint64_t position = 0;
    for (std::size_t i = 0; i < end; ++i)
    {
        char const c = residues[i];
        if (is_space(c))
            continue;
        int const x = abc.code(c);
        if (x >= 0)
        {
            out[position++] = static_cast<std::uint8_t>(x);
            continue;
        }
        ++position;
        std::string const where = "position " + std::to_string(position) + ": ";
        if (c == '*')
            fail(where + "'*' (stop) inside the sequence; only a final '*' is accepted");
        fail(where + printable(c) + " is not " + std::string{residue_noun(*type_)} +
             (guessed_ ? " (alphabet guessed from the first records)" : ""));
    }
    s.dsq.resize(position);
    if (s.dsq.empty())
        fail("empty record: no residues after the header line");
    ready_.push_back(std::move(s));
}

} // namespace emtk::seq::detail
