/// \file
/// \brief read_sequences(): every record of a file through sequence_reader (stream_reader.cpp,
/// the SeqAn3 translation unit), collected into one set.

#include <emtk/seq/reader.hpp>
#include <emtk/seq/sequence.hpp>

namespace emtk::seq {

sequence_set read_sequences(std::string const & path, std::optional<alphabet_type> forced)
{
    sequence_reader reader{path, forced};
    sequence_set set;
    set.source = path;
    sequence s;
    while (reader.next(s))
        set.seqs.push_back(std::move(s));
    set.type = reader.type();
    return set;
}

} // namespace emtk::seq
