/// \file
/// \brief Fuzz target: the numeric TSV reader of `emtk mix` (columns 1 and 2).
#include "fuzz_file.hpp"

#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const * data, std::size_t size)
{
    using namespace emtk;
    std::string const path = fuzz::write_input(data, size, ".tsv");
    try
    {
        numeric_table const t = read_numeric_table(path, {"1", "2"});
        if (t.values.size() != t.n * t.d)
            std::abort();
        for (double v : t.values)
            if (!std::isfinite(v))
                std::abort();
    }
    catch (user_error const &)
    {
    }
    return 0;
}
