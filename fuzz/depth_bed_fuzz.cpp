/// \file
/// \brief Fuzz target: mosdepth's regions BED (`emtk cov --depth-bed`).
#include "fuzz_file.hpp"

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const * data, std::size_t size)
{
    using namespace emtk;
    std::string const path = fuzz::write_input(data, size, ".bed");
    try
    {
        cov::depth_options opt;
        cov::window_table const t = cov::read_depth_bed(path, opt);
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t.chrom[i] >= t.chrom_names.size() || t.end[i] <= t.start[i] || !(t.depth[i] >= 0))
                std::abort();
    }
    catch (user_error const &)
    {
    }
    return 0;
}
