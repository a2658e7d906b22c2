/// \file
/// \brief PREFIX.tsv of `emtk mix`: posteriors formatted in parallel blocks, written in row order.

#include <emtk/mix/assignments.hpp>
#include <emtk/util/format.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace emtk::mix {

namespace {

/// Writes one row (1-based number i1, posteriors p[0..k)) at o; returns the end.
char * write_row(char * o, std::size_t i1, double const * p, std::size_t k)
{
    std::size_t arg = 0;
    for (std::size_t c = 1; c < k; ++c)
        if (p[c] > p[arg])
            arg = c;
    o = write_uint(o, i1);
    *o++ = '\t';
    o = write_uint(o, arg + 1);
    *o++ = '\t';
    char * const posterior = o; // filled in below, once p[arg] is formatted
    o += 16;
    char const * arg_text = nullptr;
    std::size_t arg_len = 0;
    for (std::size_t c = 0; c < k; ++c)
    {
        *o++ = '\t';
        char * const here = o;
        o = write_probability(o, p[c]);
        if (c == arg)
        {
            arg_text = here;
            arg_len = static_cast<std::size_t>(o - here);
        }
    }
    // Move p1..pK left over the unused part of the 16 reserved bytes.
    std::memcpy(posterior, arg_text, arg_len);
    std::memmove(posterior + arg_len, posterior + 16, static_cast<std::size_t>(o - (posterior + 16)));
    o -= 16 - arg_len;
    *o++ = '\n';
    return o;
}

/// The table for n rows whose posteriors `fill(begin, end, out)` computes range by range.
void write_table(std::ostream & out, std::size_t n, std::size_t k, int threads,
                 std::function<void(std::size_t, std::size_t, double *)> const & fill)
{
    std::string line = "row\tcomponent\tposterior";
    for (std::size_t c = 0; c < k; ++c)
        line += "\tp" + std::to_string(c + 1);
    out << line << '\n';
    constexpr std::size_t rows_per_block = 1 << 15;
    constexpr std::size_t blocks_per_wave = 16; // bounds the text and posteriors held in memory
    std::size_t const n_blocks = (n + rows_per_block - 1) / rows_per_block;
    // Per-block text buffers, allocated once and not zero-filled (a std::string would be).
    std::size_t const max_row = 48 + 13 * (k + 1); // 2×21 + (K+1)×13 characters at most
    std::size_t const buffers = std::min(blocks_per_wave, n_blocks);
    std::vector<std::unique_ptr<char[]>> text(buffers);
    std::vector<std::size_t> text_len(buffers, 0);
    for (auto & t : text)
        t.reset(new char[rows_per_block * max_row]);
    std::vector<double> wave_post;
    for (std::size_t w = 0; w < n_blocks; w += blocks_per_wave)
    {
        std::size_t const w_end = std::min(n_blocks, w + blocks_per_wave);
        std::size_t const wave_begin = w * rows_per_block, wave_end = std::min(n, w_end * rows_per_block);
        wave_post.resize((wave_end - wave_begin) * k);
        fill(wave_begin, wave_end, wave_post.data());
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
        for (std::size_t b = w; b < w_end; ++b)
        {
            std::size_t const r_begin = b * rows_per_block, r_end = std::min(n, r_begin + rows_per_block);
            char * const start = text[b - w].get();
            char * o = start;
            for (std::size_t i = r_begin; i < r_end; ++i)
                o = write_row(o, i + 1, wave_post.data() + (i - wave_begin) * k, k);
            text_len[b - w] = static_cast<std::size_t>(o - start);
        }
        for (std::size_t b = w; b < w_end; ++b)
            out.write(text[b - w].get(), static_cast<std::streamsize>(text_len[b - w]));
    }
}

} // namespace

void write_assignments(std::ostream & out, std::vector<double> const & post, std::size_t n, std::size_t k)
{
    write_table(out, n, k, 1, [&](std::size_t begin, std::size_t end, double * o) {
        std::copy(post.begin() + static_cast<std::ptrdiff_t>(begin * k),
                  post.begin() + static_cast<std::ptrdiff_t>(end * k), o);
    });
}

void write_assignments(std::ostream & out, posterior_blocks const & post, std::size_t n, std::size_t k, int threads)
{
    write_table(out, n, k, threads, [&](std::size_t begin, std::size_t end, double * o) { post(begin, end, o); });
}

} // namespace emtk::mix
