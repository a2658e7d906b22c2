#pragma once
/// \file
/// \brief Top-level `emtk TOOL` commands other than `mix` and `hmm` (e.g. `emtk cov`,
/// `emtk impute`): a registry that main.cpp dispatches through.
///
/// Adding a tool = adding files src/cli/<tool>_*.cpp (globbed by CMakeLists.txt), one of which
/// defines a namespace-scope `tool_registrar` for it: main.cpp needs no change.

#include "hmm_command.hpp"

namespace emtk::cli {

/// \brief The registered top-level tools (same record as an hmm subcommand), sorted by `order`.
[[nodiscard]] std::vector<hmm_subcommand> const & tool_commands();

/// \brief Registers a top-level tool at static initialisation (one namespace-scope object per tool).
struct tool_registrar
{
    explicit tool_registrar(hmm_subcommand c);
};

} // namespace emtk::cli
