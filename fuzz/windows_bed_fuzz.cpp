/// \file
/// \brief Fuzz target: the BED of windows of `emtk cov --by` (against a header of two chromosomes).
/// Every window planned must lie inside its chromosome and be non-empty.
#include "fuzz_file.hpp"

#include "cov/windows.hpp"

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const * data, std::size_t size)
{
    using namespace emtk;
    std::string const path = fuzz::write_input(data, size, ".bed");
    try
    {
        cov::depth_options opt;
        opt.by_bed = path;
        std::vector<std::string> const names{"chr1", "chr2"};
        std::vector<std::uint64_t> const lengths{10000, 5000};
        for (cov::detail::chrom_windows const & c : cov::detail::plan_windows(names, lengths, opt, "fuzz.bam"))
        {
            if (c.start.size() != c.stop.size())
                std::abort();
            for (std::size_t i = 0; i < c.start.size(); ++i)
                if (c.start[i] >= c.stop[i] || c.stop[i] > c.length)
                    std::abort();
        }
    }
    catch (user_error const &)
    {
    }
    return 0;
}
