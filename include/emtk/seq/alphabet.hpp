#pragma once
/// \file
/// \brief Biological alphabets in digital form: DNA, RNA, amino acids, with degenerate codes.
///
/// Residues are small integer codes. Codes 0 … K−1 are the canonical residues, in HMMER's order
/// (the order of emission columns in HMMER3 files): DNA "ACGT", RNA "ACGU", amino
/// "ACDEFGHIKLMNPQRSTVWY". Codes K … Kp−1 are degenerate symbols (IUPAC nucleotide codes
/// R Y M K S W H B V D N; amino B J Z O U X), each standing for a set of canonical residues:
/// the emission probability of a degenerate residue is the sum over that set (HMMER's rule).
/// Characters are read case-insensitively. As in Easel (esl_alphabet.c), DNA also reads U as T,
/// RNA reads T as U, and both read X as N; the amino alphabet's U (selenocysteine) stands for C and
/// O (pyrrolysine) for K. Gaps ('-', '.'), '*' and every other character have no code (−1).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace emtk::seq {

/// \brief The three biological alphabets.
enum class alphabet_type
{
    dna,
    rna,
    amino
};

/// \brief A digital alphabet: character ↔ code tables and the residues each degenerate code stands
/// for. Immutable; the three instances are shared (get()) and safe to use from any thread.
class alphabet
{
public:
    /// \brief The alphabet of a type (one shared instance per type).
    [[nodiscard]] static alphabet const & get(alphabet_type t) noexcept;

    /// \brief Which alphabet this is.
    [[nodiscard]] alphabet_type type() const noexcept { return type_; }
    /// \brief "DNA", "RNA" or "amino" (the ALPH values of HMMER3 files).
    [[nodiscard]] std::string_view name() const noexcept;
    /// \brief Number of canonical residues (4 or 20).
    [[nodiscard]] int K() const noexcept { return k_; }
    /// \brief Number of codes, canonical and degenerate.
    [[nodiscard]] int Kp() const noexcept { return static_cast<int>(symbols_.size()); }
    /// \brief All symbols, upper case, in code order.
    [[nodiscard]] std::string_view symbols() const noexcept { return symbols_; }
    /// \brief The code of a character (either case), or −1 if it is not in the alphabet.
    [[nodiscard]] int code(char c) const noexcept { return table_[static_cast<unsigned char>(c)]; }
    /// \brief The upper-case symbol of a code.
    [[nodiscard]] char symbol(int code) const noexcept { return symbols_[static_cast<std::size_t>(code)]; }
    /// \brief True for a code of a canonical residue (0 … K−1).
    [[nodiscard]] bool is_canonical(int code) const noexcept { return code >= 0 && code < k_; }
    /// \brief The canonical codes a code stands for (itself for a canonical code).
    [[nodiscard]] std::span<std::uint8_t const> expands_to(int code) const noexcept;

    /// \brief Parses "dna" | "rna" | "amino" (also "protein"), any case.
    [[nodiscard]] static std::optional<alphabet_type> parse(std::string_view name) noexcept;

private:
    explicit alphabet(alphabet_type t);
    alphabet_type type_;
    int k_;
    std::string symbols_;
    int table_[256];
    std::string expansion_storage_;              // concatenated canonical codes
    std::uint16_t expansion_begin_[32]{}, expansion_len_[32]{};
};

/// \brief Guesses the alphabet of residue text (the first records of a file): DNA or RNA when at
/// least 90% of the letters are A C G T/U N (T and U not both), otherwise amino when every letter
/// is an amino-acid symbol; nothing when the text is empty or fits no alphabet.
[[nodiscard]] std::optional<alphabet_type> guess_alphabet(std::string_view residues) noexcept;

} // namespace emtk::seq
