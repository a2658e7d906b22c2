#include <emtk/em/options.hpp>
#include <emtk/util/error.hpp>

namespace emtk::em {

char const * to_string(stop_rule r) noexcept
{
    switch (r)
    {
    case stop_rule::absolute: return "absolute";
    case stop_rule::relative: return "relative";
    case stop_rule::aitken: return "aitken";
    }
    return "?";
}

char const * to_string(stop_reason r) noexcept
{
    switch (r)
    {
    case stop_reason::converged: return "converged";
    case stop_reason::max_iter: return "max_iter";
    case stop_reason::diverged: return "diverged";
    case stop_reason::degenerate: return "degenerate";
    case stop_reason::screened: return "screened";
    }
    return "?";
}

char const * to_string(em_mode m) noexcept
{
    switch (m)
    {
    case em_mode::automatic: return "auto";
    case em_mode::batch: return "batch";
    case em_mode::stepwise: return "stepwise";
    }
    return "?";
}

bool parse_em_mode(std::string const & s, em_mode & out) noexcept
{
    if (s == "auto")
        out = em_mode::automatic;
    else if (s == "batch" || s == "off")
        out = em_mode::batch;
    else if (s == "stepwise" || s == "on")
        out = em_mode::stepwise;
    else
        return false;
    return true;
}

bool parse_stop_rule(std::string const & s, stop_rule & out) noexcept
{
    if (s == "absolute")
        out = stop_rule::absolute;
    else if (s == "relative")
        out = stop_rule::relative;
    else if (s == "aitken")
        out = stop_rule::aitken;
    else
        return false;
    return true;
}

void check_options(options const & o)
{
    if (o.max_iter < 1)
        throw option_error(field_name("max_iter") + " must be at least 1");
    if (!(o.tol > 0))
        throw option_error(field_name("tol") + " must be > 0");
    if (o.restarts < 1)
        throw option_error(field_name("restarts") + " must be at least 1");
    if (o.threads < 1)
        throw option_error(field_name("threads") + " must be at least 1");
    if (o.screen_iterations < 0)
        throw option_error(field_name("screen_iterations") + " must be >= 0");
}

} // namespace emtk::em
