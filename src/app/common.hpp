#pragma once
// Shared CLI plumbing: flags every subcommand takes, logging set-up.
#include <CLI/CLI.hpp>
#include <string>

namespace iorec::app {

struct GlobalOptions {
  bool quiet = false;
  std::string log_level = "info";
};

/// --quiet, --log-level and --version on a subcommand (--help comes with CLI11).
void AddCommonFlags(CLI::App* cmd, GlobalOptions& g);

/// Routes spdlog to stderr at the chosen level. Safe to call more than once.
void SetupLogging(const GlobalOptions& g);

}  // namespace iorec::app
