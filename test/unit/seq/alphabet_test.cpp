/// \file
/// \brief Unit tests of include/emtk/seq/alphabet.hpp: invariants first, then Easel's conventions.

#include <emtk/seq/alphabet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

using emtk::seq::alphabet;
using emtk::seq::alphabet_type;
using emtk::seq::guess_alphabet;

namespace {
constexpr std::array all_types{alphabet_type::dna, alphabet_type::rna, alphabet_type::amino};

std::string expansion(alphabet const & a, char symbol)
{
    std::string out;
    for (auto x : a.expands_to(a.code(symbol)))
        out.push_back(a.symbol(x));
    return out;
}
} // namespace

TEST_CASE("alphabet: sizes, names and symbol order", "[seq][alphabet]")
{
    auto const & dna = alphabet::get(alphabet_type::dna);
    auto const & rna = alphabet::get(alphabet_type::rna);
    auto const & amino = alphabet::get(alphabet_type::amino);
    CHECK(dna.type() == alphabet_type::dna);
    CHECK(dna.name() == "DNA");
    CHECK(rna.name() == "RNA");
    CHECK(amino.name() == "amino");
    CHECK(dna.K() == 4);
    CHECK(amino.K() == 20);
    CHECK(dna.symbols() == "ACGTRYMKSWHBVDN");
    CHECK(rna.symbols() == "ACGURYMKSWHBVDN");
    CHECK(amino.symbols() == "ACDEFGHIKLMNPQRSTVWYBJZOUX");
    CHECK(dna.Kp() == 15);
    CHECK(amino.Kp() == 26);
    CHECK(&alphabet::get(alphabet_type::amino) == &amino); // one shared instance
}

TEST_CASE("alphabet: every symbol round-trips, in either case", "[seq][alphabet]")
{
    for (auto t : all_types)
    {
        auto const & a = alphabet::get(t);
        for (int x = 0; x < a.Kp(); ++x)
        {
            char const s = a.symbol(x);
            INFO(a.name() << " code " << x << " symbol " << s);
            CHECK(std::isupper(static_cast<unsigned char>(s)));
            CHECK(a.code(s) == x);
            CHECK(a.code(static_cast<char>(std::tolower(static_cast<unsigned char>(s)))) == x);
            CHECK(a.is_canonical(x) == (x < a.K()));
        }
        CHECK_FALSE(a.is_canonical(-1));
        CHECK_FALSE(a.is_canonical(a.Kp()));
    }
}

TEST_CASE("alphabet: expansions are sorted sets of canonical codes, N and X stand for all", "[seq][alphabet]")
{
    for (auto t : all_types)
    {
        auto const & a = alphabet::get(t);
        for (int x = 0; x < a.Kp(); ++x)
        {
            INFO(a.name() << " symbol " << a.symbol(x));
            auto e = a.expands_to(x);
            REQUIRE(!e.empty());
            CHECK(std::is_sorted(e.begin(), e.end()));
            CHECK(std::adjacent_find(e.begin(), e.end()) == e.end());
            for (auto c : e)
                CHECK(a.is_canonical(c));
            if (a.is_canonical(x))
                CHECK((e.size() == 1 && e[0] == x));
            else if (t != alphabet_type::amino)
                CHECK(e.size() >= 2); // IUPAC nucleotide codes are all true ambiguities
        }
        char const any = (t == alphabet_type::amino) ? 'X' : 'N';
        CHECK(a.expands_to(a.code(any)).size() == static_cast<std::size_t>(a.K()));
        CHECK(a.code(any) == a.Kp() - 1); // the "any" symbol is last, as in Easel
    }
}

TEST_CASE("alphabet: IUPAC and Easel degeneracies", "[seq][alphabet]")
{
    auto const & dna = alphabet::get(alphabet_type::dna);
    auto const & rna = alphabet::get(alphabet_type::rna);
    auto const & amino = alphabet::get(alphabet_type::amino);
    CHECK(expansion(dna, 'R') == "AG");
    CHECK(expansion(dna, 'Y') == "CT");
    CHECK(expansion(dna, 'M') == "AC");
    CHECK(expansion(dna, 'K') == "GT");
    CHECK(expansion(dna, 'S') == "CG");
    CHECK(expansion(dna, 'W') == "AT");
    CHECK(expansion(dna, 'H') == "ACT");
    CHECK(expansion(dna, 'B') == "CGT");
    CHECK(expansion(dna, 'V') == "ACG");
    CHECK(expansion(dna, 'D') == "AGT");
    CHECK(expansion(rna, 'Y') == "CU");
    CHECK(expansion(rna, 'b') == "CGU");
    CHECK(expansion(amino, 'B') == "DN");
    CHECK(expansion(amino, 'J') == "IL");
    CHECK(expansion(amino, 'Z') == "EQ");
    CHECK(expansion(amino, 'O') == "K");
    CHECK(expansion(amino, 'u') == "C");
}

TEST_CASE("alphabet: synonyms and non-residues", "[seq][alphabet]")
{
    auto const & dna = alphabet::get(alphabet_type::dna);
    auto const & rna = alphabet::get(alphabet_type::rna);
    auto const & amino = alphabet::get(alphabet_type::amino);
    CHECK(dna.code('U') == dna.code('T'));
    CHECK(dna.code('u') == dna.code('T'));
    CHECK(rna.code('T') == rna.code('U'));
    CHECK(rna.code('t') == rna.code('U'));
    CHECK(dna.code('X') == dna.code('N'));
    CHECK(rna.code('x') == rna.code('N'));
    for (auto t : all_types)
        for (char c : std::string{"-._~*0 9\t\n>@"} + '\0' + '\xff' + '\x80')
        {
            INFO(alphabet::get(t).name() << " char " << static_cast<int>(c));
            CHECK(alphabet::get(t).code(c) == -1);
        }
    CHECK(dna.code('E') == -1);
    CHECK(dna.code('J') == -1);
    CHECK(amino.code('E') == 3);
}

TEST_CASE("alphabet: parse", "[seq][alphabet]")
{
    CHECK(alphabet::parse("dna") == alphabet_type::dna);
    CHECK(alphabet::parse("DNA") == alphabet_type::dna);
    CHECK(alphabet::parse("Rna") == alphabet_type::rna);
    CHECK(alphabet::parse("amino") == alphabet_type::amino);
    CHECK(alphabet::parse("PROTEIN") == alphabet_type::amino);
    CHECK_FALSE(alphabet::parse("").has_value());
    CHECK_FALSE(alphabet::parse("nucleotide").has_value());
    CHECK_FALSE(alphabet::parse("dna ").has_value());
}

TEST_CASE("guess_alphabet", "[seq][alphabet]")
{
    CHECK(guess_alphabet("ACGTACGTTGCA") == alphabet_type::dna);
    CHECK(guess_alphabet("acgt nnnn\nacgt*") == alphabet_type::dna);
    CHECK(guess_alphabet("ACGUACGUUGCA") == alphabet_type::rna);
    CHECK(guess_alphabet("MKVLAAGIVGLLLAQPAMAHHHHHHWYEF") == alphabet_type::amino);
    CHECK(guess_alphabet("mkvlaag*") == alphabet_type::amino);
    // 90% rule: 9 of 10 nucleotide letters is DNA, 8 of 10 is not.
    CHECK(guess_alphabet("ACGTACGTAR") == alphabet_type::dna);
    CHECK(guess_alphabet("ACGTACGTRR") == alphabet_type::amino);
    // T and U together: not a nucleotide alphabet.
    CHECK(guess_alphabet("ACGTUACGTUACGTU") == alphabet_type::amino);
    // Garbage and nothing.
    CHECK_FALSE(guess_alphabet("").has_value());
    CHECK_FALSE(guess_alphabet(" \n\t*").has_value());
    CHECK_FALSE(guess_alphabet("12345").has_value());
    CHECK_FALSE(guess_alphabet("MKV-LAAG").has_value());
    CHECK_FALSE(guess_alphabet("\x01\x02\xff").has_value());
}
