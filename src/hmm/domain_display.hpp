#pragma once
/// \file
/// \brief Private to src/hmm/: a domain's alignment as HMMER displays it (p7_alidisplay.c's
/// conventions; read, not copied): consensus line, match line, target line, posterior line.

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/seq/alphabet.hpp>

#include <string>

namespace emtk::hmm::detail {

/// \brief The display of the M/I/D steps of `v` (the alignment of `x` to `p`), from its first to
/// its last match step. `consensus` has one character per match state (the CONS line).
/// Match line: the residue when it equals the consensus residue (either case), '+' when its
/// match score is positive (log e_k(x) > log f(x)), ' ' otherwise. Posterior line: for each
/// residue pp rounded to tenths, '*' when pp + 0.05 ≥ 1, '.' for deletions.
[[nodiscard]] domain_alignment display_alignment(profile const & p, std::string const & consensus,
                                                 seq::alphabet const & abc, digital_sequence x,
                                                 alignment_trace const & v);

} // namespace emtk::hmm::detail
