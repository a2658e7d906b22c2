#pragma once
/// \file
/// \brief A BGZF-compressed BED file with its tabix index, appearing whole or not at all.
///
/// Lines go through htslib's BGZF writer into a temporary file beside the target; finish() closes
/// it and builds the tabix index (BED preset: 0-based starts, '#' header lines) into a second
/// temporary file; commit() renames both onto TARGET and TARGET.tbi. Until commit() the
/// destructor removes both temporaries (util/atomic_file.hpp does the bookkeeping).

#include <emtk/util/atomic_file.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace emtk::cov {

class indexed_bed_output
{
public:
    /// \throws user_error when the directory is missing or not writable.
    explicit indexed_bed_output(std::string target);
    indexed_bed_output(indexed_bed_output const &) = delete;
    indexed_bed_output & operator=(indexed_bed_output const &) = delete;
    ~indexed_bed_output();

    /// \brief Appends text (whole lines, each ending in '\n'; sorted by chromosome then start).
    /// \throws user_error on a write error.
    void write(std::string_view text);
    /// \brief Closes the BGZF stream and builds the index. \throws user_error on failure.
    void finish();
    /// \brief Renames the file and its index into place (call after finish()).
    void commit();

private:
    atomic_output_file data_, index_;
    void * bgzf_ = nullptr; // BGZF*, opaque so that htslib stays out of this header
};

} // namespace emtk::cov
