/// \file
/// \brief Unit tests of the HMMER-format writers (include/emtk/hmm/hmmer_tables.hpp) on a hand-made
/// search result: E-value order, column counts under HMMER's splitting rule, inclusion marks, the
/// footer, and the Stockholm alignment of included domains (match columns, inserts, widths).

#include <emtk/hmm/hmmer_tables.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace emtk::hmm;

namespace {

domain_hit make_domain(int hmm_from, std::string model, std::string target, std::string pp, double bits, bool inc)
{
    domain_hit d;
    d.hmm_from = hmm_from;
    d.alignment.model = std::move(model);
    d.alignment.target = std::move(target);
    d.alignment.pp = std::move(pp);
    d.alignment.match = std::string(d.alignment.model.size(), ' ');
    int k = hmm_from;
    for (char c : d.alignment.model)
        k += c != '.';
    d.hmm_to = k - 1;
    d.ali_from = 1;
    d.ali_to = 1;
    for (char c : d.alignment.target)
        d.ali_to += c != '-';
    --d.ali_to;
    d.env_from = d.ali_from, d.env_to = d.ali_to;
    d.bits = bits;
    d.reported = true;
    d.included = inc;
    d.accuracy = 0.9;
    return d;
}

search_result make_result()
{
    search_result r;
    r.targets = 3;
    r.residues = 30;
    r.Z = 3;
    model_hits m;
    m.name = "toy";
    m.accession = "PF99999.1";
    m.M = 5;
    m.domZ = 2;
    sequence_hit weak; // input order: the weak hit first
    weak.name = "weak";
    weak.description = "a weak one";
    weak.length = 4;
    weak.bits = 5, weak.pvalue = 0.1, weak.evalue = 0.3;
    weak.domains.push_back(make_domain(2, "xxxx", "AC-D", "89.*", 5, false));
    sequence_hit strong;
    strong.name = "strong";
    strong.length = 7;
    strong.bits = 50, strong.pvalue = 1e-10, strong.evalue = 3e-10;
    strong.included = true;
    strong.domains.push_back(make_domain(1, "xx..xxx", "ACgtDEF", "*******", 50, true));
    m.hits = {weak, strong};
    r.models.push_back(m);
    return r;
}

std::vector<std::string> data_lines(std::string const & text)
{
    std::vector<std::string> out;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#')
            out.push_back(line);
    return out;
}

/// Fields of a line split on white space at most n − 1 times (HMMER's rule for its tables).
std::vector<std::string> split(std::string const & line, std::size_t n)
{
    std::vector<std::string> f;
    std::size_t i = 0;
    while (i < line.size() && f.size() + 1 < n)
    {
        while (i < line.size() && line[i] == ' ')
            ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ')
            ++j;
        f.push_back(line.substr(i, j - i));
        i = j;
    }
    while (i < line.size() && line[i] == ' ')
        ++i;
    f.push_back(line.substr(i));
    return f;
}

} // namespace

TEST_CASE("hmmer tables: sorted by E-value, HMMER's columns, footer", "[hmm][hmmer_tables]")
{
    search_result const r = make_result();
    hmmer_run_info info;
    info.version = "emtk test";
    info.date = "Thu Jan  1 00:00:00 1970";
    std::ostringstream tbl, dom;
    write_hmmer_tblout(tbl, r, info);
    write_hmmer_domtblout(dom, r, info);

    auto const rows = data_lines(tbl.str());
    REQUIRE(rows.size() == 2);
    auto const first = split(rows[0], 19), second = split(rows[1], 19);
    CHECK(first[0] == "strong");
    CHECK(second[0] == "weak");
    CHECK(first[3] == "PF99999.1");
    CHECK(first[18] == "-");
    CHECK(second[18] == "a weak one");
    CHECK(first[17] == "1"); // inc
    CHECK(second[17] == "0");
    CHECK(tbl.str().find("# Program:         emtk hmm search\n# Version:         emtk test\n# Pipeline mode:   SEARCH\n") !=
          std::string::npos);
    CHECK(tbl.str().ends_with("# Date:            Thu Jan  1 00:00:00 1970\n# [ok]\n"));

    auto const drows = data_lines(dom.str());
    REQUIRE(drows.size() == 2);
    auto const d = split(drows[0], 23);
    CHECK(d[0] == "strong");
    CHECK(d[2] == "7");  // tlen
    CHECK(d[5] == "5");  // qlen
    CHECK(d[15] == "1"); // hmm from
    CHECK(d[16] == "5"); // hmm to
    CHECK(d[21] == "0.90");
}

TEST_CASE("hmmer report: inclusion threshold line and '!'/'?' marks", "[hmm][hmmer_tables]")
{
    std::ostringstream out;
    write_hmmer_report(out, make_result(), hmmer_run_info{}, hmmer_report_options{});
    std::string const s = out.str();
    auto const strong = s.find("  strong");
    auto const threshold = s.find("------ inclusion threshold ------");
    auto const weak = s.find("  weak");
    REQUIRE(strong != std::string::npos);
    REQUIRE(threshold != std::string::npos);
    CHECK(strong < threshold);
    CHECK(threshold < weak);
    CHECK(s.find("   1 !   50.0") != std::string::npos);
    CHECK(s.find("   1 ?    5.0") != std::string::npos);
    CHECK(s.find("== domain 1  score: 50.0 bits") != std::string::npos);
    std::ostringstream noali;
    write_hmmer_report(noali, make_result(), hmmer_run_info{}, hmmer_report_options{false});
    CHECK(noali.str().find("== domain") == std::string::npos);
}

TEST_CASE("included domains alignment: match columns, inserts, RF", "[hmm][hmmer_tables]")
{
    search_result r = make_result();
    r.models[0].hits[0].domains[0].included = true; // include the weak domain too
    text_alignment const a = included_domains_alignment(r.models[0]);
    REQUIRE(a.rows.size() == 2);
    CHECK(a.names[0] == "strong/1-7");
    CHECK(a.names[1] == "weak/1-3");
    // 5 match columns, 2 insert columns after node 2.
    CHECK(a.rf == "xx..xxx");
    CHECK(a.rows[0] == "ACgtDEF");
    CHECK(a.rows[1] == "-A..C-D");
    CHECK(a.pp[1] == ".8..9.*");
    std::ostringstream sto;
    CHECK(write_included_stockholm(sto, r) == 2);
    CHECK(sto.str().starts_with("# STOCKHOLM 1.0\n"));
}
