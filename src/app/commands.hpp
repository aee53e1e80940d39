#pragma once
// Subcommand registration. Each Add*Command registers one subcommand whose callback does
// the work; errors are thrown (core::InputError -> exit 2, other errors -> exit 1).
#include <CLI/CLI.hpp>

#include "common.hpp"

namespace iorec::app {

void AddRunCommand(CLI::App& root, GlobalOptions& g);
void AddWarmstartCommand(CLI::App& root, GlobalOptions& g);
void AddRecommendCommand(CLI::App& root, GlobalOptions& g);

}  // namespace iorec::app
