#include "common.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace iorec::app {

void AddCommonFlags(CLI::App* cmd, GlobalOptions& g) {
  cmd->add_flag("-q,--quiet", g.quiet,
                "Print only results, warnings and errors (no progress or info lines)");
  cmd->add_option("--log-level", g.log_level, "How much to log on stderr (default: info)")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cmd->set_version_flag("--version", std::string("iorec ") + IOREC_VERSION);
}

CLI::Option* AddJsonFlag(CLI::App* cmd, bool& json, const std::string& what) {
  return cmd->add_flag("--json", json, "Print " + what + " as JSON");
}

void AddDeprecatedFormatOption(CLI::App* cmd, CLI::Option* json_flag, bool& json,
                               GlobalOptions& g) {
  cmd->add_option_function<std::string>(
         "--format",
         [json_flag, &json, &g](const std::string& format) {
           if (format == "csv" && json_flag->count() > 0)
             throw CLI::ValidationError("--format csv", "contradicts --json");
           json = format == "json";
           g.deprecations.push_back(
               format == "json"
                   ? "--format json is deprecated; use --json"
                   : "--format csv is deprecated; CSV is the default, drop the option");
         },
         "Deprecated: --format json is --json, --format csv the default")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"csv", "json"}))
      ->group("Deprecated");
}

CLI::Option* AddStudyDirArgument(CLI::App* cmd, std::string& dir) {
  return cmd->add_option("DIR", dir, "A study: the --output-dir of `iorec run` (it holds study.db)")
      ->type_name("")
      ->required();
}

void SetupLogging(const GlobalOptions& g) {
  auto logger = spdlog::get("iorec");
  if (!logger) {
    logger = spdlog::stderr_color_mt(
        "iorec", ColourOnStderr() ? spdlog::color_mode::always : spdlog::color_mode::never);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("iorec: %^%l%$: %v");
  // --quiet raises the level to warn; a stricter --log-level (error, off) still applies.
  spdlog::set_level(std::max(spdlog::level::from_str(g.log_level),
                             g.quiet ? spdlog::level::warn : spdlog::level::trace));
}

bool LiveProgressOnStderr() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) != 0 && !(term && std::strcmp(term, "dumb") == 0);
}

bool ColourOnStderr() {
  const char* no_color = std::getenv("NO_COLOR");
  return LiveProgressOnStderr() && !(no_color && *no_color);
}

}  // namespace iorec::app
