// EMBL / UniProt and GenBank flat files: see flat_reader.hpp for the rules.
#include "flat_reader.hpp"

#include <emtk/util/error.hpp>

#include <cctype>
#include <string_view>

namespace emtk::seq::detail {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

std::string_view first_word(std::string_view s)
{
    s = trim(s);
    std::size_t n = 0;
    while (n < s.size() && !std::isspace(static_cast<unsigned char>(s[n])))
        ++n;
    return s.substr(0, n);
}

bool is_blank(std::string_view s) { return trim(s).empty(); }

} // namespace

bool read_flat_record(std::istream & in, flat_format format, std::string const & path, std::uint64_t & line,
                      std::string & header, std::string & residues)
{
    bool const embl = format == flat_format::embl;
    std::string_view const start = embl ? "ID" : "LOCUS";
    std::string_view const seq_start = embl ? "SQ" : "ORIGIN";
    std::string text;
    // The first non-blank line must open a record.
    do
    {
        if (!std::getline(in, text))
            return false;
        ++line;
    } while (is_blank(text));
    if (!text.starts_with(start) || (text.size() > start.size() && !std::isspace(static_cast<unsigned char>(text[start.size()]))))
        throw_input_error(path, line,
                          "expected a " + std::string{embl ? "EMBL" : "GenBank"} + " record starting with '" +
                              std::string{start} + "', found '" + std::string{first_word(text)} + "'");
    std::string_view rest = std::string_view{text}.substr(start.size());
    std::string name{first_word(rest)};
    if (embl && name.ends_with(';'))
        name.pop_back();
    if (name.empty())
        throw_input_error(path, line, "the " + std::string{start} + " line has no sequence name");
    std::uint64_t const record_line = line;
    std::string description;
    bool in_definition = false;
    bool in_sequence = false;
    residues.clear();
    while (std::getline(in, text))
    {
        ++line;
        if (text.starts_with("//"))
        {
            if (!in_sequence)
                throw_input_error(path, line,
                                  "record " + name + " (line " + std::to_string(record_line) + ") ends without its '" +
                                      std::string{seq_start} + "' line");
            header = description.empty() ? name : name + " " + description;
            return true;
        }
        if (in_sequence)
        {
            for (char c : text)
                if (!std::isspace(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)))
                    residues.push_back(c);
            continue;
        }
        std::string_view const t = text;
        if (t.starts_with(seq_start))
        {
            in_sequence = true;
            continue;
        }
        if (embl)
        {
            if (t.starts_with("DE   ") || t == "DE")
            {
                std::string_view const d = trim(t.substr(2));
                if (!d.empty())
                    description += (description.empty() ? "" : " ") + std::string{d};
            }
            else if (t.starts_with("ID ") || t == "ID")
                throw_input_error(path, line, "record " + name + " (line " + std::to_string(record_line) +
                                                  ") has no '//' line before the next ID line");
            continue;
        }
        // GenBank: DEFINITION and its continuation lines (indented).
        if (t.starts_with("DEFINITION"))
        {
            in_definition = true;
            std::string_view const d = trim(t.substr(10));
            if (!d.empty())
                description = d;
        }
        else if (in_definition && !t.empty() && std::isspace(static_cast<unsigned char>(t.front())))
        {
            std::string_view const d = trim(t);
            if (!d.empty())
                description += (description.empty() ? "" : " ") + std::string{d};
        }
        else
        {
            in_definition = false;
            if (t.starts_with("LOCUS"))
                throw_input_error(path, line, "record " + name + " (line " + std::to_string(record_line) +
                                                  ") has no '//' line before the next LOCUS line");
        }
    }
    throw_input_error(path, 0, "the file ends inside record " + name + " (line " + std::to_string(record_line) +
                                      "): expected a final '//' line");
}

} // namespace emtk::seq::detail
