#include "common.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace iorec::app {

void AddCommonFlags(CLI::App* cmd, GlobalOptions& g) {
  cmd->add_flag("-q,--quiet", g.quiet, "Only print results, warnings and errors");
  cmd->add_option("--log-level", g.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cmd->set_version_flag("--version", std::string("iorec ") + IOREC_VERSION);
}

void SetupLogging(const GlobalOptions& g) {
  auto logger = spdlog::get("iorec");
  if (!logger) logger = spdlog::stderr_color_mt("iorec");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[iorec] %^%l%$: %v");
  spdlog::set_level(g.quiet ? spdlog::level::warn : spdlog::level::from_str(g.log_level));
}

}  // namespace iorec::app
