// Sequence logos (include/emtk/hmm/logo.hpp).
#include <emtk/hmm/logo.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/svg.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace emtk::hmm {

namespace {

/// Colours by residue class (amino: hydrophobic blue, positive red, negative magenta, polar
/// green, G orange, P yellow, H/Y cyan; nucleotides: A green, C blue, G orange, T/U red).
char const * colour(char c, seq::alphabet_type a)
{
    if (a != seq::alphabet_type::amino)
        switch (c)
        {
        case 'A': return "#2ca02c";
        case 'C': return "#1f77b4";
        case 'G': return "#ff9900";
        default: return "#d62728";
        }
    switch (c)
    {
    case 'A': case 'C': case 'F': case 'I': case 'L': case 'M': case 'V': case 'W': return "#2a6fd6";
    case 'K': case 'R': return "#d62728";
    case 'D': case 'E': return "#9b30c0";
    case 'N': case 'Q': case 'S': case 'T': return "#2ca02c";
    case 'G': return "#f08c00";
    case 'P': return "#b8a600";
    default: return "#17a2b8"; // H, Y
    }
}

} // namespace

std::vector<logo_column> logo_columns(profile_hmm const & hmm, seq::alphabet_type a, std::vector<double> const & bg)
{
    auto const & abc = seq::alphabet::get(a);
    EMTK_ASSERT(hmm.K == abc.K() && static_cast<int>(bg.size()) == hmm.K, "logo_columns: alphabet size mismatch");
    std::vector<logo_column> out;
    out.reserve(static_cast<std::size_t>(hmm.M));
    std::vector<int> order(static_cast<std::size_t>(hmm.K));
    for (int k = 1; k <= hmm.M; ++k)
    {
        auto const p = hmm.match(k);
        logo_column col;
        col.node = k;
        for (int x = 0; x < hmm.K; ++x)
        {
            auto const xu = static_cast<std::size_t>(x);
            if (p[xu] > 0)
                col.relative_entropy += p[xu] * std::log2(p[xu] / bg[xu]);
        }
        col.relative_entropy = std::max(0.0, col.relative_entropy);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int x, int y) { return p[static_cast<std::size_t>(x)] < p[static_cast<std::size_t>(y)]; });
        for (int x : order)
        {
            col.residues.push_back(abc.symbol(x));
            col.heights.push_back(p[static_cast<std::size_t>(x)] * col.relative_entropy);
        }
        out.push_back(std::move(col));
    }
    return out;
}

std::string logo_svg(hmmer_model const & model, logo_options const & opt)
{
    auto const cols = logo_columns(model.hmm, model.alphabet, hmmer_background(model.alphabet));
    int const M = static_cast<int>(cols.size());
    int const per_row = std::max(1, opt.per_row);
    double const cw = opt.column_width > 0 ? opt.column_width : (model.alphabet == seq::alphabet_type::amino ? 14.0 : 22.0);
    double ymax = 1.0;
    for (auto const & c : cols)
        ymax = std::max(ymax, std::ceil(c.relative_entropy));
    double const left = 48, top = 40, axis_gap = 34, row_h = opt.row_height;
    int const rows = (M + per_row - 1) / per_row;
    double const width = left + cw * std::min(M, per_row) + 16;
    double const height = top + rows * (row_h + axis_gap) + 8;
    svg_document svg{width, height};
    svg.title("emtk hmm logo: " + model.name);
    svg.text(left, 22, model.name + "  (M = " + std::to_string(M) + ", " +
                           std::string{seq::alphabet::get(model.alphabet).name()} + ", letter height = information content above background)",
             13, "#000", "start", "bold");
    for (int r = 0; r < rows; ++r)
    {
        double const base = top + r * (row_h + axis_gap) + row_h; // y of 0 bits
        int const first = r * per_row, last = std::min(M, first + per_row);
        // Axis: ticks at every bit.
        svg.line(left - 4, base, left - 4, base - row_h, "#444");
        for (int b = 0; b <= static_cast<int>(ymax); ++b)
        {
            double const y = base - row_h * b / ymax;
            svg.line(left - 8, y, left - 4, y, "#444");
            svg.text(left - 10, y + 4, std::to_string(b), 10, "#444", "end");
        }
        svg.text(12, base - row_h / 2, "bits", 10, "#444", "middle");
        svg.line(left, base, left + cw * (last - first), base, "#888", 0.5);
        for (int k = first; k < last; ++k)
        {
            auto const & c = cols[static_cast<std::size_t>(k)];
            double const x = left + cw * (k - first);
            double y = base;
            for (std::size_t j = 0; j < c.residues.size(); ++j)
            {
                double const h = row_h * c.heights[j] / ymax;
                if (c.heights[j] >= 0.005 * c.relative_entropy && h >= 1.0)
                    svg.stretched_glyph(x + 0.5, y, cw - 1.0, h, c.residues[j], colour(c.residues[j], model.alphabet));
                y -= h;
            }
            if (c.node == 1 || c.node % 10 == 0)
                svg.text(x + cw / 2, base + 13, std::to_string(c.node), 9, "#444", "middle");
        }
    }
    return svg.str();
}

} // namespace emtk::hmm
