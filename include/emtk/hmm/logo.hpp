#pragma once
/// \file
/// \brief Sequence logos of profile HMMs (`emtk hmm logo`), drawn as SVG.
///
/// Letter heights follow Skylign's default "information content above background" (Wheeler,
/// Clements & Finn 2014, BMC Bioinformatics 15:7; HMMER's hmmlogo): the stack of match state k is
/// as tall as its relative entropy to the background, RE_k = Σ_a p_k(a) log2(p_k(a) / f(a)) bits,
/// and residue a takes the share p_k(a) of it. Residues are stacked by increasing height (the
/// largest on top); shares below 0.5% of the stack or 1 pixel are not drawn. The background f is HMMER's
/// (hmmer_io.hpp's hmmer_background), which is what HMMER's scores are relative to.

#include <emtk/hmm/hmmer_io.hpp>

#include <string>
#include <vector>

namespace emtk::hmm {

/// \brief One stack of the logo.
struct logo_column
{
    int node = 0;                   ///< match state k (1 … M)
    double relative_entropy = 0;    ///< RE_k in bits (≥ 0)
    std::string residues;           ///< residue symbols, by increasing height
    std::vector<double> heights;    ///< their heights in bits (same order), summing to RE_k
};

/// \brief The M stacks of a model (K must be the alphabet's; `bg` K values).
[[nodiscard]] std::vector<logo_column> logo_columns(profile_hmm const & hmm, seq::alphabet_type a,
                                                    std::vector<double> const & bg);

/// \brief Layout of logo_svg().
struct logo_options
{
    int per_row = 60;        ///< match states per row of the drawing (long models wrap)
    double column_width = 0; ///< pixels per stack; 0 = 14 (amino) or 22 (DNA/RNA)
    double row_height = 150; ///< pixels of the bits axis of one row
};

/// \brief A standalone SVG document: the model's name and length as a heading, rows of stacks with
/// a bits axis (0 … the largest stack rounded up, at least 1 bit) and node numbers every 10.
[[nodiscard]] std::string logo_svg(hmmer_model const & model, logo_options const & opt = {});

} // namespace emtk::hmm
