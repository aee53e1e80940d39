#pragma once
// Shared CLI conventions, so that every subcommand (present and future) behaves alike:
// global flags accepted before or after the command name, one `--json` spelling, logging
// that honours NO_COLOR, and live progress only on a terminal.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace iorec::app {

struct GlobalOptions {
  bool quiet = false;
  std::string log_level = "info";
  /// Deprecated spellings used on this command line; main() warns about each.
  std::vector<std::string> deprecations;
};

/// --quiet, --log-level and --version on `cmd` (--help comes with CLI11). Called on the root
/// and on every subcommand with the same `g`, so `iorec --quiet run ...` and
/// `iorec run --quiet ...` mean the same.
void AddCommonFlags(CLI::App* cmd, GlobalOptions& g);

/// `--json`: print the command's data as JSON instead of its text or CSV form. Every command
/// that prints data takes it; `what` completes "Print ... as JSON".
CLI::Option* AddJsonFlag(CLI::App* cmd, bool& json, const std::string& what);

/// The deprecated `--format csv|json` of `warmstart` and `export` (before `--json`): still
/// works, sets `json`, refuses `--format csv` with `json_flag`, and records a deprecation
/// warning.
void AddDeprecatedFormatOption(CLI::App* cmd, CLI::Option* json_flag, bool& json, GlobalOptions& g);

/// The DIR positional of commands that read a study (status, export, report, ...).
CLI::Option* AddStudyDirArgument(CLI::App* cmd, std::string& dir);

/// Routes spdlog to stderr at the chosen level, coloured only when ColourOnStderr(). main()
/// calls it once the command line is parsed, before the command runs; calling it again is
/// harmless.
void SetupLogging(const GlobalOptions& g);

/// True when stderr is a terminal that can redraw a line (TERM is not "dumb"): live progress
/// bars go there. Otherwise progress, if any, is plain lines.
bool LiveProgressOnStderr();

/// True when log levels on stderr may be coloured: LiveProgressOnStderr() and NO_COLOR unset
/// or empty (https://no-color.org).
bool ColourOnStderr();

}  // namespace iorec::app
