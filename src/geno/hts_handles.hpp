#pragma once
/// \file
/// \brief Owners of the htslib handles of src/geno (private): every handle and record is freed on
/// every path, an exception included (LeakSanitizer runs the bad-input tests).

#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include <cstdlib>
#include <memory>

namespace emtk::geno::detail {

struct hts_deleter
{
    void operator()(htsFile * f) const noexcept { hts_close(f); }
    void operator()(bcf_hdr_t * h) const noexcept { bcf_hdr_destroy(h); }
    void operator()(hts_idx_t * i) const noexcept { hts_idx_destroy(i); }
    void operator()(tbx_t * t) const noexcept { tbx_destroy(t); }
    void operator()(hts_itr_t * i) const noexcept { hts_itr_destroy(i); }
    void operator()(bcf1_t * r) const noexcept { bcf_destroy(r); }
};

/// \brief A unique owner of an htslib handle or record.
template <typename T>
using hts_ptr = std::unique_ptr<T, hts_deleter>;

/// \brief A new, empty VCF/BCF record. \throws std::bad_alloc
inline hts_ptr<bcf1_t> new_record()
{
    hts_ptr<bcf1_t> r{bcf_init()};
    if (!r)
        throw std::bad_alloc();
    return r;
}

/// \brief A kstring_t whose buffer is freed with it.
struct owned_kstring
{
    kstring_t s{0, 0, nullptr};
    owned_kstring() = default;
    owned_kstring(owned_kstring const &) = delete;
    owned_kstring & operator=(owned_kstring const &) = delete;
    ~owned_kstring() { std::free(s.s); }
};

/// \brief A malloc'ed buffer that htslib grows (bcf_get_genotypes...), freed with it.
template <typename T>
struct malloc_buffer
{
    T * p = nullptr;
    int n = 0;
    malloc_buffer() = default;
    malloc_buffer(malloc_buffer const &) = delete;
    malloc_buffer & operator=(malloc_buffer const &) = delete;
    ~malloc_buffer() { std::free(p); }
};

} // namespace emtk::geno::detail
