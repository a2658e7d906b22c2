// Reading Stockholm and aligned FASTA alignments (see include/emtk/hmm/msa.hpp).
#include <emtk/hmm/msa.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <unordered_map>

namespace emtk::hmm {

namespace {

/// Where a piece of a row's text came from: its first column (0-based) and its file line.
struct chunk
{
    std::size_t begin = 0;
    std::uint64_t line = 0;
};

/// A row as text while reading.
struct text_row
{
    std::string name;
    std::string text;
    std::vector<chunk> chunks;
    int blocks = 0;             // Stockholm: blocks the row appeared in
    int last_block = 0;         // Stockholm: the last block it appeared in
    std::uint64_t first_line = 0;
};

bool is_blank_char(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

bool is_blank(std::string_view s) noexcept
{
    for (char c : s)
        if (!is_blank_char(c))
            return false;
    return true;
}

std::string_view trim_left(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size() && is_blank_char(s[i]))
        ++i;
    return s.substr(i);
}

/// The first blank-delimited word of `s` (s trimmed on the left); `rest` gets what follows it.
std::string_view first_word(std::string_view s, std::string_view & rest) noexcept
{
    s = trim_left(s);
    std::size_t i = 0;
    while (i < s.size() && !is_blank_char(s[i]))
        ++i;
    rest = s.substr(i);
    return s.substr(0, i);
}

/// `s` without its blanks.
std::string strip_blanks(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (!is_blank_char(c))
            out.push_back(c);
    return out;
}

std::string quoted_char(char c)
{
    auto const u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7F)
        return std::string{'\''} + c + '\'';
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned>(u));
    return buf;
}

std::string alphabet_words(seq::alphabet_type t)
{
    switch (t)
    {
    case seq::alphabet_type::dna:
        return "DNA";
    case seq::alphabet_type::rna:
        return "RNA";
    case seq::alphabet_type::amino:
        break;
    }
    return "amino-acid";
}

struct parsed
{
    std::string name;
    std::vector<text_row> rows;
    std::string rf;
    bool stockholm = false;
};

void append(text_row & r, std::string && text, std::uint64_t line)
{
    r.chunks.push_back({r.text.size(), line});
    r.text += text;
}

parsed read_stockholm(line_reader & in, std::string const & path)
{
    parsed p;
    p.stockholm = true;
    std::unordered_map<std::string, std::size_t> index;
    int block = 0;
    bool in_block = false;
    std::size_t width = 0;          // width of the current block (0: not set yet)
    std::uint64_t width_line = 0;   // the line that set it
    int rf_last_block = 0;
    bool ended = false;
    std::uint64_t end_line = 0;
    std::string_view line;

    auto start_block = [&] {
        ++block;
        in_block = true;
        width = 0;
    };
    auto check_width = [&](std::string const & what, std::size_t n) {
        if (width == 0)
        {
            width = n;
            width_line = in.line_number();
        }
        else if (n != width)
            throw_input_error(path, in.line_number(),
                              what + " has " + std::to_string(n) + " columns in this block, expected " +
                                  std::to_string(width) + " (as on line " + std::to_string(width_line) + ")");
    };

    while (in.next(line))
    {
        std::string_view const s = trim_left(line);
        if (s.empty())
        {
            in_block = false;
            continue;
        }
        if (s.substr(0, 2) == "//")
        {
            ended = true;
            end_line = in.line_number();
            break;
        }
        if (s[0] == '#')
        {
            std::string_view rest;
            std::string_view const kind = first_word(s, rest);
            if (kind == "#=GC" || kind == "#=GF")
            {
                std::string_view value;
                std::string_view const tag = first_word(rest, value);
                if (kind == "#=GF" && tag == "ID")
                {
                    std::string_view ignored;
                    p.name = std::string{first_word(value, ignored)};
                }
                else if (kind == "#=GC" && tag == "RF")
                {
                    std::string text = strip_blanks(value);
                    if (!in_block || rf_last_block == block)
                        start_block();
                    check_width("#=GC RF", text.size());
                    rf_last_block = block;
                    p.rf += text;
                }
            }
            continue; // #=GS, #=GR, other #=GC, comments
        }
        std::string_view rest;
        std::string const name{first_word(s, rest)};
        std::string text = strip_blanks(rest);
        if (text.empty())
            throw_input_error(path, in.line_number(),
                              "sequence line of row " + name + " has no alignment text (expected \"NAME TEXT\")");
        auto [it, fresh] = index.try_emplace(name, p.rows.size());
        if (fresh)
        {
            p.rows.emplace_back();
            p.rows.back().name = name;
            p.rows.back().first_line = in.line_number();
        }
        text_row & r = p.rows[it->second];
        if (!in_block || r.last_block == block)
            start_block();
        check_width("row " + name, text.size());
        r.last_block = block;
        ++r.blocks;
        append(r, std::move(text), in.line_number());
    }
    if (!ended)
        throw_input_error(path, in.line_number(), "the Stockholm alignment does not end with \"//\"");
    if (p.rows.empty())
        throw_input_error(path, end_line, "empty alignment: no sequence rows before \"//\"");
    int nblocks = 0;
    for (auto const & r : p.rows)
        nblocks = std::max(nblocks, r.blocks);
    for (auto const & r : p.rows)
        if (r.blocks != nblocks)
            throw_input_error(path, end_line,
                              "row " + r.name + " appears in " + std::to_string(r.blocks) + " block" +
                                  (r.blocks == 1 ? "" : "s") + ", expected " + std::to_string(nblocks) +
                                  " (every row must continue in every block)");
    return p;
}

parsed read_afa(line_reader & in, std::string const & path, std::string_view first)
{
    parsed p;
    std::string_view line = first;
    do
    {
        std::string_view const s = trim_left(line);
        if (s.empty())
            continue;
        if (s[0] == '>')
        {
            std::string_view rest;
            std::string_view const name = first_word(s.substr(1), rest);
            if (name.empty())
                throw_input_error(path, in.line_number(), "FASTA header without a name");
            p.rows.emplace_back();
            p.rows.back().name = std::string{name};
            p.rows.back().first_line = in.line_number();
            continue;
        }
        append(p.rows.back(), strip_blanks(s), in.line_number());
    } while (in.next(line));
    return p;
}

} // namespace

msa read_msa(std::string const & path, std::optional<seq::alphabet_type> forced)
{
    line_reader in(path);
    std::string_view line;
    bool any = false;
    while (in.next(line))
        if (!is_blank(line))
        {
            any = true;
            break;
        }
    if (!any)
        throw_input_error(path, 0, "empty file: no alignment");

    parsed p;
    std::string_view const head = trim_left(line);
    if (head.substr(0, 11) == "# STOCKHOLM")
        p = read_stockholm(in, path);
    else if (head[0] == '>')
        p = read_afa(in, path, line);
    else
        throw_input_error(path, in.line_number(),
                          "not an alignment: expected a Stockholm header \"# STOCKHOLM 1.0\" or an aligned FASTA "
                          "header \">NAME\"");

    // Every row as long as the first one.
    std::size_t const alen = p.rows.front().text.size();
    if (alen == 0)
        throw_input_error(path, p.rows.front().first_line, "empty alignment: row " + p.rows.front().name +
                                                               " has no columns");
    for (auto const & r : p.rows)
        if (r.text.size() != alen)
            throw_input_error(path, r.first_line,
                              "row " + r.name + " has " + std::to_string(r.text.size()) + " columns, expected " +
                                  std::to_string(alen) + " (the length of row " + p.rows.front().name + ")");
    if (!p.rf.empty() && p.rf.size() != alen)
        throw_input_error(path, 0,
                          "#=GC RF has " + std::to_string(p.rf.size()) + " columns, expected " + std::to_string(alen));

    // Alphabet: forced or guessed from the residues.
    seq::alphabet_type type = seq::alphabet_type::amino;
    if (forced)
        type = *forced;
    else
    {
        std::string residues;
        for (auto const & r : p.rows)
        {
            for (char c : r.text)
                if (!is_gap_char(c) && residues.size() < 100000)
                    residues.push_back(c);
            if (residues.size() >= 100000)
                break;
        }
        type = seq::guess_alphabet(residues).value_or(seq::alphabet_type::amino);
    }
    seq::alphabet const & abc = seq::alphabet::get(type);

    msa out;
    out.name = std::move(p.name);
    out.rf = std::move(p.rf);
    out.type = type;
    out.source = path;
    out.stockholm = p.stockholm;
    out.names.reserve(p.rows.size());
    out.rows.reserve(p.rows.size());
    for (auto & r : p.rows)
    {
        std::vector<std::uint8_t> codes(alen);
        std::size_t ch = 0;
        for (std::size_t j = 0; j < alen; ++j)
        {
            char const c = r.text[j];
            if (is_gap_char(c))
            {
                codes[j] = msa_gap;
                continue;
            }
            int const code = abc.code(c);
            if (code < 0)
            {
                while (ch + 1 < r.chunks.size() && r.chunks[ch + 1].begin <= j)
                    ++ch;
                throw_input_error(path, r.chunks[ch].line,
                                  "row " + r.name + ", column " + std::to_string(j + 1) + ": " + quoted_char(c) +
                                      " is not " + (type == seq::alphabet_type::amino ? "an " : "a ") +
                                      alphabet_words(type) + " residue or a gap");
            }
            codes[j] = static_cast<std::uint8_t>(code);
        }
        out.names.push_back(std::move(r.name));
        out.rows.push_back(std::move(codes));
    }
    return out;
}

seq::sequence_set unaligned_sequences(msa const & a)
{
    seq::sequence_set s;
    s.type = a.type;
    s.source = a.source;
    for (std::size_t i = 0; i < a.rows.size(); ++i)
    {
        seq::sequence q;
        q.name = a.names[i];
        for (std::uint8_t c : a.rows[i])
            if (c != msa_gap)
                q.dsq.push_back(c);
        if (!q.dsq.empty())
            s.seqs.push_back(std::move(q));
    }
    if (s.seqs.empty())
        throw_input_error(a.source, 0, "no row of the alignment has a residue");
    return s;
}

} // namespace emtk::hmm
