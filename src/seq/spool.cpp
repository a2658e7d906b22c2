/// \file
/// \brief sequence_spool, read_or_spool() and sample_records() (include/emtk/seq/spool.hpp).

#include <emtk/seq/reader.hpp>
#include <emtk/seq/spool.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>
#include <emtk/util/spool_file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <unistd.h>

namespace emtk::seq {

namespace {

/// Buffered appends to the spool's descriptor.
class spool_writer
{
public:
    spool_writer(int fd, std::string dir) : fd_{fd}, dir_{std::move(dir)} { buf_.reserve(capacity); }

    void append(char const * p, std::size_t len)
    {
        if (buf_.size() + len > capacity)
            flush();
        if (len >= capacity)
            write_out(p, len);
        else
            buf_.insert(buf_.end(), p, p + len);
    }

    void flush()
    {
        write_out(buf_.data(), buf_.size());
        buf_.clear();
    }

private:
    static constexpr std::size_t capacity = std::size_t{1} << 20;

    void write_out(char const * p, std::size_t len) { util::spool_write(fd_, p, len, dir_); }

    int fd_;
    std::string dir_;
    std::vector<char> buf_;
};

} // namespace

sequence_spool::sequence_spool(sequence_reader & reader, std::vector<sequence> first, std::string tmp_dir)
    : source_{reader.source()}, code_counts_(256, 0)
{
    std::string const dir = util::spool_directory(std::move(tmp_dir));
    fd_ = util::anonymous_spool_file(dir, "emtk-seq-spool");
    spool_writer out{fd_, dir};
    std::uint64_t offset = 0;
    auto add = [&](sequence const & s) {
        if (s.name.size() > std::numeric_limits<std::uint32_t>::max() ||
            s.dsq.size() > std::numeric_limits<std::uint32_t>::max())
            throw_input_error(source_, 0, "record '" + s.name.substr(0, 64) + "' is too long to spool (over 4 GiB)");
        offset_.push_back(offset);
        name_length_.push_back(static_cast<std::uint32_t>(s.name.size()));
        length_.push_back(static_cast<std::uint32_t>(s.dsq.size()));
        out.append(s.name.data(), s.name.size());
        out.append(reinterpret_cast<char const *>(s.dsq.data()), s.dsq.size());
        offset += s.name.size() + s.dsq.size();
        residues_ += s.dsq.size();
        for (auto c : s.dsq)
            ++code_counts_[c];
    };
    try
    {
        for (auto const & s : first)
            add(s);
        first.clear();
        first.shrink_to_fit();
        sequence s;
        while (reader.next(s))
            add(s);
        out.flush();
    }
    catch (...)
    {
        ::close(fd_);
        throw;
    }
    type_ = reader.type();
    code_counts_.resize(static_cast<std::size_t>(alphabet::get(type_).Kp()));
}

sequence_spool::~sequence_spool()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void sequence_spool::read_bytes(std::uint64_t offset, char * p, std::size_t len) const
{
    util::spool_read(fd_, offset, p, len, source_);
}

void sequence_spool::read_residues(std::size_t i, std::vector<std::uint8_t> & out) const
{
    out.resize(length_[i]);
    read_bytes(offset_[i] + name_length_[i], reinterpret_cast<char *>(out.data()), out.size());
}

std::string sequence_spool::name(std::size_t i) const
{
    std::string n(name_length_[i], '\0');
    read_bytes(offset_[i], n.data(), n.size());
    return n;
}

void sequence_spool::read(std::size_t i, sequence & out) const
{
    out.name = name(i);
    out.description.clear();
    read_residues(i, out.dsq);
}

std::optional<std::size_t> sequence_spool::find(std::string_view wanted) const
{
    for (std::size_t i = 0; i < size(); ++i)
        if (name_length_[i] == wanted.size() && name(i) == wanted)
            return i;
    return std::nullopt;
}

stored_sequences read_or_spool(std::string const & path, std::optional<alphabet_type> forced,
                               std::size_t memory_limit, std::string tmp_dir)
{
    sequence_reader reader{path, forced};
    stored_sequences out;
    out.set.source = path;
    sequence s;
    while (reader.next(s))
    {
        out.set.seqs.push_back(std::move(s));
        if (out.set.seqs.size() >= memory_limit)
        {
            out.spool = std::make_shared<sequence_spool const>(reader, std::move(out.set.seqs), std::move(tmp_dir));
            out.set.seqs.clear();
            break;
        }
    }
    out.set.type = reader.type();
    return out;
}

sequence_set sample_records(sequence_spool const & spool, std::size_t k, std::uint64_t seed,
                            std::vector<std::size_t> & index, std::optional<std::size_t> must)
{
    constexpr std::uint64_t sample_stream = 0x5345'5153'414d'504cULL; // "SEQSAMPL"
    rng r = rng{seed, 0}.split(sample_stream);
    std::size_t const n = spool.size();
    k = std::min(k, n);
    index.clear();
    // Selection sampling (Knuth, TAOCP 3.4.2, Algorithm S): item i is taken with probability
    // (k − taken) / (n − i), which gives every k-subset the same chance, in file order.
    for (std::size_t i = 0; i < n && index.size() < k; ++i)
        if (static_cast<double>(n - i) * r.uniform() < static_cast<double>(k - index.size()))
            index.push_back(i);
    if (must && !std::binary_search(index.begin(), index.end(), *must))
        index.insert(std::lower_bound(index.begin(), index.end(), *must), *must);
    sequence_set set;
    set.type = spool.type();
    set.source = spool.source();
    set.seqs.resize(index.size());
    for (std::size_t j = 0; j < index.size(); ++j)
        spool.read(index[j], set.seqs[j]);
    return set;
}

} // namespace emtk::seq
