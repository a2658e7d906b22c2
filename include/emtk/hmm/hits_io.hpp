#pragma once
/// \file
/// \brief Search hits as GFF3 and BED6, for genome browsers and annotation pipelines.
///
/// GFF3 (the Sequence Ontology's GFF3 specification, version 1.26): a `##gff-version 3` line,
/// one `##sequence-region` line per target with hits (1 … its length), then one feature per hit:
/// seqid = target, source = `emtk`, type `nucleotide_match` (SO:0000347) for DNA hits and
/// `protein_hmm_match` (SO:0001831) for protein domains, start ≤ end (1-based, the alignment
/// coordinates; nhmmer's reversed minus-strand coordinates are swapped), score = bit score,
/// strand `+`/`-` (`.` for proteins), attributes `ID`, `Name` (model), `Target` (model and model
/// coordinates, GFF3's "Target=id start end"), and lower-case `evalue`, `bias`, `accession`,
/// `env_start`/`env_end`. Values are percent-escaped as the specification asks (seqid outside
/// [a-zA-Z0-9.:^*$@!+_?|-], attribute values: tab, newline, `;`, `=`, `&`, `,`, `%`, and space in
/// Target's id). Accepted by genometools' `gt gff3validator` (test/cli/hmm_search_dna_test.sh).
///
/// BED6: chrom, chromStart (0-based), chromEnd, name (the model), score, strand (`.` for
/// proteins). BED's score is an integer 0 … 1000: the bit score rounded and clamped to that range.

#include <emtk/hmm/search.hpp>
#include <emtk/hmm/search_dna.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace emtk::hmm {

/// \brief GFF3 of DNA hits (all models), features sorted by target input order then position.
void write_gff3(std::ostream & out, dna_search_result const & r);
/// \brief GFF3 of the reported domains of protein hits.
void write_gff3(std::ostream & out, search_result const & r);
/// \brief BED6 of DNA hits, sorted like write_gff3.
void write_bed(std::ostream & out, dna_search_result const & r);
/// \brief BED6 of the reported domains of protein hits.
void write_bed(std::ostream & out, search_result const & r);

/// \brief Percent-escapes a GFF3 seqid (characters outside [a-zA-Z0-9.:^*$@!+_?|-]).
[[nodiscard]] std::string gff3_escape_seqid(std::string_view s);
/// \brief Percent-escapes a GFF3 attribute value (tab, CR, LF, `;`, `=`, `&`, `,`, `%`, control
/// characters; also space when `space` is set, for the id inside Target).
[[nodiscard]] std::string gff3_escape_value(std::string_view s, bool space = false);

} // namespace emtk::hmm
