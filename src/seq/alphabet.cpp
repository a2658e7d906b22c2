/// \file
/// \brief The three digital alphabets (include/emtk/seq/alphabet.hpp).
///
/// Conventions follow Easel, the library under HMMER 3 (EddyRivasLab/easel, esl_alphabet.c,
/// create_dna(), create_rna(), create_amino()):
/// - canonical residues first, in alphabetical order, then the degenerate symbols;
/// - nucleotides: IUPAC codes R={A,G} Y={C,T} M={A,C} K={G,T} S={C,G} W={A,T} H={A,C,T}
///   B={C,G,T} V={A,C,G} D={A,G,T} N=any (U in place of T for RNA);
/// - synonyms: DNA reads U as T, RNA reads T as U ("read U as a T" / "read T as a U"), and both
///   read X as N ("many seq maskers use X");
/// - amino: B={D,N}, J={I,L}, Z={E,Q}, X=any, and the rare residues as one-residue degeneracies:
///   U (selenocysteine) = {C}, O (pyrrolysine) = {K} ("selenocysteine is scored as cysteine",
///   "pyrrolysine is scored as lysine").
/// Unlike Easel, emtk has no gap, "nonresidue" or "missing data" codes: '-', '.', '_', '~', '*' and
/// every other character map to −1 (the reader decides what to do with them).

#include <emtk/seq/alphabet.hpp>

#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>

namespace emtk::seq {

namespace {

/// A degenerate symbol and the canonical symbols it stands for.
struct degeneracy
{
    char symbol;
    std::string_view canonical;
};

constexpr std::array<degeneracy, 11> dna_degenerate{{{'R', "AG"}, {'Y', "CT"}, {'M', "AC"}, {'K', "GT"},
                                                     {'S', "CG"}, {'W', "AT"}, {'H', "ACT"}, {'B', "CGT"},
                                                     {'V', "ACG"}, {'D', "AGT"}, {'N', "ACGT"}}};
constexpr std::array<degeneracy, 11> rna_degenerate{{{'R', "AG"}, {'Y', "CU"}, {'M', "AC"}, {'K', "GU"},
                                                     {'S', "CG"}, {'W', "AU"}, {'H', "ACU"}, {'B', "CGU"},
                                                     {'V', "ACG"}, {'D', "AGU"}, {'N', "ACGU"}}};
constexpr std::array<degeneracy, 6> amino_degenerate{{{'B', "DN"},
                                                      {'J', "IL"},
                                                      {'Z', "EQ"},
                                                      {'O', "K"},
                                                      {'U', "C"},
                                                      {'X', "ACDEFGHIKLMNPQRSTVWY"}}};

constexpr std::string_view dna_canonical = "ACGT";
constexpr std::string_view rna_canonical = "ACGU";
constexpr std::string_view amino_canonical = "ACDEFGHIKLMNPQRSTVWY";

char upper(char c) noexcept { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

} // namespace

alphabet::alphabet(alphabet_type t) : type_{t}
{
    std::string_view canonical;
    std::span<degeneracy const> degenerate;
    switch (t)
    {
    case alphabet_type::dna: canonical = dna_canonical; degenerate = dna_degenerate; break;
    case alphabet_type::rna: canonical = rna_canonical; degenerate = rna_degenerate; break;
    case alphabet_type::amino: canonical = amino_canonical; degenerate = amino_degenerate; break;
    }
    k_ = static_cast<int>(canonical.size());
    symbols_ = canonical;
    for (auto const & d : degenerate)
        symbols_.push_back(d.symbol);
    EMTK_ASSERT(symbols_.size() <= std::size(expansion_begin_), "alphabet: too many symbols");

    std::fill(std::begin(table_), std::end(table_), -1);
    for (std::size_t x = 0; x < symbols_.size(); ++x)
    {
        table_[static_cast<unsigned char>(symbols_[x])] = static_cast<int>(x);
        table_[static_cast<unsigned char>(lower(symbols_[x]))] = static_cast<int>(x);
    }
    // Easel's synonyms (see the file comment).
    auto synonym = [this](char read, char as) {
        int const x = table_[static_cast<unsigned char>(as)];
        table_[static_cast<unsigned char>(read)] = x;
        table_[static_cast<unsigned char>(lower(read))] = x;
    };
    if (t == alphabet_type::dna)
        synonym('U', 'T');
    if (t == alphabet_type::rna)
        synonym('T', 'U');
    if (t != alphabet_type::amino)
        synonym('X', 'N');

    for (int x = 0; x < k_; ++x)
    {
        expansion_begin_[x] = static_cast<std::uint16_t>(expansion_storage_.size());
        expansion_len_[x] = 1;
        expansion_storage_.push_back(static_cast<char>(x));
    }
    for (std::size_t i = 0; i < degenerate.size(); ++i)
    {
        std::size_t const x = static_cast<std::size_t>(k_) + i;
        expansion_begin_[x] = static_cast<std::uint16_t>(expansion_storage_.size());
        expansion_len_[x] = static_cast<std::uint16_t>(degenerate[i].canonical.size());
        for (char c : degenerate[i].canonical)
        {
            auto const pos = canonical.find(c);
            EMTK_ASSERT(pos != std::string_view::npos, "alphabet: degeneracy names a non-canonical residue");
            expansion_storage_.push_back(static_cast<char>(pos));
        }
    }
}

alphabet const & alphabet::get(alphabet_type t) noexcept
{
    static alphabet const dna{alphabet_type::dna};
    static alphabet const rna{alphabet_type::rna};
    static alphabet const amino{alphabet_type::amino};
    switch (t)
    {
    case alphabet_type::dna: return dna;
    case alphabet_type::rna: return rna;
    case alphabet_type::amino: break;
    }
    return amino;
}

std::string_view alphabet::name() const noexcept
{
    switch (type_)
    {
    case alphabet_type::dna: return "DNA";
    case alphabet_type::rna: return "RNA";
    case alphabet_type::amino: break;
    }
    return "amino";
}

std::span<std::uint8_t const> alphabet::expands_to(int code) const noexcept
{
    EMTK_ASSERT(code >= 0 && code < Kp(), "alphabet::expands_to: code out of range");
    auto const * base = reinterpret_cast<std::uint8_t const *>(expansion_storage_.data());
    auto const x = static_cast<std::size_t>(code);
    return {base + expansion_begin_[x], expansion_len_[x]};
}

std::optional<alphabet_type> alphabet::parse(std::string_view name) noexcept
{
    std::string lowered;
    for (char c : name)
        lowered.push_back(lower(c));
    if (lowered == "dna")
        return alphabet_type::dna;
    if (lowered == "rna")
        return alphabet_type::rna;
    if (lowered == "amino" || lowered == "protein")
        return alphabet_type::amino;
    return std::nullopt;
}

std::optional<alphabet_type> guess_alphabet(std::string_view residues) noexcept
{
    // Whitespace and stop codons ('*') are not counted; any other character is a "letter" in the
    // sense of the header's rule, so that digits or gaps make the text fit no alphabet.
    std::size_t total = 0, nucleotide = 0, t_count = 0, u_count = 0;
    bool all_amino = true;
    alphabet const & amino = alphabet::get(alphabet_type::amino);
    for (char c : residues)
    {
        if (std::isspace(static_cast<unsigned char>(c)) || c == '*')
            continue;
        ++total;
        switch (upper(c))
        {
        case 'T': ++t_count; ++nucleotide; break;
        case 'U': ++u_count; ++nucleotide; break;
        case 'A': case 'C': case 'G': case 'N': ++nucleotide; break;
        default: break;
        }
        if (amino.code(c) < 0)
            all_amino = false;
    }
    if (total == 0)
        return std::nullopt;
    // 90%: N runs and IUPAC codes leave some room; a protein is almost never 90% A C G T N.
    if (10 * nucleotide >= 9 * total && !(t_count > 0 && u_count > 0))
        return u_count > 0 ? alphabet_type::rna : alphabet_type::dna;
    if (all_amino)
        return alphabet_type::amino;
    return std::nullopt;
}

} // namespace emtk::seq
