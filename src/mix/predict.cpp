#include <emtk/mix/predict.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/format.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/json_read.hpp>

#include <cmath>
#include <ostream>

namespace emtk::mix {

namespace {

/// Reads the members of one JSON document, every failure naming the file and the member.
class model_reader
{
public:
    explicit model_reader(std::string const & path) : path_{path == "-" ? "<stdin>" : path} {}

    [[noreturn]] void fail(std::string const & what) const
    {
        throw user_error(path_ + ": " + what);
    }

    json_value const & member(json_value const & obj, std::string const & key, std::string const & where) const
    {
        json_value const * v = obj.find(key);
        if (!v)
            fail("not a model written by emtk mix: no member \"" + key + "\"" + where);
        return *v;
    }

    double number(json_value const & obj, std::string const & key, std::string const & where) const
    {
        json_value const & v = member(obj, key, where);
        if (v.type != json_value::kind::number || !std::isfinite(v.number))
            fail("\"" + key + "\"" + where + " must be a number");
        return v.number;
    }

    std::vector<double> numbers(json_value const & obj, std::string const & key, std::size_t want,
                                std::string const & where) const
    {
        json_value const & v = member(obj, key, where);
        if (v.type != json_value::kind::array || v.items.size() != want)
            fail("\"" + key + "\"" + where + " must be an array of " + std::to_string(want) + " numbers");
        std::vector<double> out;
        for (auto const & x : v.items)
        {
            if (x.type != json_value::kind::number || !std::isfinite(x.number))
                fail("\"" + key + "\"" + where + " must be an array of " + std::to_string(want) + " numbers");
            out.push_back(x.number);
        }
        return out;
    }

    std::string text(json_value const & obj, std::string const & key) const
    {
        json_value const & v = member(obj, key, "");
        if (v.type != json_value::kind::string)
            fail("\"" + key + "\" must be a string");
        return v.string;
    }

private:
    std::string path_;
};

/// True when the symmetric d×d matrix `a` (row-major) is positive definite (Cholesky succeeds).
bool positive_definite(std::vector<double> a, std::size_t d)
{
    for (std::size_t j = 0; j < d; ++j)
    {
        double diag = a[j * d + j];
        for (std::size_t k = 0; k < j; ++k)
            diag -= a[j * d + k] * a[j * d + k];
        if (!(diag > 0))
            return false;
        double const l = std::sqrt(diag);
        a[j * d + j] = l;
        for (std::size_t i = j + 1; i < d; ++i)
        {
            double s = a[i * d + j];
            for (std::size_t k = 0; k < j; ++k)
                s -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = s / l;
        }
    }
    return true;
}

component read_component(model_reader const & r, json_value const & c, mixture const & m, std::size_t index)
{
    std::string const where = " of component " + std::to_string(index + 1);
    if (c.type != json_value::kind::object)
        r.fail("component " + std::to_string(index + 1) + " must be an object");
    component out;
    out.weight = r.number(c, "weight", where);
    if (!(out.weight > 0 && out.weight <= 1))
        r.fail("\"weight\"" + where + " must be in (0, 1], got " + std::to_string(out.weight));
    std::size_t const d = m.d;
    if (m.fam == family::gaussian)
    {
        out.mean = r.numbers(c, "mean", d, where);
        bool const full = m.cov == covariance_type::full && d > 1;
        out.covariance = r.numbers(c, full ? "covariance" : "variance", full ? d * d : d, where);
        if (full)
        {
            for (std::size_t i = 0; i < d; ++i)
                for (std::size_t j = 0; j < i; ++j)
                    if (out.covariance[i * d + j] != out.covariance[j * d + i])
                        r.fail("\"covariance\"" + where + " is not symmetric");
            if (!positive_definite(out.covariance, d))
                r.fail("\"covariance\"" + where + " is not positive definite");
        }
        else
            for (double v : out.covariance)
                if (!(v > 0))
                    r.fail("\"variance\"" + where + " must be positive");
    }
    else if (m.fam == family::poisson)
    {
        out.mean = {r.number(c, "rate", where)};
        if (!(out.mean[0] > 0))
            r.fail("\"rate\"" + where + " must be positive");
    }
    else
    {
        out.mean = {r.number(c, "mean", where)};
        out.size = r.number(c, "size", where);
        if (!(out.mean[0] > 0) || !(out.size > 0))
            r.fail("\"mean\" and \"size\"" + where + " must be positive");
    }
    return out;
}

} // namespace

fitted_mixture read_fitted_mixture(std::string const & path)
{
    json_value const doc = read_json_file(path);
    model_reader const r{path};
    if (doc.type != json_value::kind::object)
        r.fail("not a model written by emtk mix: the JSON is not an object");
    if (json_value const * tool = doc.find("tool"); !tool || tool->type != json_value::kind::string ||
                                                    tool->string != "emtk mix")
        r.fail("not a model written by emtk mix: \"tool\" is not \"emtk mix\"");

    fitted_mixture out;
    json_value const & input = r.member(doc, "input", "");
    json_value const & cols = r.member(input, "columns", " in \"input\"");
    if (cols.type != json_value::kind::array || cols.items.empty())
        r.fail("\"columns\" in \"input\" must be a non-empty array of column names");
    for (auto const & c : cols.items)
    {
        if (c.type != json_value::kind::string || c.string.empty())
            r.fail("\"columns\" in \"input\" must be a non-empty array of column names");
        // An unnamed column is named "column N" (dataset.hpp): read it back by its number.
        out.columns.push_back(c.string.rfind("column ", 0) == 0 ? c.string.substr(7) : c.string);
    }

    mixture & m = out.model;
    m.d = out.columns.size();
    std::string const fam = r.text(doc, "family");
    if (!parse_family(fam, m.fam))
        r.fail("\"family\" must be gaussian, poisson or negbin, got \"" + fam + "\"");
    if (m.fam != family::gaussian && m.d != 1)
        r.fail("a " + fam + " mixture has one column, \"input\" lists " + std::to_string(m.d));
    if (m.fam == family::gaussian)
    {
        std::string const cov = r.text(doc, "covariance");
        if (cov == "univariate" && m.d == 1)
            m.cov = covariance_type::full;
        else if (cov == "univariate" || !parse_covariance(cov, m.cov))
            r.fail("\"covariance\" must be full or diag (univariate for one column), got \"" + cov + "\"");
        if (json_value const * sv = doc.find("shared_variance"); sv && sv->type == json_value::kind::boolean)
            m.shared_variance = sv->boolean;
    }
    if (json_value const * hard = doc.find("hard"); hard && hard->type == json_value::kind::boolean)
        out.hard = hard->boolean;
    if (json_value const * missing = doc.find("missing"))
    {
        std::string const policy = r.text(*missing, "policy");
        if (!parse_missing_policy(policy, out.policy))
            r.fail("\"policy\" in \"missing\" must be error, drop or model, got \"" + policy + "\"");
    }

    json_value const & comps = r.member(doc, "components", "");
    if (comps.type != json_value::kind::array || comps.items.empty() ||
        comps.items.size() > static_cast<std::size_t>(max_components))
        r.fail("\"components\" must be an array of 1 to " + std::to_string(max_components) + " components");
    double total = 0;
    for (std::size_t c = 0; c < comps.items.size(); ++c)
    {
        m.components.push_back(read_component(r, comps.items[c], m, c));
        total += m.components.back().weight;
    }
    // The weights were written from a fit whose weights sum to 1 up to round-off.
    if (std::abs(total - 1) > 1e-6)
        r.fail("the component weights sum to " + std::to_string(total) + ", not 1");
    return out;
}

std::vector<double> predict_proba(dataset const & data, fitted_mixture const & m, int threads)
{
    if (data.d != m.model.d)
        throw user_error(data.source + ": " + std::to_string(data.d) + (data.d == 1 ? " column" : " columns") +
                         " selected, the model has " + std::to_string(m.model.d));
    if (m.model.fam != family::gaussian)
        for (std::size_t i = 0; i < data.n; ++i)
        {
            double const v = data.at(i, 0);
            if (!data.is_missing(i, 0) && !(v >= 0 && v == std::floor(v)))
                throw_input_error(data.source, data.line(i),
                                  data.column_label(0) + ": the " + to_string(m.model.fam) +
                                      " family needs non-negative integer counts, found " + json_writer::number(v));
        }
    return posteriors(data, m.model, m.hard, threads);
}

} // namespace emtk::mix
