#pragma once
/// \file
/// \brief Private to src/hmm/: small helpers shared by the writers of HMMER's formats
/// (hmmer_tables.cpp, hmmer_report.cpp).

#include <emtk/hmm/search.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace emtk::hmm::detail {

/// \brief printf into a std::string (HMMER's layouts are printf layouts).
template <typename... Args>
[[nodiscard]] std::string printf_string(char const * f, Args... args)
{
    int const n = std::snprintf(nullptr, 0, f, args...);
    std::string s(static_cast<std::size_t>(n), '\0');
    std::snprintf(s.data(), s.size() + 1, f, args...);
    return s;
}

/// \brief Domains of `h` marked reported.
[[nodiscard]] inline int reported_count(sequence_hit const & h)
{
    return static_cast<int>(std::count_if(h.domains.begin(), h.domains.end(), [](domain_hit const & d) { return d.reported; }));
}

/// \brief Domains of `h` marked included.
[[nodiscard]] inline int included_count(sequence_hit const & h)
{
    return static_cast<int>(std::count_if(h.domains.begin(), h.domains.end(), [](domain_hit const & d) { return d.included; }));
}

/// \brief The best (highest-scoring) domain of `h`, or nullptr when domains were not defined.
[[nodiscard]] inline domain_hit const * best_domain(sequence_hit const & h)
{
    domain_hit const * best = nullptr;
    for (auto const & d : h.domains)
        if (!best || d.bits > best->bits)
            best = &d;
    return best;
}

} // namespace emtk::hmm::detail
