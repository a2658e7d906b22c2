/// \file
/// \brief BGZF + tabix output (see bed_output.hpp).

#include <emtk/cov/bed_output.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>

#include <htslib/bgzf.h>
#include <htslib/tbx.h>

namespace emtk::cov {

indexed_bed_output::indexed_bed_output(std::string target) : data_{target}, index_{target + ".tbi"}
{
    // Suppressed output (MPI ranks other than 0, atomic_file.hpp): nothing is written.
    if (output_suppressed())
        return;
    // The temporary file exists (atomic_output_file created it); BGZF rewrites it from the start.
    bgzf_ = bgzf_open(data_.temporary().c_str(), "w6");
    if (!bgzf_)
        throw user_error(located_message(data_.target(), 0, "cannot open for writing"));
}

indexed_bed_output::~indexed_bed_output()
{
    if (bgzf_)
        bgzf_close(static_cast<BGZF *>(bgzf_));
}

void indexed_bed_output::write(std::string_view text)
{
    if (output_suppressed())
        return;
    EMTK_ASSERT(bgzf_ != nullptr, "write after finish");
    if (bgzf_write(static_cast<BGZF *>(bgzf_), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw user_error(located_message(data_.target(), 0, "write error (disk full?)"));
}

void indexed_bed_output::finish()
{
    if (output_suppressed())
        return;
    BGZF * f = static_cast<BGZF *>(bgzf_);
    bgzf_ = nullptr;
    if (bgzf_close(f) != 0)
        throw user_error(located_message(data_.target(), 0, "write error (disk full?)"));
    if (data_.direct())
        return; // a device or pipe (/dev/null, a FIFO): nothing to index
    if (tbx_index_build2(data_.temporary().c_str(), index_.temporary().c_str(), 0, &tbx_conf_bed) != 0)
        throw user_error(located_message(index_.target(), 0, "cannot build the tabix index"));
}

void indexed_bed_output::commit()
{
    data_.commit();
    if (!data_.direct())
        index_.commit();
}

} // namespace emtk::cov
