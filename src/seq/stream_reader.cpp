/// \file
/// \brief sequence_reader (include/emtk/seq/reader.hpp): FASTA through our own line reader, FASTQ
/// through SeqAn3 3.2, EMBL / UniProt and GenBank flat files through flat_reader.hpp, one record at
/// a time, our own checks around it.
///
/// The one SeqAn3 translation unit of the seq module (ARCHITECTURE.md: SeqAn3 only inside
/// src/seq/); read_sequences() (reader.cpp) is a loop over this reader. What each part does and why:
/// - Bytes come from detail::gz_streambuf (zlib): plain or gzip/BGZF by content, stdin for "-"
///   (SeqAn3's own gzip layer cannot unget its 18-byte magic probe on std::cin, and its file
///   constructor picks the format from the extension). SeqAn3 then sees decompressed text, so its
///   own compression probe (SEQAN3_HAS_ZLIB) never triggers.
/// - The format is chosen from the first non-blank character ('>' or ';' FASTA, '@' FASTQ, 'I'
///   EMBL/UniProt, 'L' GenBank); FASTA and FASTQ go to seqan3::sequence_file_input's stream
///   constructor as a format tag, EMBL and GenBank to read_flat_record() (why not SeqAn3's: see
///   flat_reader.hpp).
/// - Records are pulled through the file's input iterator: SeqAn3 parses one record per
///   increment, so memory holds one record (plus record_builder's alphabet sample).
/// - Residues are read as plain `char` (traits below), not as a SeqAn3 alphabet: dna15/aa27 would
///   silently convert unknown letters, and the alphabet is only known after the first records.
///   record_builder converts them with emtk::seq::alphabet, and reports record numbers and residue
///   positions, which SeqAn3 does not track.
/// - The stream ends with an extra '\n' (gz_streambuf): SeqAn3 throws "No sequence information
///   given!" for a header at the very end of a file, which would lose the record's name; with the
///   newline it reads as an empty record and gets the "empty record" message with its name.
/// - FASTA is read by our own line reader (impl::next_part), for next() too (whole records) and
///   for next_part() (long records in parts, for genome scans: SeqAn3 reads a record whole, so a
///   250-Mb chromosome would be held as text and codes at once). Its rules are SeqAn3's for valid
///   files (headers start with '>' or ';', whitespace and digits in residue lines ignored) and
///   record_builder's checks and messages, applied part by part; SeqAn3 reads FASTQ (issue 15:
///   perf put SeqAn3's FASTA parsing at ~12% of a protein search's CPU, the own reader at ~9%).
/// - Every SeqAn3 exception is caught here and rethrown as emtk::user_error naming the file and
///   the record being read.

#include <emtk/seq/reader.hpp>
#include <emtk/util/error.hpp>

#include "flat_reader.hpp"
#include "gz_streambuf.hpp"
#include "record_builder.hpp"

#include <algorithm>
#include <cctype>
#include <istream>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include <seqan3/io/exception.hpp>
#include <seqan3/io/sequence_file/input.hpp>

namespace emtk::seq {

namespace {

/// SeqAn3 traits: residues as raw characters in a std::string; ids as std::string.
struct text_traits : seqan3::sequence_file_input_default_traits_dna
{
    using sequence_alphabet = char;
    using sequence_legal_alphabet = char;
    template <typename alph>
    using sequence_container = std::basic_string<alph>;
};
using text_fields = seqan3::fields<seqan3::field::id, seqan3::field::seq>; // quality: read, not kept
using text_formats = seqan3::type_list<seqan3::format_fasta, seqan3::format_fastq>;
using text_file = seqan3::sequence_file_input<text_traits, text_fields, text_formats>;

enum class text_format
{
    fasta,
    fastq,
    embl,
    genbank
};

char const * format_label(text_format f)
{
    switch (f)
    {
    case text_format::fastq: return "FASTQ";
    case text_format::embl: return "EMBL";
    case text_format::genbank: return "GenBank";
    default: return "FASTA";
    }
}

/// Skips blanks and returns the format of the data; throws for empty data and unknown formats.
text_format detect_format(detail::gz_streambuf & buffer, std::string const & path)
{
    // Format from the first non-blank character (the final '\n' of gz_streambuf is blank too).
    int first = buffer.sgetc();
    while (first != std::char_traits<char>::eof() && std::isspace(first))
    {
        buffer.sbumpc();
        first = buffer.sgetc();
    }
    if (first == std::char_traits<char>::eof())
        throw_input_error(path, 0, "empty file: no sequences");
    if (first == '@')
        return text_format::fastq;
    if (first == 'I')
        return text_format::embl;
    if (first == 'L')
        return text_format::genbank;
    if (first != '>' && first != ';')
    {
        std::string magic; // the first bytes, to name compressions that zlib does not read
        for (int c = first; magic.size() < 4 && c != std::char_traits<char>::eof(); c = buffer.snextc())
            magic.push_back(static_cast<char>(c));
        if (magic.starts_with("BZh"))
            throw_input_error(path, 0, "bzip2-compressed input is not supported (use gzip or plain text)");
        if (magic == "\x28\xB5\x2F\xFD")
            throw_input_error(path, 0, "zstd-compressed input is not supported (use gzip or plain text)");
        throw_input_error(path, 0,
                          "not a FASTA, FASTQ, EMBL or GenBank file: it starts with " +
                              detail::printable(static_cast<char>(first)) + " (expected '>', '@', 'ID' or 'LOCUS')");
    }
    return text_format::fasta;
}

} // namespace

struct sequence_reader::impl
{
    std::string path;
    detail::gz_streambuf buffer;
    std::istream in;
    text_format format;
    bool fastq;
    detail::record_builder builder;
    std::unique_ptr<text_file> file;
    std::optional<decltype(std::declval<text_file &>().begin())> it;
    std::uint64_t number = 0;   // records parsed
    std::uint64_t returned = 0; // records returned by next()
    std::uint64_t line = 0;     // lines read (EMBL, GenBank)
    bool at_end = false;

    // next_part's own FASTA reading (SeqAn3 reads a record whole): lines, the header line of the
    // next record when already read, and the record being returned in parts.
    std::string text_line, header_line;
    bool have_header = false;
    bool long_open = false, long_ended = false;
    sequence long_head; // name and description of the record in parts
    std::uint64_t long_number = 0, long_offset = 0;
    detail::record_builder::part_state long_state;
    std::vector<std::uint8_t> part;

    bool between = true; // next_part is not inside a record (for messages)

    /// The number of the record being read, for a message about the byte stream.
    [[nodiscard]] std::uint64_t reading() const noexcept
    {
        if (long_open)
            return long_number;
        return number + (between || have_header ? 1 : 0);
    }

    /// next_part(), with errors of the byte stream (truncated or corrupt gzip, a read error)
    /// naming the record being read, as parse_one() does.
    bool next_part_checked(sequence & out, std::size_t max_residues, std::uint64_t & offset, bool & last)
    {
        try
        {
            return next_part(out, max_residues, offset, last);
        }
        catch (detail::stream_error const & e)
        {
            throw_input_error(path, 0, detail::record_label(reading(), {}) + ": " + e.detail());
        }
    }

    bool read_line() { return static_cast<bool>(std::getline(in, text_line)); }
    static bool is_header(std::string const & l) { return !l.empty() && (l[0] == '>' || l[0] == ';'); }
    /// `l` without whitespace and digits (SeqAn3's FASTA rule), appended to `text`.
    static void append_residues(std::string & text, std::string const & l)
    {
        std::size_t n = text.size();
        text.resize(n + l.size()); // written through a pointer, cut to size after (no push_back checks)
        char * const out = text.data();
        for (char const c : l)
            if (!(c == ' ' || (c >= '\t' && c <= '\r') || (c >= '0' && c <= '9')))
                out[n++] = c;
        text.resize(n);
    }

    /// Reads lines of the record in parts into `part` until it holds max_residues or the record ends.
    void fill_part(std::size_t max_residues)
    {
        std::string text;
        while (!long_ended && part.size() < max_residues)
        {
            if (!read_line())
            {
                long_ended = true;
                break;
            }
            if (is_header(text_line))
            {
                header_line.swap(text_line);
                have_header = true;
                long_ended = true;
                break;
            }
            text.clear();
            append_residues(text, text_line);
            builder.convert_part(long_number, long_head.name, text, part, long_state);
        }
        if (!long_ended)
        {
            int const c = in.peek();
            long_ended = c == std::char_traits<char>::eof() || c == '>' || c == ';';
        }
    }

    bool next_part(sequence & out, std::size_t max_residues, std::uint64_t & offset, bool & last)
    {
        // Parts of at least the alphabet sample: the guess sees what add() would have seen.
        max_residues = std::max(max_residues, detail::record_builder::sample_chars);
        for (;;)
        {
            if (builder.pop(out))
            {
                offset = 0;
                last = true;
                ++returned;
                return true;
            }
            if (long_open)
            {
                fill_part(max_residues);
                out.name = long_head.name;
                out.description = long_head.description;
                out.dsq.swap(part);
                part.clear();
                offset = long_offset;
                long_offset += out.dsq.size();
                last = long_ended;
                if (long_ended)
                {
                    builder.finish_part(long_number, long_head.name, long_state);
                    long_open = long_ended = false;
                    ++returned;
                }
                return true;
            }
            if (at_end)
                return false;
            between = true; // an error now is in the next record's header
            if (!have_header && !read_line()) // detect_format / the previous record stopped before a header
            {
                at_end = true;
                builder.end_of_input();
                continue;
            }
            if (!have_header)
                header_line.swap(text_line);
            have_header = false;
            std::string header = header_line.substr(1), text;
            ++number;
            between = false;
            bool long_record = false;
            while (read_line())
            {
                if (is_header(text_line))
                {
                    header_line.swap(text_line);
                    have_header = true;
                    break;
                }
                append_residues(text, text_line);
                if (text.size() > max_residues)
                {
                    long_record = true;
                    break;
                }
            }
            if (!long_record)
            {
                builder.add(number, std::move(header), std::move(text));
                continue;
            }
            builder.decide_with(text); // the records before it are queued first
            builder.count_record();
            long_head = builder.start_record(number, header);
            long_number = number;
            long_offset = 0;
            long_state = {};
            long_open = true;
            long_ended = false;
            part.clear();
            builder.convert_part(number, long_head.name, text, part, long_state);
        }
    }

    impl(std::string const & p, std::optional<alphabet_type> forced)
        : path{p}, buffer{p}, in{&buffer}, format{detect_format(buffer, p)},
          fastq{format == text_format::fastq}, builder{p, forced}
    {
        in.exceptions(std::ios::badbit); // let errors thrown by the buffer reach us, not just set badbit
    }

    /// Parses one more record into the builder; false at the end of the data. An error of the
    /// byte stream (truncated or corrupt gzip, a read error) names the record being read.
    bool parse_one()
    {
        try
        {
            return parse_one_unchecked();
        }
        catch (detail::stream_error const & e)
        {
            throw_input_error(path, 0, detail::record_label(number + 1, {}) + ": " + e.detail());
        }
    }

    bool parse_one_unchecked()
    {
        std::string const format_name = format_label(format);
        if (format == text_format::embl || format == text_format::genbank)
        {
            std::string header, residues;
            if (!detail::read_flat_record(in, format == text_format::embl ? detail::flat_format::embl
                                                                          : detail::flat_format::genbank,
                                          path, line, header, residues))
                return false;
            ++number;
            builder.add(number, std::move(header), std::move(residues));
            return true;
        }
        try
        {
            if (!file)
            {
                if (fastq)
                    file = std::make_unique<text_file>(in, seqan3::format_fastq{});
                else
                    file = std::make_unique<text_file>(in, seqan3::format_fasta{});
                file->options.truncate_ids = false; // keep the whole header: name and description
                it.emplace(file->begin());
            }
            else
                ++*it;
            if (*it == file->end())
                return false;
            ++number;
            auto & record = **it;
            builder.add(number, std::move(record.id()), std::move(record.sequence()));
            return true;
        }
        catch (user_error const &)
        {
            throw;
        }
        catch (seqan3::unexpected_end_of_input const &)
        {
            // FASTA cannot get here (see the file comment); FASTQ: no '+' line, or short quality.
            throw_input_error(path, 0,
                              detail::record_label(number + 1, {}) + ": the file ends inside a " + format_name +
                                  " record (missing '+' line, or fewer quality characters than residues)");
        }
        catch (seqan3::parse_error const & e)
        {
            if (fastq) // the only FASTQ parse error: a record that does not start with '@'
                throw_input_error(path, 0,
                                  detail::record_label(number + 1, {}) +
                                      ": expected a FASTQ header line starting with '@' (more quality characters "
                                      "than residues in the record before?)");
            throw_input_error(path, 0, detail::record_label(number + 1, {}) + ": not valid " + format_name + " (" +
                                           e.what() + ")");
        }
        catch (std::bad_alloc const &)
        {
            throw; // not the input's fault
        }
        catch (std::exception const & e)
        {
            throw_input_error(path, 0, detail::record_label(number + 1, {}) + ": cannot read " + format_name + " (" +
                                           e.what() + ")");
        }
    }
};

sequence_reader::sequence_reader(std::string const & path, std::optional<alphabet_type> forced)
    : impl_{std::make_unique<impl>(path, forced)}
{
}

sequence_reader::~sequence_reader() = default;

bool sequence_reader::next(sequence & out)
{
    if (impl_->format == text_format::fasta) // own line reader (see the file comment): whole records
    {
        std::uint64_t offset = 0;
        bool last = true;
        return impl_->next_part_checked(out, std::numeric_limits<std::size_t>::max(), offset, last);
    }
    while (!impl_->builder.pop(out))
    {
        if (impl_->at_end)
            return false;
        if (!impl_->parse_one())
        {
            impl_->at_end = true;
            impl_->builder.end_of_input();
        }
    }
    ++impl_->returned;
    return true;
}

bool sequence_reader::next_part(sequence & out, std::size_t max_residues, std::uint64_t & offset, bool & last)
{
    if (impl_->format != text_format::fasta)
    {
        offset = 0;
        last = true;
        return next(out);
    }
    return impl_->next_part_checked(out, max_residues, offset, last);
}

alphabet_type sequence_reader::type() const noexcept { return impl_->builder.type(); }

std::string const & sequence_reader::source() const noexcept { return impl_->path; }

std::uint64_t sequence_reader::count() const noexcept { return impl_->returned; }

} // namespace emtk::seq
